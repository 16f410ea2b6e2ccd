from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, format_sse_event
from sqlmodel import Session, func, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.schemas import MAX_ID, EventOut, EventPage

from ..context import ServerContext
from ..deps import CurrentOperator, Ctx
from ..errors import invalid
from ..events import events_after
from ..models import MatterEvent
from ..views import event_outs, load_tree
from .common import E401, E422

router = APIRouter(prefix="/api", tags=["events"])

#: events sent per database read on the live feed
BATCH = 200


def _page(ctx: ServerContext, after: int, limit: int) -> list[EventOut]:
    with Session(ctx.engine) as session:
        rows = events_after(session, after, limit)
        return event_outs(session, rows, load_tree(session)) if rows else []


def _last_id(ctx: ServerContext) -> int:
    with Session(ctx.engine) as session:
        return session.exec(select(func.coalesce(func.max(MatterEvent.id), 0))).one()


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


@router.get("/events", responses={
    200: {"description": "`text/event-stream` (default): one `matter_event` per timeline entry, `id:` = event "
                         "id, `data:` = the EventOut JSON; or, with `Accept: application/json`, an EventPage.",
          "content": {"text/event-stream": {"schema": {"type": "string"}},
                      "application/json": {"schema": EventPage.model_json_schema(ref_template="#/components/schemas/{model}")}}},
    **E401, **E422})
async def events(request: Request, op: CurrentOperator, ctx: Ctx,
                 after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="send events with a larger id")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000, description="JSON page size")] = 200,
                 last_event_id: Annotated[str | None, Header(description="resume after this event id (SSE)")] = None,
                 ):
    """The live feed of every timeline entry in the district. A client that reconnects with `Last-Event-ID`
    (or `?after=`) gets every event it missed, in order, then the live ones; without either it starts with
    events after the moment it connected. With `Accept: application/json` it returns one catch-up page."""
    start = _resume_point(after, last_event_id)
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/event-stream" not in accept:
        items = await run_in_threadpool(_page, ctx, start or 0, limit)
        page = EventPage(items=items, last_id=items[-1].id if items else (start or 0))
        return JSONResponse(page.model_dump(mode="json"))
    if start is None:
        start = await run_in_threadpool(_last_id, ctx)
    return EventSourceResponse(_stream(request, ctx, start))


async def _stream(request: Request, ctx: ServerContext, start: int) -> AsyncIterator[bytes]:
    last = start
    waiter = ctx.notifier.subscribe()
    wake = waiter[1]
    next_ping = time.monotonic() + ctx.settings.event_ping_seconds
    try:
        yield format_sse_event(comment="huiyin live feed", retry=1000)
        while not ctx.closing.is_set():
            wake.clear()
            items = await run_in_threadpool(_page, ctx, last, BATCH)
            for item in items:
                yield format_sse_event(data_str=item.model_dump_json(), event="matter_event", id=str(item.id))
                last = item.id
            if len(items) == BATCH:
                continue
            if await request.is_disconnected():
                break
            if time.monotonic() >= next_ping:
                yield format_sse_event(comment="ping")
                next_ping = time.monotonic() + ctx.settings.event_ping_seconds
            try:
                await asyncio.wait_for(wake.wait(), timeout=ctx.settings.event_poll_seconds)
            except TimeoutError:
                pass
    finally:
        ctx.notifier.unsubscribe(waiter)
