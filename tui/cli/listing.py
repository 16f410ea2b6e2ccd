"""Plain-text listings of units and operators, the same for ``huiyin unit|operator list`` against the database and
against a server (``--server URL``): one line each, columns separated by two spaces, deactivated ones marked."""

from __future__ import annotations

from huiyin.core.schemas import AdminOperatorOut, UnitOut


def unit_lines(units: list[UnitOut]) -> list[str]:
    """The tree, parents before children, indented by depth: ``id  name  tier  kind  open  [inactive]``."""
    depth: dict[int, int] = {}
    out = []
    for unit in units:
        level = depth[unit.id] = 0 if unit.parent_id is None else depth.get(unit.parent_id, 0) + 1
        parts = [f"{unit.id:>5}", "  " * level + unit.name, unit.tier.value, unit.kind.value]
        if unit.open_matters is not None:
            parts.append(f"open={unit.open_matters}")
        if not unit.active:
            parts.append("[inactive]")
        out.append("  ".join(parts))
    return out


def operator_lines(operators: list[AdminOperatorOut]) -> list[str]:
    """``username  display name  role  unit  sessions=N  [disabled]``, one operator a line."""
    out = []
    for op in operators:
        parts = [op.username, op.display_name, op.role.value, op.unit.name, f"sessions={op.sessions}"]
        if op.disabled:
            parts.append("[disabled]")
        out.append("  ".join(parts))
    return out
