"""Alembic environment: runs against the engine the server hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from huiyin.server import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from huiyin.server.db import make_engine
        from huiyin.server.settings import Settings

        engine = make_engine(Settings.from_env().database_url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
