"""Snapshots of countdowns at a frozen time: a queue with on-track (+), at-risk (!) and overdue (X) rows, the
header's at-risk and overdue counts, the supervisor's overdue tab (5), the calendar warning for 2027, and a
matter's detail with its deadline, a pending extension request and the supervision notice (督办). The matters
are recorded at their own times on the module's own server (``start_deadline_server``); these tests only read.
Regenerate with ``pytest tests/tui --snapshot-update`` and look at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.detail import DetailScreen

from .conftest import (
    DEADLINE_APPROVER,
    DEADLINE_SUPERVISOR,
    build_app,
    logged_in_as,
    settle,
    showing_queue,
    start_deadline_server,
    wait_for,
)


@pytest.fixture(scope="module")
def deadline_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, dict[str, str]]]:
    srv, numbers = start_deadline_server(tmp_path_factory.mktemp("deadline-db") / "huiyin.db")
    yield srv, numbers
    srv.stop()


async def _logged_in(pilot) -> None:  # type: ignore[no-untyped-def]
    await logged_in_as(pilot, DEADLINE_SUPERVISOR)


def _queue(key: str):  # type: ignore[no-untyped-def]
    return showing_queue(DEADLINE_SUPERVISOR, key)


def _detail(key: str):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        # the district's supervisor decides the 回兴 center's extension requests (and sees its resident masked)
        await logged_in_as(pilot, DEADLINE_APPROVER)
        await pilot.press("5")  # all
        table = app.screen.query_one(QueueTable)
        number = app.deadline_numbers[key]
        await wait_for(pilot, lambda: table.loaded_once and any(r.number == number for r in table.rows))
        table.move_to_number(number)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
        await settle(pilot)
    return run


CASES = {
    # (screen, lang, size)
    ("incoming", "zh-CN", "80x24"): _queue("1"),
    ("incoming", "en", "80x24"): _queue("1"),
    ("incoming", "zh-CN", "120x40"): _queue("1"),
    ("incoming", "en", "120x40"): _queue("1"),
    ("overdue", "en", "120x40"): _queue("6"),
    ("detail_extension", "zh-CN", "80x24"): _detail("extension"),
    ("detail_extension", "en", "120x40"): _detail("extension"),
    ("detail_on_track", "en", "80x24"): _detail("on_track"),
}
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: "-".join(c))
def test_deadline_snapshot(snap_compare, deadline_server, tmp_path, case) -> None:  # type: ignore[no-untyped-def]
    srv, numbers = deadline_server
    screen, lang, size = case
    app = build_app(srv, tmp_path, lang, live=False)
    app.deadline_numbers = numbers  # type: ignore[attr-defined]
    assert snap_compare(app, terminal_size=SIZES[size], run_before=CASES[case])
