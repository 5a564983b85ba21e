"""JSON in Legible's own result shape, with database ids where known."""

from __future__ import annotations

import json
from typing import Any

from .document import ExportDocument, ExportPage
from .options import Options


def _page(page: ExportPage) -> dict[str, Any]:
    result = page.result
    ids = page.region_ids or (None,) * len(result.regions)
    return {
        "index": result.index,
        "width": result.width,
        "height": result.height,
        "timecode_ms": page.timecode_ms,
        "regions": [
            {"id": region_id, **region.to_dict()}
            for region_id, region in zip(ids, result.regions, strict=True)
        ],
    }


def render_json(document: ExportDocument, options: Options) -> bytes:
    """`{"name", "pages": [...]}` as UTF-8, non-ASCII kept as is."""
    data = {"name": document.name, "pages": [_page(p) for p in document.pages]}
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
