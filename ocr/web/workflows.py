"""The workflow editor: a detector, a cropper and a recognizer from the gallery, their
parameters within the bounds the gallery declares, checked again by the engine when saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ocr import selectors, services
from ocr.engine.errors import WorkflowError
from ocr.engine.gallery import describe_gallery
from ocr.engine.workflow import READY_WORKFLOWS, WORKFLOW_KEY

# The one chain the engine runs today (ocr.engine.workflow._check_chain), with its node ids.
STAGES = (("detect", "detector", "Detector"), ("crop", "cropper", "Cropper"),
          ("read", "recognizer", "Recognizer"))  # fmt: skip
NAME_MAX = 200


@dataclass
class ParamField:
    name: str  # the form field: "<model id>.<param>"
    param: str
    type: str
    default: Any
    min: Any
    max: Any
    step: str
    description: str
    choices: list[str]
    value: Any


@dataclass
class ModelChoice:
    id: str
    description: str
    params: list[ParamField]
    unavailable: str = ""  # why it cannot run here (weights not installed); "" when it can


@dataclass
class Stage:
    node: str
    kind: str
    label: str
    selected: str
    models: list[ModelChoice]
    errors: list[str] = field(default_factory=list)


def _step(spec: dict[str, Any]) -> str:
    """The HTML step that accepts the default: whole numbers for ints, else the coarsest of a
    few decimal steps that the default sits on (counted from min, as browsers do)."""
    if spec["type"] != "float":
        return "1"  # ints; bools and choices have no step
    base = Decimal(str(spec["min"] if spec["min"] is not None else 0))
    for step in ("0.01", "0.001", "0.0001"):
        if (Decimal(str(spec["default"])) - base) % Decimal(step) == 0:
            return step
    return "any"


def _default_selection() -> dict[str, str]:
    nodes = {node["id"]: node for node in READY_WORKFLOWS["default"]["nodes"]}
    return {kind: nodes[node]["model"] for node, kind, _ in STAGES}


def _stages(data: QueryDict | None) -> list[Stage]:
    """The editor's fields, filled from a POST (or the default workflow's models)."""
    gallery = describe_gallery()
    chosen = _default_selection()
    stages = []
    for node, kind, label in STAGES:
        models = []
        for model in (m for m in gallery if m["kind"] == kind):
            params = []
            for name, spec in model["params"].items():
                field_name = f"{model['id']}.{name}"
                if data is None:
                    value = spec["default"]
                elif spec["type"] == "bool":
                    value = field_name in data
                else:
                    value = data.get(field_name, "")
                params.append(
                    ParamField(
                        name=field_name,
                        param=name,
                        type=spec["type"],
                        default=spec["default"],
                        min=spec["min"],
                        max=spec["max"],
                        step=_step(spec),
                        description=spec["description"],
                        choices=spec.get("choices", []),
                        value=value,
                    )  # fmt: skip
                )
            models.append(
                ModelChoice(model["id"], model["description"], params, model["unavailable"])
            )
        selected = data.get(kind, "") if data is not None else chosen[kind]
        stages.append(Stage(node, kind, label, selected, models))
    return stages


def _nodes(stages: list[Stage]) -> list[dict[str, Any]]:
    """The workflow the form describes; an empty number means the parameter's default."""
    nodes: list[dict[str, Any]] = []
    previous = None
    for stage in stages:
        model = next((m for m in stage.models if m.id == stage.selected), None)
        params: dict[str, Any] = {}
        for param in model.params if model else []:
            if param.type == "bool":
                params[param.param] = bool(param.value)
            elif str(param.value).strip():
                params[param.param] = str(param.value).strip()
        nodes.append(
            {"id": stage.node, "model": stage.selected, "params": params, "input": previous}
        )
        previous = stage.node
    return nodes


@login_required
@require_http_methods(["GET", "POST"])
def workflows(request: HttpRequest, app: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    data = request.POST if request.method == "POST" else None
    stages = _stages(data)
    name = (data.get("name", "") if data is not None else "").strip()
    errors: list[str] = []
    if data is not None:
        for stage in stages:
            if stage.selected not in {m.id for m in stage.models}:
                stage.errors.append(f"Choose a {stage.kind} from the gallery.")
        if not name:
            errors.append("Give the workflow a name.")
        elif len(name) > NAME_MAX:
            errors.append(f"The name is longer than {NAME_MAX} characters.")
        if not errors and not any(stage.errors for stage in stages):
            try:
                saved = services.create_workflow(the_app, name, _nodes(stages))
            except WorkflowError as exc:
                by_node = {stage.node: stage for stage in stages}
                for key, problems in exc.errors.items():
                    target = by_node[key].errors if key in by_node else errors
                    target.extend(problems)
            else:
                messages.success(
                    request,
                    f"Saved the workflow {saved.name}. Choose it for new uploads in the app's "
                    "settings, or re-run an input with it.",
                )
                return redirect("web:workflows", app=the_app.pk)
    context = {
        "app": the_app,
        "saved": the_app.workflows.all(),
        "ready": READY_WORKFLOWS,
        "stages": stages,
        "name": name,
        "errors": errors,
        "workflow_key": WORKFLOW_KEY,
    }
    status = 400 if errors or any(stage.errors for stage in stages) else 200
    return render(request, "ocr/workflows.html", context, status=status)


@login_required
@require_POST
def workflow_delete(request: HttpRequest, app: int, workflow: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    saved = get_object_or_404(the_app.workflows, pk=workflow)
    services.delete_workflow(saved)
    messages.success(request, f"Deleted the workflow {saved.name}.")
    return redirect("web:workflows", app=the_app.pk)
