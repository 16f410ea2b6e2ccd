"""What a keystroke and a live event cost in requests, counted on the workbench's own HTTP client against a real
server (issue 18): a claim from the queue is the POST and at most one GET (its answer is applied as is, the
window's own live event refetches nothing); another operator's action on a matter this window shows costs an
idle queue screen at most one request (the event carries what the rows and the counts need)."""

from __future__ import annotations

import httpx
import pytest

from huiyin.core.domain import Action, Status
from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.queue import QueueScreen

from .conftest import SAMPLE_PASSWORD, login, settle, wait_for

pytestmark = pytest.mark.anyio

#: the live stream's own request (one, opened at sign-in and kept): not a cost of what is measured
STREAM = ("GET", "/api/events")


def api_login(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10)
    token = client.post("/api/auth/login", json={"username": username, "password": SAMPLE_PASSWORD}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def record(base_url: str, title: str) -> str:
    """A walk-in matter recorded at the 回兴 center (it waits in the center's incoming queue)."""
    http = api_login(base_url, "huixing.center")
    try:
        made = http.post("/api/matters", json={"title": title, "channel": "walk_in", "resident_name": "Li"},
                         headers={"Idempotency-Key": f"count-{title}"})
    finally:
        http.close()
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


def sent_since(app, mark: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [r for r in app.api.sent[mark:] if r != STREAM]


def claimable(app) -> list[str]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(QueueTable)
    return [row.number for row in table.rows
            if row.status is Status.pending and Action.claim in app.allowed_for(row)]


async def test_a_claim_costs_the_post_and_at_most_one_get(make_app, tui_server) -> None:
    record(tui_server.base_url, "Claimed from the queue")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "huixing.center")
        await wait_for(pilot, lambda: bool(claimable(app)) and app.stream_connected)
        await settle(pilot)
        number = claimable(app)[0]
        table = app.screen.query_one(QueueTable)
        assert table.move_to_number(number)
        await settle(pilot)
        mark = len(app.api.sent)
        await pilot.press("c")
        # the claimed matter opens, shown from the POST's answer
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.number == number
                       and app.screen.matter is not None and app.screen.matter.status is Status.in_progress)
        claimed = app.screen.matter
        assert claimed is not None
        # and the window's own live event has come (and been taken as already known)
        await wait_for(pilot, lambda: (app.last_event_id or 0) >= claimed.events[-1].id)
        await settle(pilot)
        sent = sent_since(app, mark)
        posts = [r for r in sent if r[0] == "POST"]
        gets = [r for r in sent if r[0] == "GET"]
        assert posts == [("POST", f"/api/matters/{number}/claim")], sent
        assert len(gets) <= 1 and len(sent) == len(posts) + len(gets), sent
        # back on the queue, it has left the incoming queue
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                       and number not in [r.number for r in app.screen.query_one(QueueTable).rows])


async def test_a_live_event_on_an_idle_queue_costs_at_most_one_request(make_app, tui_server) -> None:
    record(tui_server.base_url, "Claimed at another window")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "huixing.center")
        await wait_for(pilot, lambda: bool(claimable(app)) and app.stream_connected)
        await settle(pilot)
        number = claimable(app)[-1]
        incoming = app.screen.counts.incoming
        mark = len(app.api.sent)
        other = api_login(tui_server.base_url, "huixing.center")  # a colleague at another window of the unit
        try:
            answer = other.post(f"/api/matters/{number}/claim", json={})
            assert answer.status_code == 200, answer.text
            event_id = answer.json()["events"][-1]["id"]
        finally:
            other.close()
        table = app.screen.query_one(QueueTable)
        await wait_for(pilot, lambda: (app.last_event_id or 0) >= event_id
                       and number not in [r.number for r in table.rows]
                       and app.screen.counts is not None and app.screen.counts.incoming == incoming - 1)
        await settle(pilot)
        sent = sent_since(app, mark)
        assert len(sent) <= 1, sent
