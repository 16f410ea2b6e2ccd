from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import ValidationError
from sqlmodel import select

from huiyin.core.deadlines import at_risk_horizon
from huiyin.core.domain import Action, Queue, Role
from huiyin.core.schemas import (
    ActionIn,
    MatterDetail,
    MatterIn,
    MatterSummary,
    QueueCounts,
    QueuePage,
    SimilarMatter,
    SimilarPage,
    SimilarQuery,
)
from huiyin.core.units import UnitTree
from huiyin.core.visibility import Access, Part, sees_all, sees_any
from huiyin.server.api.common import E401, E403, E404, E409, E422, REPLAYED
from huiyin.server.api.deps import Ctx, CurrentOperator, DbSession
from huiyin.server.base.errors import ApiError, from_validation
from huiyin.server.matters import workflow
from huiyin.server.matters.queues import queue_counts, queue_page, similar_matters
from huiyin.server.matters.views import detail_out, load_tree, matter_summaries, read_detail, visibility
from huiyin.server.storage.models import Matter, stored_id

router = APIRouter(prefix="/api", tags=["matters"])


def _detail(session: DbSession, op: CurrentOperator, matter_id: int, tree: UnitTree | None = None) -> MatterDetail:
    # end the read transaction the auth check opened, so a write made since is visible (SQLite snapshots)
    session.rollback()
    matter = session.get(Matter, matter_id)
    if matter is None:  # pragma: no cover - ids come from rows just written
        raise ApiError(404, "not_found", "no such matter")
    tree = tree or load_tree(session)
    detail = detail_out(op, read_detail(session, matter), tree)
    if detail is None:
        raise _not_found(matter.number)
    return detail


def _not_found(number: str) -> ApiError:
    return ApiError(404, "not_found", f"no matter numbered {number}")


@router.post("/matters", status_code=201, response_model=MatterDetail,
             responses={**E401, **E403, **E422, **REPLAYED})
def record_matter(body: MatterIn, op: CurrentOperator, ctx: Ctx, session: DbSession, response: Response,
                  idempotency_key: Annotated[str | None, Header(
                      description="any unique string per matter (e.g. a UUID); sending the same key again "
                                  "returns the matter it first recorded (200) instead of a second one; the same "
                                  "key with another body is refused (422 `idempotency_key_reused`)")] = None,
                  ) -> MatterDetail:
    """Record what a resident reports, at the operator's unit. Required: `title`, `channel`, `resident_name`;
    `resident_phone` is required for the `phone` channel. The matter waits at the recording unit (`pending`)
    with its deadline counted in working days from its `complexity` (simple 3, complex 7)."""
    tree = load_tree(session)
    matter_id, rows = workflow.record_on(ctx, op, body, idempotency_key, reads=session, tree=tree)
    if rows is None:  # the idempotency key's matter, recorded before: read as it is now
        response.status_code = 200
        return _detail(session, op, matter_id, tree)
    detail = detail_out(op, rows, tree)  # what was just written, not read back
    assert detail is not None, "the recording unit sees its matter"
    return detail


@router.get("/matters", response_model=QueuePage, responses={**E401, **E422})
def list_matters(op: CurrentOperator, ctx: Ctx, session: DbSession,
                 queue: Annotated[Queue, Query(description=(
                     "which queue: `incoming` (pending at my unit), `in_hand`, `pending_below` (pending at a unit "
                     "under mine), `sent_on` (recorded or handed on by my unit, open elsewhere; `sent_up` is its "
                     "old name), `all`, `overdue`, `district` (every matter of the district, wherever it is: "
                     "search it with `q` before recording a matter again; what the caller may not see comes "
                     "masked)"))] = Queue.incoming,
                 q: Annotated[str | None, Query(description=(
                     "filter: number, title, unit name, and, on matters whose resident the caller sees in full "
                     "(units on the matter's path, the command center), the resident's name or phone (3 or more "
                     "digits anywhere in it, e.g. the last 4; spaces and dashes are ignored)"))] = None,
                 limit: Annotated[int, Query(description="rows per page, 1 to 500")] = 50,
                 cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
                 before: Annotated[str | None, Query(description=(
                     "page backwards: the rows just before this cursor (`prev_cursor` of a page, or any cursor "
                     "this server handed out), still in queue order"))] = None,
                 from_end: Annotated[bool, Query(description=(
                     "the last page of the queue in one request (then page backwards with its `prev_cursor`)"
                 ))] = False,
                 ) -> QueuePage:
    """A page of a queue, sorted by `due_at` (most urgent first), with the queue's total. The `overdue` queue
    is for supervisors and commanders (403 for others). Rows are redacted by the visibility policy like the
    detail (`masked` lists the masked fields); a trainer's queues are empty.

    Paging: forwards with `cursor` (the page's `next_cursor`), backwards with `before` (its `prev_cursor`), and
    straight to the end with `from_end=true`; at most one of the three (422 `conflict` on `before`). Rows always
    come in queue order. A cursor is `null` where the queue surely ends that way; otherwise the page it leads to
    may be empty (the rows in between left the queue meanwhile). Pages and counts are read from indexes, and `q`
    of 3 or more characters through a text index (trigrams); a shorter `q` scans the queue."""
    tree = load_tree(session)
    rows, total, next_cursor, prev_cursor = queue_page(session, op, tree, queue, q, limit, cursor,
                                                       ctx.clock.now(), before=before, from_end=from_end)
    return QueuePage(items=[MatterSummary(**row) for row in matter_summaries(session, op, rows, tree)],
                     total=total, next_cursor=next_cursor, prev_cursor=prev_cursor)


@router.get("/matters/similar", response_model=SimilarPage, responses={**E401, **E422})
def similar(op: CurrentOperator, session: DbSession,
            phone: Annotated[str | None, Query(description=(
                "the resident's phone as the record form takes it (an 11-digit mobile or a landline with area "
                "code; spaces and dashes ignored)"))] = None,
            title: Annotated[str | None, Query(description="the title being recorded (up to 80 characters)")] = None,
            address: Annotated[str | None, Query(description="the address being recorded (up to 200)")] = None,
            limit: Annotated[int, Query(description="at most this many, 1 to 20")] = 5,
            ) -> SimilarPage:
    """Open matters anywhere in the district that may be the one being recorded, so a window opens the
    existing matter instead of recording it twice: first those with the same phone number, then those with a
    very similar title at the same address. Needs `phone`, or `title` and `address` (422 `required` on
    `phone` otherwise); a malformed phone is 422 `phone_format`. `match` says why each was found."""
    try:
        query = SimilarQuery.model_validate({"phone": phone or "", "title": title or "", "address": address or "",
                                             "limit": limit})
    except ValidationError as exc:
        raise from_validation(exc) from None
    tree = load_tree(session)
    found = similar_matters(session, op, tree, query.phone, query.title, query.address, query.limit)
    rows = matter_summaries(session, op, [m for m, _ in found], tree, extra=("address",))
    return SimilarPage(items=[SimilarMatter(**row, match=why) for row, (_m, why) in zip(rows, found, strict=True)])


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
    """The matter, its whole timeline (`events`, oldest first) and what the caller may do to it now, as the
    visibility policy lets the caller see it (docs/visibility.md): every operator of the district reads the work;
    the resident (`resident_name`, `resident_phone`, `address`) comes masked and the notes (`description`, each
    event's `note`) withheld (`""`) unless the caller's unit is on the matter's path or is the command center;
    `masked` (on the matter and on each event) lists what was masked or withheld. 404 for a matter the caller
    may not see at all (a trainer sees none of the district)."""
    matter = session.exec(select(Matter).where(Matter.number == number)).first()
    if matter is None:
        raise _not_found(number)
    return _detail(session, op, stored_id(matter))


@router.post("/matters/{number}/{action}", response_model=MatterDetail,
             responses={**E401, **E403, **E404, **E409, **E422})
def take_action(number: str, action: str, op: CurrentOperator, ctx: Ctx, session: DbSession,
                body: Annotated[ActionIn | None, Body()] = None) -> MatterDetail:
    """One workflow action: `claim`, `release` (needs `reason`), `escalate` (needs `note`), `request_help`
    (needs `note`), `assign` (command center; needs `to_unit`, a unit id), `progress` (needs `note`), `answer`
    (needs `note`), `close`, `reopen` (needs `reason`), `follow_up` (needs `satisfaction` 1–5),
    `request_extension` (holder; needs `reason` and `days`, 1–30 working days), `approve_extension` (a supervisor
    over the holder, or the command center; moves `due_at`), `reject_extension` (same; needs `reason`),
    `link` (the holder, the recording unit or the command center; needs `other`, a matter number, and
    `link_kind`: `related`, or `duplicate`, which closes this open matter pointing at `other`; both timelines get
    an entry naming the other number; 422 `unknown_matter` / `same_matter` on `other`, 409 `already_linked`).
    `progress` is the internal note: the holder or the recording unit, on any open matter; only `answer`
    answers the resident (each event's `note_kind` says which).
    Who may do what is the workflow table of `huiyin.core.workflow`."""
    try:
        act = Action(action)
    except ValueError:
        raise ApiError(404, "unknown_action",
                       f"no action {action!r}; actions are: {', '.join(a.value for a in Action)}") from None
    # everything is read before the write (on SQLite: before its write lock), and the answer is made from what
    # was read plus what the write wrote (workflow.act_on), not read again
    read = workflow.read_to_act(session, number) if sees_any(Role(op.role)) else None
    # a 404 alike for a matter that does not exist and one the visibility policy hides from the operator (a
    # trainer's), so a number says nothing about the district
    if read is None:
        raise _not_found(number)
    rows, tree = read
    matter = rows.matter
    if not sees_all(Role(op.role)):
        seen = visibility(op, [matter], {stored_id(matter): rows.trail}, tree)
        if seen[stored_id(matter)][Part.work] is Access.none:
            raise _not_found(number)
    rows = workflow.act_on(ctx, op, act, body or ActionIn(), tree, rows)
    detail = detail_out(op, rows, tree)
    if detail is None:
        raise _not_found(number)
    return detail
