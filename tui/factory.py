"""The one way to build a workbench app, used by the ``huiyin`` command and by the tests alike.

:func:`make_app` turns a loaded config (and the command line's overrides) into a :class:`WorkbenchApp`: the
server (remote, or the built-in one started by an :class:`EmbeddedLauncher`), the language, the theme, the
keymap (old binding ids translated), the saved-login file in the state dir. ``testing=True`` is what tests and
snapshots need: no blinking cursor and no animations (a snapshot never catches a tab underline mid-move).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huiyin.core.clock import Clock, SystemClock

from . import config as cfg
from .actions import canonical_keymap
from .app import WorkbenchApp
from .embedded import EmbeddedLauncher
from .i18n import choose_language
from .memory import TokenStore


def make_app(config: cfg.Config | None = None, *, server_url: str | None = None, language: str | None = None,
             theme: str | None = None, clock: Clock | None = None, data_dir: Path | None = None,
             state_dir: Path | None = None, themes_dir: Path | None = None, sample: bool = True,
             testing: bool = False, server_clock: Clock | None = None, app_class: type[WorkbenchApp] = WorkbenchApp,
             launcher: EmbeddedLauncher | None = None, **options: Any) -> WorkbenchApp:
    """A workbench app for ``config`` (the user's config file's values); keyword arguments override it.
    Without a server URL it starts the built-in server (SQLite in ``data_dir``). ``options`` go to
    :class:`WorkbenchApp` (``live``, ``retry_seconds`` ...).

    Time: the workbench tells the server's time (:class:`huiyin.tui.servertime.ServerTime`, from every answer);
    ``server_clock`` is the built-in server's clock (``--clock`` freezes it). ``clock`` makes the workbench read
    a clock of its own instead: only tests that share one clock object with their in-process server do that.
    Saved tokens expire by the wall clock. ``launcher``/``app_class``: the demo player's sandbox and app."""
    config = config or cfg.Config()
    server = server_url or config.server
    if launcher is None and not server:
        launcher = EmbeddedLauncher(data_dir or cfg.data_dir(), clock=server_clock or clock, sample=sample)
    options.setdefault("cursor_blink", not testing)
    app = app_class(
        server_url=server,
        launcher=launcher,
        clock=clock,
        language=choose_language(language, config.language),
        theme=theme or config.theme,
        keymap=canonical_keymap(config.keymap),
        token_store=TokenStore((state_dir or cfg.state_dir()) / "tokens.json", clock or SystemClock()),
        themes_dir=themes_dir,
        **options,
    )
    if testing:
        app.animation_level = "none"
    return app
