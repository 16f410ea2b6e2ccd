from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from huiyin.core.schemas import PASSWORD_PROBLEMS, LoginIn, LoginOut, OperatorOut, OwnPasswordIn, password_problem
from huiyin.server.api.common import E401, E403, E422, E429
from huiyin.server.api.deps import Ctx, CurrentOperator, DbSession, SignedInOperator, bearer, token_row
from huiyin.server.base.errors import ApiError
from huiyin.server.base.security import DUMMY_HASH, hash_password, new_token, token_hash, verify_password
from huiyin.server.district import operators as operator_admin
from huiyin.server.matters.views import load_tree, operator_out
from huiyin.server.state.context import ServerContext
from huiyin.server.state.throttle import LoginThrottled
from huiyin.server.storage.db import write_session
from huiyin.server.storage.models import AuthToken, Operator

router = APIRouter(prefix="/api", tags=["auth"])

T = TypeVar("T")


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


async def _throttled_check(ctx: ServerContext, request: Request, username: str,
                           check: Callable[[], T | None]) -> T | None:
    """``check()`` (a password check: ``None`` when it is wrong) counted by the login throttle: refused with 429
    while ``username`` or the client's address must wait, a wrong answer counted as a failed login."""
    address = request.client.host if request.client else "unknown"
    guard = ctx.logins
    try:
        await run_in_threadpool(guard.check, username, address)
        async with guard.hashing:  # bounded argon2; a waiting check holds no thread
            # others (on any worker) may have failed while this one waited
            reserved = await run_in_threadpool(guard.reserve, username, address)
            result = await run_in_threadpool(check)
    except LoginThrottled as exc:
        raise _throttled(exc) from None
    if result is not None:
        await run_in_threadpool(guard.succeeded, username, address, reserved)
    return result


@router.post("/auth/login", response_model=LoginOut, responses={401: E401[401], **E429})
async def login(body: LoginIn, request: Request, ctx: Ctx) -> LoginOut:
    """Exchange a username and password for a bearer token (valid for ``HUIYIN_TOKEN_TTL_HOURS``, 12 by default).

    After too many failed logins of one account, or from one address, within a window (5 and 20 in 15 minutes
    by default) it answers 429 with `Retry-After` (seconds) until the window has passed.

    `operator.must_change_password`: the password was set by an admin (a new account, a reset); every other call
    with this token answers 403 `password_change_required` until `POST /api/me/password` sets the operator's own."""
    operator = await _throttled_check(ctx, request, body.username, lambda: _check_password(ctx, body))
    if operator is None:
        raise ApiError(401, "bad_credentials", "wrong username or password")
    return await run_in_threadpool(_issue_token, ctx, operator)


@router.post("/auth/logout", status_code=204, responses=E401)
def logout(op: SignedInOperator, ctx: Ctx,
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


def _new_hash_if_current(ctx: ServerContext, operator_id: int, body: OwnPasswordIn) -> str | None:
    """The new password's hash if ``current_password`` is right, else ``None``."""
    with Session(ctx.engine) as session:
        op = session.get(Operator, operator_id)
        if op is None or not verify_password(op.password_hash, body.current_password):
            return None
    return hash_password(body.new_password)


def _change_own(ctx: ServerContext, operator_id: int, token: str, password_hash: str) -> None:
    with write_session(ctx.engine) as writer:
        row = token_row(writer, ctx, token)
        if row is None or row.id is None:  # logged out (or ended by an admin) while the password was checked
            raise ApiError(401, "token_invalid", "the token is unknown, expired or logged out; log in again")
        operator_admin.change_own(writer, ctx.session_clock.now(), operator_id, password_hash, row.id)
        writer.commit()


@router.post("/me/password", status_code=204,
             responses={**E401, **E403, **E422, **E429})
async def change_own_password(body: OwnPasswordIn, request: Request, op: SignedInOperator, ctx: Ctx,
                              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """Change the logged-in operator's own password. `new_password` needs 8 to 256 characters (422 `fields`:
    `new_password`: `too_short`, `too_long`, or `unchanged` when it is the current one). A wrong
    `current_password` answers 403 `wrong_password` and counts as a failed login of the account (429 after too
    many, as for logging in). The operator's other sessions end; this one stays. Allowed, and required, when
    the operator must change a password an admin set."""
    problem = password_problem(body.new_password)
    if problem is not None:
        raise ApiError(422, "invalid_input", PASSWORD_PROBLEMS[problem], {"new_password": problem})
    if body.new_password == body.current_password:
        raise ApiError(422, "invalid_input", "the new password is the current one", {"new_password": "unchanged"})
    assert credentials is not None and op.id is not None  # signed_in_operator refused a request without one
    operator_id = op.id
    new_hash = await _throttled_check(ctx, request, op.username, lambda: _new_hash_if_current(ctx, operator_id, body))
    if new_hash is None:
        raise ApiError(403, "wrong_password", "the current password is wrong", {"current_password": "wrong"})
    await run_in_threadpool(_change_own, ctx, operator_id, credentials.credentials, new_hash)
