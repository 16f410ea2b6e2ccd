"""Timing of the workbench's queue table on a real 100,000-row queue (run: ``python bench/bench_tui_queue.py``).

Starts an embedded server (sample district, no sample matters), records 100,000 pending matters at 双湖路社区
with ``huiyin.server.matters.bulk.bulk_record`` (as tests/tui/test_big_queue.py does), logs the workbench in there and
prints: the time from login to the first painted page, the mean time per cursor move and per page-down (by
the wall clock, which includes the Pilot's own waiting, about 40 ms per key even on a trivial app, and as CPU
time of the process, which is what a person would feel), how
long ``end`` takes to answer and, with ``--datatable``, how long Textual's DataTable takes to show as many rows.
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
    from huiyin.tui.screens.queue import QueueScreen
    from tests.tui.conftest import SAMPLE_PASSWORD
    from tests.tui.test_big_queue import USER, make_big_app, start_big_server

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        srv = start_big_server(Path(tmp) / "bench.db", rows)
        print(f"server with {rows:,} recorded matters ready in {time.perf_counter() - t0:.1f} s")
        try:
            app = make_big_app(srv, Path(tmp))
            async with app.run_test(size=(120, 40)) as pilot:
                while not getattr(app.screen, "ready", False):
                    await pilot.pause(0.01)
                started = time.perf_counter()
                await app.login(USER, SAMPLE_PASSWORD)
                while not (isinstance(app.screen, QueueScreen) and app.screen.query_one(QueueTable).loaded_once):
                    await pilot.pause(0.005)
                await pilot.pause()
                first = time.perf_counter() - started
                table = app.screen.query_one(QueueTable)
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(200):
                    await pilot.press("down")
                per_move = (time.perf_counter() - t0) / 200
                cpu_move = (time.process_time() - c0) / 200
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(50):
                    await pilot.press("pagedown")
                per_page = (time.perf_counter() - t0) / 50
                cpu_page = (time.process_time() - c0) / 50
                t0 = time.perf_counter()
                await pilot.press("end")
                end = time.perf_counter() - t0
                await pilot.press("home")
                fetched = len(table.rows)
            print(f"QueueTable, {rows:,} server rows: login to first page painted {first * 1000:.0f} ms; "
                  f"per cursor move {per_move * 1000:.0f} ms by the Pilot's clock ({cpu_move * 1000:.1f} ms CPU); "
                  f"per page-down {per_page * 1000:.0f} ms ({cpu_page * 1000:.1f} ms CPU, server included); "
                  f"end answers in {end * 1000:.0f} ms; {fetched:,} rows fetched in all")
            if with_datatable:
                items = list(table.rows)

                class Plain(App[None]):
                    def compose(self) -> ComposeResult:
                        yield DataTable()

                    def on_mount(self) -> None:
                        dt = self.query_one(DataTable)
                        dt.add_columns("number", "title", "origin", "holder", "status")
                        dt.add_rows([(m.number, m.title, m.origin_unit.name, m.holder_unit.name, m.status.value)
                                     for m in (items[i % len(items)] for i in range(rows))])

                started = time.perf_counter()
                async with Plain().run_test(size=(120, 40)) as pilot:
                    await pilot.pause()
                print(f"DataTable, {rows:,} rows: first paint after {time.perf_counter() - started:.1f} s")
        finally:
            srv.stop()


if __name__ == "__main__":
    asyncio.run(bench(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, "--datatable" in sys.argv))
