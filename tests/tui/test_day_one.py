"""Issue 7, "the workbench a clerk can trust on day one": each test here failed on the main branch before the
fix it names. All against the module's real server over HTTP; the clock is frozen."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Button, Checkbox, Input, OptionList, Select

from huiyin.core.domain import Action, Status
from huiyin.core.workflow import RefusalCode
from huiyin.tui.client import ApiClient
from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.i18n import load_catalog, refusal_text, set_language, tn
from huiyin.tui.screens.action_dialog import ActionDialog
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.discard import DiscardScreen
from huiyin.tui.screens.help import HelpScreen
from huiyin.tui.screens.login import LoginScreen
from huiyin.tui.screens.queue import QueueScreen
from huiyin.tui.screens.record import RecordScreen

from .conftest import SAMPLE_PASSWORD, build_app, login, screen_text, wait_for

pytestmark = pytest.mark.anyio

SERVER = Path(__file__).resolve().parents[2] / "server"


def table(app) -> QueueTable:  # type: ignore[no-untyped-def]
    return app.screen.query_one(QueueTable)


@contextmanager
def api(base_url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        token = client.post("/api/auth/login", json={"username": username, "password": SAMPLE_PASSWORD}).json()
        client.headers["Authorization"] = f"Bearer {token['token']}"
        yield client


def record(http: httpx.Client, title: str, key: str) -> str:
    made = http.post("/api/matters", json={"title": title, "channel": "walk_in", "resident_name": "Wang"},
                     headers={"Idempotency-Key": key})
    assert made.status_code == 201, made.text
    return made.json()["number"]


def type_fast(app, text: str) -> None:  # type: ignore[no-untyped-def]
    """Keys as a fast typist or a paste sends them: all at once (``pilot.press`` waits for a settled screen
    after every key, about 60 ms each, which no terminal does); ``\r`` is enter."""
    for ch in text:
        app.post_message(events.Key("enter", "\r") if ch == "\r" else events.Key(ch, ch))


async def select(pilot, number: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``number`` is a row of the queue shown, and put the cursor on it."""
    app = pilot.app
    await wait_for(pilot, lambda: table(app).loaded_once and any(r.number == number for r in table(app).rows))
    assert table(app).move_to_number(number)
    await pilot.pause()


async def open_dialog(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    """Press an action's key on the selected matter and wait for its dialog."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ActionDialog) and pilot.app.screen.query("#ok"))


def footer_line(app) -> str:  # type: ignore[no-untyped-def]
    return screen_text(app).splitlines()[-1]


async def open_palette_and_run(pilot, query: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: CommandPalette.is_open(app))
    await pilot.pause(0.2)  # the discovery list (every command, keys such as [/] among them) is drawn
    await pilot.press(*query)
    palette = app.screen

    def hits() -> int:
        return palette.query_one("CommandList", OptionList).option_count

    await wait_for(pilot, lambda: hits() > 0)
    await pilot.pause(0.2)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not CommandPalette.is_open(app))


async def _never_sent(body) -> None:  # type: ignore[no-untyped-def]
    raise AssertionError("nothing is sent from this dialog in this test")


class SlowNetwork(httpx.AsyncHTTPTransport):
    """The real server behind a line the test holds: while held, requests under ``prefix`` (matters) wait
    until released (no timing: on a loaded machine a fixed delay ran out before the test looked)."""

    def __init__(self, prefix: str = "/api/matters") -> None:
        super().__init__()
        self.prefix = prefix
        self.open = asyncio.Event()
        self.open.set()

    @classmethod
    def held(cls, app, prefix: str = "/api/matters") -> SlowNetwork:  # type: ignore[no-untyped-def]
        """Put ``app``'s calls (its session kept) behind a new line, held."""
        slow = cls(prefix)
        app.api = ApiClient(app.server_url, token=app.api.token, transport=slow)
        slow.hold()
        return slow

    def hold(self) -> None:
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(self.prefix):
            await self.open.wait()
        return await super().handle_async_request(request)


# ---------------------------------------------------------------------------------------------- 1 the palette
async def test_the_palette_opens_filters_and_runs_on_every_screen(make_app, tui_server) -> None:
    """ctrl+p crashed with MarkupError on the queue screen: a hit's text "[/]" (the filter key) was markup."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        await open_palette_and_run(pilot, "help")  # login
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await login(pilot, "huixing.center")
        await open_palette_and_run(pilot, "filter")  # queue: runs the filter key's action
        await wait_for(pilot, lambda: app.screen.query_one("#filter", Input).has_focus)
        await pilot.press("escape")
        await pilot.press("5")  # all: the town's incoming (waiting at the town itself) may be empty
        await wait_for(pilot, lambda: app.screen.query_one(QueueTable).rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
        await open_palette_and_run(pilot, "back")  # detail
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        await open_palette_and_run(pilot, "help")  # record form
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.push_screen(ActionDialog(table(app).current, Action.escalate, _never_sent))  # a dialog
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        await open_palette_and_run(pilot, "help")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.is_running


# ----------------------------------------------------------------------------------- 2 who is signed in
async def test_launch_signs_in_nobody_unless_kept_and_sign_out_ends_the_token(tui_server, tmp_path) -> None:
    """Launching signed in whoever signed in last, with no password, from the saved token."""
    state = tmp_path / "state"
    first = build_app(tui_server, state, "en", live=False)
    async with first.run_test(size=(100, 30)) as pilot:
        await login(pilot, "xingwang")  # "keep me signed in" is off by default
    tokens = state / "tokens.json"
    assert "token" not in tokens.read_text(encoding="utf-8")

    second = build_app(tui_server, state, "en", live=False)
    async with second.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(second.screen, LoginScreen) and second.screen.ready)
        await pilot.pause(0.3)
        assert isinstance(second.screen, LoginScreen) and second.operator is None  # nobody signed in
        assert second.screen.query_one("#username", Input).value == "xingwang"  # preselected
        assert second.screen.query_one("#keep", Checkbox).value is False
        samples = second.screen.query_one("#samples", OptionList)
        assert samples.get_option_at_index(samples.highlighted).id == "xingwang"
        # off reads off without colour (16 colours over SSH): a blank mark, X once ticked
        assert "▐ ▌ Keep me signed in" in screen_text(second)
        second.screen.query_one("#keep", Checkbox).focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: "▐X▌ Keep me signed in" in screen_text(second))
        second.screen.query_one("#password", Input).focus()
        await pilot.press(*SAMPLE_PASSWORD, "enter")
        await wait_for(pilot, lambda: isinstance(second.screen, QueueScreen))
    assert stat.S_IMODE(os.stat(tokens).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    token = re.search(r'"token": "([^"]+)"', tokens.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]

    third = build_app(tui_server, state, "en", live=False)
    async with third.run_test(size=(100, 30)) as pilot:
        # kept: resumed without a password
        await wait_for(pilot, lambda: isinstance(third.screen, QueueScreen) and table(third).loaded_once)
        assert third.operator is not None and third.operator.username == "xingwang"
        await pilot.press("u")  # sign out
        await wait_for(pilot, lambda: isinstance(third.screen, LoginScreen) and third.screen.ready)
        assert third.operator is None
        await pilot.pause(0.2)
    with httpx.Client(base_url=tui_server.base_url, timeout=10) as http:
        me = http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401  # ended on the server
    assert token not in tokens.read_text(encoding="utf-8")  # and forgotten here


async def test_only_the_embedded_server_is_called_built_in(make_app, tui_server) -> None:
    """Any --server on localhost was labelled "built-in server on this computer"."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        text = screen_text(app)
        assert tui_server.base_url in text and "built-in" not in text


# ------------------------------------------------------------------------------ 3 the cursor after an action
async def test_after_claim_the_claimed_matter_opens_and_a_second_c_claims_nothing(make_app, tui_server) -> None:
    """After c the cursor landed on another matter, and a second c claimed a matter nobody had looked at."""
    with api(tui_server.base_url, "huixing.center") as http:
        numbers = [record(http, f"Claim me {i}", f"claim-{i}") for i in range(3)]
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        await wait_for(pilot, lambda: all(any(r.number == n for r in table(app).rows) for n in numbers))
        await select(pilot, numbers[1])
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.number == numbers[1]
        await wait_for(pilot, lambda: app.screen.matter is not None and app.screen.matter.status is Status.in_progress)
        await pilot.press("c")  # claimed already: c is no key here now
        await pilot.pause(0.3)
    with api(tui_server.base_url, "huixing.center") as http:
        statuses = {n: http.get(f"/api/matters/{n}").json()["status"] for n in numbers}
    assert statuses == {numbers[0]: "pending", numbers[1]: "in_progress", numbers[2]: "pending"}


async def test_a_matter_sent_out_of_the_queue_opens_where_it_went(make_app, tui_server) -> None:
    """The same holds for the actions that move a matter out of the queue (escalate, release ...); one that
    stays in the queue keeps the cursor on it."""
    with api(tui_server.base_url, "baoshenghu") as village:
        number = record(village, "Not ours", "release-1")
        stays = record(village, "Not ours either", "release-2")
        for n in (number, stays):
            assert village.post(f"/api/matters/{n}/escalate", json={"note": "town"}).status_code == 200
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        await select(pilot, number)
        await open_dialog(pilot, "e")
        await pilot.press(*"for the district", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.number == number)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        # in the All queue, a matter released back to the village is still there: the cursor stays on it
        await pilot.press("5")
        await wait_for(pilot, lambda: app.screen.queue.value == "all")
        await select(pilot, stays)
        await open_dialog(pilot, "r")
        await pilot.press(*"belongs to the village", "ctrl+s")
        await wait_for(pilot, lambda: any("Release" in n.message and stays in n.message for n in app._notifications))
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and table(app).current is not None
                       and table(app).current.number == stays
                       and table(app).current.holder_unit.name != "回兴街道便民服务中心")


# ---------------------------------------------------------------------------------- 4 typed input is kept
async def test_a_typed_form_asks_before_discarding_and_q_never_quits_it(make_app, tui_server) -> None:
    with api(tui_server.base_url, "huixing.center") as http:  # a matter to escalate, whatever ran before
        record(http, "To escalate (typed form)", "typed-form-escalate")
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        await pilot.press(*"Water leak on the third floor")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        await pilot.press("n")  # keep editing
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        assert app.screen.query_one("#f-title", Input).value == "Water leak on the third floor"
        app.screen.query_one("#f-channel", Select).focus()
        await pilot.press("q")  # on a select: q quit the whole app
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, RecordScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        # an empty form goes at once
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        # a dialog with a typed note asks too
        await wait_for(pilot, lambda: any(Action.escalate in app.allowed_for(r) for r in table(app).rows))
        await select(pilot, next(r for r in table(app).rows if Action.escalate in app.allowed_for(r)).number)
        await open_dialog(pilot, "e")
        await pilot.press(*"needs the district")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog))
        assert app.screen.query_one("#f-note", Input).value == "needs the district"


# ------------------------------------------------------------------------------ 5 keys typed while loading
async def test_keys_typed_while_a_queue_or_a_matter_loads_are_not_lost(make_app, tui_server) -> None:
    with api(tui_server.base_url, "huixing.center") as http:
        number = record(http, "Typed ahead", "typed-ahead")
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        slow = SlowNetwork.held(app)
        await pilot.press("5", "down", "down")  # the All queue loads while down, down are typed
        assert not table(app).loaded_once
        slow.release()
        await wait_for(pilot, lambda: table(app).loaded_once and app.screen.queue.value == "all")
        await wait_for(pilot, lambda: table(app).cursor_row == 2)
        await pilot.press("1")
        await select(pilot, number)
        slow.hold()
        await pilot.press("enter", "c")  # c typed while the matter loads claims it once it is there
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.matter is None
        slow.release()
        await wait_for(pilot, lambda: any("Claim" in n.message and number in n.message for n in app._notifications))


async def test_keys_typed_right_after_enter_land_in_the_next_field(make_app) -> None:
    """A fast typist (or tmux, a paste, a scanner) sends the next field's keys before the screen has moved on:
    they landed in the field before (the title got the resident's name, the username the password)."""
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        app.screen.query_one("#username", Input).focus()
        await pilot.pause()
        type_fast(app, "huixing.center\r" + SAMPLE_PASSWORD + "\r")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and table(app).loaded_once)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        form = app.screen
        type_fast(app, "公园长椅损坏\r王先生\r13800000001")
        await wait_for(pilot, lambda: form.query_one("#f-resident_phone", Input).value == "13800000001")
        assert form.query_one("#f-title", Input).value == "公园长椅损坏"
        assert form.query_one("#f-resident_name", Input).value == "王先生"


# ------------------------------------------------------------------------------------------- 6 a long note


async def test_a_note_over_the_limit_is_typed_refused_as_too_long_and_saved_at_the_limit(make_app, tui_server) -> None:
    """Typing a 3,000-character note took about 10 s (Textual's Input measured the whole text at every key).
    The server keeps notes up to LIMITS["note"] (4,000) characters: the dialog says so at once, keeps what was
    typed, and saves the note once it fits."""
    from huiyin.core.schemas import LIMITS

    limit = LIMITS["note"]
    with api(tui_server.base_url, "huixing.center") as http:
        number = record(http, "A long story", "long-note")
        assert http.post(f"/api/matters/{number}/claim", json={}).status_code == 200
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        await pilot.press("2")
        await select(pilot, number)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog) and app.screen.query("#f-note"))
        note = app.screen.query_one("#f-note", Input)
        text = ("居民反映楼道灯坏了已联系物业" * 400)[:limit + 100]
        type_fast(app, text)
        await wait_for(pilot, lambda: note.value == text, timeout=20)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"too long (at most {limit} characters)" in screen_text(app))
        assert note.value == text and isinstance(app.screen, ActionDialog)  # nothing typed was lost
        note.value = text[:limit]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ActionDialog))
    with api(tui_server.base_url, "huixing.center") as http:
        events_ = http.get(f"/api/matters/{number}").json()["events"]
    assert events_[-1]["kind"] == "progress" and events_[-1]["note"] == text[:limit]


# -------------------------------------------------------------------------------- 8 selects, picker, errors
async def test_enter_on_a_select_moves_on_and_a_fixed_field_loses_its_error(make_app) -> None:
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        form = app.screen
        form.query_one("#f-complexity", Select).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and form.query_one("#f-description", Input).has_focus
        assert not form.query_one("#f-complexity", Select).expanded
        form.query_one("#f-title", Input).focus()
        await pilot.press(*"Broken swing", "enter", *"Wang", "enter", *"12345", "ctrl+s")
        await wait_for(pilot, lambda: "not a phone number" in screen_text(app))
        await pilot.press("backspace", *"678901")  # 1234678901: still not a number
        await pilot.pause()
        assert "not a phone number" in screen_text(app)
        await pilot.press("home", "1", "3", "end")  # 131234678901 -> too long, then fix it
        await pilot.press("backspace")
        await pilot.pause()
        assert form.query_one("#f-resident_phone", Input).value == "13123467890"
        assert "not a phone number" not in screen_text(app)  # fixed: the error went without saving


async def test_the_assign_picker_takes_one_enter_and_keeps_the_note(make_app, tui_server) -> None:
    with api(tui_server.base_url, "shuanghu") as village:
        number = record(village, "Needs the command center", "assign-1")
        assert village.post(f"/api/matters/{number}/request_help", json={"note": "help"}).status_code == 200
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "command")
        await select(pilot, number)
        await open_dialog(pilot, "t")
        await pilot.press(*"宝圣湖")
        await pilot.pause(0.1)
        await pilot.press("enter")  # one enter picks the unit and moves on to the note
        await pilot.pause()
        assert app.screen.to_unit is not None and app.screen.query_one("#f-note", Input).has_focus
        await pilot.press(*"please take it over", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ActionDialog))
    with api(tui_server.base_url, "command") as http:
        matter = http.get(f"/api/matters/{number}").json()
    assert matter["holder_unit"]["name"] == "宝圣湖社区便民服务站"
    assert matter["events"][-1]["kind"] == "assign" and matter["events"][-1]["note"] == "please take it over"


# ------------------------------------------------------------------------------------------------ 9 wording
def test_every_refusal_code_of_the_server_has_words_in_both_catalogs() -> None:
    codes = {str(code) for code in RefusalCode}
    for path in SERVER.rglob("*.py"):
        codes |= set(re.findall(r'ApiError\(\d{3}, "([a-z_]+)"', path.read_text(encoding="utf-8")))
    codes |= {"invalid_input", "internal_error", "forbidden", "too_many_requests", "unauthorized"}
    for lang in ("en", "zh-CN"):
        catalog = load_catalog(lang)
        missing = {code for code in codes if f"refusal.{code}" not in catalog}
        assert not missing, (lang, missing)
    set_language("zh-CN")
    text = refusal_text("wrong_status", "cannot claim a matter that is in_progress", action="认领", number="YB-1")
    assert "in_progress" not in text and "YB-1" in text
    assert refusal_text("a_code_from_a_newer_server", "its own words") == "its own words"
    set_language("en")


def test_one_word_per_status_and_timeline_counts_in_words() -> None:
    for lang in ("en", "zh-CN"):
        catalog = load_catalog(lang)
        assert not any(key.startswith("status_short.") for key in catalog)
    set_language("en")
    assert tn("detail.timeline_count", 1) == "Timeline (1 entry)"
    assert tn("detail.timeline_count", 3) == "Timeline (3 entries)"


async def test_dialog_wording_reopen_hint_and_the_close_button(make_app) -> None:
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "huixing.center")
        matter = table(app).current
        assert matter is not None

        app.push_screen(ActionDialog(matter, Action.reopen, _never_sent))
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog) and app.screen.query("#f-reason"))
        assert "not ours" not in app.screen.query_one("#f-reason", Input).placeholder
        app.pop_screen()
        app.push_screen(ActionDialog(matter, Action.close, _never_sent))
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog) and app.screen.query("#ok"))
        label = str(app.screen.query_one("#ok", Button).label)
        assert matter.number in label  # "Close YB-... (ctrl+s)", not a "Close" that reads as closing the dialog
        app.pop_screen()
        await pilot.press("2")
        await wait_for(pilot, lambda: table(app).loaded_once and app.screen.queue.value == "in_hand")
        if any(r.status is Status.in_progress for r in table(app).rows):
            assert "in progress" in screen_text(app) and "working" not in screen_text(app)


# -------------------------------------------------------------------------------------------- 10 the footer
async def test_the_footer_at_80_columns_keeps_help_and_the_first_allowed_actions(make_app, tui_server) -> None:
    with api(tui_server.base_url, "huixing.center") as http:
        number = record(http, "Being worked on", "footer-1")
        assert http.post(f"/api/matters/{number}/claim", json={}).status_code == 200
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "huixing.center")
        await pilot.press("2")  # in hand: a matter in progress allows many actions
        await select(pilot, number)
        await pilot.pause(0.2)
        allowed = app.allowed_for(table(app).current)
        assert len(allowed) >= 5
        line = footer_line(app)
        assert "? Help" in line, line
        assert line.strip().startswith(_key(allowed[0]) + " "), line  # what the matter needs next comes first
        for action in allowed[:2]:
            assert f"{app.get_key_display(app.screen.active_bindings[_key(action)].binding)} " in line, line
            assert {"release": "Release", "escalate": "Escalate", "progress": "Progress",
                    "request_help": "Ask command center", "answer": "Answer", "close": "Close"}.get(
                str(action), "") in line, line


def _key(action: Action) -> str:
    from huiyin.tui.actions import WORKFLOW_KEYS

    return WORKFLOW_KEYS[action]
