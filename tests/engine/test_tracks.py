"""Video text tracks from hand-made regions."""

from __future__ import annotations

from ocr.engine.tracks import merge_tracks
from ocr.engine.types import Region


def box(text: str, left: float, top: float, width: float = 100, height: float = 20) -> Region:
    polygon = ((left, top), (left + width, top), (left + width, top + height), (left, top + height))
    return Region(polygon=polygon, text=text, score=0.9, detection_score=0.9)


def test_the_same_caption_at_the_same_place_on_consecutive_pages_is_one_track() -> None:
    pages = [
        (0, [box("Hello world", 10, 10), box("Channel 4", 300, 10)]),
        (1000, [box("hello  World", 14, 12), box("Channel 4", 300, 10)]),
        (2000, [box("Hel1o world", 12, 10)]),  # one OCR slip in eleven chars
        (3000, [box("Goodbye", 10, 10)]),
    ]
    tracks = merge_tracks(pages)
    assert [(t.text, t.first_ms, t.last_ms) for t in tracks] == [
        ("Hello world", 0, 2000),
        ("Channel 4", 0, 1000),
        ("Goodbye", 3000, 3000),
    ]
    assert tracks[0].members == ((0, 0), (1, 0), (2, 0))
    assert (tracks[0].page_position, tracks[0].region_position) == (0, 0)
    assert tracks[1].members == ((0, 1), (1, 1))
    assert (tracks[2].page_position, tracks[2].region_position) == (3, 0)


def test_a_gap_a_move_or_a_different_text_starts_a_new_track() -> None:
    pages = [
        (0, [box("Caption", 10, 10)]),
        (500, []),
        (1000, [box("Caption", 10, 10)]),  # not consecutive: new track
        (1500, [box("Caption", 400, 300)]),  # elsewhere: new track
        (2000, [box("Captain Hook", 400, 300)]),  # different text: new track
    ]
    tracks = merge_tracks(pages)
    assert [t.members for t in tracks] == [((0, 0),), ((2, 0),), ((3, 0),), ((4, 0),)]


def test_two_equal_captions_on_one_page_each_keep_their_own_track() -> None:
    pages = [
        (None, [box("OK", 10, 10), box("OK", 10, 200)]),
        (None, [box("OK", 10, 200), box("OK", 10, 12)]),
        (None, [box("", 10, 10)]),
    ]
    tracks = merge_tracks(pages)
    assert [t.members for t in tracks] == [((0, 0), (1, 1)), ((0, 1), (1, 0))]
    assert tracks[0].first_ms is None and tracks[0].last_ms is None
