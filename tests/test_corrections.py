"""Corrections belong to the page: a new reading (a re-run, a page read again) never hides them,
in the result, the search and the exports alike."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr import runs, services
from ocr.engine.types import PageImage, PageResult
from ocr.engine.types import Region as Line
from ocr.ingest import IngestedPage
from ocr.models import Region, Run
from ocr.services import regions as corrections
from tests.conftest import FIXTURES
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db

LINES = ("first line", "second line", "third line", "fourth line")


def line(index: int, text: str, shift: float = 0.0) -> Line:
    top = 10.0 + 40 * index + shift
    return Line(
        polygon=((10.0 + shift, top), (300.0, top), (300.0, top + 30), (10.0 + shift, top + 30)),
        text=text,
        score=0.8,
        detection_score=0.9,
    )


def read_again(item, lines: list[Line], workflow: str = "fast", run: Run | None = None) -> Run:
    """A run of `workflow` that writes this reading of page 0, as a worker would."""
    run = run or services.start_run(item, workflow)
    token = runs.claim_run(run.pk)
    assert token is not None
    pixels = np.asarray(Image.open(FIXTURES / "phototest.png").convert("RGB"))
    page = IngestedPage(image=PageImage(pixels=pixels, index=0), timecode_ms=None, text_layer=None)
    result = PageResult(index=0, width=640, height=480, regions=tuple(lines))
    runs.save_page_result(run.pk, token, page, result)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, claim="")
    return run


def current(item) -> list[Region]:
    return list(Region.objects.filter(page__input=item).order_by("order", "pk"))


@pytest.fixture
def corrected(alice, alice_app):
    """Two lines edited, one drawn (below the text), one deleted."""
    item = input_with_result(alice_app, LINES)
    first, second, third, fourth = current(item)
    corrections.edit_region(first, 1, user=alice, text="First line, corrected")
    corrections.edit_region(third, 1, user=alice, text="Third line, corrected")
    page = first.page
    corrections.draw_region(
        page, ((10.0, 300.0), (300.0, 300.0), (300.0, 330.0), (10.0, 330.0)), user=alice,
        text="a drawn line",
    )  # fmt: skip
    corrections.delete_region(second, 1, user=alice)
    return item


EXPECTED = ["First line, corrected", "Third line, corrected", "FOURTH", "a drawn line"]


def test_a_rerun_keeps_every_correction(alice_api, corrected) -> None:
    # Another workflow reads every line again, a little off, with other text.
    again = [line(i, text.upper().split()[0], shift=2) for i, text in enumerate(LINES)]
    run = read_again(corrected, again)
    assert [r.text for r in current(corrected)] == EXPECTED
    body = alice_api.get(f"/api/v1/inputs/{corrected.pk}/result/").json()
    assert body["run"]["id"] == run.pk
    assert [r["text"] for r in body["pages"][0]["regions"]] == EXPECTED
    txt = alice_api.get(f"/api/v1/inputs/{corrected.pk}/export/?format=txt").content.decode()
    assert txt.split("\n")[:4] == EXPECTED
    alto = alice_api.get(f"/api/v1/inputs/{corrected.pk}/export/?format=alto").content.decode()
    assert "corrected" in alto and "drawn" in alto and "SECOND" not in alto
    search = f"/api/v1/apps/{corrected.app_id}/search/?q="
    assert alice_api.get(search + "corrected").json()["count"] == 2
    assert alice_api.get(search + "drawn").json()["count"] == 1
    assert alice_api.get(search + "SECOND").json()["count"] == 0


def test_a_page_read_twice_keeps_its_regions_and_their_ids(corrected) -> None:
    again = [line(i, text.upper().split()[0], shift=2) for i, text in enumerate(LINES)]
    run = read_again(corrected, again)
    before = [(r.pk, r.version, r.text) for r in current(corrected)]
    Run.objects.filter(pk=run.pk).update(status=Run.Status.QUEUED)
    read_again(corrected, again, run=run)  # a worker died and the page is read again
    assert [(r.pk, r.version, r.text) for r in current(corrected)] == before


def test_a_machine_region_read_again_keeps_its_id_and_an_open_edit_still_applies(
    alice, alice_app
) -> None:
    item = input_with_result(alice_app, LINES)
    fourth = current(item)[3]
    read_again(item, [line(i, text, shift=1) for i, text in enumerate(LINES)])
    assert current(item)[3].pk == fourth.pk
    edited = corrections.edit_region(fourth, fourth.version, user=alice, text="edited meanwhile")
    assert edited.text == "edited meanwhile"


def test_a_newer_runs_reading_is_not_overwritten_by_an_older_run(alice_app) -> None:
    item = input_with_result(alice_app, LINES)
    older = services.start_run(item, "fast")
    newer = read_again(item, [line(0, "newer")], workflow="default")
    assert older.pk < newer.pk
    read_again(item, [line(0, "older")], run=older)
    assert [r.text for r in current(item)] == ["newer"]
    # The older run's own reading is still its history.
    readings = older.pages.get().regions
    assert [r["text"] for r in readings] == ["older"]


def test_a_deleted_drawn_region_leaves_no_tombstone(alice, alice_app) -> None:
    item = input_with_result(alice_app, ("only",))
    page = current(item)[0].page
    drawn = corrections.draw_region(
        page, ((10.0, 300.0), (300.0, 300.0), (300.0, 330.0), (10.0, 330.0)), user=alice, text="x"
    )
    corrections.delete_region(drawn, 1, user=alice)
    read_again(item, [line(0, "only"), line(7, "machine found it")])
    assert [r.text for r in current(item)] == ["only", "machine found it"]


def test_drawing_over_a_deleted_region_lifts_the_deletion(alice, alice_app) -> None:
    item = input_with_result(alice_app, LINES)
    second = current(item)[1]
    corrections.delete_region(second, 1, user=alice)
    corrections.draw_region(
        second.page, tuple(map(tuple, second.polygon)), user=alice, text="second, drawn"
    )
    corrections.delete_region(current(item)[1], 1, user=alice)
    read_again(item, [line(i, text) for i, text in enumerate(LINES)])
    # The person drew there after deleting, then deleted the drawing: the machine may read it.
    assert [r.text for r in current(item)] == list(LINES)


def test_corrections_are_counted_before_a_rerun(alice_api, corrected) -> None:
    assert alice_api.get(f"/api/v1/inputs/{corrected.pk}/").json()["corrections"] == 4
