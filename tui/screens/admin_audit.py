"""The audit (key L): every change that is not a matter event, newest first, a page at a time (keyset: more
loads as the cursor reaches the end, or with ``m``); filter by kind (``k`` goes round them) and by actor (``/``);
``enter`` shows an entry's before → after."""

from __future__ import annotations

import json
from typing import Any

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input

from huiyin.core.domain import AuditKind
from huiyin.core.schemas import AuditOut

from .. import admin_api
from ..client import ApiError, Unreachable
from ..i18n import t, tn
from .admin_base import AdminScreen, back_binding, header_widths, set_column_widths
from .admin_dialogs import NoticeDialog, refusal

PAGE = 50
KINDS: list[str | None] = [None, *[k.value for k in AuditKind]]


def audit_value(value: Any) -> str:
    """A value as people read it: yes / no, — for nothing, else as stored."""
    if value is True or value is False:
        return t("admin.audit.yes" if value else "admin.audit.no")
    return "—" if value is None else str(value)


#: fields named before the others, in this order
_FIRST = {"password": 0, "must_change_password": 1}


def change_summary(entry: AuditOut) -> str:
    """What changed, in one line: ``field: before → after`` for each field that differs; a new password and the
    sessions it ended in words (the password itself is never recorded)."""
    before, after = entry.before or {}, entry.after or {}
    if entry.before is None:
        return t("admin.audit.created")
    if entry.after is None:
        return t("admin.audit.removed")
    parts = []
    # what a person looks for first leads (a cut row still shows it): a new password, then that it must be changed
    for k in sorted(set(before) | set(after), key=lambda k: (_FIRST.get(k, len(_FIRST)), k)):
        if before.get(k) == after.get(k) or k == "days":
            continue
        if k == "password":
            parts.append(t("admin.audit.password_changed"))
        elif k == "must_change_password":
            parts.append(t("admin.audit.must_change" if after.get(k) else "admin.audit.must_change_off"))
        elif k == "sessions_ended":
            parts.append(tn("admin.audit.sessions_ended", int(after.get(k) or 0)))
        else:
            parts.append(f"{k}: {audit_value(before.get(k))} → {audit_value(after.get(k))}")
    if "days" in before or "days" in after:
        parts.append(t("admin.audit.days_changed"))
    return "; ".join(parts)


#: the columns of the list, and the widest each may be before the change column gets the rest
COLUMNS = ("at", "kind", "subject", "actor", "change")
MAX_WIDTH = {"subject": 18, "actor": 14}
#: the change column is never narrower than this (its full text: the status line, and enter)
MIN_CHANGE = 20


class AuditScreen(AdminScreen):
    TITLE_KEY = "admin.audit.title"
    #: the status: the highlighted entry's change in full (it may wrap), then the count
    DEFAULT_CSS = "AuditScreen #admin-status { max-height: 4; }"
    BINDINGS = [
        Binding("enter", "show", "admin.key.show", id="admin.audit.show"),
        Binding("k", "kind", "admin.key.kind", id="admin.audit.kind"),
        Binding("slash", "filter", "admin.key.actor", id="admin.audit.actor", key_display="/"),
        Binding("m", "more", "admin.key.more", id="admin.audit.more"),
        back_binding(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[AuditOut] = []
        self.next_cursor: str | None = None
        self.kind: str | None = None
        self.loaded_once = False

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("admin.audit.actor_placeholder"), id="admin-filter", compact=True)
        yield DataTable(id="audit", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#admin-filter", Input).display = False
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(t(f"admin.audit.col.{key}"), key=key)
        table.focus()
        self.load()

    def on_resize(self) -> None:
        self.size_columns()

    def size_columns(self) -> None:
        """The time, kind, subject (up to 18) and actor (up to 14) as wide as they need, the change the rest of
        the width: no column is reached by scrolling sideways."""
        table = self.query_one(DataTable)
        width = table.scrollable_content_region.width or self.size.width
        widths = header_widths(table, COLUMNS)
        for row in range(table.row_count):
            for key, cell in zip(COLUMNS, table.get_row_at(row), strict=True):
                widths[key] = max(widths[key], cell_len(str(cell)))
        for key, most in MAX_WIDTH.items():
            widths[key] = min(widths[key], most)
        fixed = sum(widths[k] for k in COLUMNS if k != "change")
        widths["change"] = max(width - 2 * table.cell_padding * len(COLUMNS) - 1 - fixed, MIN_CHANGE)
        set_column_widths(table, widths)

    def actor(self) -> str | None:
        return self.query_one("#admin-filter", Input).value.strip() or None

    @work(group="admin-load", exclusive=True, exit_on_error=False)
    async def load(self, more: bool = False) -> None:
        cursor = self.next_cursor if more else None
        if more and cursor is None:
            return
        kind, actor = self.kind, self.actor()
        try:
            page = await self.wb.call(lambda api: admin_api.audit(api, kind=kind, actor=actor, cursor=cursor,
                                                                   limit=PAGE))
        except (ApiError, Unreachable) as exc:
            self.say(refusal(exc))
            return
        table = self.query_one(DataTable)
        if not more:
            self.entries = []
            table.clear()
        tz = self.wb.session.rules.policy.tz
        for entry in page.items:
            self.entries.append(entry)
            table.add_row(entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), t(f"admin.audit.kind.{entry.kind}"),
                          entry.subject, entry.actor, change_summary(entry), key=str(entry.id))
        self.next_cursor = page.next_cursor
        self.size_columns()
        self.show_status()
        self.loaded_once = True

    def show_status(self) -> None:
        """How many entries are listed (which kind, whose), and the highlighted entry's change in full."""
        status = t("admin.audit.status", entries=tn("admin.audit.entries", len(self.entries)),
                   kind=t(f"admin.audit.kind.{self.kind}") if self.kind else t("admin.audit.all"),
                   actor=self.actor() or t("admin.audit.anyone"),
                   more=t("admin.audit.has_more") if self.next_cursor else "").rstrip()
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.entries):
            status = f"{change_summary(self.entries[row])}\n{status}"
        self.say(status)

    @on(DataTable.RowHighlighted)
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        self.show_status()
        if self.next_cursor and event.cursor_row >= len(self.entries) - 1:
            self.load(more=True)

    @on(DataTable.RowSelected)
    def _selected(self) -> None:  # enter on the table
        self.action_show()

    def action_more(self) -> None:
        self.load(more=True)

    def action_kind(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self.load()

    def action_filter(self) -> None:
        box = self.query_one("#admin-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#admin-filter")
    def _actor_done(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def action_back(self) -> None:
        box = self.query_one("#admin-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one(DataTable).focus()
            self.load()
            return
        super().action_back()

    def action_show(self) -> None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row >= len(self.entries):
            return
        entry = self.entries[table.cursor_row]

        def dump(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False, indent=1) if value is not None else "—"

        tz = self.wb.session.rules.policy.tz
        # the district's time, as in the list (with its zone: the entry is stored in UTC)
        at = f"{entry.at.astimezone(tz):%Y-%m-%d %H:%M:%S} ({getattr(tz, 'key', tz)})"
        text = t("admin.audit.detail", who=entry.actor, at=at, change=change_summary(entry),
                 before=dump(entry.before), after=dump(entry.after))
        self.app.push_screen(NoticeDialog(f"{t(f'admin.audit.kind.{entry.kind}')} · {entry.subject}", text))
