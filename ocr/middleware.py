"""Request guards that must run before anything reads the request's body."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

# Multipart framing (boundaries, part headers, the form's other fields) adds a little to a file.
FRAMING_BYTES = 64 * 1024


class UploadSizeMiddleware:
    """Refuse a body larger than OCR_MAX_UPLOAD_MB from its Content-Length, before it is read.

    Must come before CsrfViewMiddleware: its check of a form POST parses the whole body, so a
    200 MB post to the no-JavaScript upload form was read, and spooled to disk, to be refused.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit_mb = settings.OCR_MAX_UPLOAD_MB
        if declared > limit_mb * 1024 * 1024 + FRAMING_BYTES:
            message = (
                f"The upload is {declared / 1024 / 1024:.1f} MB; the limit is {limit_mb} MB "
                "(OCR_MAX_UPLOAD_MB)."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)
