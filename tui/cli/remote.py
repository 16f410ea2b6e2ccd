"""Command-line tools that ask a server over HTTP: ``huiyin unit|operator|category ... --server URL`` (an admin) and
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
from huiyin.core.schemas import AdminOperatorOut, AssessmentOut, CategoryOut, UnitOut
from huiyin.tui import export as rx
from huiyin.tui.cli.listing import category_lines, operator_lines, unit_lines


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


#: the code of a :class:`RemoteError` after part of an import was sent
PARTIAL = "partly_imported"


def _categories(client: RemoteClient) -> list[CategoryOut]:
    return [CategoryOut.model_validate(c) for c in client.request("GET", "/api/categories", params={"all": "true"})]


def _category_body(client: RemoteClient, fields: dict[str, Any]) -> dict[str, Any]:
    """The wire body of ``fields`` (``huiyin.tui.cli.local.category_fields``): the default unit as its id."""
    body = {k: v for k, v in fields.items() if k != "default_unit"}
    if "default_unit" in fields:
        ref = fields["default_unit"]
        body["default_unit_id"] = None if ref is None else _unit_id(_units(client), ref)
    return body


def import_categories(client: RemoteClient, entries: list[dict[str, Any]]) -> tuple[int, int]:
    """Send an import file's entries: each new code added (``POST``), each changed one changed (``PATCH``), kinds
    before leaves. The whole file is checked against the server's tree and units first (the checks the database
    path makes), so a bad file sends nothing. Returns (added, changed)."""
    from huiyin.core.categories import CategoryFileError, CategoryInfo, check_import

    have = {c.code: c for c in _categories(client)}
    try:
        check_import((CategoryInfo(c.code, c.name_zh, c.name_en, parent=c.parent, deadline_days=c.deadline_days,
                                   keywords=tuple(c.keywords), description=c.description, active=c.active)
                      for c in have.values()), entries)
    except CategoryFileError as exc:
        raise RemoteError(str(exc)) from None
    units = {u.name: u for u in _units(client)}
    bodies = []
    for entry in sorted(entries, key=lambda e: e["parent"] is not None):
        unit = entry["default_unit"]
        if unit is not None and (unit not in units or not units[unit].active):
            raise RemoteError(f"{entry['code']}: there is no active unit called {unit!r}")
        body = {k: v for k, v in entry.items() if k not in ("default_unit", "default_unit_id")}
        body["default_unit_id"] = units[unit].id if unit is not None else None
        bodies.append(body)
    added = changed = 0
    for body in bodies:
        old = have.get(body["code"])
        patch = {k: v for k, v in body.items() if k != "code" and old is not None and getattr(old, k) != v}
        try:
            if old is None:
                client.request("POST", "/api/categories", body)
                added += 1
            elif patch:
                client.request("PATCH", f"/api/categories/{body['code']}", patch)
                changed += 1
        except RemoteError as exc:  # checked beforehand, so only a change made meanwhile by someone else
            if added + changed == 0:
                raise
            raise RemoteError(f"{body['code']}: {exc}; {added} added and {changed} changed before it (run the "
                              "import again once the cause is fixed)", PARTIAL) from None
    return added, changed


def run_category(client: RemoteClient, args: argparse.Namespace, entries: list[dict[str, Any]]) -> str:
    from huiyin.tui.cli.local import category_fields

    cmd = args.category_command
    if cmd == "list":
        units = {u.id: u.name for u in _units(client)}
        return "\n".join(category_lines(_categories(client), units))
    if cmd == "import":
        added, changed = import_categories(client, entries)
        return f"imported {args.file}: {added} added, {changed} changed"
    if cmd == "deactivate":
        row = client.request("PATCH", f"/api/categories/{args.code}", {"active": bool(args.undo)})
        return f"{'activated' if args.undo else 'deactivated'} {row['code']}"
    body = _category_body(client, category_fields(args))
    if cmd == "add":
        row = client.request("POST", "/api/categories", body)
        return f"added {row['code']} ({row['name_zh']} / {row['name_en']})"
    row = client.request("PATCH", f"/api/categories/{args.code}", body)
    return f"changed {row['code']}"


def run(args: argparse.Namespace) -> int:
    """Carry out ``huiyin unit|operator|category ... --server URL``; 0 when done, 2 with a message on stderr when
    not."""
    entries: list[dict[str, Any]] = []
    if args.command == "category" and args.category_command == "import":
        from huiyin.tui.cli.local import read_category_file

        try:
            entries = read_category_file(args)  # a file that cannot be read is refused before signing in
        except ValueError as exc:
            print(f"huiyin: {exc}; nothing was changed", file=sys.stderr)
            return 2
    try:
        client = cli_login(args.server, args.admin_user, args.login_stdin)
    except RemoteError as exc:
        print(f"huiyin: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "category":
            out = run_category(client, args, entries)
        else:
            out = run_unit(client, args) if args.command == "unit" else run_operator(client, args)
    except RemoteError as exc:
        print(f"huiyin: {exc}" + ("" if exc.code == PARTIAL else "; nothing was changed"), file=sys.stderr)
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
