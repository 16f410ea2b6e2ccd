"""Real ``huiyin serve`` processes for tests: start one, learn its port, wait until it answers."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx


def start_serve(*args: str, env: dict) -> subprocess.Popen:
    """``huiyin serve ARGS`` as a child process, stdout and stderr piped (text)."""
    return subprocess.Popen([sys.executable, "-m", "huiyin.server.cli", "serve", *args], env=env,
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
