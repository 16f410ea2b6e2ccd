"""The assessment's rules (docs/assessment.md), one matter per rule, every figure checked for a unit, a tier and
the district. Pure: rows in, figures out (Monday–Friday calendar, default policy, Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from huiyin.core.assessment import (
    EventRow,
    Period,
    PeriodError,
    assess,
    instant_us,
    parse_period,
    percentile90,
    rate_text,
    report_out,
)
from huiyin.core.deadlines import DeadlinePolicy, WeekdayCalendar
from huiyin.core.domain import Tier, UnitKind
from huiyin.core.units import UnitInfo

CQ = ZoneInfo("Asia/Shanghai")
ROOT, CENTER, COMMAND, DEPT, TOWN, VILLAGE = 1, 2, 3, 4, 5, 6
UNITS = [UnitInfo(CENTER, "区行政服务中心", Tier.district, UnitKind.service_center, ROOT),
         UnitInfo(COMMAND, "指挥中心", Tier.district, UnitKind.command_center, ROOT),
         UnitInfo(DEPT, "区交委", Tier.district, UnitKind.department, ROOT),
         UnitInfo(TOWN, "回兴街道", Tier.town, UnitKind.service_center, ROOT),
         UnitInfo(VILLAGE, "双湖路社区", Tier.village, UnitKind.station, TOWN)]
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CQ).astimezone(UTC)


def due(day: int, month: int = 11) -> datetime:
    return at(day, 17, 30, month)


def hours(work: list[int]) -> list[float]:
    """Working times (microseconds) as sorted hours."""
    return sorted(w / 3_600_000_000 for w in work)


class Build:
    def __init__(self) -> None:
        self.categories: dict[int, str] = {}
        self.events: list[EventRow] = []

    def matter(self, mid: int, unit: int, when: datetime, deadline: datetime, *steps: tuple,
               category: str = "道路交通") -> None:
        self.categories[mid] = category
        self.events.append(EventRow(mid, "record", unit, None, deadline.timestamp(), when.timestamp()))
        holder = unit
        for kind, when_, *rest in steps:
            extra = dict(rest[0]) if rest else {}
            holder = extra.get("to", holder)
            moved = extra.get("due_at")
            self.events.append(EventRow(mid, kind, holder, extra.get("satisfaction"),
                                        moved.timestamp() if moved else None, when_.timestamp()))


@pytest.fixture(scope="module")
def built() -> Build:
    b = Build()
    # A: the plain case — claimed in an hour, answered next day, closed, rated 5
    b.matter(1, VILLAGE, at(2, 9), due(5), ("claim", at(2, 10)), ("answer", at(3, 10)), ("close", at(3, 11)),
             ("follow_up", at(4, 9), {"satisfaction": 5}))
    # B: escalated by the village to the town, claimed late by the town, answered and closed late
    b.matter(2, VILLAGE, at(2, 9), due(5), ("escalate", at(2, 10), {"to": TOWN}), ("claim", at(4, 9)),
             ("answer", at(20, 10)), ("close", at(20, 11)))
    # C: reopened and closed again; two follow-ups, the last (4) counts
    b.matter(3, TOWN, at(9, 9), due(12), ("claim", at(9, 9, 30)), ("answer", at(10, 10)), ("close", at(10, 11)),
             ("follow_up", at(10, 12), {"satisfaction": 2}), ("reopen", at(11, 9)), ("answer", at(12, 10)),
             ("close", at(12, 11)), ("follow_up", at(13, 9), {"satisfaction": 4}))
    # D: still open at the period's end, past its deadline
    b.matter(4, TOWN, at(25, 9), due(30), ("claim", at(25, 9, 10)))
    # E: a duplicate closed by a link
    b.matter(5, VILLAGE, at(16, 9), due(19), ("link", at(16, 9, 30)))
    # F: help asked by the town, assigned to a department, released back, assigned again, claimed and closed
    b.matter(6, TOWN, at(17, 9), due(20), ("request_help", at(17, 10), {"to": COMMAND}),
             ("assign", at(17, 11), {"to": DEPT}), ("release", at(18, 9), {"to": COMMAND}),
             ("assign", at(18, 10), {"to": DEPT}), ("claim", at(18, 11)), ("answer", at(19, 10)),
             ("close", at(19, 11)))
    # G: recorded before the period, closed inside it: not in the report
    b.matter(7, VILLAGE, at(30, 9, month=10), due(4), ("claim", at(2, 9)), ("answer", at(2, 10)),
             ("close", at(2, 11)))
    # H: recorded in the period, never claimed by its end (claim deadline passed), closed only afterwards
    b.matter(8, VILLAGE, at(27, 9), due(2, 12), ("claim", at(1, 9, month=12)), ("answer", at(1, 10, month=12)),
             ("close", at(2, 9, month=12)))
    # I: answered after its first deadline but within the extension granted before
    b.matter(9, VILLAGE, at(2, 9), due(5), ("claim", at(2, 9, 10)), ("approve_extension", at(4, 9),
                                                                       {"due_at": due(10)}),
             ("answer", at(9, 10)), ("close", at(9, 11)))
    # K: still waiting at the period's end, its claim deadline not passed yet: no arrival counted
    b.matter(10, VILLAGE, at(30, 16), due(3, 12))
    b.events.sort(key=lambda e: e.matter_id)
    return b


@pytest.fixture(scope="module")
def report(built: Build):  # type: ignore[no-untyped-def]
    return assess(built.events, UNITS, NOVEMBER, WeekdayCalendar(), DeadlinePolicy(), now=at(10, 9, month=12),
                  categories=built.categories, keep_ids=True)


def test_a_village_every_figure(report) -> None:  # type: ignore[no-untyped-def]
    v = report.units[VILLAGE]
    assert (v.recorded, v.received, v.closed, v.closed_on_time, v.open, v.overdue_open, v.reopened,
            v.duplicates) == (5, 4, 2, 2, 2, 0, 0, 1)
    assert (v.arrivals, v.claimed_in_time, v.escalations, v.releases, v.help_requests) == (4, 3, 1, 0, 0)
    assert (v.follow_ups, v.satisfied, v.satisfaction_mean) == (1, 1, 5.0)
    assert hours(v.claim_work) == pytest.approx([10 / 60, 1.0])
    assert hours(v.answer_work) == pytest.approx([10.0, 8.5 + 9 * 4 + 1.5])
    assert rate_text(*v.rate("closure")) == "50.00 % (2/4)"
    assert rate_text(*v.rate("claim")) == "75.00 % (3/4)"
    ids = report.ids
    assert ids[(VILLAGE, "duplicates")] == [5] and ids[(VILLAGE, "claimed_late")] == [8]
    assert sorted(ids[(VILLAGE, "open")]) == [8, 10]


def test_the_town_gets_what_it_held_at_closure(report) -> None:  # type: ignore[no-untyped-def]
    t = report.units[TOWN]
    assert (t.recorded, t.received, t.closed, t.closed_on_time, t.closed_late, t.open, t.overdue_open,
            t.reopened) == (3, 3, 2, 1, 1, 1, 1, 1)
    assert (t.arrivals, t.claimed_in_time, t.escalations, t.help_requests) == (4, 3, 0, 1)
    assert (t.follow_ups, t.satisfied, t.satisfaction_mean) == (1, 1, 4.0)
    assert hours(t.claim_work) == pytest.approx([10 / 60, 0.5, 7.5 + 9 + 0.5])
    assert hours(t.answer_work) == pytest.approx([8.5 + 9 * 2 + 1.5, 8.5 + 9 * 13 + 1.5])
    assert report.tiers[Tier.town].received == 3 and report.tiers[Tier.village].received == 4
    assert report.ids[(TOWN, "closed_late")] == [2]


def test_district_units_and_totals(report) -> None:  # type: ignore[no-untyped-def]
    d, c = report.units[DEPT], report.units[COMMAND]
    assert (d.received, d.closed, d.closed_on_time, d.arrivals, d.claimed_in_time, d.releases) == (1, 1, 1, 2, 2, 1)
    assert hours(d.claim_work) == pytest.approx([1.0])
    assert (c.received, c.arrivals, c.claimed_in_time) == (0, 2, 2)
    tier = report.tiers[Tier.district]
    assert (tier.received, tier.closed, tier.arrivals, tier.releases) == (1, 1, 4, 1)
    total = report.district
    assert (total.received, total.closed, total.closed_on_time, total.duplicates, total.recorded) == (8, 5, 4, 1, 8)
    assert rate_text(*total.rate("closure")) == "62.50 % (5/8)"
    assert rate_text(*total.rate("on_time")) == "50.00 % (4/8)"
    assert rate_text(*total.rate("satisfaction")) == "100.00 % (2/2)"
    assert total.satisfaction_mean == 4.5
    assert (total.escalations, total.releases, total.help_requests, total.arrivals) == (1, 1, 1, 12)


def test_ranks_within_tiers(report) -> None:  # type: ignore[no-untyped-def]
    assert report.ranks == {DEPT: 1, CENTER: None, COMMAND: None, TOWN: 1, VILLAGE: 1}
    out = report_out(report, UNITS, group="category")
    assert [row.key for row in out.units] == ["区交委", "区行政服务中心", "指挥中心", "回兴街道", "双湖路社区"]
    assert out.district.figures.closure_rate.text == "62.50 % (5/8)"
    assert out.units[1].figures.closure_rate.text == "— (0/0)" and out.units[1].figures.closure_rate.value is None
    assert [c.key for c in out.categories] == ["道路交通"]
    assert [m.key for m in out.months] == ["2026-11"]
    assert report_out(report, UNITS, unit=TOWN).units[0].key == "回兴街道"


def test_a_period_not_over_counts_up_to_now(built: Build) -> None:
    mid = assess(built.events, UNITS, NOVEMBER, WeekdayCalendar(), DeadlinePolicy(), now=at(3, 10, 30),
                 categories=built.categories)
    v = mid.units[VILLAGE]
    # by Nov 3 10:30: A answered but not closed, B escalated, I claimed; nothing closed yet
    assert (v.received, v.closed, v.open) == (2, 0, 2)
    assert mid.units[TOWN].received == 1 and mid.district.received == 3


def test_seed_figure_and_rates() -> None:
    assert rate_text(371, 395) == "93.92 % (371/395)"
    assert rate_text(1, 8) == "12.50 % (1/8)"  # half up
    assert rate_text(0, 0) == "— (0/0)"
    assert percentile90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9
    assert percentile90([]) is None


@pytest.mark.parametrize("kwargs, field", [
    (dict(start="2026-13-01", end="2026-12-31"), "from"), (dict(start="2026-02-01", end="2026-01-01"), "to"),
    (dict(start="2025-01-01", end="2026-06-01"), "to"), (dict(start="2026-01-01"), "to"), (dict(), "from"),
    (dict(year="26"), "year"), (dict(quarter="2026Q5"), "quarter"), (dict(month="2026-13"), "month"),
    (dict(year="2026", month="2026-01"), "month")])
def test_bad_periods_name_their_field(kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PeriodError) as err:
        parse_period(**kwargs)
    assert err.value.field == field


def test_period_shortcuts() -> None:
    assert parse_period(quarter="2026Q3") == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert parse_period(month="2026-02") == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period(year=2026) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert parse_period("2026-11-01", "2026-11-30").bounds(DeadlinePolicy())[0] == at(1, 0)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_the_fast_working_clock_counts_as_the_deadline_rules_do(zone: str) -> None:
    """The memoized clock of the assessment gives working_seconds_between's and claim_deadline's answers, also
    in a zone with daylight saving time (Berlin: 2026-03-29 and 2026-10-25)."""
    from huiyin.core.assessment import _WorkClock
    from huiyin.core.deadlines import claim_deadline, working_seconds_between

    policy = DeadlinePolicy(timezone=zone)
    tz = ZoneInfo(zone)
    clock = _WorkClock(WeekdayCalendar(), policy, (datetime(2026, 1, 1, tzinfo=tz), datetime(2027, 1, 1, tzinfo=tz)))
    assert (clock.offset is not None) == (zone == "Asia/Shanghai")
    samples = [datetime(2026, m, d, h, mi, tzinfo=tz) for m, d, h, mi in
               [(3, 27, 16, 0), (3, 30, 9, 15), (10, 23, 8, 0), (10, 26, 17, 45), (6, 5, 12, 30), (6, 8, 7, 0)]]
    for a in samples:
        assert clock.claim_due(instant_us(a)) == instant_us(claim_deadline(a, WeekdayCalendar(), policy).due_at)
        for b in samples:
            if b > a:
                assert clock.work(instant_us(a), instant_us(b)) // 1_000_000 == working_seconds_between(
                    a, b, WeekdayCalendar(), policy)


def test_work_clock_counts_as_working_seconds_between() -> None:
    """The walk's working-seconds shortcut (a per-day lookup) counts exactly as the general function."""
    import random

    from huiyin.core.assessment import _WorkClock
    from huiyin.core.deadlines import working_seconds_between

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    policy, calendar = DeadlinePolicy(), WeekdayCalendar()
    clock = _WorkClock(calendar, policy, NOVEMBER.bounds(policy))
    rng = random.Random(12)
    base = instant_us(at(1, 0))
    day = 86_400_000_000
    for _ in range(400):
        start = base + int(rng.uniform(-5, 40) * day)
        end = start + int(rng.choice((rng.uniform(0, 1), rng.uniform(0, 10), rng.uniform(0, 90))) * day)
        expected = working_seconds_between(epoch + timedelta(microseconds=start),
                                           epoch + timedelta(microseconds=end), calendar, policy)
        assert clock.work(start, end) // 1_000_000 == expected, (start, end)


def test_facts_are_instants_and_survive_their_stored_form(built: Build) -> None:
    """Each matter's fold keeps instants, never a verdict of a period or calendar; its stored row (JSON) reads
    back as the same facts; only H went on after November ended (its stored facts are not November's: the
    server folds such a matter from its entries before the end instead)."""
    import json

    from huiyin.core.assessment import MatterFacts, fold_timelines

    facts = fold_timelines(built.events)
    for mid, f in facts.items():
        assert MatterFacts.from_row(json.loads(json.dumps(f.row()))) == f, mid
    c = facts[3]
    assert (c.closed, c.reopened, c.rating, c.closed_answer) == (True, True, 4, [at(12, 10).timestamp(),
                                                                                  due(12).timestamp()])
    assert facts[6].moves == [[TOWN, "request_help"], [COMMAND, "assign"], [DEPT, "release"], [COMMAND, "assign"]]
    assert facts[6].stages[0] == [TOWN, at(17, 9).timestamp(), at(17, 10).timestamp(), 0]
    assert facts[10].open_stage == [VILLAGE, at(30, 16).timestamp()] and facts[5].duplicate
    end = NOVEMBER.bounds(DeadlinePolicy())[1].timestamp()
    assert [mid for mid, f in facts.items() if f.last_event_at >= end] == [8]


# ------------------------------------------------------------------------------- docs/assessment.md's examples


def _worked(*matters: tuple) -> tuple[list[EventRow], dict]:
    """The worked examples' timelines (``(matter id, [(kind, holder name, local Feb/Mar instant, extra)...])``),
    as rows for the fold and as the reference's entries."""
    from huiyin.core.deadlines import matter_deadline
    from huiyin.core.domain import Complexity
    from tests.core.assessment_histories import sample_units
    from tests.core.assessment_reference import Entry

    ids = {u.name: u.id for u in sample_units()}
    rows, timelines = [], {}
    for mid, steps in matters:
        entries = []
        for kind, unit, (month, day, hour, minute), extra in steps:
            when = datetime(2026, month, day, hour, minute, tzinfo=CQ)
            due = (matter_deadline(when, Complexity.simple, _CALENDAR).due_at if kind == "record" else None)
            entries.append(Entry(kind, ids[unit], when, satisfaction=extra.get("satisfaction"), due_at=due,
                                 link_kind=extra.get("link_kind")))
        timelines[mid] = entries
        rows += [EventRow(mid, e.kind, e.holder, e.satisfaction, e.due_at.timestamp() if e.due_at else None,
                          e.created_at.timestamp()) for e in entries]
    return rows, timelines


def _both(rows: list[EventRow], timelines: dict, now: datetime) -> tuple[dict, dict]:
    """February's report by the fold and by the reference, in the reference's shape."""
    from tests.core import assessment_reference as ref
    from tests.core.assessment_histories import report_units, sample_units

    units = [u for u in sample_units() if u.parent_id is not None]
    a = assess(rows, units, parse_period(month="2026-02"), _CALENDAR, DeadlinePolicy(), now)
    got = ref.api_shape(report_out(a, units).model_dump(mode="json"))
    expected = ref.report(timelines, {}, report_units(sample_units()), _CALENDAR, DeadlinePolicy(),
                          date(2026, 2, 1), date(2026, 2, 28), now)
    expected.pop("unit_months")
    expected["categories"] = got["categories"] = {}
    assert not ref.differences(expected, got), ref.differences(expected, got)[:10]
    return got["units"], got["district"]


from huiyin.core.calendar import WorkdayCalendar  # noqa: E402 - the examples' calendar (Spring Festival 2026)

_CALENDAR = WorkdayCalendar()
_A = (1, [("record", "双湖路社区便民服务站", (2, 5, 9, 0), {}),
          ("request_help", "区群众工作指挥中心", (2, 5, 9, 30), {}),
          ("assign", "区交委", (2, 6, 10, 0), {}),
          ("link", "区交委", (2, 9, 11, 45), {"link_kind": "duplicate"})])
_A_REOPENED = (1, _A[1] + [("reopen", "区交委", (2, 24, 9, 0), {}), ("answer", "区交委", (2, 25, 16, 0), {}),
                           ("close", "区交委", (2, 25, 16, 30), {})])
_MARCH_1 = datetime(2026, 3, 1, tzinfo=CQ)


def test_example_1_a_duplicate_counts_only_as_a_duplicate() -> None:
    units, district = _both(*_worked(_A), now=_MARCH_1)
    assert units["区交委"]["figures"]["duplicates"] == 1 and district["duplicates"] == 1
    assert (district["received"], district["recorded"], district["arrivals"], district["help_requests"]) == (0, 0, 0, 0)


def test_example_2_the_duplicate_reopened() -> None:
    units, district = _both(*_worked(_A_REOPENED), now=_MARCH_1)
    dept, village = units["区交委"]["figures"], units["双湖路社区便民服务站"]["figures"]
    assert (dept["received"], dept["closed"], dept["closed_on_time"], dept["reopened"]) == (1, 1, 0, 0)
    assert (dept["arrivals"], dept["claimed_in_time"]) == (1, 1)
    assert units["区群众工作指挥中心"]["figures"]["arrivals"] == 1
    assert (village["recorded"], village["arrivals"], village["help_requests"]) == (1, 1, 1)
    assert district["arrivals"] == 3 and district["hours_to_claim"]["count"] == 0
    # later entries change nothing of February
    later = (1, _A_REOPENED[1] + [("reopen", "区交委", (3, 2, 9, 0), {})])
    assert _both(*_worked(later), now=datetime(2026, 6, 1, tzinfo=CQ)) == (units, district)
    # answered a day later: that stage is late; still waiting after its deadline: late too
    late = (1, _A[1] + [("reopen", "区交委", (2, 24, 9, 0), {}), ("answer", "区交委", (2, 26, 9, 0), {})])
    assert _both(*_worked(late), now=_MARCH_1)[0]["区交委"]["figures"]["claimed_in_time"] == 0
    waiting = (1, _A[1] + [("reopen", "区交委", (2, 24, 9, 0), {})])
    dept = _both(*_worked(waiting), now=datetime(2026, 2, 26, tzinfo=CQ))[0]["区交委"]["figures"]
    assert (dept["arrivals"], dept["claimed_in_time"]) == (1, 0)
    on_the_limit = _both(*_worked(waiting), now=datetime(2026, 2, 25, 17, 30, tzinfo=CQ))[0]["区交委"]["figures"]
    assert on_the_limit["arrivals"] == 0


def test_example_3_a_claim_by_a_unit_above() -> None:
    b = (2, [("record", "双湖路社区便民服务站", (2, 12, 16, 0), {}),
             ("claim", "回兴街道便民服务中心", (2, 13, 9, 0), {})])
    units, _ = _both(*_worked(b), now=_MARCH_1)
    village, town = units["双湖路社区便民服务站"]["figures"], units["回兴街道便民服务中心"]["figures"]
    assert (village["arrivals"], village["claimed_in_time"], village["hours_to_claim"]["mean"]) == (1, 1, 2.0)
    assert (town["arrivals"], town["received"]) == (0, 1)


def test_example_4_across_the_holiday() -> None:
    c = (3, [("record", "双凤桥街道便民服务中心", (2, 13, 14, 0), {}),
             ("request_help", "区群众工作指挥中心", (2, 13, 14, 30), {}),
             ("assign", "区城市管理局", (2, 13, 15, 0), {}), ("claim", "区城市管理局", (2, 24, 9, 0), {})])
    units, _ = _both(*_worked(c), now=_MARCH_1)
    urban = units["区城市管理局"]["figures"]
    assert (urban["arrivals"], urban["claimed_in_time"], urban["hours_to_claim"]["mean"]) == (1, 0, 12.0)


def test_example_5_exactly_on_the_limits() -> None:
    d = (4, [("record", "双湖路社区便民服务站", (2, 12, 16, 0), {}),
             ("claim", "双湖路社区便民服务站", (2, 13, 17, 30), {}),
             ("answer", "双湖路社区便民服务站", (2, 27, 23, 59), {}),
             ("close", "双湖路社区便民服务站", (3, 1, 0, 0), {})])
    # recorded 02-12: due after 3 working days, 02-13, 02-14 (make-up) and 02-24, at 17:30: answered exactly then
    e = (5, [("record", "宝圣湖社区便民服务站", (2, 12, 16, 0), {}),
             ("claim", "宝圣湖社区便民服务站", (2, 13, 9, 0), {}),
             ("answer", "宝圣湖社区便民服务站", (2, 24, 17, 30), {}),
             ("close", "宝圣湖社区便民服务站", (2, 25, 9, 0), {})])
    units, _ = _both(*_worked(d, e), now=_MARCH_1)
    village = units["双湖路社区便民服务站"]["figures"]
    assert (village["claimed_in_time"], village["closed"], village["open"]) == (1, 0, 1)
    other = units["宝圣湖社区便民服务站"]["figures"]
    assert (other["closed"], other["closed_on_time"]) == (1, 1)


def test_example_6_rounding_half_up_of_the_exact_value() -> None:
    from huiyin.core.assessment import Figures

    hour = 3_600_000_000
    assert Figures.hours([20 * hour, int(44.5 * hour), 31 * hour, int(33.5 * hour)]) == (32.3, 44.5)
    f = Figures(follow_ups=8, satisfaction_sum=33)
    assert f.satisfaction_mean == 4.13
    assert rate_text(1, 8) == "12.50 % (1/8)"
