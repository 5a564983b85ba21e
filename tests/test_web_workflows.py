"""The workflow editor: gallery models per stage, bounded parameters, the engine's node-named
errors, saving and deleting."""

from __future__ import annotations

import pytest
from django.test import Client

from ocr.models import Workflow

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Loose boxes",
    "detector": "ppocrv6-tiny-det",
    "cropper": "crop-1.0",
    "recognizer": "ppocrv6-tiny-rec",
    "ppocrv6-tiny-det.unclip_ratio": "2.2",
    "ppocrv6-tiny-det.max_side": "",  # blank: the default
    "ppocrv6-tiny-det.dilate": "on",
}


def test_it_offers_each_stages_models_with_their_bounds(client, alice, alice_app) -> None:
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/workflows/").content.decode()
    for kind in ("detector", "cropper", "recognizer"):
        assert f'<label for="wf-{kind}">' in html and f'name="{kind}"' in html
    assert (
        'name="ppocrv6-small-det.unclip_ratio" value="1.6" step="0.01" min="1.0" max="4.0"' in html
    )
    assert 'name="ppocrv6-small-det.max_side" value="1600" step="1" min="320" max="4096"' in html
    assert "(1.0 to 4.0, default 1.6)" in html
    assert '<option value="ppocrv6-small-det" selected>' in html  # the default's models first


def test_it_saves_a_workflow_with_the_parameters_given(client, alice, alice_app) -> None:
    client.force_login(alice)
    response = client.post(f"/apps/{alice_app.pk}/workflows/", GOOD)
    assert response["Location"] == f"/apps/{alice_app.pk}/workflows/"
    saved = Workflow.objects.get(app=alice_app)
    assert saved.name == "Loose boxes"
    assert [n["model"] for n in saved.nodes] == [
        "ppocrv6-tiny-det",
        "crop-1.0",
        "ppocrv6-tiny-rec",
    ]
    detect = saved.nodes[0]["params"]
    assert detect["unclip_ratio"] == 2.2 and detect["max_side"] == 1600 and detect["dilate"]
    assert "Loose boxes" in client.get(response["Location"]).content.decode()


def test_it_shows_the_engines_error_under_its_node(client, alice, alice_app) -> None:
    client.force_login(alice)
    data = {**GOOD, "ppocrv6-tiny-det.unclip_ratio": "9", "ppocrv6-tiny-det.min_size": "1.5"}
    response = client.post(f"/apps/{alice_app.pk}/workflows/", data)
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="errors-detect"') : html.index('id="errors-crop"')]
    assert "node &#x27;detect&#x27;: parameter &#x27;unclip_ratio&#x27; must be between" in errors
    assert "must be a whole number" in errors
    assert 'value="9"' in html  # what was typed stays in the form
    assert not Workflow.objects.exists()


def test_it_asks_for_a_name_and_a_known_model(client, alice, alice_app) -> None:
    client.force_login(alice)
    response = client.post(
        f"/apps/{alice_app.pk}/workflows/", {**GOOD, "name": " ", "recognizer": "nonesuch"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the workflow a name." in html and "Choose a recognizer from the gallery." in html
    assert not Workflow.objects.exists()


def test_deleting_a_workflow_puts_its_app_back_on_the_default(client, alice, alice_app) -> None:
    client.force_login(alice)
    client.post(f"/apps/{alice_app.pk}/workflows/", GOOD)
    saved = Workflow.objects.get()
    alice_app.workflow = str(saved.pk)
    alice_app.save()
    response = client.post(f"/apps/{alice_app.pk}/workflows/{saved.pk}/delete/")
    assert response.status_code == 302 and not Workflow.objects.exists()
    alice_app.refresh_from_db()
    assert alice_app.workflow == "default"


def test_it_hides_another_users_workflows(client, alice, bob, alice_app) -> None:
    client.force_login(alice)
    client.post(f"/apps/{alice_app.pk}/workflows/", GOOD)
    saved = Workflow.objects.get()
    client.force_login(bob)
    assert client.get(f"/apps/{alice_app.pk}/workflows/").status_code == 404
    assert client.post(f"/apps/{alice_app.pk}/workflows/", GOOD).status_code == 404
    assert client.post(f"/apps/{alice_app.pk}/workflows/{saved.pk}/delete/").status_code == 404
    assert Workflow.objects.count() == 1


def test_saving_a_workflow_needs_the_csrf_token(alice, alice_app) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/apps/{alice_app.pk}/workflows/", GOOD).status_code == 403
    assert not Workflow.objects.exists()


def test_it_sets_the_recognizers_alphabet(client, alice, alice_app) -> None:
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/workflows/").content.decode()
    assert 'name="ppocrv6-tiny-rec.alphabet"' in html
    assert "<option>cjk</option>" in html and "<option selected>latin</option>" in html
    data = {**GOOD, "ppocrv6-tiny-rec.alphabet": "cjk", "name": "Chinese letters"}
    response = client.post(f"/apps/{alice_app.pk}/workflows/", data)
    assert response.status_code == 302
    saved = Workflow.objects.get(app=alice_app, name="Chinese letters")
    assert saved.nodes[2]["params"]["alphabet"] == "cjk"
    bad = client.post(
        f"/apps/{alice_app.pk}/workflows/", {**data, "ppocrv6-tiny-rec.alphabet": "x"}
    )
    assert bad.status_code == 400


def test_it_refuses_a_model_whose_weights_are_not_installed(
    client, alice, alice_app, craft_not_installed
) -> None:
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/workflows/").content.decode()
    assert '<option value="craft-mlt-25k">craft-mlt-25k (not installed)</option>' in html
    assert '<option value="ppocrv6-small-det" selected>ppocrv6-small-det</option>' in html
    craft = {**GOOD, "detector": "craft-mlt-25k"}
    response = client.post(f"/apps/{alice_app.pk}/workflows/", craft)
    assert response.status_code == 400
    body = response.content.decode()
    assert "model &#x27;craft-mlt-25k&#x27; cannot run on this server" in body
    assert "craft_mlt_25k.pth are not installed" in body
    assert not Workflow.objects.exists()
