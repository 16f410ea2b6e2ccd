"""How long typing a long note takes in an action dialog (run: ``python bench/bench_long_note.py [chars]``).

Starts an embedded server (the sample district), signs the workbench in, opens the escalate dialog and types
a note of 3,000 Chinese characters as a fast typist or a paste would send them (all keys at once, not the
Pilot's one-key-then-wait), then prints the time until the note field holds all of it, with the workbench's
HInput and with Textual's own Input measuring (``Input._position_to_cell`` / ``content_width``), and the ratio.

The cause, found with cProfile: Textual's Input measures the cells of the whole text before the cursor
(``rich.cells.cell_len``, a Python call per Chinese character) three times per key, so the work grows with the
square of the note's length: about 7.7 s for 3,000 characters on the team's box. HInput measures only what
was added since the last key: about 0.65 s, growing with the length.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def type_note(chars: int, textual_measuring: bool) -> float:
    from textual import events
    from textual.widgets import Input

    from huiyin.core.domain import Action
    from huiyin.tui.components.inputs import HInput
    from huiyin.tui.components.queue_table import QueueTable
    from huiyin.tui.screens.action_dialog import ActionDialog
    from huiyin.tui.screens.queue import QueueScreen
    from tests.tui.conftest import SAMPLE_PASSWORD, build_app, start_server

    saved = HInput._position_to_cell, HInput.content_width
    if textual_measuring:
        HInput._position_to_cell, HInput.content_width = Input._position_to_cell, Input.content_width  # type: ignore[method-assign,assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            srv = start_server(Path(tmp) / "bench.db")
            try:
                app = build_app(srv, Path(tmp), "en", live=False)
                async with app.run_test(size=(100, 30)) as pilot:
                    while not getattr(app.screen, "ready", False):
                        await pilot.pause(0.01)
                    await app.login("huixing.center", SAMPLE_PASSWORD)
                    while not (isinstance(app.screen, QueueScreen)
                               and app.screen.query_one(QueueTable).loaded_once):
                        await pilot.pause(0.01)
                    matter = app.screen.query_one(QueueTable).current

                    async def send(body: object) -> None:
                        pass

                    app.push_screen(ActionDialog(matter, Action.escalate, send))
                    await pilot.pause(0.3)
                    note = app.screen.query_one("#f-note", Input)
                    text = ("维修小区路灯" * (chars // 6 + 1))[:chars]
                    started = time.perf_counter()
                    for ch in text:
                        app.post_message(events.Key(ch, ch))
                    while len(note.value) < chars:
                        await asyncio.sleep(0.005)
                    return time.perf_counter() - started
            finally:
                srv.stop()
    finally:
        HInput._position_to_cell, HInput.content_width = saved  # type: ignore[method-assign]


def main() -> None:
    chars = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    ours = asyncio.run(type_note(chars, textual_measuring=False))
    textual = asyncio.run(type_note(chars, textual_measuring=True))
    print(f"typing a {chars:,}-character note: HInput {ours:.2f} s, Textual's Input measuring {textual:.2f} s, "
          f"ratio {textual / ours:.1f}x")


if __name__ == "__main__":
    main()
