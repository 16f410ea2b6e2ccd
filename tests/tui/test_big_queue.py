"""A 100,000-row queue must not freeze the screen. The rows are the server's own: 100,000 pending matters
recorded at 双湖路社区 (``huiyin.server.matters.bulk.bulk_record``) in a separate server's database, and the workbench
logged in there pages through its real incoming queue over HTTP. The table renders only the visible lines and
asks for pages as the cursor reaches them. Timings are in ``bench/bench_tui_queue.py``; this test checks the
behaviour (first paint, cursor moves, a jump to the end that never blocks)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.queue import QueueScreen

from .conftest import SAMPLE_PASSWORD, build_app, screen_text, start_server, wait_for

pytestmark = pytest.mark.anyio

ROWS = 100_000
USER = "shuanghu"


def start_big_server(path: Path, rows: int = ROWS):  # type: ignore[no-untyped-def]
    """A sample district without sample matters, plus ``rows`` pending matters at 双湖路社区."""
    from huiyin.server.matters.bulk import bulk_record

    srv = start_server(path, sample_matters=False, supervise_seconds=3600)
    bulk_record(srv.ctx, USER, rows)
    return srv


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    srv = start_big_server(tmp_path_factory.mktemp("big-db") / "big.db")
    yield srv
    srv.stop()


def make_big_app(srv, tmp: Path):  # type: ignore[no-untyped-def]
    return build_app(srv, tmp, "en", live=False)


async def test_a_100k_row_server_queue_stays_responsive(big_server, tmp_path: Path) -> None:
    app = make_big_app(big_server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "ready", False))
        started = time.perf_counter()
        await app.login(USER, SAMPLE_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                       and app.screen.query_one(QueueTable).loaded_once, timeout=15)
        first_paint = time.perf_counter() - started
        table = app.screen.query_one(QueueTable)
        # one page fetched, the scrollbar knows all 100,000 rows, the most urgent first
        assert table.total == ROWS and len(table.rows) == table.page_size
        assert table.virtual_size.height == ROWS + 1
        first = table.rows[0]
        assert first.number in screen_text(app) and "X overdue" in screen_text(app)
        assert [r.due_at for r in table.rows] == sorted(r.due_at for r in table.rows)
        assert first_paint < 10  # generous for a loaded 2-core CI box; the bench records the real figure

        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3 and table.current.number == table.rows[3].number
        for _ in range(20):
            await pilot.press("pagedown")
        await wait_for(pilot, lambda: table.current is not None, timeout=10)
        assert table.cursor_row > 300
        assert len(table.rows) < 2_000  # only what the cursor reached was fetched
        assert table.current.number in screen_text(app)

        # the far end: the cursor gets there at once, its rows come in one request (the last page); input never
        # waits
        await pilot.press("end")
        assert table.cursor_row == ROWS - 1
        await wait_for(pilot, lambda: table.current is not None, timeout=10)
        assert table.current.number in screen_text(app)
        pressed = time.perf_counter()
        await pilot.press("home")
        assert time.perf_counter() - pressed < 2
        assert table.cursor_row == 0 and first.number in screen_text(app)
        # going home ends the walk towards the end: the rows fetched stop growing
        await pilot.pause(0.5)
        fetched = len(table.rows)
        await pilot.pause(0.5)
        assert len(table.rows) == fetched < ROWS


async def test_end_home_and_a_live_refresh_cost_one_request_each(big_server, tmp_path: Path) -> None:
    """``end`` asks for the last page, ``home`` for the first, and a refresh (what a live event triggers) asks
    again only for the rows on screen: one request each, counted at the client, on a 100,000-row queue."""
    app = make_big_app(big_server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "ready", False))
        await app.login(USER, SAMPLE_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                       and app.screen.query_one(QueueTable).loaded_once, timeout=15)
        table = app.screen.query_one(QueueTable)
        asked: list[dict] = []
        matters = app.api.matters

        async def counted(queue, **params):  # type: ignore[no-untyped-def]
            asked.append({k: v for k, v in params.items() if v and k not in ("q", "limit")})
            return await matters(queue, **params)

        app.api.matters = counted  # type: ignore[method-assign]
        await pilot.press("end")
        await wait_for(pilot, lambda: table.current is not None, timeout=10)
        assert asked == [{"from_end": True}] and table.current.number in screen_text(app)
        await pilot.press("up", "up", "pageup")
        await pilot.pause()
        assert len(asked) == 1  # still inside the last page
        row, number = table.cursor_row, table.current.number
        del asked[:]
        app.screen.refresh_data()
        await wait_for(pilot, lambda: any(a.get("from_end") for a in asked), timeout=10)
        await wait_for(pilot, lambda: not app.screen._refreshing, timeout=10)
        await pilot.pause()
        rows_asked = [a for a in asked if a != {}]  # the arrivals check asks for the first incoming page
        assert rows_asked == [{"from_end": True}]
        assert table.cursor_row == row and table.current.number == number
        del asked[:]
        await pilot.press("home")
        await wait_for(pilot, lambda: table.current is not None, timeout=10)
        assert asked == [{}] and table.cursor_row == 0
        assert len(table.rows) <= 6 * 500  # pages near the cursor only
