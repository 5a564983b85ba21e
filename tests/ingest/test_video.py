"""Videos: limits from metadata, one frame per interval, duplicates skipped, timecodes kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.ingest import IngestError, Limits, Options, inspect, iter_pages

from .media import write_video


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s at 10 fps: ALPHA, BRAVO, CHARLIE for one second each."""
    return write_video(tmp_path_factory.mktemp("video") / "captions.mp4")


def test_inspect_reads_length_and_size_without_decoding(video: Path) -> None:
    info = inspect(video, Limits())
    assert (info.kind, info.format, info.pages, info.width, info.height) == (
        "video",
        "mov",
        3,
        320,
        240,
    )
    assert inspect(video, Limits(), Options(video_interval_ms=400)).pages == 8  # 3000 / 400


def test_one_frame_per_interval_with_its_timecode(video: Path) -> None:
    pages = list(iter_pages(video, Limits(), Options(video_interval_ms=1000)))
    assert [page.timecode_ms for page in pages] == [0, 1000, 2000]
    assert [page.image.index for page in pages] == [0, 1, 2]
    assert pages[0].image.pixels.shape == (240, 320, 3)
    assert all(page.text_layer is None for page in pages)


def test_frames_that_show_the_same_caption_are_skipped(video: Path) -> None:
    pages = list(iter_pages(video, Limits(), Options(video_interval_ms=250)))
    # Twelve frames sampled, three captions shown: only the first frame of each is kept.
    assert [page.timecode_ms for page in pages] == [0, 1000, 2000]


def test_video_limits_refuse_before_decoding_and_name_their_setting(video: Path) -> None:
    with pytest.raises(IngestError, match=r"3 seconds; the limit is 2 .*OCR_MAX_VIDEO_SECONDS"):
        inspect(video, Limits(max_video_seconds=2))
    with pytest.raises(IngestError, match=r"30 frames .* limit is 20 .*OCR_MAX_VIDEO_FRAMES"):
        inspect(video, Limits(max_video_frames=20), Options(video_interval_ms=100))
    with pytest.raises(IngestError, match=r"OCR_MAX_IMAGE_PIXELS"):
        inspect(video, Limits(max_pixels=320 * 239))


def test_decoding_stops_when_sampled_frames_pass_the_limit(video: Path) -> None:
    pages = iter_pages(video, Limits(max_video_frames=5), Options(video_interval_ms=100))
    with pytest.raises(IngestError, match=r"OCR_MAX_VIDEO_FRAMES"):
        list(pages)


def test_a_truncated_video_is_refused(video: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(IngestError, match="damaged or truncated"):
        inspect(cut, Limits())
        list(iter_pages(cut, Limits()))
