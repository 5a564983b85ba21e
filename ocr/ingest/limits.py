"""How much work one upload may ask for; each refusal names the setting that allows more."""

from __future__ import annotations

from dataclasses import dataclass


class IngestError(Exception):
    """The file cannot be read or is over a limit; the message is meant for the user."""


_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 500 * _MB
    max_pixels: int = 100_000_000  # per page or frame
    max_pdf_pages: int = 1000  # pages of any multi-page input (PDF, TIFF)
    max_video_seconds: int = 600
    max_video_frames: int = 1200  # sampled frames, before duplicates are dropped
    max_zip_members: int = 500
    max_zip_bytes: int = 2048 * _MB  # total uncompressed

    def check_bytes(self, size: int) -> None:
        if size == 0:
            raise IngestError("The file is empty.")
        if size > self.max_bytes:
            raise IngestError(
                f"The file is {size / _MB:.1f} MB; the limit is "
                f"{self.max_bytes / _MB:.0f} MB (OCR_MAX_UPLOAD_MB)."
            )

    def check_pixels(self, width: int, height: int) -> None:
        if width * height > self.max_pixels:
            raise IngestError(
                f"The image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
                f"the limit is {self.max_pixels / 1e6:.0f} megapixels (OCR_MAX_IMAGE_PIXELS)."
            )

    def check_pdf_pages(self, pages: int) -> None:
        self.check_pages(pages, "PDF")

    def check_pages(self, pages: int, what: str, at_least: bool = False) -> None:
        """The PDF page limit holds for every multi-page format (TIFF). `at_least`: counting
        stopped past the limit, so `pages` is a lower bound."""
        if pages > self.max_pdf_pages:
            count = f"more than {self.max_pdf_pages}" if at_least else str(pages)
            raise IngestError(
                f"The {what} has {count} pages; the limit is {self.max_pdf_pages} pages "
                "(OCR_MAX_PDF_PAGES)."
            )

    def check_video_seconds(self, seconds: float) -> None:
        if seconds > self.max_video_seconds:
            raise IngestError(
                f"The video lasts {seconds:.0f} seconds; the limit is {self.max_video_seconds} "
                "seconds (OCR_MAX_VIDEO_SECONDS)."
            )

    def check_video_frames(self, frames: int) -> None:
        if frames > self.max_video_frames:
            raise IngestError(
                f"The video would give {frames} frames to read at this interval; the limit is "
                f"{self.max_video_frames} frames (OCR_MAX_VIDEO_FRAMES). "
                "A longer interval between frames reads fewer."
            )

    def check_zip_members(self, members: int) -> None:
        if members > self.max_zip_members:
            raise IngestError(
                f"The ZIP archive holds {members} files; the limit is {self.max_zip_members} "
                "files (OCR_MAX_ZIP_MEMBERS)."
            )

    def check_zip_bytes(self, size: int) -> None:
        if size > self.max_zip_bytes:
            raise IngestError(
                f"The ZIP archive unpacks to {size / _MB:.1f} MB; the limit is "
                f"{self.max_zip_bytes / _MB:.0f} MB (OCR_MAX_ZIP_MB)."
            )
