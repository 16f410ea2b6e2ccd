from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlmodel import Session

from huiyin.core.domain import Role
from huiyin.core.schemas import (
    CalendarDayIn,
    CalendarImportIn,
    CalendarOverrideDay,
    CalendarOverridesYear,
    CalendarStatus,
    CalendarYearOut,
    LineErrorOut,
    PolicyModel,
)
from huiyin.server.api.common import E401, E403, E422, answer
from huiyin.server.api.deps import Ctx, CurrentOperator, DbSession
from huiyin.server.base.errors import ApiError
from huiyin.server.district import calendar as cal
from huiyin.server.district.audit import Who
from huiyin.server.state.context import ServerContext
from huiyin.server.storage.rules import load_overrides, load_policy

router = APIRouter(prefix="/api", tags=["calendar"])

#: the year in the path is a number (``{year:int}``): ``/api/calendar/status`` is its own path (``PUT`` there is
#: 405), and a year that is not a number is a path that does not exist
NO_YEAR = answer(404, "the year in the path is not a number: no such path")
T = TypeVar("T")
E409 = answer(409, "the date is already entered as the other type")


def _admin(op: CurrentOperator) -> None:
    if op.role != Role.admin.value:
        raise ApiError(403, "wrong_role", "only an admin may change the calendar or the deadline policy")


def _edit(ctx: ServerContext, work: Callable[[Session], T]) -> T:
    try:
        with ctx.write() as session:  # recounted deadlines append timeline entries: the feed wakes on commit
            return work(session)
    except cal.CalendarEditError as exc:
        raise _api_error(exc) from None


def _api_error(exc: cal.CalendarEditError) -> ApiError:
    lines = [LineErrorOut(line=e.line, code=e.code, message=e.message) for e in exc.errors]
    return ApiError(exc.status, exc.code, str(exc), {exc.field: exc.code} if exc.field else None, lines or None)


def _year(session: Session, year: int) -> CalendarYearOut:
    try:
        return cal.year_view(session, year)
    except cal.CalendarEditError as exc:
        raise _api_error(exc) from None


@router.get("/calendar/status", response_model=CalendarStatus, responses=E401)
def calendar_status(op: CurrentOperator, ctx: Ctx, session: DbSession) -> CalendarStatus:
    """Every year in the next 60 days whose working days are only guessed (Monday–Friday), for the workbench's
    status line and the admin."""
    rules = ctx.rules.load(session)
    today = ctx.clock.now().astimezone(rules.policy.tz).date()
    return CalendarStatus(warnings=cal.warnings_ahead(session, rules.calendar, today))


@router.get("/calendar", response_model=list[CalendarOverridesYear], responses=E401)
def calendar_overrides(op: CurrentOperator, session: DbSession) -> list[CalendarOverridesYear]:
    """Every year's admin entries, for clients that count deadlines themselves (the workbench's countdowns):
    build ``WorkdayCalendar([YearOverrides.build(y.year, y.days, complete=y.complete) ...])``."""
    return [CalendarOverridesYear(year=ov.year, complete=ov.complete,
                                  days=[CalendarOverrideDay(day=d.day, type=d.type.value, name=d.name or "",
                                                            note=d.note or "") for d in ov.days.values()])
            for ov in load_overrides(session)]


@router.get("/calendar/{year:int}", response_model=CalendarYearOut, responses={**E401, **E422, **NO_YEAR})
def calendar_year(year: int, op: CurrentOperator, session: DbSession) -> CalendarYearOut:
    """A year's holidays and make-up workdays, where they come from (`coverage`), and a warning when the year
    is only guessed."""
    return _year(session, year)


@router.get("/calendar/{year:int}/export", response_class=PlainTextResponse,
            responses={**E401, **E422, **NO_YEAR})
def calendar_export(year: int, op: CurrentOperator, session: DbSession) -> str:
    """The admin's entries for a year in the import file format (edit and import it again)."""
    try:
        return cal.export_year(session, year)
    except cal.CalendarEditError as exc:
        raise _api_error(exc) from None


@router.put("/calendar/days/{day}", response_model=CalendarYearOut, responses={**E401, **E403, **E409, **E422})
def calendar_set_day(day: str, body: CalendarDayIn, op: CurrentOperator, ctx: Ctx) -> CalendarYearOut:
    """Admin: enter a day as a `holiday` or a `workday` (a make-up workday on a weekend). Open matters'
    deadlines are recounted."""
    _admin(op)

    def work(session: Session) -> CalendarYearOut:
        when = cal.parse_day(day)
        cal.set_day(session, ctx.clock.now(), when, body.type, body.name, body.note, who=Who.of(op))
        return cal.year_view(session, when.year)

    return _edit(ctx, work)


@router.delete("/calendar/days/{day}", response_model=CalendarYearOut, responses={**E401, **E403, **E422})
def calendar_remove_day(day: str, op: CurrentOperator, ctx: Ctx) -> CalendarYearOut:
    """Admin: remove a day's own entry (it goes back to what the seed or Monday–Friday says)."""
    _admin(op)

    def work(session: Session) -> CalendarYearOut:
        when = cal.parse_day(day)
        cal.remove_day(session, ctx.clock.now(), when, who=Who.of(op))
        return cal.year_view(session, when.year)

    return _edit(ctx, work)


@router.put("/calendar/{year:int}", response_model=CalendarYearOut, responses={**E401, **E403, **E422, **NO_YEAR})
def calendar_import(year: int, body: CalendarImportIn, op: CurrentOperator, ctx: Ctx) -> CalendarYearOut:
    """Admin: replace a year's entries with an import file (format: `huiyin.core.calendar`). A file with any
    error changes nothing; the 422 lists every error with its line in `errors`."""
    _admin(op)

    def work(session: Session) -> CalendarYearOut:
        cal.check_year(year)
        cal.import_year(session, ctx.clock.now(), body.text, expected_year=year, who=Who.of(op))
        return cal.year_view(session, year)

    return _edit(ctx, work)


@router.get("/policy", response_model=PolicyModel, responses=E401)
def get_policy(op: CurrentOperator, session: DbSession) -> PolicyModel:
    """The deadline policy: working days per complexity, the claim deadline, when a matter is at risk, the
    working hours and the district's time zone."""
    return PolicyModel(**load_policy(session).to_dict())


@router.put("/policy", response_model=PolicyModel, responses={**E401, **E403, **E422})
def put_policy(body: PolicyModel, op: CurrentOperator, ctx: Ctx) -> PolicyModel:
    """Admin: change the deadline policy. New matters count with it; open matters keep their number of working
    days, recounted with the new hours and time zone."""
    _admin(op)
    policy = _edit(ctx, lambda session: cal.set_policy(session, ctx.clock.now(), body.model_dump(),
                                                                    who=Who.of(op)))
    return PolicyModel(**policy.to_dict())
