"""Alembic environment: runs against the engine the server hands over in ``config.attributes``.

Every run happens under a lock, so any number of servers may start on one database at once: the first migrates,
the others wait and then find the schema at head. On PostgreSQL the lock is a transaction-level advisory lock
(DDL is transactional there); on SQLite the whole run is one ``BEGIN IMMEDIATE`` transaction (the database's
write lock), with foreign keys switched off for its duration, because batch mode rebuilds a table by copying it,
dropping the original and renaming the copy, which SQLite refuses while other tables' rows point at it. The
foreign keys are checked (``PRAGMA foreign_key_check``) before the transaction commits and switched back on after.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from huiyin.server.storage import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata

#: the key of the PostgreSQL advisory lock that serialises migrations (any constant other than
#: events.EVENT_LOCK_KEY)
PG_LOCK_KEY = 0x687569796E


def _sqlite_pragma(connection: Connection, statement: str) -> None:
    """A PRAGMA outside any transaction (``foreign_keys`` is a no-op inside one): straight on the driver."""
    driver = connection.connection.driver_connection
    assert driver is not None  # a live connection, checked out for the migration
    driver.execute(statement)


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from huiyin.server.base.settings import Settings
        from huiyin.server.storage.db import make_engine

        engine = make_engine(Settings.from_env().database_url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            # huiyin_write: BEGIN IMMEDIATE on SQLite (see db.make_engine), so the run holds the write lock
            with connection.execution_options(huiyin_write=True).begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
                context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=sqlite)
                with context.begin_transaction():
                    context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


run_migrations_online()
