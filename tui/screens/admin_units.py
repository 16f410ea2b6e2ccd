"""The unit tree (key U): fold and unfold it, each unit with its open matters; add, edit (rename, kind, tier),
move under another parent, deactivate or activate again, find a unit by name (``/``: the cursor goes to the first
unit found, and stays on it after enter or esc, so ``a`` adds under it)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Tree

from huiyin.core.domain import Tier, UnitKind
from huiyin.core.schemas import UnitOut

from .. import admin_api
from ..client import ApiError, Unreachable
from ..i18n import t, tn
from .admin_base import FilteredAdminScreen, back_binding
from .admin_dialogs import ConfirmDialog, FieldSpec, FormDialog, refusal

KINDS = [k for k in UnitKind if k is not UnitKind.government]


def unit_label(unit: UnitOut) -> Text:
    """Plain text (never markup): the name, tier and kind, ● and the open matters, ✕ when deactivated."""
    parts = [unit.name, f"({t(f'tier.{unit.tier}')}, {t(f'admin.kind.{unit.kind}')})"]
    if unit.open_matters:
        parts.append("● " + tn("admin.units.open", unit.open_matters))
    text = "  ".join(parts)
    if not unit.active:
        return Text("✕ " + text + "  " + t("admin.units.inactive"), style="dim")
    return Text(text)


def name_check(value: str) -> str | None:
    value = value.strip()
    if len(value) > 80:
        return "admin.error.too_long_80"
    if any(ord(c) < 32 for c in value):
        return "admin.error.control"
    return None


class UnitTreeScreen(FilteredAdminScreen):
    TITLE_KEY = "admin.units.title"
    BINDINGS = [
        Binding("a", "add", "admin.key.add_unit", id="admin.units.add"),
        Binding("e", "edit", "admin.key.edit", id="admin.units.edit"),
        Binding("m", "move", "admin.key.move", id="admin.units.move"),
        Binding("d", "deactivate", "admin.key.deactivate", id="admin.units.deactivate"),
        Binding("slash", "filter", "admin.key.find", id="admin.units.find", key_display="/"),
        back_binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.units: list[UnitOut] = []
        self.loaded_once = False
        #: the unit the cursor goes to once the rebuilt tree is laid out
        self._pending: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("admin.units.find_placeholder"), id="admin-filter", compact=True)
        yield Tree[int]("", id="unit-tree")

    def on_mount(self) -> None:
        self.query_one("#admin-filter", Input).display = False
        tree = self.query_one(Tree)
        tree.show_root = False
        tree.focus()
        self.load()

    @work(group="admin-load", exclusive=True, exit_on_error=False)
    async def load(self, select: int | None = None) -> None:
        try:
            self.units = await self.wb.call(admin_api.units)
        except (ApiError, Unreachable) as exc:
            self.say(refusal(exc))
            return
        self.share_units(self.units)
        self.build(select)
        self.loaded_once = True

    def by_id(self) -> dict[int, UnitOut]:
        return {u.id: u for u in self.units}

    def build(self, select: int | None = None) -> None:
        tree = self.query_one(Tree)
        current = select if select is not None else self.current_id()
        needle = self.query_one("#admin-filter", Input).value.strip().casefold()
        units = self.by_id()
        shown: set[int] | None = None
        if needle:
            shown = set()
            found = [unit.id for unit in self.units if needle in unit.name.casefold()]
            if found and current not in found:
                current = found[0]  # the cursor goes to what was found: a, e, m, d act on it
            for unit in self.units:
                if needle in unit.name.casefold():
                    uid: int | None = unit.id
                    while uid is not None and uid not in shown:
                        shown.add(uid)
                        uid = units[uid].parent_id
        tree.clear()
        nodes: dict[int | None, Any] = {None: tree.root}
        for unit in self.units:  # parents before children
            if shown is not None and unit.id not in shown:
                continue
            parent = nodes.get(unit.parent_id)
            if parent is None:
                continue
            has_children = any(u.parent_id == unit.id for u in self.units)
            nodes[unit.id] = parent.add(unit_label(unit), data=unit.id, expand=True, allow_expand=has_children)
        tree.root.expand()
        if current in nodes and current is not None:
            # the node has its line only after the tree has laid out its new nodes; until then the unit to
            # select is kept (a rebuild meanwhile, e.g. the find box emptied, must not read a stale cursor)
            self._pending = current
            self.call_after_refresh(self._select, current)
        self.say(t("admin.units.count", count=len(self.units), open=sum(u.open_matters or 0 for u in self.units)))

    def _select(self, unit_id: int) -> None:
        if self._pending != unit_id:
            return  # a later build chose another
        self._pending = None
        tree = self.query_one(Tree)
        stack = [tree.root]
        while stack:
            node = stack.pop()
            if node.data == unit_id:
                tree.move_cursor(node)
                return
            stack.extend(node.children)

    def current_id(self) -> int | None:
        if self._pending is not None:
            return self._pending
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None else None

    def current(self) -> UnitOut | None:
        uid = self.current_id()
        return self.by_id().get(uid) if uid is not None else None

    # --- find (the ``/`` box: FilteredAdminScreen) ------------------------------------------------------
    def refill(self) -> None:
        self.build()

    def list_widget(self) -> Tree[int]:
        return self.query_one(Tree)

    # --- changes ------------------------------------------------------------------------------------------
    def _after(self, result: Any) -> None:
        if isinstance(result, UnitOut):
            self.notify(t("admin.saved", name=result.name))
            self.load(result.id)

    def action_add(self) -> None:
        parent = self.current()
        if parent is None:
            return
        tiers = [(t(f"tier.{x}"), x.value) for x in Tier if x.rank >= parent.tier.rank]
        below = {Tier.district: Tier.town, Tier.town: Tier.village}.get(parent.tier, parent.tier)
        fields = [FieldSpec("name", "admin.field.name", check=name_check),
                  FieldSpec("tier", "admin.field.tier", below.value, options=tiers),
                  FieldSpec("kind", "admin.field.kind", options=[(t(f"admin.kind.{k}"), k.value) for k in KINDS])]

        async def submit(values: dict[str, str]) -> UnitOut:
            body = {"name": values["name"].strip(), "tier": values["tier"], "kind": values["kind"],
                    "parent_id": parent.id}
            return await self.wb.call(lambda api: admin_api.add_unit(api, body))

        self.app.push_screen(FormDialog(t("admin.units.add_title", parent=parent.name), fields, submit), self._after)

    def action_edit(self) -> None:
        unit = self.current()
        if unit is None:
            return
        fields = [FieldSpec("name", "admin.field.name", unit.name, check=name_check)]
        if unit.parent_id is not None:
            fields += [FieldSpec("tier", "admin.field.tier", unit.tier.value,
                                 options=[(t(f"tier.{x}"), x.value) for x in Tier]),
                       FieldSpec("kind", "admin.field.kind", unit.kind.value,
                                 options=[(t(f"admin.kind.{k}"), k.value) for k in KINDS])]

        async def submit(values: dict[str, str]) -> UnitOut:
            body = {k: v.strip() for k, v in values.items() if v.strip() != getattr(unit, k).__str__()}
            return await self.wb.call(lambda api: admin_api.change_unit(api, unit.id, body))

        self.app.push_screen(FormDialog(t("admin.units.edit_title", name=unit.name), fields, submit), self._after)

    def action_move(self) -> None:
        unit = self.current()
        if unit is None or unit.parent_id is None:
            return
        below = {unit.id}
        for u in self.units:  # parents before children: everything under the unit
            if u.parent_id in below:
                below.add(u.id)
        parents = [(u.name, str(u.id)) for u in self.units
                   if u.active and u.id not in below and u.tier.rank <= unit.tier.rank]
        fields = [FieldSpec("parent_id", "admin.field.parent", str(unit.parent_id), options=parents)]

        async def submit(values: dict[str, str]) -> UnitOut:
            body = {"parent_id": int(values["parent_id"])}
            return await self.wb.call(lambda api: admin_api.change_unit(api, unit.id, body))

        self.app.push_screen(FormDialog(t("admin.units.move_title", name=unit.name), fields, submit), self._after)

    def action_deactivate(self) -> None:
        unit = self.current()
        if unit is None:
            return
        question = t("admin.units.activate_q" if not unit.active else "admin.units.deactivate_q", name=unit.name)

        def answered(yes: bool | None) -> None:
            if yes:
                self.toggle(unit)

        self.app.push_screen(ConfirmDialog(question), answered)

    @work(group="admin-change", exit_on_error=False)
    async def toggle(self, unit: UnitOut) -> None:
        try:
            done = await self.wb.call(lambda api: admin_api.change_unit(api, unit.id, {"active": not unit.active}))
        except (ApiError, Unreachable) as exc:
            self.say(refusal(exc))
            self.notify(refusal(exc), severity="error", markup=False)
            return
        self._after(done)
