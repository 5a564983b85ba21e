from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_issues_a_token_for_good_credentials(client, alice) -> None:
    response = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "alice-password-1"}
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_it_refuses_a_token_for_bad_credentials(client, alice) -> None:
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "Unable to log in" in response.json()["detail"]


def test_it_requires_authentication(client) -> None:
    response = client.get("/api/v1/apps/")
    assert response.status_code in (401, 403)
    assert "credentials" in response.json()["detail"]


def test_it_creates_and_lists_apps(alice_api) -> None:
    created = alice_api.post("/api/v1/apps/", {"name": " Registers "}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Registers"
    assert body["workflow"] == "default"
    listed = alice_api.get("/api/v1/apps/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


def test_it_explains_bad_app_payloads(alice_api) -> None:
    blank = alice_api.post("/api/v1/apps/", {"name": "  "}, format="json")
    assert blank.status_code == 400
    assert blank.json()["errors"]["name"]
    unknown = alice_api.post("/api/v1/apps/", {"name": "x", "workflow": "magic"}, format="json")
    assert unknown.status_code == 400
    assert "Unknown workflow 'magic'" in unknown.json()["errors"]["workflow"][0]
    assert "Unknown workflow" in unknown.json()["detail"]
    garbage = alice_api.post("/api/v1/apps/", data="{not json", content_type="application/json")
    assert garbage.status_code == 400
    assert "JSON parse error" in garbage.json()["detail"]


def test_it_renames_and_deletes_an_app(alice_api, alice_app) -> None:
    url = f"/api/v1/apps/{alice_app.pk}/"
    assert alice_api.patch(url, {"name": "Renamed"}, format="json").json()["name"] == "Renamed"
    assert alice_api.delete(url).status_code == 204
    assert alice_api.get(url).status_code == 404


def test_it_hides_another_users_app(bob_api, alice_app) -> None:
    url = f"/api/v1/apps/{alice_app.pk}/"
    assert bob_api.get(url).status_code == 404
    assert bob_api.patch(url, {"name": "mine"}, format="json").status_code == 404
    assert bob_api.delete(url).status_code == 404
    assert bob_api.get("/api/v1/apps/").json()["count"] == 0
    assert bob_api.get(f"/api/v1/apps/{alice_app.pk}/inputs/").status_code == 404
    assert bob_api.get(f"/api/v1/apps/{alice_app.pk}/workflows/").status_code == 404


def test_it_shows_an_app_to_its_members(bob, bob_api, alice_app) -> None:
    alice_app.members.add(bob)
    assert bob_api.get(f"/api/v1/apps/{alice_app.pk}/").status_code == 200
    assert bob_api.get("/api/v1/apps/").json()["count"] == 1


def test_it_lists_the_model_gallery(alice_api) -> None:
    models = alice_api.get("/api/v1/models/").json()
    ids = {m["id"] for m in models}
    assert {"ppocrv6-small-det", "crop-1.0", "ppocrv6-small-rec"} <= ids
    detector = next(m for m in models if m["id"] == "ppocrv6-small-det")
    assert detector["kind"] == "detector"
    assert set(detector["params"]["unclip_ratio"]) >= {"type", "default", "min", "max"}


def test_it_says_which_models_are_ready_and_refuses_the_others(
    alice_api, alice_app, craft_not_installed
) -> None:
    models = {m["id"]: m for m in alice_api.get("/api/v1/models/").json()}
    assert models["ppocrv6-small-det"]["ready"] is True
    assert models["ppocrv6-small-det"]["unavailable"] == ""
    assert models["craft-mlt-25k"]["ready"] is False
    assert "craft_mlt_25k.pth are not installed" in models["craft-mlt-25k"]["unavailable"]
    nodes = [
        {"id": "detect", "model": "craft-mlt-25k"},
        {"id": "crop", "model": "crop-1.0", "input": "detect"},
        {"id": "read", "model": "ppocrv6-small-rec", "input": "crop"},
    ]
    url = f"/api/v1/apps/{alice_app.pk}/workflows/"
    refused = alice_api.post(url, {"name": "Words", "nodes": nodes}, format="json")
    assert refused.status_code == 400
    [message] = refused.json()["errors"]["nodes"]
    assert "node 'detect': model 'craft-mlt-25k' cannot run on this server" in message
    assert not alice_app.workflows.exists()


def test_it_refuses_to_run_or_choose_a_workflow_that_cannot_run_here(
    alice_api, alice_app, phototest_png, tesseract_not_installed
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocr import services

    item = services.create_inputs(alice_app, SimpleUploadedFile("p.png", phototest_png))[0]
    app_url = f"/api/v1/apps/{alice_app.pk}/"
    chosen = alice_api.patch(app_url, {"workflow": "mixed"}, format="json")
    assert chosen.status_code == 400
    assert "'mixed' cannot run on this server" in chosen.json()["detail"]
    upload = alice_api.post(
        f"{app_url}inputs/",
        {"file": SimpleUploadedFile("p.png", phototest_png), "workflow": "tesseract"},
        format="multipart",
    )
    assert upload.status_code == 400
    assert "tesserocr package is not installed" in upload.json()["detail"]
    rerun = alice_api.post(
        f"/api/v1/inputs/{item.pk}/runs/", {"workflow": "tesseract"}, format="json"
    )
    assert rerun.status_code == 400 and item.runs.count() == 1


def test_it_saves_a_valid_workflow_and_names_the_bad_node(alice_api, alice_app) -> None:
    url = f"/api/v1/apps/{alice_app.pk}/workflows/"
    nodes = [
        {"id": "detect", "model": "ppocrv6-small-det", "params": {"max_side": 1280}},
        {"id": "crop", "model": "crop-1.0", "input": "detect"},
        {"id": "read", "model": "ppocrv6-small-rec", "input": "crop"},
    ]
    saved = alice_api.post(url, {"name": "Smaller pages", "nodes": nodes}, format="json")
    assert saved.status_code == 201
    assert saved.json()["nodes"][0]["params"]["max_side"] == 1280
    nodes[0]["params"] = {"max_side": 10}
    bad = alice_api.post(url, {"name": "Bad", "nodes": nodes}, format="json")
    assert bad.status_code == 400
    assert "detect" in bad.json()["errors"]["nodes"][0]
    # A saved workflow can be the app's workflow.
    workflow_id = str(saved.json()["id"])
    patched = alice_api.patch(
        f"/api/v1/apps/{alice_app.pk}/", {"workflow": workflow_id}, format="json"
    )
    assert patched.json()["workflow"] == workflow_id
