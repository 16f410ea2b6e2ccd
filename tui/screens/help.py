"""Help: every key of the screen underneath, what it does, and its binding id (for the config's [keymap])."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..components.queue_table import fit
from ..i18n import t


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "key.close_help", id="help.close", key_display="esc"),
        Binding("question_mark", "close", "key.close_help", id="help.close_question", show=False),
        Binding("q", "close", "key.close_help", id="help.close_q", show=False),
    ]

    def __init__(self, keys: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        key_w = max([cell_len(k) for k, _, _ in self.keys] + [cell_len(t("help.key"))]) + 2
        what_w = max([cell_len(w) for _, w, _ in self.keys] + [cell_len(t("help.what"))]) + 2
        lines = [Content.assemble((fit(t("help.key"), key_w) + fit(t("help.what"), what_w) + t("help.id"), "bold"))]
        for key, what, binding_id in self.keys:
            lines.append(Content.assemble((fit(key, key_w), "bold"), fit(what, what_w), (binding_id, "dim")))
        with Vertical(id="help-box"):
            yield Static(Content(t("help.title")), id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(Content("\n").join(lines), id="help-keys")
            yield Static(Content(t("help.footer")), id="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss()
