"""Trainings through the API: verified pages in, a model out, gated, promoted, rolled back."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ocr import runs, services
from ocr.engine.detectors.trained_params import from_file
from ocr.engine.types import PageImage, PageResult, Region
from ocr.ingest import IngestedPage
from ocr.models import App, Page, Run, TrainedModel, Training
from ocr.services import training as trainings
from ocr.training.recognizer import RecognizerConfig

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = [pytest.mark.model, pytest.mark.django_db(transaction=True)]


def verified_page(app: App, texts: list[str] | None = None) -> Page:
    """A page of the handwritten fixture whose four lines a person checked (their text from
    the transcription, or `texts`)."""
    lines = json.loads((FIXTURES / "poilus-lines.json").read_text(encoding="utf-8"))["lines"]
    data = (FIXTURES / "poilus-lines.jpg").read_bytes()
    [item] = services.create_inputs(app, SimpleUploadedFile("will.jpg", data))
    run = item.runs.get()
    token = runs.claim_run(run.pk)
    assert token is not None
    pixels = np.asarray(Image.open(FIXTURES / "poilus-lines.jpg").convert("RGB"))
    regions = tuple(
        Region(
            polygon=tuple((float(x), float(y)) for x, y in line["polygon"]),
            text=(texts or [])[i] if texts else line["text"],
            score=0.9,
            detection_score=0.9,
        )
        for i, line in enumerate(lines)
    )
    result = PageResult(index=0, width=pixels.shape[1], height=pixels.shape[0], regions=regions)
    page = IngestedPage(image=PageImage(pixels=pixels, index=0), timecode_ms=None, text_layer=None)
    runs.save_page_result(run.pk, token, page, result)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED, claim="")
    Page.objects.filter(input=item).update(verified=True)
    return Page.objects.get(input=item)


def _start(api, app: App, **body: object) -> dict:
    response = api.post(f"/api/v1/apps/{app.pk}/trainings/", body, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def test_it_trains_promotes_reads_with_and_rolls_back(alice_api, alice_app) -> None:
    verified_page(alice_app)
    verified_page(alice_app)
    started = _start(alice_api, alice_app, kind="recognizer", base="ppocrv6-tiny-rec", steps=2)
    assert started["status"] == "queued"
    trainings.execute_training(started["id"])  # what the worker on the train queue does

    training = alice_api.get(f"/api/v1/trainings/{started['id']}/").json()
    assert training["status"] == "succeeded", training["error"]
    assert training["progress"] == {"done": 2, "total": 2}
    assert len(training["split"]["train"]) == 1 and len(training["split"]["validation"]) == 1
    assert set(training["metrics"]) == {"base", "trained"}
    assert training["metrics"]["trained"]["cer"] >= 0 and training["metrics"]["base"]["chars"] > 50
    assert [point["step"] for point in training["history"]] == [0, 1, 2]
    model_id = training["model"]
    assert model_id.startswith("trained-") and not training["promoted"]

    models = alice_api.get(f"/api/v1/models/?app={alice_app.pk}").json()
    assert model_id in {m["id"] for m in models}
    assert next(m for m in models if m["id"] == model_id)["ready"] is True  # its file is there
    assert model_id not in {m["id"] for m in alice_api.get("/api/v1/models/").json()}

    promoted = alice_api.post(
        f"/api/v1/trainings/{started['id']}/promote/",
        {"force": not training["improved"]},
        format="json",
    )
    assert promoted.status_code == 200, promoted.content
    assert promoted.json()["promoted"] is True
    app = alice_api.get(f"/api/v1/apps/{alice_app.pk}/").json()
    assert app["workflow"] != "default"
    saved = alice_api.get(f"/api/v1/apps/{alice_app.pk}/workflows/").json()["results"]
    [workflow] = [w for w in saved if str(w["id"]) == app["workflow"]]
    assert [n["model"] for n in workflow["nodes"]][-1] == model_id

    # An input read with the promoted workflow runs the trained model.
    upload = alice_api.post(
        f"/api/v1/apps/{alice_app.pk}/inputs/",
        {"file": SimpleUploadedFile("page.png", (FIXTURES / "phototest.png").read_bytes())},
        format="multipart",
    ).json()
    run = Run.objects.get(pk=upload["run"]["id"])
    assert model_id in [node["model"] for node in run.workflow_nodes]
    runs.execute_run(run.pk)
    assert alice_api.get(f"/api/v1/runs/{run.pk}/").json()["status"] == "succeeded"
    result = alice_api.get(f"/api/v1/inputs/{upload['id']}/result/").json()
    assert result["pages"][0]["regions"]

    rolled = alice_api.post(f"/api/v1/trainings/{started['id']}/rollback/")
    assert rolled.status_code == 200 and rolled.json()["promoted"] is False
    assert alice_api.get(f"/api/v1/apps/{alice_app.pk}/").json()["workflow"] == "default"
    assert alice_api.post(f"/api/v1/trainings/{started['id']}/rollback/").status_code == 409


def test_it_keeps_a_worse_model_but_does_not_promote_it(
    alice_api, alice_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wrong transcriptions on the page it learns from, and a rate that overshoots: whatever it
    # learns reads the validation page worse than the base does.
    wrong = ["xxxx yyyy zzzz", "qqqq wwww", "zzzz xxxx yyyy", "wwww qqqq"]
    first, second = verified_page(alice_app, wrong), verified_page(alice_app, wrong)
    monkeypatch.setattr(
        trainings, "RecognizerConfig", functools.partial(RecognizerConfig, learning_rate=1e-2)
    )
    started = _start(alice_api, alice_app, kind="recognizer", base="ppocrv6-tiny-rec", steps=4)
    training = Training.objects.get(pk=started["id"])
    # The validation page holds the true text.
    held = first if training.split["validation"] == [first.pk] else second
    truth = json.loads((FIXTURES / "poilus-lines.json").read_text(encoding="utf-8"))["lines"]
    for region, line in zip(held.regions.order_by("order"), truth, strict=True):
        region.text = line["text"]
        region.save()
    trainings.execute_training(training.pk)

    body = alice_api.get(f"/api/v1/trainings/{training.pk}/").json()
    assert body["status"] == "succeeded", body["error"]
    assert body["metrics"]["trained"]["cer"] > body["metrics"]["base"]["cer"]
    assert body["improved"] is False and body["promoted"] is False
    assert TrainedModel.objects.filter(training=training).exists()  # kept, listed
    assert alice_api.get(f"/api/v1/apps/{alice_app.pk}/").json()["workflow"] == "default"
    refused = alice_api.post(f"/api/v1/trainings/{training.pk}/promote/")
    assert refused.status_code == 409
    assert "not promoted" in refused.json()["detail"]


def test_it_says_how_many_more_pages_to_verify(alice_api, alice_app) -> None:
    url = f"/api/v1/apps/{alice_app.pk}/trainings/"
    none = alice_api.post(url, {"kind": "detector"}, format="json")
    assert none.status_code == 400
    assert "this app has 0. Verify 2 more pages" in none.json()["detail"]
    verified_page(alice_app)
    one = alice_api.post(url, {"kind": "recognizer"}, format="json")
    assert one.status_code == 400 and "Verify 1 more page " in one.json()["detail"]
    bad = alice_api.post(url, {"kind": "recognizer", "base": "ppocrv6-small-det"}, format="json")
    assert bad.status_code == 400 and "base" in bad.json()["errors"]
    assert alice_api.post(url, {"kind": "painter"}, format="json").status_code == 400


def test_it_refuses_a_second_training_while_one_is_queued(alice_api, alice_app) -> None:
    verified_page(alice_app)
    verified_page(alice_app)
    first = _start(alice_api, alice_app, kind="detector", base="ppocrv6-tiny-det", steps=1)
    second = alice_api.post(
        f"/api/v1/apps/{alice_app.pk}/trainings/", {"kind": "recognizer"}, format="json"
    )
    assert second.status_code == 409
    assert f"#{first['id']}" in second.json()["detail"]


def test_it_cancels_a_queued_training(alice_api, alice_app) -> None:
    verified_page(alice_app)
    verified_page(alice_app)
    started = _start(alice_api, alice_app, kind="detector", base="ppocrv6-tiny-det", steps=1)
    cancelled = alice_api.post(f"/api/v1/trainings/{started['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    trainings.execute_training(started["id"])  # a late message finds nothing to do
    assert Training.objects.get(pk=started["id"]).status == "cancelled"
    assert alice_api.post(f"/api/v1/trainings/{started['id']}/cancel/").status_code == 409
    # The app may train again.
    _start(alice_api, alice_app, kind="detector", base="ppocrv6-tiny-det", steps=1)


def test_it_trains_a_detector_on_drawn_regions(alice_api, alice_app) -> None:
    verified_page(alice_app)
    verified_page(alice_app)
    started = _start(alice_api, alice_app, kind="detector", base="ppocrv6-tiny-det", steps=1)
    trainings.execute_training(started["id"])
    body = alice_api.get(f"/api/v1/trainings/{started['id']}/").json()
    assert body["status"] == "succeeded", body["error"]
    assert set(body["metrics"]["trained"]) >= {"precision", "recall", "hmean"}
    model = TrainedModel.objects.get(training_id=started["id"])
    assert Path(model.file.path).is_file() and model.kind == "detector"

    # Promoted, it reads with the thresholds it chose on its training pages, not the line
    # detector's that the app's default workflow had.
    own = from_file(Path(model.file.path))
    assert {"text_threshold", "unclip_ratio", "dilate", "max_side"} <= set(own)
    promoted = alice_api.post(
        f"/api/v1/trainings/{started['id']}/promote/", {"force": True}, format="json"
    )
    assert promoted.status_code == 200, promoted.content
    app = alice_api.get(f"/api/v1/apps/{alice_app.pk}/").json()
    saved = alice_api.get(f"/api/v1/apps/{alice_app.pk}/workflows/").json()["results"]
    [workflow] = [w for w in saved if str(w["id"]) == app["workflow"]]
    [node] = [n for n in workflow["nodes"] if n["model"] == model.model_id]
    assert {k: node["params"][k] for k in own} == own


def test_another_user_gets_404_on_every_training_endpoint(alice_api, bob_api, alice_app) -> None:
    verified_page(alice_app)
    verified_page(alice_app)
    started = _start(alice_api, alice_app, kind="recognizer", base="ppocrv6-tiny-rec", steps=1)
    training = started["id"]
    assert bob_api.get(f"/api/v1/apps/{alice_app.pk}/trainings/").status_code == 404
    posted = bob_api.post(
        f"/api/v1/apps/{alice_app.pk}/trainings/", {"kind": "recognizer"}, format="json"
    )
    assert posted.status_code == 404
    assert bob_api.get(f"/api/v1/trainings/{training}/").status_code == 404
    for action in ("cancel", "promote", "rollback"):
        assert bob_api.post(f"/api/v1/trainings/{training}/{action}/").status_code == 404
    assert bob_api.get(f"/api/v1/models/?app={alice_app.pk}").status_code == 404
    assert Training.objects.get(pk=training).status == "queued"  # bob's cancel did nothing


def test_a_recognizer_training_replays_its_own_texts_in_print() -> None:
    # So a model taught a hand keeps reading print (README, "Training"): the training lines'
    # words rendered in printed faces, at most twice as many lines as it learns from.
    from ocr.services.training import _printed_replay
    from ocr.training.samples import LineSample

    hand = np.full((32, 200, 3), 255, np.uint8)
    lines = [LineSample(hand, "Ceci est mon testament"), LineSample(hand, "fait à Versailles")]
    replay = _printed_replay(lines, seed=1)
    assert len(replay) == 4
    words = {"Ceci", "est", "mon", "testament", "fait", "à", "Versailles"}
    for line in replay:
        assert set(line.text.split()) <= words
        assert line.pixels.ndim == 3 and line.pixels.shape[1] > line.pixels.shape[0]
        assert line.pixels.min() < 128  # ink on it


def test_a_recognizer_training_holds_its_printed_replay_to_the_base() -> None:
    # The app has no truth for print: the base itself is the teacher on the rendered lines
    # (README, "Training"), beside the frozen early layers and the replayed share.
    from ocr.services.training import recognizer_config

    config = recognizer_config(steps=120, seed=3, checks=24)
    assert config.distill > 0 and config.replay_share > 0 and config.freeze == 0.3
    assert 0 < config.merge < 1  # kept between the base's weights and the trained ones
    assert (config.steps, config.seed, config.eval_every, config.keep_best) == (120, 3, 24, False)
