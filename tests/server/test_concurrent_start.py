"""Servers started at the same moment on one new database: every one comes up (the migrations run under a lock,
see ``server/migrations/env.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

import os

from .serving import read_port, start_serve, stop, wait_healthy


def test_servers_starting_together_on_a_new_database_all_come_up(fresh_database, tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    for _attempt in range(2):
        url = fresh_database().url
        procs = [start_serve("--port", "0", "--database", url, env=env) for _ in range(3)]
        try:
            for proc in procs:
                assert wait_healthy(proc, read_port(proc)).status_code == 200
        finally:
            errors = [stop(proc) for proc in procs]
        for err in errors:
            assert "Traceback" not in err, err
