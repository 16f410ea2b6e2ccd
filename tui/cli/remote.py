"""Command-line tools that ask a server over HTTP: ``huiyin unit|operator ... --server URL`` (an admin) and
``huiyin report --server URL`` (a supervisor, commander or admin).

:func:`cli_login` signs in (the username from ``--admin-user`` / ``--user`` or asked on the terminal; the
password from the first line of stdin with ``--login-stdin`` / ``--password-stdin``, else asked without echo)
and gives a small synchronous client. :func:`run` carries out one parsed admin command (parsed by
``huiyin.tui.cli.local.build_parser``, so both paths take the same arguments and print the same lines,
:mod:`huiyin.tui.cli.listing`); :func:`report_main` asks ``GET /api/reports/assessment`` and writes it with
:mod:`huiyin.tui.export` exactly as the database path does. The token is logged out at the end;
nothing is stored on disk.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

import httpx

from huiyin.core.assessment import PeriodError
from huiyin.core.schemas import AdminOperatorOut, AssessmentOut, UnitOut
from huiyin.tui import export as rx
from huiyin.tui.cli.listing import operator_lines, unit_lines


class RemoteError(Exception):
    """The server refused (its ``code`` and ``message``) or could not be reached."""

    def __init__(self, message: str, code: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        #: the request's fields at fault (a 422), by name
        self.fields = fields or {}


class RemoteClient:
    """One signed-in admin on one server; every call raises :class:`RemoteError` on a refusal."""

    def __init__(self, server: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        self.server = server.rstrip("/")
        self.http = httpx.Client(base_url=self.server, timeout=timeout, headers={"Accept": "application/json"})
        self.token = token

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            r = self.http.request(method, path, json=body, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach {self.server}: {exc}") from None
        if r.status_code >= 400:
            try:
                data = r.json()
                raise RemoteError(str(data.get("message") or r.reason_phrase), str(data.get("code") or ""),
                                  data.get("fields") or None)
            except ValueError:
                raise RemoteError(f"{self.server} answered {r.status_code} {r.reason_phrase}") from None
        return r.json() if r.content else None

    def close(self) -> None:
        if self.token:
            try:
                self.request("POST", "/api/auth/logout")
            except RemoteError:
                pass
            self.token = None
        self.http.close()


def cli_login(server: str, username: str | None, password_stdin: bool, *,
              roles: frozenset[str] | None = frozenset({"admin"}), user_flag: str = "--admin-user",
              stdin_flag: str = "--login-stdin") -> RemoteClient:
    """Sign in to ``server`` as an operator of one of ``roles`` (``None``: any; the server decides); raises
    :class:`RemoteError` with a message a person can act on (``user_flag`` / ``stdin_flag``: the command's own names
    for who and how)."""
    if not server.startswith(("http://", "https://")):
        raise RemoteError(f"--server must be an http:// or https:// URL, not {server!r}")
    if username is None:
        if not sys.stdin.isatty() or password_stdin:
            raise RemoteError(f"say who signs in: {user_flag} USERNAME")
        username = input("username: ").strip()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password of {username}: ")
    else:
        raise RemoteError(f"no terminal to ask for the password; use {stdin_flag}")
    client = RemoteClient(server)
    try:
        data = client.request("POST", "/api/auth/login", {"username": username, "password": password})
    except RemoteError as exc:
        client.close()
        raise RemoteError(f"login as {username} refused: {exc}", exc.code) from None
    client.token = data["token"]
    if roles is not None and data["operator"]["role"] not in roles:
        client.close()
        wanted = "an admin" if roles == {"admin"} else "one of " + ", ".join(sorted(roles))
        raise RemoteError(f"{username} is not {wanted}; only {wanted} may run this command", "wrong_role")
    return client


def _units(client: RemoteClient) -> list[UnitOut]:
    return [UnitOut.model_validate(u) for u in client.request("GET", "/api/units")]


def _unit_id(units: list[UnitOut], ref: str) -> int:
    """A unit by id or exact name, as the database path finds it."""
    for unit in units:
        if (ref.isdigit() and unit.id == int(ref)) or unit.name == ref.strip():
            return unit.id
    what = f"with id {ref}" if ref.isdigit() else f"called {ref.strip()!r}"
    raise RemoteError(f"there is no unit {what}", "unit_not_found")


def _password(args: argparse.Namespace) -> str | None:
    if args.generate:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise RemoteError("no terminal to ask for the new password; use --password-stdin or --generate")
    first, second = getpass.getpass("new password: "), getpass.getpass("again: ")
    if first != second:
        raise RemoteError("the two passwords differ")
    return first


def run_unit(client: RemoteClient, args: argparse.Namespace) -> str:
    units = _units(client)
    if args.unit_command == "list":
        return "\n".join(unit_lines(units))
    if args.unit_command == "add":
        body = {"name": args.name, "tier": args.tier, "kind": args.kind, "parent_id": _unit_id(units, args.parent)}
        unit = UnitOut.model_validate(client.request("POST", "/api/units", body))
        return f"added {unit.name} (id {unit.id})"
    unit_id = _unit_id(units, args.unit)
    old = next(u for u in units if u.id == unit_id)
    if args.unit_command == "move":
        patch: dict[str, Any] = {"parent_id": _unit_id(units, args.parent)}
        if args.tier:
            patch["tier"] = args.tier
        done = "moved {name}"
    elif args.unit_command == "rename":
        patch, done = {"name": args.new_name}, f"renamed {old.name} to {{name}}"
    else:
        patch, done = {"active": bool(args.undo)}, ("activated {name}" if args.undo else "deactivated {name}")
    unit = UnitOut.model_validate(client.request("PATCH", f"/api/units/{unit_id}", patch))
    return done.format(name=unit.name)


def run_operator(client: RemoteClient, args: argparse.Namespace) -> str:
    cmd = args.op_command
    if cmd == "list":
        params: dict[str, Any] = {}
        if args.unit:
            params["unit_id"] = _unit_id(_units(client), args.unit)
        if args.role:
            params["role"] = args.role
        rows = [AdminOperatorOut.model_validate(o) for o in client.request("GET", "/api/operators", params=params)]
        return "\n".join(operator_lines(rows))
    name = args.username
    if cmd == "add":
        password = _password(args)
        body = {"username": name, "role": args.role, "unit_id": _unit_id(_units(client), args.unit),
                "display_name": args.display_name, "password": password}
        made = client.request("POST", "/api/operators", body).get("password")
        return f"added {name} ({args.role})" + (f"\npassword (shown once): {made}" if made else "")
    if cmd == "passwd":
        made = client.request("POST", f"/api/operators/{name}/password", {"password": _password(args)}).get("password")
        return f"changed the password of {name}" + (f"\npassword (shown once): {made}" if made else "")
    if cmd == "disable":
        client.request("PATCH", f"/api/operators/{name}", {"disabled": True})
        return f"disabled {name}; their sessions have ended"
    patch: dict[str, Any] = {}
    if args.display_name:
        patch["display_name"] = args.display_name
    if args.unit:
        patch["unit_id"] = _unit_id(_units(client), args.unit)
    if args.role:
        patch["role"] = args.role
    if args.enable:
        patch["disabled"] = False
    client.request("PATCH", f"/api/operators/{name}", patch)
    return f"changed {name}"


def run(args: argparse.Namespace) -> int:
    """Carry out ``huiyin unit|operator ... --server URL``; 0 when done, 2 with a message on stderr when not."""
    try:
        client = cli_login(args.server, args.admin_user, args.login_stdin)
    except RemoteError as exc:
        print(f"huiyin: {exc}", file=sys.stderr)
        return 2
    try:
        out = run_unit(client, args) if args.command == "unit" else run_operator(client, args)
    except RemoteError as exc:
        print(f"huiyin: {exc}; nothing was changed", file=sys.stderr)
        return 2
    finally:
        client.close()
    print(out)
    return 0


def report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huiyin report",
                                     description="the assessment of a period (docs/assessment.md), from a server")
    rx.add_report_arguments(parser)
    parser.add_argument("--server", metavar="URL", required=True, help="the server to ask")
    parser.add_argument("--user", metavar="USERNAME", help="who logs in (a supervisor, commander or admin)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    return parser


def report_main(argv: list[str]) -> int:
    """``huiyin report --server URL ...``: 0 when written, 2 with a message on stderr when not."""
    args = report_parser().parse_args(argv)
    try:
        rx.period_of(args)
        rx.check_output(args.format, args.output)
        params = {key: value for key, value in (
            ("from", args.start), ("to", args.end), ("year", args.year), ("quarter", args.quarter),
            ("month", args.month), ("unit", args.unit), ("tier", args.tier), ("group", args.group)) if value}
        client = cli_login(args.server, args.user, args.password_stdin, roles=None, user_flag="--user",
                           stdin_flag="--password-stdin")
        try:
            try:
                data = client.request("GET", "/api/reports/assessment", params=params)
            except RemoteError as exc:
                fields = ", ".join(f"--{name}" for name in exc.fields)
                raise RemoteError(f"{fields + ': ' if fields else ''}{exc}", exc.code) from None
        finally:
            client.close()
        rx.write(rx.render(AssessmentOut.model_validate(data), args.format), args.output)
    except (RemoteError, PeriodError, rx.ReportOutputError) as exc:
        print(f"huiyin: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0
