"""The audit of everything that is not a matter event: calendar days, the deadline policy, operators, units.

:func:`record` adds one entry in the caller's transaction, so the entry commits (or rolls back) with the change
it describes. ``before`` and ``after`` are the thing as plain JSON (``None``: it did not exist / was removed);
:func:`operator_facts` never includes a password or its hash. :func:`page` lists them for ``GET /api/audit``:
newest first, keyset-paged by id.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from sqlmodel import Session, col, select

from huiyin.core.domain import AuditKind
from huiyin.core.schemas import AuditOut
from huiyin.server.storage.models import AuditEntry, CalendarDay, Operator, Unit


@dataclass(frozen=True, slots=True)
class Who:
    """Who makes a change: an admin over the API (their username and id) or the command line."""

    name: str
    operator_id: int | None = None

    @classmethod
    def of(cls, op: Operator) -> Who:
        return cls(op.username, op.id)

    @classmethod
    def cli(cls) -> Who:
        """``cli:<the system user running it>``."""
        try:
            user = getpass.getuser()
        except Exception:  # no user name to be found (a container without one): still say it was the CLI
            user = "unknown"
        return cls(f"cli:{user}")


def record(session: Session, who: Who, at: datetime, kind: AuditKind, subject: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Add one audit entry to the session's transaction (nothing when before and after are the same)."""
    if before == after:
        return
    session.add(AuditEntry(kind=kind.value, subject=subject[:120], actor=who.name[:80], actor_id=who.operator_id,
                           at=at, before=before, after=after))


def calendar_day_facts(row: CalendarDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"day": row.day.isoformat(), "type": row.type, "name": row.name, "note": row.note}


def calendar_year_facts(session: Session, year: int, complete: bool | None) -> dict[str, Any] | None:
    """A year's entries as stored now (``None`` when the year has none and no year row)."""
    rows = session.exec(select(CalendarDay).where(CalendarDay.year == year).order_by(col(CalendarDay.day))).all()
    if not rows and complete is None:
        return None
    return {"year": year, "complete": bool(complete),
            "days": [calendar_day_facts(r) for r in rows]}


@overload
def operator_facts(op: Operator, unit_name: str | None = None) -> dict[str, Any]: ...
@overload
def operator_facts(op: Operator | None, unit_name: str | None = None) -> dict[str, Any] | None: ...
def operator_facts(op: Operator | None, unit_name: str | None = None) -> dict[str, Any] | None:
    """An operator as the audit shows it: never the password or its hash (``password_changed`` says it moved)."""
    if op is None:
        return None
    return {"username": op.username, "display_name": op.display_name, "role": op.role, "unit_id": op.unit_id,
            "unit": unit_name, "active": op.active}


@overload
def unit_facts(unit: Unit) -> dict[str, Any]: ...
@overload
def unit_facts(unit: Unit | None) -> dict[str, Any] | None: ...
def unit_facts(unit: Unit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.id, "name": unit.name, "tier": unit.tier, "kind": unit.kind, "parent_id": unit.parent_id,
            "code": unit.code}


def page(session: Session, *, kind: AuditKind | None, actor: str | None, start: datetime | None,
         end: datetime | None, after_id: int | None, limit: int) -> tuple[list[AuditOut], str | None]:
    """A page of audit entries, newest first; ``after_id`` is the last id of the previous page."""
    stmt = select(AuditEntry)
    if kind is not None:
        stmt = stmt.where(AuditEntry.kind == kind.value)
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor == actor)
    if start is not None:
        stmt = stmt.where(AuditEntry.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEntry.at < end)
    if after_id is not None:
        stmt = stmt.where(col(AuditEntry.id) < after_id)
    rows = list(session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [AuditOut(id=r.id, kind=AuditKind(r.kind), subject=r.subject, actor=r.actor, at=r.at,
                      before=r.before, after=r.after) for r in rows]
    return items, (str(rows[-1].id) if more and rows else None)

