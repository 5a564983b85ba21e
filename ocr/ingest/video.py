"""Videos in: length and frame size from the container, then one frame per interval, decoded."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import av.container
import av.video.stream
import numpy as np
import numpy.typing as npt

from ocr.engine.types import PageImage

from .limits import IngestError, Limits
from .options import Options
from .pages import IngestedPage, InputInfo

_DAMAGED = "The video is damaged or truncated."
# Near-duplicate test on a small greyscale copy: a pixel "changed" if it moved by more than
# _CHANGED_LEVEL grey levels, and a frame is new if more than _NEW_FRACTION of pixels changed.
# Encoders sharpen a still picture over the frames after a cut, moving edge pixels by up to ~50
# levels; new text moves its strokes by ~200, and even one subtitle line is a few percent of a
# 160-pixel-wide frame.
_THUMB_WIDTH = 160
_CHANGED_LEVEL = 64
_NEW_FRACTION = 0.002


@contextmanager
def _open(path: Path) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream]]:
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError):
        raise IngestError(_DAMAGED) from None
    try:
        if not container.streams.video:
            raise IngestError("The file has no video track.")
        yield container, container.streams.video[0]
    finally:
        container.close()


def _duration_seconds(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None  # some WebM files say nothing; the decoding loop checks then


def inspect_video(path: Path, limits: Limits, options: Options) -> InputInfo:
    """Length and frame size from the container's metadata; no frame is decoded."""
    with _open(path) as (container, stream):
        width, height = stream.codec_context.width, stream.codec_context.height
        limits.check_pixels(width, height)
        seconds = _duration_seconds(container, stream)
        if seconds is None:
            pages = limits.max_video_frames
        else:
            limits.check_video_seconds(seconds)
            pages = max(1, math.ceil(seconds * 1000 / options.video_interval_ms))
            limits.check_video_frames(pages)
        # FFmpeg names a demuxer after all the formats it reads ("mov,mp4,m4a,..."): keep the first.
        name = container.format.name.split(",")[0]
        return InputInfo("video", name, pages, width, height)


def _thumbnail(frame: av.VideoFrame) -> npt.NDArray[np.int16]:
    height = max(1, round(frame.height * _THUMB_WIDTH / max(frame.width, 1)))
    small = frame.reformat(width=_THUMB_WIDTH, height=height, format="gray")
    return small.to_ndarray().astype(np.int16)


def _is_new(thumb: npt.NDArray[np.int16], kept: npt.NDArray[np.int16] | None) -> bool:
    if kept is None:
        return True
    changed = np.abs(thumb - kept) > _CHANGED_LEVEL
    return float(changed.mean()) > _NEW_FRACTION


def iter_video_pages(path: Path, limits: Limits, options: Options) -> Iterator[IngestedPage]:
    """One frame per interval, skipping frames that look like the last one kept."""
    interval = options.video_interval_ms
    with _open(path) as (container, stream):
        limits.check_pixels(stream.codec_context.width, stream.codec_context.height)
        # Decode and skip rather than seek: seeking lands on keyframes, which may be seconds apart.
        stream.thread_type = "AUTO"
        start: float | None = None
        next_ms, sampled, position = 0, 0, 0
        kept: npt.NDArray[np.int16] | None = None
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                start = frame.time if start is None else start
                time_ms = round((frame.time - start) * 1000)
                if time_ms < next_ms:
                    continue
                limits.check_video_seconds(time_ms / 1000)
                next_ms = (time_ms // interval + 1) * interval
                sampled += 1
                limits.check_video_frames(sampled)
                thumb = _thumbnail(frame)
                if not _is_new(thumb, kept):
                    continue
                kept = thumb
                pixels = frame.to_ndarray(format="rgb24")
                image = PageImage(pixels=np.ascontiguousarray(pixels), index=position)
                yield IngestedPage(image=image, timecode_ms=time_ms)
                position += 1
        except av.error.FFmpegError:
            raise IngestError(_DAMAGED) from None
