"""The district's deadline rules as stored: the working-day calendar (admin overrides on top of the
``chinesecalendar`` seed) and the deadline policy.

Both live in the database; every process keeps a copy keyed by ``rules_version`` (a row in ``server_settings``
bumped by every change), so several workers always count with the same rules and nothing relies on one
process's memory for correctness.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from sqlmodel import Session, col, select

from huiyin.core.calendar import HolidaySource, WorkdayCalendar, YearOverrides
from huiyin.core.deadlines import DeadlinePolicy
from huiyin.server.storage.models import CalendarDay, CalendarYear, ServerSetting

VERSION_KEY = "rules_version"
POLICY_KEY = "deadline_policy"
#: a row of ``server_settings`` bumped by every change of the unit tree (:mod:`huiyin.server.district.units`);
#: the live feed tells windows when it moves
UNITS_VERSION_KEY = "units_version"


@dataclass(frozen=True)
class Rules:
    calendar: WorkdayCalendar
    policy: DeadlinePolicy
    version: int


def stored_version(session: Session, key: str = VERSION_KEY) -> int:
    """The counter ``key`` of ``server_settings`` (the rules' version unless told otherwise)."""
    row = session.get(ServerSetting, key)
    return int(row.value) if row and row.value.isdigit() else 0


def bump_version(session: Session, key: str = VERSION_KEY) -> None:
    """Call inside the transaction that changes the calendar or the policy (or, with ``key``, another thing
    whose readers keep a copy: the unit tree)."""
    row = session.get(ServerSetting, key)
    if row is None:
        session.add(ServerSetting(key=key, value="1"))
    else:
        row.value = str(int(row.value or 0) + 1)
        session.add(row)


def units_version(session: Session) -> int:
    return stored_version(session, UNITS_VERSION_KEY)


def load_policy(session: Session) -> DeadlinePolicy:
    row = session.get(ServerSetting, POLICY_KEY)
    return DeadlinePolicy.from_dict(json.loads(row.value)) if row and row.value else DeadlinePolicy()


def load_overrides(session: Session) -> list[YearOverrides]:
    complete = {y.year: y.complete for y in session.exec(select(CalendarYear))}
    by_year: dict[int, list[CalendarDay]] = {}
    for day in session.exec(select(CalendarDay).order_by(col(CalendarDay.day))):
        by_year.setdefault(day.year, []).append(day)
    years = set(complete) | set(by_year)
    return [YearOverrides.build(year, [{"day": d.day, "type": d.type, "name": d.name, "note": d.note}
                                       for d in by_year.get(year, [])], complete=complete.get(year, False))
            for year in sorted(years)]


class RulesCache:
    def __init__(self, calendar_source: HolidaySource | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: Rules | None = None
        self._source = calendar_source

    def _calendar(self, overrides: list[YearOverrides]) -> WorkdayCalendar:
        if self._source is None:
            return WorkdayCalendar(overrides)
        return WorkdayCalendar(overrides, source=self._source)

    def load(self, session: Session) -> Rules:
        version = stored_version(session)
        with self._lock:
            if self._rules is not None and self._rules.version == version:
                return self._rules
        rules = Rules(self._calendar(load_overrides(session)), load_policy(session), version)
        with self._lock:
            self._rules = rules
        return rules
