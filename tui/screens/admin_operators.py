"""Operators (key O): a table to filter (``/``); add, edit (name, unit, role), disable or enable, a new password
shown once, end an operator's sessions."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input

from huiyin.core.domain import Role
from huiyin.core.schemas import AdminOperatorOut, OperatorCreated

from .. import admin_api
from ..client import ApiError, Unreachable
from ..i18n import t
from .admin_base import FilteredAdminScreen, back_binding, header_widths, set_column_widths
from .admin_dialogs import ConfirmDialog, FieldSpec, FormDialog, NoticeDialog, refusal
from .password import new_password_check

#: the table's columns, left to right: what an admin acts on first (active or disabled, who, what role, how
#: many sessions), then the names that may be cut at 80 columns
COLUMNS = ("state", "username", "role", "sessions", "name", "unit")


def username_check(value: str) -> str | None:
    if len(value) > 64:
        return "admin.error.too_long_64"
    if any(c.isspace() for c in value):
        return "admin.error.no_spaces"
    return None


def password_check(value: str) -> str | None:
    """Core's one password rule (:func:`huiyin.core.schemas.password_problem`), in the catalog's words."""
    return new_password_check(value)


def display_check(value: str) -> str | None:
    return "admin.error.too_long_64" if len(value.strip()) > 64 else None


class OperatorsScreen(FilteredAdminScreen):
    TITLE_KEY = "admin.operators.title"
    BINDINGS = [
        Binding("a", "add", "admin.key.add_operator", id="admin.operators.add"),
        Binding("e", "edit", "admin.key.edit", id="admin.operators.edit"),
        Binding("d", "disable", "admin.key.disable", id="admin.operators.disable"),
        Binding("p", "password", "admin.key.password", id="admin.operators.password"),
        Binding("s", "sessions", "admin.key.sessions", id="admin.operators.sessions"),
        Binding("slash", "filter", "admin.key.filter", id="admin.operators.filter", key_display="/"),
        back_binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.operators: list[AdminOperatorOut] = []
        self.loaded_once = False

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("admin.operators.filter_placeholder"), id="admin-filter", compact=True)
        yield DataTable(id="operators", cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        self.query_one("#admin-filter", Input).display = False
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(t(f"admin.operators.col.{key}"), key=key)
        table.focus()
        self.load()

    def on_resize(self) -> None:
        self.size_columns()

    def size_columns(self) -> None:
        """Every column in the width (80 columns too, no scrolling sideways): the state, username, role and
        sessions whole; the display name and the unit share the rest (cut with …; the status line shows the
        highlighted operator's in full)."""
        table = self.query_one(DataTable)
        width = table.scrollable_content_region.width or self.size.width
        widths = header_widths(table, COLUMNS)
        for op in self.operators:
            for key, text in zip(COLUMNS, self.cells(op), strict=True):
                widths[key] = max(widths.get(key, 0), cell_len(text))
        fixed = sum(widths[k] for k in ("state", "username", "role", "sessions"))
        rest = max(width - 2 * table.cell_padding * len(COLUMNS) - 1 - fixed, 12)
        widths["name"] = min(widths["name"], max(rest * 2 // 5, 6))
        widths["unit"] = min(widths["unit"], max(rest - widths["name"], 6))
        set_column_widths(table, widths)

    @staticmethod
    def cells(op: AdminOperatorOut) -> tuple[str, ...]:
        """A row's cells in :data:`COLUMNS` order."""
        state = "✕ " + t("admin.operators.disabled") if op.disabled else "✓ " + t("admin.operators.active")
        return state, op.username, t(f"role.{op.role}"), str(op.sessions), op.display_name, op.unit.name

    @work(group="admin-load", exclusive=True, exit_on_error=False)
    async def load(self, select: str | None = None) -> None:
        try:
            self.operators = await self.wb.call(admin_api.operators)
        except (ApiError, Unreachable) as exc:
            self.say(refusal(exc))
            return
        self.fill(select)
        self.loaded_once = True

    def shown(self) -> list[AdminOperatorOut]:
        needle = self.query_one("#admin-filter", Input).value.strip().casefold()
        if not needle:
            return self.operators
        return [o for o in self.operators
                if needle in f"{o.username} {o.display_name} {o.unit.name} {t(f'role.{o.role}')}".casefold()]

    def fill(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        current = select or self.current_name()
        table.clear()
        rows = self.shown()
        for op in rows:
            table.add_row(*self.cells(op), key=op.username)
        self.size_columns()
        names = [o.username for o in rows]
        if current in names:
            table.move_cursor(row=names.index(current))
        self.show_current()

    def on_data_table_row_highlighted(self) -> None:
        self.show_current()

    def show_current(self) -> None:
        """The count, and the highlighted operator's name and unit in full (the table may cut them)."""
        count = t("admin.operators.count", shown=len(self.shown()), count=len(self.operators))
        op = self.current()
        self.say(f"{op.display_name} · {op.unit.name} · {count}" if op is not None else count)

    def current_name(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # noqa: BLE001 - no row under the cursor
            return None

    def current(self) -> AdminOperatorOut | None:
        name = self.current_name()
        return next((o for o in self.operators if o.username == name), None)

    # --- filter (the ``/`` box: FilteredAdminScreen) ------------------------------------------------------
    def refill(self) -> None:
        self.fill()

    def list_widget(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    # --- changes ------------------------------------------------------------------------------------------
    def unit_options(self) -> list[tuple[str, str]]:
        return [(u.name, str(u.id)) for u in self.wb.session.units.values() if u.active]

    def role_options(self) -> list[tuple[str, str]]:
        return [(t(f"role.{r}"), r.value) for r in Role]

    def _after(self, result: Any) -> None:
        if isinstance(result, OperatorCreated):
            self.load(result.operator.username)
            if result.password:
                self.app.push_screen(NoticeDialog(t("admin.operators.password_title", name=result.operator.username),
                                                  t("admin.operators.password_once", password=result.password)))
        elif isinstance(result, AdminOperatorOut):
            self.notify(t("admin.saved", name=result.username))
            self.load(result.username)

    def action_add(self) -> None:
        fields = [FieldSpec("username", "admin.field.username", check=username_check),
                  FieldSpec("display_name", "admin.field.display_name", check=display_check, required=False),
                  FieldSpec("role", "admin.field.role", Role.clerk.value, options=self.role_options()),
                  FieldSpec("unit_id", "admin.field.unit", options=self.unit_options()),
                  FieldSpec("password", "admin.field.password_optional", password=True, check=password_check,
                            required=False)]

        async def submit(values: dict[str, str]) -> OperatorCreated:
            body = {"username": values["username"].strip(), "role": values["role"],
                    "unit_id": int(values["unit_id"]), "display_name": values["display_name"].strip() or None,
                    "password": values["password"] or None}
            return await self.wb.call(lambda api: admin_api.add_operator(api, body))

        self.app.push_screen(FormDialog(t("admin.operators.add_title"), fields, submit), self._after)

    def action_edit(self) -> None:
        op = self.current()
        if op is None:
            return
        fields = [FieldSpec("display_name", "admin.field.display_name", op.display_name, check=display_check),
                  FieldSpec("role", "admin.field.role", op.role.value, options=self.role_options()),
                  FieldSpec("unit_id", "admin.field.unit", str(op.unit.id), options=self.unit_options())]
        before = {"display_name": op.display_name, "role": op.role.value, "unit_id": str(op.unit.id)}

        async def submit(values: dict[str, str]) -> AdminOperatorOut:
            body: dict[str, Any] = {k: v for k, v in values.items() if v != before[k]}
            if "unit_id" in body:
                body["unit_id"] = int(body["unit_id"])
            return await self.wb.call(lambda api: admin_api.change_operator(api, op.username, body))

        self.app.push_screen(FormDialog(t("admin.operators.edit_title", name=op.username), fields, submit),
                             self._after)

    def _confirm(self, question: str, then: Any) -> None:
        self.app.push_screen(ConfirmDialog(question), lambda yes: then() if yes else None)

    def action_disable(self) -> None:
        op = self.current()
        if op is not None:
            key = "admin.operators.enable_q" if op.disabled else "admin.operators.disable_q"
            self._confirm(t(key, name=op.username), lambda: self.change(op, {"disabled": not op.disabled}))

    def action_password(self) -> None:
        op = self.current()
        if op is not None:
            self._confirm(t("admin.operators.password_q", name=op.username), lambda: self.reset(op))

    def action_sessions(self) -> None:
        op = self.current()
        if op is not None:
            self._confirm(t("admin.operators.sessions_q", name=op.username, count=op.sessions),
                          lambda: self.revoke(op))

    async def _run(self, call: Any) -> Any:
        try:
            return await self.wb.call(call)
        except (ApiError, Unreachable) as exc:
            self.say(refusal(exc))
            self.notify(refusal(exc), severity="error", markup=False)
            return None

    @work(group="admin-change", exit_on_error=False)
    async def change(self, op: AdminOperatorOut, body: dict[str, Any]) -> None:
        done = await self._run(lambda api: admin_api.change_operator(api, op.username, body))
        if done is not None:
            self._after(done)

    @work(group="admin-change", exit_on_error=False)
    async def reset(self, op: AdminOperatorOut) -> None:
        done = await self._run(lambda api: admin_api.reset_password(api, op.username))
        if done is not None and done.password:
            self.load(op.username)
            self.app.push_screen(NoticeDialog(t("admin.operators.password_title", name=op.username),
                                              t("admin.operators.password_once", password=done.password)))

    @work(group="admin-change", exit_on_error=False)
    async def revoke(self, op: AdminOperatorOut) -> None:
        count = await self._run(lambda api: admin_api.revoke_sessions(api, op.username))
        if count is not None:
            self.notify(t("admin.operators.revoked", name=op.username, count=count))
            self.load(op.username)
