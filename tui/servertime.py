"""The workbench's "now" is the server's: :class:`ServerTime` is a clock that tells the time the server last said
(``X-Huiyin-Now`` on every answer, ``GET /api/clock``), moved on by the local monotonic clock at the rate the
server said (``X-Huiyin-Clock-Rate``: 1 normally, 0 when frozen or paused, more in a demo).

So countdowns, the header's time and "at risk" follow the server's clock, also a demo server's simulated one,
whatever this computer's clock says. Until the first answer it tells the fallback clock's time (the
computer's). Saved login tokens are not checked against it: they expire in real time (see ``session.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from huiyin.core.clock import Clock, SystemClock

NOW_HEADER = "x-huiyin-now"
RATE_HEADER = "x-huiyin-clock-rate"


class ServerTime:
    def __init__(self, fallback: Clock | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.fallback = fallback or SystemClock()
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base: datetime | None = None
        self._at = 0.0
        self.rate = 1.0

    @property
    def synced(self) -> bool:
        return self._base is not None

    def observe(self, now: datetime, rate: float) -> None:
        """The server said it is ``now`` and its clock runs at ``rate``."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        with self._lock:
            self._base, self._at, self.rate = now.astimezone(UTC), self._monotonic(), max(rate, 0.0)

    def observe_headers(self, headers: object) -> None:
        """Take the server's now from an answer's headers (no headers: an older server; nothing changes)."""
        get = getattr(headers, "get", None)
        if get is None:
            return
        value = get(NOW_HEADER)
        if not value:
            return
        try:
            now = datetime.fromisoformat(value)
            rate = float(get(RATE_HEADER) or 1.0)
        except ValueError:
            return
        self.observe(now, rate)

    def now(self) -> datetime:
        with self._lock:
            if self._base is None:
                return self.fallback.now()
            return self._base + timedelta(seconds=(self._monotonic() - self._at) * self.rate)
