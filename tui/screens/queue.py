"""The queues, live, with every action on the selected row by key, countdowns that move with the clock, the
calendar's warnings, and arrivals announced (a notice, and ``*`` on the row until it is opened).

Tabs and their keys, most used first: 1 incoming (waiting at my unit), 2 in hand, 3 below (pending at units under
mine: only for units with units under them), 4 sent on (recorded or handed on by my unit, open elsewhere), 5 all,
6 overdue (supervisors and commanders)."""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Static, Tab, Tabs

from huiyin.core.domain import Action, Queue, Role
from huiyin.core.schemas import MatterDetail, MatterOut, MatterSummary, QueueCounts, QueuePage
from huiyin.core.units import UnitTree
from huiyin.core.visibility import sees_any
from huiyin.core.workflow import can_record, may_watch_overdue

from ..actions import bindings_for
from ..arrivals import Arrivals, SeenStore
from ..client import ApiError, Unreachable
from ..components.banner import ConnectionBanner
from ..components.footer import WorkbenchFooter
from ..components.header import HeaderBar
from ..components.inputs import HInput
from ..components.queue_table import QueueTable, is_assigned_wait
from ..components.status import StatusLine
from ..i18n import t
from ..workbench import MatterActed, MattersChanged
from .admin import open_admin
from .admin_base import is_admin
from .base import MatterActionsScreen
from .detail import DetailScreen

QUEUE_ORDER: tuple[Queue, ...] = (Queue.incoming, Queue.in_hand, Queue.pending_below, Queue.sent_on, Queue.all,
                                  Queue.overdue, Queue.district)
#: each queue's number key (the same for every operator: a queue one does not have leaves a gap)
QUEUE_KEYS: dict[Queue, int] = {queue: index for index, queue in enumerate(QUEUE_ORDER, start=1)}
#: queues of matters held by my unit: their rows show where the matter was recorded, not who holds it
MY_UNIT_QUEUES = (Queue.incoming, Queue.in_hand)
#: queues whose rows are all pending: no status column (more room for the unit names)
PENDING_QUEUES = (Queue.incoming, Queue.pending_below)
#: how often the screen looks at the clock; it repaints only when the clock moved (a frozen clock costs nothing)
TICK_SECONDS = 1.0
#: arrivals announced one by one; more at once make one notice with their count
MAX_ARRIVAL_NOTICES = 3
#: the rows of the incoming queue looked at for arrivals
ARRIVALS_PAGE = 100


def has_units_below(unit_id: int, tree: UnitTree | None) -> bool:
    if tree is None or unit_id not in tree:
        return True
    return any(u != unit_id and tree.can_hold_matters(u) for u in tree.jurisdiction(unit_id))


def queues_for(role: Role, unit_id: int | None = None, tree: UnitTree | None = None) -> tuple[Queue, ...]:
    """The tabs an operator has: *below* only for a unit with units under it, *overdue* only for supervisors
    and commanders."""
    def has(queue: Queue) -> bool:
        if queue is Queue.overdue:
            return may_watch_overdue(role)
        if queue is Queue.district:  # a trainer sees none of the district's matters
            return sees_any(role)
        if queue is Queue.pending_below and unit_id is not None:
            return has_units_below(unit_id, tree)
        return True
    return tuple(q for q in QUEUE_ORDER if has(q))


class QueueScreen(MatterActionsScreen):
    BINDINGS = bindings_for("queue")

    def __init__(self) -> None:
        super().__init__()
        self.queue: Queue = Queue.incoming
        self.filter_text = ""
        self.counts: QueueCounts | None = None
        operator = self.wb.session.operator
        self.queues: tuple[Queue, ...] = (queues_for(operator.role, operator.unit.id, self.wb.session.unit_tree)
                                          if operator else QUEUE_ORDER[:5])
        self._painted_at: int | None = None
        self.arrivals: Arrivals | None = None
        if operator is not None:
            store = self.wb.token_store
            path = store.path.parent / "seen.json" if store is not None else None
            self.arrivals = Arrivals(SeenStore(path, f"{self.wb.session_key}|{operator.username}"), operator.unit.id)
        #: (the server's answer, action) just done here: once the rows are fresh, open it (see on_matter_acted)
        self._acted: tuple[MatterDetail, Action] | None = None
        #: what an action of this window changed while another screen was on top: fetched again on coming back
        self._stale = False
        #: a refresh is on its way (set with the new source, before its worker starts)
        self._refreshing = False
        self._refresh_gen = 0
        #: the keys on offer last time the footer was built (see _refresh_keys)
        self._offered: tuple[Action | bool, ...] | None = None

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Tabs(*(Tab(self._tab_label(q), id=f"q-{q}") for q in self.queues), id="queues")
        yield HInput(id="filter", placeholder=t("queue.filter_hint"), compact=True)
        yield QueueTable(clock=self.wb.session.clock, id="table")
        yield Static("", id="calendar-warning")
        yield StatusLine(id="queue-status")
        yield ConnectionBanner()
        yield WorkbenchFooter()

    def _tab_label(self, queue: Queue) -> str:
        index = QUEUE_KEYS[queue]
        count = getattr(self.counts, str(queue), None) if self.counts else None
        label = t(f"queue.{queue}")
        return f"{index} {label} {count}" if count is not None else f"{index} {label}"

    def on_mount(self) -> None:
        self.query_one("#queues", Tabs).can_focus = False
        self.query_one("#filter", Input).display = False
        table = self.query_one(QueueTable)
        table.focus()
        if self.arrivals is not None:
            table.is_new = self.arrivals.is_new
        self._set_source()
        self.rules_changed()
        self.refresh_data()
        self.set_interval(TICK_SECONDS, self._tick)

    def _tick(self) -> None:
        """Countdowns move with the clock: repaint the visible rows and the header when it moved a second."""
        second = int(self.wb.session.clock.now().timestamp())
        if second == self._painted_at:
            return
        self._painted_at = second
        self.query_one(QueueTable).refresh()
        self.query_one(HeaderBar).refresh_text()

    def rules_changed(self) -> None:
        """New calendar or policy from the server: recount the countdowns, show the calendar's warnings."""
        warnings = self.wb.session.rules.warnings
        line = self.query_one("#calendar-warning", Static)
        # only admins can load a year's holidays: others see the provisional mark (*) on the countdowns it affects
        operator = self.wb.session.operator
        line.display = bool(warnings) and operator is not None and operator.role is Role.admin
        if warnings:
            line.update(Content.assemble(("! ", "bold"), "  ".join(w.text() for w in warnings)))
        self.query_one(QueueTable).refresh()

    def _set_source(self) -> None:
        queue, q = self.queue, self.filter_text

        async def fetch(cursor: str | None, limit: int, *, before: str | None = None,
                        from_end: bool = False) -> QueuePage:
            return await self.wb.call(lambda api: api.matters(queue, q=q, limit=limit, cursor=cursor, before=before,
                                                              from_end=from_end))

        table = self.query_one(QueueTable)
        table.unit_column = "origin" if queue in MY_UNIT_QUEUES else "holder"
        table.show_status = queue not in PENDING_QUEUES
        table.empty_text = t("queue.no_match", text=q) if q else None
        table.set_source(fetch)
        self._refreshing = True  # the refresh that follows a new source

    @work(group="queue-refresh", exclusive=True, exit_on_error=False)
    async def refresh_data(self, counts: QueueCounts | None = None) -> None:
        """The counts (``counts``: as the live feed told them, else asked) and the rows on screen, fetched again;
        then the arrivals."""
        table = self.query_one(QueueTable)
        self._refreshing = True
        self._refresh_gen += 1
        generation = self._refresh_gen
        try:
            await self._show_counts(counts)
            await table.reload()
        except (ApiError, Unreachable):
            pass
        finally:
            if generation == self._refresh_gen:  # not when a newer refresh took over
                self._refreshing = False
        self._show_status()
        self._offered = None
        self._refresh_keys()
        self._open_acted()
        self.loaded()
        # last: the keys typed ahead act on the rows without waiting for this one more request
        try:
            await self._look_for_arrivals()
        except (ApiError, Unreachable):
            pass

    async def _show_counts(self, counts: QueueCounts | None = None) -> None:
        """The queue sizes on the tabs and in the header: ``counts`` as told, else asked for (one request)."""
        self.counts = counts if counts is not None else await self.wb.session.refresh_counts()
        tabs = self.query_one("#queues", Tabs)
        for q in self.queues:
            tabs.query_one(f"#q-{q}", Tab).label = self._tab_label(q)
        # Textual moves the underline on a relabel before the wider tab is laid out, and it could stay
        # short of the count (seen in snapshots): move it again once the new widths are laid out
        self.call_after_refresh(self.call_after_refresh, tabs._highlight_active, False)
        self.query_one(HeaderBar).refresh_text()

    @work(group="queue-refresh", exclusive=True, exit_on_error=False)
    async def _refresh_counts(self) -> None:
        await self._show_counts()

    def is_loading(self) -> bool:
        """Rows of this queue are on their way (keys typed meanwhile wait for them; offline, keys act at once)."""
        return self._refreshing and not self.query_one(QueueTable).loaded_once

    def on_matter_acted(self, message: MatterActed) -> None:
        """The cursor never lands unseen on another matter that the same key would act on: a claimed matter
        opens at once, as the server answered (the clerk works on it now; its row here shows it claimed, the
        sizes are asked again and the rows when the queue is back on screen), and so does one that left this
        queue (showing where it went); one still in the queue keeps the cursor."""
        if message.action is Action.claim:
            self._stale = True
            self.query_one(QueueTable).patch(message.detail)
            self._refresh_counts()
            self.app.push_screen(DetailScreen(message.number, message.detail))
            return
        self._acted = (message.detail, message.action)
        self.refresh_data()

    def _open_acted(self) -> None:
        if self._acted is None:
            return
        (detail, _action), self._acted = self._acted, None
        if not self.query_one(QueueTable).move_to_number(detail.number):
            self.app.push_screen(DetailScreen(detail.number, detail))

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh_data()

    def matters_told(self, message: MattersChanged) -> None:
        """Matters changed: an action of this window from a screen on top (its answer shows on the row; the rest
        is fetched when the queue is back), or anything else (the sizes as the live feed told them, and the
        rows on screen fetched again: one request)."""
        if message.details and not self.is_current:
            table = self.query_one(QueueTable)
            for detail in message.details.values():
                table.patch(detail)
            self._stale = True
            return
        self.refresh_data(message.counts)

    def matters_changed(self, numbers: set[str]) -> None:
        self.refresh_data()

    async def _look_for_arrivals(self) -> None:
        """Announce the matters that arrived at my unit since last looked (a notice each, or one with their
        count); their rows carry ``*`` until opened."""
        if self.arrivals is None or (self.counts is not None and self.counts.incoming == 0
                                     and self.arrivals.store.has_baseline):
            return
        rows = self._incoming_rows()
        if rows is None:
            rows = (await self.wb.call(lambda api: api.matters(Queue.incoming, limit=ARRIVALS_PAGE))).items
        fresh = self.arrivals.update(rows)
        if len(fresh) > MAX_ARRIVAL_NOTICES:
            self.wb.notify(t("arrival.many", count=len(fresh)), title=t("arrival.title"), markup=False)
            return
        for matter in fresh:
            self.wb.notify(t("arrival.one", number=matter.number, title=matter.title), title=t("arrival.title"),
                           markup=False, timeout=8)

    def _incoming_rows(self) -> list[MatterSummary] | None:
        """The first rows of the incoming queue when this screen holds them already (it shows that queue,
        unfiltered, from its start): the arrivals are looked for in them, not asked for again."""
        table = self.query_one(QueueTable)
        if self.queue is not Queue.incoming or self.filter_text or not table.loaded_once:
            return None
        rows = [table.row_at(i) for i in range(min(table.total, ARRIVALS_PAGE))]
        held = [row for row in rows if row is not None]
        return held if len(held) == len(rows) else None

    # --- the current matter -------------------------------------------------------------------------------
    def current_matter(self) -> MatterSummary | None:
        return self.query_one(QueueTable).current

    @on(QueueTable.CursorMoved)
    def _moved(self, event: QueueTable.CursorMoved) -> None:
        self._show_status()
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """Rebuild the footer only when the keys on offer change: moving through a long queue of alike rows
        must not recompose it at every step."""
        offered = tuple(self.wb.session.allowed_for(self.current_matter())) + (self.current_matter() is not None,)
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()

    def _show_status(self) -> None:
        table = self.query_one(QueueTable)
        parts = []
        if table.total:
            parts.append(t("queue.position", row=table.cursor_row + 1, total=table.total))
        if self.filter_text:
            parts.append(t("queue.filtered", text=self.filter_text))
        matter = table.current
        if matter is not None and matter.claimed_by is not None:
            parts.append(t("queue.claimed_by", name=matter.claimed_by.display_name))
        if matter is not None and is_assigned_wait(matter):
            parts.append(t("queue.assigned_wait", unit=matter.holder_unit.name))
        self.query_one("#queue-status", StatusLine).set("  ".join(parts))

    @on(QueueTable.Opened)
    def _opened(self, event: QueueTable.Opened) -> None:
        self._open(event.matter)

    def _open(self, matter: MatterSummary) -> None:
        self.mark_opened(matter)
        self.app.push_screen(DetailScreen(matter.number))

    def mark_opened(self, matter: MatterSummary) -> None:
        """The operator has seen this matter: its new-arrival marker goes."""
        if self.arrivals is not None and self.arrivals.is_new(matter):
            self.arrivals.opened(matter)
            self.query_one(QueueTable).refresh()

    # --- keys ---------------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record":
            operator = self.wb.session.operator
            return operator is not None and can_record(operator.role)
        if action == "clear_filter":
            return bool(self.query_one("#filter", Input).display)
        if action == "open":
            return self.current_matter() is not None
        if action == "queue":
            return Queue(str(parameters[0])) in self.queues if parameters else False
        if action in ("report", "board"):
            from .board import BOARD_ROLES
            from .report import REPORT_ROLES

            operator = self.wb.session.operator
            return operator is not None and operator.role in (REPORT_ROLES if action == "report" else BOARD_ROLES)
        if action == "admin":
            return is_admin(self.wb)
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """A key kept for other roles (``s`` the report, ``b`` the board, the admin keys) says who may use it,
        instead of doing nothing."""
        refused = self._refused_role_key(event.key)
        if refused is not None:
            event.stop()
            event.prevent_default()
            self.wb.notify(refused, severity="warning", markup=False)
            return
        super().on_key(event)

    def _refused_role_key(self, key: str) -> str | None:
        from .board import BOARD_ROLES
        from .report import REPORT_ROLES

        who = {"report": REPORT_ROLES, "board": BOARD_ROLES, "admin": (Role.admin,)}
        for node, bindings in self._binding_chain:  # the screen's bindings as remapped by the [keymap]
            if node is not self:
                continue
            for binding in bindings.key_to_bindings.get(key, ()):
                action, _, params = binding.action.rstrip(")").partition("(")
                if action in who and self.check_action(action, (params.strip("'\""),)) is False:
                    roles = t("queue.roles_sep").join(t(f"role.{role}") for role in who[action])
                    what = binding.description
                    return t("queue.only_roles", what=what[:1].upper() + what[1:], roles=roles)
        return None

    def action_admin(self, name: str) -> None:
        open_admin(self, name)

    def action_report(self) -> None:
        from .report import ReportScreen

        self.app.push_screen(ReportScreen())

    def action_board(self) -> None:
        from .board import BoardScreen

        self.app.push_screen(BoardScreen())

    def action_open(self) -> None:
        matter = self.current_matter()
        if matter is not None:
            self._open(matter)

    def action_queue(self, name: str) -> None:
        self._switch(Queue(name))

    def action_next_queue(self) -> None:
        self._switch(self.queues[(self.queues.index(self.queue) + 1) % len(self.queues)])

    def action_previous_queue(self) -> None:
        self._switch(self.queues[(self.queues.index(self.queue) - 1) % len(self.queues)])

    def _switch(self, queue: Queue) -> None:
        if queue == self.queue or queue not in self.queues:
            return
        self.queue = queue
        self.query_one("#queues", Tabs).active = f"q-{queue}"
        self._set_source()
        self.refresh_data()

    @on(Tabs.TabActivated, "#queues")
    def _tab(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self._switch(Queue(event.tab.id.removeprefix("q-")))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._debounce_filter(event.value.strip())

    @work(group="filter", exclusive=True, exit_on_error=False)
    async def _debounce_filter(self, text: str) -> None:
        import asyncio

        await asyncio.sleep(0.25)
        if text != self.filter_text:
            self.filter_text = text
            self._set_source()
            self.refresh_data()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(QueueTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one(QueueTable).focus()
            if self.filter_text:
                self.filter_text = ""
                self._set_source()
                self.refresh_data()

    def action_record(self) -> None:
        from .record import RecordScreen

        def recorded(matter: MatterOut | None) -> None:
            if matter is not None:
                if self.arrivals is not None:  # recorded here by this operator: not news to them
                    self.arrivals.opened(matter)
                self.wb.notify(t("notify.recorded", number=matter.number))
                if self.queue in (Queue.incoming, Queue.all):  # the queues it lands in: the cursor goes to it
                    self.query_one(QueueTable).move_to_number(matter.number)
                self.refresh_data()

        self.app.push_screen(RecordScreen(), recorded)
