"""FastAPI dependencies: the shared context, a database session, and the logged-in operator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, col, select

from huiyin.server.base.errors import ApiError
from huiyin.server.base.security import token_hash
from huiyin.server.state.context import ServerContext
from huiyin.server.storage.models import AuthToken, Operator

bearer = HTTPBearer(auto_error=False, description="the token from POST /api/auth/login")


def get_ctx(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx  # set by create_app
    return ctx


Ctx = Annotated[ServerContext, Depends(get_ctx)]


def get_session(ctx: Ctx) -> Iterator[Session]:
    with Session(ctx.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def token_row(session: Session, ctx: ServerContext, token: str) -> AuthToken | None:
    row = session.exec(select(AuthToken).where(AuthToken.token_hash == token_hash(token))).first()
    return row if usable(row, ctx) else None


def usable(row: AuthToken | None, ctx: ServerContext) -> bool:
    """A token that exists, was not logged out and has not expired."""
    return row is not None and row.revoked_at is None and row.expires_at > ctx.session_clock.now()


def signed_in_operator(ctx: Ctx, session: DbSession,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Operator:
    """The token's operator, whether or not they must change their password first (changing it, logging out)."""
    if credentials is None:
        raise ApiError(401, "unauthorized", "log in first: send Authorization: Bearer <token>")
    # the token and its operator in one query
    found = session.exec(select(AuthToken, Operator).join(Operator, col(Operator.id) == AuthToken.operator_id)
                         .where(AuthToken.token_hash == token_hash(credentials.credentials))).first()
    row, op = found if found is not None else (None, None)
    if not usable(row, ctx):
        raise ApiError(401, "token_invalid", "the token is unknown, expired or logged out; log in again")
    if op is None or not op.active:
        raise ApiError(401, "token_invalid", "this operator is no longer active")
    # keep the operator's loaded fields but give the connection back to the pool: a write that follows takes
    # its own connection, and a request must never hold two (16 windows at once would drain the pool)
    session.expunge(op)
    session.rollback()
    return op


SignedInOperator = Annotated[Operator, Depends(signed_in_operator)]


def current_operator(op: SignedInOperator) -> Operator:
    """The logged-in operator; one who signed in with a password an admin set is refused (403
    ``password_change_required``) until they have chosen their own (``POST /api/me/password``)."""
    if op.must_change_password:
        raise ApiError(403, "password_change_required", "choose a new password first (POST /api/me/password): "
                       "this one was set by an admin")
    return op


CurrentOperator = Annotated[Operator, Depends(current_operator)]


def admin_operator(op: CurrentOperator) -> Operator:
    """The logged-in operator, who must be an admin (403 ``wrong_role`` for everyone else)."""
    from huiyin.core.domain import Role

    if op.role != Role.admin.value:
        raise ApiError(403, "wrong_role", "only an admin may do this")
    return op


AdminOperator = Annotated[Operator, Depends(admin_operator)]
