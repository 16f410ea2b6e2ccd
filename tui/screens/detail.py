"""One matter: its fields, the resident's contact, and the cross-tier timeline (who, where, when, notes)."""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from huiyin.core.deadlines import DeadlinePolicy
from huiyin.core.domain import EventKind, Status
from huiyin.core.schemas import EventOut, MatterDetail, MatterSummary, UnitRef

from ..actions import bindings_for
from ..client import ApiError, Unreachable
from ..components.banner import ConnectionBanner
from ..components.header import HeaderBar
from ..i18n import t
from ..timeleft import time_left
from .base import MatterActionsScreen


def local_time(when: datetime | None) -> str:
    if when is None:
        return ""
    return when.astimezone(DeadlinePolicy().tz).strftime("%Y-%m-%d %H:%M")


class DetailScreen(MatterActionsScreen):
    BINDINGS = bindings_for("detail")

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.matter: MatterDetail | None = None

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        with VerticalScroll(id="detail-body"):
            yield Static(Content(t("detail.loading", number=self.number)), id="detail-head")
            yield Static("", id="detail-fields")
            yield Static(Content(t("detail.timeline")), id="detail-timeline-title")
            yield Static("", id="detail-timeline")
        yield ConnectionBanner()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-body").focus()
        self.load()
        self.set_interval(30, self._paint)

    def current_matter(self) -> MatterSummary | None:
        return self.matter

    def action_back(self) -> None:
        self.dismiss()

    def matters_changed(self, numbers: set[str]) -> None:
        if not numbers or self.number in numbers:
            self.load()

    @work(group="detail-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            self.matter = await self.wb.call(lambda api: api.matter(self.number))
        except ApiError as exc:
            self.query_one("#detail-head", Static).update(Content(exc.message))
            self.matter = None
        except Unreachable:
            pass
        self._paint()
        self.refresh_bindings()

    def _unit(self, unit: UnitRef | None) -> str:
        if unit is None:
            return ""
        return f"{unit.name} ({t(f'tier.{unit.tier}')})"

    def _paint(self) -> None:
        m = self.matter
        if m is None:
            return
        self.query_one(HeaderBar).refresh_text()
        left = time_left(m.due_at, self.wb.clock.now(), closed=m.status is Status.closed)
        head = Content.assemble((m.number, "bold"), "  ", (f"[{t(f'status.{m.status}')}]", "reverse"), "  ",
                                (m.title, "bold"))
        self.query_one("#detail-head", Static).update(head)

        def row(*pairs: tuple[str, str]) -> Content:
            parts: list[str | tuple[str, str]] = []
            for i, (label, value) in enumerate(pairs):
                if not value:
                    continue
                if parts:
                    parts.append("   ")
                parts.extend([(t(label) + " ", "dim"), value])
            return Content.assemble(*parts)

        lines = [
            row(("field.channel", t(f"channel.{m.channel}")), ("field.complexity", t(f"complexity.{m.complexity}")),
                ("field.category", m.category)),
            row(("field.origin", self._unit(m.origin_unit))),
            row(("field.holder", self._unit(m.holder_unit)),
                ("field.claimed_by", m.claimed_by.display_name if m.claimed_by else "")),
            row(("field.created_at", local_time(m.created_at))),
            row(("field.due_at", local_time(m.due_at)), ("field.left", f"{left.glyph.strip()} {left.label()}".strip())),
            row(("field.resident", m.resident_name), ("field.phone", m.resident_phone)),
            row(("field.address", m.address)),
            row(("field.description", m.description)),
        ]
        if m.satisfaction:
            lines.append(row(("field.satisfaction", t(f"satisfaction.{m.satisfaction}"))))
        body = Content("\n").join([line for line in lines if line.plain])
        self.query_one("#detail-fields", Static).update(body)
        self.query_one("#detail-timeline-title", Static).update(
            Content(t("detail.timeline_count", count=len(m.events))))
        self.query_one("#detail-timeline", Static).update(
            Content("\n").join([self._event(e) for e in m.events]) if m.events else Content(t("detail.no_events")))

    def _event(self, e: EventOut) -> Content:
        who = e.actor.display_name if e.actor else t("detail.system")
        where = self._unit(e.unit)
        head: list[str | tuple[str, str]] = [(local_time(e.created_at), "dim"), "  ",
                                              (t(f"event.{e.kind}"), "bold"), "  ", where, "  ", who]
        move = ""
        if e.kind in (EventKind.escalate, EventKind.assign, EventKind.request_help, EventKind.release,
                      EventKind.claim) and e.to_unit is not None:
            move = t("detail.to_unit", unit=self._unit(e.to_unit))
        if e.satisfaction:
            head.extend(["  ", t(f"satisfaction.{e.satisfaction}")])
        lines = [Content.assemble(*head)]
        if move:
            lines.append(Content.assemble("    ", move))
        if e.note:
            lines.append(Content.assemble("    ", (e.note, "italic")))
        return Content("\n").join(lines)
