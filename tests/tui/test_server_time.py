"""The workbench tells the server's time: a demo server's simulated day passes in a few real seconds, the
countdowns and the supervision (督办) entries follow it, and nobody is signed out (tokens run on the wall clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from huiyin.core.clock import SimulatedClock
from huiyin.server.serving.embedded import EmbeddedServer
from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.queue import QueueScreen
from huiyin.tui.servertime import ServerTime

from .conftest import FROZEN_NOW, SAMPLE_PASSWORD, screen_text, wait_for

CLERK = "huixing.center"


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedServer, str]]:
    """A demo server whose clock is paused at Monday 09:00; a matter recorded then (due Thursday 17:30), and the
    clock moved to Thursday 10:00 (FROZEN_NOW): at risk, 7.5 working hours left."""
    clock = SimulatedClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC), speed=0.0)
    srv = EmbeddedServer(f"sqlite:///{tmp_path_factory.mktemp('sim') / 'sim.db'}", clock, sample=True,
                         sample_matters=False, demo=True, supervise_seconds=0.2)
    srv.start()
    with httpx.Client(base_url=srv.base_url, timeout=10) as http:
        token = http.post("/api/auth/login", json={"username": CLERK, "password": SAMPLE_PASSWORD}).json()["token"]
        made = http.post("/api/matters", headers={"Authorization": f"Bearer {token}"},
                         json={"title": "Streetlight out", "channel": "walk_in", "resident_name": "Chen"})
        assert made.status_code == 201, made.text
    clock.set(FROZEN_NOW)
    yield srv, made.json()["number"]
    srv.stop()


def row_text(app, number: str) -> str:  # type: ignore[no-untyped-def]
    return next((line for line in screen_text(app).splitlines() if number in line), "")


@pytest.mark.anyio
async def test_a_simulated_day_passes_in_seconds(sim_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from huiyin.tui.factory import make_app

    srv, number = sim_server
    clock: SimulatedClock = srv.clock
    # no clock of its own: the workbench tells the time the server's answers say
    app = make_app(server_url=srv.base_url, language="en", state_dir=tmp_path, testing=True, clock_sync_seconds=0.2)
    assert isinstance(app.clock, ServerTime)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "ready", False))
        await app.login(CLERK, SAMPLE_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                       and app.screen.query_one(QueueTable).loaded_once)
        await wait_for(pilot, lambda: "! 7h" in row_text(app, number))
        assert abs((app.clock.now() - FROZEN_NOW).total_seconds()) < 1

        # a simulated day in about two real seconds
        clock.set_speed(86400 / 2)
        await wait_for(pilot, lambda: "X overdue" in row_text(app, number), timeout=10)
        await wait_for(pilot, lambda: clock.now() > FROZEN_NOW + timedelta(days=1), timeout=10)
        clock.pause()
        # the workbench's time is the server's (within the moment an answer takes)
        await wait_for(pilot, lambda: abs((app.clock.now() - clock.now()).total_seconds()) < 1, timeout=5)
        # supervision followed the simulated time: its entries are in the matter's timeline
        detail = await app.api.matter(number)
        assert {"at_risk", "overdue", "claim_overdue"} <= {str(e.kind) for e in detail.events}
        # more than a day of simulated time, and still signed in (tokens last 12 hours of the wall clock)
        assert app.operator is not None and (await app.api.me()).username == CLERK
        assert not any("expired" in n.message for n in app._notifications)


def test_clock_freezes_only_the_builtin_server(capsys: pytest.CaptureFixture[str]) -> None:
    """``--clock`` freezes the built-in server's clock; a remote server keeps its own time, so it is refused."""
    from huiyin.tui.cli import main

    assert main(["--server", "http://127.0.0.1:9", "--clock", "2026-11-26T10:00+08:00"]) == 2
    assert "a remote server keeps its own" in capsys.readouterr().err
    assert main(["--clock", "yesterday"]) == 2
    assert "not an ISO 8601 time" in capsys.readouterr().err
