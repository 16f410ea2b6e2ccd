"""Countdowns move with the injected clock: the server's ManualClock is the app's clock; the test moves it and
sees a row's countdown change and the row turn overdue (glyph and word) within a second or so, then the
supervision notice (督办) arrive by itself in the open matter's timeline. Also: the extension dialog checks its
days, and the calendar warning line never breaks the screen when the endpoint fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from huiyin.server.matters.supervision import supervise_once
from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.action_dialog import ActionDialog
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.queue import QueueScreen

from .conftest import (
    DEADLINE_APPROVER,
    DEADLINE_UNIT_USER,
    FROZEN_NOW,
    SAMPLE_PASSWORD,
    build_app,
    screen_text,
    start_deadline_server,
    wait_for,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, dict[str, str]]]:
    srv, numbers = start_deadline_server(tmp_path_factory.mktemp("clock-db") / "huiyin.db")
    yield srv, numbers
    srv.stop()


def _app(srv, tmp_path, **kw):  # type: ignore[no-untyped-def]
    return build_app(srv, tmp_path, "en", **kw)


def row_text(app, number: str) -> str:  # type: ignore[no-untyped-def]
    return next((line for line in screen_text(app).splitlines() if number in line), "")


async def _login(pilot, username: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "ready", False))
    await app.login(username, SAMPLE_PASSWORD)
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                   and app.screen.query_one(QueueTable).loaded_once and app.counts is not None)


async def test_the_clock_moves_the_countdowns_and_supervision_arrives(clock_server, tmp_path) -> None:
    srv, numbers = clock_server
    clock = srv.clock
    at_risk = numbers["at_risk"]  # due Thu 2026-11-26 17:30; 7.5 working hours left at 10:00
    app = _app(srv, tmp_path)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await _login(pilot, DEADLINE_UNIT_USER)
            assert "! 7h" in row_text(app, at_risk)
            assert "! 1 at risk" in screen_text(app) and "X 2 overdue" in screen_text(app)

            # two hours later the row says so by itself (the screen looks at the clock every second)
            clock.advance(timedelta(hours=2))
            await wait_for(pilot, lambda: "! 5h" in row_text(app, at_risk), timeout=3)

            # open it: the detail counts down too
            table = app.screen.query_one(QueueTable)
            assert table.move_to_number(at_risk)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
            assert "! 5h" in screen_text(app)
            events_before = len(app.screen.matter.events)

            # past the close of the day: overdue, with its glyph and word, in the detail...
            clock.set(FROZEN_NOW + timedelta(hours=7, minutes=31))  # 17:31 in Chongqing
            await wait_for(pilot, lambda: "X overdue 0h" in screen_text(app), timeout=3)
            # ...and the server's supervision pass writes its notice, which arrives live in the timeline
            assert supervise_once(srv.ctx) >= 1
            await wait_for(pilot, lambda: len(app.screen.matter.events) > events_before, timeout=5)
            await wait_for(pilot, lambda: "X supervision  deadline passed" in screen_text(app), timeout=3)

            # back in the queue the row has turned overdue, and the header counts it
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
            await wait_for(pilot, lambda: "X overdue 0h" in row_text(app, at_risk), timeout=3)
            await wait_for(pilot, lambda: "! 0 at risk" in screen_text(app) and "X 3 overdue" in screen_text(app),
                           timeout=3)
    finally:
        clock.set(FROZEN_NOW)


async def test_extension_request_and_approval_by_key(clock_server, tmp_path) -> None:
    srv, numbers = clock_server
    app = _app(srv, tmp_path, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, DEADLINE_UNIT_USER)
        number = numbers["on_track"]
        table = app.screen.query_one(QueueTable)
        assert table.move_to_number(number)
        await pilot.pause()
        assert "d" not in app.screen.active_bindings or not app.screen.check_action(
            "workflow", ("request_extension",))  # pending: claim first
        await pilot.press("c")
        await wait_for(pilot, lambda: any("Claim" in n.message for n in app._notifications))
        # the claimed matter opens: the clerk works on it there
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None
                       and app.screen.number == number)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        await pilot.press(*"45", "ctrl+s")  # days first; 45 is too many
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog) and "from 1 to 30" in screen_text(app)
        await pilot.press("backspace", "backspace", "5", "tab")
        await pilot.press(*"site survey needed", "enter", "enter")  # enter moves on to the button, which sends
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None
                       and app.screen.matter.extension_days_requested == 5)
        await pilot.press("escape", "2")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await wait_for(pilot, lambda: any(r.number == number and r.extension_days_requested == 5
                                          for r in app.screen.query_one(QueueTable).rows))

    # the supervisor approves it with g: the deadline moves 5 working days
    supervisor = _app(srv, tmp_path / "sup", live=False)
    async with supervisor.run_test(size=(120, 40)) as pilot:
        await _login(pilot, DEADLINE_APPROVER)  # a unit above the requester decides, never the requester
        await pilot.press("5")
        table = supervisor.screen.query_one(QueueTable)
        await wait_for(pilot, lambda: any(r.number == number for r in table.rows))
        before = next(r.due_at for r in table.rows if r.number == number)
        assert table.move_to_number(number)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(supervisor.screen, DetailScreen)
                       and supervisor.screen.matter is not None)
        assert "5 more working days asked for" in screen_text(supervisor)
        await pilot.press("g")
        await wait_for(pilot, lambda: supervisor.screen.matter.extension_days_requested is None, timeout=5)
        assert supervisor.screen.matter.due_at > before
        assert "extension approved" in screen_text(supervisor) and "new deadline" in screen_text(supervisor)


async def test_the_calendar_warning_and_a_failing_endpoint(clock_server, tmp_path, monkeypatch) -> None:
    from huiyin.tui.client import ApiClient, Unreachable

    srv, _ = clock_server

    async def broken(self):  # type: ignore[no-untyped-def]
        raise Unreachable("calendar status went away")

    monkeypatch.setattr(ApiClient, "calendar_status", broken)
    app = _app(srv, tmp_path, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, DEADLINE_UNIT_USER)
        assert app.rules.warnings == () and "holiday schedule" not in screen_text(app)
        monkeypatch.undo()
        await pilot.press("ctrl+r")  # refresh: the warning comes back with the others
        await wait_for(pilot, lambda: any(w.year == 2027 for w in app.rules.warnings))
        await pilot.pause()
        # a clerk cannot act on it: no warning line (the countdowns it affects carry the provisional mark)
        assert "holiday schedule unknown" not in screen_text(app)


async def test_the_calendar_warning_is_for_admins_and_clerks_see_provisional_countdowns(tmp_path) -> None:
    """The warning line is for admins, who can load a year's holidays; a clerk sees ``*`` on a countdown that
    runs into 2027 (holidays unknown, counted Mon-Fri) and nowhere else. On today's main every clerk saw the
    line and no countdown was marked."""
    import httpx

    from .conftest import start_server

    srv = start_server(tmp_path / "huiyin.db", sample_matters=False, supervise_seconds=3600)
    try:
        srv.clock.set(datetime(2026, 12, 28, 2, 0, tzinfo=UTC))  # Monday 10:00 in Chongqing
        with httpx.Client(base_url=srv.base_url, timeout=10) as http:
            token = http.post("/api/auth/login", json={"username": DEADLINE_UNIT_USER,
                                                       "password": SAMPLE_PASSWORD}).json()["token"]
            made = {}
            for key, complexity in (("late", "complex"), ("soon", "simple")):
                answer = http.post("/api/matters", json={"title": f"Matter {key}", "channel": "walk_in",
                                                         "resident_name": "Li", "complexity": complexity},
                                   headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
                assert answer.status_code == 201, answer.text
                made[key] = answer.json()["number"]
        app = _app(srv, tmp_path / "clerk", live=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await _login(pilot, DEADLINE_UNIT_USER)
            text = screen_text(app)
            assert "holiday schedule unknown" not in text
            late, soon = row_text(app, made["late"]), row_text(app, made["soon"])
            assert late.rstrip().endswith("?"), late  # due in 2027: provisional
            assert not soon.rstrip().endswith("*"), soon  # due on 2026-12-31: counted with known holidays
        admin = _app(srv, tmp_path / "admin", live=False)
        async with admin.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: getattr(admin.screen, "ready", False))
            await admin.login("admin", SAMPLE_PASSWORD)
            await wait_for(pilot, lambda: "2027 holiday schedule unknown: counting Mon-Fri" in screen_text(admin))
    finally:
        srv.stop()
