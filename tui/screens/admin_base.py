"""What the admin console's screens share (opening them: :mod:`huiyin.tui.screens.admin`).

Each admin screen is a :class:`AdminScreen`: a title, the screen's body, the footer; esc goes back to the
queues; ``?`` (the app's help) lists its keys; every change goes through a dialog of
:mod:`huiyin.tui.screens.admin_dialogs` and is sent to the server, which checks it again and audits it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from huiyin.core.domain import Role
from huiyin.core.schemas import UnitOut

from ..components.banner import ConnectionBanner
from ..components.footer import WorkbenchFooter
from ..i18n import t
from ..workbench import Workbench
from .base import WorkbenchScreen


def is_admin(wb: Workbench) -> bool:
    return wb.session.operator is not None and wb.session.operator.role == Role.admin


def back_binding() -> Binding:
    return Binding("escape", "back", "admin.key.back", id="admin.back", key_display="esc")


def header_widths(table: DataTable[Any], columns: Iterable[str]) -> dict[str, int]:
    """The cells the header of each of ``columns`` that ``table`` has takes."""
    return {key: cell_len(str(table.columns[ColumnKey(key)].label)) for key in columns if key in table.columns}


def set_column_widths(table: DataTable[Any], widths: Mapping[str, int]) -> None:
    """Every column of ``table`` as wide as ``widths`` says (none sized by Textual), laid out again."""
    for key, column in table.columns.items():
        column.auto_width = False
        column.width = widths[str(key.value)]
    table.refresh(layout=True)


class AdminScreen(WorkbenchScreen):
    #: catalog key of the screen's title
    TITLE_KEY = ""
    _loaded_once = False

    @property
    def loaded_once(self) -> bool:
        """The screen's list came once. Until then keys typed ahead wait (``O e`` typed at once edits the
        operator under the cursor once the table is there, instead of ``e`` finding no row and the next keys
        acting on the screen); they run in order when it comes."""
        return self._loaded_once

    @loaded_once.setter
    def loaded_once(self, value: bool) -> None:
        first = value and not self._loaded_once
        self._loaded_once = value
        if first:
            self.loaded()

    def is_loading(self) -> bool:
        return not self._loaded_once

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(t(self.TITLE_KEY), "bold"), id="admin-title")
        yield ConnectionBanner()
        yield from self.compose_body()
        yield Static("", id="admin-status")
        yield WorkbenchFooter()

    def compose_body(self) -> ComposeResult:  # pragma: no cover - overridden
        yield from ()

    def say(self, text: str) -> None:
        self.query_one("#admin-status", Static).update(Content(text))

    def action_back(self) -> None:
        self.app.pop_screen()

    def share_units(self, units: list[UnitOut]) -> None:
        """The workbench's own copy of the tree (unit names in queues, escalation targets) follows at once."""
        self.wb.session.set_units(units)


class FilteredAdminScreen(AdminScreen):
    """An admin list with a ``/`` box (``#admin-filter``): typing refills the list, enter goes back to it, esc
    empties and hides the box (a second esc leaves the screen)."""

    def refill(self) -> None:  # pragma: no cover - each screen fills its own list
        raise NotImplementedError

    def list_widget(self) -> Widget:  # pragma: no cover - each screen has its own list
        raise NotImplementedError

    def action_filter(self) -> None:
        box = self.query_one("#admin-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#admin-filter")
    def _filtered(self) -> None:
        self.refill()

    @on(Input.Submitted, "#admin-filter")
    def _filter_done(self) -> None:
        self.list_widget().focus()

    def action_back(self) -> None:
        box = self.query_one("#admin-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.refill()
            self.list_widget().focus()
            return
        super().action_back()
