from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from ocr.export import FORMATS
from ocr.export.xmltext import forbidden_characters
from ocr.models import App, Input, Page, Region, Run, Workflow


class RegionTextField(serializers.CharField):
    """A region's text as a person sends it: control characters are refused (every export
    must carry what is saved, and XML cannot hold them)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 10_000)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        found = forbidden_characters(text)
        if found:
            raise serializers.ValidationError(
                f"The text holds control characters ({', '.join(found)}); type it without them."
            )
        return text


# Shapes for the OpenAPI schema of fields the code fills as plain JSON; they change no output.
_POINT = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}


@extend_schema_field(
    {"type": "array", "items": _POINT, "description": "[[x, y], ...] in page pixels"}
)
class PolygonField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "model": {"type": "string"},
                "params": {"type": "object", "additionalProperties": True},
                "input": {"type": "string", "nullable": True},
            },
            "required": ["id", "model"],
        },
    }
)
class WorkflowNodesField(serializers.JSONField):
    pass


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class InputRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Run.Status.choices)


class AppSerializer(serializers.ModelSerializer):
    workflow = serializers.CharField(max_length=64, required=False, default="default")

    class Meta:
        model = App
        fields = ["id", "name", "workflow", "created"]
        read_only_fields = ["id", "created"]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The name cannot be blank.")
        return value.strip()


class RunSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    workflow = serializers.CharField(source="workflow_name", read_only=True)

    class Meta:
        model = Run
        fields = [
            "id", "input", "workflow", "status", "progress", "error", "attempts",
            "created", "started", "finished",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, run: Run) -> dict[str, int]:
        return {"done": run.progress_done, "total": run.progress_total}


class RunCreateSerializer(serializers.Serializer):
    workflow = serializers.CharField(max_length=64, required=False, allow_blank=True)
    # Unset: read as the input was read before. Applies to PDFs only.
    text_layer = serializers.BooleanField(required=False, allow_null=True, default=None)


class InputUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)  # emptiness gets our own message
    workflow = serializers.CharField(max_length=64, required=False, allow_blank=True)
    # How to read it; unset means the server's defaults (OCR_PDF_DPI, OCR_VIDEO_INTERVAL_MS).
    text_layer = serializers.BooleanField(required=False, default=False)
    pdf_dpi = serializers.IntegerField(required=False, min_value=50, max_value=600)
    video_interval_ms = serializers.IntegerField(required=False, min_value=40, max_value=600_000)


class InputSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    run = serializers.SerializerMethodField()

    class Meta:
        model = Input
        fields = ["id", "app", "name", "kind", "size", "options", "status", "run", "created"]
        read_only_fields = fields

    def _latest(self, item: Input) -> tuple[int | None, str | None]:
        if hasattr(item, "latest_run_id"):
            return item.latest_run_id, item.latest_status
        run = item.runs.order_by("-created", "-id").first()
        return (run.pk, run.status) if run else (None, None)

    @extend_schema_field(serializers.ChoiceField(choices=Run.Status.choices, allow_null=True))
    def get_status(self, item: Input) -> str | None:
        return self._latest(item)[1]

    @extend_schema_field(InputRunSerializer(allow_null=True))
    def get_run(self, item: Input) -> dict[str, Any] | None:
        run_id, status = self._latest(item)
        return {"id": run_id, "status": status} if run_id else None


class PageCountSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    verified = serializers.IntegerField()


class InputDetailSerializer(InputSerializer):
    """One input, with what a re-run keeps and how much of it people verified."""

    corrections = serializers.SerializerMethodField(
        help_text="Regions people changed, drew or deleted: a new run keeps them."
    )
    pages = serializers.SerializerMethodField()

    class Meta(InputSerializer.Meta):
        fields = [*InputSerializer.Meta.fields, "corrections", "pages"]
        read_only_fields = fields

    def get_corrections(self, item: Input) -> int:
        from ocr.services.regions import count_corrections

        return count_corrections(item.pk)

    @extend_schema_field(PageCountSerializer)
    def get_pages(self, item: Input) -> dict[str, int]:
        return {"total": item.pages.count(), "verified": item.pages.filter(verified=True).count()}


class RegionSerializer(serializers.ModelSerializer):
    # Null only in a run's own reading (result ?run=N): history has no id or version.
    id = serializers.IntegerField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True, allow_null=True)
    polygon = PolygonField(read_only=True)
    corrected_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # [{"polygon", "text", "score"}] from the recognizer; null for drawn and edited lines.
    words = serializers.JSONField(read_only=True, allow_null=True, required=False)

    class Meta:
        model = Region
        fields = [
            "id", "polygon", "text", "score", "detection_score", "version", "edited", "source",
            "order", "corrected_by", "corrected_at", "first_ms", "last_ms", "repeat_of", "words",
        ]  # fmt: skip
        read_only_fields = fields


MAX_POLYGON_POINTS = 2000


def check_polygon(value: Any) -> list[tuple[float, float]]:
    """[[x, y], ...]: at least three points of two finite numbers each."""
    if not isinstance(value, list) or not 3 <= len(value) <= MAX_POLYGON_POINTS:
        raise serializers.ValidationError(
            f"Send a list of 3 to {MAX_POLYGON_POINTS} points, each [x, y] in page pixels."
        )
    points = []
    for point in value:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            or not all(abs(float(v)) < 1e7 for v in point)
        ):
            raise serializers.ValidationError("Each point is [x, y]: two numbers in page pixels.")
        points.append((float(point[0]), float(point[1])))
    return points


class PolygonInputField(PolygonField):
    def to_internal_value(self, data: Any) -> Any:
        return check_polygon(super().to_internal_value(data))


class RegionEditSerializer(serializers.Serializer):
    """Send the version you started from and what to change."""

    version = serializers.IntegerField(min_value=1)
    text = RegionTextField(required=False)
    polygon = PolygonInputField(required=False)
    order = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, help_text="New place, from 0."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not {"text", "polygon", "order"} & data.keys():
            raise serializers.ValidationError(
                {
                    "text": [
                        "Send what to change: text, polygon or order "
                        "(or the same text, to confirm it)."
                    ]
                }
            )
        return data


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=sorted(FORMATS))
    page = serializers.IntegerField(required=False, min_value=0)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)
    line_width = serializers.IntegerField(required=False, min_value=1, max_value=20)
    labels = serializers.BooleanField(required=False)


class WorkflowSerializer(serializers.ModelSerializer):
    nodes = WorkflowNodesField()

    class Meta:
        model = Workflow
        fields = ["id", "name", "nodes", "created"]
        read_only_fields = ["id", "created"]


def page_payload(page: Page, image_url: str) -> dict[str, Any]:
    return {
        "index": page.index,
        "width": page.width,
        "height": page.height,
        "timecode_ms": page.timecode_ms,
        "image": image_url,
        "verified": page.verified,
        "run": page.run_id,
        # The newest reading's blocks ({"polygon", "kind"}, reading order); null before blocks.
        "blocks": page.blocks,
        "regions": RegionSerializer(getattr(page, "run_regions", []), many=True).data,
    }


def page_image_url(request: Request, page: Page) -> str:
    path = reverse("api:page-image", args=[page.input_id, page.index])
    return request.build_absolute_uri(path)
