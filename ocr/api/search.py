"""GET /api/v1/apps/{app}/search/?q=...&fuzzy=0|1 -> paginated hits (see ocr.search)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from ocr import selectors
from ocr.search import MAX_QUERY_LENGTH, Hits, search

from .pagination import Pagination
from .schema import error


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "required": "Say what to search for: ?q=words.",
            "blank": "Say what to search for: ?q=words.",
            "max_length": f"Search for at most {MAX_QUERY_LENGTH} characters.",
        },
    )
    fuzzy = serializers.BooleanField(default=False, required=False)


class HitSerializer(serializers.Serializer):
    region = serializers.IntegerField()
    input = serializers.IntegerField()
    page = serializers.IntegerField()
    text = serializers.CharField()
    headline = serializers.CharField()
    polygon = serializers.JSONField()
    rank = serializers.FloatField()


@extend_schema(
    summary="Search the text of an app's results.",
    parameters=[
        OpenApiParameter(
            "q",
            OpenApiTypes.STR,
            required=True,
            description='Words (all must match), "a phrase", -word to leave out, a or b, word* '
            f"for a prefix. At most {MAX_QUERY_LENGTH} characters.",
        ),
        OpenApiParameter("fuzzy", OpenApiTypes.BOOL, description="Also find words misread by OCR."),
    ],
    responses={200: HitSerializer(many=True), 400: error("No q, a blank one, or too long.")},
)
class SearchView(generics.ListAPIView):
    serializer_class = HitSerializer
    pagination_class = Pagination

    def get_queryset(self) -> Hits:  # type: ignore[override]
        app = selectors.get_app(self.request.user, self.kwargs["app"])
        form = SearchQuerySerializer(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        return search(app, form.validated_data["q"], fuzzy=form.validated_data["fuzzy"])
