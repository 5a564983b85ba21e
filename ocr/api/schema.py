"""The OpenAPI schema's shared parts: the error shape on every operation, and the response
shapes of the views that build their bodies by hand."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authtoken.views import ObtainAuthToken

from .serializers import InputSerializer, RegionSerializer, RunSerializer


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field, where fields are at fault.",
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = RegionSerializer(help_text="The region as it is now, to merge the edit into.")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ModelParamSerializer(serializers.Serializer):
    type = serializers.CharField()
    default = serializers.JSONField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    description = serializers.CharField()
    choices = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Choice parameters only."
    )


class GalleryModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    ready = serializers.BooleanField(
        help_text="False when the model's weights (or library) are not installed on this server: "
        "a workflow naming it is refused."
    )
    unavailable = serializers.CharField(help_text="What is missing when not ready; else empty.")
    params = serializers.DictField(child=ModelParamSerializer())


class ResultPageSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    timecode_ms = serializers.IntegerField(allow_null=True, help_text="Video frames only.")
    image = serializers.URLField()
    blocks = serializers.ListField(
        child=serializers.DictField(),
        allow_null=True,
        help_text="The newest reading's blocks ({polygon, kind}) in reading order; null for "
        "pages read before the engine had blocks.",
    )
    regions = RegionSerializer(many=True, help_text="In reading order.")


class ResultSerializer(serializers.Serializer):
    input = serializers.IntegerField()
    run = RunSerializer(allow_null=True, help_text="The run the pages come from; null if none.")
    pages = ResultPageSerializer(many=True)


class InputPageSerializer(serializers.Serializer):
    """What an upload of a ZIP answers: all the inputs it made, in the shape of a list."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InputSerializer(many=True)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(openapi.AutoSchema):
    """Adds the answers every view can give (400, 401, 403, 404, 429) in the one error shape,
    so each view declares only its own."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        wanted: dict[str, str] = {}
        if self.method in {"POST", "PUT", "PATCH"} or isinstance(self.view, ObtainAuthToken):
            wanted["400"] = "Bad input: `errors` names each field at fault."
        if self._requires_auth():
            wanted["401"] = "No credentials, or a token that does not exist."
            if self.method in _UNSAFE:
                wanted["403"] = "A session request without a valid CSRF token."
        if "{" in self.path or self._is_list_view():
            wanted["404"] = "Not found, or not yours to see (or a page past the end)."
        wanted["429"] = "Too many requests: wait Retry-After seconds."
        for code, description in wanted.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(error(description), code)
        responses["429"].setdefault("headers", {})["Retry-After"] = {
            "schema": {"type": "integer"},
            "description": "Seconds until a request is allowed again.",
        }
        return responses

    def _requires_auth(self) -> bool:
        return any(
            isinstance(p, type) and issubclass(p, permissions.IsAuthenticated)
            for p in getattr(self.view, "permission_classes", [])
        )
