"""The app page's inputs grid (filtered, paginated, polled row by row while runs are busy),
page thumbnails, and starting another run on an input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ocr import selectors, services
from ocr.models import App, Input
from ocr.services import previews
from ocr.services.regions import count_corrections
from ocr.workflows import UnknownWorkflowError

from .forms import GridFilterForm, InputsDeleteForm, RerunForm

PER_PAGE = 24
BUSY = ("queued", "running")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def grid_context(request: HttpRequest, app: App) -> dict[str, Any]:
    """What templates/ocr/_inputs.html needs, from the query string (?status=&page=)."""
    form = GridFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    results = Paginator(selectors.input_grid(app, status or None), PER_PAGE).get_page(
        request.GET.get("page")
    )
    items = list(results)
    previews = selectors.text_previews([i.pk for i in items])
    for item in items:
        item.preview = previews.get(item.pk, "")
    return {
        "filter_form": form,
        "status": status,
        "results": results,
        "items": items,
        "query": urlencode({"status": status}) if status else "",
        "app_has_inputs": bool(items) or app.inputs.exists(),
    }


@login_required
@require_GET
def inputs(request: HttpRequest, app: int) -> HttpResponse:
    """The grid alone, for htmx to swap in after an upload, a filter or a page change."""
    the_app = selectors.get_app(request.user, app)
    context = {"app": the_app, **grid_context(request, the_app)}
    return render(request, "ocr/_inputs.html", context)


def _row(request: HttpRequest, item: Input, status: int = 200) -> HttpResponse:
    grid_item = selectors.input_grid(item.app).get(pk=item.pk)
    grid_item.preview = selectors.text_previews([item.pk]).get(item.pk, "")
    context = {"app": item.app, "item": grid_item}
    return render(request, "ocr/_input_row.html", context, status=status)


@login_required
@require_GET
def input_row(request: HttpRequest, input: int) -> HttpResponse:
    """One grid row, polled while its run is queued or running."""
    return _row(request, selectors.get_input(request.user, input))


@login_required
@require_GET
def thumbnail(request: HttpRequest, input: int) -> HttpResponse:
    """The first page, small, as JPEG: the file the worker made. Page images never change once
    written, so the browser may keep it; the grid's URL carries the page id in case the
    input's pages are replaced."""
    page = selectors.first_page(selectors.get_input(request.user, input))
    return _image_file(lambda: previews.thumbnail(page), "image/jpeg")


@login_required
@require_GET
def page_image(request: HttpRequest, input: int, index: int) -> HttpResponse:
    """The page as the page view shows it: its own image, or a preview of a page larger than
    a screen can use (the API's image is always the page's own)."""
    page = selectors.get_page(selectors.get_input(request.user, input), index)
    return _image_file(lambda: previews.viewable(page), "image/png")


def _image_file(get: Callable[[], FieldFile], content_type: str) -> HttpResponse:
    try:
        file = get()
    except previews.Busy as exc:
        return HttpResponse(str(exc), status=503, headers={"Retry-After": "30"})
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rerun(request: HttpRequest, input: int) -> HttpResponse:
    """Read the input again, with the app's workflow (Retry) or another one."""
    item = selectors.get_input(request.user, input)
    form = RerunForm(item, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_run(
                item, form.cleaned_data["workflow"] or None, form.chosen_text_layer()
            )
        except UnknownWorkflowError as exc:
            form.add_error("workflow", str(exc))
        else:
            if _is_htmx(request):
                return _row(request, item)
            messages.success(request, f"{item.name}: reading it again with {run.workflow_name}.")
            return redirect("web:app", app=item.app_id)
    status = 400 if form.errors else 200
    context = {
        "app": item.app,
        "input": item,
        "form": form,
        "corrections": count_corrections(item.pk),
    }
    return render(request, "ocr/rerun.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def inputs_delete(request: HttpRequest, app: int) -> HttpResponse:
    """Inputs chosen in the grid: a page that names what will be lost, then a POST deleting them."""
    the_app = selectors.get_app(request.user, app)
    form = InputsDeleteForm(the_app, request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        if "input" in form.errors and not form.data.getlist("input"):
            messages.error(request, form.errors["input"][0])
            return redirect("web:app", app=the_app.pk)
        context = {"app": the_app, "form": form, "items": []}
        return render(request, "ocr/inputs_delete.html", context, status=400)
    items = list(form.cleaned_data["input"])
    if request.method == "POST":
        for item in items:
            services.delete_input(item)
        names = items[0].name if len(items) == 1 else f"{len(items)} inputs"
        messages.success(request, f"Deleted {names}.")
        return redirect("web:app", app=the_app.pk)
    pages = selectors.page_counts([item.pk for item in items])
    for item in items:
        item.page_total = pages.get(item.pk, 0)
    context = {"app": the_app, "form": form, "items": items}
    return render(request, "ocr/inputs_delete.html", context)
