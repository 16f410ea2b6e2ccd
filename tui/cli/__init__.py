"""The ``huiyin`` command: the workbench, or (``serve|init|db|operator|calendar``) the server's commands.

``huiyin`` with no server configured starts the embedded server (SQLite in the platformdirs data dir, the
sample district on first run) and talks to it over HTTP; ``huiyin --server URL`` or ``server = "..."`` in the
config file connects to a remote one.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from textual.app import App


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="huiyin",
        description="huiyin window workbench. Server commands: "
                    "huiyin serve|init|db|unit|operator|category|calendar|report --help; "
                    "trainer demos: huiyin demo --help")
    parser.add_argument("--server", metavar="URL", help="connect to this server instead of the built-in one")
    parser.add_argument("--lang", choices=["zh-CN", "en"], help="language of the workbench")
    parser.add_argument("--theme", help="theme name (huiyin, huiyin-light, huiyin-contrast, huiyin-16, or yours)")
    parser.add_argument("--config", type=Path, help="config file (default: the user config dir's config.toml)")
    parser.add_argument("--data-dir", type=Path, help="where the built-in server keeps its database")
    parser.add_argument("--clock", metavar="ISO_TIME",
                        help="freeze the clock at this time, e.g. 2026-03-05T10:00+08:00 (training, demos)")
    parser.add_argument("--no-sample", action="store_true", help="built-in server without the sample district")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "demo":  # trainer demo mode: a scenario on a throw-away sandbox
        from huiyin.tui.demo.command import main as demo_main

        return demo_main(argv[1:])
    if argv and argv[0] == "report" and any(a == "--server" or a.startswith("--server=") for a in argv[1:]):
        from huiyin.tui.cli.remote import (
            report_main,  # the report asked of a server over HTTP (a client, like the workbench)
        )

        return report_main(argv[1:])
    if argv and not argv[0].startswith("-"):
        # the workbench takes no positional arguments: a word first is a server command (serve, init, ...),
        # and the server's command line names the ones it knows when the word is none of them
        from huiyin.tui.cli.local import main as server_main  # lazy: the workbench alone does not need it

        remote = any(a == "--server" or a.startswith("--server=") for a in argv)
        if argv[0] in ("unit", "operator", "category") and remote:
            return _remote_admin(argv)
        return int(server_main(argv) or 0)
    args = build_parser().parse_args(argv)

    from huiyin.core.clock import parse_clock
    from huiyin.tui import config as cfg
    from huiyin.tui.actions import binding_ids

    try:
        conf = cfg.load_config(args.config)
    except cfg.ConfigError as exc:
        print(f"huiyin: config error in {exc}", file=sys.stderr)
        return 2
    unknown = sorted(set(conf.keymap) - binding_ids() - _widget_binding_ids())
    if unknown and conf.path is not None:
        text = conf.path.read_text(encoding="utf-8")
        line = cfg._line_of(text, unknown[0])
        error = cfg.ConfigError(conf.path, line, f"unknown binding id {unknown[0]!r} in [keymap]")
        print(f"huiyin: config error in {error}\n  (the help screen, key ?, lists every binding id)", file=sys.stderr)
        return 2
    try:
        spec = args.clock or os.environ.get("HUIYIN_CLOCK")
        clock = parse_clock(spec) if spec else None
    except ValueError as exc:
        print(f"huiyin: --clock: {exc}", file=sys.stderr)
        return 2
    if args.clock and (args.server or conf.server):
        # the server's clock is the truth: the workbench tells the time its server says
        print("huiyin: --clock freezes the built-in server's clock; a remote server keeps its own", file=sys.stderr)
        return 2

    from huiyin.tui.factory import make_app

    app = make_app(conf, server_url=args.server, language=args.lang, theme=args.theme, server_clock=clock,
                   data_dir=args.data_dir, sample=not args.no_sample, themes_dir=cfg.user_themes_dir())
    _exit_on_hangup(app)
    app.run()
    return int(app.return_code or 0)


#: after a hang-up, how long the workbench may take to stop its server and close down before it is ended hard
HANGUP_GRACE_SECONDS = 3.0


def _exit_on_hangup(app: App[Any]) -> None:
    """When the terminal goes away (an SSH connection drops: SIGHUP), leave cleanly: the app exits (the built-in
    server stops with it), and if that cannot finish (nothing to write the screen to any more) the process ends
    anyway after :data:`HANGUP_GRACE_SECONDS`, so nothing is left behind."""
    import signal
    import threading

    if not hasattr(signal, "SIGHUP"):  # pragma: no cover - Windows
        return

    def hangup(_signum: int, _frame: object) -> None:
        timer = threading.Timer(HANGUP_GRACE_SECONDS, os._exit, args=(129,))
        timer.daemon = True
        timer.start()
        try:
            app.exit(return_code=129)
        except Exception:  # noqa: BLE001 - the app is half gone: end now
            os._exit(129)

    signal.signal(signal.SIGHUP, hangup)


def _remote_admin(argv: list[str]) -> int:
    """``huiyin unit|operator|category ... --server URL``: parsed like the database commands, carried out over HTTP."""
    from huiyin.tui.cli import remote as cli_remote
    from huiyin.tui.cli.local import build_parser as server_parser
    from huiyin.tui.cli.local import check_admin_args

    args = server_parser().parse_args(argv)
    problem = check_admin_args(args)
    if problem:
        print(f"huiyin: {problem}", file=sys.stderr)
        return 2
    return cli_remote.run(args)


def _widget_binding_ids() -> set[str]:
    from textual.binding import Binding

    from huiyin.tui.components.queue_table import QueueTable
    from huiyin.tui.screens.action_dialog import ActionDialog
    from huiyin.tui.screens.record import RecordScreen

    out: set[str] = set()
    for cls in (QueueTable, RecordScreen, ActionDialog):
        for b in cls.BINDINGS:
            if isinstance(b, Binding) and b.id:
                out.add(b.id)
    return out


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
