"""The command center's board (commanders and admins), live: per town/street and per unit outside a town (the
district's service center, the command center, each department) the open, at-risk (``!``), overdue (``X``) and
not-claimed-in-time matters, every open matter in exactly one row, and the whole district's (``Σ``, last); the
help requests waiting at the command center, oldest first; the matters bouncing between units (handed on or
released more than twice); today's intake by channel.

It is one request, ``GET /api/board``, fetched again (debounced) whenever the live feed says matters changed: no
polling. Every cell drills down (enter) to its matters, a list like a queue where the commander assigns with ``t``
as anywhere. ``tab`` moves between the tables; numbers and glyphs carry the meaning, colour only repeats it.
"""

from __future__ import annotations

import asyncio

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from huiyin.core.domain import Role
from huiyin.core.schemas import BoardOut

from ..actions import BY_NAME
from ..client import ApiError, Unreachable
from ..components.footer import WorkbenchFooter
from ..components.header import HeaderBar
from ..components.status import StatusLine
from ..i18n import t
from ..workbench import MattersChanged
from .base import WorkbenchScreen
from .report import MatterList, short_name

BOARD_ROLES = (Role.commander, Role.admin)
CHANNELS = ("walk_in", "phone", "visit", "online")
#: how long the board waits after a change for more before it fetches again (a burst of events: one fetch)
DEBOUNCE_SECONDS = 0.3
#: rows shown in the help-request and bouncing lists (their drill-down lists them all)
LIST_ROWS = 50
#: the figure of each column of the areas table (the name column drills down to the open matters)
AREA_COLUMNS = ("open", "open", "at_risk", "overdue", "unclaimed")
#: the area table's row key of the whole district
DISTRICT_ROW = "district"


def _count(value: int, glyph: str, style: str) -> Text:
    """``! 3`` in the urgency's colour; ``0`` plain (the glyph shows only when there is something)."""
    if not value:
        return Text("0", justify="right")
    return Text(f"{glyph} {value}".strip(), style=style, justify="right")


class BoardScreen(WorkbenchScreen):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("enter", "drill", "board.key_drill", id="board.drill"),
        BY_NAME["refresh"].binding(),
        BY_NAME["back"].binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: BoardOut | None = None
        self._loading = True
        self.fetches = 0

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Static("", id="board-title")
        with Vertical(id="board-body"):
            yield DataTable(id="board-areas", cursor_type="cell")
            with Horizontal(id="board-lists"):
                yield DataTable(id="board-help", cursor_type="row")
                yield DataTable(id="board-bouncing", cursor_type="row")
            yield DataTable(id="board-intake", cursor_type="cell")
        yield StatusLine(id="board-status")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        areas = self.query_one("#board-areas", DataTable)
        areas.add_column(t("board.col.area"), key="area")
        for key in AREA_COLUMNS[1:]:
            areas.add_column(t(f"board.col.{key}"), key=key, width=10 if key == "unclaimed" else 8)
        help_table = self.query_one("#board-help", DataTable)
        help_table.border_title = t("board.help_title")
        for key in ("number", "since", "title"):
            help_table.add_column(t(f"board.col.{key}"), key=key)
        bouncing = self.query_one("#board-bouncing", DataTable)
        bouncing.border_title = t("board.bouncing_title")
        for key in ("number", "moves", "holder"):
            bouncing.add_column(t(f"board.col.{key}"), key=key)
        intake = self.query_one("#board-intake", DataTable)
        intake.add_column(t("board.col.today"), key="today")
        for channel in CHANNELS:
            intake.add_column(t(f"channel.{channel}"), key=channel)
        areas.focus()
        self.fetch()

    def is_loading(self) -> bool:
        return self._loading

    @work(group="board", exclusive=True, exit_on_error=False)
    async def fetch(self, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        try:
            board = await self.wb.call(lambda api: api.board())
        except (ApiError, Unreachable) as exc:
            self.query_one("#board-status", StatusLine).set(str(exc))
            self._loading = False
            return
        self.fetches += 1
        self.board = board
        self.show()
        self._loading = False
        self.refresh_bindings()  # the footer's keys depend on what was loaded (w export, enter drill)
        self.loaded()

    def show(self) -> None:
        board = self.board
        assert board is not None
        tz = self.wb.session.rules.policy.tz
        whole = board.district
        # the whole district's figures stay in sight when the rows scroll (80x24): the Σ row repeats them
        self.query_one("#board-title", Static).update(escape(
            t("board.title", time=board.as_of.astimezone(tz).strftime("%m-%d %H:%M")) + "  " + t(
                "board.totals", open=whole.open, at_risk=whole.at_risk, overdue=whole.overdue,
                unclaimed=whole.unclaimed)))
        colours = self.app.theme_variables
        at_risk = f"bold {colours.get('urgency-at-risk', 'yellow')}"
        overdue = f"bold {colours.get('urgency-overdue', 'red')}"
        areas = self.query_one("#board-areas", DataTable)
        keep = areas.cursor_coordinate
        areas.clear()
        for area in [*board.areas, board.district]:
            if area.kind == "district":
                label = Text(t("board.district_total"), style="bold")
            else:
                label = Text(f"{t(f'board.kind.{area.kind}')} {short_name(area.name)}")
            areas.add_row(label, Text(str(area.open), justify="right"),
                          _count(area.at_risk, "!", at_risk), _count(area.overdue, "X", overdue),
                          _count(area.unclaimed, "", at_risk),
                          key=DISTRICT_ROW if area.kind == "district" else str(area.unit_id))
        areas.cursor_coordinate = keep if keep.row < len(board.areas) + 1 else areas.cursor_coordinate
        tz_fmt = "%m-%d %H:%M"
        help_table = self.query_one("#board-help", DataTable)
        help_table.clear()
        help_table.border_subtitle = str(len(board.help_waiting))
        for item in board.help_waiting[:LIST_ROWS]:
            help_table.add_row(item.number, item.since.astimezone(tz).strftime(tz_fmt), item.title,
                               key=item.number)
        bouncing = self.query_one("#board-bouncing", DataTable)
        bouncing.clear()
        bouncing.border_subtitle = str(len(board.bouncing))
        for item in board.bouncing[:LIST_ROWS]:
            bouncing.add_row(item.number, Text(f"↻ {item.moves}", justify="right"), short_name(item.holder),
                             key=item.number)
        intake = self.query_one("#board-intake", DataTable)
        intake.clear()
        intake.add_row(Text(t("board.today_total", count=sum(board.intake.values()))),
                       *(Text(str(board.intake.get(c, 0)), justify="right") for c in CHANNELS))
        self.query_one("#board-status", StatusLine).set(t("board.status"))

    # --- live ---------------------------------------------------------------------------------------------
    def on_matters_changed(self, message: MattersChanged) -> None:
        """The live feed says matters changed: fetch the board again once the burst is over."""
        self.fetch(DEBOUNCE_SECONDS)

    # --- drill-down ---------------------------------------------------------------------------------------
    def cell_at_cursor(self) -> tuple[str, str, str | None] | None:
        """(cell id, title, matter number to select) of the focused table's cursor."""
        board = self.board
        focused = self.focused
        if board is None or not isinstance(focused, DataTable):
            return None
        if focused.id == "board-areas":
            row, col = focused.cursor_coordinate
            what = AREA_COLUMNS[min(col, len(AREA_COLUMNS) - 1)]
            if row >= len(board.areas):  # the last row: the whole district
                return f"district:{what}", f"{t('board.district_total')} · {t(f'board.col.{what}')}", None
            area = board.areas[row]
            return f"area:{area.unit_id}:{what}", f"{area.name} · {t(f'board.col.{what}')}", None
        if focused.id in ("board-help", "board-bouncing"):
            items = board.help_waiting if focused.id == "board-help" else board.bouncing
            if not items:
                return None
            cell = "help" if focused.id == "board-help" else "bouncing"
            number = items[min(focused.cursor_row, len(items) - 1)].number
            return cell, t(f"board.{cell}_title"), number
        if focused.id == "board-intake":
            col = focused.cursor_coordinate.column
            channel = CHANNELS[max(0, col - 1)]
            return f"intake:{channel}", f"{t('board.col.today')} · {t(f'channel.{channel}')}", None
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "drill":
            return self.cell_at_cursor() is not None
        return True

    @on(DataTable.CellSelected)
    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        found = self.cell_at_cursor()
        if found is None:
            return
        cell, title, number = found
        self.app.push_screen(MatterList(title, lambda api: api.board_matters(cell), select=number))

    def action_refresh(self) -> None:
        self.fetch()

    def action_back(self) -> None:
        self.dismiss()
