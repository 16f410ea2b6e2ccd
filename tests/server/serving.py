"""Real ``huiyin serve`` processes for tests: start one, learn its port, wait until it answers."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest


def start_serve(*args: str, env: dict) -> subprocess.Popen:
    """``huiyin serve ARGS`` as a child process, stdout and stderr piped (text)."""
    return subprocess.Popen([sys.executable, "-m", "huiyin.tui.cli.local", "serve", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_port(proc: subprocess.Popen) -> int:
    """The port from the server's start line (start it with ``--port 0`` to let it choose)."""
    line = proc.stdout.readline()  # type: ignore[union-attr]
    match = re.search(r"http://[^:]+:(\d+)", line)
    if not match:
        err = proc.stderr.read() if proc.poll() is not None else ""  # type: ignore[union-attr]
        raise AssertionError(f"no start line: {line!r}; stderr: {err}")
    return int(match.group(1))


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 30) -> httpx.Response:
    """GET /health until it answers (the process must stay alive meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        except httpx.TransportError:
            assert proc.poll() is None, "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)


def stop(proc: subprocess.Popen, timeout: float = 15) -> str:
    """Terminate (if still running), wait, and return what it wrote to stderr."""
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=timeout)
    err = proc.stderr.read() if proc.stderr and not proc.stderr.closed else ""  # type: ignore[union-attr]
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()
    return err


class _RemoteContext:
    """A worker server's ``ctx`` seen from a test: its database (``engine``), and a skip for anything else (the
    rules cache, the clock, the feed live in the workers' processes)."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        pytest.skip(f"reaches into the server process (ctx.{name}): only an in-process server's")


class WorkerServer:
    """``huiyin serve --workers N`` on a database of its own, looking to tests like the embedded server: the
    sample district (made in this process, at ``now``), ``base_url``, ``ctx.engine`` onto the same database,
    and the frozen time it started at. What only an in-process server has (its ``clock`` to move, the rest of its
    ``ctx``) skips the test that asks for it: the API suite runs here too, less the tests that reach inside."""

    def __init__(self, database_url: str, now, workers: int = 2, sample: bool = True,  # type: ignore[no-untyped-def]
                 sample_matters: bool = False, supervise_seconds: float | None = None) -> None:
        import os

        from huiyin.core.clock import ManualClock
        from huiyin.server.base.settings import Settings
        from huiyin.server.state.context import ServerContext
        from huiyin.server.storage import db

        self.settings = Settings(database_url=database_url)
        clock = ManualClock(now)
        engine = db.make_engine(database_url)
        db.upgrade(engine)
        if sample:
            from huiyin.server.district import sample as sample_data

            sample_data.ensure_sample(ServerContext(engine=engine, clock=clock, settings=self.settings),
                                      matters=sample_matters)
        self.ctx = _RemoteContext(engine)
        # the live feed's backstop poll made slow: a window must hear other workers' writes through NOTIFY
        env = {**os.environ, "HUIYIN_DATABASE_URL": database_url, "HUIYIN_EVENT_POLL_SECONDS": "60"}
        if supervise_seconds is not None:
            env["HUIYIN_SUPERVISE_SECONDS"] = str(supervise_seconds)
        self.proc = start_serve("--port", "0", "--workers", str(workers), "--clock", now.isoformat(), env=env)
        self.port = read_port(self.proc)
        self.base_url = f"http://127.0.0.1:{self.port}"
        wait_healthy(self.proc, self.port)
        deadline = time.monotonic() + 90  # a loaded 2-core machine starts each worker in seconds
        while len(self.pids(expect=workers)) < workers:  # every worker up, not just the first
            assert self.proc.poll() is None and time.monotonic() < deadline, "the workers did not all come up"
            time.sleep(0.1)

    @property
    def clock(self):  # type: ignore[no-untyped-def]
        pytest.skip("moves the server's clock: only an in-process server's (the workers keep their own)")

    def pids(self, expect: int = 2, tries: int = 400) -> set[int]:
        """The worker pids seen answering: fresh connections until ``expect`` workers answered (or ``tries`` ran
        out). The kernel hands each new connection to whichever worker accepts first, so on a busy machine one
        worker can take twenty in a row; asking until both answered is what the tests mean."""
        seen: set[int] = set()
        for _ in range(tries):
            seen.add(int(httpx.get(f"{self.base_url}/health", timeout=5).headers["x-huiyin-worker"]))
            if len(seen) >= expect:
                break
        return seen

    def stop(self) -> None:
        stop(self.proc)
        self.ctx.engine.dispose()
