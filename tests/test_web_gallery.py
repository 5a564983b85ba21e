"""The model gallery page: a card per model, with the benchmark's figures where measured."""

from __future__ import annotations

import json

import pytest

from ocr.engine.gallery import describe_gallery
from ocr.web import gallery

pytestmark = pytest.mark.django_db


def test_it_shows_a_card_per_model_not_yet_measured(client, alice, monkeypatch, tmp_path):
    monkeypatch.setattr(gallery, "FIGURES_PATH", tmp_path / "missing.json")
    client.force_login(alice)
    html = client.get("/models/").content.decode()
    models = describe_gallery()
    assert html.count('class="card model"') == len(models)
    assert html.count("Not measured yet.") == len(models)
    assert "unclip_ratio" in html and "float, 1.0 to 4.0; default 1.6" in html


def test_it_shows_the_benchmarks_figures(client, alice, monkeypatch, tmp_path) -> None:
    figures = tmp_path / "figures.json"
    machine = "2 vCPU Xeon, batch 8, 3 runs"
    figures.write_text(
        json.dumps(
            {
                "ppocrv6-tiny-rec": {
                    "phototest": {"cer": 0.0123, "pages_per_s": 4.5, "machine": machine}
                }
            }
        )
    )
    monkeypatch.setattr(gallery, "FIGURES_PATH", figures)
    client.force_login(alice)
    html = client.get("/models/").content.decode()
    card = html[html.index('id="model-ppocrv6-tiny-rec"') :]
    card = card[: card.index("</article>")]
    assert "<td>phototest</td>" in card and "1.23 %" in card and "4.50" in card
    assert machine in card and "Not measured yet." not in card


def test_it_ignores_a_broken_figures_file(tmp_path) -> None:
    broken = tmp_path / "figures.json"
    broken.write_text("{not json")
    assert gallery.load_figures(broken) == {}
    broken.write_text('{"m": {"set": {"cer": "bad", "pages_per_s": true}}}')
    [figure] = gallery.load_figures(broken)["m"]
    assert figure.cer is None and figure.pages_per_s is None


def test_it_is_for_signed_in_users(client) -> None:
    assert client.get("/models/")["Location"].startswith("/login/")


def test_it_says_which_models_are_ready(client, alice, craft_not_installed) -> None:
    client.force_login(alice)
    html = client.get("/models/").content.decode()
    craft = html[html.index('id="model-craft-mlt-25k"') :]
    craft = craft[: craft.index("</article>")]
    assert '<span class="badge not-ready">not installed</span>' in craft
    assert "Cannot run on this server: its weights craft_mlt_25k.pth are not installed" in craft
    ready = html[html.index('id="model-ppocrv6-small-det"') :]
    assert '<span class="badge ready">ready</span>' in ready[: ready.index("</article>")]


def test_it_shows_a_workflows_figures_once_labelled_as_the_workflows(
    client, alice, monkeypatch, tmp_path
) -> None:
    run = {"cer": 0.0039, "pages_per_s": 0.59, "machine": "AMD EPYC, 2 cores"}
    figures = tmp_path / "figures.json"
    figures.write_text(
        json.dumps(
            {
                "ppocrv6-small-det": {"fondue_en_print": {**run, "workflow": "default"}},
                "ppocrv6-small-rec": {"fondue_en_print": {**run, "workflow": "default"}},
            }
        )
    )
    monkeypatch.setattr(gallery, "FIGURES_PATH", figures)
    client.force_login(alice)
    html = client.get("/models/").content.decode()
    assert html.count("<td>fondue_en_print</td>") == 1  # once, not under each model
    measured = html[html.index('id="workflow-default"') :]
    assert "Default (PP-OCRv6 small)" in measured[:400] and "0.39 %" in measured
    for model in ("ppocrv6-small-det", "crop-1.0", "ppocrv6-small-rec"):
        card = html[html.index(f'id="model-{model}"') :]
        card = card[: card.index("</article>")]
        assert "Measured only as part of a whole workflow" in card
        assert 'href="#workflow-default"' in card and "0.39 %" not in card
    tiny = html[html.index('id="model-ppocrv6-tiny-det"') :]
    assert "Not measured yet." in tiny[: tiny.index("</article>")]
