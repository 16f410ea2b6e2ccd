"""What every request shares: the engine, the injected clock, the settings and the live-feed notifier."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlmodel import Session

from huiyin.core.clock import Clock, session_clock
from huiyin.server.base.settings import Settings
from huiyin.server.matters.events import APPENDED, Notifier
from huiyin.server.matters.feed import FeedHub
from huiyin.server.state.throttle import LoginGuard
from huiyin.server.storage.db import write_session
from huiyin.server.storage.rules import RulesCache


@dataclass
class ServerContext:
    engine: Engine
    clock: Clock
    settings: Settings
    notifier: Notifier = field(default_factory=lambda: Notifier())
    #: the calendar and the deadline policy, reloaded whenever the stored version changes
    rules: RulesCache = field(default_factory=RulesCache)
    #: set when the server shuts down, so live-feed connections end
    closing: threading.Event = field(default_factory=threading.Event)
    #: a demo or sandbox server: trainers and admins may move its clock over the API (``POST /api/clock``)
    demo: bool = False
    #: failed-login counts and the bound on concurrent password checks
    logins: LoginGuard = field(init=False)
    #: the live feed's one reader in this process (started by the app's lifespan)
    feed: FeedHub = field(init=False)

    def __post_init__(self) -> None:
        self.logins = LoginGuard(self.settings, self.session_clock, self.engine)
        self.feed = FeedHub(self.engine, self.settings, self.notifier, self.closing, clock=self.clock,
                            rules=self.rules)

    @property
    def session_clock(self) -> Clock:
        """What login tokens and the login throttle follow: the wall clock under a simulated (demo) clock, so a
        fast clock signs nobody out; the clock itself otherwise (:func:`huiyin.core.clock.session_clock`)."""
        return session_clock(self.clock)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (:func:`huiyin.server.storage.db.write_session`) that wakes this process's live feed when
        it commits timeline entries (:func:`huiyin.server.matters.events.append_event`)."""
        with write_session(self.engine) as session:
            sa_event.listen(session, "after_commit", self._committed)
            sa_event.listen(session, "after_rollback", _forget_appended)
            yield session

    def _committed(self, session: Session) -> None:
        if session.info.pop(APPENDED, False):
            self.notifier.notify()


def _forget_appended(session: Session) -> None:
    session.info.pop(APPENDED, None)
