"""The app page's inputs grid: thumbnails, statuses, previews, filter, pages; re-runs."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from ocr.ingest.previews import THUMB_SIDE
from ocr.models import Run
from ocr.web import inputs as grid
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _fail(item, error: str = "The worker ran out of memory on page 3.") -> Run:
    run = item.runs.get()
    Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, error=error)
    return run


def test_it_shows_each_input_with_thumbnail_status_and_text(client, alice, alice_app) -> None:
    item = input_with_result(alice_app, ("Dear Sir, I write", "to say"))
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/").content.decode()
    page_id = item.pages.get().pk
    assert f'src="/inputs/{item.pk}/thumbnail/?v={page_id}"' in html
    assert 'class="status" data-status="succeeded"' in html
    assert "Dear Sir, I write to say" in html
    assert 'hx-trigger="every 1s"' not in html  # nothing to poll once runs are done


def test_it_polls_only_the_rows_whose_runs_are_busy(client, alice, alice_app) -> None:
    done = input_with_result(alice_app)
    busy = input_with_result(alice_app)
    Run.objects.filter(input=busy).update(
        status=Run.Status.RUNNING, progress_done=2, progress_total=5
    )
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/").content.decode()
    assert html.count('hx-trigger="every 1s"') == 1
    assert f'hx-get="/inputs/{busy.pk}/row/"' in html
    assert f'hx-get="/inputs/{done.pk}/row/"' not in html

    row = client.get(f"/inputs/{busy.pk}/row/").content.decode()
    assert row.strip().startswith("<tr") and "2 of 5 pages" in row


def test_it_shows_a_failed_runs_reason_and_retries_it(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    _fail(item)
    client.force_login(alice)
    html = client.get(f"/apps/{alice_app.pk}/").content.decode()
    assert "The worker ran out of memory on page 3." in html and ">Retry</button>" in html

    row = client.post(f"/inputs/{item.pk}/runs/", {"workflow": ""}, **HTMX)
    assert row.status_code == 200
    assert 'data-status="queued"' in row.content.decode()
    assert item.runs.count() == 2 and item.runs.first().status == Run.Status.QUEUED


def test_it_filters_by_status_and_pages_through_inputs(
    client, alice, alice_app, monkeypatch
) -> None:
    monkeypatch.setattr(grid, "PER_PAGE", 2)
    items = [input_with_result(alice_app) for _ in range(3)]
    _fail(items[0], "broken scan")
    client.force_login(alice)
    failed = client.get(f"/apps/{alice_app.pk}/inputs/?status=failed").content.decode()
    assert failed.count("<tr data-input-id") == 1 and "broken scan" in failed

    first = client.get(f"/apps/{alice_app.pk}/").content.decode()
    assert first.count("<tr data-input-id") == 2 and "Page 1 of 2" in first
    second = client.get(f"/apps/{alice_app.pk}/inputs/?page=2").content.decode()
    assert second.count("<tr data-input-id") == 1 and "Previous" in second

    none = client.get(f"/apps/{alice_app.pk}/inputs/?status=running").content.decode()
    assert "No inputs with this status." in none


def test_it_serves_a_small_cacheable_thumbnail(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    client.force_login(alice)
    response = client.get(f"/inputs/{item.pk}/thumbnail/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "max-age" in response["Cache-Control"]
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert max(image.size) == THUMB_SIDE


def test_it_answers_404_for_a_thumbnail_before_any_page(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    item.pages.all().delete()
    client.force_login(alice)
    assert client.get(f"/inputs/{item.pk}/thumbnail/").status_code == 404
    assert "thumbnail" not in client.get(f"/apps/{alice_app.pk}/").content.decode()


def test_it_reruns_an_input_with_another_workflow(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    client.force_login(alice)
    form = client.get(f"/inputs/{item.pk}/runs/").content.decode()
    assert '<option value="fast">' in form
    response = client.post(f"/inputs/{item.pk}/runs/", {"workflow": "fast"})
    assert response["Location"] == f"/apps/{alice_app.pk}/"
    assert item.runs.first().workflow_name == "fast"


def test_it_refuses_an_unknown_workflow_for_a_rerun(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    client.force_login(alice)
    response = client.post(f"/inputs/{item.pk}/runs/", {"workflow": "nonesuch"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert item.runs.count() == 1


def test_it_hides_another_users_inputs(client, bob, alice_app) -> None:
    item = input_with_result(alice_app)
    client.force_login(bob)
    for url in (
        f"/apps/{alice_app.pk}/inputs/",
        f"/inputs/{item.pk}/row/",
        f"/inputs/{item.pk}/thumbnail/",
        f"/inputs/{item.pk}/runs/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/inputs/{item.pk}/runs/", {"workflow": ""}).status_code == 404
    assert item.runs.count() == 1


def test_a_rerun_needs_the_csrf_token(alice, alice_app) -> None:
    item = input_with_result(alice_app)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/inputs/{item.pk}/runs/", {"workflow": ""}).status_code == 403
    assert item.runs.count() == 1


def test_it_says_how_many_corrections_a_rerun_carries_over(client, alice, alice_app) -> None:
    from ocr.services import regions as corrections

    item = input_with_result(alice_app, ("one", "two", "three"))
    client.force_login(alice)
    assert (
        "No corrections on this input yet"
        in client.get(f"/inputs/{item.pk}/runs/").content.decode()
    )
    one, two, three = item.pages.get().regions.order_by("order")
    corrections.edit_region(one, one.version, user=alice, text="one, corrected")
    corrections.delete_region(two, two.version, user=alice)
    html = client.get(f"/inputs/{item.pk}/runs/").content.decode()
    assert "2 corrections on this input" in html and "will be carried over" in html


def test_it_shows_how_many_pages_of_each_input_are_verified(client, alice, alice_app) -> None:
    from ocr.services import regions as corrections

    item = input_with_result(alice_app)
    client.force_login(alice)
    assert "0 of 1 page verified" in client.get(f"/apps/{alice_app.pk}/").content.decode()
    corrections.set_verified(item.pages.get(), True, user=alice)
    html = client.get(f"/apps/{alice_app.pk}/").content.decode()
    assert "1 of 1 page verified" in html and "all-verified" in html


def test_it_deletes_the_inputs_chosen_after_a_confirmation(
    client, alice, alice_app, media_root
) -> None:
    from ocr.models import Input

    keep, first, second = (input_with_result(alice_app) for _ in range(3))
    Input.objects.filter(pk=first.pk).update(name="first.png")
    Input.objects.filter(pk=second.pk).update(name="second.png")
    page_file = media_root / first.pages.get().image.name
    assert page_file.exists()
    client.force_login(alice)
    url = f"/apps/{alice_app.pk}/inputs/delete/"

    confirm = client.get(url, {"input": [first.pk, second.pk]}).content.decode()
    assert "Delete 2 inputs?" in confirm and "first.png" in confirm and "second.png" in confirm
    assert Input.objects.count() == 3  # asking deletes nothing

    response = client.post(url, {"input": [first.pk, second.pk]})
    assert response["Location"] == f"/apps/{alice_app.pk}/"
    assert list(Input.objects.values_list("pk", flat=True)) == [keep.pk]
    assert not page_file.exists()
    assert "Deleted 2 inputs." in client.get(response["Location"]).content.decode()

    one = client.get(url, {"input": keep.pk}).content.decode()
    assert "Delete phototest.png?" in one


def test_it_asks_for_inputs_before_deleting_and_refuses_anothers(
    client, alice, bob, alice_app
) -> None:
    from ocr import services

    item = input_with_result(alice_app)
    bobs = input_with_result(services.create_app(bob, "Bob's"))
    client.force_login(alice)
    url = f"/apps/{alice_app.pk}/inputs/delete/"
    response = client.get(url)
    assert response["Location"] == f"/apps/{alice_app.pk}/"
    assert "Choose the inputs to delete first." in client.get(response["Location"]).content.decode()
    refused = client.post(url, {"input": [item.pk, bobs.pk]})
    assert refused.status_code == 400 and bobs.__class__.objects.count() == 2
    client.force_login(bob)
    assert client.get(url, {"input": item.pk}).status_code == 404
    assert client.post(url, {"input": item.pk}).status_code == 404
    assert item.__class__.objects.filter(pk=item.pk).exists()


def test_it_needs_the_csrf_token_to_delete_inputs(alice, alice_app) -> None:
    item = input_with_result(alice_app)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(f"/apps/{alice_app.pk}/inputs/delete/", {"input": item.pk})
    assert response.status_code == 403
    assert item.__class__.objects.filter(pk=item.pk).exists()


def test_it_offers_the_text_layer_on_a_pdfs_rerun(client, alice, alice_app) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocr import services
    from tests.factories import FIXTURES

    data = (FIXTURES / "multicolumn.pdf").read_bytes()
    [pdf] = services.create_inputs(alice_app, SimpleUploadedFile("m.pdf", data))
    image = input_with_result(alice_app)
    client.force_login(alice)
    assert 'name="text_layer"' not in client.get(f"/inputs/{image.pk}/runs/").content.decode()
    form = client.get(f"/inputs/{pdf.pk}/runs/").content.decode()
    assert 'name="text_layer"' in form and "checked" not in form.split('name="text_layer"')[1][:40]

    client.post(f"/inputs/{pdf.pk}/runs/", {"workflow": "", "reading": "on", "text_layer": "on"})
    pdf.refresh_from_db()
    assert pdf.options["text_layer"] is True and pdf.runs.count() == 2
    retry = {"csrfmiddlewaretoken": "x"}  # all the grid's Retry sends
    client.post(f"/inputs/{pdf.pk}/runs/", retry, HTTP_HX_REQUEST="true")
    pdf.refresh_from_db()
    assert pdf.options["text_layer"] is True and pdf.runs.count() == 3  # kept
    client.post(f"/inputs/{pdf.pk}/runs/", {"workflow": "", "reading": "on"})  # unticked
    pdf.refresh_from_db()
    assert pdf.options["text_layer"] is False and pdf.runs.count() == 4
