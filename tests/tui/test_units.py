"""Small pieces of the workbench that need no server: config errors, catalogs, themes, tokens, countdown words."""

from __future__ import annotations

import os
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from huiyin.core.clock import ManualClock
from huiyin.themes import builtin_themes, user_themes
from huiyin.tui import cli
from huiyin.tui.actions import REGISTRY, WORKFLOW_KEYS
from huiyin.tui.config import ConfigError, load_config
from huiyin.tui.i18n import choose_language, load_catalog, set_language
from huiyin.tui.session import TokenStore
from huiyin.tui.timeleft import time_left

from .conftest import FROZEN_NOW

TUI = Path(__file__).resolve().parents[2] / "tui"


def test_catalogs_have_the_same_keys_and_every_literal_key_used() -> None:
    en, zh = load_catalog("en"), load_catalog("zh-CN")
    assert set(en) == set(zh)
    used = set()
    for path in TUI.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*"([a-z_]+\.[a-z_0-9.]+)\"""", path.read_text(encoding="utf-8")))
    used |= {spec.label for spec in REGISTRY}
    assert used - set(en) == set()
    for text in zh.values():
        assert "…" not in text and "“" not in text and "”" not in text


def test_every_action_has_one_key_and_an_id() -> None:
    keys = [spec.key for spec in REGISTRY if spec.scope in ("matter", "queue", "app")]
    assert len(keys) == len(set(keys))
    assert all(spec.binding().id == spec.name for spec in REGISTRY)
    assert len(set(WORKFLOW_KEYS.values())) == len(WORKFLOW_KEYS)


def test_config_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('server = "http://x:8000"\nlanguage = zh\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and "line 2" in str(err.value)
    path.write_text('theme = "huiyin-light"\n\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="line 3"):
        load_config(path)
    path.write_text('server = "ftp://x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_config(path)
    path.write_text('language = "en"\n[keymap]\nclaim = "k"\n', encoding="utf-8")
    conf = load_config(path)
    assert conf.language == "en" and conf.keymap == {"claim": "k"}


def test_cli_reports_a_bad_keymap_id_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\nclaim = "k"\nclaimm = "j"\n', encoding="utf-8")
    assert cli.main(["--config", str(path)]) == 2
    assert f"{path}, line 3" in capsys.readouterr().err


def test_language_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert choose_language(None, None) == "en"
    assert choose_language(None, "zh-CN") == "zh-CN"
    assert choose_language("en", "zh-CN") == "en"


def test_themes_ship_four_and_users_add_theirs(tmp_path: Path) -> None:
    names = {th.name for th in builtin_themes()}
    assert {"huiyin", "huiyin-light", "huiyin-contrast", "huiyin-16"} <= names
    (tmp_path / "mine.toml").write_text('name = "mine"\nprimary = "#123456"\n', encoding="utf-8")
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimry = "#123456"\n', encoding="utf-8")
    found, problems = user_themes(tmp_path)
    assert [th.name for th in found] == ["mine"]
    assert len(problems) == 1 and "bad.toml" in problems[0]


def test_tokens_are_private_and_expire(tmp_path: Path) -> None:
    clock = ManualClock(FROZEN_NOW)
    store = TokenStore(tmp_path / "state" / "tokens.json", clock)
    store.save("http://s", "shuanghu", "tok", FROZEN_NOW + timedelta(hours=8))
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.token("http://s") == ("shuanghu", "tok")
    clock.advance(timedelta(hours=9))
    assert store.token("http://s") is None


def test_countdown_words() -> None:
    set_language("zh-CN")
    now = FROZEN_NOW  # Thursday 10:00 in Chongqing
    assert time_left(now + timedelta(hours=5), now).label() == "剩5小时"
    assert time_left(now + timedelta(hours=5), now).glyph == "!"
    overdue = time_left(now - timedelta(days=1), now)
    assert overdue.glyph == "X" and overdue.label().startswith("超")
    assert time_left(now, now, closed=True).label() == "已办结"
    set_language("en")
    assert time_left(now - timedelta(days=1), now).label().startswith("over ")
