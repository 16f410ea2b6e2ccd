"""The live feed's fan-out: one reader per process reads each new timeline entry once and hands it to every
connection that may see it.

* **One read per event per process.** :class:`FeedHub` runs one task in the server's event loop. It is woken by
  the in-process :class:`~.events.Notifier` right after a write commits, and on PostgreSQL by ``LISTEN
  huiyin_events`` (:func:`~.events.append_event` issues ``pg_notify`` in the writing transaction, so every
  process learns of every event). It then reads the events after the last id it read (the event table is the
  truth: a missed notification loses nothing, the next read catches up by id), loads what visibility needs
  (the matters, their trails, the unit tree) once per batch, and builds each entry's ``EventOut`` once.
* **Decided once per kind of reader.** Subscribers are grouped by ``(role, unit)``: what an operator may see of a
  matter depends only on those two (``core/visibility.py``), so each event is decided once per group, redacted
  once per distinct access level and serialised once per level; every connection of a group gets the same bytes.
* **The queue sizes, for who asks.** A connection opened with ``?counts=true`` (the workbench's) gets, after the
  frames of a batch that concerned its group, one ``queue_counts`` frame (no id): its operator's queue sizes as
  ``GET /api/queues`` answers them, counted once per group and batch, so a window moves its counts without
  asking. Groups nobody asked this for cost nothing more.
* **Idle costs nothing.** A connection waits on its own ``asyncio.Event``; it wakes only for a frame or for its
  keep-alive comment. The hub itself polls the table only as a slow backstop (``event_poll_seconds``), for writes
  of processes it cannot hear (a SQLite database written by another process).
* **No gap on resume.** A connection registers with the hub first and then reads what it missed from the table
  (``after`` / ``Last-Event-ID``) with the per-operator catch-up of ``api/events.py``; frames the hub hands it
  meanwhile are dropped by id if the catch-up already sent them. A connection that falls far behind (a client
  not reading) is not buffered without end: its backlog is dropped and it catches up from the table again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fastapi.sse import format_sse_event
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.clock import Clock
from huiyin.core.deadlines import DeadlinePolicy, WorkCalendar, at_risk_horizon
from huiyin.core.domain import Role
from huiyin.core.schemas import EventOut, QueueCounts
from huiyin.core.units import UnitTree
from huiyin.core.visibility import Access, Part, access, redact, viewers
from huiyin.server.base.settings import Settings
from huiyin.server.matters.events import CHANNEL, Notifier, events_after
from huiyin.server.matters.queues import queue_counts
from huiyin.server.matters.views import Trail, event_outs, load_tree, trails
from huiyin.server.storage.models import Matter, MatterEvent, Operator, stored_id
from huiyin.server.storage.rules import units_version

log = logging.getLogger("huiyin.server.matters.feed")

#: events read per database round trip
BATCH = 200
#: frames kept for a connection that does not read; past this it catches up from the table instead
MAX_BACKLOG = 2000
_FULL: Mapping[Part, Access] = {part: Access.full for part in Part}
#: the id under which a frame is handed to a connection that is sent whatever it has read already
ALWAYS = -1


def last_event_id(engine: Engine) -> int:
    with Session(engine) as session:
        last = session.exec(select(func.coalesce(func.max(MatterEvent.id), 0))).one()
        assert last is not None  # coalesce(…, 0)
        return last


class _Rules(Protocol):
    """The district's rules as stored (``huiyin.server.storage.rules.Rules``)."""

    @property
    def calendar(self) -> WorkCalendar: ...

    @property
    def policy(self) -> DeadlinePolicy: ...


class RulesSource(Protocol):
    """Where the stored rules are read (``huiyin.server.storage.rules.RulesCache``)."""

    def load(self, session: Session) -> _Rules: ...


def group_counts(session: Session, role: str, unit_id: int, tree: UnitTree, now: datetime,
                 rules: RulesSource) -> QueueCounts:
    """The queue sizes of every operator of ``role`` at ``unit_id`` (as ``GET /api/queues`` answers them)."""
    stored = rules.load(session)
    horizon = at_risk_horizon(now, stored.calendar, stored.policy)
    # queue_counts reads the operator's role and unit only: any operator of the group counts the same
    anyone = Operator(username="", display_name="", password_hash="", role=role, unit_id=unit_id)
    return QueueCounts(**queue_counts(session, anyone, tree, now, horizon))


def counts_frame(counts: QueueCounts) -> bytes:
    """One ``queue_counts`` frame (no id: it is no entry of the log)."""
    return format_sse_event(data_str=counts.model_dump_json(), event="queue_counts")


def sse_frame(item: EventOut) -> bytes:
    """One ``matter_event`` frame (the same bytes the catch-up sends)."""
    return format_sse_event(data_str=item.model_dump_json(), event="matter_event", id=str(item.id))


@dataclass(frozen=True, slots=True)
class _Read:
    """One event as read for everybody: its unredacted wire form and what visibility looks at."""

    out: EventOut
    trail: Trail
    holder_unit_id: int
    origin_unit_id: int | None


class Subscriber:
    """One live-feed connection: the frames handed to it and the event that wakes it."""

    __slots__ = ("key", "frames", "wake", "overflow", "counts")

    def __init__(self, role: str, unit_id: int, counts: bool = False) -> None:
        self.key = (role, unit_id)
        #: send this connection its queue sizes after the events of a batch (``queue_counts``)
        self.counts = counts
        self.frames: deque[tuple[int, bytes]] = deque()
        self.wake = asyncio.Event()
        #: the backlog was dropped: catch up from the table
        self.overflow = False

    def push(self, ident: int, frame: bytes) -> None:
        if len(self.frames) >= MAX_BACKLOG:
            self.frames.clear()
            self.overflow = True
        else:
            self.frames.append((ident, frame))
        self.wake.set()


class FeedHub:
    def __init__(self, engine: Engine, settings: Settings, notifier: Notifier, closing: threading.Event, *,
                 clock: Clock | None = None, rules: RulesSource | None = None) -> None:
        self.engine = engine
        #: what the queue sizes are counted with (without them no connection gets any)
        self.clock = clock
        self.rules = rules
        self.settings = settings
        self.notifier = notifier
        self.closing = closing
        self.groups: dict[tuple[str, int], set[Subscriber]] = {}
        #: the last event id this process has read
        self.last = 0
        #: the unit tree's version (``unit_admin.units_version``) as last read: a change is sent as ``units_changed``
        self.units_version = 0
        self._wake: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        self._task: asyncio.Task[None] | None = None
        self._listener: threading.Thread | None = None

    # --- lifecycle (the app's lifespan) -------------------------------------------------------------------------
    async def start(self) -> None:
        self.last = await run_in_threadpool(last_event_id, self.engine)
        self.units_version = await run_in_threadpool(self._units_version)
        self._wake = self.notifier.subscribe()
        self._task = asyncio.create_task(self._run(), name="huiyin-feed")
        if self.engine.dialect.name == "postgresql":
            self._listener = threading.Thread(target=self._listen, name="huiyin-feed-listen", daemon=True)
            self._listener.start()

    async def stop(self) -> None:
        self.closing.set()
        if self._wake is not None:
            self._wake[1].set()
            self.notifier.unsubscribe(self._wake)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._wake_all()

    # --- connections ----------------------------------------------------------------------------------------------
    def subscribe(self, role: str, unit_id: int, seen_last: int, *, counts: bool = False) -> Subscriber:
        """Register a connection; ``seen_last`` is an event id the caller read as the log's last *before* this
        call. A hub nobody listened to has not kept reading: it resumes from there (every event up to it was
        committed before the connection registered, so its own catch-up from the table covers them)."""
        if not self.groups:
            self.last = max(self.last, seen_last)
        sub = Subscriber(role, unit_id, counts)
        self.groups.setdefault(sub.key, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        group = self.groups.get(sub.key)
        if group is not None:
            group.discard(sub)
            if not group:
                del self.groups[sub.key]

    def subscribers(self) -> int:
        return sum(len(g) for g in self.groups.values())

    def _wake_all(self) -> None:
        for group in self.groups.values():
            for sub in group:
                sub.wake.set()

    # --- the reader -----------------------------------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._wake is not None
        wake = self._wake[1]
        while not self.closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self.settings.event_poll_seconds)
            wake.clear()
            if self.closing.is_set():
                break
            try:
                await self._catch_up()
                await self._check_units()
            except Exception:  # a database hiccup must not end the feed: the next wake or poll reads on
                log.exception("live feed read failed; reading again shortly")
                await asyncio.sleep(1.0)
        self._wake_all()

    async def _catch_up(self) -> None:
        while True:
            if not self.groups:
                return  # nobody listens: no reading (the next subscriber brings the position, see subscribe())
            tree, batch = await run_in_threadpool(self._read, self.last)
            if not batch:
                return
            told = self._dispatch(tree, batch)
            if told:
                self._send_counts(await run_in_threadpool(self._count, tree, told))
            self.last = batch[-1].out.id
            if len(batch) < BATCH:
                return

    async def _check_units(self) -> None:
        """One read of the unit tree's version per wake (not per connection); a change wakes every connection."""
        if not self.groups:
            return
        version = await run_in_threadpool(self._units_version)
        if version != self.units_version:
            self.units_version = version
            self._wake_all()

    def _units_version(self) -> int:
        with Session(self.engine) as session:
            return units_version(session)

    def _read(self, after: int) -> tuple[UnitTree | None, list[_Read]]:
        with Session(self.engine) as session:
            rows = events_after(session, after, BATCH)
            if not rows:
                return None, []
            tree = load_tree(session)
            ids = {e.matter_id for e in rows}
            matters = {stored_id(m): m for m in session.exec(select(Matter).where(col(Matter.id).in_(ids)))}
            trail = trails(session, ids)
            outs = event_outs(session, rows, tree, {i: _FULL for i in ids},
                              {i: m.number for i, m in matters.items()})
            return tree, [_Read(out, trail[e.matter_id], matters[e.matter_id].holder_unit_id,
                                matters[e.matter_id].origin_unit_id) for e, out in zip(rows, outs, strict=True)]

    def _dispatch(self, tree: UnitTree | None, batch: list[_Read]) -> set[tuple[str, int]]:
        """Hand each event to the groups that may see it; returns the groups told something that want their
        queue sizes."""
        assert tree is not None
        told: set[tuple[str, int]] = set()
        for item in batch:
            frames: dict[tuple[Access, Access], bytes] = {}
            for (role, unit_id), group in list(self.groups.items()):
                seen = access(viewers(Role(role), unit_id, path=item.trail.path, holder_unit_id=item.holder_unit_id,
                                      origin_unit_id=item.origin_unit_id, tree=tree))
                if seen[Part.work] is Access.none:
                    continue
                level = (seen[Part.notes], seen[Part.resident])
                frame = frames.get(level)
                if frame is None:
                    frame = frames[level] = sse_frame(_redacted(item.out, seen))
                for sub in group:
                    sub.push(item.out.id, frame)
                if self.clock is not None and any(sub.counts for sub in group):
                    told.add((role, unit_id))
        return told

    def _count(self, tree: UnitTree | None, groups: set[tuple[str, int]]) -> dict[tuple[str, int], QueueCounts]:
        assert tree is not None and self.clock is not None and self.rules is not None
        now = self.clock.now()
        with Session(self.engine) as session:
            return {key: group_counts(session, *key, tree, now, self.rules) for key in groups}

    def _send_counts(self, counts: Mapping[tuple[str, int], QueueCounts]) -> None:
        for key, sizes in counts.items():
            frame = counts_frame(sizes)
            for sub in self.groups.get(key, ()):
                if sub.counts:
                    sub.push(ALWAYS, frame)

    # --- PostgreSQL: hear other processes' writes -----------------------------------------------------------------
    def _listen(self) -> None:
        """``LISTEN huiyin_events`` on a connection of its own; every notification wakes the reader (its payload,
        the event id, lets a notification of an event already read be passed over). Reconnects after a failure,
        and wakes the reader then, since notifications sent meanwhile are lost."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.closing.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._poke()  # anything written while not listening
                    while not self.closing.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if not (note.payload.isdigit() and int(note.payload) <= self.last):
                                self._poke()
            except Exception as exc:  # noqa: BLE001 - the database went away: try again shortly
                log.warning("live feed: LISTEN connection lost (%s); reconnecting", str(exc).splitlines()[0]
                            if str(exc) else type(exc).__name__)
                self.closing.wait(1.0)

    def _poke(self) -> None:
        if self._wake is not None:
            loop, event = self._wake
            with contextlib.suppress(RuntimeError):  # the loop is closed: the server is gone
                loop.call_soon_threadsafe(event.set)


def _redacted(out: EventOut, seen: Mapping[Part, Access]) -> EventOut:
    """``out`` (read with full access) as a reader with access ``seen`` receives it (like ``views.event_outs``)."""
    shown, hidden = redact(out.model_dump(exclude={"masked"}), seen)
    if not hidden:
        return out
    return out.model_copy(update={**{name: shown[name] for name in hidden}, "masked": sorted(hidden)})
