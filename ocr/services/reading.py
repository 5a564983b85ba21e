"""Reading a region a person drew, at once, with the recognizer of the input's workflow."""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from ocr import workflows
from ocr.engine.pipeline import get_reader
from ocr.engine.types import PageImage, Polygon, Recognition
from ocr.models import Page

from .previews import decoding

# Context around the region: the cropper may pad, and the recognizer reads better with a little.
MARGIN = 16
# One reading at a time per web process: the networks already use every core, and two threads
# in one onnxruntime session would only queue inside it.
_lock = threading.Lock()


def read_drawn(page: Page, polygon: Polygon) -> Recognition:
    """The text the input's workflow reads in the polygon (empty when it reads nothing)."""
    run = page.input.runs.order_by("-created", "-id").first()
    nodes = run.workflow_nodes if run else workflows.resolve(page.input.app, None).nodes
    xs, ys = [x for x, _ in polygon], [y for _, y in polygon]
    left, top = max(int(min(xs)) - MARGIN, 0), max(int(min(ys)) - MARGIN, 0)
    right = min(int(max(xs)) + MARGIN + 1, page.width)
    bottom = min(int(max(ys)) + MARGIN + 1, page.height)
    # Only the region's neighbourhood is kept, but Pillow decodes a PNG whole to crop it.
    with (
        decoding(page.width * page.height),
        page.image.open("rb") as data,
        Image.open(data) as image,
    ):
        pixels = np.asarray(image.crop((left, top, right, bottom)).convert("RGB"))
    shifted = tuple((x - left, y - top) for x, y in polygon)
    with _lock:
        [found] = get_reader(nodes).read(PageImage(pixels=pixels), [shifted])
    return Recognition(text=found.text.strip(), score=found.score)
