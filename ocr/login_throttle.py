"""Failed sign-ins counted per user name and per IP address, in the shared cache.

Every failed `authenticate()` counts (the sign-in page, the admin's, the API's token endpoint),
through Django's `user_login_failed` signal; a success clears its user name's count. Past
OCR_LOGIN_FAILURES_PER_USER for one user name, or OCR_LOGIN_FAILURES_PER_IP from one address,
within OCR_LOGIN_WINDOW_MINUTES, the browser sign-in pages answer 429 without checking the
password (see middleware.LoginThrottleMiddleware). Counters are fixed windows that start at the
first failure, so a blocked name or address is free again at most a window later.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str:
    """The caller's address as the API's throttles see it (OCR_API_NUM_PROXIES)."""
    return BaseThrottle().get_ident(request) or "unknown"  # type: ignore[arg-type]


def _user_key(username: str) -> str:
    # Hashed: any string is a valid key then, and the cache holds no user names.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"login-failures:user:{digest}"


def _ip_key(ip: str) -> str:
    return f"login-failures:ip:{ip}"


def _window() -> int:
    return settings.OCR_LOGIN_WINDOW_MINUTES * 60


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _bump(key: str) -> None:
    # add() starts the window only if no count is running; incr() then counts within it.
    cache.add(key, 0, timeout=_window())
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls: a new window
        cache.add(key, 1, timeout=_window())


def blocked(request: HttpRequest, username: str) -> str | None:
    """Why a sign-in for `username` from this request's address is refused now, or None."""
    minutes = settings.OCR_LOGIN_WINDOW_MINUTES
    if username and _count(_user_key(username)) >= settings.OCR_LOGIN_FAILURES_PER_USER:
        return (
            f"Too many failed sign-ins for this user name. Try again in {minutes} minutes, "
            "or ask an administrator to reset the password."
        )
    if _count(_ip_key(client_ip(request))) >= settings.OCR_LOGIN_FAILURES_PER_IP:
        return f"Too many failed sign-ins from your address. Try again in {minutes} minutes."
    return None


def record_failure(request: HttpRequest | None, username: str) -> None:
    if username:
        _bump(_user_key(username))
    if request is not None:
        _bump(_ip_key(client_ip(request)))


def record_success(username: str) -> None:
    cache.delete(_user_key(username))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    record_failure(request, str(credentials.get("username") or ""))


def on_logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    record_success(user.get_username())
