"""The workbench in a real pseudo-terminal, as over SSH: when the connection drops (the terminal closes and
SIGHUP arrives) it exits and leaves no process behind (with the built-in server it started)."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a pseudo-terminal")


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def test_sighup_ends_the_workbench_and_its_builtin_server(tui_server, tmp_path: Path):
    env = {**os.environ, "HUIYIN_DATABASE_URL": tui_server.settings.database_url, "TERM": "xterm-256color",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "COLUMNS": "80", "LINES": "24"}
    pid, master = pty.fork()
    if pid == 0:  # the child: the workbench, with its built-in server (a thread of the same process)
        os.execve(sys.executable, [sys.executable, "-m", "huiyin.tui.cli", "--data-dir", str(tmp_path / "data"),
                                   "--lang", "en"], env)
    seen = b""
    deadline = time.monotonic() + 30
    try:
        # wait until the sign-in screen is drawn and the built-in server answers (the label names it)
        while b"huiyin" not in seen.lower() or len(seen) < 2000:
            assert time.monotonic() < deadline, seen[-500:]
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        time.sleep(0.5)
        kids = children_of(pid)
    finally:
        os.close(master)  # the connection drops
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the workbench was still running 10 s after SIGHUP")
    assert not Path(f"/proc/{pid}").exists()
    for kid in kids:  # anything it had started is gone too
        assert not Path(f"/proc/{kid}").exists() or children_of(pid) == [], kid
    assert status is not None
