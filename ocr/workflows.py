"""Resolving a workflow reference (a ready workflow id or a saved workflow's id) for an app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr.engine.workflow import READY_WORKFLOWS, validate_workflow

from .models import App, Workflow


class UnknownWorkflowError(ValueError):
    pass


@dataclass(frozen=True)
class ResolvedWorkflow:
    name: str
    nodes: list[dict[str, Any]]


def resolve(app: App, ref: str | None) -> ResolvedWorkflow:
    ref = (ref or app.workflow or "default").strip()
    if ref in READY_WORKFLOWS:
        ready = READY_WORKFLOWS[ref]
        return ResolvedWorkflow(ref, validate_workflow(ready["nodes"]))
    # isascii: str.isdigit() also takes "²", which int() refuses. An app not yet saved has no
    # workflows of its own, and filtering on it would raise.
    if app.pk is not None and ref.isascii() and ref.isdigit():
        saved = Workflow.objects.filter(app=app, pk=int(ref)).first()
        if saved is not None:
            from .selectors import trained_specs  # selectors import this module's models

            return ResolvedWorkflow(saved.name, validate_workflow(saved.nodes, trained_specs(app)))
    known = ", ".join(sorted(READY_WORKFLOWS))
    raise UnknownWorkflowError(
        f"Unknown workflow {ref!r}: use a ready workflow ({known}) or the id of one of this "
        "app's workflows."
    )
