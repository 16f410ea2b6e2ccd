"""``/api/operators``: operator accounts for admins (see ``server/district/operators.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from huiyin.core.domain import Role
from huiyin.core.schemas import (
    AdminOperatorOut,
    OperatorCreated,
    OperatorIn,
    OperatorPatch,
    PasswordIn,
    PasswordOut,
    RevokedOut,
    SessionOut,
)
from huiyin.server.api.common import E401, E403, E422, answer
from huiyin.server.api.deps import AdminOperator, Ctx, DbSession
from huiyin.server.api.units import refused, run_admin
from huiyin.server.district import operators as ops
from huiyin.server.district.audit import Who
from huiyin.server.district.units import AdminRefusal
from huiyin.server.storage.models import stored_id

router = APIRouter(prefix="/api", tags=["operators"])
E404 = answer(404, "no such operator (`operator_not_found`)")
E409 = answer(409, (
    "`last_admin` (the last active admin cannot be disabled or given another role), `username_taken`, "
    "`unit_inactive`"))


@router.get("/operators", response_model=list[AdminOperatorOut], responses={**E401, **E403, **E422})
def list_operators(op: AdminOperator, ctx: Ctx, session: DbSession,
                   q: Annotated[str | None, Query(max_length=64, description=(
                       "only operators whose username or display name contains this"))] = None,
                   unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                                        description="only operators of this unit")] = None,
                   role: Annotated[Role | None, Query(description="only operators of this role")] = None,
                   ) -> list[AdminOperatorOut]:
    """Admin only: every operator (disabled ones too), with their unit and how many sessions they have open."""
    return ops.listing(session, ctx.clock.now(), q=q, unit_id=unit_id, role=role)


@router.post("/operators", response_model=OperatorCreated, status_code=201,
             responses={**E401, **E403, **E409, **E422})
def add_operator(body: OperatorIn, op: AdminOperator, ctx: Ctx) -> OperatorCreated:
    """Admin only: add an operator at an active unit. Without `password` the server makes one and returns it
    in this answer only. Audited (the password never is)."""
    def work(session: Session) -> OperatorCreated:
        new, made = ops.add(session, ctx.clock, Who.of(op), username=body.username, role=body.role,
                            unit_id=body.unit_id, display_name=body.display_name, password=body.password)
        return OperatorCreated(operator=ops.operator_row(session, new, 0), password=made)
    return run_admin(ctx, work)


@router.patch("/operators/{username}", response_model=AdminOperatorOut,
              responses={**E401, **E403, **E404, **E409, **E422})
def edit_operator(username: str, body: OperatorPatch, op: AdminOperator, ctx: Ctx) -> AdminOperatorOut:
    """Admin only: change `display_name`, `unit_id`, `role`, or disable (`disabled: true`; every session of the
    operator ends at once) or enable again. The last active admin can be neither disabled nor given another
    role (409 `last_admin`). Audited: who, when, before and after."""
    def work(session: Session) -> AdminOperatorOut:
        now = ctx.clock.now()
        changed = ops.edit(session, now, Who.of(op), username, display_name=body.display_name,
                           unit_id=body.unit_id, role=body.role, disabled=body.disabled)
        return ops.operator_row(session, changed, len(ops.live_sessions(session, stored_id(changed), now)))
    return run_admin(ctx, work)


@router.post("/operators/{username}/password", response_model=PasswordOut,
             responses={**E401, **E403, **E404, **E422})
def reset_password(username: str, body: PasswordIn, op: AdminOperator, ctx: Ctx) -> PasswordOut:
    """Admin only: set a new password (without `password` the server makes one and returns it in this answer
    only). The operator's sessions end, unless they are the admin making the change. Audited (never the
    password)."""
    def work(session: Session) -> PasswordOut:
        made, revoked = ops.set_password(session, ctx.clock.now(), Who.of(op), username, body.password)
        return PasswordOut(username=username, password=made, revoked_sessions=revoked)
    return run_admin(ctx, work)


@router.get("/operators/{username}/sessions", response_model=list[SessionOut],
            responses={**E401, **E403, **E404})
def sessions(username: str, op: AdminOperator, ctx: Ctx, session: DbSession) -> list[SessionOut]:
    """Admin only: the operator's open sessions (unexpired, not logged out), oldest first."""
    try:
        target = ops.find(session, username)
    except AdminRefusal as exc:
        raise refused(exc) from None
    return [SessionOut(id=t.id, created_at=t.created_at, expires_at=t.expires_at)
            for t in ops.live_sessions(session, stored_id(target), ctx.clock.now())]


@router.delete("/operators/{username}/sessions", response_model=RevokedOut,
               responses={**E401, **E403, **E404})
def revoke(username: str, op: AdminOperator, ctx: Ctx) -> RevokedOut:
    """Admin only: end every open session of the operator at once (their next request answers 401). Audited."""
    return RevokedOut(revoked=run_admin(ctx, lambda s: ops.revoke_sessions(s, ctx.clock.now(), Who.of(op),
                                                                            username)))
