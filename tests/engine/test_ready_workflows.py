"""The ready workflows beyond `default`: valid as written, and each reads the phototest page."""

from __future__ import annotations

import pytest

from ocr.engine.gallery import get_model
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.pipeline import get_pipeline
from ocr.engine.workflow import READY_WORKFLOWS, resolve_workflow, validate_workflow

from .conftest import PHOTOTEST, PHOTOTEST_TEXT


@pytest.mark.parametrize("ref", sorted(READY_WORKFLOWS))
def test_it_validates_every_ready_workflow(ref: str) -> None:
    spec = READY_WORKFLOWS[ref]
    assert spec["name"] and spec["description"]
    nodes = resolve_workflow(ref)
    assert [get_model(n["model"]).kind for n in nodes] == ["detector", "cropper", "recognizer"]
    # Resolved nodes are already normalised: validating them again changes nothing.
    assert validate_workflow(nodes) == nodes


def test_it_builds_the_tesseract_workflows_from_tesseract_models() -> None:
    models = {ref: [n["model"] for n in resolve_workflow(ref)] for ref in ("tesseract", "mixed")}
    assert models == {
        "tesseract": ["tesseract-layout", "crop-1.0", "tesseract-line"],
        "mixed": ["ppocrv6-small-det", "crop-1.0", "tesseract-line"],
    }
    detector = resolve_workflow("tesseract")[0]["params"]
    assert detector["level"] == "lines"
    assert resolve_workflow("mixed")[2]["params"] == {"psm": "single_line", "alphabet": "latin"}


def test_it_keeps_default_and_fast_as_they_were() -> None:
    assert [n["model"] for n in resolve_workflow("default")] == [
        "ppocrv6-small-det",
        "crop-1.0",
        "ppocrv6-small-rec",
    ]
    assert [n["model"] for n in resolve_workflow("fast")] == [
        "ppocrv6-tiny-det",
        "crop-1.0",
        "ppocrv6-tiny-rec",
    ]


@pytest.mark.model
@pytest.mark.parametrize("ref", ["tesseract", "mixed", "fast"])
def test_it_reads_phototest(ref: str) -> None:
    result = get_pipeline(resolve_workflow(ref)).read_page(load_image(PHOTOTEST))
    assert cer(PHOTOTEST_TEXT, result.text) < 0.05, result.text
