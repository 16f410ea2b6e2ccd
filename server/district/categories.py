"""The district's category tree after ``huiyin init``: list, add, rename, move, deadline, default unit,
(de)activate, and import a whole file (TOML in the form of ``categories.toml`` beside this module, or CSV).

Used by ``/api/categories`` and ``huiyin category``. Each function works in the caller's transaction (it does not
commit) and writes one audit entry per changed category, before → after (:mod:`huiyin.server.district.audit`,
kind ``category``, subject the code). A refusal is an :class:`~huiyin.server.district.units.AdminRefusal` with an
HTTP status and a stable code.

The rules are :mod:`huiyin.core.categories`' (the code's shape, two levels, the deadline's range; every change is
checked against the whole tree), and on top of them:

* the code never changes and is never reused: a category is deactivated, never deleted;
* a new category or a moved one goes under an active top-level kind;
* a top-level kind is deactivated only when none of its leaves is active (deactivate or move them first), and a
  leaf is activated again only under an active kind;
* the default unit is an active unit (a hint for assigning; ``None``: no hint).
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from huiyin.core.categories import CategoryFileError, CategoryInfo, CategoryTree, CategoryTreeError, check_import
from huiyin.core.domain import AuditKind
from huiyin.core.schemas import CategoryIn, CategoryOut, CategoryPatch, field_errors
from huiyin.server.district import audit
from huiyin.server.district.audit import Who
from huiyin.server.district.units import AdminRefusal, named
from huiyin.server.storage.models import Category, Unit

#: the sample district's tree, shipped beside this module
SAMPLE_FILE = "categories.toml"

#: the columns of an import file (CSV header; TOML keys of each ``[[category]]``): ``keywords`` in CSV are
#: separated by ``;`` or ``、``, ``default_unit`` is a unit's name
COLUMNS = ("code", "parent", "name_zh", "name_en", "description", "keywords", "deadline_days", "default_unit")
REQUIRED = ("code", "name_zh", "name_en")


def facts(row: Category, unit_name: str | None = None) -> dict[str, Any]:
    """A category as the audit shows it."""
    return {"code": row.code, "parent": row.parent_code, "name_zh": row.name_zh, "name_en": row.name_en,
            "description": row.description, "keywords": list(row.keywords), "deadline_days": row.deadline_days,
            "default_unit_id": row.default_unit_id, "default_unit": unit_name, "active": row.active}


def category_row(row: Category) -> CategoryOut:
    return CategoryOut(code=row.code, parent=row.parent_code, name_zh=row.name_zh, name_en=row.name_en,
                       description=row.description, keywords=list(row.keywords), deadline_days=row.deadline_days,
                       default_unit_id=row.default_unit_id, active=row.active)


def _info(row: Category) -> CategoryInfo:
    return CategoryInfo(row.code, row.name_zh, row.name_en, parent=row.parent_code, deadline_days=row.deadline_days,
                        keywords=tuple(row.keywords), description=row.description, active=row.active)


def all_categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).order_by(col(Category.code))))


def tree_rows(session: Session, *, inactive: bool) -> list[CategoryOut]:
    """The tree, each top-level kind followed by its leaves (by code); deactivated ones only when asked (and then
    a deactivated kind's leaves too)."""
    rows = {row.code: row for row in all_categories(session)}
    ordered = CategoryTree(_info(r) for r in rows.values()).ordered()
    shown = [rows[info.code] for info in ordered]
    if not inactive:
        shown = [r for r in shown if r.active and (r.parent_code is None or rows[r.parent_code].active)]
    return [category_row(r) for r in shown]


def find(session: Session, code: str) -> Category:
    row = session.get(Category, code.strip())
    if row is None:
        raise AdminRefusal(404, "category_not_found", f"there is no category {code.strip()!r}")
    return row


def _unit_name(session: Session, unit_id: int | None) -> str | None:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else None


def _default_unit(session: Session, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        what = "no unit" if unit is None else "no active unit"
        raise AdminRefusal(422, "invalid_input", f"there is {what} with id {unit_id} to suggest",
                           {"default_unit_id": "not_found"})
    return unit.id


def _parent(session: Session, code: str | None) -> str | None:
    if code is None:
        return None
    parent = session.get(Category, code)
    if parent is None:
        raise AdminRefusal(422, "bad_parent", f"there is no category {code!r} to put it under",
                           {"parent": "not_found"})
    if parent.parent_code is not None:
        raise AdminRefusal(422, "bad_parent", f"{code} is not a top-level kind: the tree has two levels",
                           {"parent": "not_top_level"})
    if not parent.active:
        raise AdminRefusal(409, "parent_inactive", f"{code} is deactivated; it takes no new categories",
                           {"parent": "inactive"})
    return parent.code


def _check_tree(session: Session, changed: Category) -> None:
    """The whole tree with ``changed`` in it must still be a tree (core's rules)."""
    rows = {r.code: r for r in all_categories(session)}
    rows[changed.code] = changed
    try:
        CategoryTree(_info(r) for r in rows.values())
    except CategoryTreeError as exc:
        raise AdminRefusal(422 if exc.code != "category_code_taken" else 409, exc.code, str(exc)) from None


def add_category(session: Session, who: Who, now: datetime, body: CategoryIn) -> Category:
    if session.get(Category, body.code) is not None:
        raise AdminRefusal(409, "category_code_taken",
                           f"there is already a category {body.code!r} (a code is never reused, even when the "
                           "category is deactivated)", {"code": "taken"})
    row = Category(code=body.code, parent_code=_parent(session, body.parent), name_zh=body.name_zh.strip(),
                   name_en=body.name_en.strip(), description=body.description.strip(), keywords=list(body.keywords),
                   deadline_days=body.deadline_days, default_unit_id=_default_unit(session, body.default_unit_id),
                   active=True)
    _check_tree(session, row)
    session.add(row)
    session.flush()
    audit.record(session, who, now, AuditKind.category, row.code, None,
                 facts(row, _unit_name(session, row.default_unit_id)))
    return row


def change_category(session: Session, who: Who, now: datetime, code: str, body: CategoryPatch) -> Category:
    """Only the fields sent change (``body.model_fields_set``): ``parent: null`` makes a leaf a top-level kind,
    ``default_unit_id: null`` removes the hint."""
    row = find(session, code)
    before = facts(row, _unit_name(session, row.default_unit_id))
    sent = body.model_fields_set
    for name in ("name_zh", "name_en", "description"):
        value = getattr(body, name)
        if name in sent and value is not None:
            setattr(row, name, value.strip())
    if "keywords" in sent and body.keywords is not None:
        row.keywords = list(body.keywords)
    if "deadline_days" in sent and body.deadline_days is not None:
        row.deadline_days = body.deadline_days
    if "default_unit_id" in sent:
        row.default_unit_id = _default_unit(session, body.default_unit_id)
    moving = "parent" in sent and body.parent != row.parent_code
    if moving:
        if body.parent == row.code:
            raise AdminRefusal(422, "bad_parent", f"{row.code} cannot go under itself", {"parent": "cycle"})
        row.parent_code = _parent(session, body.parent)
    if body.active is False and row.active:
        children = list(session.exec(select(Category.code).where(Category.parent_code == row.code,
                                                                 col(Category.active).is_(True))
                                     .order_by(col(Category.code))))
        if children:
            raise AdminRefusal(409, "category_has_children",
                               f"{row.code} still has active categories under it: {named(children)}; "
                               "deactivate or move them first")
        row.active = False
    elif body.active is True and not row.active:
        if row.parent_code is not None:
            _parent(session, row.parent_code)
        row.active = True
    if moving:
        _check_tree(session, row)
    session.add(row)
    session.flush()
    audit.record(session, who, now, AuditKind.category, row.code, before,
                 facts(row, _unit_name(session, row.default_unit_id)))
    return row


# --- import files ---------------------------------------------------------------------------------------------

def _entries_toml(text: str) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CategoryFileError(f"not a TOML file: {exc}") from None
    entries = data.get("category")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CategoryFileError("a TOML category file is a list of [[category]] tables")
    return entries


def _entries_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        optional = ", ".join(c for c in COLUMNS if c not in REQUIRED)
        raise CategoryFileError(f"the CSV header needs the columns {', '.join(REQUIRED)} (missing: "
                                f"{', '.join(missing)}); it may also have {optional}")
    entries: list[dict[str, Any]] = []
    for raw in reader:
        entry = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(entry.values()):
            continue
        words = entry.get("keywords", "").replace("、", ";")
        entry["keywords"] = [w.strip() for w in words.split(";") if w.strip()]
        entries.append({k: v for k, v in entry.items() if v not in ("", None)})
    return entries


def read_file(text: str, *, csv_file: bool) -> list[dict[str, Any]]:
    """The entries of an import file (TOML or CSV), each checked against the wire schema (``CategoryIn``, with
    ``default_unit`` a unit's name instead of an id). Raises :class:`CategoryFileError` naming the entry."""
    entries = _entries_csv(text) if csv_file else _entries_toml(text)
    if not entries:
        raise CategoryFileError("the file has no categories")
    checked: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, start=1):
        unknown = sorted(set(entry) - set(COLUMNS))
        label = f"entry {number} ({entry.get('code', 'no code')})"
        if unknown:
            raise CategoryFileError(f"{label}: unknown field(s) {', '.join(unknown)}; the fields are "
                                    f"{', '.join(COLUMNS)}")
        unit = entry.get("default_unit")
        fields = {k: v for k, v in entry.items() if k != "default_unit"}
        try:
            body = CategoryIn.model_validate(fields)
        except ValidationError as exc:
            shown = "; ".join(f"{k}: {message}" for k, (_kind, message) in field_errors(exc).items())
            raise CategoryFileError(f"{label}: {shown}") from None
        checked.append({**body.model_dump(), "default_unit": unit if isinstance(unit, str) and unit else None})
    return checked


def sample_entries() -> list[dict[str, Any]]:
    """The sample district's tree (``categories.toml``), read and checked."""
    text = resources.files("huiyin.server.district").joinpath(SAMPLE_FILE).read_text(encoding="utf-8")
    return read_file(text, csv_file=False)


def import_entries(session: Session, who: Who, now: datetime, entries: Iterable[Mapping[str, Any]],
                   *, audited: bool = True) -> tuple[int, int]:
    """Add the file's new codes and update the existing ones (a code in the database and not in the file stays
    as it is, and so does whether a category is active: nothing is deleted). Everything is checked before
    anything is written, so a bad file changes nothing. Returns (added, changed)."""
    entries = list(entries)
    units = {u.name: u for u in session.exec(select(Unit))}
    rows = {r.code: r for r in all_categories(session)}
    check_import((_info(r) for r in rows.values()), entries)
    for entry in entries:
        name = entry.get("default_unit")
        if name is not None and (name not in units or not units[name].active):
            raise CategoryFileError(f"{entry['code']}: there is no active unit called {name!r} "
                                    f"(the units: {named(sorted(units))})")
    before = {code: facts(r, _unit_name(session, r.default_unit_id)) for code, r in rows.items()}
    added = changed = 0
    # parents first, so the foreign key holds at every insert
    for entry in sorted(entries, key=lambda e: e["parent"] is not None):
        code, name = entry["code"], entry.get("default_unit")
        row = rows.get(code) or Category(code=code, name_zh="", name_en="", deadline_days=entry["deadline_days"])
        row.parent_code = entry["parent"]
        row.name_zh, row.name_en = entry["name_zh"].strip(), entry["name_en"].strip()
        row.description = entry["description"].strip()
        row.keywords = list(entry["keywords"])
        row.deadline_days = entry["deadline_days"]
        row.default_unit_id = units[name].id if name is not None else None
        after = facts(row, name)
        if before.get(code) == after:
            continue
        session.add(row)
        session.flush()
        if audited:
            audit.record(session, who, now, AuditKind.category, code, before.get(code), after)
        if code in before:
            changed += 1
        else:
            added += 1
    return added, changed
