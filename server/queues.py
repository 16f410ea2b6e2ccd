"""The queues as queries, with a text filter and keyset pagination by ``(due_at, id)``.

* ``incoming``: pending matters waiting at my unit (recorded here, or escalated, assigned or released to us).
* ``in_hand``: matters my unit holds and is working on or has answered.
* ``pending_below``: pending matters held by another unit in my jurisdiction (for a town: its communities and
  offices; for district units and the command center: the district), the ones to claim proactively.
* ``sent_on`` (formerly ``sent_up``): matters my unit recorded, or escalated, asked help for or assigned away,
  not closed and held by another unit now.
* ``all``: every matter held by or recorded at a unit in my jurisdiction (the district for district units).
* ``overdue``: open matters (pending or in progress) past their deadline, held in my jurisdiction: for
  supervisors and the command center (:func:`huiyin.core.workflow.may_watch_overdue`), 403 for others.
* ``district``: every matter of the district, wherever it is (search it with ``q``), so a window finds the matter
  another unit already has before recording it again.

Every queue holds only the matters the operator may see at all (:mod:`huiyin.core.visibility`: a trainer sees
none), and the text filter matches the resident's name and phone only on matters whose resident the operator sees
in full: a masked phone cannot be recovered digit by digit with searches (a whole phone number matches everywhere,
as it does for ``GET /api/matters/similar``: who types it knows it already). The policy's relations become SQL here
(:func:`visible`), so the queues and the detail answer from the same table.

Sorting by ``due_at`` is sorting by urgency: at any moment, less working time is left the earlier a deadline is.
"""

from __future__ import annotations

import base64
import difflib
import json
import re
from datetime import datetime

from sqlalchemy import and_, false, func, or_, true
from sqlmodel import Session, select

from huiyin.core.domain import EventKind, Queue, Role, Status, UnitKind
from huiyin.core.schemas import MAX_ID, PHONE_RE
from huiyin.core.workflow import may_watch_overdue
from huiyin.core.units import UnitTree
from huiyin.core.visibility import ROLE_VIEWERS, Access, Part, Viewer, granting

from .errors import ApiError, invalid
from .models import Matter, MatterEvent, Operator
from .supervision import OPEN

MAX_LIMIT = 500
MAX_QUERY = 100


def encode_cursor(matter: Matter) -> str:
    raw = json.dumps([matter.due_at.isoformat(), matter.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, ident = json.loads(raw)
        when = datetime.fromisoformat(due)
        if when.tzinfo is None or not isinstance(ident, int) or not 0 <= ident <= MAX_ID:
            raise ValueError
        return when, ident
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError, UnicodeDecodeError):
        raise invalid({"cursor": "invalid"}, "cursor is not one this server handed out") from None


def _viewer_clause(viewer: Viewer, op: Operator, tree: UnitTree):  # type: ignore[no-untyped-def]
    """The matters to which ``op`` stands as ``viewer`` (:func:`huiyin.core.visibility.viewers` in SQL)."""
    role = Role(op.role)
    if role in ROLE_VIEWERS or viewer in ROLE_VIEWERS.values():
        return true() if ROLE_VIEWERS.get(role) is viewer else false()
    unit = op.unit_id
    if viewer is Viewer.holder:
        return Matter.holder_unit_id == unit
    if viewer is Viewer.origin:
        return Matter.origin_unit_id == unit
    if viewer is Viewer.on_path:
        passed = select(MatterEvent.matter_id).where(MatterEvent.to_unit_id == unit)
        return or_(Matter.holder_unit_id == unit, Matter.origin_unit_id == unit, Matter.id.in_(passed))  # type: ignore[union-attr]
    if viewer is Viewer.command_center:
        return true() if unit in tree and tree[unit].kind is UnitKind.command_center else false()
    if viewer is Viewer.jurisdiction:
        return Matter.holder_unit_id.in_(tree.jurisdiction(unit)) if unit in tree else false()  # type: ignore[attr-defined]
    return true()  # Viewer.none: every working operator of the district


def visible(op: Operator, tree: UnitTree, part: Part = Part.work, level: Access = Access.masked):  # type: ignore[no-untyped-def]
    """The matters of which ``op`` sees ``part`` at ``level`` or more, as a filter."""
    return or_(false(), *(_viewer_clause(v, op, tree) for v in sorted(granting(part, level))))


def _queue_filter(queue: Queue, op: Operator, tree: UnitTree, now: datetime):  # type: ignore[no-untyped-def]
    return and_(visible(op, tree), _scope_filter(queue, op, tree, now))


def _scope_filter(queue: Queue, op: Operator, tree: UnitTree, now: datetime):  # type: ignore[no-untyped-def]
    if queue is Queue.district:
        return true()
    jurisdiction = tree.jurisdiction(op.unit_id)
    if queue is Queue.overdue:
        if not may_watch_overdue(Role(op.role)):
            raise ApiError(403, "wrong_role", "the overdue queue is for supervisors and the command center")
        return and_(Matter.status.in_(OPEN), Matter.due_at < now, Matter.holder_unit_id.in_(jurisdiction))  # type: ignore[attr-defined,operator]
    if queue is Queue.incoming:
        return and_(Matter.status == Status.pending.value, Matter.holder_unit_id == op.unit_id)
    if queue is Queue.pending_below:
        below = jurisdiction - {op.unit_id}
        return and_(Matter.status == Status.pending.value, Matter.holder_unit_id.in_(below))  # type: ignore[attr-defined]
    if queue is Queue.in_hand:
        return and_(Matter.holder_unit_id == op.unit_id,
                    Matter.status.in_([Status.in_progress.value, Status.answered.value]))  # type: ignore[attr-defined]
    if queue is Queue.sent_on:
        handed = (select(MatterEvent.matter_id)
                  .where(MatterEvent.from_unit_id == op.unit_id,
                         MatterEvent.kind.in_([EventKind.escalate.value, EventKind.request_help.value,  # type: ignore[attr-defined]
                                               EventKind.assign.value])))
        return and_(or_(Matter.origin_unit_id == op.unit_id, Matter.id.in_(handed)),  # type: ignore[union-attr]
                    Matter.status != Status.closed.value, Matter.holder_unit_id != op.unit_id)
    return or_(Matter.holder_unit_id.in_(jurisdiction), Matter.origin_unit_id.in_(jurisdiction))  # type: ignore[attr-defined]


#: a filter of this many digits or more (spaces, dashes, dots, brackets ignored) also matches phone numbers
MIN_PHONE_DIGITS = 3
_PHONE_SEPARATORS = re.compile(r"[\s\-().+]")


def phone_digits(text: str) -> str:
    """``text`` without the separators a clerk or a stored landline may have (``023-6789 0123`` → digits)."""
    return _PHONE_SEPARATORS.sub("", text)


def _stored_phone_digits():  # type: ignore[no-untyped-def]
    return func.replace(func.replace(Matter.resident_phone, "-", ""), " ", "")


def _text_filter(q: str, tree: UnitTree, op: Operator):  # type: ignore[no-untyped-def]
    needle = q.strip().lower()
    units = [u.id for u in tree if needle in u.name.lower()]
    resident = [func.lower(Matter.resident_name).contains(needle, autoescape=True)]
    digits = phone_digits(needle)
    if digits.isdigit() and digits.isascii() and len(digits) >= MIN_PHONE_DIGITS:
        resident.append(_stored_phone_digits().contains(digits, autoescape=True))
    clauses = [func.lower(Matter.number).contains(needle, autoescape=True),
               func.lower(Matter.title).contains(needle, autoescape=True),
               # only where the operator sees the resident in full: no guessing a masked phone digit by digit
               and_(visible(op, tree, Part.resident, Access.full), or_(*resident))]
    if PHONE_RE.match(digits):
        # a whole phone number finds the resident's matters anywhere (as GET /api/matters/similar does): who
        # types it knows it already
        clauses.append(_stored_phone_digits() == digits)
    if units:
        clauses += [Matter.holder_unit_id.in_(units), Matter.origin_unit_id.in_(units)]  # type: ignore[attr-defined]
    return or_(*clauses)


def queue_page(session: Session, op: Operator, tree: UnitTree, queue: Queue, q: str | None, limit: int,
               cursor: str | None, now: datetime) -> tuple[list[Matter], int, str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid({"limit": "out_of_range"}, f"limit must be between 1 and {MAX_LIMIT}")
    if q is not None and len(q) > MAX_QUERY:
        raise invalid({"q": "too_long"}, f"q may have at most {MAX_QUERY} characters")
    where = [_queue_filter(queue, op, tree, now)]
    if q and q.strip():
        where.append(_text_filter(q, tree, op))
    total = session.exec(select(func.count()).select_from(Matter).where(*where)).one()
    stmt = select(Matter).where(*where)
    if cursor:
        due, ident = decode_cursor(cursor)
        stmt = stmt.where(or_(Matter.due_at > due, and_(Matter.due_at == due, Matter.id > ident)))  # type: ignore[operator]
    rows = list(session.exec(stmt.order_by(Matter.due_at, Matter.id).limit(limit + 1)))  # type: ignore[arg-type]
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], total, next_cursor


def _count(session: Session, *where) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count()).select_from(Matter).where(*where)).one()


def queue_counts(session: Session, op: Operator, tree: UnitTree, now: datetime,
                 at_risk_before: datetime) -> dict[str, int | None]:
    """Each queue's size, and how many of the matters this unit must act on (incoming and in hand) are at risk
    (due before ``at_risk_before``) or overdue now."""
    counts: dict[str, int | None] = {
        queue.value: _count(session, _queue_filter(queue, op, tree, now))
        for queue in (Queue.incoming, Queue.in_hand, Queue.pending_below, Queue.sent_on, Queue.all, Queue.district)}
    counts["sent_up"] = counts["sent_on"]  # the old name, for older clients
    counts["overdue"] = (_count(session, _queue_filter(Queue.overdue, op, tree, now))
                         if may_watch_overdue(Role(op.role)) else None)
    mine = and_(or_(_queue_filter(Queue.incoming, op, tree, now), _queue_filter(Queue.in_hand, op, tree, now)),
                Matter.status.in_(OPEN))  # type: ignore[attr-defined]
    counts["urgent_overdue"] = _count(session, mine, Matter.due_at < now)  # type: ignore[operator]
    counts["urgent_at_risk"] = _count(session, mine, Matter.due_at >= now, Matter.due_at < at_risk_before)  # type: ignore[operator]
    return counts


#: how alike two titles at the same address must be (difflib's ratio of the titles without spaces) to be shown
TITLE_SIMILARITY = 0.6
#: at most this many open matters at one address are compared by title
MAX_ADDRESS_CANDIDATES = 200


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def similar_matters(session: Session, op: Operator, tree: UnitTree, phone: str, title: str, address: str,
                    limit: int) -> list[tuple[Matter, str]]:
    """Open (not closed) matters anywhere in the district that may be the one being recorded: the same
    resident's phone (compared without dashes and spaces), then a very similar title at the same address
    (compared without spaces, case-insensitively); only matters ``op`` may see. Returns ``(matter, "phone" | "title_address")``, at most
    ``limit``, the most recent first within each kind."""
    found: list[tuple[Matter, str]] = []
    seen: set[int] = set()
    open_ = and_(Matter.status != Status.closed.value, visible(op, tree))
    if phone:
        stmt = (select(Matter).where(open_, _stored_phone_digits() == phone_digits(phone))
                .order_by(Matter.created_at.desc(), Matter.id.desc()).limit(limit))  # type: ignore[attr-defined,union-attr]
        for matter in session.exec(stmt):
            found.append((matter, "phone"))
            seen.add(matter.id)  # type: ignore[arg-type]
    if title and address and len(found) < limit:
        wanted = _squeeze(title)
        stored_address = func.lower(func.replace(func.replace(Matter.address, " ", ""), "\u3000", ""))
        stmt = (select(Matter).where(open_, stored_address == _squeeze(address))
                .order_by(Matter.created_at.desc(), Matter.id.desc()).limit(MAX_ADDRESS_CANDIDATES))  # type: ignore[attr-defined,union-attr]
        scored = []
        for matter in session.exec(stmt):
            if matter.id in seen:
                continue
            other = _squeeze(matter.title)
            ratio = 1.0 if wanted in other or other in wanted else \
                difflib.SequenceMatcher(None, wanted, other).ratio()
            if ratio >= TITLE_SIMILARITY:
                scored.append((-ratio, len(scored), matter))
        found += [(matter, "title_address") for _r, _i, matter in sorted(scored)]
    return found[:limit]
