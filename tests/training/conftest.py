"""Fixtures of the training tests: a few real lines and pages, tiny trainings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from ocr.engine.images import load_image
from ocr.training.samples import LineSample, TruthRegion, line_samples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POILUS = FIXTURES / "poilus-lines.jpg"
PHOTOTEST = FIXTURES / "phototest.png"


def poilus_regions() -> list[TruthRegion]:
    data = json.loads((FIXTURES / "poilus-lines.json").read_text(encoding="utf-8"))
    return [
        TruthRegion(tuple((float(x), float(y)) for x, y in line["polygon"]), line["text"])
        for line in data["lines"]
    ]


@pytest.fixture(scope="session")
def poilus_lines() -> list[LineSample]:
    """Four handwritten lines (Testaments de Poilus, CC-BY 4.0) cut by the product's cropper."""
    return line_samples(load_image(POILUS), poilus_regions())


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread, as the engine's torch tests: the suite shares two cores, and the
    trainings set torch's (process-wide) thread count, which is put back after."""
    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEGIBLE_OCR_THREADS", "1")
        yield
    torch.set_num_threads(threads)
