"""The server's clock over HTTP: ``GET /api/clock`` for anyone, ``POST /api/clock`` for trainers and admins of a
demo server; and :func:`clock_headers`, with which every answer is stamped with the server's "now".

The server's clock is the one truth of the district's time (deadlines, countdowns, supervision). A workbench
counts its countdowns from the ``X-Huiyin-Now`` and ``X-Huiyin-Clock-Rate`` of the answers it gets, never from
its own clock, so a demo server's simulated time reaches every window.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from fastapi import APIRouter

from huiyin.core.clock import Clock, SimulatedClock, clock_rate
from huiyin.core.domain import Role
from huiyin.core.schemas import ClockIn, ClockOut
from huiyin.server.api.common import E401, E403, E422
from huiyin.server.api.deps import Ctx, CurrentOperator
from huiyin.server.base.errors import ApiError, invalid

router = APIRouter(prefix="/api", tags=["clock"])

NOW_HEADER = "X-Huiyin-Now"
RATE_HEADER = "X-Huiyin-Clock-Rate"
#: who may move a demo server's clock
CLOCK_ROLES = {Role.trainer.value, Role.admin.value}


def clock_out(clock: Clock, demo: bool) -> ClockOut:
    rate = clock_rate(clock)
    return ClockOut(now=clock.now(), rate=rate, paused=rate == 0, demo=demo)


@router.get("/clock", response_model=ClockOut)
def get_clock(ctx: Ctx) -> ClockOut:
    """The server's now and how fast its clock runs (no token needed; cheap: a workbench resynchronises with it)."""
    return clock_out(ctx.clock, ctx.demo)


@router.post("/clock", response_model=ClockOut, responses={**E401, **E403, **E422})
def move_clock(body: ClockIn, op: CurrentOperator, ctx: Ctx) -> ClockOut:
    """Pause, resume, speed up or move the clock forward: trainers and admins, on a demo server only (started
    by `huiyin demo`); any other server answers 403 `clock_fixed`."""
    if not ctx.demo or not isinstance(ctx.clock, SimulatedClock):
        raise ApiError(403, "clock_fixed", "this server's clock is not a demo clock; it cannot be moved")
    if op.role not in CLOCK_ROLES:
        raise ApiError(403, "wrong_role", "only a trainer or an admin may move the demo clock")
    clock = ctx.clock
    if body.to is not None:
        if body.to.tzinfo is None:
            raise invalid({"to": "timezone_required"}, "the time needs an offset, e.g. +08:00")
        if body.to < clock.now():
            raise invalid({"to": "clock_backwards"}, "the clock only moves forward")
        clock.set(body.to)
    if body.advance_seconds:
        clock.advance(timedelta(seconds=body.advance_seconds))
    if body.speed is not None:
        clock.set_speed(body.speed)
    if body.paused is True:
        clock.pause()
    elif body.paused is False:
        clock.resume()
    return clock_out(clock, ctx.demo)


def clock_headers(clock: Clock) -> list[tuple[bytes, bytes]]:
    """What every answer says of the server's clock: ``X-Huiyin-Now`` (ISO 8601 in UTC) and ``X-Huiyin-Clock-Rate``
    (added by :class:`huiyin.server.serving.guard.AnswerHeaders`)."""
    now = clock.now().astimezone(UTC).isoformat()
    rate = f"{clock_rate(clock):g}"
    return [(NOW_HEADER.lower().encode(), now.encode()), (RATE_HEADER.lower().encode(), rate.encode())]
