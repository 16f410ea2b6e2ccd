"""Inputs that follow the app's cursor-blink setting (tests and snapshots switch blinking off)."""

from __future__ import annotations

from textual.widgets import Input


class HInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink_enabled", True)
