"""Login throttling and the bound on password hashing.

Failed logins are counted per account and per client address over a sliding window (``Settings.login_window``,
by the server's injected clock, so tests move time instead of sleeping). When either count reaches its limit the
login answers 429 with ``Retry-After`` — without checking the password — until the oldest counted failure
leaves the window. A successful login clears its account's count (not its address's). Other accounts and
addresses are unaffected. The counts live in this process's memory (a restart forgets them) and are bounded.

Each password check is argon2 with 64 MiB of memory; at most ``Settings.max_password_hashes`` run at once, and
waiting logins hold no worker thread, so a burst of logins can neither exhaust memory nor starve ``/health``.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import OrderedDict, deque
from datetime import datetime

from huiyin.core.clock import Clock

from .settings import Settings

#: keys (accounts and addresses) remembered at most; the least recently failed are forgotten first
MAX_KEYS = 10_000


class LoginThrottled(Exception):
    def __init__(self, retry_after: int, what: str) -> None:
        super().__init__(what)
        self.retry_after = retry_after
        self.what = what


class LoginGuard:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.RLock()
        self._failures: OrderedDict[tuple[str, str], deque[datetime]] = OrderedDict()
        self._hashing: asyncio.Semaphore | None = None

    def _limits(self, username: str, address: str) -> list[tuple[tuple[str, str], int, str]]:
        return [(("account", username), self.settings.login_failures_per_account, "this account"),
                (("address", address), self.settings.login_failures_per_address, "this address")]

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.settings.login_window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def check(self, username: str, address: str) -> None:
        """Raise :class:`LoginThrottled` if this account or address must wait."""
        now = self.clock.now()
        with self._lock:
            for key, limit, what in self._limits(username, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    until = times[len(times) - limit] + self.settings.login_window
                    wait = max(1, math.ceil((until - now).total_seconds()))
                    raise LoginThrottled(wait, what)

    def reserve(self, username: str, address: str) -> datetime:
        """Check, then count this attempt as a failure *before* the password is checked, so attempts running
        at the same moment cannot overshoot a limit; :meth:`succeeded` takes it back. Returns its stamp."""
        with self._lock:
            self.check(username, address)
            now = self.clock.now()
            for key, _limit, _what in self._limits(username, address):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)
            return now

    def succeeded(self, username: str, address: str, stamp: datetime) -> None:
        """The password was right: clear the account's count and take the reserved attempt back."""
        with self._lock:
            self._failures.pop(("account", username), None)
            times = self._failures.get(("address", address))
            if times is not None and stamp in times:
                times.remove(stamp)

    @property
    def hashing(self) -> asyncio.Semaphore:
        """Acquire around a password check (one event loop per server, so one semaphore)."""
        if self._hashing is None:
            self._hashing = asyncio.Semaphore(self.settings.max_password_hashes)
        return self._hashing
