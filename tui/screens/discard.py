"""Asked before typed input is thrown away: esc on a form or a dialog with something typed in it, and every
way out of the app or the session while such a form is open anywhere on the stack (q on a matter shown over
the record form, the palette's Quit and Sign out). A screen that holds typed input says so by its
``typed_input()`` method (the record form, the action dialogs, the admin forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
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


def typed_input(screen: Screen[Any]) -> bool:
    """Whether ``screen`` holds typed input that leaving would throw away."""
    check = getattr(screen, "typed_input", None)
    if not callable(check):
        return False
    try:
        return bool(check())
    except NoMatches:  # not composed yet: nothing typed in it
        return False


def leave_asking(screen: Screen[Any], leave: Callable[[], object]) -> None:
    """Run ``leave`` (quit, sign out: away from every screen of the stack) at once when no screen of the stack
    holds typed input, else only after the person said to discard it."""
    leave_unless_typed(screen, any(typed_input(s) for s in screen.app.screen_stack), leave)
