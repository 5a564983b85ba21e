"""API views: parse input, call one service or selector, render. Access is always checked
through the selectors, which answer 404 for what the caller may not see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from rest_framework import generics, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ocr import selectors, services
from ocr.engine.errors import WorkflowError
from ocr.engine.gallery import describe_gallery
from ocr.engine.workflow import validate_workflow
from ocr.export import ExportError, export, filename_for, media_type_for
from ocr.export import Options as ExportOptions
from ocr.ingest import IngestError
from ocr.models import App, Input, Page, Workflow
from ocr.workflows import UnknownWorkflowError

from .errors import PayloadTooLarge
from .serializers import (
    AppSerializer,
    ExportQuerySerializer,
    InputSerializer,
    InputUploadSerializer,
    RegionEditSerializer,
    RegionSerializer,
    RunCreateSerializer,
    RunSerializer,
    WorkflowSerializer,
    page_payload,
)


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}."""


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


class ModelListView(APIView):
    def get(self, request: Request) -> Response:
        return Response(describe_gallery())


class WorkflowListView(generics.ListCreateAPIView):
    serializer_class = WorkflowSerializer

    def get_queryset(self) -> QuerySet[Workflow]:
        return selectors.get_app(self.request.user, self.kwargs["app"]).workflows.all()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        app = selectors.get_app(self.request.user, self.kwargs["app"])
        try:
            nodes = validate_workflow(serializer.validated_data["nodes"])
        except WorkflowError as exc:
            raise serializers.ValidationError({"nodes": str(exc).splitlines()}) from None
        serializer.save(app=app, nodes=nodes)


class InputListView(generics.ListCreateAPIView):
    serializer_class = InputSerializer

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
        try:
            items = services.create_inputs(app, upload, workflow, options=data)
        except IngestError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from None
        except UnknownWorkflowError as exc:
            raise serializers.ValidationError({"workflow": [str(exc)]}) from None
        if len(items) == 1 and not upload.name.lower().endswith(".zip"):
            return Response(InputSerializer(items[0]).data, status=status.HTTP_201_CREATED)
        # A ZIP made several inputs: answer in the shape of a list.
        results = InputSerializer(items, many=True).data
        body = {"count": len(items), "next": None, "previous": None, "results": results}
        return Response(body, status=status.HTTP_201_CREATED)


class InputDetailView(generics.RetrieveDestroyAPIView):
    serializer_class = InputSerializer

    def get_object(self) -> Input:
        return selectors.get_input(self.request.user, self.kwargs["input"])

    def perform_destroy(self, instance: Input) -> None:
        services.delete_input(instance)


class RunCreateView(APIView):
    def post(self, request: Request, input: str) -> Response:
        item = selectors.get_input(request.user, input)
        form = RunCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            run = services.start_run(item, form.validated_data.get("workflow") or None)
        except UnknownWorkflowError as exc:
            raise serializers.ValidationError({"workflow": [str(exc)]}) from None
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailView(generics.RetrieveAPIView):
    serializer_class = RunSerializer

    def get_object(self) -> Any:
        return selectors.get_run(self.request.user, self.kwargs["run"])


class ResultView(APIView):
    def get(self, request: Request, input: str) -> Response:
        item = selectors.get_input(request.user, input)
        run = selectors.result_run(item)
        pages = selectors.result_pages(run) if run else []
        return Response(
            {
                "input": item.pk,
                "run": RunSerializer(run).data if run else None,
                "pages": [page_payload(page, _image_url(request, page)) for page in pages],
            }
        )


def _image_url(request: Request, page: Page) -> str:
    path = reverse("api:page-image", args=[page.input_id, page.index])
    return request.build_absolute_uri(path)


class PageImageView(APIView):
    def get(self, request: Request, input: str, index: int) -> FileResponse:
        item = selectors.get_input(request.user, input)
        page = selectors.get_page(item, index)
        return FileResponse(page.image.open("rb"), content_type="image/png")


class ExportView(APIView):
    """The input's result as a file, with every edit included."""

    def get(self, request: Request, input: str) -> HttpResponse:
        item = selectors.get_input(request.user, input)
        form = ExportQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        fmt = form.validated_data.pop("format")
        try:
            options = ExportOptions(**form.validated_data)
            document = selectors.export_document(item)
            if not document.pages:
                raise serializers.ValidationError(
                    {"format": ["This input has no result to export yet."]}
                )
            body = export(document, fmt, options)
        except ExportError as exc:
            raise serializers.ValidationError({"format": [str(exc)]}) from None
        response = HttpResponse(body, content_type=media_type_for(document, fmt))
        response["Content-Disposition"] = f'attachment; filename="{filename_for(document, fmt)}"'
        return response


class RegionView(APIView):
    def get(self, request: Request, region: str) -> Response:
        return Response(RegionSerializer(selectors.get_region(request.user, region)).data)

    def patch(self, request: Request, region: str) -> Response:
        target = selectors.get_region(request.user, region)
        form = RegionEditSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            edited = services.edit_region(target, **form.validated_data)
        except services.VersionConflict as exc:
            # Both texts go back, so the client can show them side by side and let the user choose.
            return Response(
                {
                    "detail": f"The region was changed by someone else (it is now at version "
                    f"{exc.region.version}). Apply your edit to the current text and send that "
                    "version.",
                    "current": RegionSerializer(exc.region).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(RegionSerializer(edited).data)
