"""``huiyin unit|operator``: the same commands against the database and against a server (``--server URL`` as an
admin), the same lines printed, and a clear message for every bad argument (run in-process, SQLite)."""

from __future__ import annotations

import io

import pytest

from huiyin.tui.cli import main


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_units_and_operators_against_the_database(server, capsys, monkeypatch):
    db = ("--database", server.settings.database_url)
    code, out, _ = run(capsys, monkeypatch, "unit", "add", "新湾村便民服务站", "--parent", "石船镇便民服务中心",
                       "--tier", "village", "--kind", "station", *db)
    assert code == 0 and "added 新湾村便民服务站" in out
    code, out, _ = run(capsys, monkeypatch, "unit", "list", *db)
    line = next(x for x in out.splitlines() if "新湾村便民服务站" in x)
    assert "village" in line and "open=0" in line
    code, out, _ = run(capsys, monkeypatch, "operator", "add", "xinwan", "--unit", "新湾村便民服务站", "--role",
                       "clerk", "--generate", *db)
    assert code == 0 and "password (shown once): " in out
    code, out, err = run(capsys, monkeypatch, "unit", "deactivate", "新湾村便民服务站", *db)
    assert code == 2 and "xinwan" in err and "nothing was changed" in err
    assert run(capsys, monkeypatch, "operator", "disable", "xinwan", *db)[0] == 0
    assert run(capsys, monkeypatch, "unit", "deactivate", "新湾村便民服务站", *db)[0] == 0
    code, out, _ = run(capsys, monkeypatch, "operator", "list", "--unit", "新湾村便民服务站", *db)
    assert "xinwan" in out and "[disabled]" in out
    code, out, err = run(capsys, monkeypatch, "operator", "disable", "admin", *db)
    assert code == 2 and "last active admin" in err


def test_the_same_commands_against_a_server(server, capsys, monkeypatch):
    remote = ("--server", server.base_url, "--admin-user", "admin", "--login-stdin")
    login = "huiyin-sample\n"
    code, out, err = run(capsys, monkeypatch, "unit", "add", "北湖村便民服务站", "--parent", "龙兴镇便民服务中心",
                         "--tier", "village", "--kind", "station", *remote, stdin=login)
    assert code == 0 and "added 北湖村便民服务站" in out, err
    code, out, err = run(capsys, monkeypatch, "unit", "rename", "北湖村便民服务站", "北湖村服务站", *remote,
                         stdin=login)
    assert code == 0 and "renamed 北湖村便民服务站 to 北湖村服务站" in out, err
    code, out, err = run(capsys, monkeypatch, "operator", "add", "beihu", "--unit", "北湖村服务站", "--role", "clerk",
                         "--password-stdin", *remote, stdin=login + "beihu-password\n")
    assert code == 0 and "added beihu" in out, err
    code, out, err = run(capsys, monkeypatch, "operator", "edit", "beihu", "--role", "supervisor", *remote,
                         stdin=login)
    assert code == 0, err
    code, out, _ = run(capsys, monkeypatch, "operator", "list", "--role", "supervisor", *remote, stdin=login)
    assert any(line.startswith("beihu  ") for line in out.splitlines())
    code, out, err = run(capsys, monkeypatch, "operator", "passwd", "beihu", "--generate", *remote, stdin=login)
    assert code == 0 and "password (shown once): " in out, err
    code, out, err = run(capsys, monkeypatch, "unit", "deactivate", "北湖村服务站", *remote, stdin=login)
    assert code == 2 and "beihu" in err  # an active operator stands in the way, named
    code, out, err = run(capsys, monkeypatch, "operator", "disable", "beihu", *remote, stdin=login)
    assert code == 0, err
    # the database path prints the same tree
    code, remote_out, _ = run(capsys, monkeypatch, "unit", "list", *remote, stdin=login)
    code, local_out, _ = run(capsys, monkeypatch, "unit", "list", "--database", server.settings.database_url)
    assert remote_out == local_out


@pytest.mark.parametrize("argv,stdin,message", [
    (["unit", "list", "--server", "ftp://x", "--admin-user", "a", "--login-stdin"], "x\n", "http:// or https://"),
    (["unit", "list", "--admin-user", "admin"], "", "go with --server"),
    (["operator", "edit", "shuanghu"], "", "say what to change"),
    (["operator", "passwd", "x", "--generate", "--password-stdin"], "", "exclude each other"),
    (["unit", "list", "--server", "SERVER", "--login-stdin"], "x\n", "--admin-user"),
    (["unit", "list", "--server", "SERVER", "--admin-user", "admin", "--login-stdin"], "wrong\n",
     "wrong username or password"),
    (["unit", "list", "--server", "SERVER", "--admin-user", "shuanghu", "--login-stdin"], "huiyin-sample\n",
     "not an admin"),
    (["unit", "move", "双湖路社区便民服务站", "--parent", "没有", "--server", "SERVER", "--admin-user", "admin",
      "--login-stdin"], "huiyin-sample\n", "there is no unit called '没有'"),
])
def test_bad_arguments_get_a_clear_message(server, capsys, monkeypatch, argv, stdin, message):
    argv = [server.base_url if a == "SERVER" else a for a in argv]
    code, _out, err = run(capsys, monkeypatch, *argv, stdin=stdin)
    assert code == 2 and message in err, err


def test_a_choice_outside_the_list_is_refused_by_name(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exc:
        run(capsys, monkeypatch, "unit", "add", "x", "--parent", "1", "--tier", "city", "--kind", "station")
    assert exc.value.code == 2 and "invalid choice: 'city'" in capsys.readouterr().err
