"""The live event stream of one signed-in session, without Textual: it reads ``GET /api/events`` (SSE) while the
operator is signed in, reconnects after a break (resuming after the last event taken), and tells the app what
changed, once per short burst: the matter numbers (not this window's own actions, whose answers were applied
already) and the operator's queue sizes when the stream told them (:class:`~huiyin.tui.session.WorkbenchSession`
keeps the position and the sizes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from huiyin.core.schemas import QueueCounts

from .client import ApiError, UnitsChanged, Unreachable
from .session import WorkbenchSession

#: events that come within this time are told as one change (a burst refetches once)
FLUSH_SECONDS = 0.15


class LiveFeed:
    def __init__(self, session: WorkbenchSession, *, changed: Callable[[set[str], QueueCounts | None], None],
                 units_changed: Callable[[], None], online: Callable[..., None], is_online: Callable[[], bool],
                 expired: Callable[[], None], retry_seconds: Callable[[], float],
                 later: Callable[[float, Callable[[], None]], Any]) -> None:
        """``changed(numbers, counts)``: these matters changed (an empty set: anything may have), with the queue
        sizes after them when told; ``units_changed()``: an admin changed the unit tree; ``online(flag, detail)``
        and ``is_online()``: the connection's state; ``expired()``: the sign-in ended (401); ``retry_seconds()``:
        the longest wait between reconnects; ``later(seconds, call)``: a timer of the app's."""
        self.session = session
        self.changed = changed
        self.units_changed = units_changed
        self.online = online
        self.is_online = is_online
        self.expired = expired
        self.retry_seconds = retry_seconds
        self.later = later
        #: live events not yet told: event id -> matter number
        self._changed: dict[int, str] = {}
        self._flush_pending = False
        #: the flush waited once already for the queue sizes the server sends after the events
        self._waited = False

    async def run(self) -> None:
        """Read the stream while signed in; returns when the session ends (or expires)."""
        session = self.session
        delay = 0.3
        while session.operator is not None and session.api is not None:
            session.stream_connected = False
            try:
                async for event in session.api.stream_events(session.last_event_id):
                    if event is None:
                        session.stream_connected = True
                        continue
                    if isinstance(event, UnitsChanged):  # an admin changed the tree: names, escalation targets
                        self.units_changed()
                        continue
                    if isinstance(event, QueueCounts):  # the sizes after the events just sent: no need to ask
                        session.told(event)
                        continue
                    if session.take(event):  # else this window's own action: its answer was applied
                        self._changed[event.id] = event.matter_number
                        self._schedule_flush()
                    delay = 0.3
                reconnect = True
            except Unreachable as exc:
                self.online(False, str(exc))
                reconnect = False
            except ApiError as exc:
                if exc.status == 401:
                    self.expired()
                    return
                reconnect = False
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a broken stream is retried, never shown as a traceback
                reconnect = False
            if not reconnect:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_seconds())
            else:
                await asyncio.sleep(0.05)
            await self._probe()

    async def _probe(self) -> None:
        api = self.session.api
        if api is None:
            return
        try:
            await api.health()
        except Unreachable as exc:
            self.online(False, str(exc))
            return
        was_offline = not self.is_online()
        self.online(True)
        if was_offline:
            self.changed(set(), None)

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self.later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        if not self.session.counts_told and not self._waited:
            # the server counts the sizes after sending the events: give them one more moment to come
            self._waited = True
            self.later(FLUSH_SECONDS, self._flush)
            return
        self._flush_pending, self._waited = False, False
        changed, self._changed = self._changed, {}
        # the window's own action may have been answered since its event came: that one is no news
        numbers = {number for ident, number in changed.items() if not self.session.is_known(ident)}
        if numbers:
            # the sizes the stream told after the last event (None when it did not: the screens ask)
            self.changed(numbers, self.session.counts if self.session.counts_told else None)
