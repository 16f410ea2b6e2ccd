"""The assessment and the board over HTTP and on the command line, on SQLite and PostgreSQL: the seed's figure
(395 received, 371 closed → 93.92 %) in the API's JSON, the table, the CSV (with its BOM), the XLSX (read back)
and the JSON of ``huiyin report``, from the database and from the server; who may read them; bad input."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from huiyin.core.clock import ManualClock
from tests.conftest import backends

#: not against ``postgresql-2w``: the figures are built with the server's own bulk loaders at moved clock times
#: (in its process); the report's reads are plain queries that the 2-worker run adds nothing to
backend = backends("sqlite", "postgresql")

CQ = ZoneInfo("Asia/Shanghai")
MARCH_10 = datetime(2026, 3, 10, 10, 0, tzinfo=CQ).astimezone(UTC)
APRIL_2 = datetime(2026, 4, 2, 10, 0, tzinfo=CQ).astimezone(UTC)
SEED = "93.92 % (371/395)"


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """The module's server, its supervision pass (overdue notices) run once at start only: the seeding below
    writes in bulk and must not meet a notice being written."""
    return start_server(supervise_seconds=3600)


@pytest.fixture(scope="module")
def seeded(server, api):  # type: ignore[no-untyped-def]
    """395 matters recorded at 双湖路社区 on 2026-03-10, 371 of them claimed, answered and closed within the hour
    (3 of those rated 5), the other 24 claimed only; the clock then on 2026-04-02."""
    from huiyin.server.matters.bulk import bulk_record, bulk_settle

    clock: ManualClock = server.clock
    before = clock.now()
    clock.set(MARCH_10)
    numbers = bulk_record(server.ctx, "shuanghu", 395)
    bulk_settle(server.ctx, "shuanghu", numbers[:371], claim_after=timedelta(minutes=5),
                answer_after=timedelta(minutes=30), close_after=timedelta(minutes=40))
    bulk_settle(server.ctx, "shuanghu", numbers[371:], claim_after=timedelta(minutes=5))
    clock.set(APRIL_2)
    yield numbers
    clock.set(before)


def test_the_seed_figure_over_http(api, seeded) -> None:  # type: ignore[no-untyped-def]
    r = api["command"].get("/api/reports/assessment", params={"month": "2026-03", "group": "category"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["district"]["figures"]["closure_rate"] == {"num": 371, "den": 395, "value": 371 / 395,
                                                             "text": SEED}
    village = [row for row in body["units"] if row["key"] == "双湖路社区便民服务站"][0]
    assert village["rank"] == 1 and village["figures"]["closure_rate"]["text"] == SEED
    assert village["figures"]["claim_rate"]["text"] == "100.00 % (395/395)"
    assert village["figures"]["hours_to_claim"]["count"] == 395
    tiers = {row["key"]: row["figures"]["received"] for row in body["tiers"]}
    assert tiers == {"district": 0, "town": 0, "village": 395}
    assert [m["key"] for m in body["months"]] == ["2026-03"]
    # the drill-down: the 24 still open, as queue rows
    r = api["command"].get("/api/reports/assessment/matters", params={
        "month": "2026-03", "unit": "双湖路社区便民服务站", "figure": "open"})
    assert r.status_code == 200 and sorted(m["number"] for m in r.json()) == sorted(seeded[371:])


def test_who_may_read_it(api, seeded) -> None:  # type: ignore[no-untyped-def]
    for user in ("district.supervisor", "command"):
        assert api[user].get("/api/reports/assessment", params={"year": "2026"}).status_code == 200
    for user in ("shuanghu", "trainer"):
        r = api[user].get("/api/reports/assessment", params={"year": "2026"})
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert api["district.supervisor"].get("/api/board").status_code == 403
    assert api["command"].get("/api/board").status_code == 200


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-02-30", "to": "2026-03-01"}, "from"), ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ({"from": "2026-03-01"}, "to"), ({"quarter": "2026Q9"}, "quarter"), ({"year": "2026", "unit": "无此单位"}, "unit"),
])
def test_a_bad_period_is_422_with_its_field(api, params, field) -> None:  # type: ignore[no-untyped-def]
    r = api["command"].get("/api/reports/assessment", params=params)
    assert r.status_code == 422 and field in r.json()["fields"], r.text
    r = api["command"].get("/api/reports/assessment/matters", params={"year": "2026", "unit": "双湖路社区便民服务站",
                                                                       "figure": "nonsense"})
    assert r.status_code == 422 and "figure" in r.json()["fields"]
    assert api["command"].get("/api/board/matters", params={"cell": "area:x"}).status_code == 422


def _check_files(tmp_path, run, formats=("table", "csv", "json", "xlsx")) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    for fmt in formats:
        out = tmp_path / f"report.{fmt}"
        assert run(["--month", "2026-03", "--format", fmt, "--output", str(out)]) == 0
        data = out.read_bytes()
        if fmt == "table":
            assert SEED in data.decode("utf-8")
            # the district tier's units and the whole district: two sums, two names
            totals = [line.strip() for line in data.decode("utf-8").splitlines() if line.strip().startswith("Σ")]
            assert [line.split("  ")[0] for line in totals] == [
                "Σ district tier 区级单位合计", "Σ towns 镇街合计", "Σ villages 村社区合计",
                "Σ whole district 全区合计"]
        elif fmt == "csv":
            assert data.startswith(b"\xef\xbb\xbf")
            assert SEED in data.decode("utf-8-sig") and "双湖路社区便民服务站" in data.decode("utf-8-sig")
        elif fmt == "json":
            assert json.loads(data)["district"]["figures"]["closure_rate"]["text"] == SEED
        else:
            book = load_workbook(io.BytesIO(data))
            assert book.sheetnames == ["district", "town", "village", "summary"]
            sheet = book["village"]
            headers = [c.value for c in sheet[2]]
            row = [c for c in sheet[3]]
            cell = row[headers.index("closure rate 办结率")]
            assert cell.value == pytest.approx(371 / 395) and cell.number_format == "0.00%"
            assert f"{cell.value * 100:.2f} %" == "93.92 %"
            assert row[headers.index("unit 单位")].value == "双湖路社区便民服务站"


def test_the_command_line_from_the_database(server, seeded, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from huiyin.tui.cli.local import main

    url = server.settings.database_url
    clock = APRIL_2.isoformat()
    _check_files(tmp_path, lambda args: main(["report", *args, "--database", url, "--clock", clock]))
    assert main(["report", "--from", "2026-03-01", "--to", "2026-02-01", "--database", url]) == 2
    assert "--to" in capsys.readouterr().err
    assert main(["report", "--month", "2026-03", "--unit", "无此单位", "--database", url]) == 2
    assert "--unit" in capsys.readouterr().err
    assert main(["report", "--month", "2026-03", "-o", str(tmp_path / "missing" / "r.csv"), "--database", url]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_command_line_from_the_server(backend, server, seeded, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from huiyin.tui.cli import main

    if backend != "sqlite":
        pytest.skip("the HTTP client is the same for every database: once is enough")

    def run(args: list[str]) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO("huiyin-sample\n"))
        return main(["report", "--server", server.base_url, "--user", "command", "--password-stdin", *args])

    _check_files(tmp_path, run, formats=("csv", "json"))
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(["report", "--server", server.base_url, "--user", "command", "--password-stdin",
                 "--year", "2026"]) == 2
    assert "refused" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("huiyin-sample\n"))
    assert main(["report", "--server", server.base_url, "--user", "shuanghu", "--password-stdin",
                 "--year", "2026"]) == 2
    assert "may read" in capsys.readouterr().err


def test_xlsx_is_not_for_a_terminal() -> None:
    from huiyin.tui.export import ReportOutputError, check_output

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(ReportOutputError, match="--output"):
        check_output("xlsx", None, Tty())
    check_output("csv", None, Tty())


def open_matters(srv) -> int:  # type: ignore[no-untyped-def]
    """The open matters of ``srv``'s database, counted by SQL of their own (not the board's code)."""
    from sqlalchemy import text

    with srv.ctx.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM matters WHERE status != 'closed'")).scalar_one()


def assert_rows_add_up(board: dict, srv) -> None:  # type: ignore[no-untyped-def]
    """Every open matter counts in exactly one row: the rows' sums are the district's, and that is every open
    matter; a row's not-claimed-in-time matters are among its open ones."""
    total = open_matters(srv)
    for figure in ("open", "at_risk", "overdue", "unclaimed"):
        assert sum(a[figure] for a in board["areas"]) == board["district"][figure], figure
    assert board["district"]["open"] == total
    assert all(a["unclaimed"] <= a["open"] for a in board["areas"])


def test_the_board_counts_now(api, server, seeded) -> None:  # type: ignore[no-untyped-def]
    board = api["command"].get("/api/board").json()
    assert_rows_add_up(board, server)
    huixing = [a for a in board["areas"] if a["name"] == "回兴街道便民服务中心"][0]
    # the 24 open matters of 双湖路社区 (under 回兴街道), all past their deadline on April 2
    assert (huixing["open"], huixing["overdue"]) == (24, 24)
    r = api["command"].get("/api/board/matters", params={"cell": f"area:{huixing['unit_id']}:overdue"})
    assert len(r.json()) == 24
    assert board["intake"] == {"walk_in": 0, "phone": 0, "visit": 0, "online": 0}


def test_every_open_matter_is_on_the_board_on_the_sample_and_after_the_stories(start_server) -> None:  # type: ignore[no-untyped-def]
    """The sample district's matters, then the four stories played over HTTP: the district's service center
    (which claims the rock) and the command center (which holds help requests) have rows of their own, and
    the rows add up to the open matters; each row's cells drill down to as many matters as they count."""
    from tests.api import test_stories
    from tests.helpers import Api

    srv = start_server(sample_matters=True, supervise_seconds=3600)
    with Api(srv.base_url) as api:
        board = api["command"].get("/api/board").json()
        assert_rows_add_up(board, srv)
        kinds = {a["name"]: a["kind"] for a in board["areas"]}
        assert kinds["区行政服务中心"] == "service_center" and kinds["区群众工作指挥中心"] == "command_center"
        assert board["district"]["unclaimed"] > 0  # the sample has matters waiting past their claim deadline
        for area in board["areas"]:
            for figure in ("open", "unclaimed"):
                r = api["command"].get("/api/board/matters", params={"cell": f"area:{area['unit_id']}:{figure}"})
                assert r.status_code == 200 and len(r.json()) == area[figure], (area, figure)
        r = api["command"].get("/api/board/matters", params={"cell": "district:open"})
        assert len(r.json()) == board["district"]["open"]
        assert api["command"].get("/api/board/matters", params={"cell": "district:x"}).status_code == 422
        test_stories.test_dangerous_rock(api)
        test_stories.test_road_repair(api)
        test_stories.test_fingerprint_at_home(api, srv.clock)
        test_stories.test_bus_to_xingwang(api, srv.clock)
    with Api(srv.base_url) as api:  # signed in afresh at the clock's new time
        assert_rows_add_up(api["command"].get("/api/board").json(), srv)
