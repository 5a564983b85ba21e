"""One error shape for the whole API: {"detail": "...", "errors": {field: [messages]}}, for
DRF's exceptions and for the 404s and 500s Django answers itself under /api/."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The server is busy; try again in a minute."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.wait = 30  # DRF sends it as Retry-After


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, dict):
            errors = {key: _flatten(value) for key, value in data.items()}
            non_field = errors.get("non_field_errors") or []
            field_messages = [
                f"{k}: {m[0]}" for k, m in errors.items() if m and k != "non_field_errors"
            ]
            detail = (non_field or field_messages or ["Invalid input."])[0]
            response.data = {"detail": detail, "errors": errors}
        else:
            messages = _flatten(data)
            response.data = {"detail": messages[0] if messages else "Invalid input."}
    elif isinstance(data, dict) and "detail" in data:
        extra = {k: v for k, v in data.items() if k != "detail"}
        response.data = {"detail": str(data["detail"]), **extra}
    else:
        response.data = {"detail": " ".join(_flatten(data))}
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 for paths no URL matches (`/api/v1/inputs/abc/`, a negative id): JSON in the
    API's shape under /api/, the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    """An unhandled error: JSON in the API's shape under /api/, the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on the server; it has been logged."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request)
