"""Time from one injectable clock.

The server, the deadline computation and the workbench all ask a :class:`Clock` for "now"; tests and trainer
demos hand them a :class:`ManualClock` and move it on purpose. Times are timezone-aware, in UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:  # pragma: no cover - protocol
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told to move; safe to share between threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware time")
        with self._lock:
            self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now


def parse_clock(spec: str | None) -> Clock:
    """A clock from a command-line or environment value: empty → the system clock, an ISO time → frozen there."""
    if not spec:
        return SystemClock()
    try:
        when = datetime.fromisoformat(spec)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {spec!r}") from exc
    if when.tzinfo is None:
        raise ValueError(f"the clock time needs an offset, e.g. {spec}+08:00")
    return ManualClock(when)


class SystemRealClock(SystemClock):
    """The wall clock a simulated clock runs against (a name of its own so tests may swap it)."""


class ClockSettings:
    """Everything a simulated clock is: at real instant ``anchor_real`` the simulated time was ``anchor_sim``,
    and since then it runs at ``speed`` (0: paused). Three values, so they fit one small stored row: several
    server processes that read the same row tell the same time."""

    __slots__ = ("anchor_real", "anchor_sim", "speed")

    def __init__(self, anchor_real: datetime, anchor_sim: datetime, speed: float) -> None:
        if anchor_real.tzinfo is None or anchor_sim.tzinfo is None:
            raise ValueError("clock settings need timezone-aware times")
        if not (0 <= speed <= MAX_SPEED):
            raise ValueError(f"the clock's speed must be from 0 to {MAX_SPEED:g}")
        self.anchor_real = anchor_real.astimezone(UTC)
        self.anchor_sim = anchor_sim.astimezone(UTC)
        self.speed = float(speed)

    def at(self, real: datetime) -> datetime:
        """The simulated time at real instant ``real``."""
        return self.anchor_sim + (real - self.anchor_real) * self.speed

    def to_dict(self) -> dict[str, object]:
        return {"anchor_real": self.anchor_real.isoformat(), "anchor_sim": self.anchor_sim.isoformat(),
                "speed": self.speed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClockSettings:
        return cls(datetime.fromisoformat(str(data["anchor_real"])), datetime.fromisoformat(str(data["anchor_sim"])),
                   float(data["speed"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClockSettings) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"ClockSettings({self.anchor_real.isoformat()}, {self.anchor_sim.isoformat()}, {self.speed:g})"


#: the fastest a simulated clock may run (a day in about a second)
MAX_SPEED = 100_000.0


class SimulatedClock:
    """Simulated time for trainer demos: starts at ``start``, runs at ``speed`` times the wall clock, and can be
    paused, sped up or slowed down, and moved.

    Its whole state is one :class:`ClockSettings`, kept in :attr:`settings`; every change replaces it whole
    (re-anchored at the present real instant), so the row could equally live in a database shared by several
    server processes (each would read it instead of its own attribute). ``real`` is the wall clock it runs
    against: login tokens and the login throttle use that one (``ServerContext.session_clock``), never the
    simulated time, so a fast clock signs nobody out."""

    def __init__(self, start: datetime, speed: float = 1.0, real: Clock | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time")
        self.real: Clock = real or SystemRealClock()
        self._lock = threading.Lock()
        self.settings = ClockSettings(self.real.now(), start, speed)
        #: the speed to resume at after :meth:`pause`
        self._resume_speed = speed if speed > 0 else 1.0

    def now(self) -> datetime:
        settings = self.settings
        return settings.at(self.real.now())

    @property
    def speed(self) -> float:
        return self.settings.speed

    @property
    def paused(self) -> bool:
        return self.settings.speed == 0

    def _reanchor(self, sim: datetime | None = None, speed: float | None = None) -> ClockSettings:
        with self._lock:
            real = self.real.now()
            current = self.settings
            self.settings = ClockSettings(real, sim if sim is not None else current.at(real),
                                          current.speed if speed is None else speed)
            return self.settings

    def set_speed(self, speed: float) -> None:
        if speed > 0:
            self._resume_speed = speed
        self._reanchor(speed=speed)

    def pause(self) -> None:
        if not self.paused:
            self._resume_speed = self.settings.speed
        self._reanchor(speed=0.0)

    def resume(self) -> None:
        self._reanchor(speed=self._resume_speed)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (in-process callers may go back; the API only forward)."""
        if when.tzinfo is None:
            raise ValueError("SimulatedClock.set needs a timezone-aware time")
        self._reanchor(sim=when)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            real = self.real.now()
            current = self.settings
            self.settings = ClockSettings(real, current.at(real) + delta, current.speed)
            return self.settings.anchor_sim


def clock_rate(clock: Clock) -> float:
    """How many seconds ``clock`` moves per real second: 0 for a frozen or paused clock, 1 for the system's."""
    if isinstance(clock, SimulatedClock):
        return clock.speed
    if isinstance(clock, ManualClock):
        return 0.0
    return 1.0


def session_clock(clock: Clock) -> Clock:
    """The clock that login tokens and throttles follow: the wall clock under a simulated clock, else ``clock``
    itself (a frozen test clock expires tokens when the test moves it)."""
    return clock.real if isinstance(clock, SimulatedClock) else clock
