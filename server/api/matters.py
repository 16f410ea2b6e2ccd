from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response
from sqlmodel import select

from huiyin.core.deadlines import at_risk_horizon
from huiyin.core.domain import Action, Queue, Role
from huiyin.core.schemas import ActionIn, MatterDetail, MatterIn, QueueCounts, QueuePage
from huiyin.core.workflow import Actor, allowed_actions

from .. import workflow
from ..deps import CurrentOperator, Ctx, DbSession
from ..errors import ApiError
from ..models import Matter, MatterEvent
from ..queues import queue_counts, queue_page
from ..views import event_outs, load_tree, matter_out, matter_state, matter_summaries
from .common import E401, E403, E404, E409, E422, REPLAYED

router = APIRouter(prefix="/api", tags=["matters"])


def _detail(session: DbSession, op: CurrentOperator, matter_id: int) -> MatterDetail:
    # end the read transaction the auth check opened, so a write made since is visible (SQLite snapshots)
    session.rollback()
    matter = session.get(Matter, matter_id)
    if matter is None:  # pragma: no cover - ids come from rows just written
        raise ApiError(404, "not_found", "no such matter")
    tree = load_tree(session)
    events = list(session.exec(select(MatterEvent).where(MatterEvent.matter_id == matter.id)
                               .order_by(MatterEvent.id)))  # type: ignore[arg-type]
    allowed = allowed_actions(Actor(Role(op.role), op.unit_id), matter_state(matter), tree)
    return MatterDetail(**matter_out(session, matter, tree).model_dump(),
                        events=event_outs(session, events, tree, {matter.id: matter.number}),  # type: ignore[dict-item]
                        allowed_actions=allowed)


@router.post("/matters", status_code=201, response_model=MatterDetail,
             responses={**E401, **E403, **E422, **REPLAYED})
def record_matter(body: MatterIn, op: CurrentOperator, ctx: Ctx, session: DbSession, response: Response,
                  idempotency_key: Annotated[str | None, Header(
                      description="any unique string per matter (e.g. a UUID); sending the same key again "
                                  "returns the matter it first recorded (200) instead of a second one")] = None,
                  ) -> MatterDetail:
    """Record what a resident reports, at the operator's unit. Required: `title`, `channel`, `resident_name`;
    `resident_phone` is required for the `phone` channel. The matter waits at the recording unit (`pending`)
    with its deadline counted in working days from its `complexity` (simple 3, complex 7)."""
    matter_id, created = workflow.record(ctx, op, body, idempotency_key)
    if not created:
        response.status_code = 200
    return _detail(session, op, matter_id)


@router.get("/matters", response_model=QueuePage, responses={**E401, **E422})
def list_matters(op: CurrentOperator, ctx: Ctx, session: DbSession,
                 queue: Annotated[Queue, Query(description="which queue")] = Queue.incoming,
                 q: Annotated[str | None, Query(description="filter: number, title, resident or unit name")] = None,
                 limit: Annotated[int, Query(description="rows per page, 1 to 500")] = 50,
                 cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
                 ) -> QueuePage:
    """A page of a queue, sorted by `due_at` (most urgent first), with the queue's total. The `overdue` queue
    is for supervisors and commanders (403 for others)."""
    tree = load_tree(session)
    rows, total, next_cursor = queue_page(session, op, tree, queue, q, limit, cursor, ctx.clock.now())
    return QueuePage(items=matter_summaries(session, rows, tree), total=total, next_cursor=next_cursor)


@router.get("/queues", response_model=QueueCounts, responses=E401)
def counts(op: CurrentOperator, ctx: Ctx, session: DbSession) -> QueueCounts:
    """How many matters each queue holds for the operator (`overdue` is null for those without that queue),
    and how many of the matters waiting at or worked by their unit are at risk or overdue now."""
    now = ctx.clock.now()
    rules = ctx.rules.load(session)
    horizon = at_risk_horizon(now, rules.calendar, rules.policy)
    return QueueCounts(**queue_counts(session, op, load_tree(session), now, horizon))


@router.get("/matters/{number}", response_model=MatterDetail, responses={**E401, **E404})
def get_matter(number: str, op: CurrentOperator, session: DbSession) -> MatterDetail:
    """The matter, its whole timeline (`events`, oldest first) and what the caller may do to it now."""
    matter = session.exec(select(Matter).where(Matter.number == number)).first()
    if matter is None:
        raise ApiError(404, "not_found", f"no matter numbered {number}")
    return _detail(session, op, matter.id)  # type: ignore[arg-type]


@router.post("/matters/{number}/{action}", response_model=MatterDetail,
             responses={**E401, **E403, **E404, **E409, **E422})
def take_action(number: str, action: str, op: CurrentOperator, ctx: Ctx, session: DbSession,
                body: Annotated[ActionIn | None, Body()] = None) -> MatterDetail:
    """One workflow action: `claim`, `release` (needs `reason`), `escalate` (needs `note`), `request_help`
    (needs `note`), `assign` (command center; needs `to_unit`, a unit id), `progress` (needs `note`), `answer`
    (needs `note`), `close`, `reopen` (needs `reason`), `follow_up` (needs `satisfaction` 1–5),
    `request_extension` (holder; needs `reason` and `days`, 1–30 working days), `approve_extension` (a supervisor
    over the holder, or the command center; moves `due_at`), `reject_extension` (same; needs `reason`).
    Who may do what is the workflow table of `huiyin.core.workflow`."""
    try:
        act = Action(action)
    except ValueError:
        raise ApiError(404, "unknown_action",
                       f"no action {action!r}; actions are: {', '.join(a.value for a in Action)}") from None
    matter_id = workflow.act(ctx, op, number, act, body or ActionIn())
    return _detail(session, op, matter_id)
