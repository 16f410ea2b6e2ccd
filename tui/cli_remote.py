"""Command-line tools that ask a server over HTTP (``huiyin report --server URL``), and their login.

:func:`cli_login` signs an operator in for a command (username from ``--user`` or asked; the password from
standard input with ``--password-stdin``, else asked without echo) and returns a synchronous ``httpx.Client``
whose every request carries the token. The report itself is the server's ``GET /api/reports/assessment``,
written by :mod:`huiyin.core.report_export` exactly as the database path writes it.
"""

from __future__ import annotations

import argparse
import getpass
import sys

import httpx

from huiyin.core import report_export as rx
from huiyin.core.assessment import PeriodError
from huiyin.core.schemas import AssessmentOut

TIMEOUT = 60.0


class CliError(Exception):
    """A message for the person at the command line (no traceback)."""


def _server_error(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('message') or body}"
    except ValueError:
        return f"HTTP {response.status_code}"


def cli_login(server: str, username: str | None, password_stdin: bool) -> httpx.Client:
    """Log in at ``server`` and return an ``httpx.Client`` (base URL and bearer token set); :class:`CliError`
    when there is nobody to log in, the server cannot be reached, or it refuses the login."""
    if not username:
        if not sys.stdin.isatty() or password_stdin:
            raise CliError("--user: who logs in? (give --user USERNAME)")
        username = input("username: ").strip()
        if not username:
            raise CliError("no username given")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {username}: ")
    else:
        raise CliError("no terminal to ask for a password; use --password-stdin")
    client = httpx.Client(base_url=server.rstrip("/"), timeout=TIMEOUT)
    try:
        response = client.post("/api/auth/login", json={"username": username, "password": password})
    except httpx.HTTPError as exc:
        client.close()
        raise CliError(f"--server {server}: cannot reach it ({exc.__class__.__name__}: {exc})") from None
    if response.status_code != 200:
        client.close()
        raise CliError(f"login as {username} refused: {_server_error(response)}")
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


def report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huiyin report",
                                     description="the assessment of a period (docs/assessment.md), from a server")
    rx.add_report_arguments(parser)
    parser.add_argument("--server", metavar="URL", required=True, help="the server to ask")
    parser.add_argument("--user", metavar="USERNAME", help="who logs in (a supervisor, commander or admin)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    return parser


def report_main(argv: list[str]) -> int:
    args = report_parser().parse_args(argv)
    try:
        rx.period_of(args)
        rx.check_output(args.format, args.output)
        params = {key: value for key, value in (
            ("from", args.start), ("to", args.end), ("year", args.year), ("quarter", args.quarter),
            ("month", args.month), ("unit", args.unit), ("tier", args.tier), ("group", args.group)) if value}
        client = cli_login(args.server, args.user, args.password_stdin)
        try:
            try:
                response = client.get("/api/reports/assessment", params=params)
            except httpx.HTTPError as exc:
                raise CliError(f"--server {args.server}: no answer ({exc.__class__.__name__})") from None
            if response.status_code != 200:
                fields = ""
                try:
                    fields = ", ".join(f"--{name}" for name in (response.json().get("fields") or {}))
                except ValueError:
                    pass
                raise CliError(f"{fields + ': ' if fields else ''}{_server_error(response)}")
            out = AssessmentOut.model_validate(response.json())
        finally:
            client.close()
        rx.write(rx.render(out, args.format), args.output)
    except (CliError, PeriodError, rx.ReportOutputError) as exc:
        print(f"huiyin: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0
