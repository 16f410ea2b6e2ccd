"""Form widgets that behave as the forms' hints say: enter moves on.

* :class:`HInput` follows the app's cursor-blink setting (tests and snapshots switch blinking off).
* :class:`HSelect` opens its list with space or up/down; enter on the closed select moves to the next field
  (Textual's Select opens on enter too, so "enter moves on" reopened the Complexity list instead).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, Select

from ..workbench import workbench


class HInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = workbench(self).cursor_blink_enabled


class HSelect(Select[str]):
    BINDINGS = [
        Binding("down,space,up", "show_overlay", "Show menu", show=False),
        Binding("enter", "move_on", "Next field", show=False),
    ]

    def action_move_on(self) -> None:
        self.screen.focus_next()
