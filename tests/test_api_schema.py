"""The OpenAPI schema: served, valid, complete, with a docs page that needs no CDN, and true to
what the API answers (a property-based run of schemathesis over every operation)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
import schemathesis
import yaml
from django.core.cache import cache
from django.test import override_settings
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from ocr.models import Training
from project.wsgi import application
from tests.factories import input_with_result

# Paths of ../shared/API.md as the schema writes them (API.md's search path is another
# helper's; it is checked only once it exists).
CONTRACT_PATHS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/apps/": {"get", "post"},
    "/api/v1/apps/{app}/": {"get", "patch", "delete"},
    "/api/v1/models/": {"get"},
    "/api/v1/apps/{app}/workflows/": {"get", "post"},
    "/api/v1/apps/{app}/inputs/": {"get", "post"},
    "/api/v1/inputs/{input}/": {"get", "delete"},
    "/api/v1/inputs/{input}/runs/": {"post"},
    "/api/v1/runs/{run}/": {"get"},
    "/api/v1/inputs/{input}/result/": {"get"},
    "/api/v1/regions/{region}/": {"patch"},
    "/api/v1/inputs/{input}/export/": {"get"},
}

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture(autouse=True)
def fresh_throttles(settings):
    # Throttle counters live in the cache; each test starts from zero and far from any limit.
    settings.OCR_API_RATE = settings.OCR_API_UPLOAD_RATE = "100000/minute"
    settings.OCR_API_ANON_RATE = "100000/minute"
    # Some of these tests have no database, where the cache table lives: memory will do here.
    settings.CACHES = {"default": {"BACKEND": LOCMEM}}
    cache.clear()
    yield
    cache.clear()


def _schema(client: Any, accept: str) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    text = response.content.decode()
    return json.loads(text) if "json" in accept else yaml.safe_load(text)


def test_it_serves_a_valid_openapi_3_document_in_json_and_yaml(client) -> None:
    as_json = _schema(client, "application/vnd.oai.openapi+json")
    as_yaml = _schema(client, "application/vnd.oai.openapi")
    assert as_json == as_yaml
    assert as_json["openapi"].startswith("3.")
    validate_schema(as_json)  # against the OpenAPI 3.0 JSON Schema drf-spectacular ships


def test_it_lists_every_path_of_the_contract(client) -> None:
    paths = _schema(client, "application/vnd.oai.openapi+json")["paths"]
    for path, methods in CONTRACT_PATHS.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    if "/api/v1/apps/{app}/search/" in paths:
        assert "get" in paths["/api/v1/apps/{app}/search/"]


def test_it_describes_uploads_exports_conflicts_errors_and_auth(client) -> None:
    schema = _schema(client, "application/vnd.oai.openapi+json")
    paths, components = schema["paths"], schema["components"]
    upload = paths["/api/v1/apps/{app}/inputs/"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    fields = components["schemas"][form.rsplit("/", 1)[1]]["properties"]
    assert {"file", "workflow", "text_layer", "pdf_dpi", "video_interval_ms"} <= set(fields)
    assert fields["file"] == {"type": "string", "format": "binary"}
    assert {"201", "400", "401", "404", "413", "429"} <= set(upload["responses"])

    export = paths["/api/v1/inputs/{input}/export/"]["get"]
    [fmt] = [p for p in export["parameters"] if p["name"] == "format"]
    assert set(fmt["schema"]["enum"]) == {"txt", "json", "hocr", "alto", "page", "pdf", "overlay"}
    assert {"application/pdf", "image/png", "text/plain"} <= set(
        export["responses"]["200"]["content"]
    )

    patch = paths["/api/v1/regions/{region}/"]["patch"]
    assert {"200", "400", "404", "409"} <= set(patch["responses"])
    assert paths["/api/v1/apps/"]["post"]["responses"]["201"]
    error = components["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert error["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"
    assert "Retry-After" in paths["/api/v1/apps/"]["get"]["responses"]["429"]["headers"]
    assert {"tokenAuth", "cookieAuth"} <= set(components["securitySchemes"])
    assert components["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert paths["/api/v1/apps/"]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


def test_the_docs_page_loads_its_assets_from_this_server(client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.startswith("/static/drf_spectacular_sidecar/") for a in assets), assets
    assert not [a for a in assets if re.match(r"(https?:)?//", a)], assets
    # Nothing in inline scripts reaches for another host either.
    assert not re.search(r"https?://(?!testserver)", html)
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


# --- Property-based: every operation, with made-up but well-formed input -----------------------

# Loaded while tests are collected, before any test database: the anonymous throttle's counter
# goes to a cache in memory for this one request instead of the database's cache table.
with override_settings(CACHES={"default": {"BACKEND": LOCMEM}}):
    api = schemathesis.openapi.from_wsgi("/api/schema/", application)
api.config.generation.update(modes=[GenerationMode.POSITIVE])


@pytest.fixture
def owned(alice, alice_app) -> dict[str, Any]:
    """Ids of objects alice may see, to put into every path: a random id only ever finds 404."""
    item = input_with_result(alice_app)
    run = item.runs.get()
    # A finished training: its actions answer 409, never 500; no worker needed.
    training = Training.objects.create(
        app=alice_app, kind="recognizer", base="ppocrv6-tiny-rec", steps=1, status="failed"
    )
    return {
        "token": Token.objects.create(user=alice).key,
        "ids": {
            "app": alice_app.pk,
            "input": item.pk,
            "run": run.pk,
            "region": run.regions.order_by("order").first().pk,
            "index": 0,
            "training": training.pk,
        },
    }


@pytest.mark.django_db(transaction=True)
@api.parametrize()
@settings(
    max_examples=int(os.environ.get("LEGIBLE_SCHEMA_EXAMPLES", "8")),  # more to hunt bugs locally
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_schema_says(case: schemathesis.Case, owned) -> None:
    if case.path_parameters:
        case.path_parameters = {k: owned["ids"].get(k, v) for k, v in case.path_parameters.items()}
    if case.operation.path == "/api/v1/auth/token/" and isinstance(case.body, dict):
        case.body.setdefault("username", "alice")
    case.call_and_validate(
        headers={"Authorization": f"Token {owned['token']}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
