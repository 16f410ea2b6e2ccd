"""A second, deliberately simple reading of docs/assessment.md: every figure of the report from raw timelines.

Written from the page, not from ``huiyin.core.assessment`` (nothing of it is imported): each rule is computed on
its own from a matter's entries, with plain ``datetime`` arithmetic, its own working-time and claim-deadline
counting (from the calendar's ``is_workday`` and the policy's numbers) and its own rounding, so that a fold that
drifts from the page shows up as a difference. Slow and obvious on purpose.

Input: :class:`Entry` timelines per matter (each matter's in timeline order, its ``record`` first), the units,
the calendar, the policy, the period's first and last day and now. Output: :func:`report` → a dict shaped like
the API's JSON (``units`` by name with ``rank`` and ``figures``, ``tiers``, ``district``, ``categories``,
``months``), see :func:`api_shape` for the API's side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

MOVES = ("escalate", "release", "request_help", "assign")
COUNTED_MOVES = {"escalate": "escalations", "release": "releases", "request_help": "help_requests"}
TIERS = ("district", "town", "village")


@dataclass(frozen=True)
class Entry:
    kind: str
    #: the unit holding the matter after this entry
    holder: int
    created_at: datetime
    satisfaction: int | None = None
    #: the deadline this entry set (record, an approved extension, a recount)
    due_at: datetime | None = None
    link_kind: str | None = None


@dataclass(frozen=True)
class Unit:
    id: int
    name: str
    tier: str


# ----------------------------------------------------------------------------------------------- the calendar


def _local(moment: datetime, policy: Any) -> datetime:
    return moment.astimezone(policy.tz)


def working_time(start: datetime, end: datetime, calendar: Any, policy: Any) -> timedelta:
    """"Working hours count only the district's working time": each working day from day_start to day_end, local
    time; nothing else. Exact (timedelta keeps microseconds)."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = _local(start, policy).date()
    last = _local(end, policy).date()
    while day <= last:
        if calendar.is_workday(day):
            opens = datetime.combine(day, policy.day_start, tzinfo=policy.tz)
            closes = datetime.combine(day, policy.day_end, tzinfo=policy.tz)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def claim_deadline(arrived: datetime, calendar: Any, policy: Any) -> datetime:
    """The close (day_end) of the claim_days-th working day after the local day of arrival (docs/deadlines.md:
    the day of receipt never counts)."""
    day = _local(arrived, policy).date()
    counted = 0
    while counted < policy.claim_days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return datetime.combine(day, policy.day_end, tzinfo=policy.tz)


# ----------------------------------------------------------------------------------------------- one matter


@dataclass
class Matter:
    """What one matter of the cohort counts, as of the report's instant, by the page's rules."""

    duplicate: bool
    holder: int
    origin: int
    closed: bool
    on_time: bool
    answer_work: timedelta | None
    overdue: bool
    reopened: bool
    rating: int | None
    #: (unit, counted in time?, working time to claim if a claim ended it)
    arrivals: list[tuple[int, bool, timedelta | None]]
    #: (sender, figure)
    moves: list[tuple[int, str]]


def read_matter(entries: list[Entry], as_of: datetime, calendar: Any, policy: Any) -> Matter:
    es = [e for e in entries if e.created_at < as_of]  # "computed from the events before the period's end"
    assert es and es[0].kind == "record"
    is_dup_link = [e.kind == "link" and e.link_kind == "duplicate" for e in es]
    holder = es[-1].holder

    # duplicates: the last duplicate link not followed by a reopen
    last_link = max((i for i, d in enumerate(is_dup_link) if d), default=None)
    duplicate = last_link is not None and not any(e.kind == "reopen" for e in es[last_link + 1:])

    # closed: the last of close / duplicate link / reopen is a close (a duplicate is out anyway)
    ends = [i for i, e in enumerate(es) if e.kind in ("close", "reopen") or is_dup_link[i]]
    closed = bool(ends) and es[ends[-1]].kind == "close"

    def deadline_at(index: int) -> datetime | None:
        """The deadline in force at entry ``index``: the last one set by it or before it."""
        return next((es[i].due_at for i in range(index, -1, -1) if es[i].due_at is not None), None)

    on_time, answer_work = False, None
    if closed:
        answers = [i for i in range(ends[-1]) if es[i].kind == "answer"]
        if answers:
            a = answers[-1]
            due = deadline_at(a)
            on_time = due is None or es[a].created_at <= due
            answer_work = working_time(es[0].created_at, es[a].created_at, calendar, policy)
    due_now = deadline_at(len(es) - 1)
    overdue = not closed and due_now is not None and due_now < as_of

    # a reopen counts unless it undoes a duplicate link (the last closing entry before it is that link)
    def undoes_link(index: int) -> bool:
        before = [i for i in range(index) if es[i].kind in ("close", "reopen") or is_dup_link[i]]
        return bool(before) and is_dup_link[before[-1]]

    reopened = any(e.kind == "reopen" and not undoes_link(i) for i, e in enumerate(es))
    ratings = [e.satisfaction for e in es if e.kind == "follow_up" and e.satisfaction is not None]

    # stages: each arrival (record, a move) and each reopen of a duplicate, until the first claim, move, answer
    # or duplicate link after it
    starts = [i for i, e in enumerate(es) if e.kind == "record" or e.kind in MOVES
              or (e.kind == "reopen" and undoes_link(i))]
    arrivals: list[tuple[int, bool, timedelta | None]] = []
    for s in starts:
        unit, arrived = es[s].holder, es[s].created_at
        limit = claim_deadline(arrived, calendar, policy)
        end = next((j for j in range(s + 1, len(es))
                    if es[j].kind in ("claim", "answer") or es[j].kind in MOVES or is_dup_link[j]), None)
        if end is None:  # still waiting at the period's end: counts (late) only once its deadline has passed
            if limit < as_of:
                arrivals.append((unit, False, None))
            continue
        if is_dup_link[end]:
            continue  # closed as a duplicate before anyone claimed it: never counted
        ended = es[end].created_at
        claim_work = working_time(arrived, ended, calendar, policy) if es[end].kind == "claim" else None
        arrivals.append((unit, ended <= limit, claim_work))
    moves = [(es[i - 1].holder, COUNTED_MOVES[e.kind]) for i, e in enumerate(es) if e.kind in COUNTED_MOVES]
    return Matter(duplicate, holder, es[0].holder, closed, on_time, answer_work, overdue, reopened,
                  ratings[-1] if ratings else None, arrivals, moves)


# ----------------------------------------------------------------------------------------------- figures


COUNTS = ("recorded", "received", "closed", "closed_on_time", "open", "overdue_open", "reopened", "duplicates",
          "arrivals", "claimed_in_time", "escalations", "releases", "help_requests", "follow_ups", "satisfied")


def _empty() -> dict:
    return {**{name: 0 for name in COUNTS}, "ratings": [], "claim": [], "answer": []}


def _credit(into: dict[Any, dict], m: Matter, key: Any) -> None:
    """Credit matter ``m`` to ``into``, whose rows are chosen by ``key(unit)``."""
    def row(unit: int) -> dict:
        return into.setdefault(key(unit), _empty())

    if m.duplicate:
        row(m.holder)["duplicates"] += 1
        return
    r = row(m.holder)
    r["received"] += 1
    r["closed"] += m.closed
    r["closed_on_time"] += m.closed and m.on_time
    r["open"] += not m.closed
    r["overdue_open"] += m.overdue
    r["reopened"] += m.reopened
    if m.answer_work is not None:
        r["answer"].append(m.answer_work)
    if m.rating is not None:
        r["follow_ups"] += 1
        r["satisfied"] += m.rating >= 4
        r["ratings"].append(m.rating)
    row(m.origin)["recorded"] += 1
    for unit, in_time, claim_work in m.arrivals:
        a = row(unit)
        a["arrivals"] += 1
        a["claimed_in_time"] += in_time
        if claim_work is not None:
            a["claim"].append(claim_work)
    for sender, figure in m.moves:
        row(sender)[figure] += 1


def _sum(rows: list[dict]) -> dict:
    out = _empty()
    for r in rows:
        for name, value in r.items():
            out[name] = out[name] + value
    return out


def _exact_half_up(value: Fraction, places: int) -> float:
    """Half up of the exact value (no division rounding first)."""
    scaled = value * 10**places
    n = math.floor(scaled + Fraction(1, 2))
    return float(Decimal(n).scaleb(-places))


def _rate(num: int, den: int) -> dict:
    if not den:
        return {"num": num, "den": den, "value": None, "text": f"— ({num}/{den})"}
    pct = math.floor(Fraction(num * 10000, den) + Fraction(1, 2))  # hundredths of a percent, half up
    return {"num": num, "den": den, "value": num / den, "text": f"{pct // 100}.{pct % 100:02d} % ({num}/{den})"}


def _hours(values: list[timedelta]) -> dict:
    if not values:
        return {"count": 0, "mean": None, "p90": None}
    us = sorted(v // timedelta(microseconds=1) for v in values)
    hour = 3600 * 10**6
    mean = Fraction(sum(us), len(us) * hour)
    rank = math.ceil(Fraction(9, 10) * len(us))  # nearest rank: the smallest value with 90 % at or below it
    return {"count": len(us), "mean": _exact_half_up(mean, 1), "p90": _exact_half_up(Fraction(us[rank - 1], hour), 1)}


def figures(r: dict) -> dict:
    ratings = r["ratings"]
    out = {name: r[name] for name in COUNTS}
    out["closed_late"] = r["closed"] - r["closed_on_time"]
    out["claimed_late"] = r["arrivals"] - r["claimed_in_time"]
    out["satisfaction_mean"] = _exact_half_up(Fraction(sum(ratings), len(ratings)), 2) if ratings else None
    out["closure_rate"] = _rate(r["closed"], r["received"])
    out["on_time_rate"] = _rate(r["closed_on_time"], r["received"])
    out["claim_rate"] = _rate(r["claimed_in_time"], r["arrivals"])
    out["satisfaction_rate"] = _rate(r["satisfied"], r["follow_ups"])
    out["hours_to_claim"] = _hours(r["claim"])
    out["hours_to_answer"] = _hours(r["answer"])
    return out


def _months(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def report(timelines: dict[int, list[Entry]], categories: dict[int, str], units: list[Unit], calendar: Any,
           policy: Any, first: date, last: date, now: datetime, *, unit_months: bool = True) -> dict:
    """Every figure of the period ``first``–``last`` (both inclusive) as of ``now``, by docs/assessment.md
    (``unit_months``: each unit's months too, as ``GET /api/reports/assessment?unit=`` gives them)."""
    tz = policy.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    as_of = min(end, now)
    by_unit: dict[int, dict] = {}
    by_category: dict[str, dict] = {}
    by_month: dict[str, dict] = {}
    by_unit_month: dict[tuple[int, str], dict] = {}
    for mid, entries in timelines.items():
        recorded_at = entries[0].created_at
        if not start <= recorded_at < as_of:  # the cohort: recorded in the period (up to now)
            continue
        m = read_matter(entries, as_of, calendar, policy)
        local = recorded_at.astimezone(tz)
        month = f"{local.year:04d}-{local.month:02d}"
        _credit(by_unit, m, lambda u: u)
        _credit(by_category, m, lambda u, mid=mid: categories.get(mid) or "—")
        _credit(by_month, m, lambda u, month=month: month)
        if unit_months:
            _credit(by_unit_month, m, lambda u, month=month: (u, month))
    tier_of = {u.id: u.tier for u in units}
    district = _sum(list(by_unit.values()))
    tiers = {t: _sum([r for u, r in by_unit.items() if tier_of.get(u) == t]) for t in TIERS}

    # ranks: within a tier by closure rate, on-time rate, claim rate (a rate of nothing below every rate), more
    # received, then name; equal rates and received share a rank; nothing received: no rank
    def key(u: Unit) -> tuple:
        r = by_unit.get(u.id, _empty())

        def rate(num: str, den: str) -> Fraction:
            return Fraction(r[num], r[den]) if r[den] else Fraction(-1)
        return (rate("closed", "received"), rate("closed_on_time", "received"),
                rate("claimed_in_time", "arrivals"), r["received"])

    ranks: dict[int, int | None] = {}
    for t in TIERS:
        ranked = sorted((u for u in units if u.tier == t and by_unit.get(u.id, _empty())["received"]),
                        key=lambda u: (tuple(-x for x in key(u)), u.name))
        for position, u in enumerate(ranked, start=1):
            ranks[u.id] = position if position == 1 or key(u) != key(ranked[position - 2]) \
                else ranks[ranked[position - 2].id]
    months = _months(first, last)
    out = {
        "as_of": as_of.astimezone(UTC),
        "units": {u.name: {"rank": ranks.get(u.id), "figures": figures(by_unit.get(u.id, _empty()))} for u in units},
        "tiers": {t: figures(tiers[t]) for t in TIERS},
        "district": figures(district),
        "categories": {c: figures(r) for c, r in by_category.items()},
        "months": {m: figures(by_month.get(m, _empty())) for m in months},
    }
    if unit_months:
        out["unit_months"] = {u.name: {m: figures(by_unit_month.get((u.id, m), _empty())) for m in months}
                              for u in units}
    return out


def api_shape(body: dict) -> dict:
    """The API's JSON (``GET /api/reports/assessment?group=category``) in :func:`report`'s shape (``unit_months``
    aside: they come one unit at a time, with ``unit=``)."""
    def fig(row: dict) -> dict:
        return row["figures"]

    return {"as_of": datetime.fromisoformat(body["as_of"]).astimezone(UTC),
            "units": {r["key"]: {"rank": r["rank"], "figures": fig(r)} for r in body["units"]},
            "tiers": {r["key"]: fig(r) for r in body["tiers"]},
            "district": fig(body["district"]),
            "categories": {r["key"]: fig(r) for r in body["categories"]},
            "months": {r["key"]: fig(r) for r in body["months"]}}


def differences(expected: Any, got: Any, path: str = "") -> list[str]:
    """Every figure where ``got`` differs from ``expected`` (``path: expected != got``)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(expected) | set(got), key=str):
            if k not in got or k not in expected:
                out.append(f"{path}/{k}: only in {'expected' if k in expected else 'got'}")
            else:
                out.extend(differences(expected[k], got[k], f"{path}/{k}"))
        return out
    if isinstance(expected, float) and isinstance(got, float):
        return [] if math.isclose(expected, got, rel_tol=0, abs_tol=1e-12) else [f"{path}: {expected!r} != {got!r}"]
    return [] if expected == got else [f"{path}: {expected!r} != {got!r}"]
