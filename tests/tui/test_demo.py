"""Trainer demo mode: scenario files refused with file, step and field; ``huiyin demo --check`` reports a failed
expectation with its step; the trainer's keys change what the player does; the caption banner's looks. (The
four built-in stories are checked in test_demo_stories.py.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from huiyin.tui.demo import command
from huiyin.tui.demo.command import make_demo_app
from huiyin.tui.demo.scenario import ScenarioError, builtin_names, load, parse, resolve
from huiyin.tui.screens.queue import QueueScreen

from .conftest import screen_text, wait_for

HEAD = '[scenario]\nname = "t"\nstart = "2026-11-26T10:00+08:00"\n'
RECORD = ('[[step]]\noperator = "shuanghu"\naction = "record"\nmatter = "m"\n'
          'fields = { channel = "walk_in", title = "路灯不亮", resident_name = "陈大爷" }\n')


# --------------------------------------------------------------------------------------------- refused files
@pytest.mark.parametrize(("text", "where"), [
    (HEAD + '[[step]]\noperator = "nobody"\ncaption = "x"\n', "step 1, field 'operator': unknown operator 'nobody'"),
    (HEAD + '[[step]]\noperator = "shuanghu"\nkeys = ["zz"]\n', "step 1, field 'keys': unknown key 'zz'"),
    (HEAD + '[[step]]\noperator = "shuanghu"\naction = "fly"\n', "step 1, field 'action': unknown action 'fly'"),
    (HEAD + '[[step]]\noperator = "shuanghu"\ncaption = "x"\n[[step]]\nhold = "2s"\n', "step 2: nothing to do"),
    ('[scenario]\nstart = "2026-11-26 10:00"\n[[step]]\noperator = "shuanghu"\ncaption = "x"\n',
     "[scenario], field 'start': the time needs an offset"),
    (HEAD + '[[step]]\noperator = "shuanghu"\ncaption = "x"\nclock = "+2 fortnights"\n',
     "step 1, field 'clock': not a duration"),
    (HEAD + '[[step]]\noperator = "shuanghu"\ncaption = "x"\nclock = "yesterday"\n',
     "step 1, field 'clock': not a clock move"),
    (HEAD + '[[step]]\noperator = "shuanghu"\ncaption = "x"\nhold = "soon"\n', "step 1, field 'hold': not a duration"),
    (HEAD + RECORD + '[[step.expect]]\nmatter = "m"\ncolour = "red"\n', "step 1 expect 1, field 'colour': unknown"),
    (HEAD + RECORD + '[[step.expect]]\nmatter = "m"\nstatus = "lost"\n', "field 'status': unknown status 'lost'"),
    (HEAD + RECORD + '[[step.expect]]\nqueue = "incoming"\n', "field 'count': a queue expectation needs a count"),
    (HEAD + '[[step]]\noperator = "shuanghu"\naction = "claim"\nmatter = "ghost"\n',
     "step 1, field 'matter': unknown matter 'ghost'"),
    (HEAD + RECORD + '[[step]]\naction = "escalate"\nmatter = "m"\n',
     "step 2 fields, field 'note': missing: escalate needs it"),
    (HEAD + RECORD + '[[step]]\noperator = "command"\naction = "assign"\nmatter = "m"\n'
     'fields = { to_unit = "月球站" }\n', "field 'to_unit': unknown unit '月球站'"),
    (HEAD + '[[step]]\noperator = "shuanghu"\naction = "record"\nmatter = "m"\nfields = { title = "x" }\n',
     "step 1 fields, field 'resident_name': missing"),
    (HEAD + '[[step]]\noperator = "shuanghu"\ncaption = "x"\nspeling = 1\n', "step 1, field 'speling': unknown field"),
    (HEAD, "the scenario has no [[step]]"),
    ('[scenario\nname = "x"\n', "not valid TOML"),
])
def test_a_mistaken_scenario_is_refused_with_its_place(text: str, where: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(text, "bad.toml")
    assert caught.value.path == "bad.toml"
    assert any(where in problem for problem in caught.value.problems), caught.value.problems


def test_the_command_refuses_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + '[[step]]\noperator = "nobody"\ncaption = "x"\n', encoding="utf-8")
    assert command.main(["--check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: step 1, field 'operator': unknown operator 'nobody'" in err
    assert command.main(["no-such-story"]) == 2
    assert command.main([]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in ("rock", "road", "fingerprint", "bus"))


def test_every_builtin_scenario_is_valid() -> None:
    assert sorted(builtin_names()) == ["bus", "fingerprint", "road", "rock"]
    for name in builtin_names():
        scenario = load(resolve(name))
        assert all(step.caption and step.caption_en for step in scenario.steps), name
        assert any(step.action == "follow_up" for step in scenario.steps), f"{name}: to the follow-up"


OWN_DISTRICT = """
[scenario]
name = "own"
start = "2026-11-26T10:00+08:00"
district = "own"

[[unit]]
name = "示范区"
tier = "district"
kind = "government"
code = "SF"
[[unit]]
name = "示范街道便民服务中心"
tier = "town"
parent = "示范区"
[[unit]]
name = "示范社区便民服务站"
tier = "village"
parent = "示范街道便民服务中心"

[[operator]]
username = "demo.village"
unit = "示范社区便民服务站"
password = "demo-password-1"
[[operator]]
username = "demo.town"
unit = "示范街道便民服务中心"
password = "demo-password-2"

[[step]]
operator = "demo.village"
action = "record"
matter = "m"
fields = { channel = "walk_in", title = "路灯不亮", resident_name = "陈大爷" }
[[step.expect]]
matter = "m"
status = "closed"
holder = "示范社区便民服务站"
[[step.expect]]
queue = "incoming"
count = 1

[[step]]
operator = "demo.town"
action = "claim"
matter = "m"
[[step.expect]]
matter = "m"
status = "in_progress"
claimed_by = "demo.town"
"""


def test_check_reports_a_failed_expectation_with_its_step(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """On a district of the file's own (its units and operators created in the sandbox)."""
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(OWN_DISTRICT, encoding="utf-8")
    assert command.main(["--check", str(wrong)]) == 1
    out = capsys.readouterr().out
    # the step, which expectation, what was expected and what was found (not "step 1: step 1 expect 1")
    assert "step 1: expectation 1: matter m (SF-2026-000001) status: expected 'closed', found 'pending'" in out
    assert "step 1: step 1" not in out
    assert "expectation 2" not in out and "step 2" not in out  # the queue count and the claim held
    assert "1 failed" in out


def test_an_own_district_is_checked_too() -> None:
    text = OWN_DISTRICT.replace('unit = "示范街道便民服务中心"\npassword', 'unit = "火星站"\npassword')
    with pytest.raises(ScenarioError) as caught:
        parse(text, "own.toml")
    assert caught.value.problems == ["operator 2, field 'unit': unknown unit '火星站'"]


# --------------------------------------------------------------------------------------- the trainer's keys
CONTROLS = HEAD + """
[[step]]
operator = "shuanghu"
caption = "第一步"
caption_en = "step one"
hold = "60s"

[[step]]
caption = "第二步"
keys = ["2"]
hold = "60s"

[[step]]
caption = "第三步"
hold = "60s"
"""


@pytest.mark.anyio
async def test_pause_next_step_and_speed_change_what_happens(tmp_path: Path) -> None:
    scenario = parse(CONTROLS, "controls.toml")
    app = make_demo_app(scenario, language="en", testing=True, state_dir=tmp_path, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.player is not None and app.player.step_index == 1
                       and isinstance(app.screen, QueueScreen) and "step one" in screen_text(app)
                       and "Window: 双湖路社区便民服务站" in screen_text(app), timeout=20)
        assert "Step 1/3" in screen_text(app)
        # the held step does not end by itself
        await asyncio.sleep(0.3)
        assert app.player.step_index == 1
        # space pauses the player and the simulated clock
        await pilot.press("space")
        assert app.paused and app.sim_clock.paused
        frozen = app.sim_clock.now()
        await wait_for(pilot, lambda: "PAUSED" in screen_text(app))
        await pilot.press("space")
        assert not app.paused and app.sim_clock.speed == 1
        # -> ends the hold now: the next step presses its key (2: in hand) for the audience to see
        await pilot.press("right")
        await wait_for(pilot, lambda: app.player.step_index == 2 and "keys: 2" in screen_text(app))
        await wait_for(pilot, lambda: str(app.screen.queue) == "in_hand" and not app.pressing)
        assert app.sim_clock.now() > frozen
        # + and - change the speed of the holds and of the simulated clock
        await pilot.press("+")
        assert app.speed == 2 and app.sim_clock.speed == 2
        await pilot.press("-", "-")
        assert app.speed == 0.5 and app.sim_clock.speed == 0.5
        await wait_for(pilot, lambda: "playing x0.5" in screen_text(app))
        # r starts again from step 1 on a fresh sandbox (a new server, the clock back at the start)
        first = app.server_url
        await pilot.press("r")
        await wait_for(pilot, lambda: app.server_url != first and app.player.step_index == 1
                       and isinstance(app.screen, QueueScreen) and "step one" in screen_text(app), timeout=20)
        assert app.sim_clock.now() < frozen + timedelta(minutes=1)
        await pilot.press("right")
        await wait_for(pilot, lambda: app.player.step_index == 2 and not app.pressing)
        await pilot.press("right")
        await wait_for(pilot, lambda: app.player.step_index == 3)
        await pilot.press("right")
        await wait_for(pilot, lambda: app.done.is_set())
        assert app.failures == [] and not app.playing
        # the script has ended: the keys are the workbench's again (-> is the next queue), same sandbox
        await wait_for(pilot, lambda: "carry on by hand" in screen_text(app))
        before = app.screen.queue
        await pilot.press("right")
        await wait_for(pilot, lambda: app.screen.queue != before)
        assert app.operator is not None and app.operator.username == "shuanghu"


# ------------------------------------------------------------------------------------------ the caption banner
def _caption_app():  # type: ignore[no-untyped-def]
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from huiyin.themes import builtin_themes
    from huiyin.tui.components.caption import CaptionBanner, CaptionState
    from huiyin.tui.i18n import set_language, t

    class CaptionApp(App[None]):
        def __init__(self) -> None:
            set_language("zh-CN")
            super().__init__()
            for theme in builtin_themes():
                self.register_theme(theme)
            self.theme = "huiyin"

        def compose(self) -> ComposeResult:
            yield CaptionBanner(CaptionState(
                step=4, total=9, status="播放中 x2",
                window="窗口:回兴街道便民服务中心(镇街)| 回兴街道窗口(huixing.center)| 窗口人员",
                caption="回兴街道窗口:事项出现在“待办”(1)里。街道也无法单独解决,继续提交区级(e)。",
                caption_en="Huixing street finds it in its incoming queue (1). It cannot solve it alone either: "
                           "up to the district (e).",
                keys="1 e ctrl+s", controls=t("demo.controls")))
            yield Static("(the workbench's screen)")

    return CaptionApp()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_caption_banner_snapshot(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_caption_app(), terminal_size=size)


@pytest.mark.parametrize("doc", ["README.md", "docs/demo.md"])
def test_the_documented_example_is_a_valid_scenario(doc: str) -> None:
    import re

    text = (Path(__file__).resolve().parents[2] / doc).read_text(encoding="utf-8")
    examples = [block for block in re.findall(r"```toml\n(.*?)```", text, re.S) if "[scenario]" in block]
    assert examples, doc
    for block in examples:
        scenario = parse(block, doc)
        assert scenario.steps[-1].expect


# a field has the focus in step 2 (the queue's filter box): the trainer's keys must still be the trainer's
FOCUSED = CONTROLS.replace('keys = ["2"]', 'caption_en = "step two"\nkeys = ["slash"]').replace(
    'caption = "第三步"', 'caption = "第三步"\ncaption_en = "step three"') + """
[[step]]
caption = "第四步"
caption_en = "step four"
hold = "60s"
"""


@pytest.mark.anyio
async def test_the_trainers_keys_while_paused_in_a_field_and_go_to_a_step(tmp_path: Path) -> None:
    """-> while paused plays one step and stays paused; space and r work while a field has the focus (r while
    paused plays again from step 1, with an operator at the window and the clock running); g N enter goes to
    step N, forwards and back; once the script has ended the banner says the keys are the workbench's."""
    from textual.widgets import Input

    scenario = parse(FOCUSED, "focused.toml")
    app = make_demo_app(scenario, language="en", testing=True, state_dir=tmp_path, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.player is not None and app.player.step_index == 1
                       and isinstance(app.screen, QueueScreen) and "step one" in screen_text(app), timeout=20)
        await pilot.press("space")
        assert app.paused and app.sim_clock.paused
        # -> while paused: step 2 plays (its key opens the filter box), then the demo stays paused
        await pilot.press("right")
        await wait_for(pilot, lambda: app.player.step_index == 2 and isinstance(app.focused, Input)
                       and not app.pressing)
        await asyncio.sleep(0.5)
        assert app.player.step_index == 2 and app.paused and app.sim_clock.paused
        assert "PAUSED" in screen_text(app)
        # a field has the focus: space is still the trainer's (not a space typed into the filter)
        await pilot.press("space")
        assert not app.paused and app.focused.value == ""
        await pilot.press("space")
        assert app.paused
        # r while paused: a fresh sandbox, from step 1, playing: an operator at the window, the clock moving
        first = app.server_url
        await pilot.press("r")
        await wait_for(pilot, lambda: app.server_url != first and app.player is not None
                       and app.player.step_index == 1 and isinstance(app.screen, QueueScreen)
                       and "step one" in screen_text(app) and "shuanghu" in screen_text(app), timeout=20)
        assert not app.paused and not app.sim_clock.paused and "playing" in screen_text(app)
        before = app.sim_clock.now()
        await wait_for(pilot, lambda: app.sim_clock.now() > before)
        # g 3 enter: to step 3 (step 2 played on the way)
        await pilot.press("g")
        await wait_for(pilot, lambda: "go to step: _" in screen_text(app))
        await pilot.press("3", "enter")
        await wait_for(pilot, lambda: app.player.step_index == 3 and "step three" in screen_text(app), timeout=20)
        assert app.failures == [] and not app.player.failures
        # g 2: back, on a fresh sandbox (step 1 played on the way)
        second = app.server_url
        await pilot.press("g", "2", "enter")
        await wait_for(pilot, lambda: app.server_url != second and app.player.step_index == 2
                       and "step two" in screen_text(app) and isinstance(app.focused, Input) and not app.pressing,
                       timeout=20)
        # g 9: no such step, said so; nothing moves
        await pilot.press("g")
        await wait_for(pilot, lambda: "go to step: _" in screen_text(app))
        await pilot.press("9", "enter")
        await wait_for(pilot, lambda: any("There is no step 9" in n.message for n in app._notifications))
        assert app.player.step_index == 2
        # to the end: the banner no longer lists the trainer's keys
        await pilot.press("g", "4", "enter")
        await wait_for(pilot, lambda: app.player.step_index == 4, timeout=20)
        await pilot.press("right")
        await wait_for(pilot, lambda: app.done.is_set())
        await wait_for(pilot, lambda: "keys are the workbench's again" in screen_text(app))
        assert "r restart" not in screen_text(app) and "space pause" not in screen_text(app)
