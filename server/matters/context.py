"""What the matters' workflows are handed: the engine, the clock, the settings, the stored rules, the shutdown flag and
a write transaction. :class:`huiyin.server.state.context.ServerContext` is one (it sits above this room, holding the
live feed's hub); the workflows name only this protocol, so the rooms import downwards only."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from huiyin.core.clock import Clock
from huiyin.server.base.settings import Settings
from huiyin.server.storage.rules import RulesCache


class MatterContext(Protocol):
    @property
    def engine(self) -> Engine: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def rules(self) -> RulesCache: ...

    @property
    def closing(self) -> threading.Event: ...

    def write(self) -> AbstractContextManager[Session]:
        """A write transaction that wakes the live feed when it commits timeline entries."""
        ...
