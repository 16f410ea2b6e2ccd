"""A 100,000-row queue must not freeze the screen: the table renders only the visible lines and asks for
pages as the cursor reaches them. The rows are real rows from the real server (its sample matters over HTTP),
repeated with their own numbers into a 100,000-row page source that pages by cursor like the server does.
Timings are in ``bench/bench_tui_queue.py``; this test checks the behaviour."""

from __future__ import annotations

import time

import httpx
import pytest
from textual.app import App, ComposeResult

from huiyin.core.schemas import MatterSummary, QueuePage
from huiyin.tui.components.queue_table import QueueTable

from .conftest import FROZEN_NOW, SAMPLE_PASSWORD, screen_text, wait_for

pytestmark = pytest.mark.anyio

ROWS = 100_000


class BigSource:
    """``ROWS`` queue rows made of the server's real rows, paged by an opaque cursor; counts its calls."""

    def __init__(self, real: list[MatterSummary], rows: int = ROWS) -> None:
        self.real = real
        self.rows = rows
        self.calls = 0

    def row(self, i: int) -> MatterSummary:
        base = self.real[i % len(self.real)]
        return base.model_copy(update={"number": f"YB-2026-{i + 1:06d}"})

    async def __call__(self, cursor: str | None, limit: int) -> QueuePage:
        self.calls += 1
        start = int(cursor) if cursor else 0
        end = min(start + limit, self.rows)
        return QueuePage(items=[self.row(i) for i in range(start, end)], total=self.rows,
                         next_cursor=str(end) if end < self.rows else None)


def real_rows(base_url: str) -> list[MatterSummary]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        token = http.post("/api/auth/login", json={"username": "admin", "password": SAMPLE_PASSWORD}).json()["token"]
        page = http.get("/api/matters", params={"queue": "all", "limit": 100},
                        headers={"Authorization": f"Bearer {token}"}).json()
    rows = [MatterSummary.model_validate(item) for item in page["items"]]
    assert rows
    return rows


class TableApp(App[None]):
    def __init__(self, source: BigSource, clock) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.source = source
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield QueueTable(clock=self.clock)

    async def on_mount(self) -> None:
        table = self.query_one(QueueTable)
        table.set_source(self.source)
        table.focus()
        await table.reload()


async def test_a_100k_row_queue_stays_responsive(tui_server) -> None:
    source = BigSource(real_rows(tui_server.base_url))
    app = TableApp(source, tui_server.clock)
    started = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(QueueTable)
        await wait_for(pilot, lambda: table.loaded_once)
        first_paint = time.perf_counter() - started
        # one page fetched, the scrollbar knows all 100,000 rows
        assert table.total == ROWS and len(table.rows) == table.page_size and source.calls == 1
        assert table.virtual_size.height == ROWS + 1
        assert "YB-2026-000001" in screen_text(app)
        assert first_paint < 5  # generous: DataTable takes ~8 s here; the bench records the real figure

        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3 and table.current.number == "YB-2026-000004"
        for _ in range(20):
            await pilot.press("pagedown")
        await wait_for(pilot, lambda: table.current is not None)
        assert table.cursor_row > 300
        assert table.current.number == f"YB-2026-{table.cursor_row + 1:06d}"
        assert len(table.rows) < 2_000  # only what the cursor reached was fetched
        assert table.current.number in screen_text(app)

        # the far end: the cursor gets there at once; rows on screen say they are loading, never freeze
        await pilot.press("end")
        assert table.cursor_row == ROWS - 1
        text = screen_text(app)
        assert "loading" in text or f"YB-2026-{ROWS:06d}" in text
        await pilot.press("home")
        assert table.cursor_row == 0 and "YB-2026-000001" in screen_text(app)
