"""Many matters straight into the tables (batched inserts, no requests): a district's history.

``load(engine, n)`` writes ``n`` matters and their ``record`` events: :data:`WORKBENCH_ROWS` (or fewer when
``n`` is small) pending at 双湖路社区 (the workbench's 100k queue), the rest spread over every unit of the
sample district, nine in ten of them closed (history) and the others in progress. Every open deadline is more
than 21 days away and every claim deadline noticed, so supervision has nothing to do. Titles, residents and
phones are varied enough for the search figures: ``第<i>号`` in each title, resident ``居民<i>``, phone
``139<i, 8 digits>``.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
WORKBENCH_ROWS = 100_000
WORKBENCH_USER = "shuanghu"
BATCH = 10_000
PROBLEMS = ["路灯不亮", "道路积水", "噪音扰民", "垃圾清运不及时", "井盖破损", "违章停车", "楼道漏水", "燃气异味"]
PLACES = ["双湖路", "宝圣湖", "柳桥", "兴旺村", "龙兴", "石船", "回兴", "双凤桥"]


def _migration():  # type: ignore[no-untyped-def]
    path = ROOT / "server" / "storage" / "migrations" / "versions" / "0005_queue_indexes.py"
    spec = importlib.util.spec_from_file_location("huiyin_bench_0005", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@contextmanager
def _bulk(engine: sa.Engine) -> Iterator[None]:
    """A bulk load, as a restore would do it: the text index and the tallies' triggers are off while the rows go
    in, then built once from the rows (the same statements as migration 0005)."""
    m = _migration()
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        if sqlite:
            for statement in m.sqlite_triggers():
                conn.exec_driver_sql(f"DROP TRIGGER {statement.split()[2]}")
        else:
            conn.exec_driver_sql("ALTER TABLE matters DISABLE TRIGGER USER")
            for name in m.PG_TRGM:
                conn.exec_driver_sql(f"DROP INDEX {name}")
    yield
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM matter_tallies")
        conn.exec_driver_sql(f"INSERT INTO matter_tallies ({m._TALLY_KEY}, n) SELECT {m._TALLY_KEY}, count(*) "
                             f"FROM matters GROUP BY {m._TALLY_KEY}")
        if sqlite:
            conn.exec_driver_sql("DELETE FROM matters_fts")
            conn.exec_driver_sql("INSERT INTO matters_fts (rowid, number, title, resident_name, phone) SELECT id, "
                                 f"number, title, resident_name, {m.PHONE_DIGITS.format('matters')} FROM matters")
            for statement in m.sqlite_triggers():
                conn.exec_driver_sql(statement)
        else:
            for name, expression in m.PG_TRGM.items():
                conn.exec_driver_sql(f"CREATE INDEX {name} ON matters USING gin ({expression} gin_trgm_ops)")
            conn.exec_driver_sql("ALTER TABLE matters ENABLE TRIGGER USER")


def load(engine: sa.Engine, n: int, seed: int = 10, pending_home: int | None = None) -> dict[str, object]:
    """Write ``n`` matters, ``pending_home`` of them (default: up to WORKBENCH_ROWS, at most half) pending at
    the workbench's unit; returns what the bench searches for (a number, a title, a resident, a phone)."""
    rnd = random.Random(seed)
    meta = sa.MetaData()
    matters = sa.Table("matters", meta, autoload_with=engine)
    events = sa.Table("matter_events", meta, autoload_with=engine)
    sqlite = engine.dialect.name == "sqlite"
    now = datetime.now(UTC)
    with engine.begin() as conn:
        units = dict(conn.execute(sa.text("SELECT name, id FROM units")).all())
        ops = dict(conn.execute(sa.text("SELECT unit_id, id FROM operators")).all())
        home = conn.execute(sa.text("SELECT unit_id FROM operators WHERE username = :u"),
                            {"u": WORKBENCH_USER}).scalar_one()
        code = "YB"
        first_id = (conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM matters")).scalar_one() or 0) + 1
    unit_ids = sorted(units.values())
    default_op = next(iter(ops.values()))
    if pending_home is None:
        pending_home = min(WORKBENCH_ROWS, n // 2)

    def ts(value: datetime) -> datetime:
        return value.replace(tzinfo=None) if sqlite else value

    def rows(start: int, stop: int):  # type: ignore[no-untyped-def]
        out, evs = [], []
        for i in range(start, stop):
            ident = first_id + i
            created = now - timedelta(minutes=(n - i))
            if i < pending_home:
                origin = holder = home
                status, due = "pending", now + timedelta(days=30, seconds=i)
            else:
                origin, holder = rnd.choice(unit_ids), rnd.choice(unit_ids)
                if rnd.random() < 0.9:
                    status, due = "closed", created + timedelta(days=3)
                else:
                    status, due = "in_progress", now + timedelta(days=30, seconds=i)
            problem = PROBLEMS[i % len(PROBLEMS)]
            out.append(dict(
                id=ident, number=f"{code}-2026-{ident:07d}", title=f"{PLACES[i % 8]}{problem} 第{i}号",
                description="", category="", channel="phone", complexity="simple", resident_name=f"居民{i}",
                resident_phone=f"139{i:08d}", address=f"{PLACES[i % 8]}{i % 500}号", origin_unit_id=origin,
                holder_unit_id=holder, previous_holder_id=None,
                claimed_by_id=None if status == "pending" else ops.get(holder, default_op),
                created_by_id=ops.get(origin, default_op), status=status, created_at=ts(created),
                updated_at=ts(created), due_at=ts(due), answered_at=None,
                closed_at=ts(created + timedelta(days=1)) if status == "closed" else None, satisfaction=None,
                version=1, idempotency_key=None, deadline_days=3, due_provisional=False, received_at=ts(created),
                claim_due_at=ts(created + timedelta(days=1)), extension_days_requested=None,
                due_notice="none", claim_notice=True))
            evs.append(dict(matter_id=ident, kind="record", actor_id=ops.get(origin, default_op), unit_id=origin,
                            from_unit_id=None, to_unit_id=origin, status_before=None, status_after="pending",
                            holder_unit_id=origin, note="", satisfaction=None, days=None, due_at=ts(due),
                            created_at=ts(created)))
        return out, evs

    with _bulk(engine):
        for start in range(0, n, BATCH):
            batch, evs = rows(start, min(start + BATCH, n))
            with engine.begin() as conn:
                conn.execute(matters.insert(), batch)
                conn.execute(events.insert(), evs)
    with engine.begin() as conn:
        if not sqlite:
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('matters', 'id'), (SELECT max(id) FROM "
                                 "matters))"))
            conn.execute(sa.text("ANALYZE"))
        conn.execute(sa.text("UPDATE matter_counters SET last = :last"), {"last": first_id + n})
    probe = n - 7 if n > 7 else 0  # a closed (history) matter somewhere in the district
    return {"number": f"{code}-2026-{first_id + probe:07d}", "title": f"第{probe}号", "resident": f"居民{probe}",
            "phone": f"{probe:08d}"[-4:], "pending_home": pending_home}
