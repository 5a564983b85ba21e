"""A real worker on the train queue: a training runs there, and one whose worker is killed is
taken up again, never leaving a half-written model in a workflow."""

from __future__ import annotations

import onnxruntime as ort
import pytest

from ocr.models import TrainedModel, Training
from tests.test_api_training import verified_page

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]


def _training(api, pk: int) -> dict:
    return api.get(f"/api/v1/trainings/{pk}/").json()


def test_a_training_survives_its_worker_being_killed(start_worker, alice_api, alice_app) -> None:
    verified_page(alice_app)
    verified_page(alice_app)
    worker = start_worker()
    started = alice_api.post(
        f"/api/v1/apps/{alice_app.pk}/trainings/",
        {"kind": "recognizer", "base": "ppocrv6-tiny-rec", "steps": 12},
        format="json",
    ).json()
    pk = started["id"]

    def mid_training() -> bool:
        body = _training(alice_api, pk)
        return body["status"] == "running" and 1 <= body["progress"]["done"] < 12

    worker.wait_for(mid_training, 120, "the training to be under way")
    worker.kill()
    body = _training(alice_api, pk)
    assert body["status"] == "running" and body["model"] is None
    assert not TrainedModel.objects.filter(training_id=pk).exists()
    assert alice_api.get(f"/api/v1/apps/{alice_app.pk}/").json()["workflow"] == "default"

    replacement = start_worker()
    replacement.wait_for(
        lambda: _training(alice_api, pk)["status"] in ("succeeded", "failed"), 480, "training"
    )
    training = Training.objects.get(pk=pk)
    assert training.status == "succeeded", training.error
    assert training.attempts == 2  # taken up again from the start
    model = TrainedModel.objects.get(training=training)
    # The file is whole: onnxruntime loads it and it still names its dictionary.
    session = ort.InferenceSession(model.file.path, providers=["CPUExecutionProvider"])
    assert "character" in session.get_modelmeta().custom_metadata_map
    assert alice_api.get(f"/api/v1/apps/{alice_app.pk}/").json()["workflow"] == "default"
