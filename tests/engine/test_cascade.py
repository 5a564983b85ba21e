"""The recognizer cascade: PP-OCRv6 tiny reads every line, small again where tiny is unsure."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from ocr.engine import describe_gallery
from ocr.engine.errors import WorkflowError
from ocr.engine.images import load_image
from ocr.engine.metrics import cer
from ocr.engine.pipeline import Pipeline, build_pipeline, get_pipeline
from ocr.engine.recognizers.cascade import CascadeRecognizer
from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer
from ocr.engine.types import Crop, Recognition
from ocr.engine.workflow import Node, resolve_workflow, validate_workflow

from .conftest import EUROTEXT, EUROTEXT_TEXT, PHOTOTEST

PARAMS = {"alphabet": "latin", "min_score": 0.0}


def cascade_nodes(params: dict[str, object]) -> list[Node]:
    """`default` reading with the cascade."""
    nodes = resolve_workflow("default")
    nodes[2] = {**nodes[2], "model": "ppocrv6-cascade-rec", "params": params}
    return nodes


def test_it_is_in_the_gallery_with_its_confidence() -> None:
    described = {entry["id"]: entry for entry in describe_gallery()}
    cascade = described["ppocrv6-cascade-rec"]
    assert cascade["kind"] == "recognizer"
    assert cascade["params"]["confidence"]["default"] == 0.9
    assert (cascade["params"]["confidence"]["min"], cascade["params"]["confidence"]["max"]) == (
        0.0,
        1.0,
    )
    # The same parameters as the other PP-OCR recognizers, and confidence.
    small = set(described["ppocrv6-small-rec"]["params"])
    assert set(cascade["params"]) == small | {"confidence"}
    assert "slower" in cascade["description"]  # says honestly it is no default


def test_it_validates_a_workflow_with_it() -> None:
    nodes = validate_workflow(cascade_nodes({"alphabet": "latin", "confidence": 0.7}))
    assert nodes[2]["params"]["confidence"] == 0.7
    assert nodes[2]["params"]["min_score"] == 0.5  # the PP-OCR recognizers' default
    with pytest.raises(WorkflowError, match="confidence"):
        validate_workflow(cascade_nodes({"confidence": 1.5}))


@pytest.fixture(scope="module")
def crops() -> list[Crop]:
    """Real lines of two fixture pages, and three patches of noise (which tiny reads
    unsurely or not at all)."""
    pipeline: Pipeline = build_pipeline(resolve_workflow("default"))
    crops: list[Crop] = []
    for path in (EUROTEXT, PHOTOTEST):
        page = load_image(path)
        crops += pipeline.cropper.crop(page, pipeline.detector.detect(page))
    rng = np.random.default_rng(3)
    noise = [
        Crop(region=c.region, pixels=rng.integers(0, 255, c.pixels.shape, dtype=np.uint8))
        for c in crops[:3]
    ]
    return crops + noise


@pytest.fixture(scope="module")
def tiny() -> PPOCRCTCRecognizer:
    return PPOCRCTCRecognizer.from_params(PARAMS, variant="tiny")


@pytest.fixture(scope="module")
def small() -> PPOCRCTCRecognizer:
    return PPOCRCTCRecognizer.from_params(PARAMS, variant="small")


@pytest.mark.model
def test_it_reads_as_tiny_at_zero_and_as_small_at_one(
    crops: list[Crop], tiny: PPOCRCTCRecognizer, small: PPOCRCTCRecognizer
) -> None:
    tiny_texts = [r.text for r in tiny.recognize(crops)]
    small_texts = [r.text for r in small.recognize(crops)]
    assert tiny_texts != small_texts  # else this test could not tell them apart
    for confidence, expected in ((0.0, tiny_texts), (1.0, small_texts)):
        cascade = CascadeRecognizer(tiny, small, confidence=confidence)
        assert [r.text for r in cascade.recognize(crops)] == expected, confidence


@pytest.mark.model
def test_it_reads_again_only_the_lines_tiny_is_unsure_of(
    crops: list[Crop],
    tiny: PPOCRCTCRecognizer,
    small: PPOCRCTCRecognizer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    confidence = 0.75
    first = tiny.read(crops)
    unsure = [i for i, (_, least) in enumerate(first) if least < confidence]
    assert 0 < len(unsure) < len(crops)  # a middle value: some lines each way
    given: list[int] = []
    read = small.read

    def counted(some: Sequence[Crop]) -> list[tuple[Recognition, float]]:
        given.extend(next(i for i, c in enumerate(crops) if c is crop) for crop in some)
        return read(some)

    monkeypatch.setattr(small, "read", counted)
    found = CascadeRecognizer(tiny, small, confidence=confidence).recognize(crops)
    assert sorted(given) == unsure
    small_texts = [r.text for r in small.recognize(crops)]
    for i, (reading, (tiny_reading, _)) in enumerate(zip(found, first, strict=True)):
        assert reading.text == (small_texts[i] if i in unsure else tiny_reading.text), i
        if i not in unsure:
            assert reading == tiny_reading


@pytest.mark.model
def test_it_holds_the_final_reading_to_min_score(
    crops: list[Crop], tiny: PPOCRCTCRecognizer, small: PPOCRCTCRecognizer
) -> None:
    kept = CascadeRecognizer(tiny, small, confidence=0.75).recognize(crops)
    bar = float(np.median([r.score for r in kept if r.text]))
    held = CascadeRecognizer(tiny, small, confidence=0.75, min_score=bar).recognize(crops)
    for before, after in zip(kept, held, strict=True):
        assert after.score == before.score
        assert after.text == (before.text if before.score >= bar else "")
    assert any(r.text for r in held)
    assert any(b.text and not a.text for b, a in zip(kept, held, strict=True))


@pytest.mark.model
def test_a_workflow_with_it_reads_a_page() -> None:
    pipeline = get_pipeline(cascade_nodes({"alphabet": "latin", "drop_pictures": True}))
    assert isinstance(pipeline.recognizer, CascadeRecognizer)
    assert pipeline.drop_pictures
    assert pipeline.recognizer.confidence == 0.9
    assert pipeline.recognizer.min_score == 0.5
    result = pipeline.read_page(load_image(EUROTEXT))
    assert cer(EUROTEXT_TEXT, result.text) < 0.05, result.text
