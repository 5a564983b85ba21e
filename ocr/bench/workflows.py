"""Workflows the benchmark can name: the ready ones, and variants measured but not offered.

A variant is a ready workflow with one node changed, so that the benchmark can set a model
beside the one a ready workflow uses (CRAFT beside the PP-OCR detector) on the same pages,
without offering users a workflow nobody has chosen as a default.
"""

from __future__ import annotations

import copy
from typing import Any

from ocr.engine.errors import WorkflowError
from ocr.engine.workflow import READY_WORKFLOWS, WORKFLOW_KEY, Node, validate_workflow


def _variant(base: str, node_id: str, model: str | None, params: dict[str, Any]) -> list[Node]:
    """The nodes of ready workflow `base` with node `node_id` running `model` (None: the same
    model) with `params` (over its own when the model stays, else alone)."""
    nodes: list[Node] = copy.deepcopy(READY_WORKFLOWS[base]["nodes"])
    node = next(n for n in nodes if n["id"] == node_id)
    if model is not None and model != node["model"]:
        node["model"], node["params"] = model, dict(params)
    else:
        node["params"] = {**node["params"], **params}
    return nodes


BENCH_WORKFLOWS: dict[str, dict[str, Any]] = {
    "craft": {
        "description": "`default` with the CRAFT detector (craft-mlt-25k, the published "
        "checkpoint; word boxes) in place of PP-OCRv6 small's",
        "nodes": _variant("default", "detect", "craft-mlt-25k", {}),
    },
    "cascade": {
        "description": "`default` with the PP-OCRv6 tiny-then-small recognizer cascade "
        "(ppocrv6-cascade-rec, its default confidence) in place of PP-OCRv6 small's",
        "nodes": _variant(
            "default",
            "read",
            "ppocrv6-cascade-rec",
            {"alphabet": "latin", "drop_pictures": True},
        ),
    },
}


def known_workflows() -> list[str]:
    return sorted({*READY_WORKFLOWS, *BENCH_WORKFLOWS})


def bench_workflow(ref: str) -> list[Node]:
    """The validated nodes of a ready workflow or of one of the benchmark's variants."""
    if ref in READY_WORKFLOWS:
        nodes = READY_WORKFLOWS[ref]["nodes"]
    elif ref in BENCH_WORKFLOWS:
        nodes = BENCH_WORKFLOWS[ref]["nodes"]
    else:
        known = ", ".join(known_workflows())
        raise WorkflowError({WORKFLOW_KEY: [f"unknown workflow {ref!r}; known: {known}"]})
    return validate_workflow(copy.deepcopy(nodes))


def describe_workflow(ref: str) -> str:
    """What the report says a workflow is."""
    if ref in BENCH_WORKFLOWS:
        return f"benchmark workflow `{ref}`: {BENCH_WORKFLOWS[ref]['description']}"
    return f"Legible workflow `{ref}`"
