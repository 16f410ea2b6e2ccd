"""The assessment against a second reading of its rules (issue 25), in core: seeded random histories of the sample
district over February–March 2026 (Spring Festival and its make-up workdays inside; duplicate and related links,
reopens, extensions, escalations, releases, help requests, assignments, claims by a unit above, follow-ups; actions
exactly on claim deadlines, answer deadlines and a month's end), reported for a past month, the month going on and
the year by ``huiyin.core.assessment`` and by ``tests/core/assessment_reference.py`` (written from
docs/assessment.md), every figure compared; a past month's figures are the same at its end and weeks later.
The same over HTTP, on SQLite and PostgreSQL: tests/api/test_assessment_property.py; a longer run:
``python -m bench assessment --seeds 500``."""

from __future__ import annotations

import os
import random
from datetime import datetime

import pytest

from huiyin.core.assessment import EventRow, assess, parse_period, report_out
from huiyin.core.calendar import WorkdayCalendar
from huiyin.core.deadlines import DeadlinePolicy
from tests.core import assessment_reference as ref
from tests.core.assessment_histories import CQ, History, history, report_units

SEEDS = int(os.environ.get("HUIYIN_ASSESSMENT_SEEDS", "30"))
MATTERS = 30
CALENDAR = WorkdayCalendar()
POLICY = DeadlinePolicy()
MARCH_1 = datetime(2026, 3, 1, tzinfo=CQ)


def rows(h: History) -> list[EventRow]:
    """The entries the fold reads (a link only when it marks a duplicate), each matter's in order."""
    return [EventRow(mid, e.kind, e.holder, e.satisfaction, e.due_at.timestamp() if e.due_at else None,
                     e.created_at.timestamp())
            for mid, entries in h.timelines.items() for e in entries if e.kind != "link" or e.link_kind == "duplicate"]


def core_report(h: History, period: str, now: datetime) -> dict:
    """The fold's report in the reference's shape, the per-unit months included."""
    kind, _, value = period.partition(":")
    p = parse_period(**{kind: value})
    units = [u for u in h.units if u.parent_id is not None]
    a = assess(rows(h), units, p, CALENDAR, POLICY, now, categories=h.categories)
    out = ref.api_shape(report_out(a, units, group="category").model_dump(mode="json"))
    out["unit_months"] = {u.name: {m.key: m.figures.model_dump(mode="json")
                                   for m in report_out(a, units, unit=u.id).months} for u in units}
    return out


def reference(h: History, period: str, now: datetime) -> dict:
    kind, _, value = period.partition(":")
    p = parse_period(**{kind: value})
    return ref.report(h.timelines, h.categories, report_units(h.units), CALENDAR, POLICY, p.first, p.last, now)


def check(h: History, period: str, now: datetime) -> dict:
    got = core_report(h, period, now)
    expected = reference(h, period, now)
    assert not ref.differences(expected, got), (period, now, ref.differences(expected, got)[:20])
    return got


@pytest.mark.parametrize("seed", range(SEEDS))
def test_every_figure_as_the_rules_say(seed: int) -> None:
    check_seed(seed, MATTERS)


def check_seed(seed: int, matters: int) -> None:
    """One seed's history of about ``matters`` matters: February at its end and long after (the same figures),
    March at a moment of March, the year then and in April (also ``python -m bench assessment``)."""
    h = history(seed, matters, CALENDAR, POLICY)
    rng = random.Random(seed)
    steps = [s.at for s in h.steps]
    # the month going on: now somewhere in March, often exactly on an action's instant (it is not counted yet)
    march_now = rng.choice([s for s in steps if MARCH_1 <= s < datetime(2026, 4, 1, tzinfo=CQ)] or [MARCH_1])
    if rng.random() < 0.5:
        march_now = datetime(2026, 3, rng.randint(2, 31), rng.randint(0, 23), rng.randint(0, 59), tzinfo=CQ)
    at_end = check(h, "month:2026-02", MARCH_1)
    later = check(h, "month:2026-02", datetime(2026, 5, 20, tzinfo=CQ))
    assert at_end == later  # a past month's figures are the same at its end and long after it
    check(h, "month:2026-03", march_now)
    check(h, "year:2026", march_now)
    check(h, "year:2026", datetime(2026, 4, 20, 9, tzinfo=CQ))


def test_the_histories_exercise_every_rule() -> None:
    """Across the suite's seeds: duplicates reopened, claims by a unit above, answers on their deadline, entries
    exactly at a month's end, extensions granted and refused — the cases issue 25 found."""
    seen: dict[str, int] = {}
    for seed in range(SEEDS):
        h = history(seed, MATTERS, CALENDAR, POLICY)
        for entries in h.timelines.values():
            kinds = [e.kind for e in entries]
            dup = [i for i, e in enumerate(entries) if e.link_kind == "duplicate"]
            if dup and "reopen" in kinds[dup[0]:]:
                seen["reopened duplicate"] = seen.get("reopened duplicate", 0) + 1
            for i, e in enumerate(entries):
                if e.kind == "claim" and entries[i - 1].holder != e.holder:
                    seen["claim by a unit above"] = seen.get("claim by a unit above", 0) + 1
                if e.created_at == MARCH_1:
                    seen["at a month's end"] = seen.get("at a month's end", 0) + 1
                if e.kind in ("approve_extension", "reject_extension", "assign", "release", "escalate",
                              "request_help", "follow_up"):
                    seen[e.kind] = seen.get(e.kind, 0) + 1
                if e.kind == "answer" and e.created_at.astimezone(CQ).strftime("%H:%M:%S.%f") == "17:30:00.000000":
                    seen["at 17:30 exactly"] = seen.get("at 17:30 exactly", 0) + 1
    for case in ("reopened duplicate", "claim by a unit above", "at a month's end", "approve_extension",
                 "reject_extension", "assign", "release", "escalate", "request_help", "follow_up",
                 "at 17:30 exactly"):
        assert seen.get(case, 0) >= 3, (case, seen)
