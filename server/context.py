"""What every request shares: the engine, the injected clock, the settings and the live-feed notifier."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from huiyin.core.clock import Clock

from .events import Notifier
from .rules import RulesCache
from .settings import Settings
from .throttle import LoginGuard


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
    #: failed-login counts and the bound on concurrent password checks
    logins: LoginGuard = field(init=False)

    def __post_init__(self) -> None:
        self.logins = LoginGuard(self.settings, self.clock)
