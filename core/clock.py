"""Time from one injectable clock.

The server, the deadline computation and the workbench all ask a :class:`Clock` for "now"; tests and trainer
demos hand them a :class:`ManualClock` and move it on purpose. Times are timezone-aware, in UTC.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:  # pragma: no cover - protocol
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that stands still until told to move; safe to share between threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware time")
        with self._lock:
            self._now = when.astimezone(timezone.utc)

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
