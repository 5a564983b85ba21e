"""Lines rendered from text in printed or handwriting fonts, for replay and for more data.

Printed lines replayed beside handwritten ones keep a fine-tuned recognizer reading print;
handwriting fonts give it more hands than an app's few pages hold. Fonts are files on disk
only: Pillow's own (always there), and Debian's font packages where installed
(`scripts/install-fonts` installs the ones named here).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .samples import LineSample, normalise_text

FONT_ROOT = Path("/usr/share/fonts")
# File names (under FONT_ROOT) of printed faces; Pillow's built-in face is always added.
PRINTED_FONTS = (
    "truetype/dejavu/DejaVuSerif.ttf",
    "truetype/dejavu/DejaVuSans.ttf",
    "truetype/dejavu/DejaVuSerifCondensed.ttf",
    "truetype/liberation/LiberationSerif-Regular.ttf",
    "truetype/liberation/LiberationSans-Regular.ttf",
)
# Handwriting faces of Debian packages (fonts-ecolier-court: French school cursive, the hand
# taught to the writers of the wills in the development sets).
HANDWRITING_PATTERNS = (
    "truetype/ecolier-court/*.ttf",
    "truetype/ecolier-lignes-court/*.ttf",
    "truetype/dancingscript/*.ttf",
    "truetype/dkg-handwriting/*.ttf",
    "truetype/breip/*.ttf",
    "truetype/femkeklaver/*.ttf",
    "truetype/kristi/*.ttf",
    "truetype/rufscript/*.ttf",
    "truetype/humor-sans/*.ttf",
    "truetype/klee/*.ttf",
    "opentype/klee/*.otf",
)

FontSpec = Path | None  # None: Pillow's built-in face


def printed_fonts() -> list[FontSpec]:
    return [None, *(FONT_ROOT / name for name in PRINTED_FONTS if (FONT_ROOT / name).is_file())]


def handwriting_fonts() -> list[FontSpec]:
    found: list[FontSpec] = []
    for pattern in HANDWRITING_PATTERNS:
        found.extend(sorted(FONT_ROOT.glob(pattern)))
    return found


def _font(spec: FontSpec, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if spec is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(spec), size=size)


def render_line(text: str, font: FontSpec, rng: np.random.Generator) -> np.ndarray:
    """One line of `text` in `font`, dark ink on light paper, cut a little loosely around it."""
    size = int(rng.integers(28, 44))
    face = _font(font, size)
    left, top, right, bottom = face.getbbox(text)
    margin_x, margin_y = int(rng.integers(2, 12)), int(rng.integers(2, 10))
    width = int(right - left) + 2 * margin_x
    height = int(bottom - top) + 2 * margin_y
    paper = int(rng.integers(200, 256))
    ink = int(rng.integers(0, 90))
    image = Image.new("L", (max(width, 8), max(height, 8)), paper)
    ImageDraw.Draw(image).text((margin_x - left, margin_y - top), text, fill=ink, font=face)
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def sample_texts(corpus: Sequence[str], count: int, rng: np.random.Generator) -> list[str]:
    """`count` lines of 2-8 consecutive words of the corpus lines, taken across line ends."""
    words = [w for line in corpus for w in normalise_text(line).split()]
    if not words:
        return []
    texts = []
    for _ in range(count):
        length = int(rng.integers(2, 9))
        start = int(rng.integers(0, max(1, len(words) - length)))
        texts.append(" ".join(words[start : start + length]))
    return texts


def synthetic_lines(
    corpus: Sequence[str], count: int, fonts: Sequence[FontSpec], seed: int = 0
) -> list[LineSample]:
    """`count` lines of the corpus's words rendered in the given fonts, in turn."""
    if not fonts:
        return []
    rng = np.random.default_rng(seed)
    lines = []
    for index, text in enumerate(sample_texts(corpus, count, rng)):
        font = fonts[index % len(fonts)]
        lines.append(LineSample(render_line(text, font, rng), text))
    return lines
