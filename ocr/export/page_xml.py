"""PAGE-XML 2019-07-15: one file per page, zipped when the document has several."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from lxml import etree  # type: ignore[import-untyped]

from .document import ExportDocument, ExportPage
from .geometry import IntPoint, polygon_points
from .ids import region_id
from .options import Options

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{PAGE_NS} {PAGE_NS}/pagecontent.xsd"


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{PAGE_NS}}}{tag}", attrs)


def _points(points: list[IntPoint]) -> str:
    return " ".join(f"{x},{y}" for x, y in points)


def _confidence(score: float) -> str:
    return f"{min(max(score, 0.0), 1.0):.4f}"


def page_file_name(number: int) -> str:
    """The name of page `number` (1-based) inside a multi-page ZIP."""
    return f"page-{number:04d}.xml"


def render_page_file(
    document: ExportDocument, page: ExportPage, number: int, now: datetime
) -> bytes:
    """One PcGts for one page: a TextRegion holding one TextLine per region, in reading order."""
    result = page.result
    root = etree.Element(f"{{{PAGE_NS}}}PcGts", nsmap={None: PAGE_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.set("pcGtsId", f"pc_{number}")
    metadata = _el(root, "Metadata")
    _el(metadata, "Creator").text = "Legible"
    stamp = now.isoformat(timespec="seconds")
    _el(metadata, "Created").text = stamp
    _el(metadata, "LastChange").text = stamp
    page_el = _el(
        root,
        "Page",
        imageFilename=page.image_path.name if page.image_path else document.name,
        imageWidth=str(result.width),
        imageHeight=str(result.height),
    )
    ids = [region_id(page, number, i) for i in range(len(result.regions))]
    if ids:
        # The schema wants at least one member in a group, so an empty page has no order.
        order = _el(_el(page_el, "ReadingOrder"), "OrderedGroup", id=f"ro_{number}")
        for index, rid in enumerate(ids):
            _el(order, "RegionRefIndexed", index=str(index), regionRef=rid)
    for rid, region in zip(ids, result.regions, strict=True):
        points = _points(polygon_points(region.polygon, result.width, result.height))
        text_region = _el(page_el, "TextRegion", id=rid)
        _el(text_region, "Coords", points=points)
        line = _el(text_region, "TextLine", id=f"{rid}_line")
        _el(line, "Coords", points=points, conf=_confidence(region.detection_score))
        equiv = _el(line, "TextEquiv", conf=_confidence(region.score))
        _el(equiv, "Unicode").text = region.text
        _el(_el(text_region, "TextEquiv"), "Unicode").text = region.text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_page(document: ExportDocument, options: Options) -> bytes:
    """The XML itself for one page; a ZIP of page-0001.xml, ... for more."""
    now = datetime.now(UTC)
    files = [
        render_page_file(document, page, number, now)
        for number, page in enumerate(document.pages, start=1)
    ]
    if len(files) == 1:
        return files[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, data in enumerate(files, start=1):
            archive.writestr(page_file_name(number), data)
    return buffer.getvalue()
