"""The assessment over HTTP against a second reading of its rules (issue 25), on SQLite and PostgreSQL.

Each seed's random history (tests/core/assessment_histories.py: links, reopens, extensions, escalations,
releases, help requests, assignments, claims by a unit above, follow-ups; actions exactly on claim deadlines,
answer deadlines and a month's end, across Spring Festival 2026) is POSTed through the API with the server's clock
moved to each action's instant. ``GET /api/reports/assessment`` for February (at its very end, 2026-03-01 00:00,
and again after March and April went on), for March while it goes on and for the year is compared, figure by
figure, with ``tests/core/assessment_reference.py`` (written from docs/assessment.md) over the timelines as the
server stored them; February's figures must not change after its end (tests/api/assessment_play.py).

The seeds share one server per backend: each report covers every seed played so far (the reference reads every
timeline), so the later seeds are checked over a growing district. More: ``python -m bench assessment``.
"""

from __future__ import annotations

import os

import pytest

from tests.api.assessment_play import play_seed, prepare
from tests.conftest import backends

#: the server's clock is moved and its engine read: in-process servers only
backend = backends("sqlite", "postgresql")

SEEDS = int(os.environ.get("HUIYIN_ASSESSMENT_API_SEEDS", "20"))
MATTERS = 5


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """The module's server; its supervision pass (notices, which the assessment does not read) runs at start only."""
    return start_server(supervise_seconds=3600)


@pytest.fixture(scope="module")
def district(server, api):  # type: ignore[no-untyped-def]
    before = server.clock.now()
    yield prepare(api)
    server.clock.set(before)


@pytest.mark.parametrize("seed", range(SEEDS))
def test_every_figure_over_http(server, api, district, seed: int) -> None:  # type: ignore[no-untyped-def]
    core_to_server, units = district
    assert play_seed(server, api, core_to_server, units, 1000 + seed, MATTERS) > MATTERS


def test_the_command_line_reads_the_same(server, api, district, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``huiyin report --format json`` from the database (every seed above played) is the API's report, for each
    period, at the same clock."""
    import json

    from huiyin.tui.cli.local import main
    from tests.api.assessment_play import PERIODS

    now = server.clock.now()
    for name, params in PERIODS.items():
        out = tmp_path / f"{name}.json"
        option, value = next(iter(params.items()))
        assert main(["report", f"--{option}", value, "--group", "category", "--format", "json", "--output", str(out),
                     "--database", server.settings.database_url, "--clock", now.isoformat()]) == 0
        r = api["command"].get("/api/reports/assessment", params={**params, "group": "category"})
        assert json.loads(out.read_text(encoding="utf-8")) == r.json(), name
