"""Working-day deadlines.

The counting rule (the same for every deadline: the resident's overall one and each unit's claim deadline):

* The day a matter is received never counts, whatever the hour; counting starts on the next calendar day.
* Each **working day** after it counts one; weekends, holidays and anything else the calendar says is not a
  working day are skipped.
* The deadline is the **close of the Nth working day** (``DeadlinePolicy.day_end``, 17:30 by default) in the
  district's time zone (``Asia/Shanghai`` by default).

So a simple matter (3 working days) recorded on a Thursday is due at 17:30 on the following Tuesday; one recorded
on a Saturday is due at 17:30 on Wednesday.

This module knows only the :class:`WorkCalendar` protocol; :class:`WeekdayCalendar` (Monday–Friday) is the plain
fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from .domain import Complexity


class WorkCalendar(Protocol):
    def is_workday(self, day: date) -> bool:  # pragma: no cover - protocol
        ...


class WeekdayCalendar:
    """Monday to Friday are working days; nothing else is known."""

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    simple_days: int = 3
    complex_days: int = 7
    #: working days a unit has to claim a matter that waits at it
    claim_days: int = 1
    #: a matter is at risk when less than this many working hours are left
    at_risk_hours: float = 8.0
    timezone: str = "Asia/Shanghai"
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def days_for(self, complexity: Complexity) -> int:
        return self.complex_days if complexity is Complexity.complex else self.simple_days


def add_workdays(start: datetime, days: int, calendar: WorkCalendar, policy: DeadlinePolicy) -> datetime:
    """The close of the ``days``-th working day after the day of ``start`` (see the module's counting rule)."""
    if start.tzinfo is None:
        raise ValueError("add_workdays needs a timezone-aware start")
    if days < 0:
        raise ValueError("days must not be negative")
    tz = policy.tz
    day = start.astimezone(tz).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return datetime.combine(day, policy.day_end, tzinfo=tz).astimezone(timezone.utc)


def due_at(recorded_at: datetime, complexity: Complexity, calendar: WorkCalendar,
           policy: DeadlinePolicy | None = None) -> datetime:
    policy = policy or DeadlinePolicy()
    return add_workdays(recorded_at, policy.days_for(complexity), calendar, policy)
