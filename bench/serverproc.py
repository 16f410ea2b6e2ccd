"""What the bench sections share: fresh databases, servers as child processes (huiyin, or the peer floor), their
CPU time, and latency figures. Everything started here is stopped by the same ``with`` block."""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

POSTGRES_URL = os.environ.get("HUIYIN_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
PASSWORD = "huiyin-sample"
BACKENDS = ("sqlite", "postgresql")


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A database nobody else uses (a SQLite file, or a new PostgreSQL database dropped afterwards)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="huiyin-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    import psycopg

    name = f"huiyin_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait(proc: subprocess.Popen, base_url: str, path: str = "/health") -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(base_url + path, timeout=5)
            return
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {proc.stderr.read() if proc.stderr else ''}") from None
            time.sleep(0.1)


@contextmanager
def child_server(args: list[str], env: dict | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """A server child process that prints ``http://host:PORT`` on its first line; stopped on exit."""
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, **(env or {})})
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"http://[^:]+:(\d+)", line)
        if not match:
            raise RuntimeError(f"no start line from {args}: {line!r}")
        base_url = f"http://127.0.0.1:{match.group(1)}"
        # keep reading what it prints (a server that logs every request would block on a full pipe)
        threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()  # type: ignore[union-attr]
        _wait(proc, base_url)
        yield base_url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def huiyin(url: str, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen]]:
    """``huiyin init --sample --empty`` then ``huiyin serve`` on ``url``."""
    subprocess.run([sys.executable, "-m", "huiyin.tui.cli.local", "init", "--sample", "--empty", "--database", url],
                   check=True, capture_output=True)
    args = ["-m", "huiyin.tui.cli.local", "serve", "--port", "0", "--database", url]
    if workers > 1:
        args += ["--workers", str(workers)]
    with child_server(args) as running:
        if workers > 1:  # every worker up, not only the first
            deadline = time.monotonic() + 120
            while len({httpx.get(running[0] + "/health").headers.get("x-huiyin-worker") for _ in range(20)}) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not all come up")
                time.sleep(0.2)
        yield running


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children that are alive (workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def login(base_url: str, username: str) -> dict[str, str]:
    r = httpx.post(base_url + "/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=30)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
