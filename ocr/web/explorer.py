"""The explorer: one page of one input with its regions, corrected in place through the API
(static/explorer*.js), or, with ?run=N, one earlier run's own reading of it, read-only. Access
goes through the selectors (404 for what is not yours)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ocr import selectors
from ocr.models import Input, Run

EXPORT_LINKS = [
    ("txt", "Plain text"),
    ("json", "JSON"),
    ("hocr", "hOCR"),
    ("alto", "ALTO 4"),
    ("page", "PAGE-XML"),
    ("pdf", "Searchable PDF"),
    ("overlay", "Overlay PNG"),
]

BUSY = (Run.Status.QUEUED, Run.Status.RUNNING)
# Recognition confidence bands for the drawing's colours; "low confidence" is below HIGH.
HIGH, MEDIUM = 0.9, 0.7


def confidence_band(score: float) -> str:
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


@dataclass(frozen=True)
class ShownRegion:
    """What the page template draws of a region: the current one, or one of a run's reading
    (which has no id of its own: `key` names it within the page, and `version` is None)."""

    key: str
    text: str
    score: float
    points: str
    band: str
    version: int | None = None
    edited: bool = False


def _shown(key: object, polygon: Any, text: str, score: float, **rest: Any) -> ShownRegion:
    # Joined here rather than in a template loop: a scan can have hundreds of regions.
    points = " ".join(f"{x:g},{y:g}" for x, y in polygon)
    band = confidence_band(score)
    return ShownRegion(str(key), text, score, points, band, **rest)


def _viewed_run(request: HttpRequest, item: Input) -> Run | None:
    """The earlier run named by ?run=N, whose own reading is shown read-only."""
    wanted = request.GET.get("run")
    if not wanted:
        return None
    run = selectors.get_run(request.user, wanted)
    if run.input_id != item.pk:
        raise Http404("Not found.")
    return run


@login_required
def page(request: HttpRequest, input: int, index: int) -> HttpResponse:
    item = selectors.get_input(request.user, input)
    run = selectors.result_run(item)
    viewed = _viewed_run(request, item)
    pages = list(selectors.page_list(item)) if run else []
    position = next((i for i, p in enumerate(pages) if p.index == index), None)
    if position is None and pages:
        return redirect("web:page", input=item.pk, index=pages[0].index)
    current = selectors.get_page(item, index) if run and position is not None else None
    read_by_run = True
    if current is None:
        regions: list[ShownRegion] = []
    elif viewed is not None:
        reading = selectors.run_page_reading(viewed, current)
        read_by_run = reading is not None
        regions = [
            _shown(f"run{viewed.pk}-{i}", r["polygon"], r["text"], r["score"])
            for i, r in enumerate(reading or [])
        ]
    else:
        regions = [
            _shown(r.pk, r.polygon, r.text, r.score, version=r.version, edited=r.edited)
            for r in selectors.page_regions(current)
        ]
    runs = list(selectors.input_runs(item))
    context = {
        "input": item,
        "app": item.app,
        "run": run,
        # The newest run, which may have failed (or be busy) after the one shown: said on the page.
        "latest": runs[0] if runs else None,
        # A newer run is busy while an older result is shown: the page watches that run instead.
        "rereading": bool(runs and run and runs[0].pk != run.pk and runs[0].status in BUSY),
        "runs": runs,
        "viewed": viewed,
        "read_by_run": read_by_run,
        "run_query": f"?run={viewed.pk}" if viewed else "",
        "page": current,
        "pages": pages,
        "previous": pages[position - 1] if position else None,
        "next": pages[position + 1] if position is not None and position + 1 < len(pages) else None,
        "regions": regions,
        # The newest reading's blocks, drawn under the regions when "Blocks" is ticked.
        "blocks": [
            " ".join(f"{float(x):g},{float(y):g}" for x, y in block["polygon"])
            for block in ((current.blocks or []) if current is not None and viewed is None else [])
        ],
        "selected": request.GET.get("region", ""),
        "formats": EXPORT_LINKS,
        "thresholds": {"high": HIGH, "medium": MEDIUM},
    }
    return render(request, "ocr/page.html", context)
