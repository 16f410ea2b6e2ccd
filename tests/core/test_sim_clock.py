"""The simulated clock of demo mode: it runs at a speed against a wall clock, pauses, resumes and jumps; its
whole state is one small ClockSettings record; tokens follow the wall clock under it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from huiyin.core.clock import ClockSettings, ManualClock, SimulatedClock, SystemClock, clock_rate, session_clock

REAL = datetime(2030, 1, 1, tzinfo=UTC)
SIM = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def make(speed: float = 1.0) -> tuple[ManualClock, SimulatedClock]:
    real = ManualClock(REAL)
    return real, SimulatedClock(SIM, speed=speed, real=real)


def test_runs_at_its_speed_against_the_wall_clock() -> None:
    real, clock = make(speed=60)
    assert clock.now() == SIM
    real.advance(timedelta(seconds=10))
    assert clock.now() == SIM + timedelta(minutes=10)
    assert clock_rate(clock) == 60


def test_pause_resume_speed_and_jumps() -> None:
    real, clock = make(speed=2)
    real.advance(timedelta(seconds=30))
    clock.pause()
    assert clock.paused and clock_rate(clock) == 0
    real.advance(timedelta(hours=5))
    assert clock.now() == SIM + timedelta(minutes=1)  # nothing moved while paused
    clock.resume()
    assert clock.speed == 2
    real.advance(timedelta(seconds=30))
    assert clock.now() == SIM + timedelta(minutes=2)
    clock.set_speed(3600)
    real.advance(timedelta(seconds=1))
    assert clock.now() == SIM + timedelta(hours=1, minutes=2)
    assert clock.advance(timedelta(days=1)) == SIM + timedelta(days=1, hours=1, minutes=2)
    clock.set(SIM)
    assert clock.now() == SIM


def test_the_state_is_one_small_record() -> None:
    real, clock = make(speed=5)
    stored = clock.settings.to_dict()
    assert set(stored) == {"anchor_real", "anchor_sim", "speed"}
    again = ClockSettings.from_dict(stored)
    assert again == clock.settings
    real.advance(timedelta(seconds=2))
    # another process reading the same record tells the same time
    assert again.at(real.now()) == clock.now() == SIM + timedelta(seconds=10)


@pytest.mark.parametrize("speed", [-1, 100_001])
def test_speed_has_bounds(speed: float) -> None:
    with pytest.raises(ValueError):
        SimulatedClock(SIM, speed=speed, real=ManualClock(REAL))


def test_tokens_follow_the_wall_clock_under_a_simulated_one() -> None:
    real, clock = make()
    assert session_clock(clock) is real
    frozen = ManualClock(SIM)
    assert session_clock(frozen) is frozen and clock_rate(frozen) == 0
    assert clock_rate(SystemClock()) == 1
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2026, 1, 1))
