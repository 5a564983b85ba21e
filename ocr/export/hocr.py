"""hOCR 1.2: XHTML with ocr_page, ocr_line and estimated ocrx_word boxes."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from .document import ExportDocument, ExportPage
from .geometry import Box, polygon_box, word_boxes
from .ids import page_id, region_id
from .options import Options

XHTML = "http://www.w3.org/1999/xhtml"
DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
CAPABILITIES = "ocr_page ocr_line ocrx_word"


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XHTML}}}{tag}", attrs)


def _bbox(box: Box) -> str:
    return f"bbox {box.x0} {box.y0} {box.x1} {box.y1}"


def _wconf(score: float) -> int:
    return round(min(max(score, 0.0), 1.0) * 100)


def _image_name(document: ExportDocument, page: ExportPage) -> str:
    # hOCR properties quote strings with double quotes and have no escape for them.
    name = page.image_path.name if page.image_path else document.name
    return name.replace('"', "")


def _page(body: etree._Element, document: ExportDocument, page: ExportPage, number: int) -> None:
    result = page.result
    title = (
        f'image "{_image_name(document, page)}"; bbox 0 0 {result.width} {result.height}; '
        f"ppageno {number - 1}"
    )
    div = _el(body, "div", **{"class": "ocr_page", "id": page_id(number), "title": title})
    div.text = "\n"
    for position, region in enumerate(result.regions):
        line_id = region_id(page, number, position)
        box = polygon_box(region.polygon, result.width, result.height)
        conf = _wconf(region.score)
        line = _el(
            div,
            "span",
            **{"class": "ocr_line", "id": line_id, "title": f"{_bbox(box)}; x_wconf {conf}"},
        )
        line.tail = "\n"
        previous: etree._Element | None = None
        for index, (word, word_box) in enumerate(word_boxes(region.text, box)):
            if previous is not None:
                previous.tail = " "
            previous = _el(
                line,
                "span",
                **{
                    "class": "ocrx_word",
                    "id": f"{line_id}_word_{index + 1}",
                    "title": f"{_bbox(word_box)}; x_wconf {conf}",
                },
            )
            previous.text = word


def render_hocr(document: ExportDocument, options: Options) -> bytes:
    """One XHTML file; line boxes are the polygons' bounds, word boxes are estimates."""
    html = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML})
    html.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    html.set("lang", "en")
    head = _el(html, "head")
    _el(head, "title").text = document.name
    _el(head, "meta", **{"http-equiv": "Content-Type", "content": "text/html; charset=utf-8"})
    _el(head, "meta", name="ocr-system", content="Legible")
    _el(head, "meta", name="ocr-capabilities", content=CAPABILITIES)
    _el(head, "meta", name="ocr-number-of-pages", content=str(len(document.pages)))
    body = _el(html, "body")
    for number, page in enumerate(document.pages, start=1):
        _page(body, document, page, number)
    return etree.tostring(
        html, xml_declaration=True, encoding="UTF-8", doctype=DOCTYPE, pretty_print=True
    )
