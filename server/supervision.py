"""Supervision (督办): the server notices matters turning at risk or overdue, and units missing their claim
deadline, and appends a timeline event for each — once per deadline.

It runs as a background task of the server, driven by the injected clock (``ctx.clock``), never by a client's
request. Every notice is a conditional update (``WHERE due_notice = <what was read> AND due_at = <what was
read>``) in the same transaction as its event, so two workers, or a notice racing an extension, never write
one twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.deadlines import Urgency, countdown
from huiyin.core.domain import DEADLINE_STATUSES, EventKind, Status

from .context import ServerContext
from .events import append_event
from .models import Matter

log = logging.getLogger("huiyin.server.supervision")

OPEN = [s.value for s in DEADLINE_STATUSES]
#: a deadline further away than this (in calendar days) cannot be at risk, whatever the holidays
LOOKAHEAD = timedelta(days=21)
_RANK = {"none": 0, Urgency.at_risk.value: 1, Urgency.overdue.value: 2}


def supervise_once(ctx: ServerContext) -> int:
    """Give every notice that is due now; returns how many events were appended."""
    now = ctx.clock.now()
    with Session(ctx.engine) as session:
        rules = ctx.rules.load(session)
        due_rows = session.exec(
            select(Matter.id, Matter.due_at, Matter.due_notice)
            .where(Matter.status.in_(OPEN), Matter.due_notice != Urgency.overdue.value,  # type: ignore[attr-defined]
                   Matter.due_at < now + LOOKAHEAD)  # type: ignore[operator]
            .order_by(Matter.due_at, Matter.id)).all()  # type: ignore[arg-type]
        claim_rows = session.exec(
            select(Matter.id, Matter.claim_due_at)
            .where(Matter.status == Status.pending.value, Matter.claim_notice == False,  # noqa: E712
                   Matter.claim_due_at < now)  # type: ignore[operator]
            .order_by(Matter.claim_due_at, Matter.id)).all()  # type: ignore[arg-type]
    written = 0
    for matter_id, due, notice in due_rows:
        urgency = countdown(due, now, rules.calendar, rules.policy).urgency
        if urgency is Urgency.on_track or _RANK[urgency.value] <= _RANK[notice]:
            continue
        written += _notify(ctx, matter_id, EventKind(urgency.value), now,
                           (Matter.due_notice == notice, Matter.due_at == due), {"due_notice": urgency.value})
    for matter_id, claim_due in claim_rows:
        written += _notify(ctx, matter_id, EventKind.claim_overdue, now,
                           (Matter.claim_notice == False, Matter.claim_due_at == claim_due),  # noqa: E712
                           {"claim_notice": True})
    return written


def _notify(ctx: ServerContext, matter_id: int, kind: EventKind, now, conditions, values) -> int:  # type: ignore[no-untyped-def]
    with ctx.write() as session:
        result = session.execute(
            update(Matter).where(Matter.id == matter_id, Matter.status.in_(OPEN), *conditions)  # type: ignore[attr-defined,arg-type]
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            session.rollback()
            return 0
        matter = session.get(Matter, matter_id)
        assert matter is not None
        append_event(session, matter_id=matter_id, kind=kind.value, status_after=matter.status,
                     holder_unit_id=matter.holder_unit_id, due_at=matter.due_at, created_at=now)
        session.commit()
    return 1


async def supervise_forever(ctx: ServerContext) -> None:
    """The background task: look every ``settings.supervise_seconds`` until the server closes."""
    while not ctx.closing.is_set():
        try:
            await run_in_threadpool(supervise_once, ctx)
        except Exception:  # a database hiccup must not end supervision
            log.exception("supervision pass failed; trying again")
        await asyncio.sleep(ctx.settings.supervise_seconds)
