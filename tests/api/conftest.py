"""The API suite runs against every backend: SQLite and PostgreSQL in-process, and PostgreSQL behind a real
``huiyin serve --workers 2`` (``postgresql-2w``), whose requests land on either worker. A test that needs what only
an in-process server offers (moving its clock, reading its engine) is skipped on ``postgresql-2w`` by the fixture
it uses (``clock``, ``in_process``)."""

from tests.conftest import WITH_WORKERS, backends

backend = backends(*WITH_WORKERS)
