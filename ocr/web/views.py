"""Server-rendered pages. Access goes through the selectors (404 for what is not yours)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ocr import selectors, services
from ocr.ingest import IngestError
from ocr.workflows import UnknownWorkflowError

from .forms import NO_FILES, AppForm, AppSettingsForm, UploadForm
from .inputs import grid_context


@login_required
@require_http_methods(["GET", "POST"])
def apps(request: HttpRequest) -> HttpResponse:
    form = AppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        app = services.create_app(request.user, **form.cleaned_data)
        return redirect("web:app", app=app.pk)
    status = 400 if form.errors else 200
    the_apps = selectors.visible_apps(request.user).order_by("-created")
    return render(request, "ocr/apps.html", {"apps": the_apps, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def app_settings(request: HttpRequest, app: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    form = AppSettingsForm(the_app, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_app(the_app, **form.cleaned_data)
        except UnknownWorkflowError as exc:
            form.add_error("workflow", str(exc))
        else:
            messages.success(request, f"Saved the settings of {the_app.name}.")
            return redirect("web:apps")
    status = 400 if form.errors else 200
    context = {"app": the_app, "form": form}
    return render(request, "ocr/app_settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def app_delete(request: HttpRequest, app: int) -> HttpResponse:
    """A page that says what will be lost, then a POST that deletes it."""
    the_app = selectors.get_app(request.user, app)
    if request.method == "POST":
        name = the_app.name
        services.delete_app(the_app)
        messages.success(request, f"Deleted {name} and everything in it.")
        return redirect("web:apps")
    context = {"app": the_app, "input_count": the_app.inputs.count()}
    return render(request, "ocr/app_delete.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def app_detail(request: HttpRequest, app: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    form = UploadForm()
    if request.method == "POST":
        # The page uploads through the API with a progress bar; this is the no-JavaScript path.
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            options = {"text_layer": form.cleaned_data["text_layer"]}
            for upload in form.cleaned_data["files"]:
                try:
                    services.create_inputs(the_app, upload, options=options)
                except (IngestError, UnknownWorkflowError) as exc:
                    messages.error(request, f"{upload.name}: {exc}")
            return redirect("web:app", app=the_app.pk)
    context = {"app": the_app, "form": form, "no_files": NO_FILES, **grid_context(request, the_app)}
    return render(request, "ocr/app_detail.html", context, status=400 if form.errors else 200)


@login_required
def input_detail(request: HttpRequest, input: int) -> HttpResponse:
    item = selectors.get_input(request.user, input)
    return redirect("web:page", input=item.pk, index=0)
