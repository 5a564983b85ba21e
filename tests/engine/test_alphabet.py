"""Alphabets: the recognizer's output layer cut to the characters a page may hold."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.engine.alphabets import allows, characters, outside
from ocr.engine.images import load_image
from ocr.engine.pipeline import Pipeline, build_pipeline
from ocr.engine.recognizers.ppocr_ctc import PPOCRCTCRecognizer, _batch_blob
from ocr.engine.types import Crop
from ocr.engine.workflow import resolve_workflow

from .conftest import EUROTEXT


def test_it_tells_latin_from_the_rest() -> None:
    for char in "aZé9€£§°±×—“”…ſŁœ⊆∅∀⇒αλΣ":
        assert allows("latin", char), char
    # Greek letters that pass for Latin ones stay out, so a Latin word never holds one.
    for char in "办字■●★①ⅠɐοινΑ":
        assert not allows("latin", char), char
    assert allows("greek", "ο") and allows("cjk", "办") and allows("all", "★")
    assert outside("latin", "Flag 字 and 办字") == "字办"
    assert characters("latin").startswith(" ") and "é" in characters("latin")
    assert characters("all") == ""


@pytest.fixture(scope="module")
def eurotext_crops() -> list[Crop]:
    pipeline: Pipeline = build_pipeline(resolve_workflow("default"))
    page = load_image(EUROTEXT)
    return pipeline.cropper.crop(page, pipeline.detector.detect(page))


def test_it_cuts_the_output_layer_not_the_text(eurotext_crops: list[Crop]) -> None:
    full = PPOCRCTCRecognizer.from_params({"alphabet": "all"})
    latin = PPOCRCTCRecognizer.from_params({"alphabet": "latin"})
    assert full.network.classes == 18710
    assert latin.network.classes == len(latin.charset) < 1500
    keep = [full.charset.index(char) for char in latin.charset]
    blob = _batch_blob([c.pixels for c in eurotext_crops[:4]])
    probs_full, probs_latin = full.network(blob), latin.network(blob)
    # The cut network's softmax is the full one's renormalised over the Latin classes.
    expected = probs_full[..., keep] / probs_full[..., keep].sum(axis=-1, keepdims=True)
    assert float(np.abs(probs_latin - expected).max()) < 1e-4


def test_it_reads_nothing_outside_the_alphabet(eurotext_crops: list[Crop]) -> None:
    # Noise and a flat patch where lines should be: the full dictionary makes Han or dingbats
    # of them, the Latin one cannot.
    rng = np.random.default_rng(1)
    shapes = [c.pixels.shape for c in eurotext_crops[:6]]
    noise = [
        Crop(region=c.region, pixels=rng.integers(0, 255, s, dtype=np.uint8))
        for c, s in zip(eurotext_crops, shapes, strict=False)
    ]
    crops = eurotext_crops + noise
    params = {"min_score": 0.0}
    full = PPOCRCTCRecognizer.from_params({**params, "alphabet": "all"}).recognize(crops)
    latin = PPOCRCTCRecognizer.from_params({**params, "alphabet": "latin"}).recognize(crops)
    assert any(outside("latin", r.text) for r in full)
    assert all(outside("latin", r.text) == "" for r in latin)
    # Real Latin lines read the same either way (eurotext's accents included).
    lines = len(eurotext_crops)
    assert [r.text for r in latin[:lines]] == [r.text for r in full[:lines]]
    assert any("é" in r.text or "ç" in r.text for r in latin[:lines])


def test_tesseract_is_held_to_the_alphabet_by_its_whitelist(eurotext_crops: list[Crop]) -> None:
    from ocr.engine.recognizers.tesseract_line import TesseractLineRecognizer

    latin = TesseractLineRecognizer(alphabet="latin").recognize(eurotext_crops)
    anything = TesseractLineRecognizer(alphabet="all").recognize(eurotext_crops)
    assert [r.text for r in latin] == [r.text for r in anything]
    assert all(r.text for r in latin)
