"""API views: parse input, call one service or selector, render. Access is always checked
through the selectors, which answer 404 for what the caller may not see."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ocr import login_throttle, selectors, services
from ocr.downloads import content_disposition
from ocr.engine.errors import WorkflowError
from ocr.engine.gallery import describe_gallery
from ocr.engine.workflow import validate_workflow
from ocr.export import FORMATS, ExportError, export, filename_for, media_type_for
from ocr.export import Options as ExportOptions
from ocr.ingest import IngestError
from ocr.ingest.inputs import HEAD_BYTES, sniff_head
from ocr.models import App, Input, Page, Run, Workflow
from ocr.services import previews
from ocr.workflows import UnknownWorkflowError

from .errors import PayloadTooLarge, ServiceUnavailable
from .negotiation import FileResponseNegotiation
from .schema import (
    GalleryModelSerializer,
    InputPageSerializer,
    ResultSerializer,
    TokenSerializer,
    error,
)
from .serializers import (
    AppSerializer,
    ExportQuerySerializer,
    InputDetailSerializer,
    InputSerializer,
    InputUploadSerializer,
    RunCreateSerializer,
    RunSerializer,
    WorkflowSerializer,
    page_image_url,
    page_payload,
)
from .throttling import LoginRateThrottle

# The schema's export answers: each format's media type (a multi-page PAGE-XML is a ZIP).
_EXPORT_MEDIA_TYPES = sorted(
    {f.media_type.split(";")[0] for f in FORMATS.values()}
    | {f.archive_media_type for f in FORMATS.values() if f.archive_media_type}
)


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}."""

    # ObtainAuthToken turns throttling off; a per-IP limit here slows password guessing.
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer},
        auth=[],
        summary="Exchange a username and password for an API token.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A user name guessed at too often is refused here as on the sign-in pages.
        username = request.data.get("username") if hasattr(request.data, "get") else None
        reason = login_throttle.blocked(request, str(username or ""))
        if reason:
            raise exceptions.Throttled(wait=settings.OCR_LOGIN_WINDOW_MINUTES * 60, detail=reason)
        return super().post(request, *args, **kwargs)


class AppListView(generics.ListCreateAPIView):
    serializer_class = AppSerializer

    def get_queryset(self) -> QuerySet[App]:
        return selectors.visible_apps(self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = services.create_app(
                self.request.user, data["name"], data["workflow"]
            )
        except UnknownWorkflowError as exc:
            raise serializers.ValidationError({"workflow": [str(exc)]}) from None


class AppDetailView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = AppSerializer

    def get_object(self) -> App:
        return selectors.get_app(self.request.user, self.kwargs["app"])

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        try:
            services.update_app(
                serializer.instance, name=data.get("name"), workflow=data.get("workflow")
            )
        except UnknownWorkflowError as exc:
            raise serializers.ValidationError({"workflow": [str(exc)]}) from None

    def perform_destroy(self, instance: App) -> None:
        services.delete_app(instance)  # stops its runs and removes its files too


class ModelListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "app",
                int,
                description="Also list this app's trained models (their ids name "
                "them in its workflows).",
            )
        ],
        responses={200: GalleryModelSerializer(many=True)},
        summary="The model gallery, with an app's trained models.",
    )
    def get(self, request: Request) -> Response:
        app_id = request.query_params.get("app")
        if app_id is None:
            return Response(describe_gallery())
        app = selectors.get_app(request.user, app_id)
        return Response(describe_gallery() + selectors.describe_trained(app))


class WorkflowListView(generics.ListCreateAPIView):
    serializer_class = WorkflowSerializer

    def get_queryset(self) -> QuerySet[Workflow]:
        return selectors.get_app(self.request.user, self.kwargs["app"]).workflows.all()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        app = selectors.get_app(self.request.user, self.kwargs["app"])
        try:
            nodes = validate_workflow(
                serializer.validated_data["nodes"], selectors.trained_specs(app), require_ready=True
            )
        except WorkflowError as exc:
            raise serializers.ValidationError({"nodes": str(exc).splitlines()}) from None
        serializer.save(app=app, nodes=nodes)


@extend_schema_view(
    get=extend_schema(
        parameters=[OpenApiParameter("status", enum=Run.Status.values, description="Latest run's.")]
    ),
    post=extend_schema(
        request={"multipart/form-data": InputUploadSerializer},
        responses={
            201: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="InputCreated",
                    serializers=[InputSerializer, InputPageSerializer],
                    resource_type_field_name=None,
                    many=False,
                ),
                description="The input, or for a ZIP a page of the inputs it held.",
            ),
            413: error("The upload is larger than OCR_MAX_UPLOAD_MB."),
        },
        summary="Upload a file (image, PDF, video or ZIP of them) and queue a run.",
    ),
)
class InputListView(generics.ListCreateAPIView):
    serializer_class = InputSerializer
    throttle_scope = "uploads"  # POST starts OCR work: see UploadRateThrottle

    def get_queryset(self) -> QuerySet[Input]:
        app = selectors.get_app(self.request.user, self.kwargs["app"])
        queryset = selectors.inputs_with_latest_run(app)
        wanted = self.request.query_params.get("status")
        return queryset.filter(latest_status=wanted) if wanted else queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        app = selectors.get_app(request.user, self.kwargs["app"])
        # Refuse before reading the body: a too-large upload costs nothing then.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        limit = settings.OCR_MAX_UPLOAD_MB * 1024 * 1024
        if declared > limit + 64 * 1024:  # multipart framing adds a little to the file itself
            raise PayloadTooLarge(
                f"The upload is {declared / 1024 / 1024:.1f} MB; the limit is "
                f"{settings.OCR_MAX_UPLOAD_MB} MB (OCR_MAX_UPLOAD_MB)."
            )
        form = InputUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        upload, workflow = data.pop("file"), data.pop("workflow", None) or None
        if (upload.size or 0) > limit:  # within the framing allowance above, over by the file
            raise PayloadTooLarge(
                f"The file is {upload.size / 1024 / 1024:.2f} MB; the limit is "
                f"{settings.OCR_MAX_UPLOAD_MB} MB (OCR_MAX_UPLOAD_MB)."
            )
        # The answer's shape follows what the file is, as ingest judges it, not its name.
        archive = sniff_head(upload.read(HEAD_BYTES)) == "zip"
        upload.seek(0)
        try:
            items = services.create_inputs(app, upload, workflow, options=data)
        except IngestError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from None
        except UnknownWorkflowError as exc:
            raise serializers.ValidationError({"workflow": [str(exc)]}) from None
        if not archive:
            return Response(InputSerializer(items[0]).data, status=status.HTTP_201_CREATED)
        # A ZIP made several inputs: answer in the shape of a list.
        results = InputSerializer(items, many=True).data
        body = {"count": len(items), "next": None, "previous": None, "results": results}
        return Response(body, status=status.HTTP_201_CREATED)


class InputDetailView(generics.RetrieveDestroyAPIView):
    serializer_class = InputDetailSerializer

    def get_object(self) -> Input:
        return selectors.get_input(self.request.user, self.kwargs["input"])

    def perform_destroy(self, instance: Input) -> None:
        services.delete_input(instance)


@extend_schema_view(get=extend_schema(summary="The input's runs, newest first."))
class InputRunsView(generics.ListAPIView):
    serializer_class = RunSerializer
    throttle_scope = "uploads"  # POST starts OCR work: see UploadRateThrottle

    def get_queryset(self) -> QuerySet[Run]:
        return selectors.input_runs(selectors.get_input(self.request.user, self.kwargs["input"]))

    @extend_schema(
        request=RunCreateSerializer,
        responses={201: RunSerializer},
        summary="Start another run on the input; its corrections are kept.",
    )
    def post(self, request: Request, input: str) -> Response:
        item = selectors.get_input(request.user, input)
        form = RunCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            run = services.start_run(
                item,
                form.validated_data.get("workflow") or None,
                form.validated_data.get("text_layer"),
            )
        except UnknownWorkflowError as exc:
            raise serializers.ValidationError({"workflow": [str(exc)]}) from None
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailView(generics.RetrieveAPIView):
    serializer_class = RunSerializer

    def get_object(self) -> Any:
        return selectors.get_run(self.request.user, self.kwargs["run"])


class ResultQuerySerializer(serializers.Serializer):
    run = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=selectors.LARGEST_ID,
        help_text="One run's own reading, as it was read.",
    )


class ResultView(APIView):
    @extend_schema(
        parameters=[ResultQuerySerializer],
        responses={200: ResultSerializer},
        summary="The result: the newest reading with every correction on top.",
        description="With `run`, that run's own reading as it was read, read-only: its regions "
        "have no id or version, and corrections are not applied.",
    )
    def get(self, request: Request, input: str) -> Response:
        item = selectors.get_input(request.user, input)
        form = ResultQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        if "run" in form.validated_data:
            run = selectors.get_run(request.user, form.validated_data["run"])
            if run.input_id != item.pk:
                raise Http404("Not found.")
            pages = [
                {**page_payload(page, page_image_url(request, page)), "regions": _as_read(regions)}
                for page, regions in selectors.run_readings(run)
            ]
        else:
            run = selectors.result_run(item)
            pages = [
                page_payload(p, page_image_url(request, p)) for p in selectors.result_pages(item)
            ]
        return Response(
            {"input": item.pk, "run": RunSerializer(run).data if run else None, "pages": pages}
        )


def _as_read(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's stored reading in the region shape, marked as history (no id, no version)."""
    return [
        {
            "id": None,
            "version": None,
            "edited": False,
            "order": order,
            "corrected_by": None,
            "corrected_at": None,
            "first_ms": None,
            "last_ms": None,
            "repeat_of": None,
            **region,
        }
        for order, region in enumerate(regions)
    ]


class PageImageView(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY}, summary="A page's image.")
    def get(self, request: Request, input: str, index: int) -> FileResponse:
        item = selectors.get_input(request.user, input)
        page = selectors.get_page(item, index)
        response = FileResponse(page.image.open("rb"), content_type="image/png")
        # Saved from a browser, it is named after the input, through the one helper every
        # download's name goes through.
        stem = PurePosixPath(item.name.replace("\\", "/")).stem or "page"
        name = f"{stem}-page-{page.index + 1}.png"
        response["Content-Disposition"] = content_disposition(name, attachment=False)
        return response


def _overlay_image(wanted: int | None) -> Callable[[Page], FieldFile | None]:
    """The image an overlay is drawn on: the chosen page's (default: the first) as people see
    it, scaled down when large; no other page's is read."""
    chosen: list[int] = []

    def pick(page: Page) -> FieldFile | None:
        if page.index != wanted and (wanted is not None or chosen):
            return None
        chosen.append(page.index)
        return previews.viewable(page)

    return pick


class ExportView(APIView):
    """The input's result as a file, with every edit included."""

    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={
            **{
                (200, media_type): OpenApiTypes.OBJECT
                if media_type == "application/json"
                else OpenApiTypes.BINARY
                for media_type in _EXPORT_MEDIA_TYPES
            },
            400: error("An unknown format or option, or no result to export yet."),
            503: error("Busy decoding other large pages (overlay, pdf); try again."),
        },
        summary="Download the result as txt, json, hOCR, ALTO, PAGE-XML, PDF or an overlay.",
    )
    def get(self, request: Request, input: str) -> HttpResponse:
        item = selectors.get_input(request.user, input)
        form = ExportQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        fmt = form.validated_data.pop("format")
        try:
            options = ExportOptions(**form.validated_data)
            # Formats that decode page images take a decoding slot for large pages; an
            # overlay is drawn on the page's preview (see ocr/services/previews.py).
            pixels = selectors.largest_page_pixels(item) if fmt in ("overlay", "pdf") else 0
            image = _overlay_image(options.page) if fmt == "overlay" else None
            with (
                previews.decoding(pixels),
                tempfile.TemporaryDirectory(prefix="legible-export-") as folder,
            ):
                document = selectors.export_document(
                    item, Path(folder), image, sources=fmt == "pdf"
                )
                if not document.pages:
                    raise serializers.ValidationError(
                        {"format": ["This input has no result to export yet."]}
                    )
                body = export(document, fmt, options)
        except ExportError as exc:
            raise serializers.ValidationError({"format": [str(exc)]}) from None
        except previews.Busy as exc:
            raise ServiceUnavailable(str(exc)) from None
        response = HttpResponse(body, content_type=media_type_for(document, fmt))
        response["Content-Disposition"] = content_disposition(filename_for(document, fmt))
        return response
