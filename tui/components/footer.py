"""The footer: the keys the selected matter needs next first, help always.

Order: the workflow actions the core rules allow now (in the order of the actions registry, which is core's
order of actions), then the screen's own keys (open, record, filter, back, save ...), then ``?`` help. Keys
used rarely (sign out, quit, the command palette) come last and are the first left out when the line is too
narrow; then the screen's keys from the last one; help is never left out. Everything left out is still in
help (``?``) and the command palette (ctrl+p).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ..actions import BY_NAME

#: app keys shown only when there is room (help and the palette list them anyway)
RARE = frozenset({"sign_out", "quit", "palette"})
HELP = "help"


def _rank(binding: Binding) -> int:
    spec = BY_NAME.get(binding.id or "")
    if binding.id == HELP:
        return 2
    if binding.id in RARE:
        return 3
    if spec is not None and spec.core is not None:
        return 0
    return 1


def key_width(key_display: str, description: str) -> int:
    """Cells a FooterKey takes: the key with a cell each side, the description and a cell after it."""
    return cell_len(key_display) + 2 + cell_len(description) + 1


class WorkbenchFooter(Footer):
    def __init__(self) -> None:
        super().__init__(show_command_palette=False)
        self._width = 0

    def shown_bindings(self, width: int) -> list[Binding]:
        """The bindings shown at ``width`` cells, in their order."""
        seen: set[str] = set()
        candidates: list[tuple[Binding, bool]] = []
        for _, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action in seen or not (binding.show or binding.id in (HELP, "palette")):
                continue
            seen.add(binding.action)
            candidates.append((binding, enabled))
        ordered = [b for b, _ in sorted(candidates, key=lambda item: _rank(item[0]))]
        widths = {id(b): key_width(self.app.get_key_display(b), b.description) for b in ordered}
        shown = list(ordered)
        # leave out from the end (rare keys, then the screen's, then actions), never help
        for binding in reversed(ordered):
            if sum(widths[id(b)] for b in shown) <= width:
                break
            if binding.id != HELP:
                shown.remove(binding)
        return shown

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._width = width
        enabled = {b.action: e for _, b, e, _t in self.screen.active_bindings.values()}
        for binding in self.shown_bindings(width):
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled.get(binding.action, True)).data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width and self._bindings_ready:
            self.call_after_refresh(self.recompose)
