"""The layering is a checked contract, not prose: ``[tool.importlinter]`` in pyproject.toml, run here.

core imports nothing of ours and no framework; the server never imports the workbench; the workbench reaches the
server only to launch it (``huiyin.tui.embedded``) and to hand it CLI commands (``huiyin.tui.cli``); the server's
rooms are layers, each importing only those below it: serving (the composition root: app, run, embedded) > api
(routes and their dependencies) > reports | district (independent of each other) > state (the server context, the
login throttle) > matters (workflow, queues, views, event log, live feed) > storage (engines, models, migrations,
assessment facts, stored rules) > base (settings, API errors, hashing); in the workbench, the session, its live
feed and its client import no Textual (they are tested alone), and screens and widgets never import the app; and
no package has an import circle, lazy
imports inside functions and under ``if TYPE_CHECKING:`` included, inside every room as well (the matter workflows
name a protocol of their own, ``MatterContext``, not the server context they are handed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "BROKEN" not in run.stdout
