"""Asked before typed input is thrown away (esc on a form or a dialog with something typed in it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from ..i18n import t
from ..workbench import localize_bindings


class DiscardScreen(ModalScreen[bool]):
    """``True``: discard the typed input; ``False`` (n, esc): back to it, nothing lost."""

    BINDINGS = [
        Binding("y", "answer(True)", "key.discard", id="discard.yes"),
        Binding("n", "answer(False)", "key.keep_editing", id="discard.no"),
        Binding("escape", "answer(False)", "key.keep_editing", id="discard.back", key_display="esc", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.styled(t("discard.title"), "bold"), id="dialog-title")
            yield Static(Content(t("discard.question")), id="discard-question")
            with Horizontal(id="dialog-buttons"):
                yield Button(t("discard.no"), id="no", variant="primary", compact=True)
                yield Button(t("discard.yes"), id="yes", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


def leave_unless_typed(screen: Screen[Any], typed: bool, leave: Callable[[], object]) -> None:
    """Run ``leave`` at once when nothing was typed, else only after the person said to discard it."""
    if not typed:
        leave()
        return

    def answered(discard: bool | None) -> None:
        if discard:
            leave()

    screen.app.push_screen(DiscardScreen(), answered)
