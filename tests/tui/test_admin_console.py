"""The admin console in the workbench, driven by keys (Pilot) against a real server: the unit tree (U),
operators (O), the calendar and policy (K) and the audit (L); admins only."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select, Tree

from huiyin.tui.screens.admin_audit import AuditScreen
from huiyin.tui.screens.admin_calendar import CalendarScreen
from huiyin.tui.screens.admin_dialogs import ConfirmDialog, FormDialog, NoticeDialog
from huiyin.tui.screens.admin_operators import OperatorsScreen
from huiyin.tui.screens.admin_units import UnitTreeScreen
from huiyin.tui.screens.discard import DiscardScreen
from huiyin.tui.screens.queue import QueueScreen

from .conftest import logged_in_as, screen_text, settle, wait_for

pytestmark = pytest.mark.anyio


async def open_admin(pilot, key: str, cls):  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, cls) and pilot.app.screen.loaded_once)
    return pilot.app.screen


async def test_a_clerk_has_no_admin_keys(make_app):
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        for key in ("U", "O", "K", "L"):
            await pilot.press(key)
        await pilot.pause(0.1)
        assert isinstance(app.screen, QueueScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any("admin" in c.help for c in app.get_system_commands(app.screen) if "admin." in c.help)
        assert len(titles) > 0


async def test_unit_tree_add_and_deactivate_by_keys(make_app):
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        # the palette offers the admin screens by name
        assert any(c.help.endswith("admin.units") for c in app.get_system_commands(app.screen))
        screen = await open_admin(pilot, "U", UnitTreeScreen)
        screen.query_one(Tree)  # the units show as a tree
        # find the town and add a village under it
        await pilot.press("slash", *"双凤桥", "enter")
        await pilot.pause(0.05)
        assert "双凤桥街道便民服务中心" in screen_text(app) and "回兴街道便民服务中心" not in screen_text(app)
        await pilot.press("escape")  # closes the finder
        town = next(u for u in screen.units if u.name == "双凤桥街道便民服务中心")
        screen.build(town.id)
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().id == town.id)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("ctrl+s")  # nothing typed: the name is required, said in words
        await wait_for(pilot, lambda: "Required" in screen_text(app))
        await pilot.press(*"凤凰村便民服务站")
        app.screen.query_one("#f-kind", Select).value = "station"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and any(u.name == "凤凰村便民服务站" for u in screen.units))
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().name == "凤凰村便民服务站")
        new = screen.current()
        assert new.tier == "village" and new.parent_id == app.units[new.parent_id].id
        assert new.id in app.units  # the workbench's own tree follows at once
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: any(u.name == "凤凰村便民服务站" and not u.active for u in screen.units))
        assert "✕ 凤凰村便民服务站" in screen_text(app)
        # a unit with open matters cannot be deactivated: the refusal in words, naming the matters
        held = next(u for u in screen.units if u.open_matters)
        screen.build(held.id)
        await wait_for(pilot, lambda: screen.current() is not None and screen.current().id == held.id)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "still holds open matters" in screen_text(app))
        assert "YB-2026-" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_operators_add_shows_password_once_then_disable(make_app):
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        screen = await open_admin(pilot, "O", OperatorsScreen)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press(*"new clerk")
        await wait_for(pilot, lambda: "No spaces" in screen_text(app))  # checked as it is typed
        await pilot.press(*["backspace"] * 9, *"newclerk")
        unit = next(u for u in app.units.values() if u.name == "宝圣湖社区便民服务站")
        app.screen.query_one("#f-unit_id", Select).value = str(unit.id)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, NoticeDialog))
        password = app.screen.text.split()[0]
        assert len(password) == 12 and password in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.current_name() == "newclerk")
        # filter, then disable with a confirmation
        await pilot.press("slash", *"newcl", "enter")
        assert screen.query_one(DataTable).row_count == 1
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: any(o.username == "newclerk" and o.disabled for o in screen.operators))
        # the last admin: refused in words
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.query_one("#admin-filter", Input).display)
        screen.fill("admin")
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: "last active admin" in screen_text(app))
        # a form with typed input asks before throwing it away
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("x", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_calendar_edit_a_day_and_the_audit_shows_it(make_app):
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "admin")
        screen = await open_admin(pilot, "K", CalendarScreen)
        assert screen.cursor.isoformat() == "2026-11-26"
        assert "2026-11" in screen_text(app) and "Policy: simple 3 working days" in screen_text(app)
        await pilot.press("right")  # Friday 27th
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("tab", *"Test day")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and any(
            d.day.isoformat() == "2026-11-27" and d.kind == "holiday" for d in screen.year.special_days))
        await wait_for(pilot, lambda: "27*" in screen_text(app))
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: not any(d.day.isoformat() == "2026-11-27" for d in screen.year.special_days))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen) and not app.screen.is_loading())
        await settle(pilot)
        audit = await open_admin(pilot, "L", AuditScreen)
        assert audit.entries[0].kind == "calendar_day" and audit.entries[0].subject == "2026-11-27"
        await pilot.press("k")  # calendar days only
        await wait_for(pilot, lambda: audit.kind == "calendar_day" and audit.entries
                       and all(e.kind == "calendar_day" for e in audit.entries))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NoticeDialog))
        assert "before:" in screen_text(app) and "Test day" in screen_text(app)


async def test_an_open_workbench_sees_a_unit_change_at_once(make_app, tui_server):
    """The live feed says ``units_changed`` when an admin changes the tree: a clerk's open window has the new
    name without signing in again."""
    import httpx

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in_as(pilot, "shuanghu")
        unit_id = app.operator.unit.id
        with httpx.Client(base_url=tui_server.base_url, timeout=10) as http:
            token = http.post("/api/auth/login", json={"username": "admin", "password": "huiyin-sample"}).json()
            auth = {"Authorization": f"Bearer {token['token']}"}
            await wait_for(pilot, lambda: bool(tui_server.ctx.notifier._waiters))  # the window's live feed is on
            r = http.patch(f"/api/units/{unit_id}", json={"name": "双湖路社区服务站"}, headers=auth)
            assert r.status_code == 200, r.text
            try:
                await wait_for(pilot, lambda: app.units[unit_id].name == "双湖路社区服务站", timeout=8)
            finally:
                http.patch(f"/api/units/{unit_id}", json={"name": "双湖路社区便民服务站"}, headers=auth)
