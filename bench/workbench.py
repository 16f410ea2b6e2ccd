"""The workbench on a 100,000-row queue, headless (Textual's Pilot), against a running server: ``python -m
bench.workbench <server url>``. Prints one JSON line: ``end`` (seconds until the last row is shown), ``event``
(seconds for what a live event triggers — the counts and the rows on screen — with the cursor at row 99,896),
the page requests each made, and this process's RSS (MB) now and at its peak."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from .load import WORKBENCH_USER

PASSWORD = "huiyin-sample"


def _rss_mb(field: str = "VmRSS:") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


async def _until(pilot, check, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the workbench did not get there")
        await pilot.pause(0.002)


async def bench(url: str) -> dict[str, float]:
    from huiyin.tui.components.queue_table import QueueTable
    from huiyin.tui.factory import make_app
    from huiyin.tui.screens.queue import QueueScreen

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(server_url=url, language="en", state_dir=Path(tmp), testing=True, live=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: getattr(app.screen, "ready", False))
            await app.login(WORKBENCH_USER, PASSWORD)
            await _until(pilot, lambda: isinstance(app.screen, QueueScreen)
                         and app.screen.query_one(QueueTable).loaded_once)
            table = app.screen.query_one(QueueTable)
            asked: list[dict] = []
            matters = app.api.matters

            spent: list[float] = []

            async def counted(queue, **params):  # type: ignore[no-untyped-def]
                asked.append(params)
                t = time.perf_counter()
                try:
                    return await matters(queue, **params)
                finally:
                    spent.append(time.perf_counter() - t)

            app.api.matters = counted
            t0 = time.perf_counter()
            await pilot.press("end")
            await _until(pilot, lambda: table.current is not None)
            end, end_requests, end_wait = time.perf_counter() - t0, len(asked), sum(spent)
            table.cursor_row = 99_895  # row 99,896: inside the last page
            await _until(pilot, lambda: table.current is not None)
            await pilot.pause()
            del asked[:], spent[:]
            screen = app.screen
            t0 = time.perf_counter()
            app.matters_changed({table.current.number})  # what the live feed's flush does
            # the rows on screen are asked for again, then the refresh is over (the arrivals check that follows
            # it is not counted in the time)
            await _until(pilot, lambda: asked and not screen._refreshing and table.current is not None)
            event = time.perf_counter() - t0
            await pilot.pause(0.2)
            event_requests, event_wait = len(asked), sum(spent)
        peak = _rss_mb("VmHWM:")  # not ru_maxrss: after fork and exec it keeps the parent's high-water mark
        return {"end": end, "end_requests": end_requests, "end_wait": end_wait, "event": event,
                "event_requests": event_requests, "event_wait": event_wait,
                "rss_mb": _rss_mb(), "peak_mb": peak}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench(sys.argv[1]))))
