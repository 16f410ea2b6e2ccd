from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import select

from huiyin.core.schemas import LoginIn, LoginOut, OperatorOut, UnitOut

from ..deps import CurrentOperator, Ctx, DbSession, bearer, token_row
from ..errors import ApiError
from ..models import AuthToken, Operator
from ..security import DUMMY_HASH, new_token, token_hash, verify_password
from ..views import load_tree, operator_out, unit_out
from ..workflow import write_session
from .common import E401

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/login", response_model=LoginOut, responses={401: E401[401]})
def login(body: LoginIn, ctx: Ctx, session: DbSession) -> LoginOut:
    """Exchange a username and password for a bearer token (valid for ``HUIYIN_TOKEN_TTL_HOURS``, 12 by default)."""
    op = session.exec(select(Operator).where(Operator.username == body.username)).first()
    ok = verify_password(op.password_hash if op else DUMMY_HASH, body.password)
    if op is None or not ok or not op.active:
        raise ApiError(401, "bad_credentials", "wrong username or password")
    operator = operator_out(op, load_tree(session))
    session.rollback()
    now = ctx.clock.now()
    token = new_token()
    expires_at = now + ctx.settings.token_ttl
    with write_session(ctx.engine) as writer:
        writer.add(AuthToken(token_hash=token_hash(token), operator_id=operator.id, created_at=now,
                             expires_at=expires_at))
        writer.commit()
    return LoginOut(token=token, expires_at=expires_at, operator=operator)


@router.post("/auth/logout", status_code=204, responses=E401)
def logout(op: CurrentOperator, ctx: Ctx,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """End the token this request was sent with; other sessions of the operator stay logged in."""
    if credentials is None:
        return
    with write_session(ctx.engine) as writer:
        row = token_row(writer, ctx, credentials.credentials)
        if row is not None:
            row.revoked_at = ctx.clock.now()
            writer.add(row)
            writer.commit()


@router.get("/me", response_model=OperatorOut, responses=E401)
def me(op: CurrentOperator, session: DbSession) -> OperatorOut:
    """The logged-in operator, with their unit, tier and role."""
    return operator_out(op, load_tree(session))


@router.get("/units", response_model=list[UnitOut], responses=E401)
def units(op: CurrentOperator, session: DbSession) -> list[UnitOut]:
    """The whole unit tree, parents before children (``parent_id`` links them)."""
    tree = load_tree(session)
    out: list[UnitOut] = []
    stack = [u.id for u in reversed(tree.roots())]
    while stack:
        unit_id = stack.pop()
        out.append(unit_out(tree[unit_id]))
        stack.extend(reversed(tree.children.get(unit_id, [])))
    return out
