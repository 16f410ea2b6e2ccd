"""Fixtures of the workbench tests: a real embedded server (SQLite file, frozen ManualClock) per module, and
workbench apps pointed at it over HTTP. No mock server anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from huiyin.core.clock import ManualClock

#: Thursday 2026-11-26 10:00 in Chongqing, as in the server tests
FROZEN_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
SAMPLE_PASSWORD = "huiyin-sample"


def start_server(path: Path, *, sample_matters: bool = True):  # type: ignore[no-untyped-def]
    from huiyin.server.embedded import EmbeddedServer

    srv = EmbeddedServer(f"sqlite:///{path}", ManualClock(FROZEN_NOW), sample=True, sample_matters=sample_matters)
    srv.start()
    return srv


@pytest.fixture(scope="module")
def tui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One real server per test module: the sample district with its sample matters, clock frozen."""
    srv = start_server(tmp_path_factory.mktemp("tui-db") / "huiyin.db")
    yield srv
    srv.stop()


@pytest.fixture
def make_app(tui_server, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``make_app(lang="en", **kw)`` → a WorkbenchApp talking to the module's server over HTTP."""
    from huiyin.tui.app import WorkbenchApp
    from huiyin.tui.session import TokenStore

    made = iter(range(1000))

    def make(lang: str = "en", **kw):  # type: ignore[no-untyped-def]
        # each app is its own window: its own token file, so one never logs in with another's token
        state = tmp_path / f"state-{next(made)}" / "tokens.json"
        options = dict(server_url=tui_server.base_url, clock=tui_server.clock, language=lang,
                       token_store=TokenStore(state, tui_server.clock),
                       sample_mode=True, cursor_blink=False, retry_seconds=0.5)
        options.update(kw)
        return WorkbenchApp(**options)

    return make


async def wait_for(pilot, condition, timeout: float = 5.0, info=None) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (fails the test after ``timeout`` seconds)."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            details = info() if info else screen_text(pilot.app)
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}:\n{details}")
        await pilot.pause(0.02)
        await asyncio.sleep(0)


async def login(pilot, username: str, password: str = SAMPLE_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Log in through the login screen: type the username and password, press enter."""
    from huiyin.tui.screens.login import LoginScreen
    from huiyin.tui.screens.queue import QueueScreen

    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
    app.screen.query_one("#username").focus()
    await pilot.press(*username, "enter")
    await pilot.press(*password, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.query_one("QueueTable").loaded_once)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows now, as plain text (one line per row; a wide character is one char)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip).rstrip() for strip in strips)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
