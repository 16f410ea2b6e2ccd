"""Shared test fixtures: real databases (SQLite files, fresh PostgreSQL databases) and real servers over HTTP.

API tests take the ``backend`` fixture, parametrised over ``sqlite`` and ``postgresql``; the API suite
(``tests/api/conftest.py``) and other modules that ask for it (``backend = backends(*WITH_WORKERS)``) run also
against ``postgresql-2w``, a real ``huiyin serve --workers 2`` subprocess shared by the session's modules (a
test that moves the server's clock or reaches into its process is skipped there). PostgreSQL is the one at
``$HUIYIN_TEST_POSTGRES_URL`` (default ``postgresql://127.0.0.1:5432/test``); each server gets a database of its
own that is dropped afterwards, so runs never see each other's rows. Where PostgreSQL is not reachable those
tests are skipped, unless ``HUIYIN_REQUIRE_POSTGRES=1`` (as in CI), which turns that into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

# Every server of the suite, in process or a subprocess (which inherits this), hashes new passwords with
# argon2's cheapest parameters: real argon2id, a sign-in in ~0.1 ms instead of ~130 ms (the suite signs in
# thousands of times). Set before anything imports the server; tests/server/test_serve_limits.py runs its
# servers at the default cost, which its limits are about.
os.environ.setdefault("HUIYIN_PASSWORD_HASHING", "CHEAPEST")

from huiyin.core.clock import ManualClock

# Property tests: no per-example time limit (a loaded 2-core CI machine is slow, not wrong); in CI the examples
# are derandomized so a run is reproducible, and locally every run explores new ones.
settings.register_profile("huiyin", deadline=None, derandomize=os.environ.get("CI") == "true")
settings.load_profile("huiyin")

POSTGRES_URL = os.environ.get("HUIYIN_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
#: Thursday 2026-11-26 10:00 in Chongqing: the frozen "now" of the tests
FROZEN_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)

_pg_state: dict[str, object] = {}


def postgres_available() -> str | None:
    """``None`` when PostgreSQL answers, else why not."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(POSTGRES_URL, connect_timeout=3):
                pass
            _pg_state["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable here"
            _pg_state["reason"] = f"PostgreSQL at {POSTGRES_URL} not reachable: {exc}".splitlines()[0]
    return _pg_state["reason"]  # type: ignore[return-value]


class FreshDatabase:
    """A database nobody else uses: a SQLite file under ``tmp`` or a new PostgreSQL database."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / f'huiyin-{uuid.uuid4().hex[:8]}.db'}"
            self.name = None
        else:
            import psycopg

            self.name = f"huiyin_t_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            base = POSTGRES_URL.rsplit("/", 1)[0]
            self.url = f"{base}/{self.name}"

    def drop(self) -> None:
        if self.name:
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _backend_param(request: pytest.FixtureRequest) -> str:
    backend = request.param
    if backend.startswith("postgresql"):
        reason = postgres_available()
        if reason:
            if os.environ.get("HUIYIN_REQUIRE_POSTGRES") == "1":
                pytest.fail(reason)
            pytest.skip(reason)
    return backend


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return _backend_param(request)


#: every backend, the two-worker PostgreSQL server included
WITH_WORKERS = ("sqlite", "postgresql", "postgresql-2w")


def backends(*names: str):  # type: ignore[no-untyped-def]
    """A module's own ``backend`` fixture over ``names`` (``backend = backends(*WITH_WORKERS)``)."""

    @pytest.fixture(params=list(names), scope="module", name="backend")
    def _backend(request: pytest.FixtureRequest) -> str:
        return _backend_param(request)

    return _backend


@pytest.fixture(scope="module")
def fresh_database(backend: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A factory of fresh databases for this module's backend; all are dropped at the end."""
    made: list[FreshDatabase] = []
    kind, _, workers = backend.partition("-")

    def make() -> FreshDatabase:
        db = FreshDatabase(kind, tmp_path_factory.mktemp("db"))
        made.append(db)
        return db

    make.workers = int(workers.rstrip("w")) if workers else 0  # type: ignore[attr-defined]
    yield make
    for db in made:
        db.drop()


@pytest.fixture(scope="session")
def shared_worker_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``shared_worker_server(workers)`` → one ``huiyin serve --workers N`` (sample district, no matters, frozen
    at FROZEN_NOW) for the whole session: a worker server takes seconds to start, so the modules that run against
    one share it (their tests, like all API tests, only look at what they themselves recorded)."""
    from tests.server.serving import WorkerServer

    made: dict[int, tuple[WorkerServer, FreshDatabase]] = {}

    def get(workers: int) -> WorkerServer:
        if workers not in made:
            db = FreshDatabase("postgresql", tmp_path_factory.mktemp("db"))
            made[workers] = (WorkerServer(db.url, FROZEN_NOW, workers=workers), db)
        return made[workers][0]

    yield get
    for srv, db in made.values():
        srv.stop()
        db.drop()


@pytest.fixture(scope="module")
def start_server(fresh_database, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``start_server(sample_matters=False, now=FROZEN_NOW)`` → a running server on a fresh database. On
    ``postgresql-2w`` the default one is the session's shared worker server; ``own=True`` asks for a server of the
    test's own there too (throttle counts, queue totals: what other modules' requests would change)."""
    from huiyin.server.serving.embedded import EmbeddedServer

    servers: list = []

    def start(sample_matters: bool = False, now: datetime = FROZEN_NOW, sample: bool = True,
              supervise_seconds: float | None = None, own: bool = False) -> EmbeddedServer:
        if fresh_database.workers:
            from tests.server.serving import WorkerServer

            if not own and sample and not sample_matters and now == FROZEN_NOW and supervise_seconds is None:
                return request.getfixturevalue("shared_worker_server")(fresh_database.workers)

            worker_server = WorkerServer(fresh_database().url, now, workers=fresh_database.workers, sample=sample,
                                         sample_matters=sample_matters, supervise_seconds=supervise_seconds)
            servers.append(worker_server)
            return worker_server  # type: ignore[return-value]
        srv = EmbeddedServer(fresh_database().url, ManualClock(now), sample=sample, sample_matters=sample_matters,
                             supervise_seconds=supervise_seconds)
        srv.start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """One server per test module (and backend): the sample district's units and accounts, no matters."""
    return start_server()


@pytest.fixture(scope="module")
def api(server):  # type: ignore[no-untyped-def]
    from tests.helpers import Api

    with Api(server.base_url) as client:
        yield client


@pytest.fixture
def in_process(backend: str) -> None:
    """Skip on ``postgresql-2w``, before any server starts: for a test that moves its server's clock or reaches
    into its process (ask for it before the fixture that starts the server)."""
    if backend.endswith("-2w"):
        pytest.skip("moves the server's clock or reaches into its process: only an in-process server's")


@pytest.fixture
def clock(server) -> Iterator[ManualClock]:  # type: ignore[no-untyped-def]
    """The module server's clock; put back where it was after each test. (A test that moves it cannot run against
    a server in other processes: its ``clock`` skips the test.)"""
    clk: ManualClock = server.clock
    before = clk.now()
    yield clk
    clk.set(before)


#: the longest modules, started first: the suite's workers (pytest-xdist, a module each) then finish together
#: instead of one of them starting the fuzz run as the other runs out of work
LONGEST_FIRST = ("tests/api/test_fuzz.py", "tests/api/test_claim_race.py", "tests/api/test_permission_matrix.py",
                 "tests/tui/test_big_queue.py", "tests/api/test_workflow_property.py", "tests/server/test_cli.py",
                 "tests/tui/test_demo_stories.py", "tests/tui/test_day_one.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: a module's tests keep their order (and their module-scoped servers)
