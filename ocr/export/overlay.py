"""PNG preview of one page with every region's polygon drawn on the image."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from .document import ExportDocument, ExportPage
from .errors import ExportError
from .options import Options

LABEL_SCALE = 0.5  # label font size as a share of its region's text height
MIN_LABEL_SIZE = 10


def _label_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans where the system has it (wide coverage), else Pillow's default font.

    Pillow's bundled default only draws basic Latin; Debian's fonts-dejavu-core is common
    and Pillow finds it by name in the system font folders.
    """
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _text_height(points: list[tuple[float, float]]) -> float:
    """Area over longest side: a rectangle's short side, even when the box is rotated."""
    pairs = list(zip(points, points[1:] + points[:1], strict=True))
    area = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2
    longest = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 for (x0, y0), (x1, y1) in pairs)
    return area / longest if longest else 0.0


def _choose_page(document: ExportDocument, options: Options) -> ExportPage:
    if options.page is None:
        return document.pages[0]
    for page in document.pages:
        if page.result.index == options.page:
            return page
    known = ", ".join(str(p.result.index) for p in document.pages)
    raise ExportError(f"no page {options.page} in this document; pages: {known}")


def _base_image(page: ExportPage) -> Image.Image:
    size = (page.result.width, page.result.height)
    if page.image_path is None:
        return Image.new("RGBA", size, "white")
    with Image.open(page.image_path) as image:
        return image.convert("RGBA")


def render_overlay(document: ExportDocument, options: Options) -> bytes:
    """The chosen page (default: the first) with polygons outlined, optionally labelled."""
    page = _choose_page(document, options)
    base = _base_image(page)
    # Polygons are in result pixels; scale them if the image on disk has another size.
    sx = base.width / max(page.result.width, 1)
    sy = base.height / max(page.result.height, 1)
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = options.rgba
    for region in page.result.regions:
        points = [(x * sx, y * sy) for x, y in region.polygon]
        if len(points) < 2:
            continue
        draw.line([*points, points[0]], fill=colour, width=options.line_width, joint="curve")
        if options.labels and region.text:
            size = max(MIN_LABEL_SIZE, round(_text_height(points) * LABEL_SCALE))
            font = _label_font(size)
            left = min(x for x, _ in points)
            # Anchor at the label's descender line so it sits just above the outline.
            bottom = max(float(size), min(y for _, y in points) - options.line_width)
            draw.text((left, bottom), region.text, fill=colour, font=font, anchor="ld")
    composed = Image.alpha_composite(base, layer).convert("RGB")
    buffer = io.BytesIO()
    composed.save(buffer, format="PNG")
    return buffer.getvalue()
