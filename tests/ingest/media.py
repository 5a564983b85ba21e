"""Real files made on the fly: videos, TIFFs, ZIPs and hostile PDFs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

FIXTURES = Path(__file__).parent.parent / "fixtures"
PDF = FIXTURES / "pdflatex-4-pages.pdf"


def write_video(
    path: Path,
    captions: tuple[str, ...] = ("ALPHA", "BRAVO", "CHARLIE"),
    seconds_each: float = 1.0,
    fps: int = 10,
    size: tuple[int, int] = (320, 240),
) -> Path:
    """An MP4 (MPEG-4 part 2: always built into PyAV) showing each caption for seconds_each."""
    font = ImageFont.load_default(size=48)
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        for caption in captions:
            frame = Image.new("RGB", size, "white")
            ImageDraw.Draw(frame).text((20, 90), caption, fill="black", font=font)
            for _ in range(round(seconds_each * fps)):
                container.mux(stream.encode(av.VideoFrame.from_image(frame)))
        container.mux(stream.encode())
    return path


def write_tiff(path: Path, sources: tuple[str, ...]) -> Path:
    pages = [Image.open(FIXTURES / name).convert("L") for name in sources]
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def png_bytes(source: str = "phototest.png") -> bytes:
    buffer = io.BytesIO()
    Image.open(FIXTURES / source).save(buffer, "PNG")
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    """A one-page PDF under the standard security handler whose user password is not empty."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        # /U made up: it matches no password, so the empty one is refused.
        b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <"
        + b"11" * 32
        + b"> /U <"
        + b"22" * 32
        + b"> >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<" % (len(objects) + 1)
    body += b"00" * 16 + b"> <" + b"00" * 16 + b">] >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return body
