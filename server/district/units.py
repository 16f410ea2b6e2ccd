"""Changing the unit tree after ``huiyin init``: add, rename, move, change kind or tier, (de)activate.

Used by ``/api/units`` and ``huiyin unit``. Each function works in the caller's transaction (it does not commit)
and writes one audit entry per changed unit (:mod:`huiyin.server.district.audit`). A refusal is an :class:`AdminRefusal`
with an HTTP status and a stable code; its message names what stands in the way (the open matters, the active
children, the operators), so a person can act on it.

The rules, on top of :class:`huiyin.core.units.UnitTree`'s own (no cycle, no unit above its parent's tier):

* the root (the district) is never moved, deactivated or given another kind or tier; no other unit is of kind
  ``government``;
* a unit holding open matters keeps its tier and stays active (its matters would otherwise sit where nobody
  looks): close or hand them on first;
* a unit is deactivated only when it has no active children and no active operators; an inactive unit takes no
  new children, operators or matters, and is activated again only under an active parent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from huiyin.core.domain import AuditKind, Status, Tier, UnitKind
from huiyin.core.schemas import UnitOut
from huiyin.core.units import UnitInfo, UnitTree, UnitTreeError
from huiyin.server.district import audit
from huiyin.server.district.audit import Who
from huiyin.server.district.setup import SetupError
from huiyin.server.matters.events import CHANNEL
from huiyin.server.storage.models import Matter, Operator, Unit, stored_id
from huiyin.server.storage.rules import UNITS_VERSION_KEY, bump_version

#: at most this many matter numbers or names are listed in a refusal (then "and N more")
NAMED = 10


class AdminRefusal(SetupError):
    """An admin change that cannot be made: an HTTP status, a stable code, a message naming the obstacle."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.fields = fields


def _bump_version(session: Session) -> None:
    bump_version(session, UNITS_VERSION_KEY)
    if session.get_bind().dialect.name == "postgresql":  # wake the live feed of every worker, not only ours
        session.execute(text(f"SELECT pg_notify('{CHANNEL}', 'units')"))


def named(items: list[str]) -> str:
    shown = ", ".join(items[:NAMED])
    return shown + (f" and {len(items) - NAMED} more" if len(items) > NAMED else "")


def facts(unit: Unit) -> dict[str, Any]:
    return {**audit.unit_facts(unit), "active": unit.active}


def open_counts(session: Session) -> dict[int, int]:
    """Open matters held per unit id (units with none are absent)."""
    rows = session.exec(select(Matter.holder_unit_id, func.count())
                        .where(Matter.status != Status.closed.value)
                        .group_by(col(Matter.holder_unit_id)))
    return {unit_id: count for unit_id, count in rows}


def open_matters(session: Session, unit_id: int) -> list[str]:
    """Numbers of the open matters a unit holds, oldest first."""
    return list(session.exec(select(Matter.number).where(Matter.holder_unit_id == unit_id,
                                                         Matter.status != Status.closed.value)
                             .order_by(col(Matter.id))))


def all_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(col(Unit.id))))


def find(session: Session, ref: int | str) -> Unit:
    """A unit by id, or (a string that is not a number) by its exact name."""
    unit: Unit | None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        unit = session.get(Unit, int(ref))
        what = f"with id {ref}"
    else:
        unit = session.exec(select(Unit).where(Unit.name == ref.strip())).first()
        what = f"called {ref.strip()!r}"
    if unit is None:
        raise AdminRefusal(404, "unit_not_found", f"there is no unit {what}")
    return unit


def _check_name(session: Session, name: str, unit_id: int | None) -> str:
    name = name.strip()
    if not name or len(name) > 80:
        raise AdminRefusal(422, "invalid_input", "a unit's name needs 1 to 80 characters", {"name": "length"})
    if any(ord(c) < 32 for c in name):
        raise AdminRefusal(422, "invalid_input", "a unit's name may not contain control characters",
                           {"name": "control_characters"})
    other = session.exec(select(Unit.id).where(Unit.name == name)).first()
    if other is not None and other != unit_id:
        raise AdminRefusal(409, "unit_name_taken", f"there is already a unit called {name!r}", {"name": "taken"})
    return name


def _parent(session: Session, parent_id: int) -> Unit:
    parent = session.get(Unit, parent_id)
    if parent is None:
        raise AdminRefusal(422, "invalid_input", f"there is no unit with id {parent_id} to put it under",
                           {"parent_id": "not_found"})
    if not parent.active:
        raise AdminRefusal(409, "parent_inactive", f"{parent.name} is deactivated; it takes no new units")
    return parent


def _check_tree(session: Session, changed: Unit) -> None:
    """The whole tree with ``changed`` in it must still be a tree (no cycle, no tier above its parent's)."""
    rows = {u.id: u for u in all_units(session)}
    rows[changed.id] = changed
    try:
        UnitTree(UnitInfo(stored_id(u), u.name, Tier(u.tier), UnitKind(u.kind), u.parent_id)
                 for u in rows.values())
    except UnitTreeError as exc:
        message = str(exc)
        if "own ancestor" in message:
            message = f"{changed.name} cannot go under itself or one of its own units"
            raise AdminRefusal(409, "unit_cycle", message, {"parent_id": "cycle"}) from None
        raise AdminRefusal(409, "tier_order", f"{message}: a unit's tier is never above its parent's",
                           {"tier": "above_parent"}) from None


def add_unit(session: Session, who: Who, now: datetime, *, name: str, tier: Tier, kind: UnitKind,
             parent_id: int) -> Unit:
    name = _check_name(session, name, None)
    if kind is UnitKind.government:
        raise AdminRefusal(422, "invalid_input", "only the district itself is of kind government",
                           {"kind": "government"})
    parent = _parent(session, parent_id)
    if Tier(parent.tier).rank > tier.rank:
        raise AdminRefusal(409, "tier_order", f"a {tier} unit cannot sit under {parent.name} ({parent.tier})",
                           {"tier": "above_parent"})
    unit = Unit(name=name, tier=tier.value, kind=kind.value, parent_id=parent.id, active=True)
    session.add(unit)
    session.flush()
    audit.record(session, who, now, AuditKind.unit, unit.name, None, facts(unit))
    _bump_version(session)
    return unit


def change_unit(session: Session, who: Who, now: datetime, unit_id: int, *, name: str | None = None,
                parent_id: int | None = None, tier: Tier | None = None, kind: UnitKind | None = None,
                active: bool | None = None) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise AdminRefusal(404, "unit_not_found", f"there is no unit with id {unit_id}")
    before = facts(unit)
    is_root = unit.parent_id is None
    moving = parent_id is not None and parent_id != unit.parent_id
    new_tier = tier is not None and tier.value != unit.tier
    new_kind = kind is not None and kind.value != unit.kind
    if is_root and (moving or new_tier or new_kind or active is False):
        raise AdminRefusal(409, "root_unit", f"{unit.name} is the district itself: it can only be renamed")
    if name is not None:
        unit.name = _check_name(session, name, unit.id)
    if kind is not None and new_kind:
        if kind is UnitKind.government:
            raise AdminRefusal(422, "invalid_input", "only the district itself is of kind government",
                               {"kind": "government"})
        unit.kind = kind.value
    if new_tier or (active is False and unit.active):
        held = open_matters(session, stored_id(unit))
        if held:
            what = "change its tier" if new_tier else "be deactivated"
            raise AdminRefusal(409, "unit_has_open_matters",
                               f"{unit.name} holds {len(held)} open matter(s) and cannot {what}: {named(held)}; "
                               "close them or hand them on first")
    if tier is not None and new_tier:
        unit.tier = tier.value
    if parent_id is not None and moving:
        parent = _parent(session, parent_id)
        unit.parent_id = parent.id
    if active is False and unit.active:
        children = list(session.exec(select(Unit.name).where(Unit.parent_id == unit.id, Unit.active == True)))  # noqa: E712
        if children:
            raise AdminRefusal(409, "unit_has_children",
                               f"{unit.name} still has active units under it: {named(children)}; "
                               "deactivate or move them first")
        ops = list(session.exec(select(Operator.username).where(Operator.unit_id == unit.id,
                                                                Operator.active == True)))  # noqa: E712
        if ops:
            raise AdminRefusal(409, "unit_has_operators",
                               f"{unit.name} still has active operators: {named(ops)}; "
                               "move or disable them first")
        unit.active = False
    elif active is True and not unit.active:
        if unit.parent_id is not None:
            _parent(session, unit.parent_id)
        unit.active = True
    if moving or new_tier:
        _check_tree(session, unit)
    session.add(unit)
    session.flush()
    audit.record(session, who, now, AuditKind.unit, unit.name, before, facts(unit))
    if before != facts(unit):
        _bump_version(session)
    return unit


def unit_row(unit: Unit, counts: dict[int, int] | None) -> UnitOut:
    return UnitOut(id=unit.id, name=unit.name, tier=Tier(unit.tier), kind=UnitKind(unit.kind),
                   parent_id=unit.parent_id, active=unit.active,
                   open_matters=None if counts is None else counts.get(stored_id(unit), 0))


def tree_rows(session: Session, *, counts: bool) -> list[UnitOut]:
    """Every unit, parents before children (depth first, by id), with open-matter counts when asked."""
    rows = all_units(session)
    held = open_counts(session) if counts else None
    children: dict[int | None, list[Unit]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[UnitOut] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit = stack.pop()
        out.append(unit_row(unit, held))
        stack.extend(reversed(children.get(unit.id, [])))
    return out
