"""The review queue: an app's lines that no person has checked, on pages not verified, least
confident first, each as its line image above its text; corrected or accepted from the keyboard
(static/review.js) through the regions API. Batches follow each other by keyset (?after=)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ocr import selectors
from ocr.models import Region

BATCH = 25
# Line images are shown this tall (CSS pixels) whatever their size on the page, within reason.
LINE_HEIGHT_MIN, LINE_HEIGHT_MAX = 36, 64


@dataclass(frozen=True)
class Line:
    region: Region
    number: int
    width: int
    height: int


def _shown(region: Region, number: int) -> Line:
    xs = [x for x, _ in region.polygon]
    ys = [y for _, y in region.polygon]
    width, height = max(max(xs) - min(xs), 1), max(max(ys) - min(ys), 1)
    shown = min(max(height, LINE_HEIGHT_MIN), LINE_HEIGHT_MAX)
    return Line(region, number, round(width * shown / height), round(shown))


def _after(raw: str) -> tuple[float, int] | None:
    if not raw:
        return None
    try:
        score, pk = raw.split(":")
        return float(score), int(pk)
    except ValueError:
        raise Http404("Not found.") from None


@login_required
@require_GET
def review(request: HttpRequest, app: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    after = _after(request.GET.get("after", ""))
    start = int(request.GET["start"]) if request.GET.get("start", "").isdigit() else 1
    found = selectors.review_batch(the_app, after, BATCH + 1)
    lines = [_shown(region, start + i) for i, region in enumerate(found[:BATCH])]
    last = found[BATCH - 1] if len(found) > BATCH else None
    context = {
        "app": the_app,
        "lines": lines,
        "more": f"after={last.score!r}:{last.pk}&start={start + BATCH}" if last else "",
        "progress": selectors.review_progress(the_app),
    }
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "ocr/_review_lines.html" if fragment else "ocr/review.html", context)
