"""The search page: hits grouped by input and page, each with a crop of its region and a link
to it on the page view."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from ocr import selectors
from ocr.models import Input, Page, Region
from ocr.search import MAX_QUERY_LENGTH, Hit, search
from ocr.search.highlight import matched_word_polygons

PER_PAGE = 50
CROP_MARGIN = 8  # page pixels around the region, so the crop shows a little context


class SearchForm(forms.Form):
    q = forms.CharField(label="Search this app's text", max_length=MAX_QUERY_LENGTH)
    fuzzy = forms.BooleanField(label="Tolerate OCR errors", required=False)


@dataclass
class ShownHit:
    hit: Hit
    headline: SafeString
    view_box: str
    points: str
    # The matched words' outlines (from the recognizer's word boxes); empty when the line has
    # none (drawn or edited lines), and then the whole line is shown as before.
    words: list[str] = field(default_factory=list)


@dataclass
class PageGroup:
    page: Page
    hits: list[ShownHit] = field(default_factory=list)


@dataclass
class InputGroup:
    input: Input
    pages: dict[int, PageGroup] = field(default_factory=dict)


def _points(polygon: list[list[float]]) -> str:
    return " ".join(f"{float(x):g},{float(y):g}" for x, y in polygon)


def _shown(hit: Hit, words: list[dict] | None = None) -> ShownHit:
    xs = [float(x) for x, _ in hit.polygon] or [0.0]
    ys = [float(y) for _, y in hit.polygon] or [0.0]
    left, top = min(xs) - CROP_MARGIN, min(ys) - CROP_MARGIN
    width, height = max(xs) - left + CROP_MARGIN, max(ys) - top + CROP_MARGIN
    return ShownHit(
        hit=hit,
        # The search backends escape the text and add only <mark> tags (ocr.search.highlight).
        headline=mark_safe(hit.headline),  # noqa: S308
        view_box=f"{left:g} {top:g} {width:g} {height:g}",
        points=_points(hit.polygon),
        words=[_points(p) for p in matched_word_polygons(hit.headline, words)],
    )


def _group(hits: list[Hit]) -> list[InputGroup]:
    """Inputs and pages in the order of their best hit."""
    wanted = Q(pk__in=[])
    for hit in hits:
        wanted |= Q(input_id=hit.input, index=hit.page)
    pages = {(p.input_id, p.index): p for p in Page.objects.filter(wanted).select_related("input")}
    words = dict(Region.objects.filter(pk__in=[h.region for h in hits]).values_list("pk", "words"))
    groups: dict[int, InputGroup] = {}
    for hit in hits:
        page = pages.get((hit.input, hit.page))
        if page is None:  # deleted between the search and now
            continue
        group = groups.setdefault(hit.input, InputGroup(input=page.input))
        group.pages.setdefault(hit.page, PageGroup(page=page)).hits.append(
            _shown(hit, words.get(hit.region))
        )
    return list(groups.values())


@login_required
def search_page(request: HttpRequest, app: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    form = SearchForm(request.GET if "q" in request.GET else None)
    context: dict[str, object] = {"app": the_app, "form": form}
    if form.is_valid():
        hits = search(the_app, form.cleaned_data["q"], fuzzy=form.cleaned_data["fuzzy"])
        results = Paginator(hits, PER_PAGE).get_page(request.GET.get("page"))
        context.update(results=results, groups=_group(list(results)))
    return render(request, "ocr/search.html", context)
