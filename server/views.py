"""Turning rows into the wire schemas of :mod:`huiyin.core.schemas`, and loading the unit tree."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from huiyin.core.domain import Channel, Complexity, EventKind, LinkKind, Role, Status, Tier, UnitKind
from huiyin.core.schemas import (EventOut, MatterOut, MatterSummary, OperatorOut, OperatorRef, UnitOut,
                                 UnitRef)
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.core.workflow import MatterState, note_kind

from .models import Matter, MatterEvent, Operator, Unit


def load_tree(session: Session) -> UnitTree:
    units = session.exec(select(Unit)).all()
    return UnitTree(UnitInfo(u.id, u.name, Tier(u.tier), UnitKind(u.kind), u.parent_id) for u in units)  # type: ignore[arg-type]


def unit_out(unit: Unit | UnitInfo) -> UnitOut:
    return UnitOut(id=unit.id, name=unit.name, tier=Tier(unit.tier), kind=UnitKind(unit.kind),  # type: ignore[arg-type]
                   parent_id=unit.parent_id)


def unit_ref(tree: UnitTree, unit_id: int | None) -> UnitRef | None:
    if unit_id is None or unit_id not in tree:
        return None
    unit = tree[unit_id]
    return UnitRef(id=unit.id, name=unit.name, tier=unit.tier)


def operator_ref(op: Operator | None) -> OperatorRef | None:
    if op is None:
        return None
    return OperatorRef(id=op.id, username=op.username, display_name=op.display_name)  # type: ignore[arg-type]


def operator_out(op: Operator, tree: UnitTree) -> OperatorOut:
    unit = tree[op.unit_id]
    return OperatorOut(id=op.id, username=op.username, display_name=op.display_name, role=Role(op.role),  # type: ignore[arg-type]
                       unit=unit_out(unit), tier=unit.tier)


def operators_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Operator]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {op.id: op for op in session.exec(select(Operator).where(Operator.id.in_(wanted)))}  # type: ignore[union-attr,misc]


def matter_state(matter: Matter) -> MatterState:
    return MatterState(status=Status(matter.status), holder_unit_id=matter.holder_unit_id,
                       origin_unit_id=matter.origin_unit_id, previous_holder_id=matter.previous_holder_id,
                       claimed_by_id=matter.claimed_by_id, extension_days_requested=matter.extension_days_requested,
                       deadline_days=matter.deadline_days)


def _summary_fields(matter: Matter, tree: UnitTree, ops: dict[int, Operator]) -> dict:
    return dict(
        number=matter.number, title=matter.title, status=Status(matter.status), channel=Channel(matter.channel),
        complexity=Complexity(matter.complexity), category=matter.category, resident_name=matter.resident_name,
        origin_unit=unit_ref(tree, matter.origin_unit_id), holder_unit=unit_ref(tree, matter.holder_unit_id),
        previous_holder_id=matter.previous_holder_id,
        claimed_by=operator_ref(ops.get(matter.claimed_by_id)) if matter.claimed_by_id else None,
        created_at=matter.created_at, updated_at=matter.updated_at, due_at=matter.due_at,
        due_provisional=matter.due_provisional, received_at=matter.received_at, claim_due_at=matter.claim_due_at,
        extension_days_requested=matter.extension_days_requested, version=matter.version,
    )


def matter_summaries(session: Session, matters: list[Matter], tree: UnitTree) -> list[MatterSummary]:
    ops = operators_by_id(session, (m.claimed_by_id for m in matters))
    return [MatterSummary(**_summary_fields(m, tree, ops)) for m in matters]


def matter_out(session: Session, matter: Matter, tree: UnitTree) -> MatterOut:
    ops = operators_by_id(session, [matter.claimed_by_id])
    return MatterOut(**_summary_fields(matter, tree, ops), description=matter.description,
                     resident_phone=matter.resident_phone, address=matter.address,
                     answered_at=matter.answered_at, closed_at=matter.closed_at, satisfaction=matter.satisfaction)


def event_outs(session: Session, events: list[MatterEvent], tree: UnitTree,
               numbers: dict[int, str] | None = None) -> list[EventOut]:
    ops = operators_by_id(session, (e.actor_id for e in events))
    numbers = dict(numbers or {})
    ids = {i for e in events for i in (e.matter_id, e.other_matter_id) if i is not None} - set(numbers)
    if ids:
        rows = session.exec(select(Matter.id, Matter.number).where(Matter.id.in_(ids)))  # type: ignore[union-attr,arg-type]
        numbers.update({matter_id: number for matter_id, number in rows})
    return [EventOut(id=e.id, matter_number=numbers[e.matter_id], kind=EventKind(e.kind),  # type: ignore[arg-type]
                     actor=operator_ref(ops.get(e.actor_id)) if e.actor_id else None,
                     unit=unit_ref(tree, e.unit_id), from_unit=unit_ref(tree, e.from_unit_id),
                     to_unit=unit_ref(tree, e.to_unit_id), status_after=Status(e.status_after),
                     holder_unit_id=e.holder_unit_id, note=e.note, satisfaction=e.satisfaction,
                     days=e.days, due_at=e.due_at, created_at=e.created_at,
                     note_kind=note_kind(EventKind(e.kind), e.note),
                     other_number=numbers.get(e.other_matter_id) if e.other_matter_id else None,  # type: ignore[arg-type]
                     link_kind=LinkKind(e.link_kind) if e.link_kind else None)
            for e in events]
