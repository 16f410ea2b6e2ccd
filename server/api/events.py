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

from huiyin.core.domain import Role
from huiyin.core.schemas import MAX_ID, EventOut, EventPage
from huiyin.core.visibility import Access, Part, sees_any

from .. import unit_admin
from ..context import ServerContext
from ..deps import CurrentOperator, Ctx
from ..errors import invalid
from ..events import events_after
from ..models import Matter, MatterEvent, Operator
from ..views import event_outs, load_tree, seen_by
from .common import E401, E422

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
            matters = list(session.exec(select(Matter).where(Matter.id.in_(ids))))  # type: ignore[union-attr,attr-defined]
            _trail, seen = seen_by(session, op, matters, tree)
            numbers = {m.id: m.number for m in matters}
            visible = [e for e in rows if seen[e.matter_id][Part.work] > Access.none]
            for item in event_outs(session, visible, tree, seen, numbers):  # type: ignore[arg-type]
                if len(out) == limit:
                    break
                out.append(item)
                after = item.id
            else:
                after = rows[-1].id  # type: ignore[assignment]
    return out, after


def _units_version(ctx: ServerContext) -> int:
    with Session(ctx.engine) as session:
        return unit_admin.units_version(session)


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
                         "id, `data:` = the EventOut JSON, and a `units_changed` (no id) when an admin changed the "
                         "unit tree; or, with `Accept: application/json`, an EventPage.",
          "content": {"text/event-stream": {"schema": {"type": "string"}},
                      "application/json": {"schema": EventPage.model_json_schema(ref_template="#/components/schemas/{model}")}}},
    **E401, **E422})
async def events(request: Request, op: CurrentOperator, ctx: Ctx,
                 after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="send events with a larger id")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000, description="JSON page size")] = 200,
                 last_event_id: Annotated[str | None, Header(description="resume after this event id (SSE)")] = None,
                 ):
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
    if start is None:
        start = await run_in_threadpool(_last_id, ctx)
    return EventSourceResponse(_stream(request, ctx, op, start))


async def _stream(request: Request, ctx: ServerContext, op: Operator, start: int) -> AsyncIterator[bytes]:
    last = start
    units_seen = await run_in_threadpool(_units_version, ctx)  # before subscribing: no change falls in between
    waiter = ctx.notifier.subscribe()
    wake = waiter[1]
    next_ping = time.monotonic() + ctx.settings.event_ping_seconds
    try:
        yield format_sse_event(comment="huiyin live feed", retry=1000)
        while not ctx.closing.is_set():
            wake.clear()
            units_now = await run_in_threadpool(_units_version, ctx)
            if units_now != units_seen:  # an admin changed the unit tree: windows fetch it again (no event id)
                units_seen = units_now
                yield format_sse_event(data_str=f'{{"version": {units_now}}}', event="units_changed")
            items, read_to = await run_in_threadpool(_page, ctx, op, last, BATCH)
            for item in items:
                yield format_sse_event(data_str=item.model_dump_json(), event="matter_event", id=str(item.id))
            last = read_to
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
