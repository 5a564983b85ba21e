"""Two people correcting one page at the same moment, over real HTTP: every change either lands
or answers 409 with the current region; nothing is lost silently."""

from __future__ import annotations

import threading

import pytest
import requests
from rest_framework.authtoken.models import Token

from ocr.models import Region
from tests.factories import input_with_result

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6


def _session(user) -> requests.Session:
    session = requests.Session()
    token, _ = Token.objects.get_or_create(user=user)
    session.headers["Authorization"] = f"Token {token.key}"
    return session


def test_two_people_drawing_deleting_and_editing_at_once_lose_nothing(
    live_server, alice, bob, alice_app
) -> None:
    alice_app.members.add(bob)
    item = input_with_result(alice_app, tuple(f"line {i}" for i in range(8)))
    lines = list(Region.objects.filter(page__input=item).order_by("order"))
    shared = lines[0]
    api = f"{live_server.url}/api/v1"
    start = threading.Barrier(2)
    outcomes: dict[str, list[int]] = {}

    def work(user, name: str, own: list[Region]) -> None:
        session = _session(user)
        codes = []
        start.wait()
        # Both edit the same line from the same version: one wins, the other is told.
        codes.append(
            session.patch(
                f"{api}/regions/{shared.pk}/", json={"version": 1, "text": f"shared by {name}"}
            ).status_code
        )
        for i in range(ROUNDS):
            top = 300 + 14 * i + (7 if name == "bob" else 0)
            drawn = session.post(
                f"{api}/inputs/{item.pk}/pages/0/regions/",
                json={"polygon": [[320, top], [600, top], [600, top + 5], [320, top + 5]],
                      "text": f"{name} drew {i}"},
            )  # fmt: skip
            codes.append(drawn.status_code)
        edited, deleted = own
        codes.append(
            session.patch(
                f"{api}/regions/{edited.pk}/", json={"version": 1, "text": f"{name} edited"}
            ).status_code
        )
        codes.append(session.delete(f"{api}/regions/{deleted.pk}/?version=1").status_code)
        outcomes[name] = codes

    threads = [
        threading.Thread(target=work, args=(alice, "alice", [lines[1], lines[2]])),
        threading.Thread(target=work, args=(bob, "bob", [lines[3], lines[4]])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted([outcomes["alice"][0], outcomes["bob"][0]]) == [200, 409]
    for name in ("alice", "bob"):
        assert outcomes[name][1:] == [201] * ROUNDS + [200, 204], outcomes
    page = requests.get(f"{api}/inputs/{item.pk}/result/", headers=_session(alice).headers).json()[
        "pages"
    ][0]
    texts = [r["text"] for r in page["regions"]]
    winner = "alice" if outcomes["alice"][0] == 200 else "bob"
    assert f"shared by {winner}" in texts
    for name in ("alice", "bob"):
        assert f"{name} edited" in texts
        assert all(f"{name} drew {i}" in texts for i in range(ROUNDS))
    assert "line 2" not in texts and "line 4" not in texts
    assert len(texts) == 8 - 2 + 2 * ROUNDS
    assert [r["order"] for r in page["regions"]] == list(range(len(texts)))
