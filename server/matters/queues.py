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

How it stays fast with millions of matters (migration 0005; figures in ``bench/RESULTS.md``):

* **Pages** (:func:`_ranges`): each queue is a union of index ranges already in ``(due_at, id)`` order — ``all``
  for a community is "held by it" ∪ "recorded by it", one range of ``(holder_unit_id, due_at, id)`` and one of
  ``(origin_unit_id, due_at, id)``; ``in_hand`` one range per status; a jurisdiction of more than
  :data:`MAX_RANGES` units (a district unit's) walks the global ``(due_at, id)`` index with the units as a
  filter, which most rows there pass. A page reads the first ``limit + 1`` rows of each range and merges them
  (``UNION`` then ``ORDER BY … LIMIT``): no ``OR`` across two columns, no sort of the queue. Backwards (``before``,
  ``from_end``) is the same ranges read in reverse.
* **Counts** come from ``matter_tallies`` (rows per origin unit, holder unit and status), kept by triggers in the
  database on every insert, delete and change of those columns, whoever writes. A queue's count is then a sum
  over a few dozen tally rows, whatever the history. Counting from narrow indexes instead would still read one
  index entry per matter in the queue (100,000 pending at one unit is 100,000 entries, ~20–50 ms), which grows
  with the queue; the tallies cost one small upsert per write, inside the write's transaction (the writes are
  serialised by the event lock already, so the hot tally row adds no contention). Counts that depend on the
  clock (``overdue``, the urgent counts) are index ranges bounded by the overdue and at-risk matters, not the
  history; ``sent_on``'s hand-overs (matters escalated, sent for help or assigned from the unit but recorded
  elsewhere) are counted from the events' ``(from_unit_id, kind)`` index. Counts are exact; an operator who sees
  only some matters (none today but the trainer, who sees none) is counted by query.
* **Search** (:func:`_text_filter`): a filter of :data:`MIN_INDEXED` characters or more goes through a trigram
  index — PostgreSQL ``pg_trgm`` GIN indexes on ``lower(number)``, ``lower(title)``, ``lower(resident_name)``
  and the phone's digits (a ``LIKE '%…%'`` they answer), SQLite an FTS5 table with the trigram tokenizer kept by
  triggers (one ``MATCH`` with the columns ORed) — and the few rows found are sorted. Chinese needs no word
  breaking: every three characters are a key. A filter that starts like a number (``YB-2026-``) is a range of
  the numbers' unique index (its trigrams are in every number). A filter of one or two characters (``岳``,
  ``公交``) cannot use trigrams: it is matched by scanning the queue, which the page stops as soon as it has
  its rows but the total reads to the end (hundreds of ms at a million matters); the workbench's filter waits
  for a pause in typing, so a third character usually arrives first.
"""

from __future__ import annotations

import base64
import difflib
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, literal_column, or_, table, true, union
from sqlalchemy.sql.elements import ColumnClause, ColumnElement, SQLColumnExpression, True_
from sqlmodel import Session, col, select

from huiyin.core.domain import Queue, Role, Status, UnitKind
from huiyin.core.schemas import MAX_ID, PHONE_RE
from huiyin.core.units import UnitTree
from huiyin.core.visibility import ROLE_VIEWERS, Access, Part, Viewer, granting, sees_all, sees_any
from huiyin.core.workflow import SENDS_ON, may_watch_overdue
from huiyin.server.base.errors import ApiError, invalid
from huiyin.server.matters.supervision import OPEN
from huiyin.server.storage.models import Matter, MatterEvent, MatterTally, Operator, stored_id

#: a condition on the matters, in SQL
Clause = ColumnElement[bool]

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


def _viewer_clause(viewer: Viewer, op: Operator, tree: UnitTree) -> Clause:
    """The matters to which ``op`` stands as ``viewer`` (:func:`huiyin.core.visibility.viewers` in SQL)."""
    role = Role(op.role)
    if role in ROLE_VIEWERS or viewer in ROLE_VIEWERS.values():
        return true() if ROLE_VIEWERS.get(role) is viewer else false()
    unit = op.unit_id
    if viewer is Viewer.holder:
        return col(Matter.holder_unit_id) == unit
    if viewer is Viewer.origin:
        return col(Matter.origin_unit_id) == unit
    if viewer is Viewer.on_path:
        # a probe of the events' (to_unit_id, matter_id) index per matter, not a list of every matter that ever
        # passed through the unit
        passed = select(MatterEvent.id).where(col(MatterEvent.to_unit_id) == unit,
                                              col(MatterEvent.matter_id) == Matter.id)
        return or_(col(Matter.holder_unit_id) == unit, col(Matter.origin_unit_id) == unit, passed.exists())
    if viewer is Viewer.command_center:
        return true() if unit in tree and tree[unit].kind is UnitKind.command_center else false()
    if viewer is Viewer.jurisdiction:
        return col(Matter.holder_unit_id).in_(tree.jurisdiction(unit)) if unit in tree else false()
    return true()  # Viewer.none: every working operator of the district


def visible(op: Operator, tree: UnitTree, part: Part = Part.work, level: Access = Access.masked) -> Clause:
    """The matters of which ``op`` sees ``part`` at ``level`` or more, as a filter."""
    return or_(false(), *(_viewer_clause(v, op, tree) for v in sorted(granting(part, level))))


def _queue_filter(queue: Queue, op: Operator, tree: UnitTree, now: datetime) -> Clause:
    return and_(visible(op, tree), or_(*_ranges(queue, op, tree, now)))


#: a set of units up to this size becomes one index range per unit; a larger one (a district unit's jurisdiction)
#: is walked in the global due order with the units as a filter, which most rows there pass
MAX_RANGES = 12
NOT_CLOSED = [s.value for s in Status if s is not Status.closed]


def _per_unit(column: SQLColumnExpression[int], units: set[int], *also: Clause) -> list[Clause]:
    if not units:
        return [false()]
    if len(units) <= MAX_RANGES:
        return [and_(column == unit, *also) for unit in sorted(units)]
    return [and_(column.in_(units), *also)]


def _ranges(queue: Queue, op: Operator, tree: UnitTree, now: datetime) -> list[Clause]:
    """The queue as a union of index ranges, each already in ``(due_at, id)`` order on one index (the queue is
    their ``OR``; they may overlap). A page takes the first rows of each range and merges them, so it reads about
    ``limit`` rows per range however long the queue is, and never sorts the queue."""
    unit = op.unit_id
    if queue is Queue.district:
        return [true()]
    jurisdiction = tree.jurisdiction(unit)
    if queue is Queue.overdue:
        if not may_watch_overdue(Role(op.role)):
            raise ApiError(403, "wrong_role", "the overdue queue is for supervisors and the command center")
        return [and_(col(Matter.status) == status, col(Matter.due_at) < now,
                     col(Matter.holder_unit_id).in_(jurisdiction))
                for status in OPEN]
    if queue is Queue.incoming:
        return [and_(col(Matter.holder_unit_id) == unit, col(Matter.status) == Status.pending.value)]
    if queue is Queue.pending_below:
        return _per_unit(col(Matter.holder_unit_id), jurisdiction - {unit}, col(Matter.status) == Status.pending.value)
    if queue is Queue.in_hand:
        return [and_(col(Matter.holder_unit_id) == unit, col(Matter.status) == status)
                for status in (Status.in_progress.value, Status.answered.value)]
    if queue is Queue.sent_on:
        handed = (select(MatterEvent.matter_id)
                  .where(col(MatterEvent.from_unit_id) == unit,
                         col(MatterEvent.kind).in_(sorted(a.value for a in SENDS_ON))))
        return [*(and_(col(Matter.origin_unit_id) == unit, col(Matter.status) == status,
                       col(Matter.holder_unit_id) != unit)
                  for status in NOT_CLOSED),
                and_(col(Matter.id).in_(handed), col(Matter.status) != Status.closed.value,
                     col(Matter.holder_unit_id) != unit)]
    if jurisdiction >= {u.id for u in tree}:  # every unit there is: every matter is held in the jurisdiction
        return [true()]
    if len(jurisdiction) > MAX_RANGES:
        return [or_(col(Matter.holder_unit_id).in_(jurisdiction), col(Matter.origin_unit_id).in_(jurisdiction))]
    return [*_per_unit(col(Matter.holder_unit_id), jurisdiction), *_per_unit(col(Matter.origin_unit_id), jurisdiction)]


#: a filter of this many digits or more (spaces, dashes, dots, brackets ignored) also matches phone numbers
MIN_PHONE_DIGITS = 3
#: the shortest text the trigram index answers; shorter filters are matched by scanning the queue (see above)
MIN_INDEXED = 3
#: a filter that starts like a matter number (a district code, a dash, a digit) matches numbers from their start
NUMBER_START = re.compile(r"^[a-z]{1,8}-\d")
_PHONE_SEPARATORS = re.compile(r"[\s\-().+]")


def phone_digits(text: str) -> str:
    """``text`` without the separators a clerk or a stored landline may have (``023-6789 0123`` → digits)."""
    return _PHONE_SEPARATORS.sub("", text)


def _stored_phone_digits() -> ColumnElement[str]:
    # literals, not parameters: PostgreSQL matches the expression of the trigram index (migration 0005) only then
    none: ColumnClause[str] = literal_column("''")
    return func.replace(func.replace(Matter.resident_phone, literal_column("'-'"), none), literal_column("' '"), none)


def _always(clause: Clause) -> bool:
    """Whether a filter built by :func:`visible` is plainly true (every matter), so it can be left out."""
    return isinstance(clause, True_) or isinstance(getattr(clause, "element", None), True_)


def _fts(terms: list[tuple[str, str]]) -> Clause:
    """SQLite: the ids of the matters whose ``matters_fts`` column contains its text, for any (column, text)."""
    query = " OR ".join('{{{}}} : "{}"'.format(column, text.replace('"', '""')) for column, text in terms)
    return col(Matter.id).in_(select(literal_column("rowid")).select_from(table("matters_fts"))
                         .where(literal_column("matters_fts").op("MATCH")(query)))


def _scan(column: str, text: str) -> Clause:
    """``text`` anywhere in the column, without an index (PostgreSQL's trigram indexes answer this LIKE)."""
    if column == "phone":
        return _stored_phone_digits().contains(text, autoescape=True)
    return func.lower(getattr(Matter, column)).contains(text, autoescape=True)


def _any_contains(sqlite: bool, terms: list[tuple[str, str]]) -> Clause:
    """Any of these columns contains its text (case-insensitively): on SQLite through the FTS5 trigram table
    in one lookup when every text has 3 characters or more; else (and on PostgreSQL, whose trigram GIN indexes
    serve the same LIKE) as ``LIKE``."""
    if sqlite and all(len(text) >= MIN_INDEXED for _c, text in terms):
        return _fts(terms)
    return or_(*(_scan(column, text) for column, text in terms))


def _text_filter(q: str, tree: UnitTree, op: Operator, sqlite: bool) -> Clause:
    needle = q.strip().lower()
    units = [u.id for u in tree if needle in u.name.lower()]
    work = [("title", needle)]
    number_clause: list[Clause] = []
    if NUMBER_START.match(needle):
        # the start of a number (``YB-2026-00``): a range of the numbers' unique index; its trigrams (``yb-``,
        # ``202``, ``026``) are in every number and would read the whole text index
        start = needle.upper()
        number_clause = [and_(col(Matter.number) >= start, col(Matter.number) < start + "\uffff")]
    else:
        work.append(("number", needle))
    resident = [("resident_name", needle)]
    digits = phone_digits(needle)
    if digits.isdigit() and digits.isascii() and len(digits) >= MIN_PHONE_DIGITS:
        resident.append(("phone", digits))
    # the resident's name and phone only where the operator sees the resident in full: no guessing a masked
    # phone digit by digit
    sees_resident = visible(op, tree, Part.resident, Access.full)
    if _always(sees_resident):
        clauses = [_any_contains(sqlite, work + resident)]
    else:
        clauses = [_any_contains(sqlite, work), and_(sees_resident, _any_contains(sqlite, resident))]
    clauses += number_clause
    if PHONE_RE.match(digits):
        # a whole phone number finds the resident's matters anywhere (as GET /api/matters/similar does): who
        # types it knows it already
        clauses.append(and_(_any_contains(sqlite, [("phone", digits)]), _stored_phone_digits() == digits))
    if units:
        clauses += [col(Matter.holder_unit_id).in_(units), col(Matter.origin_unit_id).in_(units)]
    return or_(*clauses)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


KEY = (col(Matter.due_at), col(Matter.id))


def _after(due: datetime, ident: int) -> Clause:
    return or_(col(Matter.due_at) > due, and_(col(Matter.due_at) == due, col(Matter.id) > ident))


def _before(due: datetime, ident: int) -> Clause:
    return or_(col(Matter.due_at) < due, and_(col(Matter.due_at) == due, col(Matter.id) < ident))


def _first_ids(session: Session, ranges: list[Clause], where: list[Clause], n: int, backwards: bool) -> list[int]:
    """The ids of the first ``n`` matters of the union of ``ranges`` (each filtered by ``where``) in key order
    (from the end when ``backwards``): the first ``n`` of each range, merged."""
    order: Sequence[SQLColumnExpression[Any]] = [KEY[0].desc(), KEY[1].desc()] if backwards else KEY
    if len(ranges) == 1:
        stmt = select(Matter.id, Matter.due_at).where(ranges[0], *where).order_by(*order).limit(n)
        return [row[0] for row in session.execute(stmt)]
    parts = [select(Matter.id, Matter.due_at).where(r, *where).order_by(*order).limit(n).subquery()
             for r in ranges]
    merged = union(*(select(p.c.id, p.c.due_at) for p in parts)).subquery()
    order = [merged.c.due_at.desc(), merged.c.id.desc()] if backwards else [merged.c.due_at, merged.c.id]
    return list(session.execute(select(merged.c.id).order_by(*order).limit(n)).scalars())


def queue_page(session: Session, op: Operator, tree: UnitTree, queue: Queue, q: str | None, limit: int,
               cursor: str | None, now: datetime, before: str | None = None, from_end: bool = False,
               ) -> tuple[list[Matter], int, str | None, str | None]:
    """A page of the queue: after ``cursor``, or before ``before``, or the last page (``from_end``), else the
    first. Returns the rows (in key order), the queue's total, and the cursors to page on forwards and
    backwards (``None`` where the queue surely ends; otherwise a page that way may turn out empty when the rows
    in between left the queue meanwhile)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid({"limit": "out_of_range"}, f"limit must be between 1 and {MAX_LIMIT}")
    if q is not None and len(q) > MAX_QUERY:
        raise invalid({"q": "too_long"}, f"q may have at most {MAX_QUERY} characters")
    if sum((cursor is not None, before is not None, from_end)) > 1:
        raise invalid({"before": "conflict"}, "give at most one of cursor, before and from_end")
    ranges = _ranges(queue, op, tree, now)
    where = [visible(op, tree)]
    text = bool(q and q.strip())
    if text:
        # the text index finds the few matching rows; then they are sorted (a range walk would filter the queue)
        assert q is not None
        where.append(_text_filter(q, tree, op, _is_sqlite(session)))
        ranges = [or_(*ranges)]
    backwards = from_end or before is not None
    if cursor:
        where.append(_after(*decode_cursor(cursor)))
    if before:
        where.append(_before(*decode_cursor(before)))
    ids = _first_ids(session, ranges, where, limit + 1, backwards)
    more = len(ids) > limit
    ids = ids[:limit]
    found = {stored_id(m): m for m in session.exec(select(Matter).where(col(Matter.id).in_(ids)))} if ids else {}
    rows = sorted(found.values(), key=lambda m: (m.due_at, m.id))
    total = _total(session, op, tree, queue, now, ranges, where[:2] if text else where[:1])
    if not rows:
        return [], total, None, None
    if backwards:
        next_cursor = encode_cursor(rows[-1]) if before else None
        prev_cursor = encode_cursor(rows[0]) if more else None
    else:
        next_cursor = encode_cursor(rows[-1]) if more else None
        prev_cursor = encode_cursor(rows[0]) if cursor else None
    return rows, total, next_cursor, prev_cursor


def _count(session: Session, *where: Clause) -> int:
    return session.exec(select(func.count()).select_from(Matter).where(*where)).one()


def _tally(session: Session, *where: Clause) -> int:
    return session.exec(select(func.coalesce(func.sum(MatterTally.n), 0)).where(*where)).one()


def _tallied(session: Session, op: Operator, tree: UnitTree, queue: Queue) -> int | None:
    """The queue's size from the tallies (migration 0005), for an operator who sees every matter's work; ``None``
    for a queue that is not a sum over units and statuses."""
    unit = op.unit_id
    jurisdiction = tree.jurisdiction(unit)
    if queue is Queue.district:
        return _tally(session)
    if queue is Queue.incoming:
        return _tally(session, col(MatterTally.holder_unit_id) == unit, col(MatterTally.status) == Status.pending.value)
    if queue is Queue.in_hand:
        return _tally(session, col(MatterTally.holder_unit_id) == unit,
                      col(MatterTally.status).in_([Status.in_progress.value, Status.answered.value]))
    if queue is Queue.pending_below:
        below = jurisdiction - {unit}
        return _tally(session, col(MatterTally.holder_unit_id).in_(below),
                      col(MatterTally.status) == Status.pending.value) if below else 0
    if queue is Queue.all:
        return _tally(session, or_(col(MatterTally.holder_unit_id).in_(jurisdiction),
                                   col(MatterTally.origin_unit_id).in_(jurisdiction)))
    return None


def _total(session: Session, op: Operator, tree: UnitTree, queue: Queue, now: datetime, ranges: list[Clause],
           where: list[Clause]) -> int:
    if len(where) == 1:  # no text filter
        role = Role(op.role)
        if not sees_any(role):
            return 0
        if sees_all(role):
            tallied = _tallied(session, op, tree, queue)
            if tallied is not None:
                return tallied
            if queue is Queue.sent_on:
                unit = op.unit_id
                # recorded here: a sum of tallies; handed on from here and recorded elsewhere: the unit's hand-overs
                own = _tally(session, col(MatterTally.origin_unit_id) == unit, col(MatterTally.holder_unit_id) != unit,
                             col(MatterTally.status) != Status.closed.value)
                return own + _count(session, ranges[-1], col(Matter.origin_unit_id) != unit)
    # the overdue matters (a range of the deadline index), a filtered queue (the text index's few rows), or an
    # operator who sees only some matters: counted
    return _count(session, or_(*ranges), *where)


def queue_counts(session: Session, op: Operator, tree: UnitTree, now: datetime,
                 at_risk_before: datetime) -> dict[str, int | None]:
    """Each queue's size, and how many of the matters this unit must act on (incoming and in hand) are at risk
    (due before ``at_risk_before``) or overdue now."""
    counts: dict[str, int | None] = {
        queue.value: _total(session, op, tree, queue, now, _ranges(queue, op, tree, now), [visible(op, tree)])
        for queue in (Queue.incoming, Queue.in_hand, Queue.pending_below, Queue.sent_on, Queue.all, Queue.district)}
    counts["sent_up"] = counts["sent_on"]  # the old name, for older clients
    counts["overdue"] = (_total(session, op, tree, Queue.overdue, now, _ranges(Queue.overdue, op, tree, now),
                                [visible(op, tree)]) if may_watch_overdue(Role(op.role)) else None)
    # open matters at my unit: pending (incoming) or in progress (in hand); a range of the holder's index each
    mine = and_(visible(op, tree), col(Matter.holder_unit_id) == op.unit_id)
    counts["urgent_overdue"] = sum(_count(session, mine, col(Matter.status) == status, col(Matter.due_at) < now)
                                   for status in OPEN)
    counts["urgent_at_risk"] = sum(_count(session, mine, col(Matter.status) == status, col(Matter.due_at) >= now,
                                          col(Matter.due_at) < at_risk_before) for status in OPEN)
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
    (compared without spaces, case-insensitively); only matters ``op`` may see. Returns ``(matter, "phone" |
    "title_address")``, at most ``limit``, the most recent first within each kind."""
    found: list[tuple[Matter, str]] = []
    seen: set[int] = set()
    open_ = and_(col(Matter.status) != Status.closed.value, visible(op, tree))
    if phone:
        stmt = (select(Matter).where(open_, _stored_phone_digits() == phone_digits(phone))
                .order_by(col(Matter.created_at).desc(), col(Matter.id).desc()).limit(limit))
        for matter in session.exec(stmt):
            found.append((matter, "phone"))
            seen.add(stored_id(matter))
    if title and address and len(found) < limit:
        wanted = _squeeze(title)
        stored_address = func.lower(func.replace(func.replace(Matter.address, " ", ""), "\u3000", ""))
        stmt = (select(Matter).where(open_, stored_address == _squeeze(address))
                .order_by(col(Matter.created_at).desc(), col(Matter.id).desc()).limit(MAX_ADDRESS_CANDIDATES))
        scored: list[tuple[float, int, Matter]] = []
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
