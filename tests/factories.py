"""Rows made through the real services, without running a model, for tests that need results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ocr import runs, services
from ocr.engine.types import PageImage, PageResult, Region
from ocr.ingest import IngestedPage
from ocr.models import App, Input, Run

FIXTURES = Path(__file__).parent / "fixtures"


def input_with_result(app: App, texts: tuple[str, ...] = ("first line", "second line")) -> Input:
    """An input whose run succeeded with one region per text, stacked down the page."""
    data = (FIXTURES / "phototest.png").read_bytes()
    [item] = services.create_inputs(app, SimpleUploadedFile("phototest.png", data))
    return finish_run(item, texts)


def finish_run(item: Input, texts: tuple[str, ...] = ("first line", "second line")) -> Input:
    """What a worker does with the input's queued run (a phototest.png upload): one region per
    text, stacked down the page, then the run succeeds."""
    run = item.runs.get()
    token = runs.claim_run(run.pk)
    assert token is not None
    pixels = np.asarray(Image.open(FIXTURES / "phototest.png").convert("RGB"))
    regions = tuple(
        Region(
            polygon=(
                (10.0, 10.0 + 40 * i),
                (300.0, 10.0 + 40 * i),
                (300.0, 40.0 + 40 * i),
                (10.0, 40.0 + 40 * i),
            ),
            text=text,
            score=0.9,
            detection_score=0.8,
        )
        for i, text in enumerate(texts)
    )
    result = PageResult(index=0, width=pixels.shape[1], height=pixels.shape[0], regions=regions)
    page = IngestedPage(image=PageImage(pixels=pixels, index=0), timecode_ms=None, text_layer=None)
    runs.save_page_result(run.pk, token, page, result)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, claim="")
    return item


def input_read_by_engine(app: App, name: str = "phototest.png") -> Input:
    """A fixture page read for real by the default workflow (word boxes, blocks and all) and
    saved the way a worker saves it."""
    from ocr.engine.pipeline import get_pipeline
    from ocr.engine.workflow import resolve_workflow

    data = (FIXTURES / name).read_bytes()
    [item] = services.create_inputs(app, SimpleUploadedFile(name, data))
    run = item.runs.get()
    token = runs.claim_run(run.pk)
    assert token is not None
    pixels = np.asarray(Image.open(FIXTURES / name).convert("RGB"))
    image = PageImage(pixels=pixels, index=0)
    result = get_pipeline(resolve_workflow("default")).read_page(image)
    runs.save_page_result(run.pk, token, IngestedPage(image=image), result)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, claim="")
    return item
