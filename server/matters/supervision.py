"""Supervision (督办): the server notices matters turning at risk or overdue, and units missing their claim
deadline, and appends a timeline event for each — once per deadline.

It runs as a background task of the server, driven by the injected clock (``ctx.clock``), never by a client's
request. Every notice is a conditional update (``WHERE due_notice = <what was read> AND due_at = <what was
read>``) in the same transaction as its event, so two workers, or a notice racing an extension, never write
one twice.

Several workers (``huiyin serve --workers N``, PostgreSQL only) supervise one at a time: each pass is made only by
the worker that holds a session-level advisory lock (:class:`SupervisorLock`), on a connection kept for it; if
that worker dies, PostgreSQL drops the lock with its connection and another worker takes over on its next try.
A pass that finds nothing due is one indexed query (``ix_matters_status_due``): only open matters whose deadline
falls before the at-risk horizon (or is past, for those already warned) are read, whatever the history holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, or_, text, update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.deadlines import Urgency, at_risk_horizon, countdown
from huiyin.core.domain import DEADLINE_STATUSES, EventKind, Status
from huiyin.server.matters.context import MatterContext
from huiyin.server.matters.events import append_event
from huiyin.server.storage.models import MATTER_ID, Matter

log = logging.getLogger("huiyin.server.matters.supervision")

OPEN = [s.value for s in DEADLINE_STATUSES]
#: the advisory lock whose holder supervises (PostgreSQL; "huiyinSV")
SUPERVISOR_LOCK_KEY = 0x6875_6979_696E_5356
_RANK = {"none": 0, Urgency.at_risk.value: 1, Urgency.overdue.value: 2}


def supervise_once(ctx: MatterContext) -> int:
    """Give every notice that is due now; returns how many events were appended."""
    now = ctx.clock.now()
    with Session(ctx.engine) as session:
        rules = ctx.rules.load(session)
        # a superset of what may need a notice (countdown() below decides): not yet warned and due before the
        # at-risk horizon, or warned of the risk and due by now; never the matters that are merely open
        horizon = at_risk_horizon(now, rules.calendar, rules.policy)
        due_rows = session.exec(
            select(MATTER_ID, Matter.due_at, Matter.due_notice)
            .where(col(Matter.status).in_(OPEN), col(Matter.due_at) <= horizon,
                   or_(col(Matter.due_notice) == "none",
                       (col(Matter.due_notice) == Urgency.at_risk.value) & (col(Matter.due_at) <= now)))
            .order_by(col(Matter.due_at), MATTER_ID)).all()
        claim_rows = session.exec(
            select(MATTER_ID, Matter.claim_due_at)
            .where(col(Matter.status) == Status.pending.value, col(Matter.claim_notice) == False,  # noqa: E712
                   col(Matter.claim_due_at) < now)
            .order_by(col(Matter.claim_due_at), MATTER_ID)).all()
    written = 0
    for matter_id, due, notice in due_rows:
        urgency = countdown(due, now, rules.calendar, rules.policy).urgency
        if urgency is Urgency.on_track or _RANK[urgency.value] <= _RANK[notice]:
            continue
        written += _notify(ctx, matter_id, EventKind(urgency.value), now,
                           (col(Matter.due_notice) == notice, col(Matter.due_at) == due), {"due_notice": urgency.value})
    for matter_id, claim_due in claim_rows:
        # the entry names the deadline that passed: the claim (sign-for) deadline, not the answer's
        written += _notify(ctx, matter_id, EventKind.claim_overdue, now,
                           (col(Matter.claim_notice) == False, col(Matter.claim_due_at) == claim_due),  # noqa: E712
                           {"claim_notice": True}, deadline=claim_due)
    return written


def _notify(ctx: MatterContext, matter_id: int, kind: EventKind, now: datetime, conditions: Sequence[Any],
            values: dict[str, Any], deadline: datetime | None = None) -> int:
    """One notice: the conditional update and its timeline entry, whose ``due_at`` is the deadline it is about
    (``deadline``, else the matter's own)."""
    with ctx.write() as session:
        # an UPDATE's result is the cursor's, which counts the rows
        result = cast(CursorResult[Any], session.execute(
            update(Matter).where(col(Matter.id) == matter_id, col(Matter.status).in_(OPEN), *conditions)
            .values(**values).execution_options(synchronize_session=False)))
        if result.rowcount != 1:
            session.rollback()
            return 0
        matter = session.get(Matter, matter_id)
        assert matter is not None
        append_event(session, matter_id=matter_id, kind=kind.value, status_before=matter.status,
                     status_after=matter.status,
                     holder_unit_id=matter.holder_unit_id, due_at=deadline or matter.due_at, created_at=now)
        session.commit()
    return 1


class SupervisorLock:
    """Who supervises, among the processes on one PostgreSQL database: the holder of a session-level advisory
    lock, kept on a connection of its own (elsewhere, e.g. SQLite, always this process)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def held(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self.conn is not None:
                self.conn.execute(text("SELECT 1"))  # still ours? (a lost connection lost the lock)
                self.conn.commit()
                return True
            conn = self.engine.connect()
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": SUPERVISOR_LOCK_KEY}).scalar())
            conn.commit()
            if got:
                self.conn = conn
            else:
                conn.close()
            return got
        except Exception:  # noqa: BLE001 - the database went away: try again next pass
            log.warning("supervision lock lost; trying again", exc_info=True)
            self.release()
            return False

    def release(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            try:
                # let go at once: a closed connection frees the lock only when its server process has ended,
                # which on a loaded machine comes after another process has already asked for it
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SUPERVISOR_LOCK_KEY})
                conn.commit()
            except Exception:  # noqa: BLE001 - the connection is dead, and the lock went with it
                pass
            try:
                conn.invalidate()  # closes the connection
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass


async def supervise_forever(ctx: MatterContext) -> None:
    """The background task: look every ``settings.supervise_seconds`` until the server closes (on PostgreSQL,
    only while this process holds the supervisor lock)."""
    lock = SupervisorLock(ctx.engine)
    try:
        while not ctx.closing.is_set():
            try:
                if await run_in_threadpool(lock.held):
                    await run_in_threadpool(supervise_once, ctx)
            except Exception:  # a database hiccup must not end supervision
                log.exception("supervision pass failed; trying again")
            await asyncio.sleep(ctx.settings.supervise_seconds)
    finally:
        await run_in_threadpool(lock.release)
