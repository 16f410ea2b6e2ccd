"""The FastAPI application: ``create_app`` wires settings, database, clock and routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from huiyin.core.clock import Clock, SystemClock

from . import db, errors, supervision
from .api import audit, auth, calendar, common, events, matters, meta, operators, units
from .context import ServerContext
from .guard import RequestGuard
from .settings import Settings

DESCRIPTION = """\
huiyin (回音) — every matter a resident brings to a service window gets its answer.

Log in with `POST /api/auth/login`, then send `Authorization: Bearer <token>` on every `/api/` request.
Errors are JSON `{code, message, fields?}`: 401 no or expired token, 403 not allowed (the message says why),
404 not found, 409 the matter's state changed or another window was first, 422 invalid input (`fields` names
each field at fault); 405 a method the path does not have, 400 a malformed request, 408 a body too slow, 413 a body too large (1 MiB by default),
429 too many failed logins (`Retry-After` says when to try again).
"""

#: where the documentation pages' own assets are served
DOCS_ASSETS = "/docs-assets"


def create_app(settings: Settings | None = None, clock: Clock | None = None, migrate: bool = True) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    ctx = ServerContext(engine=engine, clock=clock or SystemClock(), settings=settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.closing.clear()
        task = asyncio.create_task(supervision.supervise_forever(ctx), name="huiyin-supervision")
        yield
        ctx.closing.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # /docs and /redoc with their scripts and styles served from the fastapi-offline package: no CDN needed
    app = FastAPIOffline(title="huiyin", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                         static_url=DOCS_ASSETS)
    app.state.ctx = ctx
    errors.install(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes,
                       body_timeout_seconds=settings.body_timeout_seconds)
    for module in (meta, auth, matters, events, calendar, audit, units, operators):
        # every operation documents the answers the guard and the framework may give (schemathesis checks it);
        # the matter list answers 403 for a queue the operator's role does not have
        extra = common.E403 if module is matters else {}
        app.include_router(module.router, responses={**common.SHARED, **extra})
    return app
