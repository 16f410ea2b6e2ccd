"""``huiyin category``: list, add, edit, deactivate and import (TOML and CSV), against the database and against a
server (``--server URL`` as an admin), the same lines printed; a bad file is refused with a clear message and
changes nothing (run in-process, SQLite)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from huiyin.tui.cli import main

LOGIN = "huiyin-sample\n"


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """A server of this module's own: its tree changes."""
    return start_server(own=True)


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def listing(capsys, monkeypatch, server) -> str:
    code, out, err = run(capsys, monkeypatch, "category", "list", "--database", server.settings.database_url)
    assert code == 0, err
    return out


def test_add_edit_deactivate_against_the_database(server, capsys, monkeypatch):
    db = ("--database", server.settings.database_url)
    code, out, err = run(capsys, monkeypatch, "category", "add", "roads.bridges", "--parent", "roads", "--name-zh",
                         "桥梁", "--name-en", "Bridges", "--keywords", "桥;桥梁", "--deadline", "2",
                         "--default-unit", "区交委", *db)
    assert code == 0 and "added roads.bridges (桥梁 / Bridges)" in out, err
    line = next(x for x in listing(capsys, monkeypatch, server).splitlines() if "roads.bridges" in x)
    assert line == "  roads.bridges  桥梁  Bridges  days=2  unit=区交委"
    code, out, err = run(capsys, monkeypatch, "category", "edit", "roads.bridges", "--name-zh", "桥梁隧道",
                         "--no-default-unit", "--parent", "transport", *db)
    assert code == 0 and "changed roads.bridges" in out, err
    code, out, err = run(capsys, monkeypatch, "category", "deactivate", "roads.bridges", *db)
    assert code == 0 and "deactivated roads.bridges" in out, err
    line = next(x for x in listing(capsys, monkeypatch, server).splitlines() if "roads.bridges" in x)
    assert line == "  roads.bridges  桥梁隧道  Bridges  days=2  [inactive]"
    code, _out, err = run(capsys, monkeypatch, "category", "add", "roads.bridges", "--name-zh", "桥", "--name-en",
                          "B", *db)
    assert code == 2 and "already a category" in err and "nothing was changed" in err
    code, _out, err = run(capsys, monkeypatch, "category", "deactivate", "roads", *db)
    assert code == 2 and "roads.surface" in err


def test_import_toml_and_csv_add_and_update_and_say_how_many(server, capsys, monkeypatch, tmp_path: Path):
    db = ("--database", server.settings.database_url)
    toml = tmp_path / "mine.toml"
    toml.write_text('[[category]]\ncode = "pets"\nname_zh = "宠物"\nname_en = "Pets"\nkeywords = ["猫", "狗"]\n\n'
                    '[[category]]\ncode = "pets.dogs"\nparent = "pets"\nname_zh = "犬只"\nname_en = "Dogs"\n'
                    'deadline_days = 2\ndefault_unit = "区城市管理局"\n', encoding="utf-8")
    code, out, err = run(capsys, monkeypatch, "category", "import", str(toml), *db)
    assert code == 0 and "2 added, 0 changed" in out, err
    assert run(capsys, monkeypatch, "category", "import", str(toml), *db)[1].endswith("0 added, 0 changed\n")
    csv = tmp_path / "mine.csv"
    csv.write_text("code,parent,name_zh,name_en,keywords,deadline_days,default_unit\n"
                   "pets.dogs,pets,犬只管理,Dogs,狗;犬,1,\npets.cats,pets,猫,Cats,猫,3,\n", encoding="utf-8-sig")
    code, out, err = run(capsys, monkeypatch, "category", "import", str(csv), *db)
    assert code == 0 and "1 added, 1 changed" in out, err
    lines = listing(capsys, monkeypatch, server).splitlines()
    assert "  pets.dogs  犬只管理  Dogs  days=1" in lines and "  pets.cats  猫  Cats  days=3" in lines
    # the sample's own file imports onto the sample district without a change
    sample = Path(__file__).parents[2] / "server" / "district" / "categories.toml"
    code, out, err = run(capsys, monkeypatch, "category", "import", str(sample), *db)
    assert code == 0 and "0 added" in out, err


BAD_FILES = [
    ("bad.toml", "[[category]\ncode = 'x'", "not a TOML file"),
    ("bad.toml", "title = 'x'", "[[category]]"),
    ("bad.csv", "code,name_zh\nx,甲\n", "missing: name_en"),
    ("bad.csv", "code,name_zh,name_en\n", "no categories"),
    ("bad.csv", "code,name_zh,name_en,colour\nx,甲,X,red\n", "unknown field(s) colour"),
    ("bad.csv", "code,name_zh,name_en\nnew.one,甲,A\na b,乙,B\n", "entry 2 (a b): code"),
    ("bad.csv", "code,parent,name_zh,name_en\nnew.two,,甲,A\nnew.three,nowhere,乙,B\n", "no category 'nowhere'"),
    ("bad.csv", "code,parent,name_zh,name_en\nnew.four,facilities.lights,甲,A\n", "not a top-level kind"),
    ("bad.csv", "code,name_zh,name_en\nnew.five,甲,A\nnew.five,乙,B\n", "more than once"),
    ("bad.csv", "code,name_zh,name_en,deadline_days\nnew.six,甲,A,0\n", "deadline_days"),
    ("bad.csv", "code,name_zh,name_en,default_unit\nnew.seven,甲,A,没有的单位\n", "no active unit called '没有的单位'"),
]


@pytest.mark.parametrize("name,text,message", BAD_FILES, ids=[m for _n, _t, m in BAD_FILES])
def test_a_bad_file_is_refused_clearly_and_nothing_is_written(server, capsys, monkeypatch, tmp_path: Path,
                                                              name: str, text: str, message: str):
    before = listing(capsys, monkeypatch, server)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, _out, err = run(capsys, monkeypatch, "category", "import", str(path), "--database",
                          server.settings.database_url)
    assert code == 2 and message in err and "nothing was changed" in err, err
    code, _out, err = run(capsys, monkeypatch, "category", "import", str(path), "--server", server.base_url,
                          "--admin-user", "admin", "--login-stdin", stdin=LOGIN)
    assert code == 2 and message in err and "nothing was changed" in err, err
    assert listing(capsys, monkeypatch, server) == before
    code, _out, err = run(capsys, monkeypatch, "category", "import", str(tmp_path / "missing.toml"), "--database",
                          server.settings.database_url)
    assert code == 2 and "cannot read" in err


def test_the_same_commands_against_a_server(server, capsys, monkeypatch, tmp_path: Path):
    remote = ("--server", server.base_url, "--admin-user", "admin", "--login-stdin")
    code, out, err = run(capsys, monkeypatch, "category", "add", "water", "--name-zh", "供水", "--name-en", "Water",
                         "--default-unit", "区城市管理局", *remote, stdin=LOGIN)
    assert code == 0 and "added water (供水 / Water)" in out, err
    code, out, err = run(capsys, monkeypatch, "category", "edit", "water", "--deadline", "1", "--keywords", "停水",
                         *remote, stdin=LOGIN)
    assert code == 0 and "changed water" in out, err
    csv = tmp_path / "water.csv"
    csv.write_text("code,parent,name_zh,name_en,keywords\nwater.outage,water,停水,Water outages,停水;断水\n"
                   "water,,供水服务,Water,停水\n", encoding="utf-8")
    code, out, err = run(capsys, monkeypatch, "category", "import", str(csv), *remote, stdin=LOGIN)
    assert code == 0 and "1 added, 1 changed" in out, err
    code, out, err = run(capsys, monkeypatch, "category", "deactivate", "water", *remote, stdin=LOGIN)
    assert code == 2 and "water.outage" in err and "nothing was changed" in err
    code, out, err = run(capsys, monkeypatch, "category", "edit", "nothing.here", "--deadline", "2", *remote,
                         stdin=LOGIN)
    assert code == 2 and "no category 'nothing.here'" in err
    code, remote_out, _ = run(capsys, monkeypatch, "category", "list", *remote, stdin=LOGIN)
    assert remote_out == listing(capsys, monkeypatch, server)
    # a file's entry is the whole category: what it leaves out takes the default (3 days, no default unit)
    assert "water  供水服务  Water  days=3" in remote_out.splitlines()


@pytest.mark.parametrize("argv,message", [
    (["category", "edit", "roads"], "say what to change"),
    (["category", "edit", "roads", "--parent", "x", "--top-level"], "exclude each other"),
    (["category", "list", "--admin-user", "admin"], "go with --server"),
])
def test_bad_arguments_get_a_clear_message(server, capsys, monkeypatch, argv, message):
    code, _out, err = run(capsys, monkeypatch, *argv, "--database", server.settings.database_url)
    assert code == 2 and message in err, err
