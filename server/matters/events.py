"""The event log: appending timeline entries and reading them back for the live feed.

Event ids must grow in *commit* order, or a client resuming "after id N" could miss an event with a smaller id
that committed later. SQLite serialises writers, so this holds there by itself; on PostgreSQL every transaction
that appends an event first takes one transaction-scoped advisory lock, so ids are drawn and committed one
writer at a time. The database is the truth for the feed (:mod:`.feed`): each process reads it by id, woken by
the in-process :class:`Notifier` after a commit and, on PostgreSQL, by ``pg_notify`` on :data:`CHANNEL`.

:func:`append_event` (and :func:`append_events` for bulk loads) is the one way a timeline entry is written: it
takes the ordering lock, inserts, folds the entry into its matter's assessment facts (``matter_facts``, see
:mod:`.report_facts`; an entry the assessment does not read leaves them alone), on PostgreSQL issues
``pg_notify(CHANNEL, <id>)`` in the same transaction (delivered to every listening process when it commits, never
if it rolls back), and marks the transaction so that :meth:`ServerContext.write` wakes the live feed once it
commits.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from huiyin.server.reports.facts import note_event, note_events
from huiyin.server.storage.models import MatterEvent

EVENT_LOCK_KEY = 0x687579696E  # "huiyin"
#: ``session.info`` key: this transaction appended timeline entries (the live feed is woken when it commits)
APPENDED = "huiyin_events_appended"
#: the PostgreSQL notification channel that wakes every process's live feed (payload: the event id)
CHANNEL = "huiyin_events"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', CAST(:id AS text))")
_NOTIFY_LAST = text(f"SELECT pg_notify('{CHANNEL}', CAST((SELECT max(id) FROM matter_events) AS text))")


def lock_event_log(session: Session) -> None:
    """Serialise event appends on PostgreSQL (a no-op elsewhere); held until the transaction ends."""
    if session.info.get(APPENDED):
        return  # this transaction holds it already
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOCK_KEY})


def append_event(session: Session, **fields: Any) -> MatterEvent:
    """Append one timeline entry in the session's transaction (fields as :class:`MatterEvent`'s)."""
    lock_event_log(session)
    event = MatterEvent(**fields)
    session.add(event)
    note_event(session, fields)
    if session.get_bind().dialect.name == "postgresql":
        session.flush()  # the id, for the notification's payload
        session.execute(_NOTIFY, {"id": event.id})
    session.info[APPENDED] = True
    return event


def append_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append many timeline entries at once (bulk loads): one lock, one multi-row insert."""
    if not rows:
        return
    lock_event_log(session)
    session.execute(insert(MatterEvent), rows)
    note_events(session, rows)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY_LAST)
    session.info[APPENDED] = True


def events_after(session: Session, after: int, limit: int) -> list[MatterEvent]:
    stmt = select(MatterEvent).where(col(MatterEvent.id) > after).order_by(col(MatterEvent.id)).limit(limit)
    return list(session.exec(stmt))


class Notifier:
    """Wakes live-feed connections in this process when an event was committed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        item = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(item)
        return item

    def unsubscribe(self, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(item)

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop is closed: its connection is gone
                self.unsubscribe((loop, event))
