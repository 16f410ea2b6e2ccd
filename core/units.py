"""The unit tree: jurisdiction and where a matter goes when it is escalated.

The tree is data the server stores and the workbench receives from ``GET /api/units``; the rules here work on
any such tree:

* An **area head** is the root of the tree, or a town or village service center / station. A unit's
  **jurisdiction** is the subtree of its nearest area head at or above it: a village station covers itself, a
  town service center covers its villages, a town office (the social-security office) covers its town, and every
  district unit (service center, command center, department) covers the whole district.
* **Escalate** hands a matter to the service center of the tier above: a village goes to its town's service
  center, a town unit to the district service center. District units cannot escalate (they ask the command
  center instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .domain import Tier, UnitKind


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    name: str
    tier: Tier
    kind: UnitKind
    parent_id: int | None = None


class UnitTreeError(ValueError):
    """The tree itself is malformed (a cycle, a missing parent, a tier below its child's)."""


class UnitTree:
    def __init__(self, units: Iterable[UnitInfo]) -> None:
        self.units: dict[int, UnitInfo] = {}
        for unit in units:
            if unit.id in self.units:
                raise UnitTreeError(f"unit id {unit.id} appears twice")
            self.units[unit.id] = unit
        self.children: dict[int | None, list[int]] = {}
        for unit in self.units.values():
            if unit.parent_id is not None and unit.parent_id not in self.units:
                raise UnitTreeError(f"unit {unit.name!r} names a parent id {unit.parent_id} that does not exist")
            self.children.setdefault(unit.parent_id, []).append(unit.id)
        for ids in self.children.values():
            ids.sort()
        for unit in self.units.values():
            seen = {unit.id}
            parent = unit.parent_id
            while parent is not None:
                if parent in seen:
                    raise UnitTreeError(f"unit {unit.name!r} is its own ancestor")
                seen.add(parent)
                parent = self.units[parent].parent_id
            if unit.parent_id is not None and self.units[unit.parent_id].tier.rank > unit.tier.rank:
                raise UnitTreeError(f"unit {unit.name!r} ({unit.tier}) sits under a unit of a lower tier")

    def __getitem__(self, unit_id: int) -> UnitInfo:
        return self.units[unit_id]

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def __iter__(self) -> Iterator[UnitInfo]:
        return iter(self.units.values())

    def roots(self) -> list[UnitInfo]:
        return [self.units[i] for i in self.children.get(None, [])]

    def ancestors(self, unit_id: int) -> list[UnitInfo]:
        """Parent first, root last."""
        out = []
        parent = self.units[unit_id].parent_id
        while parent is not None:
            out.append(self.units[parent])
            parent = self.units[parent].parent_id
        return out

    def subtree(self, unit_id: int) -> set[int]:
        """The unit and everything below it."""
        out: set[int] = set()
        stack = [unit_id]
        while stack:
            current = stack.pop()
            out.add(current)
            stack.extend(self.children.get(current, []))
        return out

    @staticmethod
    def is_area_head(unit: UnitInfo) -> bool:
        if unit.parent_id is None:
            return True
        return unit.kind in (UnitKind.service_center, UnitKind.station) and unit.tier is not Tier.district

    def area_head(self, unit_id: int) -> UnitInfo:
        unit = self.units[unit_id]
        while not self.is_area_head(unit):
            assert unit.parent_id is not None
            unit = self.units[unit.parent_id]
        return unit

    def jurisdiction(self, unit_id: int) -> set[int]:
        """Ids of every unit whose matters this unit may see and claim."""
        return self.subtree(self.area_head(unit_id).id)

    def covers(self, unit_id: int, other_id: int) -> bool:
        return other_id in self.jurisdiction(unit_id)

    def escalation_target(self, unit_id: int) -> UnitInfo | None:
        """The service center of the tier above, or ``None`` for a district unit."""
        unit = self.units[unit_id]
        target_tier = unit.tier.above()
        if target_tier is None:
            return None
        for ancestor in self.ancestors(unit_id):
            if ancestor.tier is target_tier and ancestor.kind is UnitKind.service_center:
                return ancestor
            for child_id in self.children.get(ancestor.id, []):
                child = self.units[child_id]
                if child.tier is target_tier and child.kind is UnitKind.service_center:
                    return child
        return None

    def command_center(self) -> UnitInfo | None:
        for unit in self.units.values():
            if unit.kind is UnitKind.command_center:
                return unit
        return None

    def can_hold_matters(self, unit_id: int) -> bool:
        return self.units[unit_id].kind is not UnitKind.government

    def path(self, unit_id: int) -> list[UnitInfo]:
        """Root first, the unit last."""
        return list(reversed(self.ancestors(unit_id))) + [self.units[unit_id]]
