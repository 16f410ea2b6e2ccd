"""The server's command line, run as a person would: real processes, real files, real HTTP."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from huiyin.server.storage import db

from .serving import start_serve, stop, wait_healthy

UNITS_OK = """\
[[unit]]
name = "示例区"
tier = "district"
kind = "government"
code = "SL"

[[unit]]
name = "示例区行政服务中心"
tier = "district"
kind = "service_center"
parent = "示例区"

[[unit]]
name = "东街道便民服务中心"
tier = "town"
kind = "service_center"
parent = "示例区"

[[unit]]
name = "东村便民服务站"
tier = "village"
kind = "station"
parent = "东街道便民服务中心"
"""


def huiyin(*args: str, env: dict, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "huiyin.tui.cli.local", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture
def env(tmp_path: Path) -> dict:
    e = dict(os.environ)
    for key in ("HUIYIN_DATABASE_URL",):
        e.pop(key, None)
    e["XDG_DATA_HOME"] = str(tmp_path / "data")
    e["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    e["XDG_STATE_HOME"] = str(tmp_path / "state")
    return e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_no_options_starts_on_an_empty_machine(env, tmp_path):
    port = free_port()
    proc = start_serve("--port", str(port), env=env)
    try:
        health = wait_healthy(proc, port)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        assert (tmp_path / "data" / "huiyin" / "huiyin.db").exists()
    finally:
        stop(proc)


def test_init_sample_then_refuses_a_second_time(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    done = huiyin("init", "--sample", "--database", url, env=env)
    assert done.returncode == 0, done.stderr
    assert "huiyin-sample" in done.stdout
    again = huiyin("init", "--sample", "--database", url, env=env)
    assert again.returncode == 2
    assert "already holds a district" in again.stderr


def test_init_needs_a_choice_and_checks_combinations(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    for args, text in ((["init"], "--district NAME --code CODE"), (["init", "--empty"], "--empty goes with --sample"),
                       (["init", "--sample", "--units", "u.toml"], "exclude"),
                       (["init", "--sample", "--district", "x"], "without a unit file"),
                       (["init", "--district", "示例区", "--code", "Y-B"], "1 to 8 letters")):
        r = huiyin(*args, "--database", url, env=env)
        assert r.returncode == 2 and text in r.stderr, r.stderr


def test_init_units_file_and_first_admin(env, tmp_path):
    units = tmp_path / "units.toml"
    units.write_text(UNITS_OK, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'real.db'}"
    short = huiyin("init", "--units", str(units), "--password-stdin", "--database", url, env=env, stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    made = huiyin("init", "--units", str(units), "--password-stdin", "--database", url, env=env,
                  stdin="a-long-secret\n")
    assert made.returncode == 0, made.stderr
    assert "created 4 units" in made.stdout
    add = huiyin("operator", "add", "dong", "--unit", "东村便民服务站", "--role", "clerk", "--password-stdin",
                 "--database", url, env=env, stdin="another-secret\n")
    assert add.returncode == 0, add.stderr
    dup = huiyin("operator", "add", "dong", "--unit", "东村便民服务站", "--role", "clerk", "--password-stdin",
                 "--database", url, env=env, stdin="another-secret\n")
    assert dup.returncode == 2 and "already an operator" in dup.stderr
    nounit = huiyin("operator", "add", "x", "--unit", "不存在", "--role", "clerk", "--password-stdin",
                    "--database", url, env=env, stdin="another-secret\n")
    assert nounit.returncode == 2 and "no unit called" in nounit.stderr
    pw = huiyin("operator", "passwd", "dong", "--password-stdin", "--database", url, env=env, stdin="third-secret\n")
    assert pw.returncode == 0, pw.stderr

    from huiyin.server.serving.embedded import EmbeddedServer

    with EmbeddedServer(url, sample=False) as srv:
        client = httpx.Client(base_url=srv.base_url)
        assert client.get("/health").json()["sample"] is False
        assert client.get("/api/sample/operators").status_code == 404
        r = client.post("/api/auth/login", json={"username": "admin", "password": "a-long-secret"})
        assert r.status_code == 200 and r.json()["operator"]["unit"]["name"] == "示例区"
        assert r.json()["operator"]["must_change_password"] is False  # init's first admin chose it
        # every change the command line made is in the audit, by the system user who ran it; no password
        audit = client.get("/api/audit", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()["items"]
        actor = f"cli:{getpass.getuser()}"
        assert {e["actor"] for e in audit} == {actor}
        assert [(e["kind"], e["subject"]) for e in reversed(audit)] == [
            ("unit", "示例区"), ("unit", "示例区行政服务中心"), ("unit", "东街道便民服务中心"),
            ("unit", "东村便民服务站"), ("operator", "admin"), ("operator", "dong"), ("operator", "dong")]
        added, changed = audit[1], audit[0]
        assert added["before"] is None and added["after"]["role"] == "clerk" and added["after"]["password"] == "set"
        assert added["after"]["unit"] == "东村便民服务站"
        assert changed["before"] == {k: v for k, v in added["after"].items() if k != "password"}
        assert changed["after"]["password"] == "changed"
        text = str(audit)
        assert "secret" not in text and "argon2" not in text and "hash" not in text
        r = client.post("/api/auth/login", json={"username": "dong", "password": "third-secret"})
        token = r.json()["token"]
        # an admin (here on the command line) set it: dong chooses their own before anything else
        assert r.json()["operator"]["must_change_password"] is True
        assert client.post("/api/me/password", headers={"Authorization": f"Bearer {token}"},
                           json={"current_password": "third-secret", "new_password": "dongs-own"}).status_code == 204
        matter = client.post("/api/matters", headers={"Authorization": f"Bearer {token}"},
                              json={"title": "t", "channel": "walk_in", "resident_name": "r"}).json()
        assert matter["number"].startswith("SL-")


def test_init_a_bare_district_with_its_admin(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    made = huiyin("init", "--district", "江北区", "--code", "jb", "--password-stdin", "--database", url, env=env,
                  stdin="admin-secret-1\n")
    assert made.returncode == 0, made.stderr
    assert "created 1 units and the admin 'admin'" in made.stdout
    from huiyin.server.serving.embedded import EmbeddedServer

    with EmbeddedServer(url, sample=False) as srv:
        r = httpx.post(f"{srv.base_url}/api/auth/login", json={"username": "admin", "password": "admin-secret-1"})
        assert r.status_code == 200 and r.json()["operator"]["unit"]["name"] == "江北区"


def test_operator_commands_refuse_without_a_terminal(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'y.db'}"
    r = huiyin("operator", "passwd", "nobody", "--database", url, env=env, stdin="")
    assert r.returncode != 0 and "--password-stdin" in r.stderr


def test_db_upgrade_and_current(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    head = db.revisions()[-1]
    r = huiyin("db", "upgrade", "--database", url, env=env)
    assert r.returncode == 0 and head in r.stdout
    r = huiyin("db", "current", "--database", url, env=env)
    assert head in r.stdout
    r = huiyin("db", "downgrade", "0001", "--database", url, env=env)
    assert r.returncode == 0 and "revision 0001" in r.stdout, r.stderr


def test_bad_database_url_is_a_message_not_a_traceback(env):
    r = huiyin("db", "upgrade", "--database", "nosuchdb://x", env=env)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.startswith("huiyin:")
    r = huiyin("serve", "--clock", "yesterday", env=env)
    assert r.returncode == 2 and "ISO 8601" in r.stderr


def test_an_unknown_password_hashing_profile_is_a_message(env):
    r = huiyin("serve", env={**env, "HUIYIN_PASSWORD_HASHING": "FASTEST"})
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "huiyin: HUIYIN_PASSWORD_HASHING='FASTEST': must be one of RFC_9106_LOW_MEMORY" in r.stderr


def test_calendar_commands(env, tmp_path):
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    shown = huiyin("calendar", "list", "2026", "--database", url, env=env)
    assert shown.returncode == 0 and "2026-02-14 makeup_workday" in shown.stdout
    unknown = huiyin("calendar", "list", "2027", "--database", url, env=env)
    assert "fallback (guessed)" in unknown.stdout and "warning:" in unknown.stdout

    bad = tmp_path / "2027-bad.txt"
    bad.write_text("year 2027\n2027-01-01 holiday 元旦\n2027-01-01 workday\n01/02/2027 holiday\n", encoding="utf-8")
    refused = huiyin("calendar", "import", str(bad), "--database", url, env=env)
    assert refused.returncode == 2
    assert f"{bad}:3: " in refused.stderr and f"{bad}:4: " in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert "fallback" in huiyin("calendar", "list", "2027", "--database", url, env=env).stdout

    good = tmp_path / "2027.txt"
    good.write_text("year 2027\ncomplete yes\n2027-01-01 holiday 元旦\n2027-02-06 workday 春节调休\n", encoding="utf-8")
    assert huiyin("calendar", "import", str(good), "--database", url, env=env).returncode == 0
    listed = huiyin("calendar", "list", "2027", "--database", url, env=env).stdout
    assert "2027: overrides, complete" in listed and "2027-02-06 makeup_workday  override 春节调休" in listed

    assert huiyin("calendar", "add", "2027-10-01", "holiday", "国庆节", "--database", url, env=env).returncode == 0
    clash = huiyin("calendar", "add", "2027-10-01", "workday", "--database", url, env=env)
    assert clash.returncode == 2 and "already entered as a holiday" in clash.stderr
    for day in ("2027-13-01", "1999-10-01", "27-10-01"):
        r = huiyin("calendar", "add", day, "holiday", "--database", url, env=env)
        assert r.returncode == 2 and "nothing was changed" in r.stderr, r.stderr
    assert huiyin("calendar", "remove", "2027-10-01", "--database", url, env=env).returncode == 0
    again = huiyin("calendar", "remove", "2027-10-01", "--database", url, env=env)
    assert again.returncode == 2 and "no entry of its own" in again.stderr
    exported = huiyin("calendar", "export", "2027", "--database", url, env=env).stdout
    assert exported.startswith("year 2027\ncomplete yes\n") and "2027-02-06 workday 春节调休" in exported
    # each change is audited, by the system user; refused ones are not
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT kind, subject, actor FROM audit_entries ORDER BY id")).all()
    engine.dispose()
    actor = f"cli:{getpass.getuser()}"
    assert [tuple(r) for r in rows] == [("calendar_year", "2027", actor), ("calendar_day", "2027-10-01", actor),
                                        ("calendar_day", "2027-10-01", actor)]


def test_the_huiyin_command_hands_server_commands_over(env):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "import sys; from huiyin.tui.cli import main; sys.exit(main())",
                               *args], capture_output=True, text=True, env=env, timeout=60)

    shown = run("calendar", "list", "2025")
    assert shown.returncode == 0 and "2025-01-26 makeup_workday" in shown.stdout
    unknown = run("frobnicate")
    assert unknown.returncode == 2 and "invalid choice: 'frobnicate'" in unknown.stderr
    assert "serve" in run("serve", "--help").stdout
