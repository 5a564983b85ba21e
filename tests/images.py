"""Hostile and damaged files made on the fly, so no large file lives in the repository."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid greyscale PNG of width x height white pixels: ~1 MB on disk, 900 MB decoded."""
    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * width  # filter byte + pixels
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    """The phototest page as a JPEG cut in half: the header is fine, the pixels are not."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.open(FIXTURES / "phototest.png").convert("RGB").save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def multipage_tiff(pages: int, source: str = "eurotext.png") -> bytes:
    import io

    from PIL import Image

    page = Image.open(FIXTURES / source).convert("L")
    buffer = io.BytesIO()
    page.save(
        buffer, "TIFF", save_all=True, append_images=[page] * (pages - 1), compression="tiff_lzw"
    )
    return buffer.getvalue()


def captioned_video(
    captions: tuple[str, ...] = ("ALPHA", "BRAVO", "CHARLIE"),
    seconds_each: float = 1.0,
    fps: int = 10,
) -> bytes:
    """An MP4 showing each caption, large and black on white, for seconds_each seconds."""
    import io

    import av
    from PIL import Image, ImageDraw, ImageFont

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        font = ImageFont.load_default(size=48)
        for caption in captions:
            frame = Image.new("RGB", (320, 240), "white")
            ImageDraw.Draw(frame).text((20, 90), caption, fill="black", font=font)
            for _ in range(round(seconds_each * fps)):
                container.mux(stream.encode(av.VideoFrame.from_image(frame)))
        container.mux(stream.encode())
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
