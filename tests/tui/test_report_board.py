"""The report screen and the command center board: who gets the keys, the table, the drill-down to the matters
behind a figure or a cell and on to a matter's detail, the export, and snapshots (80x24 in 16 colours, 120x40;
zh-CN and en). The module's server is the sample district (read only here; the live test has its own module)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from huiyin.tui.components.queue_table import QueueTable
from huiyin.tui.screens.board import BoardScreen
from huiyin.tui.screens.detail import DetailScreen
from huiyin.tui.screens.report import FigurePicker, MatterList, ReportScreen

from .conftest import logged_in_as, screen_text, settle, snapshot_of, wait_for


async def _report(pilot) -> None:  # type: ignore[no-untyped-def]
    await logged_in_as(pilot, "command")
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReportScreen) and pilot.app.screen.report is not None)
    await settle(pilot)


async def _board(pilot) -> None:  # type: ignore[no-untyped-def]
    await logged_in_as(pilot, "command")
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BoardScreen) and pilot.app.screen.board is not None)
    await settle(pilot)


@pytest.mark.anyio
async def test_keys_only_for_their_roles(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "huixing.supervisor")
        queue = app.screen
        assert queue.check_action("report", ()) is True and queue.check_action("board", ()) is False
        titles = [c.title for c in app.get_system_commands(queue)]
        assert any("Assessment report" in title for title in titles)
        assert not any("Command center board" in title for title in titles)
        await pilot.press("b")
        await pilot.pause()
        assert app.screen is queue
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in_as(pilot, "huixing.center")
        assert app.screen.check_action("report", ()) is False and app.screen.check_action("board", ()) is False


@pytest.mark.anyio
async def test_report_drills_down_to_a_matter(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _report(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.period.first.isoformat() == "2026-01-01"
        assert "rates by unit" in screen_text(app)
        assert [row.kind for row in screen.rows[-4:]] == ["tier", "tier", "tier", "district"]
        table = screen.query_one("#report-table", DataTable)
        # the district tier's units and the whole district: two different sums, two names
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count - 4, table.row_count)]
        assert names == ["Σ district tier", "Σ towns", "Σ villages", "Σ whole district"]
        # the two rates are two series in the bar chart: a full block and a shade (not one merged bar)
        assert "██ close%" in screen_text(app) and "▒▒ ontime%" in screen_text(app)
        # ? lists enter (the matters behind a figure) with the screen's other keys
        assert "Matters behind a figure" in [what for _key, what, _id in app.key_help(screen)]
        # ? lists the screen's own keys
        keys = [what for _key, what, _id in app.key_help(screen)]
        assert "Previous period" in keys and "Export XLSX + CSV" in keys
        # the first unit row: rank 1 of the district tier
        assert screen.rows[0].rank == 1 and table.row_count == len(screen.rows)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FigurePicker))
        await pilot.press("enter")  # received
        await wait_for(pilot, lambda: isinstance(app.screen, MatterList)
                       and app.screen.query_one(QueueTable).loaded_once)
        listing = app.screen
        assert listing.query_one(QueueTable).total == screen.rows[0].figures.received
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is listing)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # the period keys: the month, then the previous month
        await pilot.press("m")
        await wait_for(pilot, lambda: screen.period.first.isoformat() == "2026-11-01" and not screen._loading)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen.period.first.isoformat() == "2026-10-01" and not screen._loading)
        screen.export_dir = tmp_path
        await pilot.press("w")
        await wait_for(pilot, lambda: (tmp_path / "huiyin-assessment-2026-10-01-2026-10-31.xlsx").exists())
        assert (tmp_path / "huiyin-assessment-2026-10-01-2026-10-31.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.anyio
async def test_board_cells_drill_down(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _board(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert [h.number for h in board.board.help_waiting] == ["YB-2026-000017"]
        areas = board.query_one("#board-areas", DataTable)
        first = board.board.areas[0]
        areas.cursor_coordinate = areas.cursor_coordinate._replace(row=0, column=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MatterList)
                       and app.screen.query_one(QueueTable).loaded_once)
        assert app.screen.query_one(QueueTable).total == first.open
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is board)
        board.query_one("#board-help", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MatterList)
                       and app.screen.query_one(QueueTable).loaded_once)
        listing = app.screen
        assert listing.current_matter().number == "YB-2026-000017"
        # the commander assigns from here with t, as from a queue
        assert listing.check_action("workflow", ("assign",)) is True


@pytest.mark.anyio
async def test_the_board_rows_add_up_to_every_open_matter(make_app, tui_server) -> None:  # type: ignore[no-untyped-def]
    """The table's rows (towns, the district's service center, the command center, the departments) add up to
    the open matters of the database, in every column the Σ row shows; the not-claimed-in-time column drills
    down to its matters, and so does the Σ row."""
    from sqlalchemy import text

    with tui_server.ctx.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM matters WHERE status != 'closed'")).scalar_one()
    app = make_app(live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _board(pilot)
        board = app.screen
        areas = board.query_one("#board-areas", DataTable)
        assert areas.row_count == len(board.board.areas) + 1
        rows = [[str(cell) for cell in areas.get_row_at(i)] for i in range(areas.row_count)]
        labels = [row[0] for row in rows]
        assert any("区行政服务中心" in label for label in labels)
        assert any("区群众工作指挥中心" in label for label in labels)
        assert labels[-1] == "Σ whole district"

        def number(cell: str) -> int:
            return int(cell.split()[-1])

        for col in range(1, 5):
            assert sum(number(row[col]) for row in rows[:-1]) == number(rows[-1][col]), col
        assert number(rows[-1][1]) == total
        assert f"Σ {total} open" in screen_text(app)  # in sight at 80x24 even when the rows scroll
        # the not-claimed-in-time cell of the Σ row: every such matter of the district
        areas.cursor_coordinate = areas.cursor_coordinate._replace(row=areas.row_count - 1, column=4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MatterList)
                       and app.screen.query_one(QueueTable).loaded_once)
        assert app.screen.query_one(QueueTable).total == number(rows[-1][4]) > 0


SNAPSHOTS = {
    "report-zh-80x24-16": (_report, "zh-CN", (80, 24), "huiyin-16"),
    "report-en-120x40": (_report, "en", (120, 40), None),
    "board-en-80x24-16": (_board, "en", (80, 24), "huiyin-16"),
    "board-zh-80x24-16": (_board, "zh-CN", (80, 24), "huiyin-16"),
    "board-en-120x40": (_board, "en", (120, 40), None),
    "board-zh-120x40": (_board, "zh-CN", (120, 40), None),
}


@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_snapshot(snap_compare, make_app, name: str) -> None:  # type: ignore[no-untyped-def]
    assert snapshot_of(snap_compare, make_app, *SNAPSHOTS[name])
