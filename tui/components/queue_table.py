"""A virtualised, server-paged queue table.

Textual's DataTable measures every row before its first paint (about 8 s for 100,000 rows); this widget only
ever renders the lines on screen. Its rows are sparse: the row count is the server's ``total`` (so the scrollbar
is right from the first page), and it holds only a few pages (at most :data:`MAX_PAGES`) near the cursor, each
placed at its line. A line not held shows a placeholder and is fetched from the nearest place that reaches it:
the queue's start (the first page), its end (``from_end``: the last page), or a held page, paging forwards
(``cursor``) or backwards (``before``) from it — so ``home`` and ``end`` are one request each, and pages far from
the cursor are dropped, so memory stays bounded however long the queue. A refresh (a live event, an action)
asks again only for the pages on screen, the same way they were fetched, and drops the others: its cost does not
grow with the queue. Lines are placed by where their page was fetched from; when rows come in above a page
fetched from a held neighbour, the line numbers below stay as they were until the next refresh from either end.

Columns: the new-arrival marker (``*``), number, title, origin unit, holder unit, status, time left. Widths are
in terminal cells (a Chinese character takes two), fixed columns are cut to their width without ambiguous-width
marks. Below :data:`BOTH_UNITS_WIDTH` cells only one unit column is shown, the one the queue needs
(``unit_column``: the origin in the queues of matters held by my unit, the holder elsewhere), so a unit name
stays readable at 80 columns.

The cursor follows the matter, not the line: a refresh keeps it on the same matter (wherever it moved to), keys
pressed while the first page loads move it once the rows are there, and :meth:`QueueTable.move_to_number`
asked before the row is loaded is kept until it is.

Time left is counted at paint time from the app's injected clock with the district's calendar and policy
(``app.rules``), so a repaint is all a countdown needs to move: the screen repaints the table once a second
when the clock has moved, and only the visible lines are drawn. Rows stay in the server's order (``due_at``,
which is urgency order).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from huiyin.core.clock import Clock, SystemClock
from huiyin.core.deadlines import Urgency
from huiyin.core.domain import EventKind, Status
from huiyin.core.schemas import MatterSummary, QueuePage

from ..i18n import t
from ..timeleft import DeadlineRules, TimeLeft, time_left
from ..workbench import localize_bindings, workbench

URGENCY_CLASS: dict[Urgency, str] = {Urgency.on_track: "queue-table--on-track",
                                     Urgency.at_risk: "queue-table--at-risk",
                                     Urgency.overdue: "queue-table--overdue"}

#: ``fetcher(cursor, limit)`` pages forwards; ``fetcher(None, limit, before=cursor)`` backwards and
#: ``fetcher(None, limit, from_end=True)`` the last page (``GET /api/matters``)
PageFetcher = Callable[..., Awaitable[QueuePage]]
#: how a held page was fetched (so a refresh asks the same again): ("first" | "end", None) or
#: ("after" | "before", cursor)
Anchor = tuple[str, str | None]


@dataclass(slots=True)
class _Page:
    start: int
    rows: list[MatterSummary]
    prev: str | None
    next: str | None
    anchor: Anchor

    @property
    def end(self) -> int:
        return self.start + len(self.rows)


PAGE_SIZE = 200
#: from this width on, both the origin and the holder unit columns are shown
BOTH_UNITS_WIDTH = 110
#: what marks a new arrival (a glyph, not only a colour)
NEW_MARK = "*"
#: the server's largest page: used when the cursor jumped far past the rows fetched so far
FAR_PAGE_SIZE = 500
#: at most this many pages are held (about 1,000–3,000 rows): the ones nearest the cursor
MAX_PAGES = 6
#: at most this many requests in one walk towards the cursor (a drag of the scrollbar to the middle of a
#: million rows walks at most this far; the next move walks on)
MAX_WALK = 40


def is_assigned_wait(matter: MatterSummary) -> bool:
    """Pending where the command center assigned it: only that unit may claim it (no unit above it may)."""
    return matter.status is Status.pending and matter.arrived_by is EventKind.assign


def holder_text(matter: MatterSummary) -> str:
    """The holder column: the unit's name, marked when the command center assigned the matter to it and it
    waits there (``[assigned] 区交委``), so the queue says why there is no claim on it for anyone else."""
    name = matter.holder_unit.name
    return f"{t('queue.assigned_mark')} {name}" if is_assigned_wait(matter) else name


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells; a cut is marked with ``~``."""
    if width <= 0:
        return ""
    text = text.replace("\n", " ")
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "~"


@dataclass(frozen=True, slots=True)
class Columns:
    number: int
    title: int
    #: 0: the column is not shown
    origin: int
    holder: int
    status: int
    left: int
    mark: int = 1

    @classmethod
    def for_width(cls, width: int, unit_column: str = "holder", show_status: bool = True) -> Columns:
        """``unit_column`` (``origin`` or ``holder``): the one unit column kept below BOTH_UNITS_WIDTH;
        ``show_status=False`` for a queue whose rows all have the same status (its room goes to the rest)."""
        number, left, mark = 14, 15, 1
        # the one word of each status, uncut
        status = max(cell_len(t(f"status.{s}")) for s in Status) if show_status else 0
        gaps = 4 if show_status else 3
        if width >= BOTH_UNITS_WIDTH:
            rest = max(width - mark - number - status - left - gaps - 2, 12)
            origin = holder = max(rest * 3 // 10, 6)
        else:
            rest = max(width - mark - number - status - left - gaps - 1, 12)
            unit = max(rest * 45 // 100, min(rest // 2, 18), 6)  # 80 columns: an 8-character name fits
            origin, holder = (unit, 0) if unit_column == "origin" else (0, unit)
        title = max(rest - origin - holder, 6)
        return cls(number, title, origin, holder, status, left, mark)

    def line(self, number: str, title: str, origin: str, holder: str) -> str:
        cells = [fit(number, self.number), fit(title, self.title)]
        if self.origin:
            cells.append(fit(origin, self.origin))
        if self.holder:
            cells.append(fit(holder, self.holder))
        return " ".join(cells)


class QueueTable(ScrollView, can_focus=True):
    """The rows of one queue; the cursor is always on a row (or on nothing when the queue is empty)."""

    DEFAULT_CSS = """
    QueueTable { overflow-x: hidden; overflow-y: auto; height: 1fr; }
    QueueTable > .queue-table--new { text-style: bold; }
    """

    COMPONENT_CLASSES = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--placeholder",
        "queue-table--on-track",
        "queue-table--at-risk",
        "queue-table--overdue",
        "queue-table--closed",
        "queue-table--new",
    }

    BINDINGS = [
        Binding("up", "cursor(-1)", "key.cursor_up", show=False, id="table.up"),
        Binding("down", "cursor(1)", "key.cursor_down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "key.page_up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "key.page_down", show=False, id="table.page_down"),
        Binding("home", "jump(0)", "key.first", show=False, id="table.first"),
        Binding("end", "jump(-1)", "key.last", show=False, id="table.last"),
    ]

    #: repaint=False: the watcher repaints just the lines that changed
    cursor_row: reactive[int] = reactive(0, init=False, always_update=True, repaint=False)

    class CursorMoved(Message):
        def __init__(self, table: QueueTable, matter: MatterSummary | None) -> None:
            super().__init__()
            self.table = table
            self.matter = matter

    class Opened(Message):
        def __init__(self, table: QueueTable, matter: MatterSummary) -> None:
            super().__init__()
            self.table = table
            self.matter = matter

    def __init__(self, *, clock: Clock | None = None, page_size: int = PAGE_SIZE, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        localize_bindings(self)
        self.clock = clock or SystemClock()
        self.page_size = page_size
        self.fetcher: PageFetcher | None = None
        self._pages: list[_Page] = []
        self.total = 0
        self.loaded_once = False
        self._generation = 0
        self._fetching = False
        self._last_reported: str | None = None
        #: cursor moves made before the first page arrived, applied when it does
        self._pending_moves = 0
        self._pending_jump: int | None = None
        #: a matter to select as soon as its row is loaded (move_to_number before the rows came)
        self._wanted_number: str | None = None
        #: which unit column stays at narrow widths: ``origin`` or ``holder``
        self.unit_column = "holder"
        #: False for a queue whose rows all have one status (pending): the status column is left out
        self.show_status = True
        #: tells whether a row is a new arrival (marked with NEW_MARK)
        self.is_new: Callable[[MatterSummary], bool] = lambda matter: False
        #: what an empty list says instead of :data:`queue.empty` (a filter that matched nothing)
        self.empty_text: str | None = None

    # --- data -------------------------------------------------------------------------------------------------
    @property
    def rows(self) -> list[MatterSummary]:
        """The rows held now, in queue order (only pages around the cursor: see the module's docstring)."""
        return [row for page in self._pages for row in page.rows]

    @property
    def current(self) -> MatterSummary | None:
        return self.row_at(self.cursor_row)

    def row_at(self, index: int) -> MatterSummary | None:
        """The row at this line of the queue, ``None`` when it is not fetched (or not held any more)."""
        for page in self._pages:
            if page.start <= index < page.end:
                return page.rows[index - page.start]
        return None

    def patch(self, matter: MatterSummary) -> bool:
        """Show ``matter`` as it is now on its row, where a held page has it (the server's answer to an action,
        applied as it is); ``False`` when no held row is that matter."""
        summary = MatterSummary.model_validate(matter.model_dump(include=set(MatterSummary.model_fields)))
        for page in self._pages:
            for index, row in enumerate(page.rows):
                if row.number == matter.number:
                    page.rows[index] = summary
                    self.refresh()
                    if self.current is summary:
                        self._report()
                    return True
        return False

    def set_source(self, fetcher: PageFetcher) -> None:
        """A new queue (or filter): forget the rows, go to the top."""
        self.fetcher = fetcher
        self._generation += 1
        self._pages, self.total, self.loaded_once = [], 0, False
        self._fetching = False
        self._pending_moves, self._pending_jump, self._wanted_number = 0, None, None
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._update_size()
        self.refresh()

    async def _get(self, anchor: Anchor, limit: int) -> QueuePage:
        kind, cursor = anchor
        assert self.fetcher is not None
        if kind == "after":
            return await self.fetcher(cursor, limit)
        if kind == "before":
            return await self.fetcher(None, limit, before=cursor)
        if kind == "end":
            return await self.fetcher(None, limit, from_end=True)
        return await self.fetcher(None, limit)

    def _place(self, anchor: Anchor, page: QueuePage, start: int | None = None) -> _Page:
        """Hold a fetched page at its line: the first page at 0, the last at the end, one fetched next to a held
        page next to it (``start``); pages it overlaps are dropped (it is the fresher)."""
        self.total = max(page.total, len(page.items))
        if anchor[0] == "first":
            start = 0
        elif anchor[0] == "end" or start is None:
            start = self.total - len(page.items)
        held = _Page(max(start, 0), list(page.items), page.prev_cursor, page.next_cursor, anchor)
        self._pages = sorted([p for p in self._pages if p.end <= held.start or p.start >= held.end] + [held],
                             key=lambda p: p.start)
        return held

    def _trim(self) -> None:
        """Keep at most MAX_PAGES pages, the ones nearest the cursor: memory stays bounded however far the
        clerk walks."""
        if len(self._pages) > MAX_PAGES:
            row = self.cursor_row
            near = sorted(self._pages, key=lambda p: 0 if p.start <= row < p.end else min(abs(p.start - row),
                                                                                           abs(p.end - row)))
            self._pages = sorted(near[:MAX_PAGES], key=lambda p: p.start)

    async def reload(self) -> None:
        """Fetch again the rows on screen (the pages holding the visible lines and the cursor; the others are
        dropped, to be fetched again when reached), keeping the cursor on the same matter if it is still there,
        else on the same line. The matter is the one under the cursor when the rows arrive (the clerk may have
        moved while they loaded), or the one asked for by :meth:`move_to_number`. A live event costs this: one
        request or two, whatever the length of the queue."""
        if self.fetcher is None:
            return
        generation = self._generation
        top = round(self.scroll_y)
        low, high = min(top, self.cursor_row), max(self._visible_bottom(), self.cursor_row)
        shown = [p for p in self._pages if p.start <= high and p.end > low]
        if not shown:
            far_down = self.loaded_once and self._pages and self.cursor_row > self.total // 2
            jump_end = not self.loaded_once and self._pending_jump is not None and self._pending_jump < 0
            shown = [_Page(0, [], None, None, ("end" if far_down or jump_end else "first", None))]
        fresh: list[tuple[Anchor, QueuePage, int]] = []
        for page in shown:
            got = await self._get(page.anchor, max(len(page.rows), self.page_size))
            if generation != self._generation:
                return
            fresh.append((page.anchor, got, page.start))
        # the matter under the cursor now, not when the fetch began: the cursor may have moved meanwhile
        keep = self._wanted_number or (self.current.number if self.current else None)
        first_load = not self.loaded_once
        self._pages = []
        for anchor, got, start in fresh:
            self._place(anchor, got, start)
        self.loaded_once = True
        index = next((i for p in self._pages for i, row in enumerate(p.rows, p.start) if row.number == keep),
                     None) if keep else None
        if index is not None and keep == self._wanted_number:
            self._wanted_number = None
        self._update_size()
        if index is not None:
            row = index
        elif first_load and (self._pending_moves or self._pending_jump is not None):
            row = (0 if self._pending_jump is None else self._pending_jump) + self._pending_moves
            if self._pending_jump is not None and self._pending_jump < 0:
                row = self.total - 1 + self._pending_moves
        else:
            row = min(self.cursor_row, max(self.total - 1, 0))
        self._pending_moves, self._pending_jump = 0, None
        self.cursor_row = row
        self.refresh()

    def _ensure_loaded(self, index: int) -> None:
        if (self.loaded_once and 0 <= index < self.total and self.row_at(index) is None and not self._fetching
                and self.fetcher is not None):
            self._fetching = True
            self._fetch_more(self._generation, index)

    def _nearest(self, index: int) -> tuple[Anchor, int | None, bool, int]:
        """Where to fetch from to reach line ``index`` soonest: the queue's start or end (one request each), or
        the held page nearest to it, paging towards it. Returns (anchor, the line the fetched rows start at, or
        end before when paging backwards, whether backwards, distance)."""
        options: list[tuple[int, Anchor, int | None, bool]] = [(index, ("first", None), 0, False),
                                                              (self.total - 1 - index, ("end", None), None, True)]
        for page in self._pages:
            if page.end <= index and page.next:
                options.append((index - page.end, ("after", page.next), page.end, False))
            if page.start > index and page.prev:
                options.append((page.start - 1 - index, ("before", page.prev), page.start, True))
        distance, anchor, line, backwards = min(options, key=lambda o: o[0])
        return anchor, line, backwards, distance

    @work(group="queue-table-more", exclusive=False)
    async def _fetch_more(self, generation: int, index: int) -> None:
        """Fetch pages until the rows on screen and under the cursor are held. The target follows the cursor:
        jumping back home stops a long walk towards the middle of a 100,000-row queue; ``end`` and ``home`` are
        one request each."""
        try:
            for _ in range(MAX_WALK):
                if generation != self._generation or self.fetcher is None:
                    return
                missing = [i for i in (index, self.cursor_row, round(self.scroll_y), self._visible_bottom())
                           if 0 <= i < self.total and self.row_at(i) is None]
                if not missing:
                    break
                target = min(missing, key=lambda i: abs(i - self.cursor_row))
                anchor, line, backwards, distance = self._nearest(target)
                size = FAR_PAGE_SIZE if distance >= self.page_size else self.page_size
                page = await self._get(anchor, size)
                if generation != self._generation:
                    return
                if backwards and line is not None:  # the rows end where the held page starts
                    line -= len(page.items)
                self._place(anchor, page, line)
                if not page.items:  # the rows that way left the queue: stop walking, a refresh puts it right
                    break
                self._trim()
                self._update_size()
                self.refresh()
                index = self.cursor_row
            self._report()
        finally:
            if generation == self._generation:
                self._fetching = False

    def _visible_bottom(self) -> int:
        return round(self.scroll_y) + max(self.scrollable_content_region.height - 1, 1)

    def _update_size(self) -> None:
        self.virtual_size = Size(self.size.width, self.total + 1)

    # --- cursor -----------------------------------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, self.total - 1)) if self.total else 0

    def watch_cursor_row(self, old: int, row: int) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        self._ensure_loaded(row)
        if round(self.scroll_y) == top:
            # no scrolling: only the two lines whose cursor style changed are drawn again
            for index in {old, row}:
                self.refresh_line(index + 1)  # virtual line: the header takes line 0
        else:
            self.refresh()
        self._report()

    def _report(self) -> None:
        matter = self.current
        if matter is None and self.loaded_once and self.total and self._fetching:
            # the cursor is on a line whose page is on its way: the keys on offer stay until it comes (a
            # footer rebuilt twice per jump costs more than the jump)
            return
        key = f"{matter.number}:{matter.version}" if matter else None
        if key != self._last_reported or matter is None:
            self._last_reported = key
            self.post_message(self.CursorMoved(self, matter))

    def move_to_number(self, number: str) -> bool:
        """Put the cursor on this matter. ``False`` when its row is not loaded (yet): then the next reload
        selects it if the queue has it."""
        for page in self._pages:
            for i, row in enumerate(page.rows, page.start):
                if row.number == number:
                    self._wanted_number = None
                    self.cursor_row = i
                    return True
        self._wanted_number = number
        return False

    def _move(self, delta: int) -> None:
        if not self.loaded_once:  # the first page is on its way: the keys count once it is there
            self._pending_moves += delta
            return
        self._wanted_number = None
        self.cursor_row = self.cursor_row + delta

    def action_cursor(self, delta: int) -> None:
        self._move(delta)

    def action_page(self, direction: int) -> None:
        self._move(direction * max(self.scrollable_content_region.height - 2, 1))

    def action_jump(self, where: int) -> None:
        if not self.loaded_once:
            self._pending_moves, self._pending_jump = 0, (0 if where >= 0 else -1)
            return
        self._wanted_number = None
        self.cursor_row = 0 if where >= 0 else self.total - 1

    def on_resize(self) -> None:
        self._update_size()

    def on_click(self, event: events.Click) -> None:  # mouse is optional, but harmless
        row = round(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= row < self.total:
            self.cursor_row = row

    def open_current(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self, self.current))

    # --- painting ---------------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        cols = Columns.for_width(width, self.unit_column, self.show_status)
        base = self.rich_style
        if y == 0:
            cells = [" " * cols.mark, cols.line(t("column.number"), t("column.title"), t("column.origin"),
                                                t("column.holder"))]
            if cols.status:
                cells.append(fit(t("column.status"), cols.status))
            header = " ".join((*cells, fit(t("column.left"), cols.left)))
            style = base + self.get_component_rich_style("queue-table--header")
            return Strip([Segment(header, style)]).adjust_cell_length(width, style)
        index = round(self.scroll_y) + y - 1
        if self.total == 0:
            if y == 1:
                text = (self.empty_text or t("queue.empty")) if self.loaded_once else t("queue.loading")
                return Strip([Segment(fit(" " + text, width), base)])
            return Strip.blank(width, base)
        if index >= self.total:
            return Strip.blank(width, base)
        cursor = index == self.cursor_row
        row_style = base
        if cursor:
            row_style = base + self.get_component_rich_style("queue-table--cursor", partial=not self.has_focus)
        matter = self.row_at(index)
        if matter is None:
            self._ensure_loaded(index)
            style = row_style + self.get_component_rich_style("queue-table--placeholder")
            return Strip([Segment(fit(f" {index + 1}  {t('queue.loading')}", width), style)])
        segments = self._row_segments(matter, cols, row_style)
        return Strip(segments).adjust_cell_length(width, row_style)

    @property
    def rules(self) -> DeadlineRules:
        """The district's calendar and policy, as the workbench's session knows them."""
        return workbench(self).session.rules

    def time_left(self, matter: MatterSummary) -> TimeLeft:
        return time_left(matter.due_at, self.clock.now(), closed=matter.status is Status.closed,
                         answered=matter.status is Status.answered, rules=self.rules,
                         provisional=matter.due_provisional)

    def _row_segments(self, matter: MatterSummary, cols: Columns, style: Style) -> list[Segment]:
        left = self.time_left(matter)
        left_style = style
        if left.urgency is not None:
            left_style = style + self.get_component_rich_style(URGENCY_CLASS[left.urgency], partial=True)
        status_style = style
        if matter.status is Status.closed:
            status_style = style + self.get_component_rich_style("queue-table--closed", partial=True)
        text = cols.line(matter.number, matter.title, matter.origin_unit.name, holder_text(matter))
        new = self.is_new(matter)
        mark_style = style + self.get_component_rich_style("queue-table--new", partial=True) if new else style
        segments = [Segment(fit(NEW_MARK if new else "", cols.mark) + " ", mark_style), Segment(text + " ", style)]
        if cols.status:
            segments.append(Segment(fit(t(f"status.{matter.status}"), cols.status) + " ", status_style))
        segments.append(Segment(fit(left.text(), cols.left), left_style))
        return segments
