"""Writes of apps and their saved workflows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from ocr import selectors, workflows
from ocr.engine.workflow import validate_workflow
from ocr.models import App, Workflow

from .inputs import delete_input


def create_app(owner: AbstractBaseUser, name: str, workflow: str = "default") -> App:
    app = App(owner=owner, name=name.strip(), workflow=workflow or "default")
    # Refuse an unknown workflow, or one whose models are not installed, now, not at run time.
    workflows.resolve(app, app.workflow, require_ready=True)
    app.save()
    return app


def update_app(app: App, *, name: str | None = None, workflow: str | None = None) -> App:
    if name is not None:
        app.name = name.strip()
    if workflow is not None:
        workflows.resolve(app, workflow, require_ready=True)
        app.workflow = workflow
    app.save()
    return app


def delete_app(app: App) -> None:
    """The app, its inputs, runs and workflows, and every file they kept."""
    items = list(app.inputs.all())
    for item in items:
        delete_input(item)
    app.delete()


def create_workflow(app: App, name: str, nodes: list[dict[str, Any]]) -> Workflow:
    """Save validated nodes under a name; raises the engine's WorkflowError for bad ones."""
    # Its trained models too; a model whose weights are not installed would only fail its runs.
    nodes = validate_workflow(nodes, selectors.trained_specs(app), require_ready=True)
    return Workflow.objects.create(app=app, name=name.strip(), nodes=nodes)


def delete_workflow(workflow: Workflow) -> None:
    """Remove a saved workflow; an app that ran it by default goes back to "default"."""
    App.objects.filter(pk=workflow.app_id, workflow=str(workflow.pk)).update(workflow="default")
    workflow.delete()
