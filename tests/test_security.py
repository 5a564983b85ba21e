"""Production hardening (issue 13, item 9): a Content-Security-Policy on every answer, HTTPS
settings switched on by LEGIBLE_HTTPS, and the database and media readable by their owner only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/api/v1/apps/", "/static/legible.css"])
def test_every_answer_carries_the_policy(client, path) -> None:
    policy = client.get(path)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "style-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy


@pytest.mark.django_db
def test_the_docs_page_runs_no_inline_script(client) -> None:
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert "<script>" not in html and "?script" in html
    # drf-spectacular's template keeps three lines of inline CSS: only styles are let in there.
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_no_template_has_inline_script_style_or_handler() -> None:
    import re

    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template
        assert not re.search(r"\s(x-[a-z]+|@[a-z]+|:[a-z-]+)=", text), template  # Alpine evals


def _settings(env: dict[str, str], tmp_path: Path, code: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    clean.update({"LEGIBLE_VAR_DIR": str(tmp_path / "var"), **env})
    clean["DJANGO_SETTINGS_MODULE"] = "project.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_https_deployments_switch_on_secure_cookies_hsts_and_the_proxy_header(
    tmp_path: Path,
) -> None:
    names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"]
    names.append("SECURE_PROXY_SSL_HEADER")
    code = f"from django.conf import settings as s; print([getattr(s, n) for n in {names!r}])"
    assert _settings({}, tmp_path, code) == "[False, False, 0, None]"
    on = _settings({"LEGIBLE_HTTPS": "1"}, tmp_path, code)
    assert on == "[True, True, 31536000, ('HTTP_X_FORWARDED_PROTO', 'https')]"
    shorter = _settings({"LEGIBLE_HTTPS": "1", "LEGIBLE_HSTS_SECONDS": "300"}, tmp_path, code)
    assert ", 300, " in shorter


def test_the_database_and_media_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    code = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from django.core.files.storage import default_storage; "
        "from django.core.files.base import ContentFile; "
        "print(default_storage.path(default_storage.save('inputs/1/a.png', ContentFile(b'x'))))"
    )
    saved = Path(_settings({}, tmp_path, code))
    var = tmp_path / "var"
    assert _mode(var) == 0o700
    assert _mode(var / "legible.sqlite3") == 0o600
    for extra in ("legible.sqlite3-wal", "legible.sqlite3-shm"):
        if (var / extra).exists():
            assert _mode(var / extra) == 0o600
    assert _mode(var / "media") == 0o700
    assert _mode(saved.parent) == 0o700 and _mode(saved) == 0o600
    assert _mode(var / "secret-key.txt") == 0o600


def test_an_existing_database_is_made_owner_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    (var / "legible.sqlite3").touch(mode=0o644)
    os.chmod(var / "legible.sqlite3", 0o644)
    _settings({}, tmp_path, "print()")
    assert _mode(var / "legible.sqlite3") == 0o600
