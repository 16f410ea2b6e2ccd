"""The assessment in the workbench (supervisors, commanders, admins): the ranked table of the units, a bar chart
of closure and on-time rates per unit of the selected row's tier, the district's (or the selected unit's) trend by
month, the period chosen with keys, drill-down from a row to the matters behind a figure, and an export.

Keys: ``[`` / ``]`` previous / next period, ``m`` month → quarter → year, ``enter`` the matters behind a figure of
the selected unit (a list like a queue: enter opens a matter, its action keys work there), ``w`` write the report
to an XLSX file (and CSV) in the export directory, ``esc`` back. The rules are docs/assessment.md; the numbers come
from ``GET /api/reports/assessment``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from huiyin.core.assessment import DRILL_FIGURES, Period
from huiyin.core.domain import Role, Tier
from huiyin.core.schemas import AssessmentOut, AssessmentRow, MatterSummary, QueuePage
from huiyin.tui import export as report_export

from ..actions import BY_NAME, specs_for
from ..client import ApiClient, ApiError, Unreachable
from ..components.footer import WorkbenchFooter
from ..components.header import HeaderBar
from ..components.queue_table import QueueTable
from ..components.status import StatusLine
from ..i18n import t
from .base import MatterActionsScreen, WorkbenchScreen
from .detail import DetailScreen

REPORT_ROLES = (Role.supervisor, Role.commander, Role.admin)
GRAINS = ("month", "quarter", "year")
#: the charts' legend: plotext lays text out one cell per character, so it stays ASCII in every language (the
#: charts' titles, in the border, are translated)
CHART_LEGEND = ("close%", "ontime%")
#: the bars of the two rates: a full block and a shade, a gap between them, so the two series stay two where
#: colours are few (16 colours) or none, and where both rates are equal (as they often are)
BAR_MARKERS = ["sd", "▒"]
#: the share of each unit's slot its two bars take (the rest: a gap before the next unit's)
BAR_WIDTH = 0.6
TIER_LETTER = {Tier.district: "D", Tier.town: "T", Tier.village: "V"}
#: unit name endings left out where room is short (the full name is in the status line)
SUFFIXES = ("便民服务中心", "便民服务站")


class MultipleBar(Protocol):
    """plotext's ``multiple_bar`` as plotext takes it: one label, marker and colour per series (textual-plotext's
    stub, by its own word partly guesswork, has a single ``label``, ``marker`` and ``color``)."""

    def __call__(self, *args: Sequence[Any], labels: list[str], marker: list[str], width: float,
                 color: list[str]) -> None: ...


def short_name(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def period_of(grain: str, anchor: date) -> Period:
    if grain == "year":
        return Period(date(anchor.year, 1, 1), date(anchor.year, 12, 31))
    if grain == "quarter":
        q = (anchor.month - 1) // 3
        first = date(anchor.year, 3 * q + 1, 1)
        last = (date(anchor.year + 1, 1, 1) if q == 3 else date(anchor.year, 3 * q + 4, 1)) - timedelta(days=1)
        return Period(first, last)
    first = anchor.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(first, last)


def period_label(grain: str, period: Period) -> str:
    if grain == "year":
        return t("report.period_year", year=period.first.year)
    if grain == "quarter":
        return t("report.period_quarter", year=period.first.year, quarter=(period.first.month - 1) // 3 + 1)
    return t("report.period_month", year=period.first.year, month=period.first.month)


def pct(row: AssessmentRow, name: str) -> str:
    value = getattr(row.figures, name).value
    return "—" if value is None else f"{value * 100:.2f}"


def total_name(row: AssessmentRow) -> str:
    """A total's name: a tier's units (``Σ district tier``), or the whole district (``Σ whole district``)."""
    return t("report.total.whole") if row.kind == "district" else t(f"report.total.{row.key}")


def code(row: AssessmentRow) -> str:
    """``T1``: the tier's letter and the unit's rank in it (``T—`` without a rank)."""
    return f"{TIER_LETTER[row.tier] if row.tier else ''}{row.rank if row.rank is not None else '—'}"


class MatterList(MatterActionsScreen):
    """The matters behind a figure or a board cell: a list like a queue. enter opens one; the workflow keys act
    on the selected one as on a queue (the commander assigns with ``t``). Refreshed when matters change."""

    CSS_PATH = "report.tcss"
    BINDINGS = [BY_NAME["open"].binding(), *(spec.binding() for spec in specs_for("detail"))]

    def __init__(self, title: str, load: Callable[[ApiClient], Awaitable[list[MatterSummary]]],
                 select: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.load = load
        self.select = select
        self._items: list[MatterSummary] | None = None

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Static(escape(self.title_text), id="list-title")
        yield QueueTable(clock=self.wb.session.clock, id="list-table")
        yield StatusLine(id="list-status")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        table = self.query_one(QueueTable)

        async def fetch(cursor: str | None, limit: int) -> QueuePage:
            items = await self.wb.call(self.load)
            self._items = items
            return QueuePage(items=items, total=len(items))

        table.unit_column = "holder"
        table.set_source(fetch)
        table.focus()
        self.reload()

    @work(group="list-refresh", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        table = self.query_one(QueueTable)
        try:
            await table.reload()
        except (ApiError, Unreachable) as exc:
            self.query_one("#list-status", StatusLine).set(str(exc))
            return
        if self.select:
            table.move_to_number(self.select)
            self.select = None
        self.query_one("#list-status", StatusLine).set(t("report.list_count", count=table.total))
        self.refresh_bindings()
        self.loaded()

    def current_matter(self) -> MatterSummary | None:
        return self.query_one(QueueTable).current

    @on(QueueTable.CursorMoved)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(QueueTable.Opened)
    def _opened(self, event: QueueTable.Opened) -> None:
        self.app.push_screen(DetailScreen(event.matter.number))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.current_matter() is not None
        return super().check_action(action, parameters)

    def action_open(self) -> None:
        matter = self.current_matter()
        if matter is not None:
            self.app.push_screen(DetailScreen(matter.number))

    def action_back(self) -> None:
        self.dismiss()

    def matters_changed(self, numbers: set[str]) -> None:
        self.reload()

    def on_matter_acted(self, message: Any) -> None:
        self.reload()


class FigurePicker(ModalScreen[str | None]):
    """Which figure of the unit to drill into (each with its count)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "key.back", id="dialog.back", key_display="esc")]
    DEFAULT_CSS = """
    FigurePicker { align: center middle; }
    FigurePicker > OptionList { width: 60; max-width: 95%; height: auto; max-height: 90%; border: round $primary; }
    """

    def __init__(self, row: AssessmentRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        figures = self.row.figures
        options = [Option(f"{getattr(figures, name):>6}  {t(f'report.figure.{name}')}", id=name)
                   for name in DRILL_FIGURES]
        picker = OptionList(*options, id="figures")
        picker.border_title = escape(self.row.key)
        yield picker

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ReportScreen(WorkbenchScreen):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("left_square_bracket", "period(-1)", "report.key_previous", key_display="[", id="report.previous"),
        Binding("right_square_bracket", "period(1)", "report.key_next", key_display="]", id="report.next"),
        Binding("m", "grain", "report.key_grain", id="report.grain"),
        Binding("enter", "drill", "report.key_drill", id="report.drill"),
        Binding("w", "export", "report.key_export", id="report.export"),
        BY_NAME["refresh"].binding(),
        BY_NAME["back"].binding(),
    ]

    def __init__(self, *, grain: str = "year", day: date | None = None, export_dir: Path | None = None) -> None:
        super().__init__()
        self.grain = grain
        #: a day in the period shown (the grain makes the period around it): today in the district by default
        self.day = day or self.wb.session.clock.now().astimezone(self.wb.session.rules.policy.tz).date()
        self.export_dir = export_dir or Path.cwd()
        self.report: AssessmentOut | None = None
        self.rows: list[AssessmentRow] = []
        self._loading = True

    @property
    def period(self) -> Period:
        return period_of(self.grain, self.day)

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Static("", id="report-period")
        with Vertical(id="report-body"):
            yield DataTable(id="report-table", cursor_type="row", zebra_stripes=False)
            with Horizontal(id="report-charts"):
                yield PlotextPlot(id="chart-units")
                yield PlotextPlot(id="chart-trend")
        yield StatusLine(id="report-status")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        table = self.query_one("#report-table", DataTable)
        for key, width in (("code", 4), ("unit", None), ("received", 6), ("closed", 6), ("closure", 7),
                           ("on_time", 7), ("claim", 7), ("satisfaction", 7)):
            table.add_column(t(f"report.col.{key}"), key=key, width=width)
        table.focus()
        self.fetch()

    def is_loading(self) -> bool:
        return self._loading

    @work(group="report", exclusive=True, exit_on_error=False)
    async def fetch(self) -> None:
        self._loading = True
        period = self.period
        self.query_one("#report-period", Static).update(escape(t(
            "report.period", label=period_label(self.grain, period), first=period.first.isoformat(),
            last=period.last.isoformat())))
        try:
            report = await self.wb.call(lambda api: api.assessment(**{"from": period.first.isoformat(),
                                                                        "to": period.last.isoformat()}))
        except (ApiError, Unreachable) as exc:
            self.query_one("#report-status", StatusLine).set(str(exc))
            self._loading = False
            return
        self.report = report
        self.show()
        self._loading = False
        self.refresh_bindings()  # the footer's keys depend on what was loaded (w export, enter drill)
        self.loaded()

    def show(self) -> None:
        assert self.report is not None
        table = self.query_one("#report-table", DataTable)
        keep = table.cursor_row
        table.clear()
        self.rows = [*self.report.units, *self.report.tiers, self.report.district]
        for row in self.rows:
            label = short_name(row.key) if row.kind == "unit" else total_name(row)
            figures = row.figures
            table.add_row(code(row) if row.kind == "unit" else "Σ", label, str(figures.received), str(figures.closed),
                          pct(row, "closure_rate"), pct(row, "on_time_rate"), pct(row, "claim_rate"),
                          pct(row, "satisfaction_rate"))
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self.selected_changed()

    def current_row(self) -> AssessmentRow | None:
        table = self.query_one("#report-table", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#report-table")
    def _highlighted(self) -> None:
        self.selected_changed()

    def selected_changed(self) -> None:
        row = self.current_row()
        if row is None or self.report is None:
            return
        f = row.figures
        self.query_one("#report-status", StatusLine).set(t(
            "report.status", name=row.key if row.kind == "unit" else total_name(row),
            closure=f.closure_rate.text, on_time=f.on_time_rate.text, claim=f.claim_rate.text,
            satisfaction=f.satisfaction_rate.text))
        self.draw_charts(row)

    def draw_charts(self, row: AssessmentRow) -> None:
        assert self.report is not None
        tier = row.tier if row.tier is not None else Tier.district
        units = [r for r in self.report.units if r.tier is tier and r.rank is not None]
        bars = self.query_one("#chart-units", PlotextPlot)
        plt = bars.plt
        plt.clear_data()
        plt.clear_figure()
        if units:
            labels = [code(r) for r in units]
            closure = [round((r.figures.closure_rate.value or 0) * 100, 1) for r in units]
            on_time = [round((r.figures.on_time_rate.value or 0) * 100, 1) for r in units]
            multiple_bar = cast(MultipleBar, plt.multiple_bar)
            multiple_bar(labels, [closure, on_time], labels=list(CHART_LEGEND), marker=BAR_MARKERS,
                         width=BAR_WIDTH, color=["green", "blue"])
            plt.ylim(0, 100)
        bars.border_title = t("report.chart.units", tier=t(f"tier.{tier.value}"))
        bars.refresh()
        trend = self.query_one("#chart-trend", PlotextPlot)
        plt = trend.plt
        plt.clear_data()
        plt.clear_figure()
        months = self.report.months
        if months:
            xs: list[float] = list(range(1, len(months) + 1))
            closure = [round((m.figures.closure_rate.value or 0) * 100, 1) for m in months]
            on_time = [round((m.figures.on_time_rate.value or 0) * 100, 1) for m in months]
            plt.plot(xs, closure, label=CHART_LEGEND[0], marker="*", color="green")
            plt.plot(xs, on_time, label=CHART_LEGEND[1], marker="+", color="blue")
            # every other month past six: plotext drops colliding labels, and which one it drops varies
            step = 2 if len(months) > 6 else 1
            plt.xticks(xs[::step], [m.key[5:] for m in months][::step])
            plt.ylim(0, 100)
        trend.border_title = t("report.chart.trend")
        trend.refresh()

    # --- keys ---------------------------------------------------------------------------------------------
    def action_period(self, step: int) -> None:
        period = self.period
        if step < 0:
            self.day = period.first - timedelta(days=1)
        else:
            self.day = period.last + timedelta(days=1)
        self.fetch()

    def action_grain(self) -> None:
        self.grain = GRAINS[(GRAINS.index(self.grain) + 1) % len(GRAINS)]
        self.fetch()

    def action_refresh(self) -> None:
        self.fetch()

    def action_back(self) -> None:
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "drill":
            row = self.current_row()
            return row is not None and row.kind == "unit"
        if action == "export":
            return self.report is not None
        return True

    @on(DataTable.RowSelected, "#report-table")
    def _selected(self) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        row = self.current_row()
        if row is None or row.kind != "unit":
            return
        period = self.period

        def chosen(figure: str | None) -> None:
            if not figure:
                return
            params = {"from": period.first.isoformat(), "to": period.last.isoformat(), "unit": row.key,
                      "figure": figure}
            title = t("report.list_title", unit=row.key, figure=t(f"report.figure.{figure}"),
                      first=period.first.isoformat(), last=period.last.isoformat())
            self.app.push_screen(MatterList(title, lambda api: api.assessment_matters(**params)))

        self.app.push_screen(FigurePicker(row), chosen)

    def action_export(self) -> None:
        if self.report is None:
            return
        period = self.period
        base = self.export_dir / f"huiyin-assessment-{period.first.isoformat()}-{period.last.isoformat()}"
        try:
            for fmt in ("xlsx", "csv"):
                report_export.write(report_export.render(self.report, fmt), str(base.with_suffix(f".{fmt}")))
        except report_export.ReportOutputError as exc:
            self.wb.notify(str(exc), severity="error", markup=False)
            return
        self.wb.notify(t("report.exported", path=str(base.with_suffix(".xlsx"))), markup=False)
