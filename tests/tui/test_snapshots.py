"""Snapshots of what a clerk sees, at 80x24 and 120x40, in Chinese and English, with the clock frozen and the
cursor not blinking. Data comes from the module's real server (the sample district's matters); these tests
only read, so they can share it. Regenerate with ``pytest tests/tui --snapshot-update`` and look at them."""

from __future__ import annotations

import pytest

from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.record import RecordScreen

from .conftest import build_embedded_app, logged_in_as, settle, showing_queue, wait_for

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
LANGS = ["zh-CN", "en"]
#: the town service center of 回兴街道 has matters in every queue of the sample district
OPERATOR = "huixing.center"
#: the sample matter with the longest cross-tier timeline in its queues
TIMELINE_MATTER = "YB-2026-000001"


async def _logged_in(pilot) -> None:  # type: ignore[no-untyped-def]
    await logged_in_as(pilot, OPERATOR)


def _queue(key: str):  # type: ignore[no-untyped-def]
    return showing_queue(OPERATOR, key)


async def _login(pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "ready", False))
    await settle(pilot)


async def _detail(pilot) -> None:  # type: ignore[no-untyped-def]
    await _logged_in(pilot)
    app = pilot.app
    await pilot.press("5")  # all
    table = app.screen.query_one(QueueTable)
    await wait_for(pilot, lambda: table.loaded_once and any(r.number == TIMELINE_MATTER for r in table.rows))
    table.move_to_number(TIMELINE_MATTER)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
    await settle(pilot)


async def _record_error(pilot) -> None:  # type: ignore[no-untyped-def]
    await _logged_in(pilot)
    app = pilot.app
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
    app.screen.query_one("#f-resident_phone").focus()
    await pilot.press(*"12345", "ctrl+s")
    await settle(pilot)


async def _record_duplicate(pilot) -> None:  # type: ignore[no-untyped-def]
    """The record form with a possible duplicate: the phone of a sample matter still open (陈大爷's)."""
    from huiyin.tui.components.similar import SimilarMatters

    await _logged_in(pilot)
    app = pilot.app
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
    await pilot.press(*"路灯坏了", "enter", *"陈大爷", "enter", *"13812340005")
    await wait_for(pilot, lambda: bool(app.screen.query_one(SimilarMatters).matters))
    await pilot.pause(0.1)


async def _help(pilot) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Static

    await _logged_in(pilot)
    await pilot.press("question_mark")
    await settle(pilot)
    # the server line carries the test server's port, new each run: the same placeholder every time
    line = pilot.app.screen.query_one("#help-server", Static)
    line.update(str(line.render()).replace(pilot.app.server_url, "http://127.0.0.1:PORT"))
    await settle(pilot)


SCREENS = {
    "login": _login,
    "incoming": _queue("1"),
    "in_hand": _queue("2"),
    "below": _queue("3"),
    "sent_on": _queue("4"),
    "all": _queue("5"),
    "detail": _detail,
    "record_error": _record_error,
    "help": _help,
    "record_duplicate": _record_duplicate,
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_snapshot(snap_compare, make_app, tui_server, tmp_path, monkeypatch, screen: str, lang: str,
                  size: str) -> None:
    if screen == "login":
        # the built-in server, as a new user starts it (and its label does not carry the test server's port)
        monkeypatch.setenv("HUIYIN_DATABASE_URL", tui_server.settings.database_url)
        app = build_embedded_app(tui_server, tmp_path, lang, live=False)
    else:
        app = make_app(lang=lang, live=False)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])
