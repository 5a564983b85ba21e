"""Which regions an app's search sees: every page's current regions (the newest reading with
the corrections on top), never a video caption's repeats."""

from __future__ import annotations

from django.db.models import QuerySet

from ocr.models import App, Page, Region


def searchable_regions(app: App) -> QuerySet[Region]:
    # No ordering: the Meta ordering would join ocr_page into every subquery for nothing.
    pages = Page.objects.filter(input__app=app).values("pk")
    return Region.objects.filter(page_id__in=pages, repeat_of__isnull=True).order_by()
