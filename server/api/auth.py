from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.schemas import LoginIn, LoginOut, OperatorOut

from ..context import ServerContext
from ..deps import CurrentOperator, Ctx, DbSession, bearer, token_row
from ..errors import ApiError
from ..models import AuthToken, Operator
from ..security import DUMMY_HASH, new_token, token_hash, verify_password
from ..views import load_tree, operator_out
from ..throttle import LoginThrottled
from ..db import write_session
from .common import E401, E429

router = APIRouter(prefix="/api", tags=["auth"])


def _check_password(ctx: ServerContext, body: LoginIn) -> OperatorOut | None:
    """The operator if the password is right (and the account active), else ``None``; always one argon2 check."""
    with Session(ctx.engine) as session:
        op = session.exec(select(Operator).where(Operator.username == body.username)).first()
        ok = verify_password(op.password_hash if op else DUMMY_HASH, body.password)
        if op is None or not ok or not op.active:
            return None
        return operator_out(op, load_tree(session))


def _issue_token(ctx: ServerContext, operator: OperatorOut) -> LoginOut:
    now = ctx.session_clock.now()
    token = new_token()
    expires_at = now + ctx.settings.token_ttl
    with write_session(ctx.engine) as writer:
        writer.add(AuthToken(token_hash=token_hash(token), operator_id=operator.id, created_at=now,
                             expires_at=expires_at))
        writer.commit()
    return LoginOut(token=token, expires_at=expires_at, operator=operator)


def _throttled(exc: LoginThrottled) -> ApiError:
    return ApiError(429, "too_many_attempts", f"too many failed logins from {exc.what}; try again in "
                    f"{exc.retry_after} s", headers={"Retry-After": str(exc.retry_after)})


@router.post("/auth/login", response_model=LoginOut, responses={401: E401[401], **E429})
async def login(body: LoginIn, request: Request, ctx: Ctx) -> LoginOut:
    """Exchange a username and password for a bearer token (valid for ``HUIYIN_TOKEN_TTL_HOURS``, 12 by default).

    After too many failed logins of one account, or from one address, within a window (5 and 20 in 15 minutes
    by default) it answers 429 with `Retry-After` (seconds) until the window has passed."""
    address = request.client.host if request.client else "unknown"
    guard = ctx.logins
    try:
        await run_in_threadpool(guard.check, body.username, address)
        async with guard.hashing:  # bounded argon2; a waiting login holds no thread
            # others (on any worker) may have failed while this one waited
            reserved = await run_in_threadpool(guard.reserve, body.username, address)
            operator = await run_in_threadpool(_check_password, ctx, body)
    except LoginThrottled as exc:
        raise _throttled(exc) from None
    if operator is None:
        raise ApiError(401, "bad_credentials", "wrong username or password")
    await run_in_threadpool(guard.succeeded, body.username, address, reserved)
    return await run_in_threadpool(_issue_token, ctx, operator)


@router.post("/auth/logout", status_code=204, responses=E401)
def logout(op: CurrentOperator, ctx: Ctx,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """End the token this request was sent with; other sessions of the operator stay logged in."""
    if credentials is None:
        return
    with write_session(ctx.engine) as writer:
        row = token_row(writer, ctx, credentials.credentials)
        if row is not None:
            row.revoked_at = ctx.session_clock.now()
            writer.add(row)
            writer.commit()


@router.get("/me", response_model=OperatorOut, responses=E401)
def me(op: CurrentOperator, session: DbSession) -> OperatorOut:
    """The logged-in operator, with their unit, tier and role."""
    return operator_out(op, load_tree(session))
