from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from ocr.engine import WorkflowError, resolve_workflow, validate_workflow
from ocr.engine.workflow import READY_WORKFLOWS


def chain() -> list[dict[str, Any]]:
    return copy.deepcopy(READY_WORKFLOWS["default"]["nodes"])


def errors_of(nodes: object) -> WorkflowError:
    with pytest.raises(WorkflowError) as info:
        validate_workflow(nodes)
    return info.value


def test_default_workflow_is_valid_and_filled_in() -> None:
    nodes = resolve_workflow("default")
    assert [n["id"] for n in nodes] == ["detect", "crop", "read"]
    assert nodes[0]["params"]["max_side"] == 1600
    assert nodes[1]["params"] == {
        "padding": 0,
        "rotate_upside_down": False,
        "orientation_threshold": 0.95,
    }
    assert nodes[2] == {
        "id": "read",
        "model": "ppocrv6-small-rec",
        "params": {
            "batch_size": 16,
            "min_score": 0.5,
            "alphabet": "latin",
            "drop_pictures": True,
        },
        "input": "crop",
    }
    assert READY_WORKFLOWS["default"]["name"] == "Default (PP-OCRv6 small)"


def test_resolve_unknown_workflow() -> None:
    with pytest.raises(WorkflowError, match="default"):
        resolve_workflow("fancy")


def test_validation_does_not_mutate_input() -> None:
    nodes = chain()
    before = copy.deepcopy(nodes)
    validate_workflow(nodes)
    assert nodes == before


def test_numbers_are_coerced() -> None:
    nodes = chain()
    nodes[0]["params"] = {"min_size": 5.0, "score_threshold": 1, "max_side": "960"}
    det = validate_workflow(nodes)[0]["params"]
    assert det["min_size"] == 5 and isinstance(det["min_size"], int)
    assert det["score_threshold"] == 1.0 and isinstance(det["score_threshold"], float)
    assert det["max_side"] == 960


@pytest.mark.parametrize("nodes", [None, {}, "detect", []])
def test_not_a_list_or_empty(nodes: object) -> None:
    error = errors_of(nodes)
    assert "workflow" in error.errors
    assert str(error).startswith("invalid workflow: ")


def test_node_not_a_dict() -> None:
    error = errors_of([*chain(), "oops"])
    assert "node #4" in error.errors
    assert "node #4" in str(error)


def test_missing_id() -> None:
    nodes = chain()
    del nodes[1]["id"]
    error = errors_of(nodes)
    assert "node #2: missing id" in error.errors["node #2"]


def test_duplicate_id() -> None:
    nodes = chain()
    nodes[2]["id"] = "crop"
    error = errors_of(nodes)
    assert error.errors["crop"] == ["node 'crop': duplicate id"]


def test_unknown_model() -> None:
    nodes = chain()
    nodes[2]["model"] = "tesseract-9"
    (message,) = errors_of(nodes).errors["read"]
    assert "node 'read'" in message and "tesseract-9" in message
    assert "ppocrv6-small-rec" in message  # lists what is known


def test_unknown_parameter() -> None:
    nodes = chain()
    nodes[0]["params"] = {"treshold": 0.4}
    (message,) = errors_of(nodes).errors["detect"]
    assert "node 'detect'" in message and "'treshold'" in message


def test_unknown_node_key() -> None:
    nodes = chain()
    nodes[1]["param"] = {}
    assert "node 'crop'" in errors_of(nodes).errors["crop"][0]


@pytest.mark.parametrize(
    ("node", "params", "fragment"),
    [
        (0, {"min_size": 2.5}, "whole number"),
        (0, {"score_threshold": "high"}, "number"),
        (0, {"score_threshold": True}, "number"),
        (0, {"unclip_ratio": float("nan")}, "finite"),
        (0, {"dilate": 1}, "true or false"),
        (2, {"batch_size": [4]}, "number"),
    ],
)
def test_wrong_type(node: int, params: dict[str, object], fragment: str) -> None:
    nodes = chain()
    nodes[node]["params"] = params
    node_id = nodes[node]["id"]
    (message,) = errors_of(nodes).errors[node_id]
    assert f"node {node_id!r}" in message and fragment in message


@pytest.mark.parametrize(
    ("node", "params"),
    [
        (0, {"score_threshold": 1.5}),
        (0, {"unclip_ratio": 0.5}),
        (0, {"max_side": 100}),
        (1, {"padding": -1}),
        (2, {"batch_size": 0}),
        (2, {"batch_size": 1000}),
    ],
)
def test_out_of_range(node: int, params: dict[str, object]) -> None:
    nodes = chain()
    nodes[node]["params"] = params
    node_id = nodes[node]["id"]
    (message,) = errors_of(nodes).errors[node_id]
    assert f"node {node_id!r}" in message and "between" in message


def test_params_must_be_an_object() -> None:
    nodes = chain()
    nodes[1]["params"] = [1]
    assert "node 'crop'" in errors_of(nodes).errors["crop"][0]


def test_input_names_missing_node() -> None:
    nodes = chain()
    nodes[2]["input"] = "cropper"
    (message,) = errors_of(nodes).errors["read"]
    assert message == "node 'read': input 'cropper' is not a node"


def test_recognizer_fed_by_detector() -> None:
    nodes = chain()
    del nodes[1]
    nodes[1]["input"] = "detect"
    (message,) = errors_of(nodes).errors["read"]
    assert message == ("node 'read': a recognizer needs a cropper between it and detector 'detect'")


def test_detector_with_an_input() -> None:
    nodes = chain()
    nodes[0]["input"] = "read"
    assert "node 'detect'" in errors_of(nodes).errors["detect"][0]


def test_cropper_without_input() -> None:
    nodes = chain()
    nodes[1]["input"] = None
    assert "node 'crop'" in errors_of(nodes).errors["crop"][0]


def test_cropper_fed_by_recognizer() -> None:
    nodes = chain()
    nodes[1]["input"] = "read"
    message = errors_of(nodes).errors["crop"][0]
    assert "node 'crop'" in message and "'read' is a recognizer" in message


def test_chain_must_be_complete() -> None:
    error = errors_of(chain()[:2])
    assert "has no recognizer" in error.errors["workflow"][0]


def test_two_detectors() -> None:
    nodes = chain()
    nodes.append({"id": "detect2", "model": "ppocrv6-small-det", "params": {}, "input": None})
    assert "2 detectors" in errors_of(nodes).errors["workflow"][0]


def test_several_problems_are_reported_together() -> None:
    nodes = chain()
    nodes[0]["params"] = {"score_threshold": 3}
    nodes[2]["params"] = {"batch": 4}
    error = errors_of(nodes)
    assert set(error.errors) == {"detect", "read"}


def test_workflow_error_survives_pickling() -> None:
    error = errors_of([])
    copied = pickle.loads(pickle.dumps(error))
    assert copied.errors == error.errors and str(copied) == str(error)
