"""A worker's page stream, without a database: pages decoded ahead on a thread, OCR pages read
in batches, text-layer pages passed through, all in order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from ocr import runs
from ocr.engine.types import PageImage, PageResult
from ocr.ingest import IngestedPage


class BatchCounting:
    """A stand-in pipeline that records the batches it is given (no model: this is about
    order and grouping; the networks' batching has tests of its own in tests/engine)."""

    page_batch = 3

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def read_batch(self, pages: Sequence[PageImage]) -> list[PageResult]:
        self.batches.append([p.index for p in pages])
        return [PageResult(index=p.index, width=p.width, height=p.height) for p in pages]


def _page(index: int, text_layer: bool = False) -> IngestedPage:
    image = PageImage(pixels=np.zeros((4, 4, 3), np.uint8), index=index)
    layer = PageResult(index=index, width=4, height=4) if text_layer else None
    return IngestedPage(image=image, text_layer=layer)


def test_it_reads_ocr_pages_in_batches_and_keeps_the_order() -> None:
    pipeline = BatchCounting()
    pages = [_page(i, text_layer=i == 4) for i in range(9)]
    out = list(runs.read_stream(runs.prefetch(iter(pages), depth=4), lambda: pipeline))
    assert [page.image.index for page, _, _ in out] == list(range(9))
    assert [source for _, _, source in out] == ["ocr"] * 4 + ["text_layer"] + ["ocr"] * 4
    # Three at a time; the text-layer page sends the batch it interrupts on its way.
    assert pipeline.batches == [[0, 1, 2], [3], [5, 6, 7], [8]]


def test_prefetch_hands_on_the_error_where_it_happened() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 is damaged")

    got = []
    with pytest.raises(ValueError, match="page 3 is damaged"):
        for item in runs.prefetch(pages(), depth=1):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_stops_its_thread_when_the_reader_stops_early() -> None:
    made = []

    def pages() -> Iterator[int]:
        for i in range(1000):
            made.append(i)
            yield i

    stream = runs.prefetch(pages(), depth=2)
    assert next(stream) == 0
    stream.close()
    assert len(made) < 10
