"""The explorer page as the server renders it: what its editing script needs, the input's runs,
an earlier run's own reading shown read-only, and nothing of it for another user."""

from __future__ import annotations

import pytest

from ocr.models import Run
from ocr.services import regions as corrections
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db


def test_it_renders_what_editing_needs(client, alice, alice_app) -> None:
    item = input_with_result(alice_app, ("alpha", "beta"))
    client.force_login(alice)
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    assert f'data-draw-url="/api/v1/inputs/{item.pk}/pages/0/regions/"' in html
    assert f'data-verified-url="/api/v1/inputs/{item.pk}/pages/0/verified/"' in html
    assert 'id="line-editor"' in html and 'id="page-verified"' in html
    assert 'data-tool="rectangle"' in html and 'data-action="undo"' in html
    assert "data-readonly" not in html
    # Numbered explicitly, so filtering the list never renumbers it.
    assert '<li value="1" data-region-id=' in html and '<li value="2" data-region-id=' in html


def test_it_shows_the_verified_state_of_the_page(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    corrections.set_verified(item.pages.get(), True, user=alice)
    client.force_login(alice)
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    assert 'id="page-verified" checked' in html


def test_it_lists_the_inputs_runs_and_shows_an_earlier_ones_reading_read_only(
    client, alice, alice_app
) -> None:
    item = input_with_result(alice_app, ("as first read", "second"))
    first_run = item.runs.get()
    region = item.pages.get().regions.get(text="as first read")
    corrections.edit_region(region, region.version, user=alice, text="as corrected")
    later = Run.objects.create(
        input=item, workflow_name="fast", workflow_nodes=first_run.workflow_nodes
    )
    client.force_login(alice)

    current = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    assert "as corrected" in current and "as first read" not in current
    assert f'data-run-id="{later.pk}"' in current and f'data-run-id="{first_run.pk}"' in current
    assert current.index(f'data-run-id="{later.pk}"') < current.index(
        f'data-run-id="{first_run.pk}"'
    )  # newest first
    assert f'href="/inputs/{item.pk}/pages/0/?run={first_run.pk}"' in current

    old = client.get(f"/inputs/{item.pk}/pages/0/?run={first_run.pk}").content.decode()
    assert "as first read" in old and "as corrected" not in old
    assert "data-readonly" in old and 'id="line-editor"' not in old
    assert f"Run {first_run.pk}'s own reading" in old
    assert old.count("data-region-id=") == 4  # two polygons, two list entries

    unread = client.get(f"/inputs/{item.pk}/pages/0/?run={later.pk}").content.decode()
    assert f"Run {later.pk} did not read this page." in unread


def test_it_answers_404_for_a_run_of_another_input_or_user(client, alice, bob, alice_app) -> None:
    item = input_with_result(alice_app)
    other = input_with_result(alice_app)
    client.force_login(alice)
    other_run = other.runs.get().pk
    assert client.get(f"/inputs/{item.pk}/pages/0/?run={other_run}").status_code == 404
    assert client.get(f"/inputs/{item.pk}/pages/0/?run=nonsense").status_code == 404
    client.force_login(bob)
    run = item.runs.get().pk
    assert client.get(f"/inputs/{item.pk}/pages/0/?run={run}").status_code == 404


def test_a_failed_input_says_it_failed_not_that_it_is_waiting(client, alice, alice_app) -> None:
    item = input_with_result(alice_app)
    item.pages.all().delete()
    Run.objects.filter(input=item).update(status=Run.Status.FAILED, error="Page 1 is unreadable.")
    client.force_login(alice)
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    assert "has not been read yet" not in html and "refreshes" not in html
    assert "This input could not be read: Page 1 is unreadable." in html
    assert f'href="/inputs/{item.pk}/runs/"' in html


def test_it_says_the_latest_run_failed_above_an_older_result(client, alice, alice_app) -> None:
    from ocr import services

    item = input_with_result(alice_app, ("alpha",))
    first = item.runs.get()
    again = services.start_run(item)
    Run.objects.filter(pk=again.pk).update(status=Run.Status.FAILED, error="Out of memory.")
    client.force_login(alice)
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    when = first.created.strftime("%Y-%m-%d %H:%M")
    assert f"The latest run ({again.pk}) failed: Out of memory." in html
    assert f"Showing the result of run {first.pk} from" in html and when in html
    assert "alpha" in html  # the older result is still shown

    Run.objects.filter(pk=again.pk).update(status=Run.Status.RUNNING, error="")
    html = client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
    assert f"Run {again.pk} is reading this input again (" in html
    # The page watches the newer run, so it refreshes when that one finishes.
    assert html.count('id="run-status"') == 1
    assert f'id="run-status" data-done="0" data-run-url="/api/v1/runs/{again.pk}/"' in html
    Run.objects.filter(pk=again.pk).update(status=Run.Status.SUCCEEDED)
    assert 'id="run-note"' not in client.get(f"/inputs/{item.pk}/pages/0/").content.decode()
