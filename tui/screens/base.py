"""What every workbench screen shares: localized bindings, the app as a typed :class:`Workbench`, the app's
messages, keys typed ahead while the screen loads, and the workflow-action keys."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen

from huiyin.core.domain import Action
from huiyin.core.schemas import MatterSummary

from ..keys import KeysInOrder
from ..workbench import MatterActed, MattersChanged, RulesChanged, Workbench, localize_bindings, workbench

#: keys never held back while a screen loads: they leave it or ask about it (back, help, palette, quit)
PASS_WHILE_LOADING = frozenset({"escape", "question_mark", "ctrl+p", "ctrl+q", "ctrl+c"})
#: of those, the keys that pass even after other keys were held (a stuck load never traps anyone)
LEAVE_WHILE_LOADING = frozenset({"escape", "ctrl+q", "ctrl+c"})
#: at most this many keys are typed ahead (a stuck load must not collect a whole morning of keys)
TYPE_AHEAD_KEYS = 32


class WorkbenchScreen(Screen[Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)
        self._typed_ahead: list[events.Key] = []

    @property
    def wb(self) -> Workbench:
        return workbench(self)

    # --- keys typed while the screen loads ----------------------------------------------------------------
    def is_loading(self) -> bool:
        """True while what the keys act on is not there yet (rows, the matter): keys wait, then run."""
        return False

    def on_key(self, event: events.Key) -> None:
        """A key pressed while the screen loads is held and runs once it has loaded, in order: ``down down
        enter`` typed ahead opens the third row, not nothing. The app's own keys, esc and ? pass at once, unless
        keys before them are held: then they wait their turn (``e`` then the ``u`` of a name typed after it
        never signs out while ``e`` waits); esc always passes."""
        if not self.is_loading() or event.key in LEAVE_WHILE_LOADING:
            return
        if not self._typed_ahead and (event.key in PASS_WHILE_LOADING or event.key in self._app_keys()):
            return
        event.stop()
        event.prevent_default()
        if len(self._typed_ahead) < TYPE_AHEAD_KEYS:
            self._typed_ahead.append(event)

    def _app_keys(self) -> set[str]:
        return set(self.app._bindings.key_to_bindings)

    def loaded(self) -> None:
        """Call when the screen has loaded: the keys typed meanwhile run now."""
        post_keys(self.app, self.take_typed_ahead())

    def take_over_typed_ahead(self, keys: list[events.Key]) -> None:
        """Keys another screen held for this one (typed while signing in): before the keys this one holds, or
        typed at once when it has loaded already."""
        if self.is_loading():
            self._typed_ahead[:0] = keys
        else:
            post_keys(self.app, keys)

    def take_typed_ahead(self) -> list[events.Key]:
        """The keys held while loading, handed over (to the screen that replaces this one)."""
        keys, self._typed_ahead = self._typed_ahead, []
        return keys


def post_keys(app: Any, keys: list[events.Key]) -> None:
    """Type ``keys`` again, in order, into whatever screen has them next."""
    again = [events.Key(key.key, key.character) for key in keys]
    if isinstance(app, KeysInOrder):
        app.type_again(again)  # ahead of the keys typed after them, which the app holds meanwhile
        return
    for key in again:
        app.post_message(key)


class MatterActionsScreen(WorkbenchScreen):
    """A screen with a current matter: the footer offers exactly the actions the core rules allow on it."""

    def current_matter(self) -> MatterSummary | None:  # pragma: no cover - overridden
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "workflow":
            try:
                wanted = Action(str(parameters[0]))
            except (IndexError, ValueError):
                return False
            return wanted in self.wb.session.allowed_for(self.current_matter())
        return True

    def action_workflow(self, name: str) -> None:
        matter = self.current_matter()
        if matter is not None:
            self.wb.run_matter_action(matter, Action(name))

    def action_refresh(self) -> None:
        """ctrl+r: the matters, and the district's calendar, policy and calendar warnings."""
        self.wb.refresh_rules_soon()
        self.matters_changed(set())

    def matters_changed(self, numbers: set[str]) -> None:  # pragma: no cover - overridden
        pass

    def rules_changed(self) -> None:
        self.refresh()

    def on_matters_changed(self, message: MattersChanged) -> None:
        self.matters_told(message)

    def matters_told(self, message: MattersChanged) -> None:
        """What a screen does with the news (with what it carries: an action's answer, the queue sizes); by
        default, as :meth:`matters_changed` of its numbers."""
        self.matters_changed(message.numbers)

    def on_rules_changed(self, message: RulesChanged) -> None:
        self.rules_changed()

    def on_matter_acted(self, message: MatterActed) -> None:
        """An action started here went through (the app has refreshed the matter everywhere already)."""
