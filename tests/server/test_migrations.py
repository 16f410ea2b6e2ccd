"""Upgrades with data: a database at every earlier revision, holding rows, upgraded to head on SQLite and
PostgreSQL; every row is checked afterwards, the server starts on it and serves it, and the way down works too.

A new migration gets this for free: every revision from ``db.revisions()`` is tried, seeded by the seeder of
its own revision or else of the nearest earlier one (``SEEDERS``). Add a seeder when a migration changes what
the previous seeder writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from huiyin.core.calendar import WorkdayCalendar, YearOverrides
from huiyin.core.deadlines import DeadlinePolicy, deadline
from huiyin.server.base.security import hash_password
from huiyin.server.storage import db

PASSWORD = "migrate-me-please"
T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Chongqing


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _dt(conn: sa.Connection, value: datetime) -> datetime:
    return value.replace(tzinfo=None) if conn.dialect.name == "sqlite" else value


def _insert(conn: sa.Connection, table: str, rows: list[dict]) -> None:
    meta = sa.MetaData()
    t = sa.Table(table, meta, autoload_with=conn)
    for r in rows:
        conn.execute(t.insert().values({k: _dt(conn, v) if isinstance(v, datetime) else v for k, v in r.items()}))


def _due(days: int) -> datetime:
    return deadline(T0, days, WorkdayCalendar([]), DeadlinePolicy()).due_at


def seed_0001(conn: sa.Connection) -> None:
    _insert(conn, "server_settings", [{"key": "installed_by", "value": "test"}])
    _insert(conn, "units", [
        {"id": 1, "name": "示例区", "tier": "district", "kind": "government", "parent_id": None, "code": "SL"},
        {"id": 2, "name": "东村便民服务站", "tier": "village", "kind": "station", "parent_id": 1, "code": None}])
    _insert(conn, "operators", [
        {"id": 1, "username": "dong", "display_name": "东村", "password_hash": hash_password(PASSWORD),
         "role": "clerk", "unit_id": 2, "active": True, "created_at": T0}])
    _insert(conn, "auth_tokens", [{"id": 1, "token_hash": "a" * 64, "operator_id": 1, "created_at": T0,
                                   "expires_at": _at(12), "revoked_at": None}])
    _insert(conn, "matter_counters", [{"district_id": 1, "year": 2026, "last": 4}])
    matters, events = [], []
    for i, (complexity, status) in enumerate((("simple", "pending"), ("complex", "pending"),
                                               ("complex", "in_progress"), ("simple", "closed")), start=1):
        matters.append({
            "id": i, "number": f"SL-2026-{i:06d}", "title": f"事项{i}", "description": "说明", "category": "",
            "channel": "walk_in", "complexity": complexity, "resident_name": "陈", "resident_phone": "138",
            "address": "", "origin_unit_id": 2, "holder_unit_id": 2, "previous_holder_id": None,
            "claimed_by_id": 1 if status != "pending" else None, "created_by_id": 1, "status": status,
            "created_at": T0, "updated_at": _at(1), "due_at": _due(7 if complexity == "complex" else 3),
            "answered_at": _at(2) if status == "closed" else None, "closed_at": _at(3) if status == "closed" else None,
            "satisfaction": None, "version": 2, "idempotency_key": f"1:key-{i}"})
        events.append({"matter_id": i, "kind": "record", "actor_id": 1, "unit_id": 2, "from_unit_id": None,
                       "to_unit_id": 2, "status_before": None, "status_after": "pending", "holder_unit_id": 2,
                       "note": "", "satisfaction": None, "created_at": T0})
        if status != "pending":
            events.append({"matter_id": i, "kind": "claim", "actor_id": 1, "unit_id": 2, "from_unit_id": None,
                           "to_unit_id": None, "status_before": "pending", "status_after": "in_progress",
                           "holder_unit_id": 2, "note": "", "satisfaction": None, "created_at": _at(1)})
    _insert(conn, "matters", matters)
    _insert(conn, "matter_events", events)


def seed_0002(conn: sa.Connection) -> None:
    seed_0001(conn)
    # 0001's rows as 0002 leaves them (deadline_days derived), plus what 0002 added: calendar entries and a
    # matter recorded by 0002-era code, complex, with an approved 2-day extension
    conn.execute(sa.text("UPDATE matters SET deadline_days = 7 WHERE complexity = 'complex'"))
    _insert(conn, "calendar_days", [
        {"day": date(2027, 2, 6), "year": 2027, "type": "workday", "name": "春节调休", "note": ""},
        {"day": date(2027, 2, 11), "year": 2027, "type": "holiday", "name": "春节", "note": "extra"}])
    _insert(conn, "calendar_years", [{"year": 2027, "complete": False}])
    due9 = _due(9)
    _insert(conn, "matters", [{
        "id": 5, "number": "SL-2026-000005", "title": "新事项", "description": "", "category": "",
        "channel": "phone", "complexity": "complex", "resident_name": "", "resident_phone": "", "address": "",
        "origin_unit_id": 2, "holder_unit_id": 2, "previous_holder_id": None, "claimed_by_id": 1,
        "created_by_id": 1, "status": "in_progress", "created_at": T0, "updated_at": _at(4), "due_at": due9,
        "answered_at": None, "closed_at": None, "satisfaction": None, "version": 4, "idempotency_key": None,
        "deadline_days": 9, "due_provisional": False, "received_at": T0, "claim_due_at": None,
        "extension_days_requested": None, "due_notice": "none", "claim_notice": False}])
    _insert(conn, "matter_events", [
        {"matter_id": 5, "kind": "record", "actor_id": 1, "unit_id": 2, "to_unit_id": 2, "status_after": "pending",
         "holder_unit_id": 2, "note": "", "due_at": _due(7), "created_at": T0},
        {"matter_id": 5, "kind": "approve_extension", "actor_id": 1, "unit_id": 2, "status_before": "in_progress",
         "status_after": "in_progress", "holder_unit_id": 2, "note": "", "days": 2, "due_at": due9,
         "created_at": _at(4)}])


def seed_0004(conn: sa.Connection) -> None:
    seed_0002(conn)
    # what 0004 added: matter 4 closed as a duplicate of matter 5, matters 1 and 2 related, their timeline
    # entries naming each other, and audit entries of a calendar day, the policy and an operator
    conn.execute(sa.text("UPDATE matters SET status = 'closed', closed_at = :at WHERE id = 4"),
                 {"at": _dt(conn, _at(5))})
    _insert(conn, "matter_links", [
        {"id": 1, "matter_id": 4, "other_id": 5, "kind": "duplicate", "created_by_id": 1, "created_at": _at(5)},
        {"id": 2, "matter_id": 1, "other_id": 2, "kind": "related", "created_by_id": 1, "created_at": _at(6)}])
    _insert(conn, "matter_events", [
        {"matter_id": 4, "kind": "link", "actor_id": 1, "unit_id": 2, "status_before": "closed",
         "status_after": "closed", "holder_unit_id": 2, "note": "同一事项", "created_at": _at(5),
         "other_matter_id": 5, "link_kind": "duplicate"},
        {"matter_id": 5, "kind": "linked", "actor_id": 1, "unit_id": 2, "status_before": "in_progress",
         "status_after": "in_progress", "holder_unit_id": 2, "note": "同一事项", "created_at": _at(5),
         "other_matter_id": 4, "link_kind": "duplicate"},
        {"matter_id": 1, "kind": "link", "actor_id": 1, "unit_id": 2, "status_before": "pending",
         "status_after": "pending", "holder_unit_id": 2, "note": "", "created_at": _at(6),
         "other_matter_id": 2, "link_kind": "related"},
        {"matter_id": 2, "kind": "linked", "actor_id": 1, "unit_id": 2, "status_before": "pending",
         "status_after": "pending", "holder_unit_id": 2, "note": "", "created_at": _at(6),
         "other_matter_id": 1, "link_kind": "related"}])
    _insert(conn, "audit_entries", [
        {"id": 1, "kind": "calendar_day", "subject": "2027-02-11", "actor": "cli:root", "actor_id": None,
         "at": _at(1), "before": None,
         "after": {"day": "2027-02-11", "type": "holiday", "name": "春节", "note": "extra"}},
        {"id": 2, "kind": "policy", "subject": "deadline_policy", "actor": "dong", "actor_id": 1, "at": _at(2),
         "before": {"simple_days": 3}, "after": {"simple_days": 4}},
        {"id": 3, "kind": "operator", "subject": "dong", "actor": "cli:root", "actor_id": None, "at": _at(3),
         "before": None, "after": {"username": "dong", "role": "clerk", "password": "set"}}])


def seed_0005(conn: sa.Connection) -> None:
    seed_0004(conn)
    # 0005 keeps the tallies and the text index in step by triggers: rows written and changed after it
    conn.execute(sa.text("UPDATE matters SET title = '路灯坏了三天', resident_phone = '139-2345 6789' WHERE id = 1"))
    conn.execute(sa.text("UPDATE matters SET status = 'in_progress', claimed_by_id = 1 WHERE id = 2"))


def seed_0006(conn: sa.Connection) -> None:
    """0006 adds ``units.active``: a deactivated unit (with its history) next to the active ones."""
    seed_0005(conn)
    _insert(conn, "units", [{"id": 3, "name": "西村便民服务站", "tier": "village", "kind": "station", "parent_id": 1,
                             "code": None, "active": False}])


#: revision → what a database at that revision holds; later revisions without one use the nearest earlier
SEEDERS = {"0001": seed_0001, "0002": seed_0002, "0004": seed_0004, "0005": seed_0005, "0006": seed_0006}
#: the basis every matter must have at head: number → deadline_days
EXPECTED_DAYS = {"SL-2026-000001": 3, "SL-2026-000002": 7, "SL-2026-000003": 7, "SL-2026-000004": 3,
                 "SL-2026-000005": 9}


def seed(revision: str, conn: sa.Connection) -> None:
    """Seed with the seeder of ``revision`` or the nearest earlier one; PostgreSQL's id sequences then move
    past the explicit ids, as they would have in a real database."""
    revs = db.revisions()
    seeder = next(SEEDERS[r] for r in reversed(revs[: revs.index(revision) + 1]) if r in SEEDERS)
    seeder(conn)
    if revs.index(revision) >= revs.index("0009"):
        from huiyin.server.storage.facts import rebuild_facts

        rebuild_facts(conn)  # the facts a server at that revision keeps as it writes (0008 made the table)
    if conn.dialect.name == "postgresql":
        tables = ["units", "operators", "auth_tokens", "matters", "matter_events"]
        if revs.index(revision) >= revs.index("0004"):
            tables += ["matter_links", "audit_entries"]
        for table in tables:
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))


def snapshot(conn: sa.Connection) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, keyed by table and primary key, datetimes as naive UTC."""
    meta = sa.MetaData()
    meta.reflect(conn)
    out: dict[str, dict[tuple, dict]] = {}
    for name, table in meta.tables.items():
        if name == "alembic_version":
            continue
        pk = [c.name for c in table.primary_key.columns]
        rows = {}
        for row in conn.execute(sa.select(table)).mappings():
            clean = {k: (v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo
                         else v) for k, v in row.items()}
            rows[tuple(clean[k] for k in pk)] = clean
        out[name] = rows
    return out


#: columns a migration may legitimately change, per table: (table, column)
DERIVED = {("matters", "deadline_days")}
#: tables folded from the timeline, which a migration rebuilds whole (0009 folds every matter's facts again):
#: ``_check_facts`` checks them against the reference at head instead
DERIVED_TABLES = {"matter_facts"}


def assert_kept(before: dict, after: dict) -> None:
    for table, rows in before.items():
        if table in DERIVED_TABLES:
            continue
        assert table in after, f"table {table} disappeared"
        assert set(after[table]) == set(rows), f"{table}: rows {set(rows) ^ set(after[table])} differ"
        for key, row in rows.items():
            for column, value in row.items():
                if (table, column) in DERIVED or column not in after[table][key]:
                    continue
                assert after[table][key][column] == value, f"{table}{key}.{column}: {value!r} → " \
                                                           f"{after[table][key][column]!r}"


def _check_head(conn: sa.Connection) -> None:
    days = dict(conn.execute(sa.text("SELECT number, deadline_days FROM matters")).all())
    assert days == {n: d for n, d in EXPECTED_DAYS.items() if n in days}
    # 0004: links, their timeline columns and the audit exist (empty when upgraded from before 0004)
    conn.execute(sa.text("SELECT id, matter_id, other_id, kind, created_by_id, created_at FROM matter_links"))
    conn.execute(sa.text("SELECT id, kind, subject, actor, actor_id, at, before, after FROM audit_entries"))
    conn.execute(sa.text("SELECT other_matter_id, link_kind FROM matter_events"))
    # 0005: the tallies are the matters counted, and the text index finds each matter by its title
    tallies = {tuple(r[:3]): r[3] for r in conn.execute(sa.text(
        "SELECT origin_unit_id, holder_unit_id, status, n FROM matter_tallies WHERE n <> 0"))}
    counted = {tuple(r[:3]): r[3] for r in conn.execute(sa.text(
        "SELECT origin_unit_id, holder_unit_id, status, count(*) FROM matters "
        "GROUP BY origin_unit_id, holder_unit_id, status"))}
    assert tallies == counted
    titles = dict(conn.execute(sa.text("SELECT id, title FROM matters")).all())
    for ident, title in titles.items():
        if conn.dialect.name == "sqlite":
            found = conn.execute(sa.text("SELECT rowid FROM matters_fts WHERE matters_fts MATCH :q"),
                                 {"q": f'{{title}} : "{title}"'}).scalars().all()
        else:
            found = conn.execute(sa.text("SELECT id FROM matters WHERE lower(title) LIKE :q"),
                                 {"q": f"%{title.lower()}%"}).scalars().all()
        assert ident in found
    _check_facts(conn)
    # 0011: the category tree exists (empty when upgraded: a district imports its own)
    conn.execute(sa.text("SELECT code, parent_code, name_zh, name_en, description, keywords, deadline_days, "
                         "default_unit_id, active FROM categories"))


def _instant(value: datetime | str | None) -> float | None:
    """A stored time (SQLite: naive UTC text) as epoch seconds."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _check_facts(conn: sa.Connection) -> None:
    """0008: every matter's assessment facts are its timeline folded by core's fold (the reference), read here
    on their own; the seed's duplicate and extension show in them."""
    from huiyin.core.assessment import MatterFacts, assessed, fold_timelines

    rows = conn.execute(sa.text("SELECT matter_id, kind, holder_unit_id, satisfaction, due_at, created_at, "
                                "link_kind FROM matter_events ORDER BY matter_id, id")).all()
    expected = fold_timelines((m, k, h, s, _instant(d), _instant(c)) for m, k, h, s, d, c, link in rows
                              if assessed(k, link))
    stored = {mid: (MatterFacts.from_row(json.loads(state)), _instant(created), _instant(last))
              for mid, state, created, last in conn.execute(sa.text(
                  "SELECT matter_id, state, created_at, last_event_at FROM matter_facts"))}
    assert {mid: facts for mid, (facts, _c, _l) in stored.items()} == expected
    created = {mid: _instant(at) for mid, at in conn.execute(sa.text("SELECT id, created_at FROM matters"))}
    for mid, (facts, created_at, last_event_at) in stored.items():
        assert created_at == facts.created == created[mid] and last_event_at == facts.last_event_at
    assert set(stored) == set(created)
    if 5 in stored:  # 0002's matter: its approved extension moved the deadline
        assert stored[5][0].due == _due(9).timestamp() and stored[5][0].open_stage == [2, T0.timestamp()]
    assert stored[3][0].stages == [[2, T0.timestamp(), _at(1).timestamp(), 1]]
    linked = conn.execute(sa.text("SELECT count(*) FROM matter_events WHERE matter_id = 4 AND kind = 'link' "
                                  "AND link_kind = 'duplicate'")).scalar()
    assert stored[4][0].duplicate == stored[4][0].closed == bool(linked)  # 0004's duplicate link


def _serve_and_read(url: str, numbers: list[str]) -> None:
    """The server starts on the upgraded database and serves every matter."""
    from huiyin.server.serving.embedded import EmbeddedServer

    with EmbeddedServer(url, sample=False) as srv, httpx.Client(base_url=srv.base_url, timeout=30) as client:
        login = client.post("/api/auth/login", json={"username": "dong", "password": PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        for number in numbers:
            got = client.get(f"/api/matters/{number}", headers=headers)
            assert got.status_code == 200, got.text


@contextmanager
def seeded(fresh_database, revision: str) -> Iterator[tuple[sa.Engine, str]]:  # type: ignore[no-untyped-def]
    """A fresh database at ``revision`` holding that revision's seed: (engine, url); the engine is disposed."""
    url = fresh_database().url
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, revision)
        with engine.begin() as conn:
            seed(revision, conn)
        yield engine, url
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", db.revisions()[:-1])
def test_upgrade_with_data_from_every_earlier_revision(revision, fresh_database):
    with seeded(fresh_database, revision) as (engine, url):
        with engine.connect() as conn:
            before = snapshot(conn)
        db.upgrade(engine)
        assert db.current_revision(engine) == db.revisions()[-1]
        with engine.connect() as conn:
            after = snapshot(conn)
            _check_head(conn)
        assert_kept(before, after)
        # and back down to where it came from, every row still there, then up again
        db.downgrade(engine, revision)
        assert db.current_revision(engine) == revision
        with engine.connect() as conn:
            assert_kept(before, snapshot(conn))
        db.upgrade(engine)
        with engine.connect() as conn:
            _check_head(conn)
            numbers = [n for (n,) in conn.execute(sa.text("SELECT number FROM matters ORDER BY id"))]
        engine.dispose()
        _serve_and_read(url, numbers)


#: tables of migrations after 0004 (the tallies and SQLite's text index with its shadow tables, the failed logins,
#: the facts)
LATER_0004 = ("matter_tallies", "matters_fts", "login_failures", "matter_facts", "categories")


def test_0004_down_and_up_with_links_and_audit(fresh_database):
    """A database at 0004 holding links, link entries and audit entries: the server shows the links on both
    matters; it goes down to 0003 (links and audit dropped, everything else kept) and up again."""
    from huiyin.server.serving.embedded import EmbeddedServer

    with seeded(fresh_database, "0004") as (engine, url):
        with EmbeddedServer(url, sample=False) as srv, httpx.Client(base_url=srv.base_url, timeout=30) as client:
            token = client.post("/api/auth/login", json={"username": "dong", "password": PASSWORD}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            dup = client.get("/api/matters/SL-2026-000004", headers=headers).json()
            assert dup["links"] == [{"number": "SL-2026-000005", "title": "新事项", "status": "in_progress",
                                     "kind": "duplicate", "direction": "outgoing"}]
            assert dup["events"][-1]["other_number"] == "SL-2026-000005"
            original = client.get("/api/matters/SL-2026-000005", headers=headers).json()
            assert original["links"][0]["direction"] == "incoming"
            assert client.get("/api/audit", headers=headers).status_code == 403
        with engine.connect() as conn:
            before = snapshot(conn)  # after serving: the login added a token, supervision may add notices
        assert len(before["matter_links"]) == 2 and len(before["audit_entries"]) == 3
        db.downgrade(engine, "0003")
        with engine.connect() as conn:
            down = snapshot(conn)
        assert "matter_links" not in down and "audit_entries" not in down
        assert_kept({t: rows for t, rows in before.items() if t not in ("matter_links", "audit_entries")
                     and not t.startswith(LATER_0004)}, down)
        db.upgrade(engine)
        with engine.connect() as conn:
            _check_head(conn)
            assert conn.execute(sa.text("SELECT count(*) FROM matter_links")).scalar() == 0


def test_downgrade_to_nothing_and_up_again(fresh_database):
    with seeded(fresh_database, "0001") as (engine, _url):
        db.upgrade(engine)
        db.downgrade(engine, "base")
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM matters")).scalar() == 0


def test_0001_days_are_core_defaults():
    """The frozen numbers in 0002 and 0003 are what release 0001 counted with: core's default policy."""
    import importlib

    m2 = importlib.import_module("huiyin.server.storage.migrations.versions.0002_deadlines")
    m3 = importlib.import_module("huiyin.server.storage.migrations.versions.0003_repair_deadline_days")
    policy = DeadlinePolicy()
    assert m2.RELEASE_0001_DAYS == {"simple": policy.simple_days, "complex": policy.complex_days}
    assert m3.COMPLEX_DAYS == policy.complex_days and m3.WRONG_DAYS == policy.simple_days


def test_0003_repairs_what_the_shipped_0002_did(fresh_database):
    """A database the first 0002 upgraded (every basis 3), then an approved +2 extension and a calendar change
    recounted a complex matter with that basis: 0003 gives the missing days back and recounts its deadline."""
    with seeded(fresh_database, "0001") as (engine, _url):
        db.upgrade(engine, "0002")
        wrong_due = _due(5)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE matters SET deadline_days = 3"))  # what the shipped 0002 wrote
            # matter 3 (complex, in progress) got +2 days approved: basis 3 + 2 = 5, due recounted earlier
            conn.execute(sa.text("UPDATE matters SET deadline_days = 5, due_at = :due WHERE id = 3"),
                         {"due": _dt(conn, wrong_due)})
            _insert(conn, "matter_events", [
                {"matter_id": 3, "kind": "approve_extension", "actor_id": 1, "unit_id": 2,
                 "status_before": "in_progress", "status_after": "in_progress", "holder_unit_id": 2, "note": "",
                 "days": 2, "due_at": wrong_due, "created_at": _at(5)}])
        db.upgrade(engine)
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(sa.text("SELECT * FROM matters ORDER BY id"))}
            changed = conn.execute(sa.text("SELECT matter_id FROM matter_events WHERE kind = 'deadline_changed'"
                                           " ORDER BY id")).scalars().all()
        assert {i: r.deadline_days for i, r in rows.items()} == {1: 3, 2: 7, 3: 9, 4: 3}
        calendar = WorkdayCalendar([YearOverrides.build(2027, [])])
        expected = deadline(T0, 9, calendar, DeadlinePolicy()).due_at
        got = rows[3].due_at
        got = got if isinstance(got, datetime) else datetime.fromisoformat(got)
        assert got.replace(tzinfo=None) == expected.astimezone(UTC).replace(tzinfo=None)
        assert 3 in changed and 1 not in changed and 4 not in changed
        # a second run would change nothing: it only touches the wrong basis
        db.downgrade(engine, "0002")
        db.upgrade(engine)
        with engine.connect() as conn:
            again = dict(conn.execute(sa.text("SELECT id, deadline_days FROM matters")).all())
        assert again == {1: 3, 2: 7, 3: 9, 4: 3}


def test_0010_notes_of_4000_characters_and_the_forced_password_change(fresh_database):
    """0010: notes take 4,000 characters (a 4,000-character note is stored whole at head); existing operators
    are not asked to change their password; the downgrade cuts a longer note to 1,000 and drops the flag."""
    long_note = "长" * 4000
    with seeded(fresh_database, "0009") as (engine, _url):
        db.upgrade(engine, "0010")
        with engine.begin() as conn:
            assert set(conn.execute(sa.text("SELECT must_change_password FROM operators")).scalars()) == {False}
            conn.execute(sa.text("UPDATE matter_events SET note = :note WHERE id = (SELECT min(id) FROM "
                                 "matter_events)"), {"note": long_note})
            assert long_note in conn.execute(sa.text("SELECT note FROM matter_events")).scalars().all()
        db.downgrade(engine, "0009")
        with engine.connect() as conn:
            notes = conn.execute(sa.text("SELECT note FROM matter_events")).scalars().all()
            assert long_note[:1000] in notes and max(len(n) for n in notes) == 1000
            columns = {c["name"] for c in sa.inspect(conn).get_columns("operators")}
            assert "must_change_password" not in columns
        db.upgrade(engine)
        with engine.connect() as conn:
            _check_head(conn)


def test_0011_the_category_tree_down_and_up(fresh_database):
    """0011: the categories table starts empty and takes a two-level tree with JSON keywords (every other row is
    kept); the downgrade drops it, matters untouched; up again it is empty."""
    with seeded(fresh_database, "0010") as (engine, _url):
        with engine.connect() as conn:
            before = snapshot(conn)
        db.upgrade(engine, "0011")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM categories")).scalar() == 0
            _insert(conn, "categories", [
                {"code": "roads", "parent_code": None, "name_zh": "道路交通", "name_en": "Roads", "description": "",
                 "keywords": ["交通"], "deadline_days": 3, "default_unit_id": 2, "active": True},
                {"code": "roads.lights", "parent_code": "roads", "name_zh": "路灯", "name_en": "Street lights",
                 "description": "", "keywords": ["路灯", "照明"], "deadline_days": 2, "default_unit_id": None,
                 "active": False}])
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT code, keywords, active FROM categories ORDER BY code")).all()
            assert [(r[0], json.loads(r[1]) if isinstance(r[1], str) else r[1], bool(r[2])) for r in rows] == [
                ("roads", ["交通"], True), ("roads.lights", ["路灯", "照明"], False)]
        db.downgrade(engine, "0010")
        with engine.connect() as conn:
            assert "categories" not in sa.inspect(conn).get_table_names()
            assert_kept(before, snapshot(conn))
        db.upgrade(engine)
        with engine.connect() as conn:
            _check_head(conn)
            assert conn.execute(sa.text("SELECT count(*) FROM categories")).scalar() == 0
