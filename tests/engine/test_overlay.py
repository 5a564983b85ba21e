"""Corrections laid over a new reading: what replaces what, and where it goes."""

from __future__ import annotations

from ocr.engine.overlay import Placed, Previous, covered, iou, match_unchanged, overlay


def box(left: float, top: float, right: float, bottom: float) -> tuple[tuple[float, float], ...]:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


LINES = [box(10, 10 + 40 * i, 300, 40 + 40 * i) for i in range(4)]


def test_it_measures_cover_and_iou_of_polygons() -> None:
    assert covered(box(0, 0, 10, 10), box(0, 0, 20, 20)) == 1.0
    assert covered(box(0, 0, 20, 20), box(0, 0, 10, 10)) == 0.25
    assert abs(iou(box(0, 0, 10, 10), box(5, 0, 15, 10)) - 1 / 3) < 1e-6
    assert covered(box(0, 0, 10, 10), box(20, 20, 30, 30)) == 0.0


def test_it_measures_many_point_polygons() -> None:
    # A line polygon as eScriptorium exports it: many points along both edges.
    top = [(x, 10.0 + (x % 20) / 10) for x in range(0, 201, 10)]
    bottom = [(x, 40.0 - (x % 20) / 10) for x in range(200, -1, -10)]
    line = tuple(top + bottom)
    assert covered(line, box(-1, 0, 201, 50)) == 1.0
    assert 0.45 < covered(line, box(-1, 0, 100, 50)) < 0.55


def test_it_keeps_new_regions_where_nothing_was_corrected() -> None:
    previous = [Previous(key=k, polygon=LINES[k], corrected=False) for k in range(4)]
    assert overlay(LINES, previous) == [Placed(new=i) for i in range(4)]


def test_a_correction_takes_the_place_of_the_new_region_it_covers() -> None:
    previous = [Previous(key="edited", polygon=box(8, 48, 305, 82), corrected=True)]
    order = overlay(LINES, previous)
    assert order == [Placed(new=0), Placed(kept="edited"), Placed(new=2), Placed(new=3)]


def test_a_correction_replaces_every_word_box_inside_it() -> None:
    words = [box(10, 50, 90, 80), box(100, 50, 190, 80), box(200, 50, 300, 80)]
    previous = [Previous(key="line", polygon=box(5, 45, 305, 85), corrected=True)]
    assert overlay([LINES[0], *words, LINES[2]], previous) == [
        Placed(new=0),
        Placed(kept="line"),
        Placed(new=4),
    ]


def test_a_deleted_region_stays_deleted() -> None:
    assert overlay(LINES, [], deleted=[box(10, 50, 300, 80)]) == [
        Placed(new=0),
        Placed(new=2),
        Placed(new=3),
    ]


def test_a_drawn_region_goes_after_what_preceded_it() -> None:
    drawn = box(10, 500, 300, 530)  # below everything the machine found
    previous = [
        Previous(key="a", polygon=LINES[0], corrected=False),
        Previous(key="drawn", polygon=drawn, corrected=True),
        Previous(key="b", polygon=LINES[1], corrected=False),
    ]
    # The new reading finds lines 0 and 1 again, in a slightly different place.
    new = [box(11, 11, 299, 41), box(11, 51, 299, 81)]
    assert overlay(new, previous) == [Placed(new=0), Placed(kept="drawn"), Placed(new=1)]


def test_a_correction_moved_to_the_top_stays_at_the_top() -> None:
    previous = [
        Previous(key="moved", polygon=box(10, 500, 300, 530), corrected=True),
        *(Previous(key=k, polygon=LINES[k], corrected=False) for k in range(4)),
    ]
    assert overlay(LINES, previous)[0] == Placed(kept="moved")


def test_consecutive_drawn_regions_keep_their_order() -> None:
    previous = [
        Previous(key="a", polygon=LINES[0], corrected=False),
        Previous(key="x", polygon=box(400, 10, 500, 40), corrected=True),
        Previous(key="y", polygon=box(400, 50, 500, 80), corrected=True),
    ]
    order = overlay([LINES[0], LINES[1]], previous)
    assert order == [Placed(new=0), Placed(kept="x"), Placed(kept="y"), Placed(new=1)]


def test_it_matches_regions_read_again_in_the_same_place() -> None:
    old = [LINES[2], LINES[0]]
    new = [box(10, 11, 300, 41), box(500, 500, 600, 600), box(10, 91, 300, 121)]
    assert match_unchanged(new, old) == {0: 1, 2: 0}
