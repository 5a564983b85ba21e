"""The model gallery page: what each model is, what it takes, and how fast and accurate the
engine's benchmark measured it (ocr/engine/gallery/figures.json, when it has been run)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ocr.engine.gallery import FIGURES_FILE, describe_gallery

log = logging.getLogger(__name__)

FIGURES_PATH = FIGURES_FILE


@dataclass(frozen=True)
class Figure:
    dataset: str
    cer: float | None
    pages_per_s: float | None
    machine: str

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
                    )
                )
    return figures


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@login_required
def gallery(request: HttpRequest) -> HttpResponse:
    figures = load_figures(FIGURES_PATH)
    models = [{**model, "figures": figures.get(model["id"], [])} for model in describe_gallery()]
    return render(request, "ocr/gallery.html", {"models": models})
