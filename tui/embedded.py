"""Starting the embedded server: the one place (with ``cli.py``) where the workbench imports huiyin.server.

The embedded server is the real server on 127.0.0.1 with SQLite in the platformdirs data dir; the workbench
talks to it over HTTP exactly as to a remote one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from huiyin.core.clock import Clock


class EmbeddedLauncher:
    def __init__(self, data_dir: Path, clock: Clock | None = None, *, sample: bool = True,
                 database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.sample = sample
        # the same database `huiyin serve` uses by default: one district per machine unless told otherwise
        self.database_url = (database_url or os.environ.get("HUIYIN_DATABASE_URL")
                             or f"sqlite:///{data_dir / 'huiyin.db'}")
        self._server: Any = None

    def start(self) -> str:
        """Start the server (blocking until it answers); returns its base URL."""
        from huiyin.server.embedded import EmbeddedServer  # lazy: only embedded mode needs the server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "sqlalchemy"):
            # the terminal belongs to the workbench: server logs must not draw over it
            logging.getLogger(name).setLevel(logging.CRITICAL)
            logging.getLogger(name).propagate = False
        self._server = EmbeddedServer(self.database_url, clock=self.clock, sample=self.sample)
        return str(self._server.start())

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.stop()
            finally:
                self._server = None
