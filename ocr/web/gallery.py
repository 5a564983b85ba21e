"""The model gallery page: what each model is, what it takes, and how fast and accurate the
engine's benchmark measured it (ocr/engine/gallery/figures.json, when it has been run).

The benchmark measures whole workflows: the figures filed under a workflow's detector and its
recognizer are the same run's, so they are shown once, under the workflow, and each model's
card links there rather than repeating them as if they were its own."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ocr.bench.workflows import BENCH_WORKFLOWS
from ocr.engine.gallery import FIGURES_FILE, describe_gallery
from ocr.engine.workflow import READY_WORKFLOWS

log = logging.getLogger(__name__)

FIGURES_PATH = FIGURES_FILE


@dataclass(frozen=True)
class Figure:
    dataset: str
    cer: float | None
    pages_per_s: float | None
    machine: str
    workflow: str = ""  # the ready workflow measured; "" when the figure is the model's own

    @property
    def cer_percent(self) -> float | None:
        """The character error rate is stored as a fraction; people read it as a percentage."""
        return None if self.cer is None else 100 * self.cer


def load_figures(path: Path) -> dict[str, list[Figure]]:
    """The benchmark's figures by model id; none when the file is missing or unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("Ignoring the benchmark figures in %s: %s", path, exc)
        return {}
    if not isinstance(raw, dict):
        return {}
    figures: dict[str, list[Figure]] = {}
    for model_id, sets in raw.items():
        if not isinstance(sets, dict):
            continue
        for dataset, values in sorted(sets.items()):
            if isinstance(values, dict):
                figures.setdefault(model_id, []).append(
                    Figure(
                        dataset=str(dataset),
                        cer=_number(values.get("cer")),
                        pages_per_s=_number(values.get("pages_per_s")),
                        machine=str(values.get("machine") or ""),
                        workflow=str(values.get("workflow") or ""),
                    )
                )
    return figures


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass
class MeasuredWorkflow:
    id: str
    name: str
    models: list[str]
    figures: list[Figure]


def measured_workflows(figures: dict[str, list[Figure]]) -> dict[str, MeasuredWorkflow]:
    """Each measured workflow once, with its figures (taken from the first model filed under
    it: its other models carry the same run's numbers)."""
    measured: dict[str, MeasuredWorkflow] = {}
    for model_figures in figures.values():
        for figure in model_figures:
            if not figure.workflow:
                continue
            if figure.workflow not in measured:
                ready = READY_WORKFLOWS.get(figure.workflow, {})
                # A benchmark variant (the cascade recognizer's) is named as such: people
                # cannot pick it as a workflow, only build it from its models.
                variant = BENCH_WORKFLOWS.get(figure.workflow, {})
                name = ready.get("name") or (
                    f"{figure.workflow} (benchmark variant of a ready workflow)"
                    if variant
                    else figure.workflow
                )
                measured[figure.workflow] = MeasuredWorkflow(
                    id=figure.workflow,
                    name=str(name),
                    models=[node["model"] for node in (ready or variant).get("nodes", [])],
                    figures=[],
                )
            entry = measured[figure.workflow]
            if all(f.dataset != figure.dataset for f in entry.figures):
                entry.figures.append(figure)
    return dict(sorted(measured.items()))


@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    figures = load_figures(FIGURES_PATH)
    workflows = measured_workflows(figures)
    models = []
    for model in describe_gallery():
        own = figures.get(model["id"], [])
        filed = {f.workflow for f in own}
        models.append(
            {
                **model,
                "figures": [f for f in own if not f.workflow],  # measured on its own
                # The measured workflows it is part of (a cropper has no figures of its own).
                "workflows": [
                    w for w in workflows.values() if w.id in filed or model["id"] in w.models
                ],
            }
        )
    return render(request, "ocr/gallery.html", {"models": models, "workflows": workflows})
