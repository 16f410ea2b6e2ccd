"""Bench: the write path. Record and claim at 1 and 8 clients (p50/p99 latency, requests/s, server CPU per
request) on SQLite and PostgreSQL, next to the peer floor (``bench/peer.py``: a bare FastAPI + SQLModel app that
inserts one row per POST) started in the same run, as a ratio of throughput. ``python -m bench.writes [--quick]``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import httpx

from .serverproc import BACKENDS, child_server, cpu_seconds, fresh_database, huiyin, login, ms, pct

CLIENTS = (1, 8)

#: one request: (client, index) -> response
Request = Callable[[httpx.Client, int], httpx.Response]


def drive(base_url: str, pid: int, clients: int, total: int, request: Request,
          headers: list[dict] | None = None) -> dict:
    """``total`` requests split over ``clients`` threads, each with its own connection; latencies, rate, CPU."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def run(k: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base_url, timeout=60, headers=(headers or [{}])[k % len(headers or [{}])]) as c:
            c.get("/health")
            barrier.wait()
            for i in range(k, total, clients):
                t = time.perf_counter()
                r = request(c, i)
                mine.append(time.perf_counter() - t)
                if r.status_code >= 300:
                    failures.append(f"{r.status_code} {r.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return {"p50": pct(latencies, 50), "p99": pct(latencies, 99), "rate": total / wall, "cpu": cpu / total}


def _record(c: httpx.Client, i: int) -> httpx.Response:
    return c.post("/api/matters", json={"title": f"压测 {i}", "channel": "walk_in", "resident_name": "测试居民",
                                        "resident_phone": "13800000000"})


def measure(backend: str, total: int) -> list[tuple[str, int, dict]]:
    rows: list[tuple[str, int, dict]] = []
    with fresh_database(backend) as url, huiyin(url) as (base_url, proc):
        headers = [login(base_url, "shuanghu")]
        claimers = [login(base_url, name) for name in ("shuanghu", "huixing.center", "command", "district.center")]
        drive(base_url, proc.pid, 1, 10, _record, headers)  # warm up
        for clients in CLIENTS:
            rows.append(("record", clients, drive(base_url, proc.pid, clients, total, _record, headers)))
        for clients in CLIENTS:
            numbers: list[str] = []
            with httpx.Client(base_url=base_url, timeout=60, headers=headers[0]) as c:
                numbers = [_record(c, i).json()["number"] for i in range(total)]
            rows.append(("claim", clients, drive(
                base_url, proc.pid, clients, total,
                lambda c, i, numbers=numbers: c.post(f"/api/matters/{numbers[i]}/claim", json={}), claimers)))
    with fresh_database(backend) as url, child_server(["-m", "bench.peer", url]) as (base_url, proc):
        insert: Request = lambda c, i: c.post("/items", json={"title": f"压测 {i}"})  # noqa: E731
        drive(base_url, proc.pid, 1, 10, insert)
        for clients in CLIENTS:
            rows.append(("peer insert", clients, drive(base_url, proc.pid, clients, total, insert)))
    return rows


def run(quick: bool) -> list[str]:
    total = 60 if quick else 1000
    lines = ["| backend | write | clients | p50 ms | p99 ms | req/s | server CPU ms/req | × peer req/s |",
             "|---|---|---|---|---|---|---|---|"]
    for backend in BACKENDS:
        rows = measure(backend, total)
        peer = {clients: r["rate"] for what, clients, r in rows if what == "peer insert"}
        for what, clients, r in rows:
            lines.append(f"| {backend} | {what} | {clients} | {ms(r['p50'])} | {ms(r['p99'])} | {r['rate']:.0f} | "
                         f"{ms(r['cpu'])} | {r['rate'] / peer[clients]:.2f} |")
    return lines


if __name__ == "__main__":
    print("\n".join(run("--quick" in sys.argv)))
