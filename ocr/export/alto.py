"""ALTO v4.4 XML: one Page per page, a TextBlock per block, a TextLine per region."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from ocr.engine.types import Region

from .document import ExportDocument, ExportPage
from .geometry import (
    Box,
    is_axis_aligned_rectangle,
    page_blocks,
    polygon_box,
    polygon_points,
    region_words,
    union_box,
)
from .ids import page_id, region_id
from .options import Options

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ALTO_NS}}}{tag}", attrs)


def _box_attrs(box: Box) -> dict[str, str]:
    return {
        "HPOS": str(box.x0),
        "VPOS": str(box.y0),
        "WIDTH": str(box.width),
        "HEIGHT": str(box.height),
    }


def _confidence(score: float) -> str:
    return f"{min(max(score, 0.0), 1.0):.4f}"


def _description(root: etree._Element, document: ExportDocument) -> None:
    description = _el(root, "Description")
    _el(description, "MeasurementUnit").text = "pixel"
    source = _el(description, "sourceImageInformation")
    _el(source, "fileName").text = document.name
    processing = _el(description, "Processing", ID="processing_1")
    _el(processing, "processingCategory").text = "contentGeneration"
    software = _el(processing, "processingSoftware")
    _el(software, "softwareName").text = "Legible"


def _text_line(
    block: etree._Element, page: ExportPage, number: int, position: int, region: Region
) -> Box:
    result = page.result
    line_id = region_id(page, number, position)
    box = polygon_box(region.polygon, result.width, result.height)
    line = _el(block, "TextLine", ID=line_id, **_box_attrs(box))
    points = polygon_points(region.polygon, result.width, result.height)
    if not is_axis_aligned_rectangle(points):
        # A rotated or curved line keeps its real outline; the box alone would lose it.
        shape = _el(line, "Shape")
        _el(shape, "Polygon", POINTS=" ".join(f"{x},{y}" for x, y in points))
    words = region_words(region, result.width, result.height)
    if not words:
        # The schema wants at least one String per TextLine, even for an emptied line.
        _el(line, "String", ID=f"{line_id}_string_1", CONTENT="", **_box_attrs(box))
        return box
    for index, (word, word_box, word_score) in enumerate(words):
        if index:
            previous = words[index - 1][1]
            gap = Box(previous.x1, box.y0, max(word_box.x0, previous.x1), box.y1)
            _el(line, "SP", HPOS=str(gap.x0), VPOS=str(gap.y0), WIDTH=str(gap.width))
        _el(
            line,
            "String",
            ID=f"{line_id}_string_{index + 1}",
            CONTENT=word,
            WC=_confidence(word_score),
            **_box_attrs(word_box),
        )
    return box


def _page(layout: etree._Element, page: ExportPage, number: int) -> None:
    result = page.result
    whole = Box(0, 0, result.width, result.height)
    page_el = _el(
        layout,
        "Page",
        ID=page_id(number),
        PHYSICAL_IMG_NR=str(number),
        WIDTH=str(result.width),
        HEIGHT=str(result.height),
    )
    space = _el(page_el, "PrintSpace", ID=f"{page_id(number)}_printspace", **_box_attrs(whole))
    runs = page_blocks(result) or [()]  # an empty page still has its (empty) block
    for block_number, run in enumerate(runs, start=1):
        block = _el(space, "TextBlock", ID=f"{page_id(number)}_block_{block_number}")
        boxes = [
            _text_line(block, page, number, position, result.regions[position]) for position in run
        ]
        for name, value in _box_attrs(union_box(boxes) or whole).items():
            block.set(name, value)


def render_alto(document: ExportDocument, options: Options) -> bytes:
    """One ALTO file for the whole document, in pixels, down to the words."""
    root = etree.Element(f"{{{ALTO_NS}}}alto", nsmap={None: ALTO_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.set("SCHEMAVERSION", "4.4")
    _description(root, document)
    layout = _el(root, "Layout")
    for number, page in enumerate(document.pages, start=1):
        _page(layout, page, number)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
