"""Reading a district's unit tree from a TOML file (``huiyin init --units FILE``).

The format, one ``[[unit]]`` table per unit, parents before or after their children::

    [[unit]]
    name = "渝北区"            # unique, 1–80 characters
    tier = "district"          # district | town | village
    kind = "government"        # government | service_center | station | department | command_center
    code = "YB"                # the root only: 1–8 letters, the prefix of matter numbers

    [[unit]]
    name = "回兴街道便民服务中心"
    tier = "town"
    kind = "service_center"
    parent = "渝北区"          # every unit but the root names its parent

Exactly one unit has no parent: the district, of kind ``government``. A unit's tier is never above its
parent's. Every error names the file and line.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from huiyin.core.domain import Tier, UnitKind
from huiyin.core.units import UnitInfo, UnitTree, UnitTreeError
from huiyin.server.district.setup import UnitSpec

FIELDS = {"name", "tier", "kind", "parent", "code"}


class OrgFileError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _unit_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each ``[[unit]]`` block: its header line and the line of each key in it (1-based)."""
    blocks: list[tuple[int, dict[str, int]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^\s*\[\[\s*unit\s*\]\]", line):
            blocks.append((number, {}))
        elif blocks:
            match = re.match(r"^\s*([A-Za-z_][\w-]*)\s*=", line)
            if match:
                blocks[-1][1].setdefault(match.group(1), number)
    return blocks


def _place(where: str, keys: dict[str, int], header: int, key: str | None = None) -> str:
    """``file:line`` of a unit's ``key`` (of its ``[[unit]]`` header without one, or when the key is missing)."""
    return f"{where}:{keys.get(key, header) if key else header}"


def parse_units(path: Path) -> list[UnitSpec]:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrgFileError([f"{where}: no such file"]) from None
    except UnicodeDecodeError as exc:
        raise OrgFileError([f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError([f"{where}: not valid TOML: {exc}"]) from None
    unknown_top = sorted(set(data) - {"unit"})
    errors: list[str] = []
    if unknown_top:
        errors.append(f"{where}: unknown table(s) {', '.join(unknown_top)}; the file holds [[unit]] tables only")
    units = data.get("unit")
    if not isinstance(units, list) or not units:
        raise OrgFileError(errors + [f"{where}: no [[unit]] tables found"])
    lines = _unit_lines(text)
    specs: list[UnitSpec] = []
    seen: dict[str, int] = {}

    for index, raw in enumerate(units):
        header, keys = lines[index] if index < len(lines) else (0, {})
        at = functools.partial(_place, where, keys, header)

        if not isinstance(raw, dict):
            errors.append(f"{at()}: a unit must be a table")
            continue
        for key in sorted(set(raw) - FIELDS):
            errors.append(f"{at(key)}: unknown key {key!r} (allowed: {', '.join(sorted(FIELDS))})")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(f"{at('name')}: every unit needs a name")
            continue
        name = name.strip()
        if len(name) > 80:
            errors.append(f"{at('name')}: the name {name[:20]!r}... is longer than 80 characters")
        if name in seen:
            errors.append(f"{at('name')}: the name {name!r} is used twice (first at line {seen[name]})")
        seen.setdefault(name, keys.get("name", header))
        try:
            tier = Tier(str(raw.get("tier")))
        except ValueError:
            errors.append(f"{at('tier')}: {name}: tier must be one of {', '.join(t.value for t in Tier)}, "
                          f"not {raw.get('tier')!r}")
            continue
        try:
            kind = UnitKind(str(raw.get("kind")))
        except ValueError:
            errors.append(f"{at('kind')}: {name}: kind must be one of {', '.join(k.value for k in UnitKind)}, "
                          f"not {raw.get('kind')!r}")
            continue
        parent = raw.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent.strip()):
            errors.append(f"{at('parent')}: {name}: parent must be a unit's name")
            continue
        code = raw.get("code")
        if code is not None and (not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{1,8}", code)):
            errors.append(f"{at('code')}: {name}: code must be 1 to 8 letters, like \"YB\"")
            continue
        specs.append(UnitSpec(name=name, tier=tier, kind=kind, parent=parent.strip() if parent else None,
                              code=code.upper() if code else None))

    if errors:
        raise OrgFileError(errors)
    by_name = {s.name: s for s in specs}
    line_of = {name: f"{where}:{line}" for name, line in seen.items()}
    roots = [s for s in specs if s.parent is None]
    for spec in specs:
        if spec.parent is not None and spec.parent not in by_name:
            errors.append(f"{line_of[spec.name]}: {spec.name}: parent {spec.parent!r} is not a unit in this file")
    if len(roots) != 1:
        errors.append(f"{where}: exactly one unit must have no parent (the district); found {len(roots)}: "
                      + ", ".join(r.name for r in roots))
    elif roots[0].kind is not UnitKind.government or roots[0].tier is not Tier.district:
        errors.append(f"{line_of[roots[0].name]}: the root {roots[0].name} must be tier district, kind government")
    elif not roots[0].code:
        errors.append(f"{line_of[roots[0].name]}: the root {roots[0].name} needs a code (the prefix of matter numbers)")
    for spec in specs:
        if spec.kind is UnitKind.government and spec.parent is not None:
            errors.append(f"{line_of[spec.name]}: {spec.name}: only the root may be of kind government")
        if spec.code and spec.parent is not None:
            errors.append(f"{line_of[spec.name]}: {spec.name}: only the root has a code")
    if errors:
        raise OrgFileError(errors)
    ids = {s.name: i for i, s in enumerate(specs, start=1)}
    try:
        UnitTree(UnitInfo(ids[s.name], s.name, s.tier, s.kind, ids[s.parent] if s.parent else None) for s in specs)
    except UnitTreeError as exc:
        name = next((n for n in ids if repr(n) in str(exc)), None)
        raise OrgFileError([f"{line_of.get(name, where) if name else where}: {exc}"]) from None
    return order_parents_first(specs)


def order_parents_first(specs: list[UnitSpec]) -> list[UnitSpec]:
    done: set[str] = set()
    out: list[UnitSpec] = []
    pending = list(specs)
    while pending:
        rest = []
        for spec in pending:
            if spec.parent is None or spec.parent in done:
                out.append(spec)
                done.add(spec.name)
            else:
                rest.append(spec)
        if len(rest) == len(pending):  # pragma: no cover - cycles are refused above
            raise OrgFileError([f"units {', '.join(s.name for s in rest)} form a cycle"])
        pending = rest
    return out
