"""Resolving a workflow reference (a ready workflow id or a saved workflow's id) for an app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr.engine.errors import WorkflowError
from ocr.engine.workflow import READY_WORKFLOWS, validate_workflow

from .models import App, Workflow


class UnknownWorkflowError(ValueError):
    pass


@dataclass(frozen=True)
class ResolvedWorkflow:
    name: str
    nodes: list[dict[str, Any]]


def resolve(app: App, ref: str | None, *, require_ready: bool = False) -> ResolvedWorkflow:
    """The workflow `ref` names; `require_ready` (a person choosing it, or uploading with it)
    refuses one whose models are not installed here, with the reason, rather than queue runs
    that can only fail."""
    resolved = _resolve(app, ref)
    if require_ready:
        from .selectors import trained_specs  # selectors import this module's models

        trained = trained_specs(app) if app.pk is not None else {}  # a new app has none
        try:
            validate_workflow(resolved.nodes, trained, require_ready=True)
        except WorkflowError as exc:
            reasons = "; ".join(m for messages in exc.errors.values() for m in messages)
            raise UnknownWorkflowError(
                f"The workflow {resolved.name!r} cannot run on this server: {reasons}."
            ) from None
    return resolved


def _resolve(app: App, ref: str | None) -> ResolvedWorkflow:
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
