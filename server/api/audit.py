"""``GET /api/audit``: the admin's list of changes that are not matter events (see ``server/district/audit.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated

from fastapi import APIRouter, Query

from huiyin.core.domain import AuditKind, Role
from huiyin.core.schemas import AuditPage
from huiyin.server.api.common import E401, E403, E422
from huiyin.server.api.deps import Ctx, CurrentOperator, DbSession
from huiyin.server.base.errors import ApiError, invalid
from huiyin.server.district import audit

router = APIRouter(prefix="/api", tags=["audit"])
MAX_LIMIT = 500


@router.get("/audit", response_model=AuditPage, responses={**E401, **E403, **E422})
def audit_list(op: CurrentOperator, ctx: Ctx, session: DbSession,
               kind: Annotated[AuditKind | None, Query(description=(
                   "only this kind: `calendar_day`, `calendar_year`, `policy`, `operator`, `unit`"))] = None,
               actor: Annotated[str | None, Query(max_length=80, description=(
                   "only changes by this actor: an admin's username, or `cli:<system user>`"))] = None,
               start: Annotated[datetime | None, Query(alias="from", description=(
                   "only changes at or after this time (ISO 8601; without an offset: the district's time zone)"
               ))] = None,
               end: Annotated[datetime | None, Query(alias="to", description=(
                   "only changes before this time (same form as `from`)"))] = None,
               cursor: Annotated[str | None, Query(max_length=20, description=(
                   "`next_cursor` of the previous page"))] = None,
               limit: Annotated[int, Query(description=f"entries per page, 1 to {MAX_LIMIT}")] = 50,
               ) -> AuditPage:
    """Admin only (403 for everyone else): who changed a calendar day or year, the deadline policy, an operator
    or a unit, when, and the thing before and after (`null`: it did not exist / was removed; passwords are
    never recorded, only that one was set or changed). Newest first, keyset-paged: pass `next_cursor` as
    `cursor` for the next page."""
    if op.role != Role.admin.value:
        raise ApiError(403, "wrong_role", "only an admin may read the audit")
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid({"limit": "out_of_range"}, f"limit must be between 1 and {MAX_LIMIT}")
    after_id = None
    if cursor is not None:
        if not cursor.isdigit() or not 0 < int(cursor) < 2**63:
            raise invalid({"cursor": "invalid"}, "cursor must be the next_cursor of a previous page")
        after_id = int(cursor)
    tz = ctx.rules.load(session).policy.tz
    start, end = _aware(start, "from", tz), _aware(end, "to", tz)
    if start is not None and end is not None and end <= start:
        raise invalid({"to": "before_from"}, "`to` must be later than `from`")
    items, next_cursor = audit.page(session, kind=kind, actor=actor, start=start, end=end, after_id=after_id,
                                    limit=limit)
    return AuditPage(items=items, next_cursor=next_cursor)


def _aware(value: datetime | None, name: str, tz: tzinfo) -> datetime | None:
    """The time in UTC (one without an offset is the district's); a 422 for one no database can compare."""
    if value is None:
        return None
    try:
        return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(UTC)
    except (OverflowError, ValueError):
        raise invalid({name: "out_of_range"}, f"`{name}` is out of range") from None
