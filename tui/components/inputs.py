"""Form widgets that behave as the forms' hints say: enter moves on.

* :class:`HInput` follows the app's cursor-blink setting (tests and snapshots switch blinking off), and types
  a long note as fast as a short one: Textual's Input measures the cells of the whole text before the cursor
  (``rich.cells.cell_len``, one Python call per character for Chinese) several times per key, so typing
  3,000 characters cost about 4.5 million character measurements (7.7 s of CPU, profiled with cProfile;
  ``bench/bench_long_note.py``). HInput remembers the measured prefix and measures only what was added.
* :class:`HSelect` opens its list with space or up/down; enter on the closed select moves to the next field
  (Textual's Select opens on enter too, so "enter moves on" reopened the Complexity list instead).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.binding import Binding
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Checkbox, Input, Select

from ..workbench import workbench


class _Measured:
    """The width in cells of a text that grows or shrinks at its end, measuring only the difference."""

    def __init__(self) -> None:
        self.text, self.cells = "", 0

    def __call__(self, text: str) -> int:
        if "\t" in text:  # tab stops depend on the column: measure it all
            cells = cell_len(expand_tabs_inline(text, 4))
        elif text.startswith(self.text):
            cells = self.cells + cell_len(text[len(self.text):])
        elif self.text.startswith(text):
            cells = self.cells - cell_len(self.text[len(text):])
        else:
            cells = cell_len(text)
        self.text, self.cells = text, cells
        return cells


class HInput(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prefix_cells = _Measured()
        self._value_cells = _Measured()

    def on_mount(self) -> None:
        self.cursor_blink = workbench(self).cursor_blink_enabled

    def _position_to_cell(self, position: int) -> int:
        """The cell offset of ``position`` (Input's own answer, without measuring the whole prefix)."""
        return self._prefix_cells(self.value[:position])

    @property
    def content_width(self) -> int:
        if self.password or (self.placeholder and not self.value):
            return super().content_width
        return self._value_cells(self.value) + 1  # and a cell for the cursor at the end


class HSelect(Select[Any]):
    BINDINGS = [
        Binding("down,space,up", "show_overlay", "Show menu", show=False),
        Binding("enter", "move_on", "Next field", show=False),
    ]

    def action_move_on(self) -> None:
        self.screen.focus_next()


class HCheckbox(Checkbox):
    """A checkbox whose mark says on or off by itself (``X`` or blank), not by colour alone: at 16 colours over
    SSH Textual's checkbox shows the same ``X`` both ways."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # read-only: the mark follows the value  # noqa: N802
        return "X" if self.value else " "
