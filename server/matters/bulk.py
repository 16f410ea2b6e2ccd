"""Many matters at once, for benchmarks and the large-queue tests (``bench/``, ``tests/tui``).

Each matter is recorded as :func:`huiyin.server.matters.workflow.record` would record it (number, deadlines, its
``record`` event), but in one transaction of batched inserts instead of one request each, so 100,000 rows take
seconds rather than minutes. Not an API: nothing a client can reach calls it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from huiyin.core.deadlines import Deadline, claim_deadline, matter_deadline
from huiyin.core.domain import Channel, Complexity, EventKind, Status
from huiyin.server.matters.context import MatterContext
from huiyin.server.matters.events import append_events
from huiyin.server.matters.views import load_tree
from huiyin.server.matters.workflow import district_code, district_of, reserve_sequence
from huiyin.server.storage.models import MATTER_ID, Matter, Operator

BATCH = 5000


def bulk_record(ctx: MatterContext, username: str, count: int, title: str = "批量事项",
                spacing: timedelta = timedelta(minutes=1)) -> list[str]:
    """Record ``count`` pending matters at ``username``'s unit, one ``spacing`` apart ending at the clock's now;
    returns their numbers."""
    with Session(ctx.engine) as session:
        op = session.exec(select(Operator).where(Operator.username == username)).one()
        tree = load_tree(session)
        rules = ctx.rules.load(session)
    now = ctx.clock.now()
    numbers: list[str] = []
    with ctx.write() as session:
        district_id = district_of(tree, op.unit_id)
        code = district_code(session, district_id)
        deadlines: dict[tuple[date, Complexity], tuple[Deadline, datetime]] = {}

        def deadlines_for(at: datetime, complexity: Complexity) -> tuple[Deadline, datetime]:
            # a deadline depends only on the local day of receipt: count each day once
            key = (at.astimezone(rules.policy.tz).date(), complexity)
            if key not in deadlines:
                due = matter_deadline(at, complexity, rules.calendar, rules.policy)
                deadlines[key] = (due, claim_deadline(at, rules.calendar, rules.policy).due_at)
            return deadlines[key]

        done = 0
        while done < count:
            size = min(BATCH, count - done)
            rows: list[dict[str, Any]] = []
            stamps: list[tuple[str, datetime, datetime]] = []
            for i in range(done, done + size):
                at = now - spacing * (count - 1 - i)
                complexity = Complexity.complex if i % 5 == 0 else Complexity.simple
                due, claim_due = deadlines_for(at, complexity)
                rows.append(dict(
                    number="", title=f"{title} {i + 1}", description="", category="", channel=Channel.walk_in.value,
                    complexity=complexity.value, resident_name=f"居民{i + 1}", resident_phone="", address="",
                    origin_unit_id=op.unit_id, holder_unit_id=op.unit_id, previous_holder_id=None,
                    claimed_by_id=None, created_by_id=op.id, status=Status.pending.value, created_at=at,
                    updated_at=at, due_at=due.due_at, answered_at=None, closed_at=None, satisfaction=None,
                    version=1, idempotency_key=None, deadline_days=due.working_days,
                    due_provisional=due.provisional, received_at=at, claim_due_at=claim_due,
                    extension_days_requested=None, due_notice="none", claim_notice=False))
            by_year: dict[int, list[dict[str, Any]]] = {}
            for row in rows:
                by_year.setdefault(row["created_at"].astimezone(rules.policy.tz).year, []).append(row)
            for year, group in by_year.items():
                first = reserve_sequence(session, district_id, year, len(group))
                for offset, row in enumerate(group):
                    row["number"] = f"{code}-{year}-{first + offset:06d}"
            for row in rows:
                stamps.append((row["number"], row["created_at"], row["due_at"]))
                numbers.append(row["number"])
            session.execute(insert(Matter), rows)
            ids = dict(session.exec(select(Matter.number, MATTER_ID).where(
                col(Matter.number).in_([n for n, _, _ in stamps]))).all())
            append_events(session, [dict(
                matter_id=ids[number], kind=EventKind.record.value, actor_id=op.id, unit_id=op.unit_id,
                from_unit_id=None, to_unit_id=op.unit_id, status_before=None, status_after=Status.pending.value,
                holder_unit_id=op.unit_id, note="", satisfaction=None, days=None, due_at=due_at, created_at=at)
                for number, at, due_at in stamps])
            done += size
        session.commit()
    return numbers


def bulk_settle(ctx: MatterContext, username: str, numbers: list[str], *, claim_after: timedelta,
                answer_after: timedelta | None = None, close_after: timedelta | None = None,
                satisfaction: int | None = None) -> None:
    """Claim (and answer, close, follow up) the pending matters ``numbers`` at ``username``'s unit, each event
    that long after the matter was recorded, in one transaction: what the benchmark and the report tests need
    by the hundred thousand. Nothing is checked: give it matters :func:`bulk_record` made."""
    with Session(ctx.engine) as session:
        op = session.exec(select(Operator).where(Operator.username == username)).one()
    steps: list[tuple[str, timedelta, str]] = [(EventKind.claim.value, claim_after, Status.in_progress.value)]
    if answer_after is not None:
        steps.append((EventKind.answer.value, answer_after, Status.answered.value))
    if close_after is not None:
        steps.append((EventKind.close.value, close_after, Status.closed.value))
        if satisfaction is not None:
            steps.append((EventKind.follow_up.value, close_after + timedelta(minutes=1), Status.closed.value))
    final = steps[-1][2]
    with ctx.write() as session:
        for chunk in range(0, len(numbers), 900):
            part = numbers[chunk:chunk + 900]
            rows = session.execute(select(Matter.id, Matter.created_at, Matter.holder_unit_id).where(
                col(Matter.number).in_(part))).all()
            events, before = [], Status.pending.value
            for matter_id, created, holder in rows:
                before = Status.pending.value
                for kind, after, status in steps:
                    events.append(dict(
                        matter_id=matter_id, kind=kind, actor_id=op.id, unit_id=op.unit_id, from_unit_id=None,
                        to_unit_id=None, status_before=before, status_after=status, holder_unit_id=holder, note="",
                        satisfaction=satisfaction if kind == EventKind.follow_up.value else None, days=None,
                        due_at=None, created_at=created + after))
                    before = status
            append_events(session, events)
            session.execute(update(Matter).where(col(Matter.id).in_([r[0] for r in rows]))
                            .values(status=final, claimed_by_id=op.id, claim_due_at=None))
        session.commit()
