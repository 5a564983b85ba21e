"""Request guards: upload sizes before anything reads a body, sign-in attempts before a
password is checked."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from . import login_throttle

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


# The browser's sign-in forms: ours and the admin's. The API's token endpoint has its own
# per-IP throttle (api/throttling.py), and its failures count here too.
LOGIN_PATHS = ("/login/", "/admin/login/")


class LoginThrottleMiddleware:
    """Answer a sign-in POST with 429, before the password is checked, once its user name or
    address has failed too often (login_throttle.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in LOGIN_PATHS:
            reason = login_throttle.blocked(request, request.POST.get("username", ""))
            if reason:
                response = render(request, "429.html", {"message": reason}, status=429)
                response["Retry-After"] = str(settings.OCR_LOGIN_WINDOW_MINUTES * 60)
                return response
        return self.get_response(request)


# The pages load only their own scripts, styles, images and fonts (htmx is vendored; no inline
# script, style or event handler anywhere), so the policy names nothing but 'self'. Images may be
# data: URLs (Swagger UI's icons). The API docs page keeps drf-spectacular's own inline <style>.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every answer: a script injected into a page cannot run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/docs/")
            policy = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
            response["Content-Security-Policy"] = policy
        return response
