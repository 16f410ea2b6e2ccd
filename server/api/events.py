from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, format_sse_event
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.domain import Role
from huiyin.core.schemas import MAX_ID, EventOut, EventPage
from huiyin.core.visibility import Access, Part, sees_any
from huiyin.server.api.common import E401, E422
from huiyin.server.api.deps import Ctx, CurrentOperator
from huiyin.server.base.errors import invalid
from huiyin.server.matters.events import events_after
from huiyin.server.matters.feed import ALWAYS, last_event_id, sse_frame
from huiyin.server.matters.views import event_outs, load_tree, seen_by
from huiyin.server.state.context import ServerContext
from huiyin.server.storage.models import Matter, Operator, stored_id

router = APIRouter(prefix="/api", tags=["events"])

#: events sent per database read on the live feed
BATCH = 200


def _page(ctx: ServerContext, op: Operator, after: int, limit: int) -> tuple[list[EventOut], int]:
    """Up to ``limit`` events after ``after`` of the matters ``op`` may see, redacted for ``op``, and the id of
    the last event read (the resume point: events of matters ``op`` may not see are passed over, not sent).
    Reads on until it has ``limit`` events or the log ends."""
    if not sees_any(Role(op.role)):
        return [], max(after, _last_id(ctx))
    out: list[EventOut] = []
    with Session(ctx.engine) as session:
        tree = load_tree(session)
        while len(out) < limit:
            rows = events_after(session, after, max(limit - len(out), BATCH))
            if not rows:
                break
            ids = {e.matter_id for e in rows}
            matters = list(session.exec(select(Matter).where(col(Matter.id).in_(ids))))
            _trail, seen = seen_by(session, op, matters, tree)
            numbers = {stored_id(m): m.number for m in matters}
            visible = [e for e in rows if seen[e.matter_id][Part.work] > Access.none]
            for item in event_outs(session, visible, tree, seen, numbers):
                if len(out) == limit:
                    break
                out.append(item)
                after = item.id
            else:
                after = stored_id(rows[-1])
    return out, after


def _last_id(ctx: ServerContext) -> int:
    return last_event_id(ctx.engine)


def _resume_point(after: int | None, last_event_id: str | None) -> int | None:
    if last_event_id is not None and last_event_id.strip():
        try:
            value = int(last_event_id.strip())
        except ValueError:
            raise invalid({"Last-Event-ID": "invalid"}, "Last-Event-ID must be an event id (a whole number)") from None
        if not 0 <= value <= MAX_ID:
            raise invalid({"Last-Event-ID": "invalid"}, "Last-Event-ID must be an event id (0 or more)")
        return value
    return after


@router.get("/events", response_model=None, responses={
    200: {"description": "`text/event-stream` (default): one `matter_event` per timeline entry, `id:` = event "
                         "id, `data:` = the EventOut JSON, and a `units_changed` (no id) when an admin changed the "
                         "unit tree (with `counts=true`, after the events of a moment a `queue_counts`, no id, "
                         "`data:` = the QueueCounts JSON); or, with `Accept: application/json`, an EventPage.",
          "content": {"text/event-stream": {"schema": {"type": "string"}},
                      "application/json": {"schema": EventPage.model_json_schema(
                          ref_template="#/components/schemas/{model}")}}},
    **E401, **E422})
async def events(request: Request, op: CurrentOperator, ctx: Ctx,
                 after: Annotated[int | None, Query(ge=0, le=MAX_ID,
                                                    description="send events with a larger id")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000, description="JSON page size")] = 200,
                 last_event_id: Annotated[str | None, Header(description="resume after this event id (SSE)")] = None,
                 counts: Annotated[bool, Query(description="SSE: after the events of a moment, a `queue_counts` "
                                                           "frame with the caller's queue sizes")] = False,
                 ) -> JSONResponse | EventSourceResponse:
    """The live feed of the timeline entries of every matter the caller may see, redacted like the detail by the
    visibility policy (docs/visibility.md): the `note` of a matter whose notes the caller may not read comes as
    `""` with `masked: ["note"]`; a trainer receives no event of the district. A client that reconnects with
    `Last-Event-ID` (or `?after=`) gets every event it missed, in order, then the live ones; without either it
    starts with events after the moment it connected. With `Accept: application/json` it returns one catch-up
    page: `last_id` is the last event read for the caller (events it may not see are passed over), to send as
    `after` next; a page with fewer than `limit` items is the end of the log."""
    start = _resume_point(after, last_event_id)
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/event-stream" not in accept:
        items, last = await run_in_threadpool(_page, ctx, op, start or 0, limit)
        page = EventPage(items=items, last_id=last)
        return JSONResponse(page.model_dump(mode="json"))
    seen_last = await run_in_threadpool(_last_id, ctx)
    return EventSourceResponse(_stream(ctx, op, seen_last if start is None else start, seen_last, counts))


async def _stream(ctx: ServerContext, op: Operator, start: int, seen_last: int,
                  counts: bool = False) -> AsyncIterator[bytes]:
    """Catch up from the table (``_page``, per operator) from ``start``, then send what the process's one reader
    (:class:`~huiyin.server.matters.feed.FeedHub`) hands this connection (``counts``: with the operator's queue
    sizes after each batch); idle, only a keep-alive comment now and then."""
    ping = ctx.settings.event_ping_seconds
    yield format_sse_event(comment="huiyin live feed", retry=1000)
    # first register, then read the table: no gap between them
    sub = ctx.feed.subscribe(op.role, op.unit_id, seen_last, counts=counts)
    last = start
    catching_up = True
    next_ping = time.monotonic() + ping
    units_seen = ctx.feed.units_version  # after subscribing: a change from now on wakes this connection
    try:
        while not ctx.closing.is_set():
            if ctx.feed.units_version != units_seen:  # an admin changed the unit tree: windows fetch it again
                units_seen = ctx.feed.units_version
                yield format_sse_event(data_str=f'{{"version": {units_seen}}}', event="units_changed")
            if catching_up or sub.overflow:
                sub.overflow = False
                items, last = await run_in_threadpool(_page, ctx, op, last, BATCH)
                for item in items:
                    yield sse_frame(item)
                catching_up = len(items) == BATCH
                continue
            while sub.frames:
                ident, frame = sub.frames.popleft()
                if ident == ALWAYS:  # the queue sizes now: no entry of the log
                    yield frame
                elif ident > last:  # else the catch-up sent it already
                    last = ident
                    yield frame
            if sub.overflow:
                continue
            now = time.monotonic()
            if now >= next_ping:
                yield format_sse_event(comment="ping")
                next_ping = now + ping
                continue
            sub.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sub.wake.wait(), timeout=next_ping - now)
    finally:
        ctx.feed.unsubscribe(sub)

