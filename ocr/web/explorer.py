"""The explorer: one page of one input with its regions, edited in place through the API
(static/explorer.js). Access goes through the selectors (404 for what is not yours)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ocr import selectors

EXPORT_LINKS = [
    ("txt", "Plain text"),
    ("json", "JSON"),
    ("hocr", "hOCR"),
    ("alto", "ALTO 4"),
    ("page", "PAGE-XML"),
    ("pdf", "Searchable PDF"),
    ("overlay", "Overlay PNG"),
]

# Recognition confidence bands for the drawing's colours; "low confidence" is below HIGH.
HIGH, MEDIUM = 0.9, 0.7


def confidence_band(score: float) -> str:
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


@login_required
def page(request: HttpRequest, input: int, index: int) -> HttpResponse:
    item = selectors.get_input(request.user, input)
    run = selectors.result_run(item)
    pages = list(selectors.page_list(item)) if run else []
    position = next((i for i, p in enumerate(pages) if p.index == index), None)
    if position is None and pages:
        return redirect("web:page", input=item.pk, index=pages[0].index)
    current = selectors.get_page(item, index) if run and position is not None else None
    regions = list(selectors.page_regions(current)) if current else []
    for region in regions:
        # Joined here rather than in a template loop: a scan can have hundreds of regions.
        region.points = " ".join(f"{x:g},{y:g}" for x, y in region.polygon)  # type: ignore[attr-defined]
        region.band = confidence_band(region.score)  # type: ignore[attr-defined]
    context = {
        "input": item,
        "app": item.app,
        "run": run,
        "page": current,
        "pages": pages,
        "previous": pages[position - 1] if position else None,
        "next": pages[position + 1] if position is not None and position + 1 < len(pages) else None,
        "regions": regions,
        "selected": request.GET.get("region", ""),
        "formats": EXPORT_LINKS,
        "thresholds": {"high": HIGH, "medium": MEDIUM},
    }
    return render(request, "ocr/page.html", context)
