"""Servers started at the same moment on one new database: every one comes up (the migrations run under a lock,
see ``server/storage/migrations/env.py``; SQLite's switch to WAL waits out the busy timeout, see
``server/storage/db.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading

from .serving import read_port, start_serve, stop, wait_healthy

#: how many servers start at once: SQLite's failure (the journal-mode switch) showed in 1 to 2 of 10 trials of
#: two servers; 20 at once on a new file meets it nearly every time it is there
STARTS = {"sqlite": 20, "postgresql": 3}


def test_servers_starting_together_on_a_new_database_all_come_up(fresh_database, backend, tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    kind = backend.partition("-")[0]
    attempts = 1 if kind == "sqlite" else 2
    for _attempt in range(attempts):
        url = fresh_database().url
        procs = [start_serve("--port", "0", "--database", url, env=env) for _ in range(STARTS[kind])]
        try:
            for proc in procs:
                assert wait_healthy(proc, read_port(proc), timeout=120).status_code == 200
        finally:
            errors = [stop(proc) for proc in procs]
        for err in errors:
            assert "Traceback" not in err, err


def test_workbenches_starting_together_build_the_sample_district_once(fresh_database):
    """Two workbenches on one new database each seed the sample district if it has no units: the second finds
    the first's under the write lock and leaves it (it used to refuse: "already has units")."""
    from sqlmodel import Session, func, select

    from huiyin.core.clock import ManualClock
    from huiyin.server.base.settings import Settings
    from huiyin.server.district import sample
    from huiyin.server.serving.app import create_app
    from huiyin.server.storage.models import Unit
    from tests.conftest import FROZEN_NOW

    url = fresh_database().url
    ctxs = [create_app(Settings(database_url=url), ManualClock(FROZEN_NOW)).state.ctx for _ in range(2)]
    built: list[bool] = []
    gate = threading.Barrier(len(ctxs))

    def seed(ctx) -> None:  # type: ignore[no-untyped-def]
        gate.wait()
        built.append(sample.ensure_sample(ctx, matters=False))

    threads = [threading.Thread(target=seed, args=(ctx,)) for ctx in ctxs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert sorted(built) == [False, True]
        with Session(ctxs[0].engine) as session:
            assert session.exec(select(func.count()).select_from(Unit)).one() == len(sample.UNITS)
    finally:
        for ctx in ctxs:
            ctx.engine.dispose()
