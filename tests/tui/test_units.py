"""Small pieces of the workbench that need no server: config errors, catalogs, themes, tokens, countdown words."""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from huiyin.core.clock import ManualClock
from huiyin.themes import builtin_themes, user_themes
from huiyin.tui import cli
from huiyin.tui.actions import REGISTRY, WORKFLOW_KEYS
from huiyin.tui.config import ConfigError, load_config
from huiyin.tui.i18n import choose_language, load_catalog, set_language
from huiyin.tui.memory import TokenStore
from huiyin.tui.timeleft import DeadlineRules, time_left

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
    old_umask = os.umask(0)  # even a permissive umask gives no window where the file is readable by others
    try:
        store.save("http://s", "shuanghu", "tok", FROZEN_NOW + timedelta(hours=8), keep=True)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700
    assert [p.name for p in store.path.parent.iterdir()] == ["tokens.json"]  # no temporary file left
    assert store.token("http://s") == ("shuanghu", "tok")
    clock.advance(timedelta(hours=9))
    assert store.token("http://s") is None


def test_a_token_is_kept_only_when_asked(tmp_path: Path) -> None:
    """Without "keep me signed in" only the username is remembered (to preselect it), never the token."""
    store = TokenStore(tmp_path / "tokens.json", ManualClock(FROZEN_NOW))
    store.save("http://s", "shuanghu", "tok", FROZEN_NOW + timedelta(hours=8), keep=True)
    store.save("http://s", "shuanghu", "tok2", FROZEN_NOW + timedelta(hours=8))
    assert store.token("http://s") is None and store.last_username("http://s") == "shuanghu"
    assert "tok" not in store.path.read_text(encoding="utf-8")
    store.save("http://s", "xingwang", "tok3", FROZEN_NOW + timedelta(hours=8), keep=True)
    store.forget("http://s", "xingwang")
    assert store.token("http://s") is None and store.last_username("http://s") == "xingwang"


def test_countdown_words() -> None:
    set_language("zh-CN")
    now = FROZEN_NOW  # Thursday 10:00 in Chongqing
    assert time_left(now + timedelta(hours=5), now).label() == "剩5小时"
    assert time_left(now + timedelta(hours=5), now).glyph == "!"
    overdue = time_left(now - timedelta(days=1), now)
    assert overdue.glyph == "X" and overdue.label() == "超期1天"
    assert time_left(now, now, closed=True).label() == "已办结"
    assert time_left(now, now, answered=True).label() == "已答复"
    # Monday 2026-11-30 17:30 from Thursday 10:00: Thu 7.5 h + Fri 9 h + Mon 9 h = 2 working days 7 h
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    on_track = time_left(monday, now)
    assert on_track.glyph == "+" and on_track.label() == "剩2天7小时" and on_track.variable == "urgency-on-track"
    set_language("en")
    assert time_left(monday, now).text() == "+ 2d 7h"
    assert time_left(now - timedelta(days=1), now).text() == "X overdue 1d"
    assert time_left(now + timedelta(hours=5), now).text() == "! 5h"


def test_the_districts_rules_from_the_wire_and_bad_parts_keep_the_last() -> None:
    from huiyin.core.schemas import CalendarOverrideDay, CalendarOverridesYear, CalendarWarningOut

    set_language("en")
    # the district declared Friday 2026-11-27 a holiday: Monday's deadline is a working day closer
    years = [CalendarOverridesYear(year=2026, complete=False, days=[
        CalendarOverrideDay(day=date(2026, 11, 27), type="holiday", name="local")])]
    warn = [CalendarWarningOut(year=2027, code="calendar.fallback", message="2027: no holiday schedule known")]
    rules = DeadlineRules.from_wire({"at_risk_hours": 20.0}, years, warn)
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    left = time_left(monday, FROZEN_NOW, rules=rules)
    assert left.label() == "1d 7h" and left.glyph == "!"  # 16 working hours < 20: at risk by this policy
    assert [w.text() for w in rules.warnings] == ["2027 holiday schedule unknown: counting Mon-Fri"]
    kept = DeadlineRules.from_wire({"simple_days": "x"}, None, None, rules)
    assert kept.policy.at_risk_hours == 20.0 and kept.calendar is rules.calendar and kept.warnings == rules.warnings


def test_every_event_kind_and_action_has_a_label_in_both_languages() -> None:
    from huiyin.core.domain import Action, EventKind

    for lang in ("en", "zh-CN"):
        catalog = load_catalog(lang)
        for kind in EventKind:
            assert f"event.{kind}" in catalog, (lang, kind)
        for action in Action:
            assert f"action.{action}" in catalog, (lang, action)
    assert set(WORKFLOW_KEYS) == set(Action)
    assert WORKFLOW_KEYS[Action.request_extension] == "d"
    assert WORKFLOW_KEYS[Action.approve_extension] == "g" and WORKFLOW_KEYS[Action.reject_extension] == "j"


def test_every_theme_colours_every_urgency() -> None:
    for theme in builtin_themes():
        for name in ("urgency-on-track", "urgency-at-risk", "urgency-overdue"):
            assert name in theme.variables, (theme.name, name)


def test_the_workbench_and_huiyin_serve_share_one_database_by_default(monkeypatch, tmp_path):
    from huiyin.server.base.settings import default_database_url
    from huiyin.tui.config import data_dir
    from huiyin.tui.embedded import EmbeddedLauncher

    monkeypatch.delenv("HUIYIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert EmbeddedLauncher(data_dir()).database_url == default_database_url()
    monkeypatch.setenv("HUIYIN_DATABASE_URL", "postgresql://db/huiyin")
    assert EmbeddedLauncher(data_dir()).database_url == "postgresql://db/huiyin"
