"""The assessment's stored facts (``matter_facts``, docs/assessment.md "How it is computed"), on SQLite and
PostgreSQL: the row written with each timeline entry through the API is the fold of the matter's timeline; the
report from the rows is core's reference ``assess`` over the raw entries, figure for figure and matter for
matter, for a past period whose matters went on after it ended and for a period not over yet."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from huiyin.core.assessment import Assessment, EventRow, assess, parse_period
from huiyin.server.reports import assessment as reports
from huiyin.server.storage import facts as report_facts
from tests.conftest import backends

#: not against ``postgresql-2w``: the timelines are played at moved clock times and read back from the server's
#: own engine (in its process)
backend = backends("sqlite", "postgresql")

CQ = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CQ).astimezone(UTC)


#: everyone who acts here, logged in before the clock goes back to 2026-03 (a token made at the tests' frozen now,
#: 2026-11-26, holds at every earlier moment: one login each instead of one per day played)
USERS = ("shuanghu", "huixing.center", "command", "transport")


def matter_id(server, number: str) -> int:  # type: ignore[no-untyped-def]
    with server.ctx.engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM matters WHERE number = :n"), {"n": number}).scalar_one()


def stored(server, mid: int) -> str:  # type: ignore[no-untyped-def]
    with server.ctx.engine.connect() as conn:
        return conn.execute(sa.text("SELECT state FROM matter_facts WHERE matter_id = :m"), {"m": mid}).scalar_one()


@pytest.fixture(scope="module")
def played(server, api):  # type: ignore[no-untyped-def]
    """Matters recorded in March 2026 (some going on into April), one in April; the clock then April 2, 12:00."""
    before = server.clock.now()
    for user in USERS:
        api.login(user)
    numbers: dict[str, str] = {}
    steps = [
        # plain, rated only after March ended
        (local(3, 30, 9), "shuanghu", "a", "record", {"category": "道路交通"}),
        (local(3, 30, 9, 30), "shuanghu", "a", "claim", {}),
        (local(3, 31, 10), "shuanghu", "a", "answer", {"note": "已答复"}),
        (local(3, 31, 11), "shuanghu", "a", "close", {}),
        (local(4, 1, 9), "shuanghu", "a", "follow_up", {"satisfaction": 5}),
        # recorded on March 31, escalated and handled in April: still waiting at the end of March
        (local(3, 31, 16), "shuanghu", "b", "record", {}),
        (local(4, 1, 9), "shuanghu", "b", "escalate", {"note": "社区办不了"}),
        (local(4, 1, 10), "huixing.center", "b", "claim", {}),
        (local(4, 2, 10), "huixing.center", "b", "answer", {"note": "已答复"}),
        (local(4, 2, 11), "huixing.center", "b", "close", {}),
        # help, assigned, claimed the next day, closed, reopened and closed again within March
        (local(3, 10, 9), "huixing.center", "c", "record", {"category": "公共交通"}),
        (local(3, 10, 10), "huixing.center", "c", "request_help", {"note": "需区级部门"}),
        (local(3, 10, 11), "command", "c", "assign", {"to_unit": "区交委", "note": "请区交委办理"}),
        (local(3, 11, 9), "transport", "c", "claim", {}),
        (local(3, 12, 9), "transport", "c", "answer", {"note": "已答复"}),
        (local(3, 12, 10), "huixing.center", "c", "close", {}),
        (local(3, 20, 9), "huixing.center", "c", "reopen", {"reason": "居民不满意"}),
        (local(3, 23, 9), "transport", "c", "answer", {"note": "再答复"}),
        (local(3, 23, 10), "huixing.center", "c", "close", {}),
        # a duplicate of c
        (local(3, 12, 9, 30), "shuanghu", "d", "record", {}),
        (local(3, 12, 10, 30), "shuanghu", "d", "link", {"other": "c", "link_kind": "duplicate", "note": "同一事项"}),
        # claimed, never answered: overdue open at the end of March; a note and an answer in April
        (local(3, 2, 9), "shuanghu", "e", "record", {}),
        (local(3, 3, 15), "shuanghu", "e", "claim", {}),
        (local(3, 4, 9), "shuanghu", "e", "progress", {"note": "在办"}),
        (local(4, 1, 11), "shuanghu", "e", "answer", {"note": "终于答复"}),
        # recorded in April: only in the year's report
        (local(4, 2, 9), "shuanghu", "f", "record", {}),
    ]
    try:
        for when, user, key, action, body in sorted(steps, key=lambda s: s[0]):
            server.clock.set(when)
            if action == "record":
                numbers[key] = api[user].record(**body)["number"]
                continue
            if "to_unit" in body:
                body = {**body, "to_unit": api.unit_id(body["to_unit"])}
            if "other" in body:
                body = {**body, "other": numbers[body["other"]]}
            api[user].act(numbers[key], action, **body)
        server.clock.set(local(4, 2, 12))
        yield numbers
    finally:
        server.clock.set(before)


def raw_entries(server) -> list[EventRow]:  # type: ignore[no-untyped-def]
    """Every timeline entry the assessment reads, each matter's in order, as the reference takes them."""
    e = report_facts.EVENTS.c
    with server.ctx.engine.connect() as conn:
        rows = conn.execute(sa.select(e.matter_id, e.kind, e.holder_unit_id, e.satisfaction, e.due_at, e.created_at)
                            .where(report_facts.ASSESSED).order_by(e.matter_id, e.id)).all()
    return [EventRow(m, k, h, s, d.timestamp() if d else None, c.timestamp()) for m, k, h, s, d, c in rows]


def comparable(a: Assessment) -> dict:
    """Everything an assessment says, the order of the hours and of the drill-down's matters aside."""
    def figures(f):  # type: ignore[no-untyped-def]
        return (tuple(getattr(f, n) for n in f.__dataclass_fields__ if not n.endswith("_work")),
                sorted(f.claim_work), sorted(f.answer_work))

    return {"as_of": a.as_of, "units": {u: figures(f) for u, f in a.units.items()},
            "tiers": {t: figures(f) for t, f in a.tiers.items()}, "district": figures(a.district),
            "categories": {c: figures(f) for c, f in a.categories.items()},
            "months": {m: figures(f) for m, f in a.months.items()},
            "unit_months": {u: {m: figures(f) for m, f in ms.items()} for u, ms in a.unit_months.items()},
            "ranks": a.ranks, "ids": {k: sorted(v) for k, v in a.ids.items()}}


@pytest.mark.parametrize("which", ["month", "year"])
def test_the_report_from_facts_is_the_reference(server, played, which) -> None:  # type: ignore[no-untyped-def]
    period = parse_period(month="2026-03") if which == "month" else parse_period(year="2026")
    ctx = server.ctx
    with Session(ctx.engine) as session:
        from_facts, tree = reports.load_assessment(ctx, session, period, keep_ids=True)
        rules = ctx.rules.load(session)
        categories = dict(session.execute(sa.text("SELECT id, category FROM matters WHERE category <> ''")).all())
        if which == "month":  # the past period's fallback is taken: a and b went on after March
            _, end = period.bounds(rules.policy)
            f = report_facts.FACTS.c
            later = session.execute(sa.select(f.matter_id).where(f.created_at < end, f.last_event_at >= end)
                                    ).scalars().all()
            assert sorted(later) == sorted(matter_id(server, played[k]) for k in ("a", "b", "e"))
    reference = assess(raw_entries(server), reports.report_units(tree), period, rules.calendar, rules.policy,
                       ctx.clock.now(), categories=categories, keep_ids=True)
    assert comparable(from_facts) == comparable(reference)
    d = from_facts.district
    if which == "month":
        # a, c closed; b, e open (e overdue); d a duplicate; a's rating came in April; f not in March
        assert (d.received, d.closed, d.open, d.overdue_open, d.duplicates, d.reopened, d.follow_ups) == (
            4, 2, 2, 1, 1, 1, 0)
    else:
        assert (d.received, d.closed, d.open, d.duplicates, d.follow_ups) == (5, 3, 2, 1, 1)


def test_the_facts_row_follows_each_entry(server, api, played, clock) -> None:  # type: ignore[no-untyped-def]
    """Record → escalate → claim → answer → close → follow-up → reopen → extension → answer → close: after each
    entry the stored row is the fold of the timeline; a note or an extension request leaves it alone."""
    clock.set(local(4, 6, 9))
    number = api["shuanghu"].record()["number"]
    mid = matter_id(server, number)
    steps = [("shuanghu", "escalate", {"note": "社区办不了"}, True),
             ("huixing.center", "claim", {}, True), ("huixing.center", "progress", {"note": "在办"}, False),
             ("huixing.center", "answer", {"note": "已答复"}, True), ("shuanghu", "close", {}, True),
             ("shuanghu", "follow_up", {"satisfaction": 2}, True),
             ("shuanghu", "reopen", {"reason": "不满意"}, True),
             ("huixing.center", "request_extension", {"reason": "等待检测", "days": 2}, False),
             ("command", "approve_extension", {"note": "同意"}, True),
             ("huixing.center", "answer", {"note": "再答复"}, True), ("shuanghu", "close", {}, True)]
    for minutes, (user, action, body, counts) in enumerate(steps, start=1):
        state = stored(server, mid)
        clock.set(local(4, 6, 9, minutes))
        api[user].act(number, action, **body)
        with server.ctx.engine.connect() as conn:
            folded = report_facts.timeline_facts(conn, [mid])[mid]
        assert report_facts.load(stored(server, mid)) == folded, action
        assert (stored(server, mid) != state) is counts, action
    facts = report_facts.load(stored(server, mid))
    assert (facts.closed, facts.reopened, facts.duplicate, facts.rating) == (True, True, False, 2)
    assert [unit for unit, *_ in facts.stages] == [api["shuanghu"].unit_id, api["huixing.center"].unit_id]
    assert facts.moves == [[api["shuanghu"].unit_id, "escalate"]] and facts.open_stage is None
    assert facts.closed_answer[0] == local(4, 6, 9, 10).timestamp()
    assert facts.due == facts.closed_answer[1] and facts.due > facts.created


def test_the_portable_write_path(server, api, played, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A database other than SQLite and PostgreSQL folds through SQLAlchemy's statements (the upsert of a bulk
    load, a read and an update): the same row."""
    monkeypatch.setattr(report_facts, "_MARKS", {})
    clock.set(local(4, 7, 9))
    number = api["shuanghu"].record()["number"]
    api["shuanghu"].act(number, "claim")
    mid = matter_id(server, number)
    with server.ctx.engine.connect() as conn:
        assert report_facts.load(stored(server, mid)) == report_facts.timeline_facts(conn, [mid])[mid]
    assert report_facts.load(stored(server, mid)).stages[0][3] == 1
