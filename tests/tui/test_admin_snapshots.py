"""Snapshots of the admin console: each screen at 80×24 in the 16-colour theme in Chinese, and two at 120×40 in
English; the sample district, the clock frozen. Regenerate with ``--snapshot-update`` and look at them."""

from __future__ import annotations

import pytest

from huiyin.tui.screens.admin_audit import AuditScreen
from huiyin.tui.screens.admin_calendar import CalendarScreen
from huiyin.tui.screens.admin_operators import OperatorsScreen
from huiyin.tui.screens.admin_units import UnitTreeScreen

from .conftest import logged_in_as, settle, wait_for

SCREENS = {"units": ("U", UnitTreeScreen), "operators": ("O", OperatorsScreen), "calendar": ("K", CalendarScreen),
           "audit": ("L", AuditScreen)}
CASES = [("units", "zh-CN", (80, 24), "huiyin-16"), ("operators", "zh-CN", (80, 24), "huiyin-16"),
         ("calendar", "zh-CN", (80, 24), "huiyin-16"), ("audit", "zh-CN", (80, 24), "huiyin-16"),
         ("units", "en", (120, 40), None), ("calendar", "en", (120, 40), None),
         ("operators", "en", (80, 24), "huiyin-16"), ("operators", "en", (120, 40), None),
         ("audit", "en", (80, 24), "huiyin-16"), ("audit", "en", (120, 40), None)]


def opened(name: str):  # type: ignore[no-untyped-def]
    key, cls = SCREENS[name]

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await logged_in_as(pilot, "admin")
        # one audited change (the same each time: an unchanged day writes no second entry)
        await app.api._request("PUT", "/api/calendar/days/2027-03-01", json_body={"type": "holiday", "name": "测试"})
        # and an operator disabled (active: yes → no in the audit, ✕ in the operators table; once: the same again
        # writes nothing)
        await app.api._request("PATCH", "/api/operators/liuqiao", json_body={"disabled": True})
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, cls) and app.screen.loaded_once)
        await settle(pilot)

    return run


@pytest.mark.parametrize("name,lang,size,theme", CASES,
                         ids=[f"{n}-{lang}-{w}x{h}" for n, lang, (w, h), _ in CASES])
def test_admin_snapshot(snap_compare, make_app, name: str, lang: str, size: tuple[int, int], theme: str | None):
    app = make_app(lang=lang, live=False, **({"theme": theme} if theme else {}))
    assert snap_compare(app, terminal_size=size, run_before=opened(name))
