"""Starting the embedded server: the one place (with ``cli/``) where the workbench imports huiyin.server.

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
        from huiyin.server.serving.embedded import EmbeddedServer  # lazy: only embedded mode needs the server

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


def sample_people() -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str, str]]]:
    """The sample district's units ``(name, tier)`` and operators ``(username, display name, role, unit,
    password)``, for checking demo scenarios (:mod:`huiyin.tui.demo.scenario`)."""
    from huiyin.server.district import sample  # lazy: only demo mode needs it

    units = [(spec.name, str(spec.tier)) for spec in sample.UNITS]
    operators = [(username, display, str(role), unit, sample.SAMPLE_PASSWORD)
                 for username, display, role, unit in sample.OPERATORS]
    return units, operators


class DemoLauncher(EmbeddedLauncher):
    """The demo sandbox: the built-in server in demo mode (its clock the scenario's simulated one) on a SQLite
    database in a temporary directory that is thrown away when it stops, never the district's data.
    ``district``: the scenario's own units and operators, or ``None`` for the sample district."""

    def __init__(self, clock: Clock, district: Any = None, *, supervise_seconds: float = 0.5) -> None:
        import tempfile

        self.tmp = Path(tempfile.mkdtemp(prefix="huiyin-demo-"))
        super().__init__(self.tmp, clock, sample=district is None or district.kind == "sample",
                         database_url=f"sqlite:///{self.tmp / 'demo.db'}")
        self.district = district
        self.supervise_seconds = supervise_seconds

    def start(self) -> str:
        from huiyin.server.serving.embedded import EmbeddedServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "sqlalchemy"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
            logging.getLogger(name).propagate = False
        self._server = EmbeddedServer(self.database_url, clock=self.clock, sample=self.sample, sample_matters=False,
                                      demo=True, supervise_seconds=self.supervise_seconds)
        url = str(self._server.start())
        if self.district is not None and self.district.kind == "own":
            from huiyin.server.district.sample import create_own_district

            create_own_district(self._server.ctx, self.district.unit_specs, self.district.operator_specs)
        return url

    def stop(self) -> None:
        import shutil

        try:
            super().stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def reset(self) -> None:
        """Stop and throw the sandbox away; the next :meth:`start` begins on an empty one."""
        self.stop()
        self.tmp.mkdir(parents=True, exist_ok=True)

