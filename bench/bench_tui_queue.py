"""Timing of the workbench's queue table with 100,000 rows (run: ``python bench/bench_tui_queue.py``).

Starts a real embedded server (sample district), takes its real rows over HTTP, and serves them as a
100,000-row paged source (as tests/tui/test_big_queue.py does). Prints the time to the first painted page, the
mean time per cursor move and per page-down, and, for comparison, how long Textual's DataTable takes to show
the same number of rows.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def bench(rows: int, with_datatable: bool) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from huiyin.tui.components.queue_table import QueueTable
    from tests.tui.conftest import start_server
    from tests.tui.test_big_queue import BigSource, TableApp, real_rows

    with tempfile.TemporaryDirectory() as tmp:
        srv = start_server(Path(tmp) / "bench.db")
        try:
            source = BigSource(real_rows(srv.base_url), rows)
            app = TableApp(source, srv.clock)
            started = time.perf_counter()
            async with app.run_test(size=(120, 40)) as pilot:
                table = app.query_one(QueueTable)
                while not table.loaded_once:
                    await pilot.pause(0.005)
                await pilot.pause()
                first = time.perf_counter() - started
                t0 = time.perf_counter()
                for _ in range(200):
                    await pilot.press("down")
                per_move = (time.perf_counter() - t0) / 200
                t0 = time.perf_counter()
                for _ in range(50):
                    await pilot.press("pagedown")
                per_page = (time.perf_counter() - t0) / 50
            print(f"QueueTable, {rows:,} rows: first page painted in {first * 1000:.0f} ms; "
                  f"{per_move * 1000:.1f} ms per cursor move; {per_page * 1000:.1f} ms per page-down; "
                  f"{source.calls} page requests")
            if with_datatable:
                items = [source.row(i) for i in range(rows)]

                class Plain(App[None]):
                    def compose(self) -> ComposeResult:
                        yield DataTable()

                    def on_mount(self) -> None:
                        dt = self.query_one(DataTable)
                        dt.add_columns("number", "title", "origin", "holder", "status")
                        dt.add_rows([(m.number, m.title, m.origin_unit.name, m.holder_unit.name, m.status.value)
                                     for m in items])

                started = time.perf_counter()
                async with Plain().run_test(size=(120, 40)) as pilot:
                    await pilot.pause()
                print(f"DataTable, {rows:,} rows: first paint after {time.perf_counter() - started:.1f} s")
        finally:
            srv.stop()


if __name__ == "__main__":
    asyncio.run(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, "--datatable" in sys.argv))
