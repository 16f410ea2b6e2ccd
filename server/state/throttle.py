"""Login throttling and the bound on password hashing.

Failed logins are counted per account and per client address over a sliding window (``Settings.login_window``,
by the server's injected clock, so tests move time instead of sleeping). When either count reaches its limit the
login answers 429 with ``Retry-After`` — without checking the password — until the oldest counted failure
leaves the window. A successful login clears its account's count (not its address's). Other accounts and
addresses are unaffected.

The counts are rows of ``login_failures`` in the database, so every worker of ``huiyin serve --workers N`` counts
the same failures (kept in each process's memory, N workers would let N times the attempts through) and a restart
forgets nothing. An attempt is counted *before* its password is checked, in one write transaction with the check
(SQLite's write lock, a PostgreSQL advisory lock), so attempts running at the same moment on any worker cannot
overshoot a limit; failures older than the window are deleted as new ones come.

Each password check is argon2 with 64 MiB of memory; at most ``Settings.max_password_hashes`` run at once per
process, and waiting logins hold no worker thread, so a burst of logins can neither exhaust memory nor starve
``/health``.
"""

from __future__ import annotations

import asyncio
import math
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, text
from sqlmodel import Session, col

from huiyin.core.clock import Clock
from huiyin.server.base.settings import Settings
from huiyin.server.storage.db import write_session
from huiyin.server.storage.models import LoginFailure

#: the advisory lock that makes check-then-count one step across PostgreSQL workers ("logins")
LOGIN_LOCK_KEY = 0x6C6F67696E73


class LoginThrottled(Exception):
    def __init__(self, retry_after: int, what: str) -> None:
        super().__init__(what)
        self.retry_after = retry_after
        self.what = what


class LoginGuard:
    def __init__(self, settings: Settings, clock: Clock, engine: Engine) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self._hashing: asyncio.Semaphore | None = None

    def _limits(self, username: str, address: str) -> list[tuple[str, str, int, str]]:
        return [("account", username, self.settings.login_failures_per_account, "this account"),
                ("address", address, self.settings.login_failures_per_address, "this address")]

    def _check(self, session: Session, username: str, address: str, now: datetime) -> None:
        since = now - self.settings.login_window
        f = LoginFailure
        for scope, key, limit, what in self._limits(username, address):
            times = session.execute(select(col(f.at)).where(col(f.scope) == scope, col(f.key) == key, col(f.at) > since)
                                    .order_by(col(f.at))).scalars().all()
            if len(times) >= limit:
                until = times[len(times) - limit] + self.settings.login_window
                wait = max(1, math.ceil((until - now).total_seconds()))
                raise LoginThrottled(wait, what)

    def check(self, username: str, address: str) -> None:
        """Raise :class:`LoginThrottled` if this account or address must wait."""
        with Session(self.engine) as session:
            self._check(session, username, address, self.clock.now())

    def reserve(self, username: str, address: str) -> int:
        """Check, then count this attempt as a failure *before* the password is checked, so attempts running
        at the same moment (on any worker) cannot overshoot a limit; :meth:`succeeded` takes it back. Returns
        the id of the address's row (what :meth:`succeeded` takes back)."""
        now = self.clock.now()
        f = LoginFailure
        with write_session(self.engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOGIN_LOCK_KEY})
            self._check(session, username, address, now)
            session.execute(delete(f).where(col(f.at) <= now - self.settings.login_window))
            session.execute(insert(f), [{"scope": "account", "key": username, "at": now}])
            row = session.execute(insert(f).values(scope="address", key=address, at=now)
                                  .returning(col(f.id))).scalar_one()
            session.commit()
            return int(row)

    def succeeded(self, username: str, address: str, reserved: int) -> None:
        """The password was right: clear the account's count and take the reserved attempt back."""
        f = LoginFailure
        with write_session(self.engine) as session:
            session.execute(delete(f).where(col(f.scope) == "account", col(f.key) == username))
            session.execute(delete(f).where(col(f.id) == reserved))
            session.commit()

    @property
    def hashing(self) -> asyncio.Semaphore:
        """Acquire around a password check (one event loop per server, so one semaphore)."""
        if self._hashing is None:
            self._hashing = asyncio.Semaphore(self.settings.max_password_hashes)
        return self._hashing
