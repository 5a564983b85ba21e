"""PAGE-XML 2019-07-15: one file per page, zipped when the document has several."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from lxml import etree  # type: ignore[import-untyped]

from .document import ExportDocument, ExportPage
from .geometry import IntPoint, page_blocks, polygon_points, region_words
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
    """One PcGts for one page: a TextRegion per block holding its TextLines (one per region),
    in reading order; a TextRegion per line where the result has no blocks."""
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
    if result.blocks and page_blocks(result) == [tuple(b.lines) for b in result.blocks]:
        # A TextRegion per block holding its lines; the reading order goes block by block.
        groups = [
            (f"block_{number}_{k}", list(run), block.polygon)
            for k, (run, block) in enumerate(
                zip(page_blocks(result), result.blocks, strict=True), 1
            )
        ]
        line_ids = ids
    else:
        # No layout known: each line is a TextRegion of its own, as before blocks existed.
        groups = [
            (rid, [i], region.polygon)
            for i, (rid, region) in enumerate(zip(ids, result.regions, strict=True))
        ]
        line_ids = [f"{rid}_line" for rid in ids]
    if groups:
        # The schema wants at least one member in a group, so an empty page has no order.
        order = _el(_el(page_el, "ReadingOrder"), "OrderedGroup", id=f"ro_{number}")
        for index, (gid, _, _) in enumerate(groups):
            _el(order, "RegionRefIndexed", index=str(index), regionRef=gid)
    for gid, members, outline in groups:
        text_region = _el(page_el, "TextRegion", id=gid)
        _el(
            text_region,
            "Coords",
            points=_points(polygon_points(outline, result.width, result.height)),
        )
        for position in members:
            region = result.regions[position]
            points = _points(polygon_points(region.polygon, result.width, result.height))
            line = _el(text_region, "TextLine", id=line_ids[position])
            _el(line, "Coords", points=points, conf=_confidence(region.detection_score))
            for index, (text, box, score) in enumerate(
                region_words(region, result.width, result.height), start=1
            ):
                word = _el(line, "Word", id=f"{line_ids[position]}_word_{index}")
                corners = [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
                _el(word, "Coords", points=_points(corners))
                _el(_el(word, "TextEquiv", conf=_confidence(score)), "Unicode").text = text
            equiv = _el(line, "TextEquiv", conf=_confidence(region.score))
            _el(equiv, "Unicode").text = region.text
        text = "\n".join(result.regions[i].text for i in members)
        _el(_el(text_region, "TextEquiv"), "Unicode").text = text
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
