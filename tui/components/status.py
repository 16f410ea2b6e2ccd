"""A one-line status text that repaints without a layout pass (a ``Static.update`` relayouts the screen, which
costs more than drawing the queue's rows: the row-position line changes at every cursor move)."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = Content("")

    def set(self, content: Content | str) -> None:
        content = Content(content) if isinstance(content, str) else content
        if content.plain != self._content.plain or content != self._content:
            self._content = content
            self.refresh()

    @property
    def plain(self) -> str:
        return self._content.plain

    def render(self) -> Content:
        return self._content
