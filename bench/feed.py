"""Bench: the live feed. One claim seen by all of W subscribed windows (latency from sending the claim to each
window's receipt of its frame, p50/p99), and the server's CPU with W idle feed connections open, on SQLite and
PostgreSQL, and (not in quick mode) PostgreSQL with 2 workers, windows spread over both, the claim made through
either. ``python -m bench.feed [--quick]``: 200 windows (quick) or 200 and 1,000."""

from __future__ import annotations

import asyncio
import sys
import time

import httpx

from .serverproc import cpu_seconds, fresh_database, huiyin, login, ms, pct, raise_fd_limit

#: seconds of idle CPU measured
IDLE_SECONDS = 10.0


class Window:
    """One SSE connection, read by hand (a bare asyncio stream: the client's cost stays small)."""

    def __init__(self) -> None:
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter
        self.got: dict[str, float] = {}

    async def open(self, port: int, token: str) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer.write((f"GET /api/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
                           "Accept: text/event-stream\r\n\r\n").encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n", 1)[0], head

    async def wait_for(self, number: str) -> None:
        needle = f'"matter_number":"{number}","kind":"claim"'.encode()
        buffer = b""
        while needle not in buffer:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise RuntimeError("a window's stream ended")
            buffer = buffer[-4096:] + chunk
        self.got[number] = time.perf_counter()

    def close(self) -> None:
        self.writer.close()


async def _scenario(base_url: str, pid: int, windows: int, idle: float, claims: int) -> dict:
    port = int(base_url.rsplit(":", 1)[1])
    viewers = ["command", "district.center", "huixing.center", "huixing.supervisor", "shuanghu", "liuqiao",
               "xingwang", "admin"]
    tokens = [login(base_url, name)["Authorization"].split()[1] for name in viewers]
    clerk = login(base_url, "shuanghu")
    async with httpx.AsyncClient(base_url=base_url, headers=clerk, timeout=60) as client:
        open_windows = [Window() for _ in range(windows)]
        for start in range(0, windows, 50):
            await asyncio.gather(*(w.open(port, tokens[i % len(tokens)])
                                   for i, w in enumerate(open_windows[start:start + 50], start)))
        await asyncio.sleep(1.0)  # settle
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(idle)
        idle_cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
        latencies: list[float] = []
        for _ in range(claims):
            number = (await client.post("/api/matters", json={"title": "订阅测试", "channel": "walk_in",
                                                               "resident_name": "测试居民"})).json()["number"]
            waits = [asyncio.create_task(w.wait_for(number)) for w in open_windows]
            await asyncio.sleep(0.2)
            sent = time.perf_counter()
            r = await client.post(f"/api/matters/{number}/claim", json={})
            assert r.status_code == 200, r.text
            await asyncio.wait_for(asyncio.gather(*waits), timeout=120)
            latencies += [w.got[number] - sent for w in open_windows]
        for w in open_windows:
            w.close()
    return {"p50": pct(latencies, 50), "p99": pct(latencies, 99), "idle": idle_cpu}


def measure(backend: str, windows: int, workers: int = 1, idle: float = IDLE_SECONDS, claims: int = 3) -> dict:
    with fresh_database(backend) as url, huiyin(url, workers) as (base_url, proc):
        return asyncio.run(_scenario(base_url, proc.pid, windows, idle, claims))


def run(quick: bool) -> list[str]:
    raise_fd_limit()
    lines = ["| backend | windows | claim seen by all: p50 ms | p99 ms | server CPU idle, % of a core |",
             "|---|---|---|---|---|"]
    # quick: the single-process cases only (starting two workers costs more than the rest of a quick run)
    cases = [("sqlite", 1), ("postgresql", 1)] + ([] if quick else [("postgresql", 2)])
    for windows in ((200,) if quick else (200, 1000)):
        for backend, workers in cases:
            r = measure(backend, windows, workers, idle=3.0 if quick else IDLE_SECONDS, claims=2 if quick else 5)
            label = backend if workers == 1 else f"{backend}, {workers} workers"
            lines.append(f"| {label} | {windows} | {ms(r['p50'])} | {ms(r['p99'])} | {100 * r['idle']:.1f} |")
    return lines


if __name__ == "__main__":
    print("\n".join(run("--quick" in sys.argv)))
