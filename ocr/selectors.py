"""Reads that are more than a .get(), and the access rule: a user sees the apps they own or
are a member of, and everything inside them; anything else is 'not found'."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.http import Http404

from ocr.engine.errors import UnknownModelError
from ocr.engine.gallery import ModelSpec, describe_gallery, file_model, get_model
from ocr.engine.types import PageResult
from ocr.export import ExportDocument, ExportPage
from ocr.ingest.resolution import page_source

from . import files
from .models import App, Input, Page, Region, Run, RunPage, TrainedModel, Training

User = AbstractBaseUser | AnonymousUser


def visible_apps(user: User) -> QuerySet[App]:
    if not user.is_authenticated:
        return App.objects.none()
    # A subquery rather than a join on members, so an app never appears twice.
    member_of = App.members.through.objects.filter(user_id=user.pk).values("app_id")
    return App.objects.filter(Q(owner_id=user.pk) | Q(pk__in=member_of))


def _get(queryset: QuerySet[Any], pk: object) -> Any:
    return _get_by(queryset, pk=pk)


def get_app(user: User, pk: object) -> App:
    return _get(visible_apps(user), pk)


def get_input(user: User, pk: object) -> Input:
    return _get(Input.objects.filter(app__in=visible_apps(user)).select_related("app"), pk)


def get_run(user: User, pk: object) -> Run:
    return _get(Run.objects.filter(input__app__in=visible_apps(user)).select_related("input"), pk)


def get_region(user: User, pk: object) -> Region:
    regions = Region.objects.filter(page__input__app__in=visible_apps(user))
    return _get(regions.select_related("page", "page__input"), pk)


def inputs_with_latest_run(app: App) -> QuerySet[Input]:
    latest = Run.objects.filter(input=OuterRef("pk")).order_by("-created", "-id")
    return app.inputs.annotate(
        latest_run_id=Subquery(latest.values("pk")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
    )


def latest_run(item: Input) -> Run | None:
    return item.runs.order_by("-created", "-id").first()


def result_run(item: Input) -> Run | None:
    """The run whose regions are the input's result: the newest that succeeded, else the
    newest one (whose finished pages show while the rest are read)."""
    runs = item.runs.order_by("-created", "-id")
    return runs.filter(status=Run.Status.SUCCEEDED).first() or runs.first()


def result_pages(item: Input) -> QuerySet[Page]:
    """The input's pages with their current regions (the newest reading and the corrections)
    in reading order, as `page.run_regions`."""
    regions = Region.objects.order_by("order", "pk").select_related("corrected_by")
    return (
        Page.objects.filter(input=item)
        .order_by("index")
        .prefetch_related(Prefetch("regions", queryset=regions, to_attr="run_regions"))
    )


def run_readings(run: Run) -> list[tuple[Page, list[dict[str, Any]]]]:
    """One run's own reading of each page it read, as it was read: the run's history."""
    readings = RunPage.objects.filter(run=run).select_related("page").order_by("page__index")
    return [(reading.page, reading.regions) for reading in readings]


def input_runs(item: Input) -> QuerySet[Run]:
    return item.runs.order_by("-created", "-id")


def run_page_reading(run: Run, page: Page) -> list[dict[str, Any]] | None:
    """One run's own reading of one page, as it was read; None when the run did not read it."""
    reading = RunPage.objects.filter(run=run, page=page).only("regions").first()
    return reading.regions if reading else None


def get_page(item: Input, index: object) -> Page:
    return _get_by(Page.objects.filter(input=item), index=index)


# Ids and page indexes are 64-bit database integers: a larger number names nothing (and
# SQLite and PostgreSQL would raise on it rather than find nothing).
LARGEST_ID = 2**63 - 1


def _get_by(queryset: QuerySet[Any], **lookup: object) -> Any:
    try:
        values = {k: int(str(v)) for k, v in lookup.items()}
        if not all(0 <= value <= LARGEST_ID for value in values.values()):
            raise ValueError("out of range")
        return queryset.get(**values)
    except (ValueError, queryset.model.DoesNotExist):
        raise Http404("Not found.") from None


def largest_page_pixels(item: Input) -> int:
    largest = item.pages.aggregate(n=Max(F("width") * F("height")))["n"]
    return int(largest or 0)


def export_document(
    item: Input,
    folder: Path,
    image: Callable[[Page], FieldFile | None] | None = None,
    sources: bool = False,
) -> ExportDocument:
    """The input's result with its current (edited) text, in the exporters' shape. A caption
    repeated on following video frames appears once, on the frame where it starts.

    Exporters read page images from paths: with object storage they are downloaded into
    `folder` (the caller's temporary folder, removed once the export is made). `image` picks
    each page's image file (default: the page's own; None: none). With `sources`, each page
    also carries its resolution and, for a JPEG upload, the JPEG itself (for the PDF)."""
    source = _page_sources(item, folder) if sources else None
    pages = []
    for page in result_pages(item):
        file = image(page) if image is not None else page.image
        regions = [r for r in page.run_regions if r.repeat_of_id is None]
        result = PageResult(
            index=page.index,
            width=page.width,
            height=page.height,
            regions=tuple(r.as_result() for r in regions),
        )
        pages.append(
            ExportPage(
                result=result,
                image_path=files.local_file(file.storage, file.name, folder) if file else None,
                timecode_ms=page.timecode_ms,
                region_ids=tuple(r.pk for r in regions),
                **(source(page) if source else {}),
            )
        )
    return ExportDocument(name=item.name, pages=pages)


def _page_sources(item: Input, folder: Path) -> Callable[[Page], dict[str, Any]]:
    """Each page's resolution: a PDF's render resolution, an image file's own (from its
    header); and the uploaded JPEG when it is the page as stored."""
    if item.kind == Input.Kind.PDF:
        dpi = float(item.options.get("pdf_dpi") or settings.OCR_PDF_DPI)
        return lambda page: {"dpi": (dpi, dpi)}
    if item.kind != Input.Kind.IMAGE or not item.file:
        return lambda page: {}
    original = files.local_file(item.file.storage, item.file.name, folder)

    def source(page: Page) -> dict[str, Any]:
        found = page_source(original, page.index, (page.width, page.height))
        return {"dpi": found.dpi, "jpeg_path": original if found.jpeg else None}

    return source


# The app page's inputs grid ---------------------------------------------------------------------

PREVIEW_CHARS = 160


def input_grid(app: App, status: str | None = None) -> QuerySet[Input]:
    """The app's inputs with what a grid row shows of their latest run and first page."""
    latest = Run.objects.filter(input=OuterRef("pk")).order_by("-created", "-id")
    first_page = Page.objects.filter(input=OuterRef("pk")).order_by("index")
    inputs = app.inputs.annotate(
        latest_run_id=Subquery(latest.values("pk")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_done=Subquery(latest.values("progress_done")[:1]),
        latest_total=Subquery(latest.values("progress_total")[:1]),
        latest_error=Subquery(latest.values("error")[:1]),
        thumb_page=Subquery(first_page.values("pk")[:1]),
        page_count=_count(Page.objects.filter(input=OuterRef("pk"))),
        verified_pages=_count(Page.objects.filter(input=OuterRef("pk"), verified=True)),
    )
    return inputs.filter(latest_status=status) if status else inputs


def _count(rows: QuerySet[Any]) -> Coalesce:
    counted = rows.order_by().values("input").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


def page_counts(input_ids: list[int]) -> dict[int, int]:
    rows = Page.objects.filter(input_id__in=input_ids).values("input_id").annotate(n=Count("pk"))
    return {row["input_id"]: row["n"] for row in rows}


def text_previews(input_ids: list[int]) -> dict[int, str]:
    """The start of each input's text on its first page; one query for a whole grid page."""
    regions = (
        Region.objects.filter(page__input_id__in=input_ids, page__index=0, repeat_of=None)
        .order_by("page__input_id", "order", "pk")
        .values_list("page__input_id", "text")
    )
    previews: dict[int, str] = {}
    for input_id, text in regions:
        so_far = previews.get(input_id, "")
        if len(so_far) < PREVIEW_CHARS and text.strip():
            previews[input_id] = f"{so_far} {text.strip()}".strip()
    return {
        input_id: text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
        for input_id, text in previews.items()
    }


def first_page(item: Input) -> Page:
    page = Page.objects.filter(input=item).order_by("index").first()
    if page is None:
        raise Http404("Not found.")
    return page


# The explorer ------------------------------------------------------------------------------------


def page_list(item: Input) -> QuerySet[Page]:
    """The input's pages, neither their regions nor sizes: what page navigation needs."""
    pages = Page.objects.filter(input=item).order_by("index")
    return pages.only("input", "index", "timecode_ms", "verified")


def page_regions(page: Page) -> QuerySet[Region]:
    """One page's current regions, in reading order."""
    return Region.objects.filter(page=page).order_by("order", "pk").select_related("corrected_by")


# The review queue ---------------------------------------------------------------------------------


def review_queue(app: App) -> QuerySet[Region]:
    """The app's lines no person has checked yet, on pages not verified, least confident first."""
    return (
        Region.objects.filter(
            page__input__app=app, page__verified=False, edited=False, repeat_of__isnull=True
        )
        .select_related("page")
        .order_by("score", "pk")
    )


def review_batch(app: App, after: tuple[float, int] | None, limit: int) -> list[Region]:
    """The queue's next `limit` lines after the (score, id) of the last one shown: a keyset, so
    lines checked meanwhile (which leave the queue) never make the next batch skip any."""
    queue = review_queue(app).select_related("page__input")
    if after is not None:
        score, pk = after
        queue = queue.filter(Q(score__gt=score) | Q(score=score, pk__gt=pk))
    return list(queue[:limit])


def review_progress(app: App) -> dict[str, int]:
    """Lines of the app a person has checked (corrected, confirmed, or on a verified page)."""
    lines = Region.objects.filter(page__input__app=app, repeat_of__isnull=True)
    total = lines.count()
    reviewed = lines.filter(Q(edited=True) | Q(page__verified=True)).count()
    return {"reviewed": reviewed, "total": total}


# Trainings ----------------------------------------------------------------------------------------


def get_training(user: User, pk: object) -> Training:
    trainings = Training.objects.filter(app__in=visible_apps(user)).select_related("app")
    return _get(trainings, pk)


def app_trainings(app: App) -> QuerySet[Training]:
    return app.trainings.select_related("model").order_by("-created", "-id")


def active_training(app: App) -> Training | None:
    return app.trainings.filter(status__in=Training.ACTIVE).first()


def verified_pages(app: App) -> QuerySet[Page]:
    """The app's pages a person verified: ground truth for its trainings."""
    return Page.objects.filter(input__app=app, verified=True).order_by("input_id", "index")


def training_regions(page_ids: list[int]) -> dict[int, list[Region]]:
    """The current regions of these pages (video repeats left out), by page id, in order."""
    regions: dict[int, list[Region]] = {pk: [] for pk in page_ids}
    rows = Region.objects.filter(page_id__in=page_ids, repeat_of__isnull=True)
    for region in rows.order_by("page_id", "order", "pk"):
        regions[region.page_id].append(region)
    return regions


def verified_counts(app: App) -> dict[str, int]:
    """What the Train page shows: verified pages and the lines (regions with text) on them."""
    pages = verified_pages(app)
    lines = Region.objects.filter(page__in=pages, repeat_of__isnull=True).exclude(text="")
    return {"pages": pages.count(), "lines": lines.count()}


def trained_models(app: App) -> QuerySet[TrainedModel]:
    return app.trained_models.select_related("training").order_by("-created", "-id")


def trained_specs(app: App) -> dict[str, ModelSpec]:
    """The app's trained models as engine models, by the id its workflows name them with."""
    specs = {}
    for model in trained_models(app):
        description = f"{model.name}: trained by this app from {model.base}"
        try:
            specs[model.model_id] = file_model(
                model.base, model.model_id, Path(model.file.path), description
            )
        except (UnknownModelError, NotImplementedError):  # a base the gallery no longer has
            continue
    return specs


def describe_trained(app: App) -> list[dict[str, Any]]:
    """The app's trained models in the gallery's shape, with their metrics."""
    described = []
    for model in trained_models(app):
        try:
            base = get_model(model.base)
        except UnknownModelError:
            continue
        params = next(m for m in describe_gallery() if m["id"] == base.id)["params"]
        described.append(
            {
                "id": model.model_id,
                "kind": model.kind,
                "description": f"{model.name}: trained by this app from {model.base}",
                "ready": (ready := model.file.storage.exists(model.file.name)),
                "unavailable": "" if ready else f"its weights {model.file.name} are missing",
                "params": params,
                "base": model.base,
                "training": model.training_id,
                "metrics": model.metrics,
                "improved": model.improved,
            }
        )
    return described
