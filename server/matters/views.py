"""Turning rows into the wire schemas of :mod:`huiyin.core.schemas`, and loading the unit tree.

Every matter and timeline entry leaves the server through here, redacted for the operator who reads it by the
visibility policy of :mod:`huiyin.core.visibility`: :func:`visibility` says what the operator sees of each matter
(from its path, read from the event log by :func:`trails`, one query for a whole page of matters), and the
``*_out`` functions mask or withhold what it may not see, listing those fields in ``masked``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from huiyin.core.domain import Channel, Complexity, EventKind, LinkKind, Role, Status, Tier, UnitKind
from huiyin.core.schemas import EventOut, LinkOut, MatterDetail, MatterOut, OperatorOut, OperatorRef, UnitOut, UnitRef
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.core.visibility import NO_ACCESS, Access, Part, access, redact, requests_to_read, viewers
from huiyin.core.workflow import Actor, MatterState, allowed_actions, note_kind
from huiyin.server.matters.links import links_of
from huiyin.server.storage.models import MATTER_ID, Matter, MatterEvent, Operator, Unit, stored_id


def load_tree(session: Session) -> UnitTree:
    # columns, not ORM rows: every request loads the tree, and entities cost several times as much to build
    units = session.execute(sa_select(col(Unit.id), col(Unit.name), col(Unit.tier), col(Unit.kind),
                                      col(Unit.parent_id))).all()
    return UnitTree(UnitInfo(i, name, Tier(tier), UnitKind(kind), parent) for i, name, tier, kind, parent in units)


def unit_out(unit: Unit | UnitInfo) -> UnitOut:
    return UnitOut(id=unit.id, name=unit.name, tier=Tier(unit.tier), kind=UnitKind(unit.kind),
                   parent_id=unit.parent_id)


def unit_ref(tree: UnitTree, unit_id: int | None) -> UnitRef | None:
    if unit_id is None or unit_id not in tree:
        return None
    unit = tree[unit_id]
    return UnitRef(id=unit.id, name=unit.name, tier=unit.tier)


def operator_ref(op: Operator | None) -> OperatorRef | None:
    if op is None:
        return None
    return OperatorRef(id=op.id, username=op.username, display_name=op.display_name)


def operator_out(op: Operator, tree: UnitTree) -> OperatorOut:
    unit = tree[op.unit_id]
    return OperatorOut(id=op.id, username=op.username, display_name=op.display_name, role=Role(op.role),
                       unit=unit_out(unit), tier=unit.tier, must_change_password=op.must_change_password)


def operators_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Operator]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {stored_id(op): op for op in session.exec(select(Operator).where(col(Operator.id).in_(wanted)))}


@dataclass(frozen=True, slots=True)
class Trail:
    """What the event log says about where a matter has been."""

    #: every unit it was recorded at or handed to (the ``to_unit_id`` of its timeline entries)
    path: frozenset[int] = field(default_factory=frozenset)
    #: the kind of the last timeline entry that moved it (how it arrived at its holder)
    arrived_by: EventKind | None = None


def trails(session: Session, matter_ids: Iterable[int | None]) -> dict[int, Trail]:
    """The :class:`Trail` of each matter, in one query."""
    wanted = {i for i in matter_ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(MatterEvent.matter_id, MatterEvent.to_unit_id, MatterEvent.kind)
                        .where(col(MatterEvent.matter_id).in_(wanted), col(MatterEvent.to_unit_id).is_not(None))
                        .order_by(col(MatterEvent.id)))
    paths: dict[int, set[int]] = {i: set() for i in wanted}
    last: dict[int, EventKind] = {}
    for matter_id, to_unit_id, kind in rows:
        assert to_unit_id is not None  # filtered above
        paths[matter_id].add(to_unit_id)
        last[matter_id] = EventKind(kind)
    return {i: Trail(frozenset(paths[i]), last.get(i)) for i in wanted}


def trail_of(timeline: Iterable[MatterEvent]) -> Trail:
    """The :class:`Trail` of one matter from its whole timeline, oldest first (what :func:`trails` reads)."""
    path: set[int] = set()
    last: EventKind | None = None
    for e in timeline:
        if e.to_unit_id is not None:
            path.add(e.to_unit_id)
            last = EventKind(e.kind)
    return Trail(frozenset(path), last)


def matter_state(matter: Matter, trail: Trail | None = None) -> MatterState:
    """The facts the rules look at; the matter's :class:`Trail` is read from its session unless given."""
    if trail is None:
        session = object_session(matter)
        assert isinstance(session, Session), "matter_state needs the matter's trail or a matter attached to a session"
        trail = trails(session, [matter.id])[stored_id(matter)]
    return MatterState(status=Status(matter.status), holder_unit_id=matter.holder_unit_id,
                       origin_unit_id=matter.origin_unit_id, previous_holder_id=matter.previous_holder_id,
                       claimed_by_id=matter.claimed_by_id, extension_days_requested=matter.extension_days_requested,
                       deadline_days=matter.deadline_days, arrived_by=trail.arrived_by)


#: what an operator sees of each matter, by matter id
Seen = Mapping[int, Mapping[Part, Access]]


def visibility(op: Operator, matters: Iterable[Matter], trail: Mapping[int, Trail], tree: UnitTree
               ) -> dict[int, Mapping[Part, Access]]:
    """What ``op`` sees of each of ``matters`` (their :class:`Trail` in ``trail``), by the policy."""
    return {stored_id(m): access(viewers(Role(op.role), op.unit_id, path=trail[stored_id(m)].path,
                                 holder_unit_id=m.holder_unit_id, origin_unit_id=m.origin_unit_id, tree=tree))
            for m in matters}


def seen_by(session: Session, op: Operator, matters: list[Matter], tree: UnitTree
            ) -> tuple[dict[int, Trail], dict[int, Mapping[Part, Access]]]:
    """The trails of ``matters`` and what ``op`` sees of each (one query)."""
    trail = trails(session, (m.id for m in matters))
    return trail, visibility(op, matters, trail, tree)


def _redacted(values: dict[str, Any], seen: Mapping[Part, Access]) -> dict[str, Any]:
    shown, hidden = redact(values, seen)
    shown["masked"] = sorted(hidden)
    return shown


def _summary_fields(matter: Matter, tree: UnitTree, ops: Mapping[int, Operator], trail: Trail) -> dict[str, Any]:
    return dict(
        number=matter.number, title=matter.title, status=Status(matter.status), channel=Channel(matter.channel),
        complexity=Complexity(matter.complexity), category=matter.category, resident_name=matter.resident_name,
        origin_unit=unit_ref(tree, matter.origin_unit_id), holder_unit=unit_ref(tree, matter.holder_unit_id),
        previous_holder_id=matter.previous_holder_id,
        claimed_by=operator_ref(ops.get(matter.claimed_by_id)) if matter.claimed_by_id else None,
        created_at=matter.created_at, updated_at=matter.updated_at, due_at=matter.due_at,
        due_provisional=matter.due_provisional, received_at=matter.received_at, claim_due_at=matter.claim_due_at,
        extension_days_requested=matter.extension_days_requested, version=matter.version,
        arrived_by=trail.arrived_by,
    )


def matter_summaries(session: Session, op: Operator, matters: list[Matter], tree: UnitTree,
                     extra: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Queue rows for ``op`` as dicts (``MatterSummary``'s fields, plus the ``extra`` fields of each matter),
    redacted by the policy. Matters the operator may not see at all must not be passed in."""
    ops = operators_by_id(session, (m.claimed_by_id for m in matters))
    trail, seen = seen_by(session, op, matters, tree)
    out = []
    for m in matters:
        mid = stored_id(m)
        assert seen[mid][Part.work] > Access.none, "a matter the operator may not see reached a queue"
        values = _summary_fields(m, tree, ops, trail[mid]) | {name: getattr(m, name) for name in extra}
        out.append(_redacted(values, seen[mid]))
    return out


def with_operators(session: Session | None, ids: Iterable[int | None],
                   known: Mapping[int, Operator] | None = None) -> dict[int, Operator]:
    """:func:`operators_by_id`, asking the database only for those not already ``known``."""
    ops = dict(known or {})
    missing = {i for i in ids if i is not None} - set(ops)
    if missing:
        assert session is not None, "operators to look up but no session"
        ops.update(operators_by_id(session, missing))
    return ops


def matter_out(session: Session | None, matter: Matter, tree: UnitTree, trail: Trail,
               seen: Mapping[Part, Access], ops: Mapping[int, Operator] | None = None) -> MatterOut:
    ops = with_operators(session, [matter.claimed_by_id], ops)
    values = _summary_fields(matter, tree, ops, trail) | dict(
        description=matter.description, resident_phone=matter.resident_phone, address=matter.address,
        answered_at=matter.answered_at, closed_at=matter.closed_at, satisfaction=matter.satisfaction)
    return MatterOut(**_redacted(values, seen))


def event_outs(session: Session | None, events: list[MatterEvent], tree: UnitTree, seen: Seen,
               numbers: dict[int, str] | None = None, ops: Mapping[int, Operator] | None = None) -> list[EventOut]:
    """The timeline entries as ``EventOut``, each redacted by what the reader sees of its matter (``seen``, by
    matter id; an entry of a matter missing there is withheld like a matter seen not at all). The session is
    only asked for the operators not in ``ops`` and the matter numbers not in ``numbers``."""
    ops = with_operators(session, (e.actor_id for e in events), ops)
    numbers = dict(numbers or {})
    ids = {i for e in events for i in (e.matter_id, e.other_matter_id) if i is not None} - set(numbers)
    if ids:
        assert session is not None, "matter numbers to look up but no session"
        rows = session.exec(select(MATTER_ID, col(Matter.number)).where(MATTER_ID.in_(ids)))
        numbers.update({matter_id: number for matter_id, number in rows})
    return [EventOut(**_redacted(dict(
        id=e.id, matter_number=numbers[e.matter_id], kind=EventKind(e.kind),
        actor=operator_ref(ops.get(e.actor_id)) if e.actor_id else None,
        unit=unit_ref(tree, e.unit_id), from_unit=unit_ref(tree, e.from_unit_id),
        to_unit=unit_ref(tree, e.to_unit_id),
        status_before=Status(e.status_before) if e.status_before else None, status_after=Status(e.status_after),
        holder_unit_id=e.holder_unit_id, note=e.note, satisfaction=e.satisfaction,
        days=e.days, due_at=e.due_at, created_at=e.created_at,
        note_kind=note_kind(EventKind(e.kind), e.note),
        other_number=numbers.get(e.other_matter_id) if e.other_matter_id else None,
        link_kind=LinkKind(e.link_kind) if e.link_kind else None), seen.get(e.matter_id, NO_ACCESS)))
            for e in events]


@dataclass(slots=True)
class DetailRows:
    """What a matter's detail is made of: read by :func:`read_detail`, or carried on by a write
    (:func:`huiyin.server.matters.workflow.act_on` adds what it wrote) so the answer needs no second read."""

    matter: Matter
    #: its whole timeline, oldest first
    timeline: list[MatterEvent]
    links: list[LinkOut]
    #: the claimer and every actor of the timeline, by id
    ops: dict[int, Operator]
    #: the matter's number and those of the matters its timeline names, by id
    numbers: dict[int, str]

    @property
    def trail(self) -> Trail:
        return trail_of(self.timeline)


def read_detail(session: Session, matter: Matter) -> DetailRows:
    timeline = list(session.exec(select(MatterEvent).where(MatterEvent.matter_id == matter.id)
                                 .order_by(col(MatterEvent.id))))
    ops = operators_by_id(session, [matter.claimed_by_id, *(e.actor_id for e in timeline)])
    numbers = {stored_id(matter): matter.number}
    others = {e.other_matter_id for e in timeline if e.other_matter_id is not None} - set(numbers)
    if others:
        rows = session.exec(select(MATTER_ID, col(Matter.number)).where(MATTER_ID.in_(others)))
        numbers.update({matter_id: number for matter_id, number in rows})
    return DetailRows(matter, timeline, links_of(session, stored_id(matter)), ops, numbers)


def detail_out(op: Operator, rows: DetailRows, tree: UnitTree) -> MatterDetail | None:
    """The detail as ``op`` may see it (``None``: not at all), from rows already in hand: no database work."""
    matter, trail = rows.matter, rows.trail
    seen = visibility(op, [matter], {stored_id(matter): trail}, tree)
    if seen[stored_id(matter)][Part.work] is Access.none:
        return None
    allowed = allowed_actions(Actor(Role(op.role), op.unit_id), matter_state(matter, trail), tree)
    events = event_outs(None, rows.timeline, tree, seen, rows.numbers, rows.ops)
    return MatterDetail(**matter_out(None, matter, tree, trail, seen[stored_id(matter)], rows.ops).model_dump(),
                        events=_requests_shown(events, rows.timeline, requests_to_read(allowed)),
                        allowed_actions=allowed, links=rows.links)


def _requests_shown(events: list[EventOut], timeline: list[MatterEvent], kinds: frozenset[EventKind]) -> list[EventOut]:
    """The latest entry of each of ``kinds`` with its note, for one who may decide it (the policy's
    :data:`~huiyin.core.visibility.DECIDES`): the reason of the request waiting for them, and no other note."""
    for kind in kinds:
        index = next((i for i in range(len(timeline) - 1, -1, -1) if timeline[i].kind == kind.value), None)
        if index is not None and "note" in events[index].masked:
            events[index] = events[index].model_copy(update={
                "note": timeline[index].note, "masked": [m for m in events[index].masked if m != "note"]})
    return events


def as_read(row: object) -> None:
    """Make a row built in Python look as it would read back: timestamps in UTC (the clock may give another
    zone; :class:`huiyin.server.storage.models.UTCDateTime` answers UTC)."""
    for name, value in list(vars(row).items()):
        if isinstance(value, datetime) and value.tzinfo is not UTC:
            setattr(row, name, value.astimezone(UTC))
