"""The header line: who is at this window (operator, unit, tier), how many of the matters the unit must act on
are at risk or overdue (glyph, count and theme colour: ``! 2 at risk  X 1 overdue``), and the time, from the
injected clock in the district's time zone."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.widgets import Static

from huiyin.core.deadlines import Urgency

from ..i18n import t
from ..timeleft import URGENCY_GLYPH, URGENCY_VARIABLE
from ..workbench import workbench


class HeaderBar(Static):
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self._shown: tuple[object, ...] | None = None
        self.refresh_text()

    def _urgent(self) -> list[tuple[str, str]]:
        app = workbench(self)
        counts = app.session.counts
        if counts is None or app.session.operator is None:
            return []
        parts = []
        for urgency, key, count in ((Urgency.at_risk, "header.at_risk", counts.urgent_at_risk),
                                    (Urgency.overdue, "header.overdue", counts.urgent_overdue)):
            style = f"bold ${URGENCY_VARIABLE[urgency]}" if count else ""
            parts.append((t(key, glyph=URGENCY_GLYPH[urgency], count=count), style))
        return parts

    def refresh_text(self) -> None:
        """Draw again if anything shown changed (cheap enough to call every second)."""
        app = workbench(self)
        operator = app.session.operator
        lefts = [t("app.name")]
        if operator is not None:
            values = dict(app=t("app.name"), name=operator.display_name, username=operator.username,
                          unit=operator.unit.name, tier=t(f"tier.{operator.tier}"), role=t(f"role.{operator.role}"))
            lefts = [t(key, **values) for key in ("header.operator", "header.operator_medium", "header.operator_short")]
        tz = app.session.rules.policy.tz
        now = app.session.clock.now().astimezone(tz).strftime("%m-%d %H:%M")
        urgent = self._urgent()
        width = max(self.size.width - 2, 0)
        key = (lefts[0], tuple(urgent), now, width)
        if key == getattr(self, "_shown", None):
            return
        self._shown = key
        right: list[str | tuple[str, str]] = []
        for text, style in urgent:
            right.extend([(text, style), "  "])
        right.append(now)
        right_w = sum(cell_len(p if isinstance(p, str) else p[0]) for p in right)
        room = width - right_w - 2
        if room < 8:  # very narrow: the counts and the time matter more than the name
            self.update(Content.assemble(*right))
            return
        # the fullest form of who is at the window that fits, else the shortest one cut
        left = next((text for text in lefts if cell_len(text) <= room), lefts[-1])
        if cell_len(left) > room:
            left = set_cell_size(left, room - 1) + "~"
        gap = width - cell_len(left) - right_w
        self.update(Content.assemble(left, " " * max(gap, 1), *right))

    def on_resize(self) -> None:
        self.refresh_text()
