"""The header line: who is at this window (operator, unit, tier) and the time, from the injected clock."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from huiyin.core.deadlines import DeadlinePolicy

from ..i18n import t


class HeaderBar(Static):
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.refresh_text()
        self.set_interval(30, self.refresh_text)

    def refresh_text(self) -> None:
        app = self.app
        operator = getattr(app, "operator", None)
        left = t("app.name")
        if operator is not None:
            left = t("header.operator", app=t("app.name"), name=operator.display_name, username=operator.username,
                     unit=operator.unit.name, tier=t(f"tier.{operator.tier}"), role=t(f"role.{operator.role}"))
        now = app.clock.now().astimezone(DeadlinePolicy().tz).strftime("%m-%d %H:%M")
        width = max(self.size.width - 2, 0)
        gap = width - cell_len(left) - cell_len(now)
        self.update(Content(f"{left}{' ' * gap}{now}" if gap >= 1 else left))

    def on_resize(self) -> None:
        self.refresh_text()
