"""Corrections: change, draw, delete, split and merge a page's regions, their history, verified
pages and the review queue. Every change is versioned: a stale one answers 409 with the region
as it is now, so two people never overwrite each other silently."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from PIL import Image
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ocr import selectors
from ocr.engine.cropper import rectify
from ocr.models import Region, RegionChange
from ocr.services import previews, reading
from ocr.services import regions as corrections

from .errors import ServiceUnavailable
from .negotiation import FileResponseNegotiation
from .pagination import Pagination
from .schema import ConflictSerializer, error
from .serializers import (
    PolygonField,
    PolygonInputField,
    RegionEditSerializer,
    RegionSerializer,
    RegionTextField,
    page_image_url,
    page_payload,
)

_CONFLICT = OpenApiResponse(
    ConflictSerializer, description="`version` is stale: `current` is the region as it is now."
)
_GONE = error("Not found: not yours, or deleted, merged or read again meanwhile.")


def conflict(exc: corrections.VersionConflict) -> Response:
    # The current state goes back, so the client can show both and let the person choose.
    return Response(
        {
            "detail": f"The region was changed by someone else (it is now at version "
            f"{exc.region.version}). Apply your change to the current region and send that "
            "version.",
            "current": RegionSerializer(exc.region).data,
        },
        status=status.HTTP_409_CONFLICT,
    )


def gone() -> Response:
    return Response(
        {
            "detail": "This region no longer exists: it was deleted or merged, or the page was "
            "read again meanwhile. Reload the page."
        },
        status=status.HTTP_404_NOT_FOUND,
    )


def invalid(exc: corrections.CorrectionError) -> serializers.ValidationError:
    return serializers.ValidationError({exc.field: [str(exc)]})


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class RegionView(APIView):
    @extend_schema(responses={200: RegionSerializer}, summary="A region as it is now.")
    def get(self, request: Request, region: str) -> Response:
        return Response(RegionSerializer(selectors.get_region(request.user, region)).data)

    @extend_schema(
        request=RegionEditSerializer,
        responses={200: RegionSerializer, 409: _CONFLICT},
        summary="Change a region's text, polygon or place in the reading order.",
        description="Send the version you started from. The region becomes a correction: a "
        "later run keeps it. Sending the text unchanged confirms it.",
    )
    def patch(self, request: Request, region: str) -> Response:
        target = selectors.get_region(request.user, region)
        form = RegionEditSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            edited = corrections.edit_region(target, user=request.user, **form.validated_data)
        except corrections.VersionConflict as exc:
            return conflict(exc)
        except corrections.RegionGone:
            return gone()
        except corrections.CorrectionError as exc:
            raise invalid(exc) from None
        return Response(RegionSerializer(edited).data)

    @extend_schema(
        parameters=[VersionQuerySerializer],
        responses={204: None, 409: _CONFLICT},
        summary="Delete a region; a later run keeps it deleted.",
    )
    def delete(self, request: Request, region: str) -> Response:
        target = selectors.get_region(request.user, region)
        form = VersionQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        try:
            corrections.delete_region(target, form.validated_data["version"], user=request.user)
        except corrections.VersionConflict as exc:
            return conflict(exc)
        except corrections.RegionGone:
            return gone()
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegionDrawSerializer(serializers.Serializer):
    polygon = PolygonInputField(help_text="[[x, y], ...] in page pixels: a rectangle or more.")
    text = RegionTextField(required=False, help_text="Left out: the input's workflow reads it.")
    after = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=selectors.LARGEST_ID,
        help_text="The region it follows in the reading order.",
    )


class RegionDrawView(APIView):
    throttle_scope = "uploads"  # reading a drawn region runs the recognizer

    @extend_schema(
        request=RegionDrawSerializer,
        responses={201: RegionSerializer},
        summary="Draw a region on a page; without text, the input's workflow reads it.",
    )
    def post(self, request: Request, input: str, index: str) -> Response:
        item = selectors.get_input(request.user, input)
        page = selectors.get_page(item, index)
        form = RegionDrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        after = None
        if data.get("after") is not None:
            after = Region.objects.filter(pk=data["after"], page=page).first()
            if after is None:
                raise serializers.ValidationError({"after": ["That region is not on this page."]})
        polygon = tuple(data["polygon"])
        text, score = data.get("text"), corrections.PERSON_SCORE
        try:
            if text is None:
                found = reading.read_drawn(page, corrections.as_polygon(polygon))
                text, score = found.text, found.score
            region = corrections.draw_region(
                page, polygon, user=request.user, text=text, score=score, after=after
            )
        except corrections.CorrectionError as exc:
            raise invalid(exc) from None
        except previews.Busy as exc:
            raise ServiceUnavailable(str(exc)) from None
        return Response(RegionSerializer(region).data, status=status.HTTP_201_CREATED)


class SplitSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    at = serializers.IntegerField(min_value=1, help_text="The character the second part starts at.")


class SplitResultSerializer(serializers.Serializer):
    regions = RegionSerializer(many=True)


class RegionSplitView(APIView):
    @extend_schema(
        request=SplitSerializer,
        responses={201: SplitResultSerializer, 409: _CONFLICT},
        summary="Split a line in two at a character of its text.",
    )
    def post(self, request: Request, region: str) -> Response:
        target = selectors.get_region(request.user, region)
        form = SplitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            parts = corrections.split_region(target, user=request.user, **form.validated_data)
        except corrections.VersionConflict as exc:
            return conflict(exc)
        except corrections.RegionGone:
            return gone()
        except corrections.CorrectionError as exc:
            raise invalid(exc) from None
        body = {"regions": RegionSerializer(parts, many=True).data}
        return Response(body, status=status.HTTP_201_CREATED)


class MergeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    # "with" is a keyword: the field is declared below under its JSON name.
    with_version = serializers.IntegerField(min_value=1)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["with"] = serializers.IntegerField(
            min_value=1, max_value=selectors.LARGEST_ID, help_text="The other region's id."
        )
        return fields


class RegionMergeView(APIView):
    @extend_schema(
        request=MergeSerializer,
        responses={200: RegionSerializer, 409: _CONFLICT},
        summary="Merge a region with another of its page into one line.",
        description="The merged region is the one earlier in the reading order; the other goes.",
    )
    def post(self, request: Request, region: str) -> Response:
        target = selectors.get_region(request.user, region)
        form = MergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        other = Region.objects.filter(pk=data["with"], page_id=target.page_id).first()
        if other is None:
            raise serializers.ValidationError({"with": ["That region is not on this page."]})
        try:
            merged = corrections.merge_regions(
                target, data["version"], other, data["with_version"], user=request.user
            )
        except corrections.VersionConflict as exc:
            return conflict(exc)
        except corrections.RegionGone:
            return gone()
        except corrections.CorrectionError as exc:
            raise invalid(exc) from None
        return Response(RegionSerializer(merged).data)


class RegionChangeSerializer(serializers.ModelSerializer):
    polygon = PolygonField(read_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RegionChange
        fields = ["version", "action", "text", "polygon", "order", "user", "at"]
        read_only_fields = fields


class RegionHistoryView(APIView):
    @extend_schema(
        responses={200: RegionChangeSerializer(many=True)},
        summary="Every version of a region, newest first (user empty: as a run read it).",
    )
    def get(self, request: Request, region: str) -> Response:
        target = selectors.get_region(request.user, region)
        changes = target.changes.select_related("user").order_by("-version", "-id")
        return Response(RegionChangeSerializer(changes, many=True).data)


class RegionCropView(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            503: error("Busy decoding other large pages; try again."),
        },
        summary="The region's line image, straightened as the recognizer sees it.",
    )
    def get(self, request: Request, region: str) -> HttpResponse:
        target = selectors.get_region(request.user, region)
        polygon = corrections.as_polygon(target.polygon)
        xs, ys = [x for x, _ in polygon], [y for _, y in polygon]
        box = (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)
        page = target.page
        try:
            # Pillow decodes a PNG whole to crop it: a large page takes a decoding slot.
            with (
                previews.decoding(page.width * page.height),
                page.image.open("rb") as data,
                Image.open(data) as image,
            ):
                part = image.crop(box).convert("RGB")
        except previews.Busy as exc:
            raise ServiceUnavailable(str(exc)) from None
        shifted = [(x - box[0], y - box[1]) for x, y in polygon]
        line = rectify(np.asarray(part), shifted)
        buffer = io.BytesIO()
        Image.fromarray(line).save(buffer, format="PNG", compress_level=3)
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
        # The crop changes when the region's shape does: its version is in the cache key.
        response["Cache-Control"] = "private, max-age=300"
        response["ETag"] = f'"{target.pk}-{target.version}"'
        return response


class VerifiedSerializer(serializers.Serializer):
    verified = serializers.BooleanField()


class PageVerifiedView(APIView):
    @extend_schema(
        request=VerifiedSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Mark a page verified (a person checked its regions and text) or not.",
        description="Verified pages are the ground truth that training reads.",
    )
    def put(self, request: Request, input: str, index: str) -> Response:
        item = selectors.get_input(request.user, input)
        page = selectors.get_page(item, index)
        form = VerifiedSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        page = corrections.set_verified(page, form.validated_data["verified"], user=request.user)
        page.run_regions = list(selectors.page_regions(page))  # type: ignore[attr-defined]
        return Response(page_payload(page, page_image_url(request, page)))


class ReviewLineSerializer(serializers.Serializer):
    region = serializers.IntegerField(source="pk")
    input = serializers.IntegerField(source="page.input_id")
    page = serializers.IntegerField(source="page.index")
    text = serializers.CharField()
    score = serializers.FloatField()
    version = serializers.IntegerField()
    polygon = PolygonField()
    crop = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_crop(self, region: Region) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api:region-crop", args=[region.pk]))


class ReviewPagination(Pagination):
    page_size = 20

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["progress"] = self.progress
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["progress"] = {
            "type": "object",
            "properties": {"reviewed": {"type": "integer"}, "total": {"type": "integer"}},
        }
        return paginated


class ReviewView(generics.ListAPIView):
    """The app's lines of unverified pages that no person has checked, least confident first."""

    serializer_class = ReviewLineSerializer
    pagination_class = ReviewPagination

    @extend_schema(summary="The review queue: unchecked lines, least confident first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        app = selectors.get_app(self.request.user, self.kwargs["app"])
        self.paginator.progress = selectors.review_progress(app)  # type: ignore[union-attr]
        return selectors.review_queue(app)
