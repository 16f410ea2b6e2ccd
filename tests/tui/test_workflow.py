"""The workbench against a real in-process server: log in, record, claim, escalate; the parent tier sees it
arrive live and claims it; a racing claim's 409 is shown, not crashed on."""

from __future__ import annotations

import httpx
import pytest

from huiyin.core.domain import Status
from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.action_dialog import ActionDialog
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.queue import QueueScreen
from huiyin.tui.screens.record import RecordScreen

from .conftest import SAMPLE_PASSWORD, login, screen_text, wait_for

pytestmark = pytest.mark.anyio


def table(app) -> QueueTable:  # type: ignore[no-untyped-def]
    return app.screen.query_one(QueueTable)


def numbers(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.number for row in table(app).rows]


def messages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


def api_login(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10)
    token = client.post("/api/auth/login", json={"username": username, "password": SAMPLE_PASSWORD}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


async def test_record_claim_escalate_and_the_town_sees_it_live(make_app, tui_server) -> None:
    town = make_app(lang="en")
    village = make_app(lang="en")  # one language per process: the catalogs are global
    async with town.run_test(size=(120, 40)) as town_pilot:
        await login(town_pilot, "huixing.center")
        before = set(numbers(town))
        async with village.run_test(size=(80, 24)) as pilot:
            await login(pilot, "shuanghu")
            # record a walk-in matter with the form
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(village.screen, RecordScreen))
            await pilot.press(*"Broken bench in the park", "enter")  # title, then on to the resident
            await pilot.press(*"Wang", "enter")
            await pilot.press(*"13800000001", "enter")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(village.screen, QueueScreen))
            recorded = [m for m in messages(village) if "Recorded" in m]
            assert recorded, messages(village)
            number = recorded[-1].split()[-1]
            await wait_for(pilot, lambda: number in numbers(village))
            # the cursor is on the matter just recorded: c claims that one, not the row that was selected
            await wait_for(pilot, lambda: table(village).current is not None
                           and table(village).current.number == number)
            await pilot.pause()
            # the footer offers claim (core rules), and c claims it
            assert "c" in village.screen.active_bindings
            await pilot.press("c")
            try:
                await wait_for(pilot, lambda: any("Claim" in m and number in m for m in messages(village)))
            except AssertionError as err:
                raise AssertionError(messages(village)) from err
            # the claimed matter opens (never the next row under the cursor), esc goes back to the queue
            await wait_for(pilot, lambda: isinstance(village.screen, DetailScreen) and village.screen.number == number)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(village.screen, QueueScreen))
            await pilot.press("2")  # in hand
            await wait_for(pilot, lambda: number in numbers(village))
            assert table(village).move_to_number(number)
            await pilot.pause()
            assert table(village).current.status is Status.in_progress
            # escalate asks for a note and confirmation
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(village.screen, ActionDialog))
            assert "回兴街道便民服务中心" in screen_text(village)
            await pilot.press("ctrl+s")  # the note is required: refused in the form, nothing sent
            await pilot.pause()
            assert isinstance(village.screen, ActionDialog)
            assert "required" in screen_text(village)
            await pilot.press(*"not ours: needs the town", "enter", "enter")  # on to the button, which confirms
            # it left the in-hand queue: its detail shows where it went (the cursor is on no other matter)
            await wait_for(pilot, lambda: isinstance(village.screen, DetailScreen) and village.screen.number == number
                           and village.screen.matter is not None and village.screen.matter.status is Status.pending)
            assert "回兴街道便民服务中心" in screen_text(village)
            await wait_for(pilot, lambda: any("Escalate" in m for m in messages(village)))

        # the town's window shows it by itself, within a second or so, and keeps its cursor
        cursor_before = table(town).current.number if table(town).current else None
        try:
            await wait_for(town_pilot, lambda: number in numbers(town), timeout=3)
        except AssertionError as err:
            workers = [(w, w.state, w.error) for w in town.workers]
            raise AssertionError((number, numbers(town), town.last_event_id, workers)) from err
        assert set(numbers(town)) - before == {number}
        if cursor_before:
            assert table(town).current.number == cursor_before
        assert table(town).move_to_number(number)
        await town_pilot.pause()
        await town_pilot.press("c")
        await wait_for(town_pilot, lambda: any("Claim" in m and number in m for m in messages(town)))
        await wait_for(town_pilot, lambda: isinstance(town.screen, DetailScreen) and town.screen.number == number)
        await town_pilot.press("escape")
        await wait_for(town_pilot, lambda: isinstance(town.screen, QueueScreen))
        await wait_for(town_pilot, lambda: number not in numbers(town))  # left the incoming queue

        # a racing claim: another window (the district service center) claims first; ours gets a 409, shown
        town_http = api_login(tui_server.base_url, "huixing.center")
        district_http = api_login(tui_server.base_url, "district.center")
        try:
            other = town_http.post("/api/matters", json={"title": "Race", "channel": "walk_in",
                                                         "resident_name": "Li"}, headers={"Idempotency-Key": "race-1"})
            assert other.status_code == 201, other.text
            race = other.json()["number"]
            await wait_for(town_pilot, lambda: race in numbers(town), timeout=3)
            assert table(town).move_to_number(race)
            await town_pilot.pause()
            assert "c" in town.screen.active_bindings
            assert district_http.post(f"/api/matters/{race}/claim", json={}).status_code == 200
            await town_pilot.press("c")  # our row still says pending: the server refuses
            await wait_for(town_pilot, lambda: any(n.severity == "error" for n in town._notifications))
            error = [n for n in town._notifications if n.severity == "error"][-1]
            assert "already claimed" in error.message
            await wait_for(town_pilot, lambda: race not in numbers(town))  # the row was refreshed
            assert town.is_running
        finally:
            town_http.close()
            district_http.close()


async def test_switch_operator_without_restarting(make_app) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "xingwang")
        assert app.operator.username == "xingwang"
        await pilot.press("u")
        from huiyin.tui.screens.login import LoginScreen

        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.ready)
        # the sample list is the server's (GET /api/sample/operators), supervisors included
        options = app.screen.query_one("#samples")
        listed = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "district.supervisor" in listed and "huixing.center" in listed
        # the next shift types where the focus starts: the username (the list highlights whoever it names)
        assert app.screen.query_one("#username").has_focus and options.highlighted is None
        await pilot.press("tab", "tab", "tab")  # password, keep me signed in, the list
        await wait_for(pilot, lambda: options.has_focus)
        await pilot.press("home", *["down"] * listed.index("huixing.center"))
        assert app.screen.query_one("#username").value == "huixing.center"  # who enter signs in
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.operator.username == "huixing.center"
        assert "huixing.center" in screen_text(app)
