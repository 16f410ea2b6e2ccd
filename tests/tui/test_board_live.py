"""The board follows the live feed: a claim made elsewhere (another window, through the API) changes its counts
without any key pressed and without polling. Its own module: it changes the sample district's matters."""

from __future__ import annotations

import pytest

from huiyin.tui.screens.board import BoardScreen

from .conftest import logged_in_as, wait_for

pytestmark = pytest.mark.anyio


async def test_a_claim_elsewhere_changes_the_board_live(make_app, tui_server) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import Api

    app = make_app(live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "command")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.board is not None)
        board = app.screen
        assert [h.number for h in board.board.help_waiting] == ["YB-2026-000017"]
        before = board.fetches
        with Api(tui_server.base_url) as api:
            api["command"].act("YB-2026-000017", "claim")
        await wait_for(pilot, lambda: board.board.help_waiting == [], timeout=10)
        assert board.fetches == before + 1
        # the help-request table shows it: no row left, its count 0
        assert board.query_one("#board-help").row_count == 0
        assert board.query_one("#board-help").border_subtitle == "0"
