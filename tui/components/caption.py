"""The demo's caption banner: which step of how many, whose window (operator, unit, tier), the caption for the
audience (zh-CN, and its English line), the keys the script presses as it presses them, and the player's
state (playing at which speed, paused, asking which step to go to) with the trainer's keys, or, once the script
has ended, that the keys are the workbench's again. Docked at the top of every screen while a
demo plays (:mod:`huiyin.tui.demo.player`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

from ..i18n import t


@dataclass
class CaptionState:
    step: int = 0
    total: int = 0
    window: str = ""
    caption: str = ""
    caption_en: str = ""
    keys: str = ""
    status: str = ""
    #: the last line's right part: the trainer's keys while the script plays, what the keys are after it ended
    controls: str = ""


class CaptionBanner(Static):
    DEFAULT_CSS = """
    CaptionBanner { dock: top; height: auto; max-height: 7; padding: 0 1; background: $primary-background;
                    color: $text; border-bottom: solid $primary; }
    """

    def __init__(self, state: CaptionState | None = None) -> None:
        super().__init__("", id="demo-caption")
        self.state = state or CaptionState()

    def on_mount(self) -> None:
        self.show(self.state)

    def show(self, state: CaptionState) -> None:
        self.state = state
        head = [(t("demo.step", n=state.step, total=state.total), "bold reverse")]
        if state.status:
            head += [("  ", ""), (state.status, "bold")]
        if state.window:
            head += [("  ", ""), (state.window, "bold $accent")]
        lines = [Content.assemble(*head)]
        if state.caption:
            lines.append(Content.assemble((state.caption, "bold")))
        if state.caption_en:
            lines.append(Content(state.caption_en))
        lines.append(Content.assemble((t("demo.keys", keys=state.keys or "-"), "italic"), ("   ", ""),
                                      (state.controls, "dim")))
        self.update(Content("\n").join(lines))
