"""One matter: its fields, its deadlines (the countdown moves with the clock; provisional deadlines, the claim
deadline while it waits, an extension request waiting for a decision), the resident's contact, and the
cross-tier timeline (who, where, when, notes), with the server's supervision notices (督办) among them."""

from __future__ import annotations

from datetime import datetime, tzinfo

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from huiyin.core.deadlines import DeadlinePolicy
from huiyin.core.domain import EventKind, NoteKind, Status
from huiyin.core.schemas import EventOut, MatterDetail, MatterSummary, UnitRef

from ..actions import bindings_for
from ..client import ApiError, Unreachable
from ..components.banner import ConnectionBanner
from ..components.footer import WorkbenchFooter
from ..components.header import HeaderBar
from ..i18n import t, tn
from ..timeleft import TimeLeft, time_left
from ..workbench import MatterActed, MattersChanged
from .base import MatterActionsScreen

_DEFAULT_TZ = DeadlinePolicy().tz


def local_time(when: datetime | None, tz: tzinfo = _DEFAULT_TZ) -> str:
    if when is None:
        return ""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def left_content(left: TimeLeft) -> Content:
    """The countdown with its glyph, in its urgency's theme colour."""
    if left.variable is None:
        return Content(left.label())
    return Content.assemble((left.text(), f"bold ${left.variable}"))


class DetailScreen(MatterActionsScreen):
    BINDINGS = bindings_for("detail")

    def __init__(self, number: str, matter: MatterDetail | None = None) -> None:
        """``matter``: the matter as the server just answered (an action's answer): shown as it is, not asked."""
        super().__init__()
        self.number = number
        self.matter: MatterDetail | None = matter
        #: the first load is over (the matter, or why it could not be shown)
        self.load_done = False

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        with VerticalScroll(id="detail-body"):
            yield Static(Content(t("detail.loading", number=self.number)), id="detail-head")
            yield Static("", id="detail-fields")
            yield Static(Content(t("detail.timeline")), id="detail-timeline-title")
            yield Static("", id="detail-timeline")
        yield ConnectionBanner()
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.query_one("#detail-body").focus()
        self._shown_left: tuple[str, ...] | None = None
        if self.matter is not None:
            self.show(self.matter)
        else:
            self.load()
        self.set_interval(1.0, self._tick)

    def _countdowns(self) -> tuple[TimeLeft, TimeLeft | None]:
        m = self.matter
        assert m is not None
        now, rules = self.wb.session.clock.now(), self.wb.session.rules
        left = time_left(m.due_at, now, closed=m.status is Status.closed, answered=m.status is Status.answered,
                         rules=rules)
        claim = None
        if m.status is Status.pending and m.claim_due_at is not None:
            claim = time_left(m.claim_due_at, now, rules=rules)
        return left, claim

    def _tick(self) -> None:
        """Repaint when a countdown's words changed (the clock moved far enough)."""
        if self.matter is None:
            return
        left, claim = self._countdowns()
        if (left.text(), claim.text() if claim else "") != self._shown_left:
            self._paint()
        else:
            self.query_one(HeaderBar).refresh_text()

    def rules_changed(self) -> None:
        self._paint()

    def current_matter(self) -> MatterSummary | None:
        return self.matter

    def is_loading(self) -> bool:
        return not self.load_done

    def action_back(self) -> None:
        self.dismiss()

    def matters_changed(self, numbers: set[str]) -> None:
        if not numbers or self.number in numbers:
            self.load()

    def matters_told(self, message: MattersChanged) -> None:
        """The matter as an action's answer brought it is shown as it is; other news of it is asked for."""
        detail = message.details.get(self.number)
        if detail is not None:
            self.show(detail)
        else:
            self.matters_changed(message.numbers)

    def on_matter_acted(self, message: MatterActed) -> None:
        """An action from here went through: the server's answer is the matter now."""
        if message.number == self.number:
            self.show(message.detail)

    def show(self, matter: MatterDetail) -> None:
        """Show ``matter`` as it is (no request)."""
        self.workers.cancel_group(self, "detail-load")  # an older answer on its way must not paint over it
        self.matter = matter
        self._matter_shown()

    @work(group="detail-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            self.matter = await self.wb.call(lambda api: api.matter(self.number))
        except ApiError as exc:
            self.query_one("#detail-head", Static).update(Content(exc.message))
            self.matter = None
        except Unreachable:
            pass
        self._matter_shown()

    def _matter_shown(self) -> None:
        self._paint()
        self.refresh_bindings()
        if not self.load_done:
            self.load_done = True
            self.call_after_refresh(self.loaded)  # keys typed meanwhile (c, x ...) act on it now

    def _unit(self, unit: UnitRef | None) -> str:
        if unit is None:
            return ""
        return f"{unit.name} ({t(f'tier.{unit.tier}')})"

    def _paint(self) -> None:
        m = self.matter
        if m is None:
            return
        self.query_one(HeaderBar).refresh_text()
        left, claim = self._countdowns()
        self._shown_left = (left.text(), claim.text() if claim else "")
        tz = self.wb.session.rules.policy.tz
        head = Content.assemble((m.number, "bold"), "  ", (f"[{t(f'status.{m.status}')}]", "reverse"), "  ",
                                (m.title, "bold"))
        self.query_one("#detail-head", Static).update(head)

        def row(*pairs: tuple[str, str | Content]) -> Content:
            parts: list[str | tuple[str, str] | Content] = []
            for label, value in pairs:
                if not value:
                    continue
                if parts:
                    parts.append("   ")
                parts.extend([(t(label) + " ", "dim"), value])
            return Content.assemble(*parts)

        due = local_time(m.due_at, tz)
        warn = "bold $warning"
        deadline_lines = [row(("field.due_at", due), ("field.left", left_content(left)))]
        if m.due_provisional and m.status not in (Status.answered, Status.closed):
            deadline_lines.append(Content.assemble("  ", ("! " + t("detail.provisional"), warn)))
        if claim is not None and m.claim_due_at is not None:
            deadline_lines.append(row(("field.claim_due_at", local_time(m.claim_due_at, tz)),
                                      ("field.left", left_content(claim))))
        if m.extension_days_requested:
            deadline_lines.append(row(("field.extension",
                                       Content.styled(t("detail.extension_pending", days=m.extension_days_requested),
                                                      warn))))

        lines: list[Content] = [
            row(("field.channel", t(f"channel.{m.channel}")), ("field.complexity", t(f"complexity.{m.complexity}")),
                ("field.category", m.category)),
            row(("field.origin", self._unit(m.origin_unit))),
            row(("field.holder", self._unit(m.holder_unit)),
                ("field.claimed_by", m.claimed_by.display_name if m.claimed_by else "")),
            row(("field.created_at", local_time(m.created_at, tz))),
            *deadline_lines,
            row(("field.resident", self._shown(m, "resident_name")), ("field.phone", self._shown(m, "resident_phone"))),
            row(("field.address", self._shown(m, "address"))),
            row(("field.description", self._shown(m, "description"))),
        ]
        if {"resident_name", "resident_phone", "address", "description"} & set(m.masked):
            lines.append(Content.styled(t("detail.masked_why"), "dim italic"))
        if m.satisfaction:
            lines.append(row(("field.satisfaction", t(f"satisfaction.{m.satisfaction}"))))
        body = Content("\n").join([line for line in lines if line.plain])
        self.query_one("#detail-fields", Static).update(body)
        self.query_one("#detail-timeline-title", Static).update(
            Content(tn("detail.timeline_count", len(m.events))))
        self.query_one("#detail-timeline", Static).update(
            Content("\n").join([self._event(e) for e in m.events]) if m.events else Content(t("detail.no_events")))

    @staticmethod
    def _shown(m: MatterDetail, name: str) -> str | Content:
        """A field as the server sent it, marked when the visibility policy masked or withheld it: a masked value
        is never shown as if it were the whole value, a withheld one never as if it were empty."""
        value = str(getattr(m, name))
        if name not in m.masked:
            return value
        if not value:
            return Content.styled(t("detail.withheld"), "dim italic")
        return Content.assemble(value, " ", (t("detail.masked"), "dim italic"))

    def _event(self, e: EventOut) -> Content:
        tz = self.wb.session.rules.policy.tz
        when = (local_time(e.created_at, tz), "dim")
        label = t(f"event.{e.kind}")
        if e.kind.is_supervision:
            # the server's own notice: no operator, no unit; its deadline is the one it watched
            variable = {EventKind.at_risk: "urgency-at-risk"}.get(e.kind, "urgency-overdue")
            glyph = "!" if e.kind is EventKind.at_risk else "X"
            head: list[str | tuple[str, str]] = [
                when, "  ", (f"{glyph} {t('detail.supervision')}", f"bold ${variable}"), "  ", (label, "bold")]
            if e.due_at is not None:
                # not claimed in time: the claim deadline that passed; the others: the matter's deadline
                was = "detail.claim_due_was" if e.kind is EventKind.claim_overdue else "detail.due_was"
                head.extend(["  ", (t(was, due=local_time(e.due_at, tz)), "dim")])
            return Content.assemble(*head)
        who = e.actor.display_name if e.actor else t("detail.system")
        where = self._unit(e.unit)
        head = [when, "  ", (label, "bold"), "  ", where, "  ", who]
        move = ""
        if e.kind in (EventKind.escalate, EventKind.assign, EventKind.request_help, EventKind.release,
                      EventKind.claim) and e.to_unit is not None:
            move = t("detail.to_unit", unit=self._unit(e.to_unit))
        if e.kind in (EventKind.request_extension, EventKind.approve_extension) and e.days:
            move = t("detail.days", days=e.days)
            if e.kind is EventKind.approve_extension and e.due_at is not None:
                move += "  " + t("detail.new_due", due=local_time(e.due_at, tz))
        if e.kind is EventKind.deadline_changed and e.due_at is not None:
            move = t("detail.new_due", due=local_time(e.due_at, tz))
        if e.kind in (EventKind.link, EventKind.linked) and e.other_number and e.link_kind is not None:
            move = t(f"detail.{e.kind}_{e.link_kind}", number=e.other_number)
        if e.satisfaction:
            head.extend(["  ", t(f"satisfaction.{e.satisfaction}")])
        lines = [Content.assemble(*head)]
        if move:
            lines.append(Content.assemble("    ", move))
        if "note" in e.masked:
            kind = t(f"note_kind.{e.note_kind}") + ": " if e.note_kind in (NoteKind.internal, NoteKind.answer) else ""
            lines.append(Content.assemble("    ", (kind, "bold"), (t("detail.withheld"), "dim italic")))
        elif e.note:
            # an internal note and the answer to the resident read differently (only an answer answers)
            if e.note_kind in (NoteKind.internal, NoteKind.answer):
                lines.append(Content.assemble("    ", (t(f"note_kind.{e.note_kind}") + ": ", "bold"),
                                              (e.note, "italic")))
            else:
                lines.append(Content.assemble("    ", (e.note, "italic")))
        return Content("\n").join(lines)
