"""Editing the district's working-day calendar and deadline policy (the API and ``huiyin calendar`` share it).

Every change is one transaction: the override rows, the bumped ``rules_version``, and the recounted deadlines
of the open matters whose counting touches the changed year. A refused change writes nothing.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from huiyin.core.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    DayInfo,
    LineError,
    WorkdayCalendar,
    YearOverrides,
    format_year_file,
    parse_year_file,
)
from huiyin.core.deadlines import DeadlinePolicy, PolicyError, claim_deadline, deadline
from huiyin.core.domain import AuditKind, EventKind
from huiyin.core.schemas import CalendarDayOut, CalendarWarningOut, CalendarYearOut
from huiyin.server.district import audit
from huiyin.server.district.audit import Who
from huiyin.server.matters.events import append_event
from huiyin.server.matters.supervision import OPEN
from huiyin.server.storage.models import CalendarDay, CalendarYear, Matter, ServerSetting
from huiyin.server.storage.rules import POLICY_KEY, bump_version, load_overrides, load_policy


class CalendarEditError(ValueError):
    """A refused edit: ``code`` is stable, ``status`` the HTTP status, ``errors`` the lines of a refused file."""

    def __init__(self, code: str, message: str, status: int = 422, field: str | None = None,
                 errors: tuple[LineError, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.field = field
        self.errors = errors


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarEditError("year_out_of_range", f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}", field="year")


def parse_day(text: str) -> date:
    """A date in ``YYYY-MM-DD`` form, else a precise error."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise CalendarEditError("bad_date_format", f"not a date in YYYY-MM-DD form: {text!r}", field="day")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CalendarEditError("no_such_date", f"there is no such date: {text}", field="day") from None
    check_year(day.year)
    return day


def current_calendar(session: Session) -> WorkdayCalendar:
    """The calendar as this session sees it (including its own uncommitted edits)."""
    return WorkdayCalendar(load_overrides(session))


def _day_out(info: DayInfo) -> CalendarDayOut:
    return CalendarDayOut(day=info.day, kind=info.kind.value, name=info.name, note=info.note, source=info.source)


def year_view(session: Session, year: int) -> CalendarYearOut:
    check_year(year)
    calendar = current_calendar(session)
    coverage = calendar.coverage(year)
    warning = coverage.warning
    row = session.get(CalendarYear, year)
    overrides = calendar.overrides.get(year)
    return CalendarYearOut(
        year=year, coverage=coverage.coverage.value, reliable=coverage.reliable, complete=bool(row and row.complete),
        warning=CalendarWarningOut(year=year, code=warning.code, message=warning.message) if warning else None,
        special_days=[_day_out(i) for i in calendar.special_days(year)],
        overrides=[_day_out(calendar.day_info(d)) for d in (overrides.days if overrides else {})])


def warnings_ahead(session: Session, calendar: WorkdayCalendar, today: date,
                   days: int = 60) -> list[CalendarWarningOut]:
    return [CalendarWarningOut(year=w.year, code=w.code, message=w.message)
            for w in calendar.warnings_for(today, today + timedelta(days=days))]


def recount_deadlines(session: Session, now: datetime, year: int | None = None) -> int:
    """Recount ``due_at`` (and the claim deadline) of open matters whose counting touches ``year`` (every open
    matter when ``None``) with the calendar and policy as this session now sees them; each moved deadline gets a
    ``deadline_changed`` timeline entry. Returns how many moved."""
    calendar = current_calendar(session)
    policy = load_policy(session)
    stmt = select(Matter).where(col(Matter.status).in_(OPEN))
    if year is not None:
        tz = policy.tz
        start = datetime(year, 1, 1, tzinfo=tz)
        end = datetime(year + 1, 1, 1, tzinfo=tz)
        stmt = stmt.where(Matter.created_at < end, Matter.due_at >= start - timedelta(days=1))
    moved = 0
    for matter in session.exec(stmt).all():
        due = deadline(matter.created_at, matter.deadline_days, calendar, policy)
        if due.due_at != matter.due_at:
            if due.due_at > matter.due_at:
                matter.due_notice = "none"
            append_event(session, matter_id=matter.id, kind=EventKind.deadline_changed.value,
                         status_after=matter.status, holder_unit_id=matter.holder_unit_id, due_at=due.due_at,
                         created_at=now)
            matter.due_at = due.due_at
            moved += 1
        matter.due_provisional = due.provisional
        if matter.status == "pending" and matter.received_at is not None:
            matter.claim_due_at = claim_deadline(matter.received_at, calendar, policy).due_at
        session.add(matter)
    return moved


def _finish(session: Session, now: datetime, year: int | None) -> None:
    session.flush()
    bump_version(session)
    recount_deadlines(session, now, year)
    session.commit()


def set_day(session: Session, now: datetime, day: date, type_: str, name: str = "", note: str = "", *,
            who: Who) -> None:
    """Add (or rename) one override: a holiday, or a workday (a make-up workday on a weekend)."""
    check_year(day.year)
    if type_ not in ("holiday", "workday"):
        raise CalendarEditError("unknown_day_type", f"type must be holiday or workday, not {type_!r}", field="type")
    existing = session.get(CalendarDay, day)
    if existing is not None and existing.type != type_:
        raise CalendarEditError(
            "conflicting_day", f"{day} is already entered as a {existing.type}; remove it first to make it a "
            f"{type_}", status=409)
    before = audit.calendar_day_facts(existing)
    row = existing or CalendarDay(day=day, year=day.year, type=type_)
    row.name, row.note = name, note
    session.add(row)
    audit.record(session, who, now, AuditKind.calendar_day, day.isoformat(), before, audit.calendar_day_facts(row))
    _finish(session, now, day.year)


def remove_day(session: Session, now: datetime, day: date, *, who: Who) -> None:
    existing = session.get(CalendarDay, day)
    if existing is None:
        raise CalendarEditError("no_override", f"{day} has no entry of its own to remove", status=404)
    audit.record(session, who, now, AuditKind.calendar_day, day.isoformat(), audit.calendar_day_facts(existing),
                 None)
    session.delete(existing)
    _finish(session, now, day.year)


def import_year(session: Session, now: datetime, text: str, expected_year: int | None = None, *, who: Who) -> int:
    """Replace a year's overrides with an import file's; returns the year. All-or-nothing."""
    result = parse_year_file(text)
    if not result.ok:
        first = result.errors[0]
        raise CalendarEditError("invalid_file", f"the file has {len(result.errors)} error(s); first: {first}",
                                errors=result.errors)
    overrides = result.overrides
    assert overrides is not None
    if expected_year is not None and overrides.year != expected_year:
        raise CalendarEditError("year_mismatch", f"the file is for {overrides.year}, not {expected_year}",
                                field="year")
    year = overrides.year
    year_row = session.get(CalendarYear, year)
    before = audit.calendar_year_facts(session, year, year_row.complete if year_row else None)
    session.execute(delete(CalendarDay).where(col(CalendarDay.year) == year))
    for entry in overrides.days.values():
        session.add(CalendarDay(day=entry.day, year=year, type=entry.type.value, name=entry.name or "",
                                note=entry.note or ""))
    row = session.get(CalendarYear, year) or CalendarYear(year=year)
    row.complete = overrides.complete
    session.add(row)
    session.flush()
    audit.record(session, who, now, AuditKind.calendar_year, str(year), before,
                 audit.calendar_year_facts(session, year, row.complete))
    _finish(session, now, year)
    return year


def export_year(session: Session, year: int) -> str:
    check_year(year)
    calendar = current_calendar(session)
    overrides = calendar.overrides.get(year)
    if overrides is None:
        overrides = YearOverrides.build(year)
    return format_year_file(overrides)


def set_policy(session: Session, now: datetime, data: dict[str, Any], *, who: Who) -> DeadlinePolicy:
    try:
        policy = DeadlinePolicy.from_dict(data)
    except (PolicyError, TypeError) as exc:
        raise CalendarEditError("invalid_policy", str(exc)) from None
    audit.record(session, who, now, AuditKind.policy, POLICY_KEY, load_policy(session).to_dict(), policy.to_dict())
    row = session.get(ServerSetting, POLICY_KEY) or ServerSetting(key=POLICY_KEY)
    row.value = json.dumps(policy.to_dict())
    session.add(row)
    _finish(session, now, None)
    return policy
