"""Which regions an app's search sees: those of each input's result run (the newest run that
succeeded, else the newest run, as selectors.result_run), never a video caption's repeats."""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from ocr.models import App, Input, Region, Run


def _preference() -> Case:
    return Case(
        When(status=Run.Status.SUCCEEDED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def result_run_ids(app: App) -> QuerySet[Input] | QuerySet[Run]:
    if connection.vendor == "postgresql":
        # Uncorrelated, so it runs once: PostgreSQL re-ran a correlated subquery for every
        # matching region when rechecking its hash join (a third of a common word's latency).
        return (
            Run.objects.filter(input__app=app)
            .order_by("input_id", _preference(), "-created", "-id")
            .distinct("input_id")
            .values("pk")
        )
    best = (
        Run.objects.filter(input_id=OuterRef("pk"))
        .order_by(_preference(), "-created", "-id")
        .values("pk")[:1]
    )
    return Input.objects.filter(app=app).annotate(result=Subquery(best)).values("result")


def searchable_regions(app: App) -> QuerySet[Region]:
    # No ordering: the Meta ordering would join ocr_page into every subquery for nothing.
    regions = Region.objects.filter(run_id__in=result_run_ids(app), repeat_of__isnull=True)
    return regions.order_by()
