"""Timing of the assessment on one year of a large district (run: ``python bench/bench_report.py [--rows N]
[--backend sqlite|postgresql|both]``). Not part of the test suite.

Builds a fresh database (SQLite in a temporary directory; PostgreSQL as a new database at
``$HUIYIN_TEST_POSTGRES_URL``, default ``postgresql://127.0.0.1:5432/test``, dropped afterwards), records N
matters (100,000 by default) spread over 2026 at the sample district's village stations with
``huiyin.server.matters.bulk.bulk_record``, claims all of them and answers and closes 94 % (``bulk_settle``; both write
the matters' assessment facts through ``append_events``, as every write does), then times ``load_assessment`` +
``report_out`` for ``--year 2026`` (a past period: the clock is in 2027), its parts (reading the cohort's facts,
parsing them, crediting them) and ``GET /api/reports/assessment`` over HTTP, each with the machine's load average
(1 minute) at the end of the measure. The goal (issue 12): under 2 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("HUIYIN_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
STATIONS = ("shuanghu", "baoshenghu", "liuqiao", "longxing.community", "xingwang")


def build(url: str, rows: int):  # type: ignore[no-untyped-def]
    from huiyin.core.clock import ManualClock
    from huiyin.server.matters.bulk import bulk_record, bulk_settle
    from huiyin.server.serving.embedded import EmbeddedServer

    end = datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    clock = ManualClock(end)
    srv = EmbeddedServer(url, clock, sample=True, sample_matters=False, supervise_seconds=3600)
    srv.start()
    t0 = time.perf_counter()
    per = rows // len(STATIONS)
    spacing = timedelta(days=364) / per
    for index, user in enumerate(STATIONS):
        clock.set(end - timedelta(minutes=index))
        numbers = bulk_record(srv.ctx, user, per, spacing=spacing)
        closed = int(len(numbers) * 0.94)
        bulk_settle(srv.ctx, user, numbers[:closed], claim_after=timedelta(minutes=20),
                    answer_after=timedelta(hours=5), close_after=timedelta(hours=6), satisfaction=5)
        bulk_settle(srv.ctx, user, numbers[closed:], claim_after=timedelta(hours=30))
    clock.set(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    if srv.ctx.engine.dialect.name == "postgresql":  # a live database has its statistics; a bulk-loaded one not yet
        with srv.ctx.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    print(f"  {per * len(STATIONS):,} matters recorded and settled in {time.perf_counter() - t0:.1f} s"
          f" (machine load average {os.getloadavg()[0]:.1f})")
    return srv


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def time_report(srv) -> None:  # type: ignore[no-untyped-def]
    import json

    import httpx
    from sqlalchemy import select
    from sqlmodel import Session

    from huiyin.core.assessment import assess_facts, parse_period, report_out
    from huiyin.server.reports import assessment as reports
    from huiyin.server.storage.facts import FACTS

    period = parse_period(year="2026")
    for attempt in (1, 2):
        t0, c0 = time.perf_counter(), time.process_time()
        with Session(srv.ctx.engine) as session:
            result, tree = reports.load_assessment(srv.ctx, session, period)
        t1, c1 = time.perf_counter(), time.process_time()
        out = report_out(result, reports.report_units(tree))
        t2 = time.perf_counter()
        print(f"  run {attempt}: load + assess {t1 - t0:.2f} s (cpu {c1 - c0:.2f} s), wire form {t2 - t1:.3f} s → "
              f"{out.district.figures.received:,} received, closure {out.district.figures.closure_rate.text}"
              f" ({_load()})")
    # the parts: the cohort's rows, their parse, the credit (as load_assessment does them: cycle collector paused)
    with Session(srv.ctx.engine) as session, reports._no_cycle_collection():
        rules = srv.ctx.rules.load(session)
        start, end = period.bounds(rules.policy)
        f = FACTS.c
        t0 = time.perf_counter()
        rows = reports._plain_rows(session, select(f.matter_id, f.state, f.last_event_at >= end)
                                   .where(f.created_at >= start, f.created_at < end))
        t1 = time.perf_counter()
        parsed = json.loads("[" + ",".join(state for _mid, state, _later in rows) + "]")
        facts = list(zip([row[0] for row in rows], parsed, strict=True))
        t2 = time.perf_counter()
        units = reports.report_units(reports.load_tree(session))
        assess_facts(facts, units, period, rules.calendar, rules.policy, srv.ctx.clock.now())
        t3 = time.perf_counter()
    later = sum(1 for row in rows if row[2])
    print(f"  parts: read {len(rows):,} facts rows {t1 - t0:.2f} s, parse {t2 - t1:.2f} s, credit {t3 - t2:.2f} s;"
          f" {later} matters went on after the period (folded from their entries) ({_load()})")
    with httpx.Client(base_url=srv.base_url, timeout=60) as client:
        token = client.post("/api/auth/login", json={"username": "command", "password": "huiyin-sample"}).json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        for _ in (1, 2):
            t0 = time.perf_counter()
            r = client.get("/api/reports/assessment", params={"year": "2026"}, headers=headers)
            print(f"  GET /api/reports/assessment?year=2026: {r.status_code} in {time.perf_counter() - t0:.2f} s"
                  f" ({_load()})")
        t0 = time.perf_counter()
        r = client.get("/api/board", headers=headers)
        print(f"  GET /api/board: {r.status_code} in {time.perf_counter() - t0:.2f} s ({_load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            srv = build(f"sqlite:///{Path(tmp) / 'bench.db'}", args.rows)
            try:
                time_report(srv)
            finally:
                srv.stop()
    if args.backend in ("postgresql", "both"):
        import psycopg

        name = f"huiyin_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            print("PostgreSQL")
            srv = build(f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}", args.rows)
            try:
                time_report(srv)
            finally:
                srv.stop()
        finally:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
