"""Plain-text listings of units, operators and categories, the same for ``huiyin unit|operator|category list``
against the database and against a server (``--server URL``): one line each, columns separated by two spaces,
deactivated ones marked."""

from __future__ import annotations

from huiyin.core.schemas import AdminOperatorOut, CategoryOut, UnitOut


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


def category_lines(categories: list[CategoryOut], units: dict[int, str]) -> list[str]:
    """The tree, each kind followed by its leaves (indented): ``code  名称  name  days=N  unit=…  [inactive]``."""
    out = []
    for cat in categories:
        parts = [("  " if cat.parent else "") + cat.code, cat.name_zh, cat.name_en, f"days={cat.deadline_days}"]
        if cat.default_unit_id is not None:
            parts.append(f"unit={units.get(cat.default_unit_id, cat.default_unit_id)}")
        if not cat.active:
            parts.append("[inactive]")
        out.append("  ".join(parts))
    return out
