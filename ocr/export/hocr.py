"""hOCR 1.2: XHTML with ocr_page, ocr_line and ocrx_word boxes (the recognizer's own)."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from .document import ExportDocument, ExportPage
from .geometry import Box, page_blocks, polygon_box, region_words, union_box
from .ids import page_id, region_id
from .options import Options

XHTML = "http://www.w3.org/1999/xhtml"
DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
CAPABILITIES = "ocr_page ocr_carea ocr_par ocr_line ocrx_word"


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
    if result.blocks and page_blocks(result) == [tuple(b.lines) for b in result.blocks]:
        for k, run in enumerate(page_blocks(result), start=1):
            boxes = [
                polygon_box(result.regions[i].polygon, result.width, result.height) for i in run
            ]
            title = _bbox(union_box(boxes) or Box(0, 0, 0, 0))
            area = _el(
                div, "div", **{"class": "ocr_carea", "id": f"block_{number}_{k}", "title": title}
            )
            area.tail = "\n"
            par = _el(area, "p", **{"class": "ocr_par", "id": f"par_{number}_{k}", "title": title})
            par.text = "\n"
            for position in run:
                _line(par, page, number, position)
    else:
        for position in range(len(result.regions)):
            _line(div, page, number, position)


def _line(parent: etree._Element, page: ExportPage, number: int, position: int) -> None:
    result = page.result
    region = result.regions[position]
    line_id = region_id(page, number, position)
    box = polygon_box(region.polygon, result.width, result.height)
    conf = _wconf(region.score)
    line = _el(
        parent,
        "span",
        **{"class": "ocr_line", "id": line_id, "title": f"{_bbox(box)}; x_wconf {conf}"},
    )
    line.tail = "\n"
    previous: etree._Element | None = None
    words = region_words(region, result.width, result.height)
    for index, (word, word_box, word_score) in enumerate(words):
        if previous is not None:
            previous.tail = " "
        previous = _el(
            line,
            "span",
            **{
                "class": "ocrx_word",
                "id": f"{line_id}_word_{index + 1}",
                "title": f"{_bbox(word_box)}; x_wconf {_wconf(word_score)}",
            },
        )
        previous.text = word


def render_hocr(document: ExportDocument, options: Options) -> bytes:
    """One XHTML file; line boxes are the polygons' bounds, word boxes the recognizer's."""
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
