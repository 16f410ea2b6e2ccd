"""Queue pages, counts, search and one supervision pass with N matters stored, on SQLite and PostgreSQL.

For each backend: a throw-away database, an embedded server on it (the sample district's units and accounts),
N matters loaded straight into the tables (``bench/load.py``), then each figure is the median of repeated
requests over HTTP (``GET /api/matters``, ``GET /api/queues``) through the real server, and one supervision
pass (``huiyin.server.matters.supervision.supervise_once``) called directly. The workbench figures run in a child
process against the SQLite server (``bench/workbench.py``), so its RSS is the workbench's own.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .databases import database, postgres_available
from .load import WORKBENCH_ROWS, WORKBENCH_USER, load

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "huiyin-sample"
REPEAT = 15


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _p50(call, repeat: int | None = None) -> float:  # type: ignore[no-untyped-def]
    call()  # warm: the first request of a kind pays for imports and plans
    times = []
    for _ in range(repeat or REPEAT):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _login(client: httpx.Client, username: str) -> dict[str, str]:
    got = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    got.raise_for_status()
    return {"Authorization": f"Bearer {got.json()['token']}"}


def _get(client: httpx.Client, headers: dict[str, str], path: str, **params: object) -> dict:
    got = client.get(path, headers=headers, params=params)
    got.raise_for_status()
    return got.json()


def sizes(backend: str, quick: bool) -> tuple[int, int]:
    """(matters stored, of which pending at the workbench's unit). Quick: the 100k workbench queue plus a
    little history on SQLite (where the workbench runs), 60k on PostgreSQL; else 1M on both."""
    if not quick:
        return 1_000_000, WORKBENCH_ROWS
    return (110_000, WORKBENCH_ROWS) if backend == "sqlite" else (60_000, 30_000)


def measure(backend: str, quick: bool) -> dict[str, object]:
    from huiyin.server.matters.supervision import supervise_once
    from huiyin.server.serving.embedded import EmbeddedServer

    out: dict[str, object] = {}
    with database(backend) as url:
        srv = EmbeddedServer(url, sample=True, sample_matters=False, supervise_seconds=3600)
        srv.start(timeout=120)
        try:
            t0 = time.perf_counter()
            n, home = sizes(backend, quick)
            out["n"] = n
            probe = load(srv.app.state.ctx.engine, n, pending_home=home)  # type: ignore[union-attr]
            out["load"] = time.perf_counter() - t0
            with httpx.Client(base_url=srv.base_url, timeout=120) as client:
                clerk, town, command = (_login(client, u) for u in (WORKBENCH_USER, "huixing.center", "command"))
                out["incoming"] = _p50(lambda: _get(client, clerk, "/api/matters", queue="incoming", limit=50))
                out["all"] = _p50(lambda: _get(client, clerk, "/api/matters", queue="all", limit=50))
                out["all_town"] = _p50(lambda: _get(client, town, "/api/matters", queue="all", limit=50))
                out["last_page"] = _p50(lambda: _get(client, clerk, "/api/matters", queue="incoming", limit=50,
                                                     from_end="true"))
                out["counts"] = _p50(lambda: _get(client, clerk, "/api/queues"))
                for name, q, who in (("number", probe["number"], command), ("title", probe["title"], command),
                                     ("resident", probe["resident"], command),
                                     ("resident_clerk", probe["resident"], clerk),
                                     ("phone", probe["phone"], command), ("short", "路灯", command)):
                    page = _get(client, who, "/api/matters", queue="district", q=q, limit=50)
                    out[f"q_{name}"] = _p50(lambda q=q, who=who: _get(client, who, "/api/matters", queue="district",
                                                                       q=q, limit=50))
                    out[f"q_{name}_found"] = page["total"]
            ctx = srv.app.state.ctx  # type: ignore[union-attr]
            assert supervise_once(ctx) == 0, "the bench's data must leave supervision nothing to do"
            out["supervision"] = _p50(lambda: supervise_once(ctx), repeat=5)
            if backend == "sqlite":
                out["workbench"] = _workbench(srv.base_url, quick)
        finally:
            srv.stop()
    return out


def _workbench(url: str, quick: bool) -> dict[str, float]:
    got = subprocess.run([sys.executable, "-m", "bench.workbench", url], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    if got.returncode != 0:
        return {"error": got.stderr.strip().splitlines()[-1] if got.stderr.strip() else "failed"}  # type: ignore[dict-item]
    return json.loads(got.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[str]:
    global REPEAT
    REPEAT = 9 if quick else 21
    backends = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    results = {b: measure(b, quick) for b in backends}
    head = "| what | " + " | ".join(backends) + " | goal |"
    rule = "|---|" + "---|" * len(backends) + "---|"

    def row(label: str, key: str, goal: str, found: bool = False) -> str:
        cells = []
        for b in backends:
            value = results[b].get(key)
            cell = _ms(value) if isinstance(value, float) else "–"  # type: ignore[arg-type]
            if found:
                cell += f" ({results[b].get(key + '_found')} found)"
            cells.append(cell)
        return f"| {label} | " + " | ".join(cells) + f" | {goal} |"

    stored = ", ".join(f"{b}: {results[b]['n']:,} stored, loaded in {results[b]['load']:.0f} s" for b in backends)
    lines = [f"### Queries ({stored}; p50 of {REPEAT} requests over HTTP)",
             "", head, rule,
             row("queue page p50: incoming (the unit's 100k pending; 30k on PostgreSQL with --quick)", "incoming",
                 "≤ 5 ms"),
             row("queue page p50: all (a community)", "all", "≤ 5 ms"),
             row("queue page p50: all (a town)", "all_town", "≤ 5 ms"),
             row("queue page p50: last page (`from_end`)", "last_page", "≤ 5 ms"),
             row("queue counts p50 (`GET /api/queues`)", "counts", "≤ 5 ms"),
             row("search `q=` number (district queue)", "q_number", "≤ 50 ms", True),
             row("search `q=` title (`第<i>号`)", "q_title", "≤ 50 ms", True),
             row("search `q=` resident name (command center)", "q_resident", "≤ 50 ms", True),
             row("search `q=` resident name (a community window)", "q_resident_clerk", "≤ 50 ms", True),
             row("search `q=` last 4 phone digits", "q_phone", "≤ 50 ms", True),
             row("search `q=` 2 characters (`路灯`: scanned, not indexed)", "q_short", "–", True),
             row("one supervision pass, nothing due", "supervision", "≤ 100 ms"), ""]
    wb = results["sqlite"].get("workbench", {})
    if isinstance(wb, dict) and "error" not in wb:
        lines += ["### Workbench on a 100,000-row queue (SQLite server, Pilot, headless)", "",
                  "| what | measured | goal |", "|---|---|---|",
                  f"| `end` (one request: the last page) | {_ms(wb['end'])} ({wb['end_requests']} request, "
                  f"{_ms(wb['end_wait'])} of it waiting for the server) | ≤ 100 ms |",
                  f"| an event with the cursor at row 99,896: refresh counts and visible rows | {_ms(wb['event'])} "
                  f"({wb['event_requests']} page requests with the arrivals check; "
                  f"{_ms(wb['event_wait'])} waiting for them) | ≤ 100 ms |",
                  f"| workbench RSS after both | {wb['rss_mb']:.0f} MB (peak {wb['peak_mb']:.0f} MB) | ≤ 150 MB |",
                  ""]
    else:
        lines += [f"workbench: not measured ({wb})", ""]
    return lines
