"""Workflows: lists of nodes naming gallery models, validated before anything runs."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from .errors import UnknownModelError, WorkflowError
from .gallery import ModelSpec, Param, ParamValue, get_model, unavailable

Node = dict[str, Any]

NODE_KEYS = frozenset({"id", "model", "params", "input"})
WORKFLOW_KEY = "workflow"  # error key for problems that belong to no single node

READY_WORKFLOWS: dict[str, dict[str, Any]] = {
    "default": {
        "name": "Default (PP-OCRv6 small)",
        "description": "PP-OCRv6 small detector and recognizer on CPU: a good first choice "
        "for printed pages in Latin scripts and Chinese.",
        "nodes": [
            {"id": "detect", "model": "ppocrv6-small-det", "params": {}, "input": None},
            {"id": "crop", "model": "crop-1.0", "params": {}, "input": "detect"},
            {
                "id": "read",
                "model": "ppocrv6-small-rec",
                "params": {"alphabet": "latin", "drop_pictures": True},
                "input": "crop",
            },
        ],
    },
    "fast": {
        "name": "Fast (PP-OCRv6 tiny)",
        "description": "PP-OCRv6 tiny detector and recognizer: several times faster than the "
        "default, a little less accurate.",
        "nodes": [
            {"id": "detect", "model": "ppocrv6-tiny-det", "params": {}, "input": None},
            {"id": "crop", "model": "crop-1.0", "params": {}, "input": "detect"},
            {
                "id": "read",
                "model": "ppocrv6-tiny-rec",
                "params": {"alphabet": "latin", "drop_pictures": True},
                "input": "crop",
            },
        ],
    },
    "tesseract": {
        "name": "Tesseract 5 (English)",
        "description": "Tesseract's own layout analysis and LSTM line recognizer: fast on "
        "clean printed English, weak on photos, forms and receipts.",
        "nodes": [
            {"id": "detect", "model": "tesseract-layout", "params": {}, "input": None},
            {"id": "crop", "model": "crop-1.0", "params": {}, "input": "detect"},
            {
                "id": "read",
                "model": "tesseract-line",
                "params": {"alphabet": "latin"},
                "input": "crop",
            },
        ],
    },
    "mixed": {
        "name": "Mixed (PP-OCRv6 detector, Tesseract reader)",
        "description": "PP-OCRv6 small finds the lines, also on busy or skewed pages, and "
        "Tesseract reads them (English).",
        "nodes": [
            {"id": "detect", "model": "ppocrv6-small-det", "params": {}, "input": None},
            {"id": "crop", "model": "crop-1.0", "params": {}, "input": "detect"},
            {
                "id": "read",
                "model": "tesseract-line",
                "params": {"alphabet": "latin"},
                "input": "crop",
            },
        ],
    },
}


def resolve_workflow(ref: str) -> list[Node]:
    """The validated nodes of a ready-made workflow."""
    try:
        workflow = READY_WORKFLOWS[ref]
    except (KeyError, TypeError):
        known = ", ".join(sorted(READY_WORKFLOWS))
        raise WorkflowError(
            {WORKFLOW_KEY: [f"unknown workflow {ref!r}; ready workflows: {known}"]}
        ) from None
    return validate_workflow(copy.deepcopy(workflow["nodes"]))


def _coerce(param: Param, value: object) -> ParamValue:
    """The value as the parameter's type, or ValueError with the reason."""
    if param.type == "choice":
        if isinstance(value, str) and value in param.choices:
            return value
        raise ValueError(f"must be one of {', '.join(param.choices)}, got {value!r}")
    if param.type == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"must be true or false, got {value!r}")
    # bool is an int subclass; True as a threshold is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    result: int | float
    if param.type == "int":
        if not number.is_integer():
            raise ValueError(f"must be a whole number, got {value!r}")
        result = int(number)
    else:
        result = number
    if param.min is not None and result < param.min:
        raise ValueError(f"must be between {param.min} and {param.max}, got {result}")
    if param.max is not None and result > param.max:
        raise ValueError(f"must be between {param.min} and {param.max}, got {result}")
    return result


def _check_params(spec: ModelSpec, raw: object, label: str, errors: list[str]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors.append(f"{label}: params must be an object")
        return spec.defaults()
    params: dict[str, Any] = spec.defaults()
    for name, value in raw.items():
        if name in spec.retired:
            continue
        param = spec.param(name) if isinstance(name, str) else None
        if param is None:
            known = ", ".join(p.name for p in spec.params) or "none"
            errors.append(
                f"{label}: unknown parameter {name!r} for model {spec.id!r} (known: {known})"
            )
            continue
        try:
            params[name] = _coerce(param, value)
        except ValueError as exc:
            errors.append(f"{label}: parameter {name!r} {exc}")
    return params


def _check_chain(
    nodes: list[Node], specs: dict[str, ModelSpec], errors: dict[str, list[str]]
) -> None:
    """Enforce the one shape we run today: detector -> cropper -> recognizer."""
    by_id = {node["id"]: node for node in nodes}
    kinds = {node_id: specs[node_id].kind for node_id in by_id if node_id in specs}
    needs = {"cropper": "detector", "recognizer": "cropper"}

    for node in nodes:
        node_id, source = node["id"], node["input"]
        kind = kinds.get(node_id)
        label = f"node {node_id!r}"
        if source is not None and source not in by_id:
            errors.setdefault(node_id, []).append(f"{label}: input {source!r} is not a node")
            continue
        if source == node_id:
            errors.setdefault(node_id, []).append(f"{label}: a node cannot be its own input")
            continue
        if kind is None:
            continue
        source_kind = kinds.get(source) if source is not None else None
        if kind == "detector":
            if source is not None:
                errors.setdefault(node_id, []).append(
                    f"{label}: a detector reads the page, so its input must be empty"
                )
            continue
        wanted = needs[kind]
        if source is None:
            errors.setdefault(node_id, []).append(f"{label}: a {kind} needs a {wanted} as input")
        elif kind == "recognizer" and source_kind == "detector":
            errors.setdefault(node_id, []).append(
                f"{label}: a recognizer needs a cropper between it and detector {source!r}"
            )
        elif source_kind is not None and source_kind != wanted:
            errors.setdefault(node_id, []).append(
                f"{label}: a {kind} needs a {wanted} as input, but {source!r} is a {source_kind}"
            )

    if errors:
        return
    for kind in ("detector", "cropper", "recognizer"):
        found = [node_id for node_id, k in kinds.items() if k == kind]
        if len(found) != 1:
            which = ", ".join(repr(f) for f in found)
            problem = f"has {len(found)} {kind}s ({which})" if found else f"has no {kind}"
            errors.setdefault(WORKFLOW_KEY, []).append(
                f"workflow {problem}; it must be one detector -> cropper -> recognizer chain"
            )


def validate_workflow(
    nodes: object, models: Mapping[str, ModelSpec] | None = None, *, require_ready: bool = False
) -> list[Node]:
    """Normalised copies of the nodes (defaults filled, numbers coerced) or WorkflowError.
    `models` adds models beside the gallery (an app's trained ones). `require_ready` refuses a
    model whose weights are not installed here (when a workflow is saved: a run would fail)."""
    if not isinstance(nodes, list):
        raise WorkflowError({WORKFLOW_KEY: ["a workflow must be a list of nodes"]})
    if not nodes:
        raise WorkflowError({WORKFLOW_KEY: ["a workflow needs at least one node"]})

    errors: dict[str, list[str]] = {}
    normalised: list[Node] = []
    specs: dict[str, ModelSpec] = {}
    seen: set[str] = set()
    for position, raw in enumerate(nodes, start=1):
        fallback = f"node #{position}"
        if not isinstance(raw, dict):
            errors.setdefault(fallback, []).append(f"{fallback}: must be an object")
            continue
        node_id = raw.get("id")
        if not isinstance(node_id, str) or not node_id.strip():
            errors.setdefault(fallback, []).append(f"{fallback}: missing id")
            continue
        label = f"node {node_id!r}"
        problems = errors.setdefault(node_id, [])
        if node_id in seen:
            problems.append(f"{label}: duplicate id")
            continue
        seen.add(node_id)
        extra = sorted(str(k) for k in raw if k not in NODE_KEYS)
        if extra:
            problems.append(f"{label}: unknown keys {', '.join(map(repr, extra))}")
        source = raw.get("input")
        if source is not None and not isinstance(source, str):
            problems.append(f"{label}: input must be a node id or null")
            source = None
        model_id = raw.get("model")
        if not isinstance(model_id, str) or not model_id:
            problems.append(f"{label}: missing model")
            continue
        try:
            spec = get_model(model_id, models)
        except UnknownModelError as exc:
            problems.append(f"{label}: {exc}")
            continue
        specs[node_id] = spec
        if require_ready and (reason := unavailable(spec)) is not None:
            problems.append(f"{label}: model {spec.id!r} cannot run on this server: {reason}")
        params = _check_params(spec, raw.get("params"), label, problems)
        normalised.append({"id": node_id, "model": spec.id, "params": params, "input": source})

    errors = {key: messages for key, messages in errors.items() if messages}
    if not errors:
        _check_chain(normalised, specs, errors)
    if errors:
        raise WorkflowError(errors)
    return normalised
