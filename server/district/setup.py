"""Setting a district up: its unit tree and its operators (used by ``huiyin init`` and ``huiyin operator``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from huiyin.core.clock import Clock
from huiyin.core.domain import AuditKind, Role, Tier, UnitKind
from huiyin.core.schemas import LIMITS
from huiyin.server.base.security import hash_password, password_problem
from huiyin.server.district import audit
from huiyin.server.district.audit import Who
from huiyin.server.storage.models import Operator, Unit, stored_id


class SetupError(ValueError):
    """A setup request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class UnitSpec:
    name: str
    tier: Tier
    kind: UnitKind
    parent: str | None = None
    code: str | None = None


def has_units(session: Session) -> bool:
    return session.exec(select(Unit.id).limit(1)).first() is not None


def create_units(session: Session, specs: list[UnitSpec], *, who: Who | None = None,
                 now: datetime | None = None) -> dict[str, int]:
    """Insert a validated tree (parents before children); returns name → id. Does not commit. With ``who``
    (and ``now``), each unit gets an audit entry."""
    ids: dict[str, int] = {}
    for spec in specs:
        parent_id = ids[spec.parent] if spec.parent else None
        unit = Unit(name=spec.name, tier=spec.tier.value, kind=spec.kind.value, parent_id=parent_id, code=spec.code)
        session.add(unit)
        session.flush()
        assert unit.id is not None  # flushed: the database gave it one
        ids[spec.name] = unit.id
        if who is not None and now is not None:
            audit.record(session, who, now, AuditKind.unit, unit.name, None, audit.unit_facts(unit))
    return ids


def check_username(username: str) -> None:
    if not username or len(username) > LIMITS["username"]:
        raise SetupError(f"a username needs 1 to {LIMITS['username']} characters")
    if any(c.isspace() for c in username):
        raise SetupError("a username may not contain spaces")


def create_operator(session: Session, clock: Clock, username: str, password: str, role: Role, unit_name: str,
                    display_name: str | None = None, password_hash: str | None = None, *,
                    who: Who | None = None) -> Operator:
    """Add an operator (does not commit). ``password_hash`` lets a caller reuse one hash for many accounts.
    With ``who``, an audit entry records it (setting up a district or the sample writes none)."""
    check_username(username)
    if session.exec(select(Operator.id).where(Operator.username == username)).first() is not None:
        raise SetupError(f"there is already an operator called {username!r}")
    unit = session.exec(select(Unit).where(Unit.name == unit_name)).first()
    if unit is None:
        raise SetupError(f"there is no unit called {unit_name!r}")
    if not unit.active:
        raise SetupError(f"{unit_name} is deactivated; it takes no operators")
    if password_hash is None:
        problem = password_problem(password)
        if problem:
            raise SetupError(problem)
        password_hash = hash_password(password)
    name = (display_name or username).strip()
    if len(name) > 64:
        raise SetupError("a display name may have at most 64 characters")
    op = Operator(username=username, display_name=name, password_hash=password_hash, role=role.value,
                  unit_id=stored_id(unit), created_at=clock.now())
    session.add(op)
    session.flush()
    if who is not None:
        audit.record(session, who, op.created_at, AuditKind.operator, username, None,
                     {**audit.operator_facts(op, unit.name), "password": "set"})
    return op


def set_password(session: Session, username: str, password: str, *, who: Who, now: datetime) -> None:
    """Set an operator's password (does not commit); the audit says that it changed, never what to."""
    op = session.exec(select(Operator).where(Operator.username == username)).first()
    if op is None:
        raise SetupError(f"there is no operator called {username!r}")
    problem = password_problem(password)
    if problem:
        raise SetupError(problem)
    op.password_hash = hash_password(password)
    session.add(op)
    unit = session.get(Unit, op.unit_id)
    facts = audit.operator_facts(op, unit.name if unit else None)
    audit.record(session, who, now, AuditKind.operator, username, facts, {**facts, "password": "changed"})
