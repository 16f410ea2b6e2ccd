"""Play one seed's random assessment history through a running in-process server (its clock moved to each
action's instant) and compare ``GET /api/reports/assessment`` with the reference over the stored timelines: used
by tests/api/test_assessment_property.py and ``python -m bench assessment --database URL``."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from huiyin.core.calendar import WorkdayCalendar
from huiyin.core.deadlines import DeadlinePolicy
from huiyin.server.district.sample import OPERATORS
from tests.core import assessment_reference as ref
from tests.core.assessment_histories import CQ, history, sample_units

MARCH_1 = datetime(2026, 3, 1, tzinfo=CQ)
LATER = datetime(2026, 5, 20, 9, tzinfo=CQ)
PERIODS = {"feb": {"month": "2026-02"}, "mar": {"month": "2026-03"}, "year": {"year": "2026"}}
BOUNDS = {"feb": (date(2026, 2, 1), date(2026, 2, 28)), "mar": (date(2026, 3, 1), date(2026, 3, 31)),
          "year": (date(2026, 1, 1), date(2026, 12, 31))}


def prepare(api: Any) -> tuple[dict[int, int], list[ref.Unit]]:
    """Everyone logged in (at the server's now: a token holds at every earlier moment); the history's unit ids →
    this server's, and the units with a row in the report."""
    for username, _display, _role, _unit in OPERATORS:
        if username != "trainer":
            api.login(username)
    units = api["admin"].get("/api/units").json()
    by_name = {u["name"]: u for u in units}
    core_to_server = {u.id: by_name[u.name]["id"] for u in sample_units()}
    return core_to_server, [ref.Unit(u["id"], u["name"], u["tier"]) for u in units if u["parent_id"] is not None]


def timelines(server) -> tuple[dict[int, list[ref.Entry]], dict[int, str]]:  # type: ignore[no-untyped-def]
    """Every matter's timeline as the server stored it, and the categories."""
    with server.ctx.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT matter_id, kind, holder_unit_id, satisfaction, due_at, created_at, "
                                    "link_kind FROM matter_events ORDER BY matter_id, id")).all()
        categories = dict(conn.execute(sa.text("SELECT id, category FROM matters")).all())

    def instant(value):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    out: dict[int, list[ref.Entry]] = {}
    for mid, kind, holder, rated, due, at, link_kind in rows:
        out.setdefault(mid, []).append(ref.Entry(kind, holder, instant(at), rated, instant(due), link_kind))
    return out, categories


def check(server, api, units, which: str, stored: tuple | None = None) -> dict:  # type: ignore[no-untyped-def]
    """The API's report of ``which`` now, compared with the reference over the stored timelines (``stored``: as
    :func:`timelines` read them, if already read since the last write)."""
    r = api["command"].get("/api/reports/assessment", params={**PERIODS[which], "group": "category"})
    assert r.status_code == 200, r.text
    got = ref.api_shape(r.json())
    lines, categories = stored or timelines(server)
    with Session(server.ctx.engine) as session:
        loaded = server.ctx.rules.load(session)
    first, last = BOUNDS[which]
    expected = ref.report(lines, categories, units, loaded.calendar, loaded.policy, first, last,
                          server.clock.now(), unit_months=False)
    diff = ref.differences(expected, got)
    assert not diff, (which, server.clock.now(), len(diff), diff[:20])
    return got


def play_seed(server: Any, api: Any, core_to_server: dict[int, int], units: list[ref.Unit], seed: int,
              matters: int) -> int:
    """One seed: its history POSTed at its instants; February checked at its end, March and the year at a moment
    of March (often an action's very instant, that action played), all three again on May 20 (February unchanged).
    Returns the steps played."""
    h = history(seed, matters, WorkdayCalendar(), DeadlinePolicy())
    rng = random.Random(seed)
    march = [s.at for s in h.steps if MARCH_1 < s.at < datetime(2026, 4, 1, tzinfo=CQ)]
    checkpoint = rng.choice(march) if march and rng.random() < 0.5 else datetime(
        2026, 3, rng.randint(2, 31), rng.randint(0, 23), rng.randint(0, 59), tzinfo=CQ)
    numbers: dict[int, str] = {}
    played = iter(h.steps)
    pending = next(played, None)

    def play_until(limit: datetime, inclusive: bool = False) -> None:
        """Every step before ``limit`` (and at it, if ``inclusive``: an entry at the report's instant is not counted
        yet)."""
        nonlocal pending
        while pending is not None and (pending.at < limit or inclusive and pending.at == limit):
            step = pending
            server.clock.set(step.at.astimezone(UTC))
            session = api[step.username]
            if step.action == "record":
                numbers[step.matter] = session.record(**step.body)["number"]
            else:
                body = dict(step.body)
                if "to_unit" in body:
                    body["to_unit"] = core_to_server[body["to_unit"]]
                if "other" in body:
                    body["other"] = numbers[body["other"]]
                session.act(numbers[step.matter], step.action, **body)
            pending = next(played, None)

    play_until(MARCH_1)
    server.clock.set(MARCH_1.astimezone(UTC))
    at_end = check(server, api, units, "feb")
    play_until(checkpoint, inclusive=True)
    server.clock.set(checkpoint.astimezone(UTC))
    stored = timelines(server)
    assert check(server, api, units, "feb", stored) == at_end
    check(server, api, units, "mar", stored)
    check(server, api, units, "year", stored)
    play_until(LATER)
    server.clock.set(LATER.astimezone(UTC))
    stored = timelines(server)
    assert check(server, api, units, "feb", stored) == at_end, "February's figures changed after its end"
    check(server, api, units, "mar", stored)
    check(server, api, units, "year", stored)
    return len(h.steps)
