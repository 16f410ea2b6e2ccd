"""The command palette's commands (ctrl+p): every registered action by name, and the themes.

Titles and help are shown as :class:`~textual.content.Content`, never parsed as markup: a key such as ``/``
shows as ``[/]`` and a user theme may be called anything (Textual's own provider parses titles as markup, so
``[/]`` in a title crashed the palette).
"""

from __future__ import annotations

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


def as_is(text: str) -> str:
    """``text`` for a hit's ``help``, shown as it is: Textual parses a str there as markup, a
    :class:`~textual.content.Content` it shows as it is (``Content.from_markup``), though the field says str."""
    return Content(text)  # type: ignore[return-value]  # Textual's help field takes a Content too


class WorkbenchCommands(Provider):
    def _commands(self) -> list[SystemCommand]:
        return list(self.app.get_system_commands(self.screen))

    async def discover(self) -> Hits:
        for title, help_text, callback, discover in sorted(self._commands(), key=lambda c: c[0]):
            if discover:
                yield DiscoveryHit(Content(title), callback, text=title, help=as_is(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback, *_ in self._commands():
            score, offsets = matcher.fuzzy_search.match(matcher.query, title)
            if score > 0:
                display = Content(title)
                for offset in offsets:
                    if not title[offset].isspace():
                        display = display.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, display, callback, text=title, help=as_is(help_text))
