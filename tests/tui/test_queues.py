"""The queue tabs and their keys, arrivals (a notice and a ``*`` until opened, kept across a restart), the phone
filter, possible duplicates in the record form, and a cursor that follows its matter. Against the module's real
server; each test records matters of its own."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from huiyin.core.domain import Queue, Status
from huiyin.tui.components.queue_table import Columns, QueueTable
from huiyin.tui.components.similar import SimilarMatters
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.queue import QueueScreen
from huiyin.tui.screens.record import RecordScreen

from .conftest import SAMPLE_PASSWORD, logged_in_as, screen_text, wait_for

pytestmark = pytest.mark.anyio


def table(app) -> QueueTable:  # type: ignore[no-untyped-def]
    return app.screen.query_one(QueueTable)


def numbers(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.number for row in table(app).rows]


class Http:
    """One operator over plain HTTP: what another window does meanwhile."""

    def __init__(self, base_url: str, username: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=10)
        token = self.client.post("/api/auth/login", json={"username": username, "password": SAMPLE_PASSWORD})
        self.client.headers["Authorization"] = f"Bearer {token.json()['token']}"

    def record(self, title: str, **fields: str) -> str:
        body = {"title": title, "channel": "walk_in", "resident_name": "Resident", **fields}
        r = self.client.post("/api/matters", json=body, headers={"Idempotency-Key": f"{title}-{fields}"})
        assert r.status_code == 201, r.text
        return r.json()["number"]

    def act(self, number: str, action: str, **body: object) -> None:
        r = self.client.post(f"/api/matters/{number}/{action}", json=body)
        assert r.status_code == 200, r.text

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def http(tui_server):  # type: ignore[no-untyped-def]
    """``http(username)`` → that operator over plain HTTP, logged out at the end of the test."""
    made: list[Http] = []

    def make(username: str) -> Http:
        made.append(Http(tui_server.base_url, username))
        return made[-1]

    yield make
    for client in made:
        client.close()


async def switch(pilot, key: str, queue: Queue) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await wait_for(pilot, lambda: pilot.app.screen.queue is queue and table(pilot.app).loaded_once)
    await pilot.pause()


async def test_tabs_keys_and_the_pending_below_queue(make_app) -> None:
    """A town has 1 incoming, 2 in hand, 3 below, 4 sent on, 5 all; its communities' pending matters are in
    3, not in 1. A community has nothing under it: no tab 3, and 3 does nothing."""
    town = make_app(lang="en")
    async with town.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        screen = town.screen
        assert screen.queues == (Queue.incoming, Queue.in_hand, Queue.pending_below, Queue.sent_on, Queue.all,
                                 Queue.district)
        text = screen_text(town)
        for label in ("1 Incoming", "2 In hand", "3 Below", "4 Sent on", "5 All"):
            assert label in text, text
        unit = town.operator.unit.id
        assert all(r.holder_unit.id == unit and r.status is Status.pending for r in table(town).rows)
        await switch(pilot, "3", Queue.pending_below)
        rows = table(town).rows
        assert rows and all(r.holder_unit.id != unit and r.status is Status.pending for r in rows)
        # at 80 columns the holder's whole name shows (no status column: every row is pending)
        first = rows[0].holder_unit.name
        assert first in screen_text(town), screen_text(town)
        await switch(pilot, "4", Queue.sent_on)
        await switch(pilot, "5", Queue.all)
        await pilot.press("left")
        await wait_for(pilot, lambda: town.screen.queue is Queue.sent_on)

    village = make_app(lang="zh-CN")
    async with village.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        assert Queue.pending_below not in village.screen.queues
        assert "3 辖区待认领" not in screen_text(village)
        await pilot.press("3")
        await pilot.pause()
        assert village.screen.queue is Queue.incoming
        await switch(pilot, "4", Queue.sent_on)


async def test_a_village_searches_the_whole_district_and_sees_the_resident_masked(make_app) -> None:
    """The dangerous-rock story: a community finds the matter recorded and held elsewhere before recording it
    again; it reads the work, with the resident masked (it is not on that matter's path)."""
    from huiyin.tui.screens.detail import DetailScreen

    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "xingwang")
        assert "7 District" in screen_text(app) or Queue.district in app.screen.queues
        await switch(pilot, "7", Queue.district)
        await pilot.press("slash", *"危岩", "enter")
        await wait_for(pilot, lambda: any("危岩" in r.title for r in table(app).rows))
        rock = next(r for r in table(app).rows if "危岩" in r.title)
        assert rock.holder_unit.name != "兴旺村便民服务站" and "resident_name" in rock.masked
        assert table(app).move_to_number(rock.number)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
        await wait_for(pilot, lambda: "(masked)" in screen_text(app) and "138****" in screen_text(app))
        text = screen_text(app)
        assert "c Claim" not in text  # finding it is not taking it


def test_narrow_columns_keep_one_unit_column() -> None:
    narrow = Columns.for_width(79, "holder", show_status=False)  # an 80-column terminal, less the scrollbar
    assert narrow.origin == 0 and narrow.holder >= 20  # a 10-character Chinese unit name fits
    assert Columns.for_width(79, "origin").holder == 0
    wide = Columns.for_width(118)
    assert wide.origin >= 20 and wide.holder >= 20
    for cols, width in ((narrow, 79), (wide, 118)):
        line = cols.line("YB-2026-000001", "t", "o", "h")
        used = cols.mark + 1 + len(line) + 1 + (cols.status + 1 if cols.status else 0) + cols.left
        assert used <= width


async def test_an_arrival_is_announced_and_marked_until_opened(make_app, http, tui_server, tmp_path: Path) -> None:
    """A community escalates to the town: the town's window says so (number and title) and marks the row
    with * until the clerk opens it; the mark stays gone after a restart, and a new arrival is marked."""
    state = tmp_path / "clerk"
    community = http("baoshenghu")
    town = make_app(lang="en", state_dir=state)
    async with town.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        # what waited before this operator ever used the workbench is not news
        assert all(not table(town).is_new(r) for r in table(town).rows)
        number = community.record("Loose manhole cover at No. 3")
        community.act(number, "escalate", note="needs the town")
        await wait_for(pilot, lambda: number in numbers(town), timeout=5)
        await wait_for(pilot, lambda: any(number in n.message and "Loose manhole cover" in n.message
                                          for n in town._notifications))
        row = next(r for r in table(town).rows if r.number == number)
        assert table(town).is_new(row)
        await pilot.pause(0.1)
        line = next(line for line in screen_text(town).splitlines() if number in line)
        assert line.lstrip().startswith("*"), line  # a glyph, not only a colour
        # opening it clears the mark
        assert table(town).move_to_number(number)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(town.screen, DetailScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(town.screen, QueueScreen))
        assert not table(town).is_new(row)
        line = next(line for line in screen_text(town).splitlines() if number in line)
        assert not line.lstrip().startswith("*"), line
        announced = len(town._notifications)
        later = community.record("Stray dogs by the school")
        community.act(later, "escalate", note="needs the town")
        await wait_for(pilot, lambda: later in numbers(town), timeout=5)

    # a restart (same state dir): the opened one stays unmarked, the one not opened is still new
    again = make_app(lang="en", state_dir=state)
    async with again.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        rows = {r.number: r for r in table(again).rows}
        assert not table(again).is_new(rows[number])
        assert table(again).is_new(rows[later])
    assert announced >= 1


async def test_filter_by_phone_finds_the_matter(make_app, http) -> None:
    clerk = http("xingwang")
    number = clerk.record("Water pipe burst", resident_phone="13903579246")
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "xingwang")
        await switch(pilot, "5", Queue.all)
        await pilot.press("slash", *"9246", "enter")  # the last 4 digits
        await wait_for(pilot, lambda: app.screen.filter_text == "9246" and numbers(app) == [number])
        await pilot.press("escape")
        await pilot.press("slash", *"139-0357", "enter")  # with the dash the resident said
        await wait_for(pilot, lambda: app.screen.filter_text == "139-0357" and numbers(app) == [number])


async def test_record_form_shows_a_possible_duplicate_and_opens_it(make_app, http) -> None:
    """Another community recorded this resident's matter; typing the phone shows it, ctrl+o opens it on top of
    the form, esc comes back to the form with what was typed."""
    other = http("liuqiao")
    number = other.record("Leaking roof in the community hall", resident_phone="13655554444")
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        form = app.screen
        await pilot.press(*"Roof leaks", "enter", *"Zhang", "enter", *"136 5555 4444")
        similar = form.query_one(SimilarMatters)
        await wait_for(pilot, lambda: [m.number for m in similar.matters] == [number])
        await pilot.pause(0.1)
        assert similar.display and number in screen_text(app)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.number == number)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is form)
        assert form.values()["title"] == "Roof leaks" and form.values()["resident_phone"] == "136 5555 4444"
        # a different phone: nothing listed
        form.query_one("#f-resident_phone").value = "13600000009"
        await wait_for(pilot, lambda: similar.matters == [])
        assert not similar.has_class("-shown")


async def test_cursor_follows_its_matter_and_early_keys_count(make_app, http) -> None:
    """Keys pressed while a queue loads move the cursor once the rows come; a refresh while the cursor moved
    keeps it on the matter it is on, wherever that row went."""
    app = make_app(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "command")
        await pilot.press("5", "down", "down")  # all: the keys come before the first page
        t = table(app)
        await wait_for(pilot, lambda: app.screen.queue is Queue.all and t.loaded_once)
        await pilot.pause()
        assert t.total > 3 and t.cursor_row == 2
        # on the last row; a refresh in which a more urgent matter comes in above: the cursor stays on its
        # matter, one line further down
        await pilot.press("end")
        await pilot.pause()
        chosen, row, total = t.current.number, t.cursor_row, t.total
        http("shuanghu").record("More urgent than the last row")
        app.screen.refresh_data()
        await wait_for(pilot, lambda: t.total == total + 1)
        await pilot.pause()
        assert t.current.number == chosen and t.cursor_row == row + 1
        # asking for a matter that is not loaded yet selects it when it is
        last = t.rows[-1].number
        t.set_source(t.fetcher)  # type: ignore[arg-type]
        assert not t.move_to_number(last)
        await t.reload()
        assert t.current.number == last
