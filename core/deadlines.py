"""Working-day deadlines and countdowns (the full rule with examples: ``docs/deadlines.md``).

The counting rule (the same for every deadline: a matter's answer deadline and a unit's claim deadline):

* The **day of receipt never counts**, whatever the hour and whatever kind of day it is (a make-up Saturday
  included); counting starts on the next calendar day. "Day" means the calendar day in the district's time zone
  (``DeadlinePolicy.timezone``, ``Asia/Shanghai`` by default), not UTC.
* Each **working day** after it counts one (:mod:`.calendar`: weekdays minus statutory holidays plus make-up
  workdays); everything else is skipped.
* The deadline is the **close of the Nth working day** (``DeadlinePolicy.day_end``, 17:30 by default) in that
  time zone, returned in UTC. A matter answered at or before that instant is on time (:func:`is_on_time`).

So a simple matter (3 working days) recorded on a Thursday is due at 17:30 on the following Tuesday; one recorded
on a Saturday is due at 17:30 on Wednesday; one recorded at 21:00 on 2025-09-30, the evening before the 8-day
National Day break, is due at 17:30 on Saturday 2025-10-11 (Oct 9, Oct 10, then the make-up Saturday).
``days == 0`` (never a policy default) means the close of the first working day on or after the day of receipt.

Working time (for countdowns) is the time inside working days between ``day_start`` and ``day_end`` (08:30–17:30
by default, so one working day = 9 working hours); nights, weekends and holidays add nothing.

API for the server and the workbench
------------------------------------
* :class:`DeadlinePolicy`: the configurable numbers (defaults from the article: simple 3, complex 7, claim 1
  working day; at risk with less than 9 working hours = 1 working day left; 08:30–17:30, Asia/Shanghai). Store it with
  :meth:`DeadlinePolicy.to_dict` / :meth:`DeadlinePolicy.from_dict` (JSON-friendly; validates).
* :func:`matter_deadline` (recorded_at, complexity) and :func:`claim_deadline` (the time the matter arrived at its
  current holder: recorded, escalated, released, assigned) → :class:`Deadline` with ``due_at`` (store it, e.g. in
  ``matters.due_at``) and ``provisional`` (store it too: true when the counted days crossed a year the calendar
  only guesses, see ``warnings``). When an admin saves a year's calendar, recompute the ``due_at`` of the open
  matters whose deadline was provisional (or whose due day falls in that year).
  :func:`due_at` and :func:`add_workdays` are the plain ``datetime`` forms.
* :func:`countdown` (due_at, now, calendar, policy) → :class:`Countdown`: signed working seconds plus days /
  hours / minutes and :class:`Urgency`; ``now`` comes from the injected :class:`~huiyin.core.clock.Clock`
  (``clock.now()``), never ``datetime.now()``. Sort a queue by :attr:`Countdown.sort_key` (or
  :func:`urgency_sort_key`). Texts such as ``2d 3h`` / ``剩2天3小时`` / ``overdue 1d`` are the workbench
  catalogs' job: this module returns numbers only.

This module knows only the :class:`WorkCalendar` protocol (``is_workday``); it uses a calendar's
``nth_workday_after`` / ``count_workdays`` / ``warnings_for`` when it has them
(:class:`~huiyin.core.calendar.WorkdayCalendar` does). :class:`WeekdayCalendar` is the Monday–Friday calendar
with no seed, which reports every year as a fallback year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .calendar import CalendarWarning, WorkdayCalendar
from .domain import Complexity

#: how many consecutive non-working days a plain ``is_workday`` calendar may show before we give up
_MAX_SCAN_DAYS = 3660


class WorkCalendar(Protocol):
    def is_workday(self, day: date) -> bool:  # pragma: no cover - protocol
        ...


class WeekdayCalendar(WorkdayCalendar):
    """Monday to Friday are working days; nothing else is known (every year reports ``fallback``)."""

    def __init__(self) -> None:
        super().__init__((), source=None)


class PolicyError(ValueError):
    """A :class:`DeadlinePolicy` value is out of range."""


#: the range each number of the policy may take, both ends included (the server refuses anything else; the admin
#: console's form checks the same): working days, and the hours of ``at_risk_hours``
POLICY_BOUNDS: Mapping[str, tuple[int, int]] = MappingProxyType({
    "simple_days": (1, 366), "complex_days": (1, 366), "claim_days": (1, 366), "at_risk_hours": (0, 1000)})
_DAY_COUNTS = ("simple_days", "complex_days", "claim_days")


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    simple_days: int = 3
    complex_days: int = 7
    #: working days a unit has to claim (sign for) a matter that waits at it
    claim_days: int = 1
    #: at risk when fewer than this many working hours are left: 9.0 = one working day of the default
    #: 08:30–17:30 (a policy editor that changes the hours should offer "one working day" = ``workday_hours``)
    at_risk_hours: float = 9.0
    timezone: str = "Asia/Shanghai"
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)

    def __post_init__(self) -> None:
        for name in _DAY_COUNTS:
            value, (low, high) = getattr(self, name), POLICY_BOUNDS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise PolicyError(f"{name} must be a whole number of working days from {low} to {high}, not {value!r}")
        value, (low, high) = self.at_risk_hours, POLICY_BOUNDS["at_risk_hours"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise PolicyError(f"at_risk_hours must be a number of hours from {low} to {high}, not {value!r}")
        if not (isinstance(self.day_start, time) and isinstance(self.day_end, time)):
            raise PolicyError("day_start and day_end must be times of day")
        if self.day_start.tzinfo or self.day_end.tzinfo:
            raise PolicyError("day_start and day_end are local wall-clock times; give them without a zone")
        if not self.day_start < self.day_end:
            raise PolicyError(f"day_start ({self.day_start}) must come before day_end ({self.day_end})")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise PolicyError(f"unknown time zone {self.timezone!r}") from None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def workday_seconds(self) -> int:
        """The length of one working day (``day_end - day_start``) in seconds: 32400 (9 h) by default."""
        start = self.day_start.hour * 3600 + self.day_start.minute * 60 + self.day_start.second
        end = self.day_end.hour * 3600 + self.day_end.minute * 60 + self.day_end.second
        return end - start

    @property
    def workday_hours(self) -> float:
        return self.workday_seconds / 3600

    @property
    def at_risk_seconds(self) -> float:
        return self.at_risk_hours * 3600

    def days_for(self, complexity: Complexity) -> int:
        return self.complex_days if complexity is Complexity.complex else self.simple_days

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: times as ``"HH:MM"`` (or ``"HH:MM:SS"``)."""
        return {
            "simple_days": self.simple_days, "complex_days": self.complex_days, "claim_days": self.claim_days,
            "at_risk_hours": self.at_risk_hours, "timezone": self.timezone,
            "day_start": _time_text(self.day_start), "day_end": _time_text(self.day_end),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeadlinePolicy:
        """The inverse of :meth:`to_dict`; missing keys take the defaults; unknown keys raise :class:`PolicyError`."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise PolicyError(f"unknown policy keys: {', '.join(sorted(unknown))}")
        values = dict(data)
        for key in ("day_start", "day_end"):
            if isinstance(values.get(key), str):
                try:
                    values[key] = time.fromisoformat(values[key])
                except ValueError:
                    raise PolicyError(f"{key} must be a time like 08:30, not {values[key]!r}") from None
        return cls(**values)


def _time_text(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


# --------------------------------------------------------------------------------------------------- deadlines


def _aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _nth_workday_after(calendar: WorkCalendar, day: date, days: int) -> date:
    fast: Callable[[date, int], date] | None = getattr(calendar, "nth_workday_after", None)
    if fast is not None:
        return fast(day, days)
    if days == 0:
        day -= timedelta(days=1)
        days = 1
    counted = scanned = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
            scanned = 0
        else:
            scanned += 1
            if scanned > _MAX_SCAN_DAYS:
                raise ValueError(f"the calendar has no working day for {_MAX_SCAN_DAYS} days after {day}")
    return day


def add_workdays(start: datetime, days: int, calendar: WorkCalendar, policy: DeadlinePolicy) -> datetime:
    """The close of the ``days``-th working day after the day of ``start`` (see the module's counting rule), UTC."""
    _aware(start, "start")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError("days must be a non-negative whole number")
    tz = policy.tz
    day = _nth_workday_after(calendar, start.astimezone(tz).date(), days)
    return datetime.combine(day, policy.day_end, tzinfo=tz).astimezone(UTC)


def due_at(recorded_at: datetime, complexity: Complexity, calendar: WorkCalendar,
           policy: DeadlinePolicy | None = None) -> datetime:
    """A matter's answer deadline as a UTC ``datetime`` (:func:`matter_deadline` also says if it is provisional)."""
    policy = policy or DeadlinePolicy()
    return add_workdays(recorded_at, policy.days_for(complexity), calendar, policy)


@dataclass(frozen=True, slots=True)
class Deadline:
    #: the close of the last working day counted, in UTC
    due_at: datetime
    #: how many working days were counted
    working_days: int
    #: one per unreliable year between the day of receipt and the due day (see :mod:`.calendar`)
    warnings: tuple[CalendarWarning, ...] = ()

    @property
    def provisional(self) -> bool:
        """True when the count relied on a guessed (Monday–Friday) year: recompute it once the year is known."""
        return bool(self.warnings)


def deadline(start: datetime, days: int, calendar: WorkCalendar, policy: DeadlinePolicy | None = None) -> Deadline:
    policy = policy or DeadlinePolicy()
    due = add_workdays(start, days, calendar, policy)
    warnings_for = getattr(calendar, "warnings_for", None)
    warnings: tuple[CalendarWarning, ...] = ()
    if warnings_for is not None:
        tz = policy.tz
        warnings = tuple(warnings_for(start.astimezone(tz).date(), due.astimezone(tz).date()))
    return Deadline(due, days, warnings)


def matter_deadline(recorded_at: datetime, complexity: Complexity, calendar: WorkCalendar,
                    policy: DeadlinePolicy | None = None) -> Deadline:
    """The answer deadline of a matter recorded at ``recorded_at`` (3 or 7 working days by default)."""
    policy = policy or DeadlinePolicy()
    return deadline(recorded_at, policy.days_for(complexity), calendar, policy)


def claim_deadline(received_at: datetime, calendar: WorkCalendar,
                   policy: DeadlinePolicy | None = None) -> Deadline:
    """By when the unit holding a matter should claim it; ``received_at`` is when it arrived at that unit."""
    policy = policy or DeadlinePolicy()
    return deadline(received_at, policy.claim_days, calendar, policy)


def is_on_time(done_at: datetime, due: datetime) -> bool:
    """Answered (or claimed) in time: at or before the deadline instant."""
    _aware(done_at, "done_at")
    _aware(due, "due")
    return done_at <= due


# --------------------------------------------------------------------------------------------------- countdown


def _count_workdays(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days in ``[start, end)``."""
    fast: Callable[[date, date], int] | None = getattr(calendar, "count_workdays", None)
    if fast is not None:
        return fast(start, end)
    total = 0
    day = start
    while day < end:
        total += calendar.is_workday(day)
        day += timedelta(days=1)
    return total


def working_seconds_between(start: datetime, end: datetime, calendar: WorkCalendar,
                            policy: DeadlinePolicy | None = None) -> int:
    """Working time from ``start`` to ``end`` in whole seconds (truncated); negative when ``end`` is earlier.

    Only the parts of working days between ``day_start`` and ``day_end`` (local time) count.
    """
    _aware(start, "start")
    _aware(end, "end")
    if end < start:
        return -working_seconds_between(end, start, calendar, policy)
    policy = policy or DeadlinePolicy()
    tz = policy.tz
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    first, last = local_start.date(), local_end.date()

    def inside(day: date, lo: datetime | None, hi: datetime | None) -> float:
        if not calendar.is_workday(day):
            return 0.0
        opens = datetime.combine(day, policy.day_start, tzinfo=tz)
        closes = datetime.combine(day, policy.day_end, tzinfo=tz)
        a = opens if lo is None or lo < opens else lo
        b = closes if hi is None or hi > closes else hi
        return max(0.0, (b - a).total_seconds())

    if first == last:
        return int(inside(first, local_start, local_end))
    total = inside(first, local_start, None) + inside(last, None, local_end)
    total += _count_workdays(calendar, first + timedelta(days=1), last) * policy.workday_seconds
    return int(total)


class Urgency(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"  #: less than ``at_risk_hours`` (one working day) of working time left
    overdue = "overdue"  #: the deadline instant has passed

    @property
    def rank(self) -> int:
        """0 for overdue, 1 at risk, 2 on track: most urgent first when sorted ascending."""
        return _URGENCY_RANK[self]


_URGENCY_RANK = {Urgency.overdue: 0, Urgency.at_risk: 1, Urgency.on_track: 2}


@dataclass(frozen=True, slots=True)
class Countdown:
    """The time left until a deadline, in working time. Render it with the catalogs.

    ``days``/``hours``/``minutes`` are the *magnitude* of ``working_seconds`` (days of ``workday_seconds``, then
    hours, then minutes, each truncated); read ``overdue`` for the direction. After the deadline has passed but
    before the next working hour (the evening of the due day) a matter is overdue by 0 working seconds.
    """

    due_at: datetime
    #: signed: > 0 left, < 0 overdue by this much working time
    working_seconds: int
    days: int
    hours: int
    minutes: int
    urgency: Urgency
    #: the length of one working day in seconds (from the policy), to turn ``working_seconds`` into days
    workday_seconds: int

    @property
    def overdue(self) -> bool:
        return self.urgency is Urgency.overdue

    @property
    def working_days(self) -> float:
        """Signed working days left (e.g. ``1.5``; ``-0.25`` when overdue by a quarter of a working day)."""
        return self.working_seconds / self.workday_seconds

    @property
    def sort_key(self) -> tuple[int, int, datetime]:
        """Most urgent first: overdue (longest overdue first), at risk, on track; then least time left, then due."""
        return (self.urgency.rank, self.working_seconds, self.due_at)


def countdown(due: datetime, now: datetime, calendar: WorkCalendar,
              policy: DeadlinePolicy | None = None) -> Countdown:
    """How much working time is left until ``due`` at ``now`` (pass ``clock.now()``), and how urgent that is.

    * ``overdue`` when ``now`` is after ``due`` (wall clock, to the microsecond);
    * ``at_risk`` when not overdue and less than ``policy.at_risk_seconds`` (one working day) of working time is
      left (by default: one working day), so a matter due at tomorrow's close turns at risk when tomorrow's
      working hours begin;
    * ``on_track`` otherwise.
    """
    policy = policy or DeadlinePolicy()
    seconds = working_seconds_between(now, due, calendar, policy)
    if now > due:
        urgency = Urgency.overdue
        seconds = min(seconds, 0)
    elif seconds < policy.at_risk_seconds:
        urgency = Urgency.at_risk
    else:
        urgency = Urgency.on_track
    per_day = policy.workday_seconds
    days, rest = divmod(abs(seconds), per_day)
    hours, rest = divmod(rest, 3600)
    return Countdown(due.astimezone(UTC), seconds, days, hours, rest // 60, urgency, per_day)


def urgency_sort_key(item: Countdown) -> tuple[int, int, datetime]:
    """``sorted(countdowns, key=urgency_sort_key)``: the most urgent first (see :attr:`Countdown.sort_key`)."""
    return item.sort_key


def add_working_time(start: datetime, seconds: float, calendar: WorkCalendar,
                     policy: DeadlinePolicy | None = None) -> datetime:
    """The instant reached after ``seconds`` of working time from ``start`` (the inverse of
    :func:`working_seconds_between`): a deadline before it has less than ``seconds`` of working time left."""
    _aware(start, "start")
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    policy = policy or DeadlinePolicy()
    tz = policy.tz
    local = start.astimezone(tz)
    day = local.date()
    left = float(seconds)
    for _ in range(_MAX_SCAN_DAYS):
        if calendar.is_workday(day):
            opens = datetime.combine(day, policy.day_start, tzinfo=tz)
            closes = datetime.combine(day, policy.day_end, tzinfo=tz)
            begin = max(opens, local) if day == local.date() else opens
            if begin < closes:
                room = (closes - begin).total_seconds()
                if left <= room:
                    return (begin + timedelta(seconds=left)).astimezone(UTC)
                left -= room
        day += timedelta(days=1)
    raise ValueError(f"no working day found within {_MAX_SCAN_DAYS} days of {start.date()}")


def at_risk_horizon(now: datetime, calendar: WorkCalendar, policy: DeadlinePolicy | None = None) -> datetime:
    """A deadline at or after ``now`` and before this instant is at risk (see :func:`countdown`)."""
    policy = policy or DeadlinePolicy()
    return add_working_time(now, policy.at_risk_seconds, calendar, policy)
