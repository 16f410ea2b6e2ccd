"""Help: every key of the screen underneath, what it does, and its binding id (for the config's [keymap]).

The keys of the matter come first (the workflow actions allowed now), then the screen's own, the table's and
the app's. The box is as tall as its keys when they fit; on a small terminal (80x24) it takes the whole height
and pages: up/down, pgup/pgdn, home/end scroll it, and its last line says which keys are shown
("1-17 of 33") so nobody misses the rest. Below the keys: the server this window talks to (the built-in
server's address, for a second window: ``huiyin --server URL``).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..actions import BY_NAME
from ..components.queue_table import fit
from ..i18n import t

#: title, column header, legend, server, footer and position lines, and the border
_CHROME_ROWS = 8


def _group(binding_id: str) -> int:
    spec = BY_NAME.get(binding_id)
    if spec is not None and spec.core is not None:
        return 0  # the workflow actions on the current matter
    if spec is not None and spec.scope in ("queue", "detail", "matter", "login"):
        return 1
    if binding_id.startswith("table.") or binding_id.startswith("form.") or binding_id.startswith("dialog."):
        return 2
    return 3  # the app's: help, quit, palette, switch operator


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "key.close_help", id="help.close", key_display="esc"),
        Binding("question_mark", "close", "key.close_help", id="help.close_question", show=False),
        Binding("q", "close", "key.close_help", id="help.close_q", show=False),
    ]

    def __init__(self, keys: list[tuple[str, str, str]], server: str = "") -> None:
        super().__init__()
        self.keys = sorted(keys, key=lambda k: _group(k[2]))  # stable: each group keeps its order
        #: which server this window talks to (the built-in one's address: for a second window, ``--server``)
        self.server = server

    def compose(self) -> ComposeResult:
        key_w = max([cell_len(k) for k, _, _ in self.keys] + [cell_len(t("help.key"))]) + 2
        what_w = max([cell_len(w) for _, w, _ in self.keys] + [cell_len(t("help.what"))]) + 2
        lines = []
        for key, what, binding_id in self.keys:
            lines.append(Content.assemble((fit(key, key_w), "bold"), fit(what, what_w), (binding_id, "dim")))
        with Vertical(id="help-box"):
            yield Static(Content(t("help.title")), id="help-title")
            yield Static(Content.assemble((fit(t("help.key"), key_w) + fit(t("help.what"), what_w) + t("help.id"),
                                           "bold")), id="help-columns")
            with VerticalScroll(id="help-scroll"):
                yield Static(Content("\n").join(lines), id="help-keys")
            yield Static("", id="help-position")
            yield Static(Content(t("legend.countdown")), id="help-legend")
            yield Static(Content(self.server), id="help-server")
            yield Static(Content(t("help.footer")), id="help-footer")

    def on_mount(self) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.focus()
        self.watch(scroll, "scroll_y", lambda _: self._position(), init=False)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """As tall as the keys, at most the screen's height."""
        box = self.query_one("#help-box")
        box.styles.height = max(min(len(self.keys) + _CHROME_ROWS, self.size.height or 24), _CHROME_ROWS + 1)
        self.call_after_refresh(self._position)

    def _position(self) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        total = len(self.keys)
        shown = scroll.scrollable_content_region.height
        first = round(scroll.scroll_y) + 1
        last = min(first + shown - 1, total)
        text = t("help.position", first=first, last=last, total=total) if shown and last < total or first > 1 else ""
        self.query_one("#help-position", Static).update(Content.assemble((text, "bold $accent")))

    def action_close(self) -> None:
        self.dismiss()
