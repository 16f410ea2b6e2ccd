"""Issue 17, "input that never goes astray": keys sent as one burst (a paste, an ID-card or barcode reader that
types with tab, a fast typist on a busy machine), with tab or enter between the fields and without a pause,
also while the screen they are meant for is still opening, land each in its field, on every form. And no way
out of a form with typed input throws it away without asking.

Keys are posted to the app all at once (:func:`burst`), as a terminal delivers them; nothing here waits between
keys. Real server, real HTTP; the clock is frozen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, OptionList, Select

from huiyin.core.domain import Action
from huiyin.tui.actions import WORKFLOW_KEYS
from huiyin.tui.screens.action_dialog import ActionDialog
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.discard import DiscardScreen
from huiyin.tui.screens.login import LoginScreen
from huiyin.tui.screens.queue import QueueScreen
from huiyin.tui.screens.record import RecordScreen

from .conftest import SAMPLE_PASSWORD, logged_in_as, login, screen_text, wait_for
from .test_day_one import SlowNetwork, api, open_palette_and_run, record

pytestmark = pytest.mark.anyio

#: key names sent as one key (anything longer is text, typed a character at a time)
NAMED = {"tab", "shift+tab", "enter", "escape", "space", "down", "up", "left", "right", "backspace", "home", "end",
         "ctrl+s", "ctrl+o", "ctrl+p", "ctrl+u"}
CHARACTERS = {"tab": "\t", "enter": "\r", "escape": "\x1b", "space": " ", "backspace": "\x7f"}


def keys_of(*parts: str) -> Iterator[events.Key]:
    for part in parts:
        if part in NAMED:
            yield events.Key(part, CHARACTERS.get(part))
            continue
        for ch in part:
            yield events.Key(ch if ch.isalnum() else _character_to_key(ch), ch)


def burst(app: Any, *parts: str) -> None:
    """Every key at once, as a terminal hands a paste or a reader's keys to the app: all posted before any is
    handled. A part is a key name (:data:`NAMED`) or text typed a character at a time."""
    for key in keys_of(*parts):
        app.post_message(key)


def value(screen: Any, selector: str) -> Any:
    widget = screen.query_one(selector)
    if isinstance(widget, Select):
        return None if widget.value is Select.NULL else widget.value
    return widget.value


# ------------------------------------------------------------------------------------------- the record form
@pytest.mark.parametrize("between", ["tab", "enter"])
async def test_the_record_form_takes_a_burst_opened_with_it_field_by_field(make_app, tui_server, between) -> None:
    """``n`` and the whole form in one burst: the form opens while the keys are on their way. Before, the title
    got everything (``ABCWang Wu13800001234``) and keys typed while the form opened went to the queue under it
    (the ``u`` of ``Wang Wu`` signed the clerk out)."""
    app = make_app(lang="en", live=False)
    title = f"ABC {between}"
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        burst(app, "n", title, between, "Wang Wu", between, "13800001234", between, "8 Xingke Road", between,
              "roads, lamps", between, "space", "down", "enter", between, "Lamp out since Monday, at No. 8")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and value(app.screen, "#f-description") == "Lamp out since Monday, at No. 8")
        form = app.screen
        assert form.values() == {"channel": "walk_in", "title": title, "resident_name": "Wang Wu",
                                 "resident_phone": "13800001234", "address": "8 Xingke Road",
                                 "category": "roads, lamps", "complexity": "complex",
                                 "description": "Lamp out since Monday, at No. 8"}
        assert app.operator is not None  # nothing reached the queue under the form
        burst(app, "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen)
                       and any("Recorded" in n.message for n in app._notifications))
        number = re.search(r"YB-\d{4}-\d+", next(n.message for n in app._notifications if "Recorded" in n.message))
    assert number is not None
    with api(tui_server.base_url, "huixing.center") as http:
        stored = http.get(f"/api/matters/{number.group(0)}").json()
    assert (stored["title"], stored["resident_name"], stored["resident_phone"], stored["complexity"]) == (
        title, "Wang Wu", "13800001234", "complex")


# --------------------------------------------------------------------------------------------- the sign-in
async def test_a_sign_in_typed_as_the_workbench_opens_signs_in_that_person(make_app) -> None:
    """Typed before the sign-in screen is there and before the server answered: the focus starts in the
    username, the sample list never takes it, and the sign-in waits for the server instead of refusing."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        burst(app, "huixing.center", "enter", SAMPLE_PASSWORD, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.operator is not None and app.operator.username == "huixing.center"


async def test_keys_typed_after_the_sign_in_go_to_the_queue_that_comes_next(make_app) -> None:
    """The sign-in and the first record in one burst (seen in tmux: a clerk types ``n`` and the form while
    the sign-in is on its way): the keys typed while signing in wait for the queue, not for the sign-in screen
    that goes away with them."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        burst(app, "huixing.center", "enter", SAMPLE_PASSWORD, "enter", "n", "ABC", "tab", "Wang Wu", "tab",
              "13800001234")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and value(app.screen, "#f-resident_phone") == "13800001234")
        assert app.operator is not None and app.operator.username == "huixing.center"
        values = app.screen.values()
        assert (values["title"], values["resident_name"], values["resident_phone"]) == (
            "ABC", "Wang Wu", "13800001234")


async def test_after_sign_out_enter_signs_in_exactly_the_person_shown(make_app) -> None:
    """After ``u``, the username showed the last operator, the list highlighted ``admin``, and enter signed in
    admin. Now the username is empty and focused, the list highlights whoever the username names (or nobody),
    moving in the list writes the username, and a reconnect never undoes where the person moved to."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "xingwang")
        burst(app, "u")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        screen = app.screen
        username = screen.query_one("#username", Input)
        samples = screen.query_one("#samples", OptionList)
        assert username.has_focus and username.value == "" and samples.highlighted is None
        burst(app, "shuanghu")
        await app.keys_applied()
        assert samples.get_option_at_index(samples.highlighted).id == "shuanghu"
        # into the list (username, password, keep, list) and two down: the username follows
        burst(app, "tab", "tab", "tab", "down", "down")
        await app.keys_applied()
        assert samples.has_focus and username.value != "shuanghu"
        shown = username.value
        assert samples.get_option_at_index(samples.highlighted).id == shown
        screen._show_samples(await app.api.sample_operators())  # the list is filled again (a reconnect)
        assert samples.get_option_at_index(samples.highlighted).id == shown
        burst(app, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.operator.username == shown


async def test_u_and_the_next_sign_in_in_one_burst(make_app) -> None:
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "xingwang")
        burst(app, "u", "huixing.center", "enter", SAMPLE_PASSWORD, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and app.operator is not None
                       and app.operator.username == "huixing.center")


# ------------------------------------------------------------------------------ ways out of a typed form
async def test_q_on_a_possible_duplicate_over_a_typed_form_asks_before_quitting(make_app, tui_server) -> None:
    """ctrl+o shows a possible duplicate over the record form; ``q`` there quit the app and the form with it."""
    with api(tui_server.base_url, "liuqiao") as http:
        made = http.post("/api/matters", headers={"Idempotency-Key": "burst-dup-phone"},
                         json={"title": "Roof again", "channel": "walk_in", "resident_name": "Zhang",
                               "resident_phone": "13655557777"})
        number = made.json()["number"]
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        burst(app, "n", "Roof leaks", "tab", "Zhang", "tab", "136 5555 7777")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and [m.number for m in app.screen.query_one("SimilarMatters").matters] == [number])
        form = app.screen
        burst(app, "ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
        burst(app, "q")  # quit: it asked nothing and the form was gone
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        burst(app, "n")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        burst(app, "escape")
        await wait_for(pilot, lambda: app.screen is form)
        assert form.values()["title"] == "Roof leaks" and app.is_running


@pytest.mark.parametrize("command", ["Quit", "Sign out"])
async def test_the_palette_asks_before_throwing_a_typed_form_away(make_app, command) -> None:
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        burst(app, "n", "Half a title")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen) and value(app.screen, "#f-title"))
        form = app.screen
        await open_palette_and_run(pilot, command)
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        burst(app, "n")  # keep editing
        await wait_for(pilot, lambda: app.screen is form)
        assert value(form, "#f-title") == "Half a title" and app.operator is not None and app.is_running
        await open_palette_and_run(pilot, command)
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        burst(app, "y")
        if command == "Quit":
            await wait_for(pilot, lambda: not app.is_running or app._exit)
        else:
            await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.operator is None)


# --------------------------------------------------------------------------------------- the action dialogs
#: the exact progress note that was once saved as 已联系 (a comma among Chinese characters, as an input method
#: hands it over: a burst)
BUS_NOTE = "已联系公交公司,拟开通兴旺村线路"

#: claimed, answered and closed by the 回兴 center
ANSWERED = [("huixing.center", "claim", {}), ("huixing.center", "answer", {"note": "done"}),
            ("huixing.center", "close", {})]

#: action → (who acts, steps before it as (who, action, body), the keys after the action's key, what the last
#: timeline entry holds). ``{other}`` in a key is the number of a second matter (to link to). The matter is
#: recorded by the 回兴 center, or by the first step's ``record``.
DIALOGS: dict[Action, tuple[str, list[tuple[str, str, dict[str, Any]]], list[str], dict[str, Any]]] = {
    Action.release: ("huixing.center", [("shuanghu", "record", {}), ("shuanghu", "escalate", {"note": "not ours"})],
                     ["不归街道管, the village's own", "enter", "enter"],
                     {"kind": "release", "note": "不归街道管, the village's own"}),
    Action.escalate: ("huixing.center", [], ["needs the district, 区级统筹", "tab", "ctrl+s"],
                      {"kind": "escalate", "note": "needs the district, 区级统筹"}),
    Action.request_help: ("huixing.center", [], ["bus line: 请指挥中心协调", "enter", "enter"],
                          {"kind": "request_help", "note": "bus line: 请指挥中心协调"}),
    Action.assign: ("command", [("huixing.center", "request_help", {"note": "help"})],
                    ["宝圣湖", "enter", "please take it over, 谢谢", "ctrl+s"],
                    {"kind": "assign", "note": "please take it over, 谢谢"}),
    Action.progress: ("huixing.center", [], [BUS_NOTE, "ctrl+s"], {"kind": "progress", "note": BUS_NOTE}),
    Action.answer: ("huixing.center", [("huixing.center", "claim", {})],
                    ["fixed on Monday, 周一修好", "enter", "enter"],
                    {"kind": "answer", "note": "fixed on Monday, 周一修好"}),
    Action.close: ("huixing.center", ANSWERED[:2], ["resident told, 已告知", "ctrl+s"],
                   {"kind": "close", "note": "resident told, 已告知"}),
    Action.reopen: ("huixing.center", ANSWERED,
                    ["still broken, 仍未修好", "ctrl+s"], {"kind": "reopen", "note": "still broken, 仍未修好"}),
    Action.follow_up: ("huixing.center", ANSWERED,
                       ["called back, 已回访", "enter", "space", "down", "down", "enter", "enter", "enter"],
                       {"kind": "follow_up", "note": "called back, 已回访", "satisfaction": 4}),
    Action.request_extension: ("huixing.center", [("huixing.center", "claim", {})],
                               ["3", "tab", "waiting for the firm, 等厂家", "ctrl+s"],
                               {"kind": "request_extension", "days": 3, "note": "waiting for the firm, 等厂家"}),
    Action.reject_extension: ("district.supervisor", [
        ("huixing.center", "claim", {}),
        ("huixing.center", "request_extension", {"days": 3, "reason": "waiting"})],
        ["do it this week, 本周办结", "ctrl+s"], {"kind": "reject_extension", "note": "do it this week, 本周办结"}),
    Action.link: ("huixing.center", [], ["{other}", "tab", "space", "down", "enter", "tab", "same lamp, 同一路灯",
                                         "ctrl+s"], {"kind": "link"}),
}


@pytest.mark.parametrize("action", list(DIALOGS), ids=str)
async def test_every_action_dialog_takes_a_burst_typed_as_it_opens(make_app, tui_server, action) -> None:
    """The action's key and every field in one burst, from the matter's detail: the dialog opens while the
    keys are on their way (it was opened from a worker: the first keys went to the screen under it), tab or
    enter between the fields, ctrl+s or enter on the button to send. The server keeps each field as typed."""
    actor, steps, keys, expected = DIALOGS[action]
    recorder = steps[0][0] if steps and steps[0][1] == "record" else "huixing.center"
    with api(tui_server.base_url, recorder) as http:
        number = record(http, f"Burst {action}", f"burst-{action}")
        other = record(http, f"Burst {action} (other)", f"burst-{action}-other")
    for who, step, body in steps:
        if step == "record":
            continue
        with api(tui_server.base_url, who) as http:
            done = http.post(f"/api/matters/{number}/{step}", json=body)
            assert done.status_code == 200, done.text
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, actor)
        app.push_screen(DetailScreen(number))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
        detail = app.screen
        burst(app, WORKFLOW_KEYS[action], *(k.format(other=other) for k in keys))
        await wait_for(pilot, lambda: app.screen is detail
                       and any(number in n.message and "done" in n.message for n in app._notifications))
    with api(tui_server.base_url, "command") as http:  # the command center reads every note
        matter = http.get(f"/api/matters/{number}").json()
    last = matter["events"][-1]
    assert {k: last[k] for k in expected} == expected
    if action is Action.assign:
        assert matter["holder_unit"]["name"] == "宝圣湖社区便民服务站"
    if action is Action.link:
        assert [link["number"] for link in matter["links"]] == [other]


async def test_follow_up_enter_in_the_note_moves_on_and_an_unchosen_satisfaction_says_so(make_app, tui_server) -> None:
    """enter in the note submitted, and "must be a number" showed under a satisfaction still reading "choose"."""
    with api(tui_server.base_url, "huixing.center") as http:
        number = record(http, "Burst follow-up unchosen", "burst-follow-up-unchosen")
        for _, step, body in ANSWERED:
            assert http.post(f"/api/matters/{number}/{step}", json=body).status_code == 200
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        app.push_screen(DetailScreen(number))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
        burst(app, "f", "called back", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog)
                       and app.screen.query_one("#f-satisfaction").has_focus)
        dialog = app.screen
        assert value(dialog, "#f-note") == "called back" and not dialog.sending
        burst(app, "ctrl+s")
        await wait_for(pilot, lambda: "choose one" in str(dialog.query_one("#err-satisfaction").render()))
        assert "number" not in screen_text(app) and app.screen is dialog
        burst(app, "space", "down", "enter")  # 5: very satisfied; the error goes at once
        await wait_for(pilot, lambda: value(dialog, "#f-satisfaction") == 5)
        assert "choose one" not in str(dialog.query_one("#err-satisfaction").render())


# ------------------------------------------------------------------------------------------ the admin forms
async def open_admin_screen(pilot: Any, key: str) -> Any:
    app = pilot.app
    burst(app, key)
    await wait_for(pilot, lambda: getattr(app.screen, "loaded_once", False))
    return app.screen


async def saved_form(pilot: Any, screen: Any, *keys: str) -> None:
    """``keys`` in one burst (the form's key first: the form opens while the rest are on their way), then
    wait until every key was applied and the form has gone (saved)."""
    from huiyin.tui.screens.admin_dialogs import FormDialog

    app = pilot.app
    burst(app, *keys)
    await app.keys_applied()
    await wait_for(pilot, lambda: screen in app.screen_stack
                   and not any(isinstance(s, FormDialog) for s in app.screen_stack), info=lambda: screen_text(app))


async def test_the_admin_operator_forms_take_a_burst(make_app, tui_server) -> None:
    """The account was created as ``qiaodong桥东村窗口``: the display name's keys landed in the username
    (which cannot be changed afterwards). Add, then edit, each as one burst."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        screen = await open_admin_screen(pilot, "O")
        await saved_form(pilot, screen, "a", "qiaodong", "tab", "桥东村窗口", "enter", "enter", "space", "宝圣湖",
                         "enter", "tab", "long-enough-secret", "ctrl+s")
        await wait_for(pilot, lambda: screen.current_name() == "qiaodong")
        screen.fill("qiaodong")
        await saved_form(pilot, screen, "e", "桥东村窗口 2", "tab", "space", "sup", "enter", "ctrl+s")
    with api(tui_server.base_url, "admin") as http:
        made = next(o for o in http.get("/api/operators").json() if o["username"] == "qiaodong")
    assert (made["display_name"], made["role"], made["unit"]["name"]) == ("桥东村窗口 2", "supervisor",
                                                                           "宝圣湖社区便民服务站")
    with httpx.Client(base_url=tui_server.base_url, timeout=10) as http:
        signed = http.post("/api/auth/login", json={"username": "qiaodong", "password": "long-enough-secret"})
    assert signed.status_code == 200, signed.text


async def test_the_admin_unit_forms_take_a_burst(make_app, tui_server) -> None:
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        screen = await open_admin_screen(pilot, "U")
        town = next(u for u in screen.units if u.name == "双凤桥街道便民服务中心")
        screen.build(town.id)
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().id == town.id)
        # add under the town: name, the tier (village, preset), the kind (typed in its list)
        await saved_form(pilot, screen, "a", "桥东村便民服务站", "tab", "tab", "space", "station", "enter", "ctrl+s")
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().name == "桥东村便民服务站")
        added = screen.current()
        assert (added.parent_id, added.tier, added.kind) == (town.id, "village", "station")
        # rename it, then move it under another town
        await saved_form(pilot, screen, "e", "桥东村服务站", "ctrl+s")
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().name == "桥东村服务站")
        await saved_form(pilot, screen, "m", "space", "回兴街道", "enter", "ctrl+s")
        huixing = next(u for u in screen.units if u.name == "回兴街道便民服务中心")
        await wait_for(pilot, lambda: any(u.name == "桥东村服务站" and u.parent_id == huixing.id for u in screen.units))


async def test_the_calendar_and_policy_forms_take_a_burst(make_app, tui_server, tmp_path) -> None:
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        screen = await open_admin_screen(pilot, "K")
        # a day: Friday the 27th made a holiday with a name, in one burst with the key that moves there
        await saved_form(pilot, screen, "right", "e", "tab", "Burst day, 突发", "ctrl+s")
        await wait_for(pilot, lambda: any(d.day.isoformat() == "2026-11-27" and d.name == "Burst day, 突发"
                                          for d in screen.year.special_days))
        # the policy: every field retyped (a field selects its text as the focus arrives: typing replaces it)
        before = screen.policy.model_dump()
        await saved_form(pilot, screen, "p", "4", "tab", "8", "tab", "2", "tab", "6.5", "tab", "08:30", "tab",
                         "17:00", "ctrl+s")
        await wait_for(pilot, lambda: screen.policy.simple_days == 4)
        assert {k: str(v) for k, v in screen.policy.model_dump().items()} == {
            "simple_days": "4", "complex_days": "8", "claim_days": "2", "at_risk_hours": "6.5",
            "day_start": "08:30", "day_end": "17:00", "timezone": before["timezone"]}
        # an import: the file's path typed in one burst
        year = tmp_path / "2027.txt"
        year.write_text("2027-01-01 holiday New Year\n", encoding="utf-8")
        burst(app, "i", str(year))
        from huiyin.tui.screens.admin_dialogs import FormDialog

        await app.keys_applied()
        assert isinstance(app.screen, FormDialog) and value(app.screen, "#f-path") == str(year)
        burst(app, "escape", "y")
        await wait_for(pilot, lambda: app.screen is screen)
    with api(tui_server.base_url, "admin") as http:  # the module's other tests count with the policy as it was
        assert http.put("/api/policy", json=before).status_code == 200
        assert http.delete("/api/calendar/days/2026-11-27").status_code in (200, 204)


async def test_keys_typed_while_an_admin_list_loads_wait_for_it(make_app, tui_server) -> None:
    """``O`` and ``e`` at once: ``e`` found no row yet (the table loads from the server), and the display name
    typed next acted on the operators screen key by key (``a`` opened an add form, ``d`` asked to disable)."""
    from huiyin.tui.screens.admin_dialogs import FormDialog
    from huiyin.tui.screens.admin_operators import OperatorsScreen

    with api(tui_server.base_url, "admin") as http:
        names = {o["username"]: o["display_name"] for o in http.get("/api/operators").json()}
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        slow = SlowNetwork.held(app, "/api/operators")
        burst(app, "O", "e", "Burst edited", "ctrl+s")
        await app.keys_applied()  # every key typed while the table has not come yet
        await wait_for(pilot, lambda: isinstance(app.screen, OperatorsScreen))
        assert not app.screen.loaded_once
        slow.release()
        await wait_for(pilot, lambda: isinstance(app.screen, OperatorsScreen) and app.screen.loaded_once
                       and not any(isinstance(s, FormDialog) for s in app.screen_stack))
        screen = app.screen
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().display_name == "Burst edited")
        edited = screen.current()
        assert sum(o.display_name == "Burst edited" for o in screen.operators) == 1
    with api(tui_server.base_url, "admin") as http:
        operators = {o["username"]: o for o in http.get("/api/operators").json()}
        assert operators[edited.username]["display_name"] == "Burst edited"
        assert "a" not in operators  # no account made of stray keys
        restored = http.patch(f"/api/operators/{edited.username}", json={"display_name": names[edited.username]})
        assert restored.status_code == 200, restored.text
