"""The audit (key L): every change that is not a matter event, newest first, a page at a time (keyset: more
loads as the cursor reaches the end, or with ``m``); filter by kind (``k`` goes round them) and by actor (``/``);
``enter`` shows an entry's before → after."""

from __future__ import annotations

import json
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input

from huiyin.core.domain import AuditKind
from huiyin.core.schemas import AuditOut

from .. import admin_api
from ..client import ApiError, Unreachable
from .admin_dialogs import NoticeDialog, refusal
from ..i18n import t
from .admin_base import AdminScreen, back_binding

PAGE = 50
KINDS: list[str | None] = [None, *[k.value for k in AuditKind]]


def change_summary(entry: AuditOut) -> str:
    """What changed, in one line: ``field: before → after`` for each field that differs."""
    before, after = entry.before or {}, entry.after or {}
    if entry.before is None:
        return t("admin.audit.created")
    if entry.after is None:
        return t("admin.audit.removed")
    parts = [f"{k}: {before.get(k)} → {after.get(k)}" for k in sorted(set(before) | set(after))
             if before.get(k) != after.get(k) and k != "days"]
    if "days" in before or "days" in after:
        parts.append(t("admin.audit.days_changed"))
    return "; ".join(parts)


class AuditScreen(AdminScreen):
    TITLE_KEY = "admin.audit.title"
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
        for key in ("at", "kind", "subject", "actor", "change"):
            table.add_column(t(f"admin.audit.col.{key}"), key=key)
        table.focus()
        self.load()

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
        tz = self.wb.rules.policy.tz
        for entry in page.items:
            self.entries.append(entry)
            table.add_row(entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), t(f"admin.audit.kind.{entry.kind}"),
                          entry.subject, entry.actor, change_summary(entry), key=str(entry.id))
        self.next_cursor = page.next_cursor
        self.say(t("admin.audit.status", count=len(self.entries),
                      kind=t(f"admin.audit.kind.{self.kind}") if self.kind else t("admin.audit.all"),
                      actor=actor or t("admin.audit.anyone"),
                      more=t("admin.audit.has_more") if self.next_cursor else ""))
        self.loaded_once = True

    @on(DataTable.RowHighlighted)
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
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

        text = t("admin.audit.detail", who=entry.actor, at=entry.at.isoformat(), before=dump(entry.before),
                 after=dump(entry.after))
        self.app.push_screen(NoticeDialog(f"{t(f'admin.audit.kind.{entry.kind}')} · {entry.subject}", text))
