"""Fixtures of the workbench tests: a real embedded server (SQLite file, frozen ManualClock) per module, and
workbench apps pointed at it over HTTP. No mock server anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from huiyin.core.clock import ManualClock

#: Thursday 2026-11-26 10:00 in Chongqing, as in the server tests
FROZEN_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
SAMPLE_PASSWORD = "huiyin-sample"


def start_server(path: Path, *, sample_matters: bool = True,  # type: ignore[no-untyped-def]
                 supervise_seconds: float | None = None):
    from huiyin.server.serving.embedded import EmbeddedServer

    srv = EmbeddedServer(f"sqlite:///{path}", ManualClock(FROZEN_NOW), sample=True, sample_matters=sample_matters,
                         supervise_seconds=supervise_seconds)
    srv.start()
    return srv


@pytest.fixture(scope="module")
def tui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One real server per test module: the sample district with its sample matters, clock frozen."""
    srv = start_server(tmp_path_factory.mktemp("tui-db") / "huiyin.db")
    yield srv
    srv.stop()


def build_app(server, state_dir: Path, lang: str = "en", **options):  # type: ignore[no-untyped-def]
    """A workbench app for tests, made by the app factory the ``huiyin`` command uses (``testing``: no
    animations, no blinking cursor), talking to ``server`` over HTTP with its own token file in ``state_dir``."""
    from huiyin.tui.factory import make_app as factory

    options.setdefault("retry_seconds", 0.5)
    return factory(server_url=server.base_url, clock=server.clock, language=lang, state_dir=state_dir,
                   testing=True, **options)


def build_embedded_app(server, state_dir: Path, lang: str = "en", **options):  # type: ignore[no-untyped-def]
    """A workbench app that starts its own built-in server, as ``huiyin`` without ``--server`` does, on the
    database of ``server`` (so it sees the same district): set ``HUIYIN_DATABASE_URL`` to
    ``server.settings.database_url`` first (with monkeypatch), the launcher reads it."""
    from huiyin.tui.factory import make_app as factory

    return factory(clock=server.clock, language=lang, state_dir=state_dir, data_dir=state_dir / "data",
                   testing=True, **options)


@pytest.fixture
def make_app(tui_server, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``make_app(lang="en", **kw)`` → a WorkbenchApp talking to the module's server over HTTP."""
    made = iter(range(1000))

    def make(lang: str = "en", state_dir: Path | None = None, **kw):  # type: ignore[no-untyped-def]
        # each app is its own window: its own token file, so one never logs in with another's token
        # (unless a test restarts the same window: the same ``state_dir``)
        return build_app(tui_server, state_dir or tmp_path / f"state-{next(made)}", lang, **kw)

    return make


async def wait_for(pilot, condition, timeout: float = 10.0, info=None) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (fails the test after ``timeout`` seconds)."""
    import asyncio
    import time

    from textual.css.query import NoMatches

    def holds() -> bool:
        try:
            return bool(condition())
        except NoMatches:  # the screen is there but not composed yet (a loaded machine): not yet
            return False

    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            details = info() if info else screen_text(pilot.app)
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}:\n{details}")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the screen is still: no loads running (workers of the app and its screens; the live event
    stream excepted), no animation scheduled or running, then one more refresh. Snapshots are taken after this
    (with animations off and the clock frozen) so they never catch a tab underline half-way."""
    app = pilot.app

    def busy() -> list[object]:
        return [w for w in app.workers if not w.is_finished and w.group != "events"]

    await wait_for(pilot, lambda: not busy(), info=lambda: repr(busy()))
    await pilot.wait_for_scheduled_animations()
    # what is drawn after a refresh (the tab underline follows a relabelled tab one refresh later): wait until
    # three screenshots a moment apart are the same (two could both come before a repaint a loaded machine
    # is late with)
    shots = [app.export_screenshot()]
    while len(shots) < 80:
        await pilot.pause(0.05)
        shots.append(app.export_screenshot())
        if len(shots) >= 3 and shots[-1] == shots[-2] == shots[-3] and not busy():
            return
    raise AssertionError("the screen did not settle within 4 s")


async def login(pilot, username: str, password: str = SAMPLE_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Log in through the login screen: type the username and password, press enter."""
    from huiyin.tui.screens.login import LoginScreen
    from huiyin.tui.screens.queue import QueueScreen

    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
    app.screen.query_one("#username").focus()
    await pilot.press(*username, "enter")
    await pilot.press(*password, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                   and app.screen.query_one("QueueTable").loaded_once)


def snapshot_of(snap_compare, make_app, run, lang: str, size: tuple[int, int],  # type: ignore[no-untyped-def]
                theme: str | None) -> bool:
    """A snapshot of a workbench in ``lang`` at ``size`` (``theme``: e.g. the 16-colour one) after ``run``."""
    app = make_app(lang=lang, live=False, **({"theme": theme} if theme else {}))
    return snap_compare(app, terminal_size=size, run_before=run)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows now, as plain text (one line per row; a wide character is one char)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip).rstrip() for strip in strips)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# ------------------------------------------------------------------------------------------ deadline scenario

#: (key, recorded at (local Chongqing time), title, complexity, steps as (username, action, body))
DEADLINE_MATTERS = [
    # simple, recorded Monday: due Thu 11-26 17:30, 7.5 working hours left at FROZEN_NOW: at risk
    ("at_risk", "2026-11-23T09:00", "Streetlight out on Xingke Road", "simple", []),
    # simple, recorded the Thursday before: due Tue 11-24 17:30: overdue
    ("overdue", "2026-11-19T15:00", "Blocked drain at No. 8", "simple", []),
    # complex, recorded yesterday: due in 7 working days: on track
    ("on_track", "2026-11-25T11:00", "Old estate renovation request", "complex", []),
    # simple, recorded this morning: due Tue 12-01: on track
    ("fresh", "2026-11-26T09:10", "Pension certificate at home", "simple", []),
    # claimed and worked on, overdue, with an extension request waiting for the supervisor
    ("extension", "2026-11-20T10:00", "Elevator keeps failing", "simple",
     [("huixing.center", "claim", {}),
      ("huixing.center", "request_extension", {"days": 3, "reason": "waiting for the maintenance firm"})]),
]
DEADLINE_UNIT_USER = "huixing.center"
DEADLINE_SUPERVISOR = "huixing.supervisor"
#: who decides the 回兴 center's extension requests: a supervisor of a unit above it (never its own)
DEADLINE_APPROVER = "district.supervisor"


def start_deadline_server(path: Path):  # type: ignore[no-untyped-def]
    """A sample district without the sample matters, and the matters of :data:`DEADLINE_MATTERS` recorded at
    the 回兴街道 service center at their own times; then the clock stands at FROZEN_NOW and one supervision pass
    has given its notices. Background supervision is off (it would give notices at whatever time the clock
    showed): tests call ``supervise_once`` themselves. Returns ``(server, {key: number})``."""
    import httpx

    from huiyin.server.matters.supervision import supervise_once
    from huiyin.server.serving.embedded import EmbeddedServer

    clock = ManualClock(FROZEN_NOW)
    srv = EmbeddedServer(f"sqlite:///{path}", clock, sample=True, sample_matters=False, supervise_seconds=3600)
    srv.start()
    numbers: dict[str, str] = {}
    with httpx.Client(base_url=srv.base_url, timeout=10) as http:
        def auth(username: str) -> dict[str, str]:
            # a fresh login at the clock's time: a token from another time may have expired there
            token = http.post("/api/auth/login", json={"username": username, "password": SAMPLE_PASSWORD}).json()
            return {"Authorization": f"Bearer {token['token']}"}

        for key, at, title, complexity, steps in DEADLINE_MATTERS:
            when = datetime.fromisoformat(at + "+08:00")
            clock.set(when)
            made = http.post("/api/matters", headers={**auth(DEADLINE_UNIT_USER), "Idempotency-Key": key},
                             json={"title": title, "channel": "walk_in", "complexity": complexity,
                                   "resident_name": "Resident " + key, "resident_phone": "13800000000"})
            assert made.status_code == 201, made.text
            numbers[key] = made.json()["number"]
            for minutes, (username, action, body) in enumerate(steps, start=1):
                clock.set(when + timedelta(minutes=20 * minutes))
                done = http.post(f"/api/matters/{numbers[key]}/{action}", headers=auth(username), json=body)
                assert done.status_code == 200, done.text
    clock.set(FROZEN_NOW)
    supervise_once(srv.ctx)
    return srv, numbers


async def logged_in_as(pilot, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in by the app's own login call (not by typing) and wait until the queue and its counts are shown."""
    from huiyin.tui.components.queue_table import QueueTable
    from huiyin.tui.screens.queue import QueueScreen

    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "ready", False))
    await app.login(username, SAMPLE_PASSWORD)
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                   and app.screen.query_one(QueueTable).loaded_once and app.screen.counts is not None)
    await settle(pilot)


def showing_queue(username: str, key: str):  # type: ignore[no-untyped-def]
    """A snapshot's ``run_before``: log in as ``username`` and switch to the queue of tab ``key``."""
    from huiyin.tui.components.queue_table import QueueTable

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await logged_in_as(pilot, username)
        if key != "1":
            await pilot.press(key)
            table = pilot.app.screen.query_one(QueueTable)
            await wait_for(pilot, lambda: table.loaded_once and pilot.app.screen.queue.value in str(
                pilot.app.screen.query_one("Tabs").active))
        await settle(pilot)
    return run
