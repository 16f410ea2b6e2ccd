"""The assessment (年度考核): every figure of a period from the event log, by the rules of ``docs/assessment.md``.

:func:`assess` is a pure function over rows (:class:`MatterRow`, :class:`EventRow`, the units, a period, the
calendar and policy): the server feeds it from two indexed queries, the tests from lists. It returns an
:class:`Assessment` of :class:`Figures` per unit, tier, district, category and month, and (``keep_ids``) the
matters behind each figure for the drill-down. :func:`parse_period` turns the command line's and the API's
``from``/``to``/``year``/``quarter``/``month`` into a :class:`Period`; :func:`rate_text` writes
``93.92 % (371/395)``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

from .deadlines import DeadlinePolicy, WorkCalendar, claim_deadline, working_seconds_between
from .domain import EventKind, LinkKind, Status, Tier
from .units import UnitInfo

if TYPE_CHECKING:
    from .schemas import AssessmentFigures, AssessmentOut

#: the longest period a report covers (a leap year)
MAX_PERIOD_DAYS = 366
#: the event kinds the assessment reads (supervision notices, notes and links of other matters are not needed)
EVENT_KINDS: tuple[str, ...] = tuple(k.value for k in (
    EventKind.record, EventKind.claim, EventKind.release, EventKind.escalate, EventKind.request_help,
    EventKind.assign, EventKind.answer, EventKind.close, EventKind.reopen, EventKind.follow_up, EventKind.link,
    EventKind.approve_extension, EventKind.deadline_changed))
MOVES = (EventKind.escalate.value, EventKind.release.value, EventKind.request_help.value, EventKind.assign.value)
#: the figures a drill-down may ask for (each a list of matters)
DRILL_FIGURES: tuple[str, ...] = ("received", "recorded", "closed", "closed_on_time", "closed_late", "open",
                                  "overdue_open", "reopened", "duplicates", "claimed_late", "escalations",
                                  "releases", "help_requests", "follow_ups", "satisfied")
NO_RATE = "—"


class PeriodError(ValueError):
    """A period that cannot be reported: ``field`` names the input at fault (``from``, ``to``, ``year`` ...)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True, slots=True)
class Period:
    #: first and last local day, both inclusive
    first: date
    last: date

    def bounds(self, policy: DeadlinePolicy) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: 00:00 local of ``first`` to 00:00 local of the day after ``last``."""
        tz = policy.tz
        start = datetime.combine(self.first, time(0), tzinfo=tz).astimezone(timezone.utc)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
        return start, end

    def months(self) -> list[str]:
        out, day = [], self.first.replace(day=1)
        while day <= self.last:
            out.append(f"{day.year:04d}-{day.month:02d}")
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise PeriodError(name, f"{name} must be a date like 2026-11-27, not {text!r}") from None


def parse_period(start: str | None = None, end: str | None = None, *, year: str | int | None = None,
                 quarter: str | None = None, month: str | None = None) -> Period:
    """One period from exactly one of: ``start``+``end`` (ISO dates, both inclusive), ``year`` (2026), ``quarter``
    (2026Q3) or ``month`` (2026-11). Raises :class:`PeriodError` naming the field at fault."""
    given = [name for name, value in (("year", year), ("quarter", quarter), ("month", month)) if value not in (None, "")]
    ranged = start not in (None, "") or end not in (None, "")
    if len(given) > 1 or (given and ranged):
        raise PeriodError(given[-1], "give one period: from/to, a year, a quarter or a month")
    if year not in (None, ""):
        text = str(year).strip()
        if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 9999:
            raise PeriodError("year", f"year must be like 2026, not {year!r}")
        y = int(text)
        return Period(date(y, 1, 1), date(y, 12, 31))
    if quarter not in (None, ""):
        found = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", str(quarter).strip())
        if not found or int(found.group(1)) < 1900:
            raise PeriodError("quarter", f"quarter must be like 2026Q3, not {quarter!r}")
        y, q = int(found.group(1)), int(found.group(2))
        first = date(y, 3 * q - 2, 1)
        last = (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)) - timedelta(days=1)
        return Period(first, last)
    if month not in (None, ""):
        found = re.fullmatch(r"(\d{4})-(\d{1,2})", str(month).strip())
        if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
            raise PeriodError("month", f"month must be like 2026-11, not {month!r}")
        y, m = int(found.group(1)), int(found.group(2))
        first = date(y, m, 1)
        last = (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)) - timedelta(days=1)
        return Period(first, last)
    if start in (None, ""):
        raise PeriodError("from", "give the period: from and to (dates), or a year, quarter or month")
    if end in (None, ""):
        raise PeriodError("to", "give the period's last day (to)")
    first, last = _date(str(start), "from"), _date(str(end), "to")
    if last < first:
        raise PeriodError("to", f"to ({last}) is before from ({first})")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError("to", f"a report covers at most {MAX_PERIOD_DAYS} days")
    return Period(first, last)


# ------------------------------------------------------------------------------------------------------ rates


def rate_value(num: int, den: int) -> float | None:
    return num / den if den else None


def rate_text(num: int, den: int) -> str:
    """``93.92 % (371/395)``; ``— (0/0)`` when there is nothing to divide by. Half up, two decimals."""
    if not den:
        return f"{NO_RATE} ({num}/{den})"
    pct = (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{pct} % ({num}/{den})"


def percentile90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile (the smallest value with at least 90 % at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


# ------------------------------------------------------------------------------------------------------ input


class MatterRow(NamedTuple):
    id: int
    number: str
    category: str
    origin_unit_id: int
    created_at: datetime


class EventRow(NamedTuple):
    """One timeline entry, as much of it as the assessment reads; give them ordered by (matter_id, id)."""

    matter_id: int
    kind: str
    holder_unit_id: int
    from_unit_id: int | None
    to_unit_id: int | None
    status_after: str
    satisfaction: int | None
    due_at: datetime | None
    created_at: datetime
    link_kind: str | None = None


# ------------------------------------------------------------------------------------------------------ output


@dataclass(slots=True)
class Figures:
    recorded: int = 0
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open: int = 0
    overdue_open: int = 0
    reopened: int = 0
    duplicates: int = 0
    arrivals: int = 0
    claimed_in_time: int = 0
    escalations: int = 0
    releases: int = 0
    help_requests: int = 0
    follow_ups: int = 0
    satisfied: int = 0
    satisfaction_sum: int = 0
    claim_hours: list[float] = field(default_factory=list)
    answer_hours: list[float] = field(default_factory=list)

    def merge(self, other: "Figures") -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.claim_hours.extend(other.claim_hours)
        self.answer_hours.extend(other.answer_hours)

    @property
    def closed_late(self) -> int:
        return self.closed - self.closed_on_time

    def rate(self, name: str) -> tuple[int, int]:
        """(numerator, denominator) of ``closure``, ``on_time``, ``claim`` or ``satisfaction``."""
        return {"closure": (self.closed, self.received), "on_time": (self.closed_on_time, self.received),
                "claim": (self.claimed_in_time, self.arrivals),
                "satisfaction": (self.satisfied, self.follow_ups)}[name]

    @property
    def satisfaction_mean(self) -> float | None:
        return round(self.satisfaction_sum / self.follow_ups, 2) if self.follow_ups else None

    @staticmethod
    def hours(values: list[float]) -> tuple[float | None, float | None]:
        if not values:
            return None, None
        p90 = percentile90(values)
        return round(sum(values) / len(values), 1), round(p90, 1) if p90 is not None else None

    def rank_key(self) -> tuple:
        return tuple(Fraction(*self.rate(name)) if self.rate(name)[1] else Fraction(-1)
                     for name in ("closure", "on_time", "claim")) + (self.received,)


_COUNTS = tuple(name for name in Figures.__dataclass_fields__ if name not in ("claim_hours", "answer_hours"))


@dataclass(slots=True)
class Assessment:
    period: Period
    start: datetime
    end: datetime
    #: the instant the figures are counted at: the period's end, or now for a period not over yet
    as_of: datetime
    units: dict[int, Figures]
    tiers: dict[Tier, Figures]
    district: Figures
    categories: dict[str, Figures]
    months: dict[str, Figures]
    unit_months: dict[int, dict[str, Figures]]
    #: unit id → tier rank (``None``: nothing received)
    ranks: dict[int, int | None]
    #: (unit id, figure) → matter ids (only with ``keep_ids``)
    ids: dict[tuple[int, str], list[int]]


# ------------------------------------------------------------------------------------------------------ time


class _WorkClock:
    """Working seconds and claim deadlines, memoized per local day (a year of 100,000 matters in well under a
    second). Same results as :func:`working_seconds_between` and :func:`claim_deadline`."""

    def __init__(self, calendar: WorkCalendar, policy: DeadlinePolicy) -> None:
        self.calendar, self.policy, self.tz = calendar, policy, policy.tz
        self._claim: dict[date, datetime] = {}
        self._index: dict[date, int] = {}
        self._workday: dict[date, bool] = {}
        self.ds = policy.day_start.hour * 3600 + policy.day_start.minute * 60 + policy.day_start.second
        self.de = policy.day_end.hour * 3600 + policy.day_end.minute * 60 + policy.day_end.second

    def claim_due(self, at: datetime) -> datetime:
        day = at.astimezone(self.tz).date()
        due = self._claim.get(day)
        if due is None:
            due = self._claim[day] = claim_deadline(at, self.calendar, self.policy).due_at
        return due

    def _is_workday(self, day: date) -> bool:
        known = self._workday.get(day)
        if known is None:
            known = self._workday[day] = bool(self.calendar.is_workday(day))
        return known

    def seconds(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        da, db = a.date(), b.date()
        if (db - da).days > 62:  # rare: let the general function count long spans
            return float(working_seconds_between(start, end, self.calendar, self.policy))

        def inside(day: date, lo: int | None, hi: int | None) -> int:
            if not self._is_workday(day):
                return 0
            x = self.ds if lo is None else min(max(lo, self.ds), self.de)
            y = self.de if hi is None else min(max(hi, self.ds), self.de)
            return max(0, y - x)

        sa = a.hour * 3600 + a.minute * 60 + a.second
        sb = b.hour * 3600 + b.minute * 60 + b.second
        if da == db:
            return float(inside(da, sa, sb))
        total = inside(da, sa, None) + inside(db, None, sb)
        day = da + timedelta(days=1)
        full = self.de - self.ds
        while day < db:
            if self._is_workday(day):
                total += full
            day += timedelta(days=1)
        return float(total)


# ------------------------------------------------------------------------------------------------------ assess


def assess(matters: Iterable[MatterRow], events: Iterable[EventRow], units: Iterable[UnitInfo], period: Period,
           calendar: WorkCalendar, policy: DeadlinePolicy, now: datetime, *, keep_ids: bool = False) -> Assessment:
    """Every figure of ``period`` by the rules of ``docs/assessment.md``. ``matters`` may hold more than the
    cohort (those recorded outside the period are skipped); ``events`` need only the kinds of
    :data:`EVENT_KINDS`, ordered by (matter_id, id); events at or after the period's end are ignored."""
    start, end = period.bounds(policy)
    as_of = min(end, now)
    clock = _WorkClock(calendar, policy)
    unit_list = list(units)
    tier_of = {u.id: Tier(u.tier) for u in unit_list}
    per_unit: dict[int, Figures] = defaultdict(Figures)
    categories: dict[str, Figures] = defaultdict(Figures)
    months: dict[str, Figures] = {m: Figures() for m in period.months()}
    unit_months: dict[int, dict[str, Figures]] = defaultdict(lambda: defaultdict(Figures))
    ids: dict[tuple[int, str], list[int]] = defaultdict(list)
    tz = policy.tz

    by_matter: dict[int, list[EventRow]] = defaultdict(list)
    for ev in events:
        if ev.created_at < as_of:
            by_matter[ev.matter_id].append(ev)

    def note(unit: int, figure: str, matter_id: int) -> None:
        if keep_ids:
            ids[(unit, figure)].append(matter_id)

    for m in matters:
        if not start <= m.created_at < as_of:
            continue
        evs = by_matter.get(m.id, [])
        if not evs:
            continue
        local = m.created_at.astimezone(tz)
        month = f"{local.year:04d}-{local.month:02d}"
        category = m.category or NO_RATE
        moves: list[tuple[int, str]] = []
        mine = Figures()  # the responsible unit's share, decided after the walk
        # --- walk the timeline: stages (arrival → claim or move), deadline in force, answers, closures
        stage_unit: int | None = None
        stage_at: datetime | None = None
        due: datetime | None = None
        last_answer: tuple[datetime, datetime | None] | None = None  # (answered at, deadline then)
        status = Status.pending.value
        closed_answer: tuple[datetime, datetime | None] | None = None
        reopened = duplicate = False
        rating: int | None = None
        holder = m.origin_unit_id
        stage_results: list[tuple[int, bool, float | None]] = []  # (unit, in time, claim hours)

        def end_stage(at: datetime, claimed: bool) -> None:
            nonlocal stage_unit, stage_at
            if stage_unit is None or stage_at is None:
                return
            in_time = at <= clock.claim_due(stage_at)
            hours = clock.seconds(stage_at, at) / 3600 if claimed else None
            stage_results.append((stage_unit, in_time, hours))
            stage_unit = stage_at = None

        for ev in evs:
            kind = ev.kind
            holder = ev.holder_unit_id
            if ev.due_at is not None:
                due = ev.due_at
            if kind == "record":
                stage_unit, stage_at = ev.holder_unit_id, ev.created_at
            elif kind == "claim":
                end_stage(ev.created_at, True)
            elif kind in MOVES:
                end_stage(ev.created_at, False)
                sender = ev.from_unit_id if ev.from_unit_id is not None else ev.holder_unit_id
                moves.append((sender, kind))
                stage_unit, stage_at = ev.to_unit_id or ev.holder_unit_id, ev.created_at
            elif kind == "answer":
                last_answer = (ev.created_at, due)
            elif kind == "reopen":
                reopened = True
            elif kind == "follow_up" and ev.satisfaction is not None:
                rating = ev.satisfaction
            elif kind == "link" and ev.link_kind == LinkKind.duplicate.value:
                duplicate = ev.status_after == Status.closed.value
            if kind == "close":
                closed_answer = last_answer
            status = ev.status_after
        if stage_unit is not None and stage_at is not None:
            # still waiting at the period's end: counted only once its claim deadline has passed
            if clock.claim_due(stage_at) < as_of:
                stage_results.append((stage_unit, False, None))
        unit = holder
        is_closed = status == Status.closed.value
        if duplicate and is_closed:
            mine.duplicates = 1
            figures_add(per_unit, categories, months, unit_months, unit, category, month, mine)
            note(unit, "duplicates", m.id)
            continue
        mine.received = 1
        note(unit, "received", m.id)
        if is_closed:
            mine.closed = 1
            note(unit, "closed", m.id)
            if closed_answer is not None:
                answered_at, deadline_then = closed_answer
                if deadline_then is None or answered_at <= deadline_then:
                    mine.closed_on_time = 1
                    note(unit, "closed_on_time", m.id)
                else:
                    note(unit, "closed_late", m.id)
                mine.answer_hours.append(clock.seconds(m.created_at, answered_at) / 3600)
            else:
                note(unit, "closed_late", m.id)
        else:
            mine.open = 1
            note(unit, "open", m.id)
            if due is not None and due < as_of:
                mine.overdue_open = 1
                note(unit, "overdue_open", m.id)
        if reopened:
            mine.reopened = 1
            note(unit, "reopened", m.id)
        if rating is not None:
            mine.follow_ups = 1
            mine.satisfaction_sum = rating
            note(unit, "follow_ups", m.id)
            if rating >= 4:
                mine.satisfied = 1
                note(unit, "satisfied", m.id)
        figures_add(per_unit, categories, months, unit_months, unit, category, month, mine)
        # --- the recording unit, the stages' units and the senders get their own shares
        extra: dict[int, Figures] = defaultdict(Figures)
        extra[m.origin_unit_id].recorded += 1
        note(m.origin_unit_id, "recorded", m.id)
        for stage_u, in_time, hours in stage_results:
            share = extra[stage_u]
            share.arrivals += 1
            if in_time:
                share.claimed_in_time += 1
            else:
                note(stage_u, "claimed_late", m.id)
            if hours is not None:
                share.claim_hours.append(hours)
        for sender, kind in moves:
            share = extra[sender]
            if kind == "escalate":
                share.escalations += 1
                note(sender, "escalations", m.id)
            elif kind == "release":
                share.releases += 1
                note(sender, "releases", m.id)
            elif kind == "request_help":
                share.help_requests += 1
                note(sender, "help_requests", m.id)
        for extra_unit, share in extra.items():
            figures_add(per_unit, categories, months, unit_months, extra_unit, category, month, share)

    # --- totals and ranks
    tiers: dict[Tier, Figures] = {tier: Figures() for tier in Tier}
    district = Figures()
    for unit_id, figures in per_unit.items():
        tier = tier_of.get(unit_id)
        if tier is not None:
            tiers[tier].merge(figures)
        district.merge(figures)
    for u in unit_list:
        per_unit.setdefault(u.id, Figures())
    ranks: dict[int, int | None] = {}
    for tier in Tier:
        members = [u for u in unit_list if Tier(u.tier) is tier and u.id in per_unit]
        ranked = sorted((u for u in members if per_unit[u.id].received),
                        key=lambda u: (tuple(-x for x in per_unit[u.id].rank_key()), u.name))
        previous_key, previous_rank = None, 0
        for position, u in enumerate(ranked, start=1):
            key = per_unit[u.id].rank_key()
            rank = previous_rank if key == previous_key else position
            ranks[u.id] = rank
            previous_key, previous_rank = key, rank
        for u in members:
            ranks.setdefault(u.id, None)
    return Assessment(period=period, start=start, end=end, as_of=as_of, units=dict(per_unit), tiers=tiers,
                      district=district, categories=dict(categories), months=months,
                      unit_months={k: dict(v) for k, v in unit_months.items()}, ranks=ranks, ids=dict(ids))


def figures_add(per_unit: dict[int, Figures], categories: dict[str, Figures], months: dict[str, Figures],
                unit_months: dict[int, dict[str, Figures]], unit: int, category: str, month: str,
                share: Figures) -> None:
    per_unit[unit].merge(share)
    categories[category].merge(share)
    if month in months:
        months[month].merge(share)
    unit_months[unit][month].merge(share)


# ------------------------------------------------------------------------------------------------------ wire


def figures_out(f: Figures) -> "AssessmentFigures":
    from .schemas import AssessmentFigures, HoursOut, RateOut

    def rate(name: str) -> RateOut:
        num, den = f.rate(name)
        return RateOut(num=num, den=den, value=rate_value(num, den), text=rate_text(num, den))

    def hours(values: list[float]) -> HoursOut:
        mean, p90 = Figures.hours(values)
        return HoursOut(count=len(values), mean=mean, p90=p90)

    counts = {name: getattr(f, name) for name in _COUNTS if name != "satisfaction_sum"}
    return AssessmentFigures(**counts, closed_late=f.closed_late, satisfaction_mean=f.satisfaction_mean,
                             closure_rate=rate("closure"), on_time_rate=rate("on_time"), claim_rate=rate("claim"),
                             satisfaction_rate=rate("satisfaction"), hours_to_claim=hours(f.claim_hours),
                             hours_to_answer=hours(f.answer_hours))


def report_out(a: Assessment, units: Iterable[UnitInfo], *, unit: int | None = None, tier: Tier | None = None,
               group: str | None = None) -> "AssessmentOut":
    """The wire form; ``unit`` / ``tier`` choose the unit rows shown (never a figure), ``group="category"`` adds
    the category rows. Unit rows come by tier (district, town, village), then rank, then name."""
    from .schemas import AssessmentOut, AssessmentRow

    unit_list = [u for u in units if u.id in a.units]
    if unit is not None:
        unit_list = [u for u in unit_list if u.id == unit]
    if tier is not None:
        unit_list = [u for u in unit_list if Tier(u.tier) is tier]
    big = 10**9
    unit_list.sort(key=lambda u: (Tier(u.tier).rank, a.ranks.get(u.id) or big, u.name))
    rows = [AssessmentRow(kind="unit", key=u.name, unit_id=u.id, tier=Tier(u.tier), rank=a.ranks.get(u.id),
                          figures=figures_out(a.units[u.id])) for u in unit_list]
    tiers = [AssessmentRow(kind="tier", key=t.value, tier=t, figures=figures_out(a.tiers[t])) for t in Tier
             if tier is None or t is tier]
    if unit is not None:
        months_of = a.unit_months.get(unit, {})
        months = [AssessmentRow(kind="month", key=m, figures=figures_out(months_of.get(m, Figures())))
                  for m in a.period.months()]
    else:
        months = [AssessmentRow(kind="month", key=m, figures=figures_out(f)) for m, f in a.months.items()]
    categories = []
    if group == "category":
        categories = [AssessmentRow(kind="category", key=c, figures=figures_out(f))
                      for c, f in sorted(a.categories.items(), key=lambda kv: (-kv[1].received, kv[0]))]
    return AssessmentOut(first=a.period.first, last=a.period.last, as_of=a.as_of, units=rows, tiers=tiers,
                         district=AssessmentRow(kind="district", key="district", figures=figures_out(a.district)),
                         categories=categories, months=months)
