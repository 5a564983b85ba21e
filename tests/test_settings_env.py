"""Settings come from the environment; a bad value stops start-up with a message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from project.env import SettingError, env_bool, env_choice, env_int, env_list

ROOT = Path(__file__).resolve().parents[1]


def test_it_reads_typed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", " 42 ")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    monkeypatch.setenv("X_CHOICE", "cuda")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_choice("X_CHOICE", "auto", ["auto", "cpu", "cuda"]) == "cuda"
    assert env_int("X_UNSET", 7) == 7


@pytest.mark.parametrize(
    ("name", "value", "call", "message"),
    [
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL", False), "not a boolean"),
        ("X_INT", "ten", lambda: env_int("X_INT", 1), "not a whole number"),
        ("X_INT", "0", lambda: env_int("X_INT", 1, minimum=1), "below the minimum"),
        ("X_CHOICE", "tpu", lambda: env_choice("X_CHOICE", "auto", ["auto", "cpu"]), "one of"),
    ],
)
def test_it_names_the_variable_in_errors(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, call, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=message) as info:
        call()
    assert name in str(info.value)


def _manage(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    clean.update({"LEGIBLE_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OCR_DEVICE": "tpu"}, "OCR_DEVICE='tpu' is not one of: auto, cpu, cuda"),
        ({"OCR_MAX_UPLOAD_MB": "lots"}, "OCR_MAX_UPLOAD_MB='lots' is not a whole number"),
        ({"OCR_MODEL_DIR": "/no/such/folder"}, "OCR_MODEL_DIR='/no/such/folder' is not a folder"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", "DEBUG": "0"},
            "SECRET_KEY is required",
        ),
    ],
)
def test_it_stops_start_up_on_a_bad_value(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    done = _manage(env, tmp_path)
    assert done.returncode != 0
    assert f"Configuration error: {message}" in done.stderr
    assert "Traceback" not in done.stderr


def test_it_generates_and_keeps_the_secret_key_in_embedded_mode(tmp_path: Path) -> None:
    assert _manage({}, tmp_path).returncode == 0
    key = (tmp_path / "secret-key.txt").read_text()
    assert len(key) >= 50
    assert _manage({}, tmp_path).returncode == 0
    assert (tmp_path / "secret-key.txt").read_text() == key


def _setting(env: dict[str, str], tmp_path: Path, expression: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    clean.pop("CELERY_BROKER_URL", None)
    clean.pop("CACHE_URL", None)
    clean.update({"LEGIBLE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "project.settings"})
    clean.update(env)
    code = f"from django.conf import settings; print({expression})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("env", "backend", "location"),
    [
        # Embedded: a table of the database every web process opens (migration 0011).
        ({}, "django.core.cache.backends.db.DatabaseCache", "legible_cache"),
        # docker-compose: the Redis its broker is.
        (
            {"CELERY_BROKER_URL": "redis://redis:6379/0"},
            "django.core.cache.backends.redis.RedisCache",
            "redis://redis:6379/0",
        ),
        (
            {"CELERY_BROKER_URL": "redis://redis:6379/0", "CACHE_URL": "redis://other:6379/3"},
            "django.core.cache.backends.redis.RedisCache",
            "redis://other:6379/3",
        ),
        ({"CACHE_URL": "db"}, "django.core.cache.backends.db.DatabaseCache", "legible_cache"),
    ],
)
def test_rate_limits_count_in_a_store_every_process_shares(
    tmp_path: Path, env: dict[str, str], backend: str, location: str
) -> None:
    expression = "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']"
    assert _setting(env, tmp_path, expression) == f"{backend} {location}"


def test_it_refuses_a_cache_url_it_cannot_use(tmp_path: Path) -> None:
    done = _manage({"CACHE_URL": "memcached://x"}, tmp_path)
    assert done.returncode != 0
    assert "CACHE_URL='memcached://x' is neither db nor a redis:// URL" in done.stderr
