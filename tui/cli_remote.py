"""``huiyin unit|operator ... --server URL``: the admin commands over HTTP, signed in as an admin.

:func:`cli_login` signs in (the admin's username from ``--admin-user`` or asked on the terminal; the password
from the first line of stdin with ``--login-stdin``, else asked without echo) and gives a small synchronous
client; :func:`run` carries out one parsed command (parsed by ``huiyin.server.cli.build_parser``, so both paths
take the same arguments and print the same lines, :mod:`huiyin.core.admin_text`). The token is logged out at the
end; nothing is stored on disk.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

import httpx

from huiyin.core.admin_text import operator_lines, unit_lines
from huiyin.core.schemas import AdminOperatorOut, UnitOut


class RemoteError(Exception):
    """The server refused (its ``code`` and ``message``) or could not be reached."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


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
                raise RemoteError(str(data.get("message") or r.reason_phrase), str(data.get("code") or ""))
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


def cli_login(server: str, username: str | None, password_stdin: bool) -> RemoteClient:
    """Sign in to ``server`` as an admin; raises :class:`RemoteError` with a message a person can act on."""
    if not server.startswith(("http://", "https://")):
        raise RemoteError(f"--server must be an http:// or https:// URL, not {server!r}")
    if username is None:
        if not sys.stdin.isatty() or password_stdin:
            raise RemoteError("say who signs in: --admin-user USERNAME")
        username = input("admin username: ").strip()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password of {username}: ")
    else:
        raise RemoteError("no terminal to ask for the admin's password; use --login-stdin")
    client = RemoteClient(server)
    try:
        data = client.request("POST", "/api/auth/login", {"username": username, "password": password})
    except RemoteError:
        client.close()
        raise
    client.token = data["token"]
    if data["operator"]["role"] != "admin":
        client.close()
        raise RemoteError(f"{username} is not an admin; only an admin may change units and operators",
                          "wrong_role")
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
