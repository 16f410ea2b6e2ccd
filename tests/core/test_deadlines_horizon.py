"""add_working_time is the inverse of working_seconds_between; at_risk_horizon agrees with countdown()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from huiyin.core.calendar import WorkdayCalendar
from huiyin.core.deadlines import (
    DeadlinePolicy,
    Urgency,
    add_working_time,
    at_risk_horizon,
    countdown,
    matter_deadline,
    working_seconds_between,
)
from huiyin.core.domain import Complexity

CAL = WorkdayCalendar()
POLICY = DeadlinePolicy()
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1),
                        timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(min_value=0, max_value=20 * 9 * 3600))
def test_add_working_time_inverts_working_seconds(start, seconds):
    end = add_working_time(start, seconds, CAL, POLICY)
    assert end >= start
    assert abs(working_seconds_between(start, end, CAL, POLICY) - seconds) <= 1


@settings(max_examples=200, deadline=None)
@given(instants, instants)
def test_horizon_matches_countdown(now, recorded):
    due = matter_deadline(recorded, Complexity.simple, CAL, POLICY).due_at
    urgency = countdown(due, now, CAL, POLICY).urgency
    horizon = at_risk_horizon(now, CAL, POLICY)
    if due < now:
        assert urgency is Urgency.overdue
    elif due < horizon - timedelta(seconds=1):
        assert urgency is Urgency.at_risk
    elif due > horizon + timedelta(seconds=1):
        assert urgency is Urgency.on_track


def test_over_spring_festival_2026():
    # Friday 2026-02-13 17:00 Beijing: half an hour of work left that day; Saturday Feb 14 is a make-up workday,
    # then the holiday runs Feb 15-23
    start = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)
    assert add_working_time(start, 3600, CAL, POLICY).astimezone(POLICY.tz).isoformat() == "2026-02-14T09:00:00+08:00"
    after = add_working_time(start, 3600 * 10, CAL, POLICY).astimezone(POLICY.tz)
    assert after.isoformat() == "2026-02-24T09:00:00+08:00"
