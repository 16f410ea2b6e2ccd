"""The assessment's facts (``matter_facts``): each matter's timeline folded by
:func:`huiyin.core.assessment.fold`, one row per matter, so a report reads one row per matter of its cohort
instead of every timeline entry (docs/assessment.md, "How it is computed").

* :func:`note_event` / :func:`note_events` fold a new entry into its matter's row, in the transaction that
  appends it: :func:`huiyin.server.matters.events.append_event` and ``append_events`` call them, and nothing else writes
  the table. An entry the assessment does not read (a note, a supervision notice, a related link) leaves the row
  alone.
* :func:`timeline_facts` folds matters' entries read from ``matter_events`` (by ``ix_events_matter``): the
  report's fallback for matters active after a past period's end, and :func:`rebuild_facts`, which folds every
  timeline again (migration 0008; a later change of the fold or of the stored form needs a migration that calls
  it again).

The row keeps the facts as a JSON array (``MatterFacts.row()``, flat: instants as epoch seconds, never a yes/no that
depends on the calendar, the policy or a period), plus ``created_at`` (the cohort is a range of it) and
``last_event_at`` (facts are a past period's only if nothing happened after it ended).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlmodel import Session

from huiyin.core.assessment import EVENT_KINDS, EventRow, MatterFacts, assessed, fold, fold_timelines
from huiyin.core.domain import EventKind, LinkKind
from huiyin.server.storage.models import UTCDateTime

#: the table as this module writes it (not the model: migration 0008 runs this code on its own schema)
FACTS = sa.table("matter_facts", sa.column("matter_id", sa.Integer), sa.column("created_at", UTCDateTime()),
                 sa.column("last_event_at", UTCDateTime()), sa.column("state", sa.Text))
EVENTS = sa.table("matter_events", sa.column("id", sa.Integer), sa.column("matter_id", sa.Integer),
                  sa.column("kind", sa.String), sa.column("holder_unit_id", sa.Integer),
                  sa.column("satisfaction", sa.Integer), sa.column("due_at", UTCDateTime()),
                  sa.column("created_at", UTCDateTime()), sa.column("link_kind", sa.String))
#: the entries the assessment reads, as SQL (:func:`huiyin.core.assessment.assessed`)
ASSESSED = sa.or_(EVENTS.c.kind.in_([k for k in EVENT_KINDS if k != EventKind.link.value]),
                  sa.and_(EVENTS.c.kind == EventKind.link.value, EVENTS.c.link_kind == LinkKind.duplicate.value))
#: matters per statement (SQLite's bound-parameter limit is 999)
CHUNK = 900
#: matter ids per range scan when every timeline is folded again
REBUILD_SPAN = 5000


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def dump(facts: MatterFacts) -> str:
    return _ENCODER.encode(facts.row())


def load(state: str) -> MatterFacts:
    return MatterFacts.from_row(json.loads(state))


def _instant(value: float) -> datetime:
    # exact to the microsecond for any instant of this era (a double keeps ~0.2 µs there)
    return datetime.fromtimestamp(value, UTC)


def _values(matter_id: int, facts: MatterFacts) -> dict[str, Any]:
    return {"matter_id": matter_id, "created_at": _instant(facts.created),
            "last_event_at": _instant(facts.last_event_at), "state": dump(facts)}


def _event(fields: dict[str, Any]) -> EventRow:
    due = fields.get("due_at")
    return EventRow(fields["matter_id"], fields["kind"], fields["holder_unit_id"], fields.get("satisfaction"),
                    due.timestamp() if due is not None else None, fields["created_at"].timestamp())


def _upsert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    name = connection.dialect.name
    if name in ("sqlite", "postgresql"):
        from sqlalchemy.dialects import postgresql, sqlite

        ins = (postgresql.insert if name == "postgresql" else sqlite.insert)(FACTS)
        connection.execute(ins.on_conflict_do_update(index_elements=["matter_id"], set_={
            "created_at": ins.excluded.created_at, "last_event_at": ins.excluded.last_event_at,
            "state": ins.excluded.state}), rows)
        return
    ids = [row["matter_id"] for row in rows]
    for chunk in range(0, len(ids), CHUNK):
        connection.execute(sa.delete(FACTS).where(FACTS.c.matter_id.in_(ids[chunk:chunk + CHUNK])))
    connection.execute(sa.insert(FACTS), rows)


def _stored(connection: Connection, matter_ids: list[int]) -> dict[int, MatterFacts]:
    out: dict[int, MatterFacts] = {}
    for chunk in range(0, len(matter_ids), CHUNK):
        part = matter_ids[chunk:chunk + CHUNK]
        for matter_id, state in connection.execute(sa.select(FACTS.c.matter_id, FACTS.c.state).where(
                FACTS.c.matter_id.in_(part))):
            out[matter_id] = load(state)
    return out


#: the drivers' parameter marks (sqlite3, psycopg)
_MARKS = {"sqlite": "?", "postgresql": "%s"}


def stored_time(value: datetime) -> str:
    """A time as SQLite stores it through :class:`~.models.UTCDateTime` (naive UTC text with microseconds, as
    SQLAlchemy writes it), for a statement sent to the driver itself."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def dbapi_cursor(connection: Connection) -> DBAPICursor:
    """The driver's own cursor on ``connection`` (for statements SQLAlchemy's machinery would slow down)."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None  # the connection is open: a session's, in its transaction
    return dbapi.cursor()


def note_event(session: Session, fields: dict[str, Any]) -> None:
    """Fold one new timeline entry (``append_event``'s fields) into its matter's facts, in the session's
    transaction (which holds the event log's lock: no other writer folds into the same row meanwhile)."""
    if not assessed(fields["kind"], fields.get("link_kind")):
        return
    event = _event(fields)
    connection = session.connection()
    mark = _MARKS.get(connection.dialect.name)
    if mark is None:  # another database: through SQLAlchemy
        _note_portable(session, connection, event)
        return
    # the driver's cursor: SQLAlchemy's statement machinery would cost more than the fold
    cursor = dbapi_cursor(connection)

    def when(t: float) -> Any:
        return stored_time(_instant(t)) if mark == "?" else _instant(t)

    if event.kind == EventKind.record.value:
        facts = fold(None, event)
        assert facts is not None
        cursor.execute(f"INSERT INTO matter_facts (matter_id, created_at, last_event_at, state) VALUES ({mark}, "
                       f"{mark}, {mark}, {mark}) ON CONFLICT (matter_id) DO UPDATE SET created_at = "
                       "excluded.created_at, last_event_at = excluded.last_event_at, state = excluded.state",
                       (event.matter_id, when(facts.created), when(facts.last_event_at), dump(facts)))
        return
    cursor.execute(f"SELECT state FROM matter_facts WHERE matter_id = {mark}", (event.matter_id,))
    found = cursor.fetchone()
    if found is None:  # no row (it cannot be missing after migration 0008): fold the whole timeline
        session.flush()
        rebuild_facts(connection, [event.matter_id])
        return
    facts = fold(load(found[0]), event)
    assert facts is not None
    cursor.execute(f"UPDATE matter_facts SET last_event_at = {mark}, state = {mark} WHERE matter_id = {mark}",
                   (when(facts.last_event_at), dump(facts), event.matter_id))


def _note_portable(session: Session, connection: Connection, event: EventRow) -> None:
    if event.kind == EventKind.record.value:
        facts = fold(None, event)
        assert facts is not None
        _upsert(connection, [_values(event.matter_id, facts)])
        return
    state = connection.execute(sa.select(FACTS.c.state).where(FACTS.c.matter_id == event.matter_id)).scalar()
    if state is None:
        session.flush()
        rebuild_facts(connection, [event.matter_id])
        return
    facts = fold(load(state), event)
    assert facts is not None
    connection.execute(sa.update(FACTS).where(FACTS.c.matter_id == event.matter_id).values(
        last_event_at=_instant(facts.last_event_at), state=dump(facts)))


def note_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Fold many new entries (``append_events``' rows, already inserted) into their matters' facts: each
    matter's in the order given, then one bulk upsert."""
    timelines: dict[int, list[EventRow]] = {}
    for fields in rows:
        if assessed(fields["kind"], fields.get("link_kind")):
            event = _event(fields)
            timelines.setdefault(event.matter_id, []).append(event)
    if not timelines:
        return
    connection = session.connection()
    continued = [mid for mid, events in timelines.items() if events[0].kind != EventKind.record.value]
    known = _stored(connection, continued)
    missing = [mid for mid in continued if mid not in known]
    out = []
    for mid, events in timelines.items():
        if mid in missing:
            continue
        facts = known.get(mid)
        for event in events:
            facts = fold(facts, event)
        if facts is not None:
            out.append(_values(mid, facts))
    _upsert(connection, out)
    if missing:  # no row (it cannot be missing after migration 0008): fold their whole timelines
        rebuild_facts(connection, missing)


def _read(connection: Connection, where: Any, until: datetime | None) -> dict[int, MatterFacts]:
    e = EVENTS.c
    query = (sa.select(e.matter_id, e.kind, e.holder_unit_id, e.satisfaction, e.due_at, e.created_at)
             .where(where, ASSESSED).order_by(e.matter_id, e.id))
    if until is not None:
        query = query.where(e.created_at < until)
    return fold_timelines((mid, kind, holder, rated, due.timestamp() if due is not None else None,
                           at.timestamp()) for mid, kind, holder, rated, due, at in connection.execute(query))


def timeline_facts(connection: Connection, matter_ids: Iterable[int], until: datetime | None = None
                   ) -> dict[int, MatterFacts]:
    """The facts of ``matter_ids`` folded from their timeline entries (those before ``until``, if given), by
    ``ix_events_matter``: the same fold as the stored rows, so the same figures."""
    ids = sorted(set(matter_ids))
    out: dict[int, MatterFacts] = {}
    for chunk in range(0, len(ids), CHUNK):
        out.update(_read(connection, EVENTS.c.matter_id.in_(ids[chunk:chunk + CHUNK]), until))
    return out


def rebuild_facts(connection: Connection, matter_ids: Iterable[int] | None = None) -> int:
    """Fold the timelines of ``matter_ids`` (every matter's when ``None``) again and store them: what a
    migration calls when the fold or its stored form changes (0008 fills the table this way). Returns the rows
    written."""
    written = 0
    if matter_ids is not None:
        ids = sorted(set(matter_ids))
        for chunk in range(0, len(ids), CHUNK):
            part = ids[chunk:chunk + CHUNK]
            connection.execute(sa.delete(FACTS).where(FACTS.c.matter_id.in_(part)))
            facts = _read(connection, EVENTS.c.matter_id.in_(part), None)
            _upsert(connection, [_values(mid, f) for mid, f in facts.items()])
            written += len(facts)
        return written
    connection.execute(sa.delete(FACTS))
    lo, hi = connection.execute(sa.select(sa.func.min(EVENTS.c.matter_id), sa.func.max(EVENTS.c.matter_id))).one()
    if lo is None:
        return 0
    for first in range(lo, hi + 1, REBUILD_SPAN):
        facts = _read(connection, sa.and_(EVENTS.c.matter_id >= first, EVENTS.c.matter_id < first + REBUILD_SPAN),
                      None)
        _upsert(connection, [_values(mid, f) for mid, f in facts.items()])
        written += len(facts)
    return written
