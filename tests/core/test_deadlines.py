"""The counting rule, countdowns and urgency across the real 2025/2026 calendars and an uncovered 2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiyin.core.calendar import Coverage, WorkdayCalendar, YearOverrides, parse_year_file
from huiyin.core.clock import ManualClock
from huiyin.core.deadlines import (
    Countdown,
    DeadlinePolicy,
    PolicyError,
    Urgency,
    WeekdayCalendar,
    add_workdays,
    claim_deadline,
    countdown,
    due_at,
    is_on_time,
    matter_deadline,
    urgency_sort_key,
    working_seconds_between,
)
from huiyin.core.domain import Complexity

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkdayCalendar()
POLICY = DeadlinePolicy()
SIMPLE, COMPLEX = Complexity.simple, Complexity.complex


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def close(y, m, d) -> datetime:
    return datetime(y, m, d, 17, 30, tzinfo=SH)


def due_local(recorded: datetime, complexity: Complexity, cal=CAL, policy=POLICY) -> datetime:
    return due_at(recorded, complexity, cal, policy).astimezone(SH)


# --------------------------------------------------------------------------- the counting rule


@pytest.mark.parametrize("recorded, complexity, expected", [
    # ordinary weeks (2025-03): Thursday → Tuesday; Saturday → Wednesday; the hour does not matter
    (at(2025, 3, 6, 8, 0), SIMPLE, close(2025, 3, 11)),
    (at(2025, 3, 6, 23, 59), SIMPLE, close(2025, 3, 11)),
    (at(2025, 3, 8), SIMPLE, close(2025, 3, 12)),
    (at(2025, 3, 9), SIMPLE, close(2025, 3, 12)),
    (at(2025, 3, 3), COMPLEX, close(2025, 3, 12)),
    # 2025 Spring Festival (Jan 28 – Feb 4; Sun Jan 26 and Sat Feb 8 at work)
    (at(2025, 1, 24), SIMPLE, close(2025, 2, 5)),  # Fri → Sun 26 (make-up), Mon 27, then Wed Feb 5
    (at(2025, 1, 26), SIMPLE, close(2025, 2, 6)),  # recorded on the make-up Sunday: it does not count
    (at(2025, 1, 27, 20), SIMPLE, close(2025, 2, 7)),  # the evening before the break: Feb 5, 6, 7
    (at(2025, 1, 27, 20), COMPLEX, close(2025, 2, 12)),  # Feb 5, 6, 7, Sat 8, 10, 11, 12
    (at(2025, 2, 1), SIMPLE, close(2025, 2, 7)),  # recorded during the holiday
    (at(2025, 2, 6), SIMPLE, close(2025, 2, 10)),  # Feb 7, Sat 8 (make-up), Mon 10
    # 2025 National Day (Oct 1–8; Sun Sep 28 and Sat Oct 11 at work)
    (at(2025, 9, 26), SIMPLE, close(2025, 9, 30)),  # Fri → Sun 28, Mon 29, Tue 30
    (at(2025, 9, 30, 21), SIMPLE, close(2025, 10, 11)),  # the evening before: Oct 9, 10, Sat 11
    (at(2025, 9, 30, 21), COMPLEX, close(2025, 10, 16)),
    (at(2025, 10, 1), SIMPLE, close(2025, 10, 11)),
    # 2026 Spring Festival (Feb 15–23; Sat Feb 14 and Sat Feb 28 at work)
    (at(2026, 2, 13, 19), SIMPLE, close(2026, 2, 25)),  # Sat 14, Tue 24, Wed 25
    (at(2026, 2, 14, 19), SIMPLE, close(2026, 2, 26)),  # the make-up Saturday evening before the 9-day break
    (at(2026, 2, 14, 19), COMPLEX, close(2026, 3, 3)),  # 24, 25, 26, 27, Sat 28 (make-up), Mar 2, 3
    # 2026 National Day (Oct 1–7; Sun Sep 20 and Sat Oct 10 at work)
    (at(2026, 9, 30, 21), SIMPLE, close(2026, 10, 10)),  # Oct 8, 9, Sat 10
    (at(2026, 9, 18), SIMPLE, close(2026, 9, 22)),  # Fri → Sun 20 (make-up), Mon 21, Tue 22
    # New Year 2026 (Jan 1–3, Sun Jan 4 at work)
    (at(2025, 12, 31), SIMPLE, close(2026, 1, 6)),  # Sun 4, Mon 5, Tue 6
])
def test_counting_rule_across_real_calendars(recorded, complexity, expected):
    got = due_local(recorded, complexity)
    # recompute the expectation from the rule itself so a mistake in a comment cannot hide a bug
    day, counted = recorded.date(), 0
    while counted < POLICY.days_for(complexity):
        day += timedelta(days=1)
        counted += CAL.is_workday(day)
    assert got == close(day.year, day.month, day.day)
    assert got == expected


def test_a_matter_recorded_late_utc_counts_by_the_district_day():
    # 2025-09-30 23:30 in Shanghai is still 15:30 UTC on Sep 30: the day of receipt is the Shanghai day
    late = datetime(2025, 9, 30, 15, 30, tzinfo=UTC)
    assert due_local(late, SIMPLE) == close(2025, 10, 11)
    # 2025-09-30 16:30 UTC is already Oct 1 in Shanghai: the receipt day is a holiday, the result is the same
    assert due_local(datetime(2025, 9, 30, 16, 30, tzinfo=UTC), SIMPLE) == close(2025, 10, 11)
    # ... but on an ordinary Thursday evening the Shanghai date decides: Fri 00:30 local counts from Friday
    assert due_local(datetime(2025, 3, 6, 16, 30, tzinfo=UTC), SIMPLE) == close(2025, 3, 12)


def test_due_at_is_utc():
    due = due_at(at(2025, 3, 6), SIMPLE, CAL)
    assert due.tzinfo is UTC and due == datetime(2025, 3, 11, 9, 30, tzinfo=UTC)


def test_claim_deadline_is_one_working_day():
    assert claim_deadline(at(2025, 9, 30, 9), CAL).due_at.astimezone(SH) == close(2025, 10, 9)
    assert claim_deadline(at(2025, 3, 7), CAL).due_at.astimezone(SH) == close(2025, 3, 10)


def test_zero_days_means_the_first_working_day_on_or_after_receipt():
    assert add_workdays(at(2025, 3, 6), 0, CAL, POLICY).astimezone(SH) == close(2025, 3, 6)
    assert add_workdays(at(2025, 10, 1), 0, CAL, POLICY).astimezone(SH) == close(2025, 10, 9)


def test_bad_arguments():
    with pytest.raises(ValueError):
        add_workdays(datetime(2025, 3, 6), 3, CAL, POLICY)
    with pytest.raises(ValueError):
        add_workdays(at(2025, 3, 6), -1, CAL, POLICY)


# --------------------------------------------------------------------------- an uncovered year


def test_2027_without_overrides_counts_monday_to_friday_and_is_provisional():
    deadline = matter_deadline(at(2026, 12, 30, 20), COMPLEX, CAL)
    # Dec 31 (2026, known), then 2027 guessed Mon–Fri: Fri Jan 1 counts, Jan 4, 5, 6, 7, 8
    assert deadline.due_at.astimezone(SH) == close(2027, 1, 8)
    assert deadline.provisional
    assert [(w.year, w.coverage) for w in deadline.warnings] == [(2027, Coverage.fallback)]
    assert not matter_deadline(at(2026, 12, 1), SIMPLE, CAL).provisional


OVERRIDES_2027 = """\
year 2027
complete yes
2027-01-01 holiday 元旦
2027-02-05 holiday 春节
2027-02-06 holiday 春节
2027-02-07 holiday 春节
2027-02-08 holiday 春节
2027-02-09 holiday 春节
2027-02-10 holiday 春节
2027-02-11 holiday 春节
2027-02-13 workday 春节调休
"""


def test_2027_with_imported_overrides():
    ov = parse_year_file(OVERRIDES_2027).overrides
    cal = CAL.with_year(ov)
    deadline = matter_deadline(at(2026, 12, 30, 20), COMPLEX, cal)
    assert deadline.due_at.astimezone(SH) == close(2027, 1, 11)  # Jan 1 is now a holiday
    assert not deadline.provisional
    # the evening before that break: Thu Feb 4 → Fri Feb 12, Sat 13 (make-up), Mon 15
    assert due_local(at(2027, 2, 4, 20), SIMPLE, cal) == close(2027, 2, 15)
    # without the overrides the same matter would be due Tue Feb 9, a guess the calendar reports
    guessed = matter_deadline(at(2027, 2, 4, 20), SIMPLE, CAL)
    assert guessed.due_at.astimezone(SH) == close(2027, 2, 9) and guessed.provisional


def test_2027_with_partial_overrides_is_still_provisional():
    cal = CAL.with_year(YearOverrides.build(2027, {date(2027, 1, 1): "holiday"}))
    deadline = matter_deadline(at(2026, 12, 30, 20), COMPLEX, cal)
    assert deadline.due_at.astimezone(SH) == close(2027, 1, 11)
    assert [w.code for w in deadline.warnings] == ["calendar.partial"]


def test_weekday_calendar_keeps_working_and_reports_fallback():
    cal = WeekdayCalendar()
    assert due_local(at(2025, 9, 30, 21), SIMPLE, cal) == close(2025, 10, 3)
    assert matter_deadline(at(2025, 9, 30, 21), SIMPLE, cal).provisional


class OnlyIsWorkday:
    """A calendar with nothing but the protocol method (the slow path)."""

    def __init__(self, inner):
        self.inner = inner

    def is_workday(self, day):
        return self.inner.is_workday(day)


def test_a_plain_protocol_calendar_gives_the_same_results():
    plain = OnlyIsWorkday(CAL)
    assert due_local(at(2025, 9, 30, 21), COMPLEX, plain) == close(2025, 10, 16)
    assert not matter_deadline(at(2025, 9, 30, 21), COMPLEX, plain).provisional  # it cannot tell
    due = due_at(at(2025, 9, 30, 21), COMPLEX, CAL)
    assert working_seconds_between(at(2025, 9, 20), due, plain) == working_seconds_between(at(2025, 9, 20), due, CAL)


def test_a_calendar_without_working_days_does_not_hang():
    class Never:
        def is_workday(self, day):
            return False

    with pytest.raises(ValueError):
        add_workdays(at(2025, 3, 6), 1, Never(), POLICY)


# --------------------------------------------------------------------------- countdown


def test_working_time_counts_only_working_hours_of_working_days():
    # Mon 2025-09-29 13:30 → close of Thu Oct 9: 4h on Mon, 9h Tue, nothing Oct 1–8, 9h on Oct 9
    assert working_seconds_between(at(2025, 9, 29, 13, 30), close(2025, 10, 9), CAL) == (4 + 9 + 9) * 3600
    assert working_seconds_between(close(2025, 10, 9), at(2025, 9, 29, 13, 30), CAL) == -22 * 3600
    assert working_seconds_between(at(2025, 10, 3), at(2025, 10, 5), CAL) == 0
    assert working_seconds_between(at(2025, 3, 6, 6), at(2025, 3, 6, 20), CAL) == 9 * 3600


def test_countdown_through_the_national_day_break():
    due = due_at(at(2025, 9, 30, 21), SIMPLE, CAL)  # close of Sat Oct 11
    clock = ManualClock(at(2025, 9, 30, 21))
    c = countdown(due, clock.now(), CAL)
    assert (c.days, c.hours, c.minutes, c.urgency) == (3, 0, 0, Urgency.on_track)
    assert c.working_seconds == 3 * 32400 and c.working_days == 3.0
    clock.set(at(2025, 10, 10, 13, 30))  # Fri afternoon: 4h today + Saturday's 9h
    c = countdown(due, clock.now(), CAL)
    assert (c.days, c.hours, c.urgency) == (1, 4, Urgency.on_track)
    clock.set(at(2025, 10, 11, 7))  # Sat morning before opening: exactly one working day left
    assert countdown(due, clock.now(), CAL).urgency is Urgency.on_track
    clock.set(at(2025, 10, 11, 8, 31))  # less than one working day left
    c = countdown(due, clock.now(), CAL)
    assert (c.days, c.hours, c.minutes, c.urgency) == (0, 8, 59, Urgency.at_risk)
    clock.set(close(2025, 10, 11))  # the deadline instant itself is still in time
    c = countdown(due, clock.now(), CAL)
    assert (c.working_seconds, c.urgency, c.overdue) == (0, Urgency.at_risk, False)
    clock.advance(timedelta(hours=3))  # Saturday evening: overdue, by no working time yet
    c = countdown(due, clock.now(), CAL)
    assert (c.working_seconds, c.urgency, c.overdue) == (0, Urgency.overdue, True)
    clock.set(at(2025, 10, 14, 10, 30))  # Tue 10:30: Monday's 9h + 2h
    c = countdown(due, clock.now(), CAL)
    assert (c.working_seconds, c.days, c.hours, c.urgency) == (-(11 * 3600), 1, 2, Urgency.overdue)
    assert c.working_days == pytest.approx(-11 / 9)


def test_at_risk_threshold_is_configurable():
    due = close(2025, 3, 11)
    now = at(2025, 3, 10, 13, 30)  # 13 working hours left
    assert countdown(due, now, CAL).urgency is Urgency.on_track
    assert DeadlinePolicy().at_risk_hours == DeadlinePolicy().workday_hours == 9  # one working day
    assert countdown(due, now, CAL, DeadlinePolicy(at_risk_hours=14)).urgency is Urgency.at_risk


def test_sorting_by_urgency():
    now = at(2025, 3, 10, 10)
    dues = [close(2025, 3, 14), close(2025, 3, 10), close(2025, 3, 5), close(2025, 3, 7), close(2025, 3, 12)]
    ordered = sorted((countdown(d, now, CAL) for d in dues), key=urgency_sort_key)
    assert [c.due_at.astimezone(SH).day for c in ordered] == [5, 7, 10, 12, 14]
    assert [c.urgency for c in ordered] == [Urgency.overdue, Urgency.overdue, Urgency.at_risk,
                                            Urgency.on_track, Urgency.on_track]
    assert isinstance(ordered[0], Countdown)


def test_is_on_time():
    due = close(2025, 3, 11)
    assert is_on_time(due, due)
    assert not is_on_time(due + timedelta(seconds=1), due)


# --------------------------------------------------------------------------- the policy


def test_policy_round_trips_and_validates():
    policy = DeadlinePolicy(simple_days=2, day_start=time(9), day_end=time(17, 0, 30), timezone="Asia/Urumqi")
    assert DeadlinePolicy.from_dict(policy.to_dict()) == policy
    assert DeadlinePolicy.from_dict({}) == DeadlinePolicy()
    assert DeadlinePolicy().workday_seconds == 9 * 3600
    for bad in ({"simple_days": 0}, {"complex_days": 2.5}, {"claim_days": True}, {"timezone": "Mars/Base"},
                {"day_start": "18:00"}, {"day_end": "5pm"}, {"at_risk_hours": -1}, {"at_risk_hours": None},
                {"speed": 1}):
        with pytest.raises(PolicyError):
            DeadlinePolicy.from_dict(bad)


def test_policy_keeps_its_old_positional_order():
    policy = DeadlinePolicy(2, 5, 1, 8.0, "Asia/Shanghai", time(9), time(17))
    assert (policy.simple_days, policy.complex_days, policy.day_end) == (2, 5, time(17))
    assert policy.days_for(COMPLEX) == 5


# --------------------------------------------------------------------------- properties

starts = st.datetimes(datetime(2004, 1, 1), datetime(2027, 10, 31), timezones=st.just(SH)).map(
    lambda d: d.replace(microsecond=0))
days = st.integers(0, 30)


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(1, 30))
def test_due_day_is_a_working_day_after_receipt_with_exactly_n_working_days(start, n):
    due = add_workdays(start, n, CAL, POLICY).astimezone(SH)
    assert due.time() == POLICY.day_end
    assert CAL.is_workday(due.date())
    assert due.date() > start.date()
    assert CAL.count_workdays(start.date() + timedelta(days=1), due.date() + timedelta(days=1)) == n
    # a freshly received matter always has at least n full working days: never at risk at receipt
    assert working_seconds_between(start, due, CAL) >= n * POLICY.workday_seconds
    assert countdown(due, start, CAL).urgency is Urgency.on_track


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(1, 30))
def test_monotonic_in_days(start, n):
    assert add_workdays(start, n + 1, CAL, POLICY) > add_workdays(start, n, CAL, POLICY)
    # 0 days is "the first working day on or after receipt": never later than 1 day, equal on a day off
    zero, one = add_workdays(start, 0, CAL, POLICY), add_workdays(start, 1, CAL, POLICY)
    assert zero < one if CAL.is_workday(start.date()) else zero == one


@settings(max_examples=200, deadline=None)
@given(starts, starts, days)
def test_monotonic_in_start(a, b, n):
    a, b = min(a, b), max(a, b)
    assert add_workdays(a, n, CAL, POLICY) <= add_workdays(b, n, CAL, POLICY)


@settings(max_examples=200, deadline=None)
@given(starts, days)
def test_fast_and_plain_paths_agree(start, n):
    assert add_workdays(start, n, CAL, POLICY) == add_workdays(start, n, OnlyIsWorkday(CAL), POLICY)


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(0, 90 * 24 * 60), st.integers(0, 90 * 24 * 60))
def test_working_time_is_additive(a, x, y):
    b = a + timedelta(minutes=x)
    c = b + timedelta(minutes=y)
    ab, bc = working_seconds_between(a, b, CAL), working_seconds_between(b, c, CAL)
    assert ab >= 0 and bc >= 0
    assert ab + bc == working_seconds_between(a, c, CAL)


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(1, 10), st.integers(0, 20 * 24 * 60))
def test_countdown_never_gains_time_and_urgency_only_worsens(start, n, minutes):
    due = add_workdays(start, n, CAL, POLICY)
    earlier = countdown(due, start, CAL)
    later = countdown(due, start + timedelta(minutes=minutes), CAL)
    assert later.working_seconds <= earlier.working_seconds
    assert later.urgency.rank <= earlier.urgency.rank
    assert later.sort_key <= earlier.sort_key or later.urgency is earlier.urgency
