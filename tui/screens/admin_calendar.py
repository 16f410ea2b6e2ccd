"""The working-day calendar and the deadline policy (key K): a year three months at a time, holidays marked
``*`` and make-up workdays ``+`` (a glyph, not a colour alone); move by day with the arrows, by quarter with
``[`` and ``]``, by year with ``<`` and ``>``; edit a day (``e``), remove its own entry (``x``), import a year's
file (``i``), edit the policy (``p``)."""

from __future__ import annotations

import calendar as pycal
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from huiyin.core.deadlines import POLICY_BOUNDS
from huiyin.core.schemas import CalendarDayOut, CalendarYearOut, PolicyModel

from .. import admin_api
from ..client import ApiError, Unreachable
from ..i18n import t
from .admin_base import AdminScreen, back_binding
from .admin_dialogs import ConfirmDialog, FieldSpec, FormDialog, refusal

GLYPH = {"holiday": "*", "makeup_workday": "+"}
POLICY_FIELDS = ("simple_days", "complex_days", "claim_days", "at_risk_hours", "day_start", "day_end", "timezone")


def month_lines(year: int, month: int, special: dict[date, CalendarDayOut], cursor: date) -> list[Text]:
    """One month as 8 lines of 21 cells: the title, the weekdays, up to six weeks (Monday first)."""
    title = t("admin.calendar.month", year=year, month=month)
    left = max(0, 21 - cell_len(title)) // 2
    title = " " * left + title + " " * max(0, 21 - left - cell_len(title))
    # each weekday in 3 cells, whether its name is one cell wide (Mo) or two (一)
    header = "".join(" " * (3 - cell_len(t(f"admin.calendar.wd{i}"))) + t(f"admin.calendar.wd{i}") for i in range(7))
    lines = [Text(title), Text(header)]
    for week in pycal.Calendar(0).monthdatescalendar(year, month):
        line = Text()
        for day in week:
            if day.month != month:
                line.append("   ")
                continue
            info = special.get(day)
            glyph = GLYPH.get(info.kind, " ") if info else " "
            style = ""
            if day == cursor:
                style = "reverse bold"
            elif info and info.kind == "holiday":
                style = "bold"
            elif day.weekday() >= 5 and not (info and info.kind == "makeup_workday"):
                style = "dim"
            line.append(f"{day.day:>2}{glyph}", style=style)
        lines.append(line)
    while len(lines) < 8:
        lines.append(Text(" " * 21))
    return lines


class CalendarScreen(AdminScreen):
    TITLE_KEY = "admin.calendar.title"
    BINDINGS = [
        Binding("left", "move(-1)", "admin.key.day", id="admin.calendar.left", show=False),
        Binding("right", "move(1)", "admin.key.day", id="admin.calendar.right", show=False),
        Binding("up", "move(-7)", "admin.key.week", id="admin.calendar.up", show=False),
        Binding("down", "move(7)", "admin.key.week", id="admin.calendar.down", show=False),
        Binding("left_square_bracket", "quarter(-1)", "admin.key.prev_quarter", id="admin.calendar.prev",
                key_display="["),
        Binding("right_square_bracket", "quarter(1)", "admin.key.next_quarter", id="admin.calendar.next",
                key_display="]"),
        Binding("less_than_sign", "year(-1)", "admin.key.prev_year", id="admin.calendar.prev_year", key_display="<",
                show=False),
        Binding("greater_than_sign", "year(1)", "admin.key.next_year", id="admin.calendar.next_year",
                key_display=">", show=False),
        Binding("e,enter", "edit_day", "admin.key.edit_day", id="admin.calendar.edit", key_display="e"),
        Binding("x", "remove_day", "admin.key.remove_day", id="admin.calendar.remove"),
        Binding("i", "import_year", "admin.key.import", id="admin.calendar.import"),
        Binding("p", "policy", "admin.key.policy", id="admin.calendar.policy"),
        back_binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cursor: date = date(2000, 1, 1)
        self.year: CalendarYearOut | None = None
        self.policy: PolicyModel | None = None
        self.loaded_once = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="calendar-grid")
        yield Static("", id="calendar-day")
        yield Static("", id="calendar-policy")

    def on_mount(self) -> None:
        self.cursor = self.wb.session.clock.now().astimezone(self.wb.session.rules.policy.tz).date()
        self.load()

    @work(group="admin-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        year = self.cursor.year
        try:
            self.year = await self.wb.call(lambda api: admin_api.calendar_year(api, year))
            self.policy = await self.wb.call(admin_api.policy)
        except (ApiError, Unreachable) as exc:
            self.say(refusal(exc))
            return
        self.draw()
        self.loaded_once = True

    def special(self) -> dict[date, CalendarDayOut]:
        return {d.day: d for d in (self.year.special_days if self.year else [])}

    def draw(self) -> None:
        special = self.special()
        first = (self.cursor.month - 1) // 3 * 3 + 1
        months = [month_lines(self.cursor.year, m, special, self.cursor) for m in range(first, first + 3)]
        rows = [Text("   ").join(parts) for parts in zip(*months, strict=True)]
        self.query_one("#calendar-grid", Static).update(Text("\n").join([*rows, Text(t("admin.calendar.legend"))]))
        info = special.get(self.cursor)
        kind = info.kind if info else ("weekend" if self.cursor.weekday() >= 5 else "workday")
        text = t("admin.calendar.day", day=self.cursor.isoformat(), kind=t(f"admin.calendar.kind.{kind}"),
                 name=(info.name or "") if info else "",
                 source=t(f"admin.calendar.source.{info.source}") if info else "")
        self.query_one("#calendar-day", Static).update(Content(text))
        if self.year is not None:
            coverage = t(f"admin.calendar.coverage.{self.year.coverage}")
            warn = ("  ⚠ " + self.year.warning.message) if self.year.warning else ""
            self.say(t("admin.calendar.status", year=self.year.year, coverage=coverage) + warn)
        if self.policy is not None:
            p = self.policy
            self.query_one("#calendar-policy", Static).update(Content(t(
                "admin.calendar.policy", simple=p.simple_days, complex=p.complex_days, claim=p.claim_days,
                risk=p.at_risk_hours, start=p.day_start, end=p.day_end, tz=p.timezone)))

    def _go(self, day: date) -> None:
        reload = day.year != self.cursor.year
        self.cursor = day
        if reload:
            self.load()
        else:
            self.draw()

    def action_move(self, days: int) -> None:
        self._go(self.cursor + timedelta(days=int(days)))

    def action_quarter(self, step: int) -> None:
        month = self.cursor.month - 1 + 3 * int(step)
        year = self.cursor.year + month // 12
        self._go(date(year, month % 12 + 1, 1))

    def action_year(self, step: int) -> None:
        try:
            self._go(self.cursor.replace(year=self.cursor.year + int(step)))
        except ValueError:  # 29 February
            self._go(self.cursor.replace(year=self.cursor.year + int(step), day=28))

    def _after(self, result: Any) -> None:
        if isinstance(result, CalendarYearOut):
            self.year = result
            self.wb.refresh_rules_soon()  # the countdowns count with the new days at once
            self.draw()
        elif isinstance(result, PolicyModel):
            self.policy = result
            self.wb.refresh_rules_soon()
            self.draw()

    def action_edit_day(self) -> None:
        day = self.cursor.isoformat()
        info = self.special().get(self.cursor)
        own = info is not None and info.source == "override"
        current = ("workday" if info.kind == "makeup_workday" else "holiday") if own and info else "holiday"
        fields = [FieldSpec("type", "admin.field.day_type", current,
                            options=[(t("admin.calendar.kind.holiday"), "holiday"),
                                     (t("admin.calendar.kind.makeup_workday"), "workday")]),
                  FieldSpec("name", "admin.field.day_name", (info.name or "") if own and info else "",
                            required=False, check=lambda v: "admin.error.too_long_40" if len(v) > 40 else None)]

        async def submit(values: dict[str, str]) -> CalendarYearOut:
            body = {"type": values["type"], "name": values["name"].strip()}
            return await self.wb.call(lambda api: admin_api.set_day(api, day, body))

        self.app.push_screen(FormDialog(t("admin.calendar.edit_title", day=day), fields, submit), self._after)

    def action_remove_day(self) -> None:
        day = self.cursor.isoformat()

        def answered(yes: bool | None) -> None:
            if yes:
                self.remove_entry(day)

        self.app.push_screen(ConfirmDialog(t("admin.calendar.remove_q", day=day)), answered)

    @work(group="admin-change", exit_on_error=False)
    async def remove_entry(self, day: str) -> None:
        try:
            self._after(await self.wb.call(lambda api: admin_api.remove_day(api, day)))
        except (ApiError, Unreachable) as exc:
            self.notify(refusal(exc), severity="error", markup=False)

    def action_import_year(self) -> None:
        year = self.cursor.year

        def check(value: str) -> str | None:
            path = Path(value.strip()).expanduser()
            return None if path.is_file() else "admin.error.no_file"

        async def submit(values: dict[str, str]) -> CalendarYearOut:
            path = Path(values["path"].strip()).expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise Unreachable(t("admin.calendar.unreadable", detail=str(exc))) from None
            return await self.wb.call(lambda api: admin_api.import_year(api, year, text))

        fields = [FieldSpec("path", "admin.field.file", check=check)]
        self.app.push_screen(FormDialog(t("admin.calendar.import_title", year=year), fields, submit), self._after)

    def action_policy(self) -> None:
        if self.policy is None:
            return
        p = self.policy.model_dump()

        def number(kind: type, name: str) -> Any:
            low, high = POLICY_BOUNDS[name]  # the server's bounds

            def check(value: str) -> str | None:
                try:
                    # a text that is no catalog key is shown as it is
                    return None if low <= kind(value) <= high else t("admin.error.range", low=low, high=high)
                except ValueError:
                    return "admin.error.number"
            return check

        def clock_time(value: str) -> str | None:
            parts = value.split(":")
            ok = len(parts) == 2 and all(x.isdigit() for x in parts) and int(parts[0]) < 24 and int(parts[1]) < 60
            return None if ok else "admin.error.time"

        checks = {name: number(float if name == "at_risk_hours" else int, name) for name in POLICY_BOUNDS}
        checks.update(day_start=clock_time, day_end=clock_time)
        fields = [FieldSpec(name, f"admin.policy.{name}", str(p[name]), check=checks.get(name))
                  for name in POLICY_FIELDS]

        async def submit(values: dict[str, str]) -> PolicyModel:
            body = {**p, **values}
            for name in ("simple_days", "complex_days", "claim_days"):
                body[name] = int(values[name])
            body["at_risk_hours"] = float(values["at_risk_hours"])
            return await self.wb.call(lambda api: admin_api.set_policy(api, body))

        self.app.push_screen(FormDialog(t("admin.policy.title"), fields, submit), self._after)
