"""Request rates per token or user, and per IP address for anonymous callers.

DRF's own classes read their rates once, when the class is defined; these read the OCR_API_*
settings on every request, so a changed setting (or a test's override) applies at once.
Counters live in Django's default cache. A 429 carries the API's error shape (see errors.py) and
a Retry-After header, both added by DRF's exception handling.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import throttling

if TYPE_CHECKING:
    # Only for types: DRF imports this module while it defines APIView (DEFAULT_THROTTLE_CLASSES).
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _SettingRateThrottle(throttling.SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting, None) or None


def _credential_key(request: Request) -> str:
    # One bucket per token (what API.md calls the caller), and one per user for browser sessions.
    # The token is hashed so a shared cache such as Redis never holds a usable credential.
    key = getattr(request.auth, "key", None)  # a Token under TokenAuthentication, else None
    if isinstance(key, str):
        return "token-" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"user-{request.user.pk}"


class UserRateThrottle(_SettingRateThrottle):
    """Every request of a signed-in caller, at OCR_API_RATE."""

    scope = "user"
    rate_setting = "OCR_API_RATE"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # AnonRateThrottle's business
        return self.cache_format % {"scope": self.scope, "ident": _credential_key(request)}


class UploadRateThrottle(_SettingRateThrottle):
    """POSTs that start OCR work (views with `throttle_scope = "uploads"`), at OCR_API_UPLOAD_RATE.

    A lower limit of its own, because each one costs a worker seconds to minutes of CPU.
    """

    scope = "uploads"
    rate_setting = "OCR_API_UPLOAD_RATE"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST" or getattr(view, "throttle_scope", None) != self.scope:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # these views answer 401 before throttles run
        return self.cache_format % {"scope": self.scope, "ident": _credential_key(request)}


class AnonRateThrottle(_SettingRateThrottle):
    """Anonymous requests per IP address at OCR_API_ANON_RATE: the token endpoint, the schema.

    Most endpoints answer an anonymous caller 401 before throttles run; the token endpoint is the
    one that matters, as it slows password guessing.
    """

    scope = "anon"
    rate_setting = "OCR_API_ANON_RATE"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"ip-{self.get_ident(request)}"}


class LoginRateThrottle(_SettingRateThrottle):
    """The token endpoint per IP address, signed in or not: a password guess is a guess."""

    scope = "login"
    rate_setting = "OCR_API_ANON_RATE"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": f"ip-{self.get_ident(request)}"}
