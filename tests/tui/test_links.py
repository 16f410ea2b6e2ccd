"""Linking by keyboard: `l` on a matter links it to another as related, or closes it as a duplicate of the
original; the timeline says which, and internal notes and answers to the resident read differently."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from huiyin.tui.screens.action_dialog import ActionDialog
from huiyin.tui.screens.detail import DetailScreen

from .conftest import login, screen_text, wait_for
from .test_day_one import api, record

pytestmark = pytest.mark.anyio


async def open_link_dialog(pilot, number: str, other: str, kind: str) -> ActionDialog:  # type: ignore[no-untyped-def]
    """On ``number``'s detail, press l, type the other matter's number and choose the kind of link."""
    app = pilot.app
    app.push_screen(DetailScreen(number))
    await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None)
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog) and app.screen.query("#f-other"))
    await pilot.press(*other)
    app.screen.query_one("#f-link_kind", Select).value = kind
    return app.screen


async def test_a_duplicate_is_linked_to_the_original_and_closed(make_app, tui_server) -> None:
    with api(tui_server.base_url, "shuanghu") as http:
        original = record(http, "Rock face above the lane", "link-original")
        duplicate = record(http, "Rocks over the lane again", "link-duplicate")
        assert http.post(f"/api/matters/{original}/progress", json={"note": "site visit booked"}).status_code == 200
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "shuanghu")
        dialog = await open_link_dialog(pilot, duplicate, original, "duplicate")
        dialog.query_one("#f-note", Input).focus()
        await pilot.press(*"same rock", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.matter is not None
                       and app.screen.matter.status == "closed")
        await wait_for(pilot, lambda: f"duplicate of {original}" in screen_text(app))
        # the original's timeline names the duplicate; its progress note reads as an internal note
        app.push_screen(DetailScreen(original))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.number == original
                       and app.screen.matter is not None)
        # the timeline paints after the matter has loaded: wait for its lines rather than read the first frame
        await wait_for(pilot, lambda: f"{duplicate} was a duplicate of this matter" in screen_text(app)
                       and "internal note: site visit booked" in screen_text(app))


async def test_linking_to_an_unknown_number_is_refused_next_to_the_field(make_app, tui_server) -> None:
    with api(tui_server.base_url, "shuanghu") as http:
        number = record(http, "Bench broken", "link-unknown")
    app = make_app(lang="en", live=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await login(pilot, "shuanghu")
        await open_link_dialog(pilot, number, "YB-2099-999999", "related")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionDialog)
                       and "no matter has this number" in screen_text(app))
        assert app.screen.query_one("#f-other", Input).value == "YB-2099-999999"  # kept to correct
