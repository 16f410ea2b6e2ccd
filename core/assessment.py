"""The assessment (年度考核): every figure of a period from the event log, by the rules of ``docs/assessment.md``.

Two pure steps. :func:`fold` turns one matter's timeline entries (:class:`EventRow`) into its
:class:`MatterFacts`: units and instants only, nothing that depends on a period, the calendar or the policy, so the
server can keep them up to date with each entry it writes. :func:`assess_facts` credits the facts of a period's
matters to the figures (the claim deadlines, working hours, what was overdue or still waiting at the period's end)
and returns an :class:`Assessment` of :class:`Figures` per unit, tier, district, category and month, and
(``keep_ids``) the matters behind each figure for the drill-down. :func:`assess` does both over raw entries: the
reference the stored facts are tested against. :func:`parse_period` turns the command line's and the API's
``from``/``to``/``year``/``quarter``/``month`` into a :class:`Period`; :func:`rate_text` writes
``93.92 % (371/395)``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .deadlines import DeadlinePolicy, WorkCalendar, claim_deadline
from .domain import EventKind, LinkKind, Tier
from .schemas import AssessmentFigures
from .units import UnitInfo
from .workflow import ACTION_ORDER, HANDS_ON

if TYPE_CHECKING:
    from .schemas import AssessmentOut

#: the longest period a report covers (a leap year)
MAX_PERIOD_DAYS = 366
#: the event kinds the assessment reads (supervision notices, notes and links of other matters are not needed)
EVENT_KINDS: tuple[str, ...] = tuple(k.value for k in (
    EventKind.record, EventKind.claim, EventKind.release, EventKind.escalate, EventKind.request_help,
    EventKind.assign, EventKind.answer, EventKind.close, EventKind.reopen, EventKind.follow_up, EventKind.link,
    EventKind.approve_extension, EventKind.deadline_changed))
#: the entries that hand a matter on (huiyin.core.workflow.HANDS_ON)
MOVES: tuple[str, ...] = tuple(a.value for a in ACTION_ORDER if a in HANDS_ON)
#: the figures a drill-down may ask for (each a list of matters), in the order the workbench offers them
DRILL_FIGURES: tuple[str, ...] = ("received", "closed", "closed_on_time", "closed_late", "open", "overdue_open",
                                  "reopened", "claimed_late", "escalations", "releases", "help_requests",
                                  "follow_ups", "satisfied", "duplicates", "recorded")
NO_RATE = "—"
#: a number: a working time in microseconds, or a rating
_N = TypeVar("_N", int, float)


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
        start = datetime.combine(self.first, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
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
    given = [name for name, value in (("year", year), ("quarter", quarter), ("month", month))
             if value not in (None, "")]
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


def half_up(value: Fraction | int, places: int) -> float:
    """``value`` rounded half up (a half goes away from zero) to ``places`` decimals: 32.25 → 32.3, exactly."""
    scaled = Fraction(value) * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return float(Decimal(whole if scaled >= 0 else -whole).scaleb(-places))


def percentile90(values: Sequence[_N]) -> _N | None:
    """Nearest-rank 90th percentile (the smallest value with at least 90 % at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


# ------------------------------------------------------------------------------------------------------ input


class EventRow(NamedTuple):
    """One timeline entry, as much of it as the assessment reads."""

    matter_id: int
    kind: str
    #: the unit holding the matter after this entry
    holder_unit_id: int
    satisfaction: int | None
    #: the deadline this entry set (record, an approved extension, a recount), else ``None``: epoch seconds
    due_at: float | None
    #: when: epoch seconds (``datetime.timestamp()``)
    created_at: float


# ------------------------------------------------------------------------------------------------------ output


#: the report's figures worked out from others (:class:`Figures` has them as properties), not counted
_DERIVED = ("closed_late", "claimed_late")
#: what is counted, in the order the credit keeps the counts in a plain list: every whole-number figure of the
#: report (:class:`huiyin.core.schemas.AssessmentFigures`) that is not derived, and the ratings' sum (for their mean)
_COUNTS: tuple[str, ...] = (*(name for name, spec in AssessmentFigures.model_fields.items()
                              if spec.annotation is int and name not in _DERIVED), "satisfaction_sum")


@dataclass(slots=True, init=False)
class Figures:
    """The figures of one unit, tier, category or month: each count of :data:`_COUNTS` by its name
    (``figures.received``), and the working times."""

    counts: dict[str, int]
    #: working time (whole microseconds) from each arrival to its claim, and from each closed matter's recording
    #: to the answer that preceded its closure
    claim_work: list[int]
    answer_work: list[int]

    def __init__(self, *, claim_work: list[int] | None = None, answer_work: list[int] | None = None,
                 **counts: int) -> None:
        unknown = set(counts) - set(_COUNTS)
        if unknown:
            raise TypeError(f"no figure {', '.join(sorted(unknown))}")
        self.counts = {name: counts.get(name, 0) for name in _COUNTS}
        self.claim_work = [] if claim_work is None else claim_work
        self.answer_work = [] if answer_work is None else answer_work

    def __getattr__(self, name: str) -> int:
        # only for names that are not attributes: the counts
        if name in _COUNTS:
            return self.counts[name]
        raise AttributeError(name)

    def merge(self, other: Figures) -> None:
        for name, value in other.counts.items():
            self.counts[name] += value
        self.claim_work.extend(other.claim_work)
        self.answer_work.extend(other.answer_work)

    @property
    def closed_late(self) -> int:
        return self.closed - self.closed_on_time

    @property
    def claimed_late(self) -> int:
        """Arrivals not claimed (or sent on) within their claim deadline."""
        return self.arrivals - self.claimed_in_time

    def rate(self, name: str) -> tuple[int, int]:
        """(numerator, denominator) of ``closure``, ``on_time``, ``claim`` or ``satisfaction``."""
        return {"closure": (self.closed, self.received), "on_time": (self.closed_on_time, self.received),
                "claim": (self.claimed_in_time, self.arrivals),
                "satisfaction": (self.satisfied, self.follow_ups)}[name]

    @property
    def satisfaction_mean(self) -> float | None:
        """The mean rating, half up to two decimals (of the exact mean)."""
        return half_up(Fraction(self.satisfaction_sum, self.follow_ups), 2) if self.follow_ups else None

    @staticmethod
    def hours(values: list[int]) -> tuple[float | None, float | None]:
        """Mean and nearest-rank p90 of working times (microseconds) in hours, each half up to one decimal of its
        exact value."""
        if not values:
            return None, None
        p90 = percentile90(values)
        return (half_up(Fraction(sum(values), len(values) * HOUR_US), 1),
                half_up(Fraction(p90, HOUR_US), 1) if p90 is not None else None)

    def rank_key(self) -> tuple[Fraction | int, ...]:
        return tuple(Fraction(*self.rate(name)) if self.rate(name)[1] else Fraction(-1)
                     for name in ("closure", "on_time", "claim")) + (self.received,)


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


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: microseconds: of a second, a day, a quarter hour, an hour
US = 1_000_000
DAY_US = 86_400 * US
QUARTER_US = 900 * US
HOUR_US = 3600 * US


def instant_us(moment: datetime) -> int:
    """An aware instant as whole microseconds since the epoch (exact)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


class _WorkClock:
    """Local days, working time and claim deadlines on instants in whole microseconds since the epoch (the facts'
    form), in integers: exact, so a mean that falls on a half rounds as docs/assessment.md says. A local day is an
    ``int`` (days since 1970-01-01 in the district's zone). When the zone keeps one offset over the span asked
    (Asia/Shanghai always does) a local time is plain arithmetic; otherwise it is memoized per quarter hour (every
    zone's offset is a multiple of 15 minutes). Same deadlines as :func:`claim_deadline`; the working time of
    :func:`working_seconds_between`, to the microsecond instead of truncated to the second."""

    def __init__(self, calendar: WorkCalendar, policy: DeadlinePolicy, span: tuple[datetime, datetime]) -> None:
        self.calendar, self.policy, self.tz = calendar, policy, policy.tz
        self._claim: dict[int, int] = {}
        self._local: dict[int, tuple[int, int]] = {}
        self._workday: dict[int, bool] = {}
        self._month: dict[int, str] = {}
        self.ds = (policy.day_start.hour * 3600 + policy.day_start.minute * 60 + policy.day_start.second) * US
        self.de = (policy.day_end.hour * 3600 + policy.day_end.minute * 60 + policy.day_end.second) * US
        first, last = span[0] - timedelta(days=2), span[1] + timedelta(days=400)
        offsets = {(first + timedelta(days=n)).astimezone(self.tz).utcoffset()
                   for n in range((last - first).days + 1)}
        only = offsets.pop() if len(offsets) == 1 else None
        #: the zone's one offset over the span, in microseconds (``None``: it changes, e.g. daylight saving time)
        self.offset = int(only.total_seconds()) * US if only is not None else None
        if self.offset is not None:
            self.local = self._fixed_local  # type: ignore[method-assign]  # one offset: the fixed path serves it
        #: working time of the whole days before each local day of the span (a lookup instead of a loop)
        self._base = (instant_us(first) + (self.offset or 0)) // DAY_US
        full = self.de - self.ds if self.de > self.ds else 0
        self._full = full
        self._work = [self._is_workday(self._base + n) for n in range((last - first).days + 1)]
        self._before = [0]
        for working in self._work:
            self._before.append(self._before[-1] + (full if working else 0))
        #: the one offset as an int for the inlined paths (only used when ``offset`` is not ``None``)
        self._fixed_offset = self.offset or 0
        if self.offset is not None:
            self.work = self._fixed_work  # type: ignore[method-assign]  # one offset: the inlined path serves it

    def _fixed_local(self, t: int) -> tuple[int, int]:
        x = t + self._fixed_offset
        day = x // DAY_US
        return day, x - day * DAY_US

    def local(self, t: int) -> tuple[int, int]:
        """(local day, microseconds since local midnight) of the instant ``t`` (microseconds since the epoch)."""
        bucket = t // QUARTER_US
        hit = self._local.get(bucket)
        if hit is None:
            moment = datetime.fromtimestamp(bucket * 900, self.tz)
            hit = self._local[bucket] = (moment.date().toordinal() - _EPOCH_ORDINAL,
                                         (moment.hour * 3600 + moment.minute * 60 + moment.second) * US)
        return hit[0], hit[1] + (t - bucket * QUARTER_US)

    def month(self, day: int) -> str:
        label = self._month.get(day)
        if label is None:
            d = date.fromordinal(day + _EPOCH_ORDINAL)
            label = self._month[day] = f"{d.year:04d}-{d.month:02d}"
        return label

    def claim_due(self, t: int) -> int:
        """The claim deadline of an arrival at ``t`` (microseconds), in microseconds."""
        day = self.local(t)[0]
        due = self._claim.get(day)
        if due is None:
            at = datetime.fromtimestamp(t // US, UTC)
            due = self._claim[day] = instant_us(claim_deadline(at, self.calendar, self.policy).due_at)
        return due

    def _is_workday(self, day: int) -> bool:
        known = self._workday.get(day)
        if known is None:
            known = self._workday[day] = bool(self.calendar.is_workday(date.fromordinal(day + _EPOCH_ORDINAL)))
        return known

    def _inside(self, day: int, lo: int, hi: int) -> int:
        if not self._is_workday(day):
            return 0
        x = lo if lo > self.ds else self.ds
        y = hi if hi < self.de else self.de
        return y - x if y > x else 0

    def work(self, start: int, end: int) -> int:
        """Working time from ``start`` to ``end`` (microseconds since the epoch), in microseconds; 0 if ``end``
        is not after ``start``."""
        if end <= start:
            return 0
        da, sa = self.local(start)
        db, sb = self.local(end)
        if da == db:
            return self._inside(da, sa, sb)
        total = self._inside(da, sa, DAY_US) + self._inside(db, 0, sb)
        i, j = da + 1 - self._base, db - self._base
        if 0 <= i and j < len(self._before):
            return total + (self._before[j] - self._before[i])
        for day in range(da + 1, db):
            if self._is_workday(day):
                total += self._full
        return total

    def _fixed_work(self, start: int, end: int) -> int:
        """:meth:`work` in a zone of one offset, inlined (the credit's hottest call; about a fifth of the
        report's CPU otherwise): the same integer arithmetic, the same result."""
        if end <= start:
            return 0
        x, y = start + self._fixed_offset, end + self._fixed_offset
        da, db = x // DAY_US, y // DAY_US
        i, j = da - self._base, db - self._base
        if db - da > 62 or i < 0 or j >= len(self._work):
            return _WorkClock.work(self, start, end)
        sa, sb = x - da * DAY_US, y - db * DAY_US
        ds, de, work = self.ds, self.de, self._work
        if da == db:
            if not work[i]:
                return 0
            lo = sa if sa > ds else ds
            hi = sb if sb < de else de
            return hi - lo if hi > lo else 0
        total = 0
        if work[i]:
            lo = sa if sa > ds else ds
            total += de - lo if de > lo else 0
        if work[j]:
            hi = sb if sb < de else de
            total += hi - ds if hi > ds else 0
        return total + (self._before[j] - self._before[i + 1])


# ------------------------------------------------------------------------------------------------------ credit


_IX = {name: index for index, name in enumerate(_COUNTS)}
(REC, RCV, CLO, ONT, OPN, OVD, REO, DUP, ARR, CIT, ESC, REL, HLP, FUP, SAT, SSUM) = (
    _IX[n] for n in ("recorded", "received", "closed", "closed_on_time", "open", "overdue_open", "reopened",
                     "duplicates", "arrivals", "claimed_in_time", "escalations", "releases", "help_requests",
                     "follow_ups", "satisfied", "satisfaction_sum"))
#: a list that ignores appends: the figure names are only collected for the drill-down
class _Ignore(list[str]):
    def append(self, _item: object) -> None:
        pass


_NO_MARKS = _Ignore()
#: the figure each move counts in (an assignment counts in none)
_MOVE_FIGURES = {"escalate": (ESC, "escalations"), "release": (REL, "releases"), "request_help": (HLP, "help_requests")}
_MOVE_COUNT: dict[str, tuple[int, str] | None] = {kind: _MOVE_FIGURES.get(kind) for kind in MOVES}


def _figures(counts: list[int], claim_work: list[int], answer_work: list[int]) -> Figures:
    # the counts in field order (_COUNTS), as the credit keeps them in a plain list
    return Figures(**dict(zip(_COUNTS, counts, strict=True)), claim_work=claim_work, answer_work=answer_work)


# ------------------------------------------------------------------------------------------------------ facts


@dataclass(slots=True)
class MatterFacts:
    """What one matter's timeline says, before any period, calendar or policy is applied: the fold
    (:func:`fold`) of its entries, which the server keeps with each entry it writes (``matter_facts``) and a
    report credits to the figures (:func:`assess_facts`). Only units and instants (epoch seconds): whether a
    stage was claimed in time, how many working hours it took and whether the matter was overdue at the period's
    end are decided when a report counts, so a calendar or policy edit never makes stored facts stale.

    :meth:`row` is the stored and credited form (a flat list, :data:`ROW_FIELDS`; cheap to parse from JSON for
    100,000 matters), :meth:`from_row` reads it back. A change of the fold or of the row needs a migration that
    folds every timeline again."""

    #: the recording unit and the ``record`` entry's instant
    origin: int
    created: float
    #: the unit holding the matter after its last entry
    holder: int
    closed: bool
    #: reopened at least once (a reopen that undoes a duplicate link does not count)
    reopened: bool
    #: closed by a duplicate link (and not reopened since)
    duplicate: bool
    #: the deadline last set (record, an approved extension, a recount)
    due: float | None
    #: ``[answered at, deadline then]`` of the last answer, and of the answer that preceded the last closure
    last_answer: list[float | None] | None
    closed_answer: list[float | None] | None
    #: the last follow-up's rating
    rating: int | None
    #: ``[unit, arrived at]``: the stage waiting for a claim (an arrival, or a duplicate's reopen), if any
    open_stage: list[float] | None
    #: ``[unit, arrived at, ended at, 1 if a claim ended it else 0]`` of every stage a claim, a move or an answer
    #: ended (one a duplicate link ended is not kept: it is never counted)
    stages: list[list[float]]
    #: ``[sender, kind]`` of every escalation, release, help request and assignment
    moves: list[list[Any]]
    #: the latest instant of the entries folded in
    last_event_at: float

    def row(self) -> list[Any]:
        """The flat form (:data:`ROW_FIELDS`): instants as whole microseconds since the epoch (what the database
        keeps; JSON reads integers nearly twice as fast as decimals), the answer that preceded the last closure as
        ``true`` when it is the last answer (nearly always), stages and moves as flat lists of 4 and 2 items."""
        last, closed, stage = self.last_answer, self.closed_answer, self.open_stage
        return [self.origin, _us(self.created), self.holder, self.closed, self.reopened, self.duplicate,
                _us(self.due), _us(last[0]) if last else None, _us(last[1]) if last else None,
                True if closed is not None and closed == last else [_us(closed[0]), _us(closed[1])] if closed
                else None, self.rating, stage[0] if stage else None, _us(stage[1]) if stage else None,
                [x for u, arrived, ended, by_claim in self.stages for x in (u, _us(arrived), _us(ended), by_claim)],
                [x for item in self.moves for x in item], _us(self.last_event_at)]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> MatterFacts:
        (origin, created, holder, closed, reopened, duplicate, due, answer_at, answer_due, closed_answer, rating,
         stage_unit, stage_at, stages, moves, last_event_at) = row
        last = [answer_at / 1e6, _s(answer_due)] if answer_at is not None else None
        closed_last: list[float | None] | None
        if closed_answer is True:
            assert last is not None  # ``true``: the answer that preceded the closure is the last answer
            closed_last = list(last)
        else:
            closed_last = [closed_answer[0] / 1e6, _s(closed_answer[1])] if closed_answer else None
        return cls(origin, created / 1e6, holder, closed, reopened, duplicate, _s(due), last, closed_last, rating,
                   [stage_unit, stage_at / 1e6] if stage_unit is not None else None,
                   [[stages[i], stages[i + 1] / 1e6, stages[i + 2] / 1e6, stages[i + 3]]
                    for i in range(0, len(stages), 4)],
                   [list(moves[i:i + 2]) for i in range(0, len(moves), 2)], last_event_at / 1e6)


def _us(t: float | None) -> int | None:
    """Epoch seconds as whole microseconds (exact both ways for any instant a datetime gives: ``n / 1e6`` is the
    float ``datetime.timestamp()`` returns)."""
    return None if t is None else round(t * 1_000_000)


def _s(us: int | None) -> float | None:
    return None if us is None else us / 1e6


#: the items of :meth:`MatterFacts.row`
ROW_FIELDS = ("origin", "created", "holder", "closed", "reopened", "duplicate", "due", "answer_at", "answer_due",
              "closed_answer", "rating", "stage_unit", "stage_at", "stages", "moves", "last_event_at")


def assessed(kind: str, link_kind: str | None = None) -> bool:
    """Whether a timeline entry counts for the assessment (its kind in :data:`EVENT_KINDS`; a ``link`` only when
    it marks a duplicate)."""
    return kind in _READ_KINDS and (kind != "link" or link_kind == LinkKind.duplicate.value)


_READ_KINDS = frozenset(EVENT_KINDS)


def fold(facts: MatterFacts | None, ev: Sequence[Any]) -> MatterFacts | None:
    """One more timeline entry of a matter (an :class:`EventRow` or a tuple in its order, an entry that
    :func:`assessed`) folded into its facts, which are changed in place and returned. ``None``: nothing folded
    yet; the entry must then be the matter's ``record``, else ``None`` comes back (a matter whose recording is
    not among the entries is not reported)."""
    kind, unit, at = ev[1], ev[2], ev[5]
    if facts is None:
        if kind != "record":
            return None
        facts = MatterFacts(unit, at, unit, False, False, False, None, None, None, None, [unit, at], [], [], at)
    if ev[4] is not None:
        facts.due = ev[4]
    if kind == "claim":
        stage = facts.open_stage
        if stage is not None:
            facts.stages.append([stage[0], stage[1], at, 1])
            facts.open_stage = None
    elif kind == "answer":
        stage = facts.open_stage
        if stage is not None:  # only a stage begun by a duplicate's reopen is still waiting at an answer
            facts.stages.append([stage[0], stage[1], at, 0])
            facts.open_stage = None
        facts.last_answer = [at, facts.due]
    elif kind == "close":
        facts.closed, facts.closed_answer = True, facts.last_answer
    elif kind in _MOVE_COUNT:
        stage = facts.open_stage
        if stage is not None:
            facts.stages.append([stage[0], stage[1], at, 0])
        facts.moves.append([facts.holder, kind])
        facts.open_stage = [unit, at]
    elif kind == "follow_up":
        if ev[3] is not None:
            facts.rating = ev[3]
    elif kind == "reopen":
        if facts.duplicate:
            # the link is undone: not a reopen of an answered matter; its holder must take it on again
            facts.duplicate = False
            facts.open_stage = [unit, at]
        else:
            facts.reopened = True
        facts.closed = False
    elif kind == "link":
        # closed as a duplicate: the stage waiting for a claim ends here and is never counted
        facts.closed = facts.duplicate = True
        facts.open_stage = None
    facts.holder = unit
    if at > facts.last_event_at:
        facts.last_event_at = at
    return facts


def fold_timelines(events: Iterable[Sequence[Any]], until: float = math.inf) -> dict[int, MatterFacts]:
    """Each matter's facts from its entries before ``until`` (epoch seconds), each matter's in the order given
    (its timeline's: by id); a matter whose first entry given is not its ``record`` is left out."""
    out: dict[int, MatterFacts | None] = {}
    for ev in events:
        if ev[5] >= until:
            continue
        mid = ev[0]
        if mid in out:
            facts = out[mid]
            if facts is not None:
                fold(facts, ev)
        else:
            out[mid] = fold(None, ev)
    return {mid: facts for mid, facts in out.items() if facts is not None}


# ------------------------------------------------------------------------------------------------------ assess


def assess(events: Iterable[Sequence[Any]], units: Iterable[UnitInfo], period: Period, calendar: WorkCalendar,
           policy: DeadlinePolicy, now: datetime, *, categories: dict[int, str] | None = None,
           keep_ids: bool = False) -> Assessment:
    """Every figure of ``period`` by the rules of ``docs/assessment.md``: each matter's timeline folded
    (:func:`fold_timelines`, the entries before the period's end or ``now``), then credited
    (:func:`assess_facts`). The reference the server's stored facts are checked against.

    ``events``: the timeline entries, each as an :class:`EventRow` (or any tuple in its order), each matter's in
    its own order (by time, or by matter then id), each matter's starting with its ``record`` entry (a matter
    whose first entry given is not its ``record`` is skipped: it was recorded before the period); only the kinds
    of :data:`EVENT_KINDS` are read (``link`` entries must be the duplicate links only). ``categories``: matter
    id → category."""
    start, end = period.bounds(policy)
    facts = fold_timelines(events, min(end, now).timestamp())
    return assess_facts(((mid, f.row()) for mid, f in facts.items()), units, period, calendar, policy, now,
                        categories=categories, keep_ids=keep_ids)


def assess_facts(facts: Iterable[tuple[int, Sequence[Any]]], units: Iterable[UnitInfo], period: Period,
                 calendar: WorkCalendar, policy: DeadlinePolicy, now: datetime, *,
                 categories: dict[int, str] | None = None, keep_ids: bool = False) -> Assessment:
    """Every figure of ``period`` from each matter's facts (``(matter id, MatterFacts.row())``), folded from its
    entries before the period's end (or ``now``, for a period not over yet). Matters recorded outside the period are
    skipped. This is where the period, the calendar and the policy come in: the claim deadlines, the working
    hours, what was overdue or still waiting at the period's end."""
    start, end = period.bounds(policy)
    as_of = min(end, now)
    # the row's instants are whole microseconds, and so is every instant compared and counted here
    t_start, t_as_of = instant_us(start), instant_us(as_of)
    clock = _WorkClock(calendar, policy, (start, end))
    claim_due, work, local, month_of = clock.claim_due, clock.work, clock.local, clock.month
    # the clock's caches, read inline in a zone of one offset (the loop's hottest lookups)
    offset, claims, months_of = clock.offset, clock._claim, clock._month
    unit_list = list(units)
    tier_of = {u.id: Tier(u.tier) for u in unit_list}
    categories = categories or {}
    ncounts = len(_COUNTS)
    #: (unit, category, month) → [counts..., claim work, answer work]
    acc: dict[tuple[int, str, str], list[Any]] = {}
    ids: dict[tuple[int, str], list[int]] = defaultdict(list)

    def bucket(unit: int, category: str, month: str) -> list[Any]:
        key = (unit, category, month)
        found = acc.get(key)
        if found is None:
            found = acc[key] = [0] * ncounts + [[], []]
        return found

    for mid, row in facts:
        (origin, created, holder, closed, reopened, duplicate, due, answer_at, answer_due, closed_answer, rating,
         stage_unit, stage_at, stages, moves, _last) = row
        if not t_start <= created < t_as_of:
            continue
        day = (created + offset) // DAY_US if offset is not None else local(created)[0]
        month = months_of.get(day) or month_of(day)
        category = categories.get(mid) or NO_RATE
        b = acc.get((holder, category, month))
        if b is None:
            b = bucket(holder, category, month)
        if duplicate:
            b[DUP] += 1
            if keep_ids:
                ids[(holder, "duplicates")].append(mid)
            continue
        b[RCV] += 1
        marks: list[str] = ["received"] if keep_ids else _NO_MARKS
        if closed:
            b[CLO] += 1
            marks.append("closed")
            on_time = False
            if closed_answer is not None:
                answered_at, deadline_then = (answer_at, answer_due) if closed_answer is True else closed_answer
                on_time = deadline_then is None or answered_at <= deadline_then
                b[-1].append(work(created, answered_at))
            if on_time:
                b[ONT] += 1
                marks.append("closed_on_time")
            else:
                marks.append("closed_late")
        else:
            b[OPN] += 1
            marks.append("open")
            if due is not None and due < t_as_of:
                b[OVD] += 1
                marks.append("overdue_open")
        if reopened:
            b[REO] += 1
            marks.append("reopened")
        if rating is not None:
            b[FUP] += 1
            b[SSUM] += rating
            marks.append("follow_ups")
            if rating >= 4:
                b[SAT] += 1
                marks.append("satisfied")
        o = b if origin == holder else bucket(origin, category, month)
        o[REC] += 1
        for i in range(0, len(stages), 4):
            unit, arrived, ended, by_claim = stages[i:i + 4]
            at_unit = b if unit == holder else bucket(unit, category, month)
            at_unit[ARR] += 1
            due_then = claims.get((arrived + offset) // DAY_US) if offset is not None else None
            if ended <= (due_then or claim_due(arrived)):
                at_unit[CIT] += 1
            elif keep_ids:
                ids[(unit, "claimed_late")].append(mid)
            if by_claim:
                at_unit[-2].append(work(arrived, ended))
        if stage_unit is not None and claim_due(stage_at) < t_as_of:
            # still waiting at the period's end, its claim deadline passed: not handled in time
            (b if stage_unit == holder else bucket(stage_unit, category, month))[ARR] += 1
            if keep_ids:
                ids[(stage_unit, "claimed_late")].append(mid)
        for i in range(0, len(moves), 2):
            counted = _MOVE_COUNT[moves[i + 1]]
            if counted is not None:
                index, figure = counted
                sender = moves[i]
                bucket(sender, category, month)[index] += 1
                if keep_ids:
                    ids[(sender, figure)].append(mid)
        if keep_ids:
            for figure in marks:
                ids[(holder, figure)].append(mid)
            ids[(origin, "recorded")].append(mid)

    # --- sums by unit, tier, district, category, month
    def total(keys: Iterable[tuple[int, str, str]]) -> Figures:
        counts = [0] * ncounts
        claim_work: list[int] = []
        answer_work: list[int] = []
        for key in keys:
            row = acc[key]
            for i in range(ncounts):
                counts[i] += row[i]
            claim_work.extend(row[-2])
            answer_work.extend(row[-1])
        return _figures(counts, claim_work, answer_work)

    def grouped(index: int) -> dict[Any, list[tuple[int, str, str]]]:
        out: dict[Any, list[tuple[int, str, str]]] = defaultdict(list)
        for key in acc:
            out[key[index]].append(key)
        return out

    by_unit = grouped(0)
    per_unit = {u: total(keys) for u, keys in by_unit.items()}
    for u in unit_list:
        per_unit.setdefault(u.id, Figures())
    tiers = {tier: total(k for u, keys in by_unit.items() if tier_of.get(u) is tier for k in keys) for tier in Tier}
    district = total(acc)
    cats = {c: total(keys) for c, keys in grouped(1).items()}
    by_month = grouped(2)
    months = {m: total(by_month.get(m, [])) for m in period.months()}
    unit_months: dict[int, dict[str, Figures]] = {}
    for (unit_id, _c, _m) in acc:
        unit_months.setdefault(unit_id, {})
    for unit_id in unit_months:
        unit_months[unit_id] = {m: total(k for k in by_unit[unit_id] if k[2] == m) for m in period.months()}

    ranks: dict[int, int | None] = {}
    for tier in Tier:
        members = [u for u in unit_list if Tier(u.tier) is tier]
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
    return Assessment(period=period, start=start, end=end, as_of=as_of, units=per_unit, tiers=tiers,
                      district=district, categories=cats, months=months, unit_months=unit_months, ranks=ranks,
                      ids=dict(ids))


# ------------------------------------------------------------------------------------------------------ wire


def figures_out(f: Figures) -> AssessmentFigures:
    from .schemas import HoursOut, RateOut

    def rate(name: str) -> RateOut:
        num, den = f.rate(name)
        return RateOut(num=num, den=den, value=rate_value(num, den), text=rate_text(num, den))

    def hours(values: list[int]) -> HoursOut:
        mean, p90 = Figures.hours(values)
        return HoursOut(count=len(values), mean=mean, p90=p90)

    # every whole-number figure of the wire form is the one of that name here (counted, or derived: closed_late)
    counts = {name: getattr(f, name) for name, spec in AssessmentFigures.model_fields.items() if spec.annotation is int}
    return AssessmentFigures(**counts, satisfaction_mean=f.satisfaction_mean,
                             closure_rate=rate("closure"), on_time_rate=rate("on_time"), claim_rate=rate("claim"),
                             satisfaction_rate=rate("satisfaction"), hours_to_claim=hours(f.claim_work),
                             hours_to_answer=hours(f.answer_work))


def report_out(a: Assessment, units: Iterable[UnitInfo], *, unit: int | None = None, tier: Tier | None = None,
               group: str | None = None) -> AssessmentOut:
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
