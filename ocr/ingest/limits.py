from __future__ import annotations

from dataclasses import dataclass


class IngestError(Exception):
    """The file cannot be read or is over a limit; the message is meant for the user."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 500 * 1024 * 1024
    max_pixels: int = 100_000_000

    def check_bytes(self, size: int) -> None:
        if size == 0:
            raise IngestError("The file is empty.")
        if size > self.max_bytes:
            raise IngestError(
                f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
                f"{self.max_bytes / 1024 / 1024:.0f} MB (OCR_MAX_UPLOAD_MB)."
            )

    def check_pixels(self, width: int, height: int) -> None:
        if width * height > self.max_pixels:
            raise IngestError(
                f"The image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
                f"the limit is {self.max_pixels / 1e6:.0f} megapixels (OCR_MAX_IMAGE_PIXELS)."
            )
