"""Export options, checked when made so a bad value fails before any work is done."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ExportError

# CSS hex colours: #rgb, #rgba, #rrggbb, #rrggbbaa.
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
MIN_LINE_WIDTH = 1
MAX_LINE_WIDTH = 20


@dataclass(frozen=True)
class Options:
    """Options for the formats that use them (today only `overlay`)."""

    page: int | None = None
    color: str = "#e8590c"
    line_width: int = 3
    labels: bool = False

    def __post_init__(self) -> None:
        if self.page is not None and (
            isinstance(self.page, bool) or not isinstance(self.page, int) or self.page < 0
        ):
            raise ExportError(f"page must be a page index (0 or more), got {self.page!r}")
        if not isinstance(self.color, str) or not _HEX_COLOUR.fullmatch(self.color):
            raise ExportError(
                f"color must be a CSS hex colour like #e8590c or #fa0, got {self.color!r}"
            )
        if (
            isinstance(self.line_width, bool)
            or not isinstance(self.line_width, int)
            or not MIN_LINE_WIDTH <= self.line_width <= MAX_LINE_WIDTH
        ):
            raise ExportError(
                f"line_width must be a whole number from {MIN_LINE_WIDTH} to {MAX_LINE_WIDTH}, "
                f"got {self.line_width!r}"
            )
        if not isinstance(self.labels, bool):
            raise ExportError(f"labels must be true or false, got {self.labels!r}")

    @property
    def rgba(self) -> tuple[int, int, int, int]:
        """The colour as 8-bit RGBA."""
        digits = self.color[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        if len(digits) == 6:
            digits += "ff"
        r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
        return r, g, b, a
