"""Throw-away databases for the bench: a SQLite file in a temporary directory, or a fresh PostgreSQL database
(``$HUIYIN_BENCH_POSTGRES_URL``, default the test server ``postgresql://127.0.0.1:5432/test``, is only used to
create and drop it). Both are gone when the ``with`` ends."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

POSTGRES_URL = os.environ.get("HUIYIN_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def _admin() -> sa.Engine:
    from huiyin.server.storage.db import normalize_url

    return sa.create_engine(normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


def postgres_available() -> bool:
    try:
        with _admin().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - no server: the bench says so and runs SQLite only
        return False


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A URL of an empty database of ``backend`` (``sqlite`` or ``postgresql``), dropped afterwards."""
    if backend == "sqlite":
        # not under /tmp: a shared machine's tidy-ups there must not pull the file from under a running bench
        parent = Path(os.environ.get("HUIYIN_BENCH_DIR", Path.home() / ".cache" / "huiyin-bench"))
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="sqlite-", dir=parent) as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"huiyin_bench_{secrets.token_hex(4)}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(admin.url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
