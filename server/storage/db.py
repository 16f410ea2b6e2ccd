"""Engines and migrations.

SQLite runs in WAL mode with foreign keys on and a busy timeout (every step of opening a connection waits it out,
switching the journal mode included); any other SQLAlchemy URL works too
(PostgreSQL through psycopg 3: ``postgresql+psycopg://...``; a plain ``postgresql://`` URL is taken to mean that).
The schema is only ever changed by the Alembic migrations in ``migrations/``; every run of them (``upgrade``,
``downgrade``) holds a lock for its whole length (see ``migrations/env.py``), so servers starting together on
one database do not trip over each other: each start migrates, the first does the work.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: how long a SQLite connection waits for another's lock before it gives up
SQLITE_BUSY_SECONDS = 30


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the database in WAL mode (a no-op when it is already: the mode is stored in the file).

    Switching needs the database to itself, and SQLite answers "database is locked" at once, without waiting out
    the busy timeout, when another connection is switching or reading at that moment: servers starting together
    on one new file met that (one in ten starts died). So the switch waits here, up to the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    pause = 0.005
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
                               pool_size=10, max_overflow=30)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            # take the write lock at BEGIN so two writers never deadlock on an upgrade from read to write
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("huiyin_write") else "BEGIN")

        return engine
    # no pre-ping (a round trip on every checkout, 3-4 per request): a connection the server lost is found out
    # by the statement that fails on it, and SQLAlchemy then drops every older pooled connection at once
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def alembic_config(engine: Engine | None) -> Config:
    """The migrations' configuration; ``None``: only to read the scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (under the same lock as :func:`upgrade`)."""
    command.downgrade(alembic_config(engine), revision)


def revisions() -> list[str]:
    """Every migration's revision id, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(None))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


#: one lock per SQLite engine that this process's writers queue on (see :func:`write_session`)
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock | None:
    if engine.dialect.name != "sqlite":
        return None
    with _WRITERS_LOCK:
        lock = _WRITERS.get(engine)
        if lock is None:
            lock = _WRITERS[engine] = threading.RLock()
        return lock


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes the write lock at once on SQLite (``BEGIN IMMEDIATE``), so a
    read-then-write never fails half-way on a snapshot another writer moved.

    On SQLite this process's writers first queue on a lock of their own, taken before a connection is checked
    out: SQLite makes a writer that finds the database locked sleep and retry (its busy handler sleeps up to
    100 ms a try), so eight windows writing at once used to wait hundreds of milliseconds for a lock that was
    free again after two; a thread lock hands it on at once. Writers in other processes (the command line)
    still meet SQLite's own lock and busy timeout. Keep the block short: the lock is held for all of it."""
    with _writer_lock(engine) or nullcontext():
        with engine.connect() as conn:
            conn = conn.execution_options(huiyin_write=True)
            with Session(bind=conn) as session:
                yield session
