"""Operator accounts after ``huiyin init``: list, add, edit (name, unit, role), disable, new password, sessions.

Used by ``/api/operators`` and ``huiyin operator``. Each function works in the caller's transaction (it does not
commit) and writes an audit entry (:mod:`huiyin.server.district.audit`; never a password or its hash). Refusals are
:class:`~huiyin.server.district.units.AdminRefusal` with a stable code:

* the last active admin cannot be disabled or given another role (``last_admin``): nobody could run the
  district any more;
* an operator's unit must exist and be active (``unit_inactive``);
* disabling an operator ends all their sessions at once (and :func:`huiyin.server.api.deps.current_operator`
  refuses a disabled operator's token anyway); a new password ends the sessions too, except the admin's own;
* a password an admin set for someone else (a new account, a reset) must be changed at the next sign-in
  (``must_change_password``); the operator's own change (:func:`change_own`) clears it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from huiyin.core.clock import Clock
from huiyin.core.domain import AuditKind, Role, Tier
from huiyin.core.schemas import AdminOperatorOut
from huiyin.server.base.security import hash_password, password_problem
from huiyin.server.district import audit
from huiyin.server.district.audit import Who
from huiyin.server.district.setup import SetupError, check_username, create_operator
from huiyin.server.district.units import AdminRefusal, unit_row
from huiyin.server.storage.models import AuthToken, Operator, Unit, stored_id

#: letters and digits that cannot be mistaken for each other when read out over the phone
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password() -> str:
    """A random password of 12 characters (about 70 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def find(session: Session, username: str) -> Operator:
    bad = len(username) > 64 or any(ord(c) < 32 for c in username)  # no such name can exist (nor be queried)
    op = None if bad else session.exec(select(Operator).where(Operator.username == username)).first()
    if op is None:
        raise AdminRefusal(404, "operator_not_found", f"there is no operator called {username!r}")
    return op


def live_sessions(session: Session, operator_id: int, now: datetime) -> list[AuthToken]:
    return list(session.exec(select(AuthToken).where(AuthToken.operator_id == operator_id,
                                                     AuthToken.revoked_at == None,  # noqa: E711
                                                     AuthToken.expires_at > now)
                             .order_by(col(AuthToken.id))))


def session_counts(session: Session, now: datetime) -> dict[int, int]:
    rows = session.exec(select(AuthToken.operator_id, func.count())
                        .where(AuthToken.revoked_at == None, AuthToken.expires_at > now)  # noqa: E711
                        .group_by(col(AuthToken.operator_id)))
    return {op_id: n for op_id, n in rows}


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise AdminRefusal(422, "invalid_input", f"there is no unit with id {unit_id}", {"unit_id": "not_found"})
    if not unit.active:
        raise AdminRefusal(409, "unit_inactive", f"{unit.name} is deactivated; it takes no operators")
    return unit


def _facts(session: Session, op: Operator) -> dict[str, Any]:
    unit = session.get(Unit, op.unit_id)
    return audit.operator_facts(op, unit.name if unit else None)


def _check_display_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 64:
        raise AdminRefusal(422, "invalid_input", "a display name needs 1 to 64 characters",
                           {"display_name": "length"})
    if any(ord(c) < 32 for c in name):
        raise AdminRefusal(422, "invalid_input", "a display name may not contain control characters",
                           {"display_name": "control_characters"})
    return name


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AdminRefusal(422, "invalid_input", problem, {"password": "weak"})


def add(session: Session, clock: Clock, who: Who, *, username: str, role: Role, unit_id: int,
        display_name: str | None, password: str | None) -> tuple[Operator, str | None]:
    """The new operator, and the password the server made (``None`` when one was given)."""
    username = username.strip()
    try:
        check_username(username)
        if any(ord(c) < 32 or ord(c) == 127 for c in username):
            raise SetupError("a username may not contain control characters")
    except SetupError as exc:
        raise AdminRefusal(422, "invalid_input", str(exc), {"username": "invalid"}) from None
    if session.exec(select(Operator.id).where(Operator.username == username)).first() is not None:
        raise AdminRefusal(409, "username_taken", f"there is already an operator called {username!r}",
                           {"username": "taken"})
    unit = _unit(session, unit_id)
    made = None
    if password is None:
        password = made = new_password()
    _check_password(password)
    if display_name is not None and not display_name.strip():
        display_name = None
    if display_name is not None:
        _check_display_name(display_name)
    op = create_operator(session, clock, username, password, role, unit.name, display_name, who=who)
    op.must_change_password = True  # the admin knows it: the operator chooses their own at the first sign-in
    session.add(op)
    return op, made


def _revoke(session: Session, op: Operator, now: datetime, keep: int | None = None) -> int:
    """End the operator's open sessions (but the one whose id is ``keep``); how many ended."""
    assert op.id is not None  # a stored operator
    tokens = [t for t in live_sessions(session, op.id, now) if t.id != keep]
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    return len(tokens)


def _other_active_admins(session: Session, op: Operator) -> int:
    # locks the admins' rows on PostgreSQL, so two admins demoting each other at once cannot both win
    rows = session.exec(select(Operator).where(Operator.role == Role.admin.value,
                                               Operator.active == True)  # noqa: E712
                        .with_for_update()).all()
    return sum(1 for row in rows if row.id != op.id)


def edit(session: Session, now: datetime, who: Who, username: str, *, display_name: str | None = None,
         unit_id: int | None = None, role: Role | None = None, disabled: bool | None = None) -> Operator:
    op = find(session, username)
    before = _facts(session, op)
    losing_admin = op.role == Role.admin.value and op.active and (
        (role is not None and role is not Role.admin) or disabled is True)
    if losing_admin and _other_active_admins(session, op) == 0:
        raise AdminRefusal(409, "last_admin", f"{op.username} is the last active admin; add or enable another "
                           "admin first")
    if display_name is not None:
        op.display_name = _check_display_name(display_name)
    if unit_id is not None and unit_id != op.unit_id:
        op.unit_id = stored_id(_unit(session, unit_id))
    if role is not None:
        op.role = role.value
    revoked = 0
    if disabled is True and op.active:
        op.active = False
        revoked = _revoke(session, op, now)
    elif disabled is False and not op.active:
        _unit(session, op.unit_id)
        op.active = True
    session.add(op)
    session.flush()
    after = _facts(session, op)
    if revoked:
        after = {**after, "sessions_ended": revoked}
    audit.record(session, who, now, AuditKind.operator, op.username, before, after)
    return op


def set_password(session: Session, now: datetime, who: Who, username: str,
                 password: str | None) -> tuple[str | None, int]:
    """A new password (made here when ``password`` is ``None``; then returned, to be shown once) and how many
    sessions it ended (all the operator's, unless they are the admin making the change)."""
    op = find(session, username)
    made = None
    if password is None:
        password = made = new_password()
    _check_password(password)
    op.password_hash = hash_password(password)
    own = who.operator_id == op.id
    # someone else's password: the admin knows it, so the operator chooses their own at the next sign-in
    op.must_change_password = not own
    session.add(op)
    revoked = 0 if own else _revoke(session, op, now)
    facts = _facts(session, op)
    audit.record(session, who, now, AuditKind.operator, op.username, facts,
                 {**facts, "password": "changed", **({"must_change_password": True} if not own else {}),
                  **({"sessions_ended": revoked} if revoked else {})})
    return made, revoked


def change_own(session: Session, now: datetime, operator_id: int, password_hash: str, keep_token_id: int) -> int:
    """The operator's own new password (already checked and hashed): it is theirs, so no change is required any
    more; every other session of theirs ends (the one they changed it in stays). Returns how many ended."""
    op = session.get(Operator, operator_id)
    assert op is not None
    facts = _facts(session, op)
    required = op.must_change_password
    op.password_hash = password_hash
    op.must_change_password = False
    session.add(op)
    ended = _revoke(session, op, now, keep=keep_token_id)
    audit.record(session, Who.of(op), now, AuditKind.operator, op.username,
                 {**facts, **({"must_change_password": True} if required else {})},
                 {**facts, "password": "changed by the operator", **({"sessions_ended": ended} if ended else {})})
    return ended


def revoke_sessions(session: Session, now: datetime, who: Who, username: str) -> int:
    op = find(session, username)
    revoked = _revoke(session, op, now)
    if revoked:
        facts = _facts(session, op)
        audit.record(session, who, now, AuditKind.operator, op.username, {**facts, "sessions": revoked},
                     {**facts, "sessions": 0})
    return revoked


def operator_row(session: Session, op: Operator, sessions: int) -> AdminOperatorOut:
    unit = session.get(Unit, op.unit_id)
    assert unit is not None
    return AdminOperatorOut(id=op.id, username=op.username, display_name=op.display_name, role=Role(op.role),
                            unit=unit_row(unit, None), tier=Tier(unit.tier), disabled=not op.active,
                            created_at=op.created_at, sessions=sessions)


def listing(session: Session, now: datetime, *, q: str | None = None, unit_id: int | None = None,
            role: Role | None = None) -> list[AdminOperatorOut]:
    """Every operator (disabled ones too) by username, filtered, with their open sessions."""
    stmt = select(Operator).order_by(Operator.username)
    if unit_id is not None:
        stmt = stmt.where(Operator.unit_id == unit_id)
    if role is not None:
        stmt = stmt.where(Operator.role == role.value)
    rows = list(session.exec(stmt))
    if q:
        needle = q.strip().casefold()
        rows = [r for r in rows if needle in r.username.casefold() or needle in r.display_name.casefold()]
    counts = session_counts(session, now)
    return [operator_row(session, r, counts.get(stored_id(r), 0)) for r in rows]
