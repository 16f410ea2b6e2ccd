"""Issue 17, for a commander, an admin at 80x24 and a clerk: the queues say what is true (a matter the command
center assigned is marked and offers no claim to the units above; a filter that matched nothing says so), a key
kept for other roles says who may use it, ``?`` shows the server's address, and the admin screens fit and read
plainly (operators, audit, the unit tree's find). The module's server is the sample district (read only, except
the audit test's own change of an operator's name)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Tree

from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.help import HelpScreen

from .conftest import logged_in_as, screen_text, settle, snapshot_of, wait_for

#: the sample's matter the command center assigned to 区交委, still pending there
ASSIGNED = "YB-2026-000004"


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


@pytest.mark.anyio
async def test_an_assigned_matter_below_is_marked_and_offers_no_claim(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "district.center")
        await pilot.press("3")
        table = app.screen.query_one(QueueTable)
        await wait_for(pilot, lambda: str(app.screen.queue) == "pending_below" and table.loaded_once
                       and any(m.number == ASSIGNED for m in table.rows))
        assert table.move_to_number(ASSIGNED)
        await settle(pilot)
        row = next(line for line in screen_text(app).splitlines() if ASSIGNED in line)
        assert "[assigned] 区交委" in row
        # the core rules (decide/check) refuse the claim: no c in the footer, the status line says who may
        assert app.screen.check_action("workflow", ("claim",)) is False
        assert "c Claim" not in screen_text(app)
        assert "only 区交委 may claim it" in screen_text(app)
        # a matter below that was not assigned: claimable, and not marked
        other = next(m for m in table.rows if m.number != ASSIGNED and m.holder_unit.name != "区交委")
        table.move_to_number(other.number)
        await settle(pilot)
        assert app.screen.check_action("workflow", ("claim",)) is True
        assert "[assigned]" not in next(line for line in screen_text(app).splitlines() if other.number in line)


@pytest.mark.anyio
async def test_a_filter_that_matches_nothing_says_so(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        # (an s or b typed into the filter box is text, not the report's or the board's key)
        await pilot.press("slash", *"zzsb", "enter")
        table = app.screen.query_one(QueueTable)
        await wait_for(pilot, lambda: app.screen.filter_text == "zzsb" and table.loaded_once and table.total == 0
                       and "zzsb" in screen_text(app))
        text = screen_text(app)
        assert 'Nothing matches the filter "zzsb". esc clears it' in text
        assert not any("is for:" in n for n in notices(app))
        assert "New matters appear by themselves" not in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.filter_text == "" and table.total > 0)


@pytest.mark.anyio
@pytest.mark.parametrize(("user", "key", "says"), [
    ("shuanghu", "s", "Assessment report is for: supervisor, commander, admin."),
    ("huixing.supervisor", "b", "Command center board is for: commander, admin."),
    ("shuanghu", "O", "Operators is for: admin."),
])
async def test_a_key_for_other_roles_says_who_may(make_app, user: str, key: str, says: str) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, user)
        queue = app.screen
        await pilot.press(key)
        await wait_for(pilot, lambda: any(says in n for n in notices(app)), info=lambda: repr(notices(app)))
        assert app.screen is queue


@pytest.mark.anyio
async def test_help_shows_the_built_in_servers_address(make_app, tui_server) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await settle(pilot)
        assert tui_server.base_url.rstrip("/") in screen_text(app)


# ------------------------------------------------------------------------------------------ the admin at 80x24
async def _admin_screen(pilot, key: str, cls):  # type: ignore[no-untyped-def]
    app = pilot.app
    await logged_in_as(pilot, "admin")
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, cls) and app.screen.loaded_once)
    await settle(pilot)
    return app.screen


@pytest.mark.anyio
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_the_operators_table_fits_80_columns(make_app, lang: str) -> None:  # type: ignore[no-untyped-def]
    from huiyin.tui.screens.admin_operators import OperatorsScreen

    app = make_app(lang=lang, live=False, theme="huiyin-16")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin_screen(pilot, "O", OperatorsScreen)
        table = screen.query_one(DataTable)
        # every column in sight: nothing to reach by pressing right
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert [str(k.value) for k in table.columns][:2] == ["state", "username"]
        first = next(line for line in screen_text(app).splitlines() if "admin" in line and "✓" in line)
        assert first.lstrip().startswith("✓")
        # the highlighted operator's name and unit in full below the table
        assert "系统管理员 · 渝北区" in screen_text(app)


@pytest.mark.anyio
async def test_the_audit_reads_plainly(make_app) -> None:  # type: ignore[no-untyped-def]
    """Values whole and in words (active: yes → no, password changed), one time zone in the list and the
    detail, and "1 entry" / "2 entries"."""
    from huiyin.tui.screens.admin_audit import AuditScreen
    from huiyin.tui.screens.admin_dialogs import NoticeDialog

    app = make_app(live=False, theme="huiyin-16")
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in_as(pilot, "admin")
        await app.api._request("PATCH", "/api/operators/liuqiao", json_body={"disabled": True})
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.loaded_once)
        await settle(pilot)
        text = screen_text(app)
        assert "1 entry ·" in text and "entries" not in text
        assert "active: yes → no" in next(line for line in text.splitlines() if "liuqiao" in line)
        await pilot.press("escape")
        await app.api._request("POST", "/api/operators/liuqiao/password", json_body={})
        await app.api._request("PATCH", "/api/operators/liuqiao", json_body={"disabled": False})
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.loaded_once)
        await settle(pilot)
        text = screen_text(app)
        assert "3 entries ·" in text
        assert "password changed" in text and "None" not in text
        listed = next(line for line in text.splitlines() if "password changed" in line).split()[:2]
        await pilot.press("down")  # the password entry (newest first: enabled, password, disabled)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NoticeDialog))
        await settle(pilot)
        detail = screen_text(app)
        # the detail's time: the list's (the district's time, with its zone), not UTC
        assert f"{listed[0]} {listed[1]}:00 (Asia/Shanghai)" in detail, (listed, detail)
        assert "password changed" in detail


@pytest.mark.anyio
async def test_a_unit_found_takes_the_cursor(make_app) -> None:  # type: ignore[no-untyped-def]
    from huiyin.tui.screens.admin_dialogs import FormDialog
    from huiyin.tui.screens.admin_units import UnitTreeScreen

    app = make_app(live=False, theme="huiyin-16")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _admin_screen(pilot, "U", UnitTreeScreen)
        await pilot.press("slash", *"兴旺", "enter")
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().name == "兴旺村便民服务站"
                       and screen.query_one(Tree).has_focus)
        await pilot.press("escape")  # the find box goes; the cursor stays on the unit found
        await wait_for(pilot, lambda: not screen.query_one("#admin-filter", Input).display)
        await settle(pilot)
        assert screen.current().name == "兴旺村便民服务站"
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        assert "兴旺村便民服务站" in screen_text(app)  # "New unit under 兴旺村便民服务站"
        await pilot.press("escape")


@pytest.mark.anyio
async def test_the_not_claimed_in_time_entry_names_the_claim_deadline(make_app) -> None:  # type: ignore[no-untyped-def]
    """The sample's YB-2026-000005 should have been claimed by 11-23 17:30 (its answer is due 11-25 17:30): the
    supervision entry names the claim deadline, as the detail's "Claim by" line does."""
    from huiyin.tui.screens.detail import DetailScreen

    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        await app.push_screen(DetailScreen("YB-2026-000005"))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.load_done
                       and "not claimed in time" in screen_text(app))
        lines = screen_text(app).splitlines()
        claim_by = next(line for line in lines if line.strip().startswith("Claim by")).split()[2:4]
        entry = next(line for line in lines if "not claimed in time" in line)
        assert f"claim by {claim_by[0]} {claim_by[1]}" in entry, (claim_by, entry)
        assert "deadline" not in entry.split("not claimed in time")[1]


# ---------------------------------------------------------------------------------------------------- snapshots
async def _below_assigned(pilot) -> None:  # type: ignore[no-untyped-def]
    """The district service center's *below* queue, the cursor on the matter the command center assigned."""
    app = pilot.app
    await logged_in_as(pilot, "district.center")
    await pilot.press("3")
    table = app.screen.query_one(QueueTable)
    await wait_for(pilot, lambda: str(app.screen.queue) == "pending_below" and table.loaded_once
                   and any(m.number == ASSIGNED for m in table.rows))
    table.move_to_number(ASSIGNED)
    await settle(pilot)


async def _no_match(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await logged_in_as(pilot, "shuanghu")
    await pilot.press("slash", *"zzqx", "enter")
    table = app.screen.query_one(QueueTable)
    await wait_for(pilot, lambda: app.screen.filter_text == "zzqx" and table.loaded_once and table.total == 0)
    await settle(pilot)


SNAPSHOTS = {
    "below_assigned-en-80x24-16": (_below_assigned, "en", (80, 24), "huiyin-16"),
    "below_assigned-zh-CN-120x40": (_below_assigned, "zh-CN", (120, 40), None),
    "no_match-zh-CN-80x24-16": (_no_match, "zh-CN", (80, 24), "huiyin-16"),
    "no_match-en-120x40": (_no_match, "en", (120, 40), None),
}


@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_snapshot(snap_compare, make_app, name: str) -> None:  # type: ignore[no-untyped-def]
    assert snapshot_of(snap_compare, make_app, *SNAPSHOTS[name])
