"""The FastAPI application: ``create_app`` wires settings, database, clock and routes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp

from huiyin.core.clock import Clock, SystemClock, parse_clock
from huiyin.server.api import audit, auth, calendar, categories, common, events, matters, meta, operators, units
from huiyin.server.api import clock as clock_api
from huiyin.server.api import reports as report_api
from huiyin.server.base import errors
from huiyin.server.base.settings import Settings
from huiyin.server.matters import supervision
from huiyin.server.serving.guard import AnswerHeaders, RequestGuard, security_headers
from huiyin.server.state.context import ServerContext
from huiyin.server.storage import db

DESCRIPTION = """\
huiyin (回音) — every matter a resident brings to a service window gets its answer.

Log in with `POST /api/auth/login`, then send `Authorization: Bearer <token>` on every `/api/` request.
Errors are JSON `{code, message, fields?}`: 401 no or expired token, 403 not allowed (the message says why;
`password_change_required`: the password was set by an admin, choose your own with `POST /api/me/password`),
404 not found, 409 the matter's state changed or another window was first, 422 invalid input (`fields` names
each field at fault); 405 a method the path does not have, 400 a malformed request, 408 a body too slow, \
413 a body too large (1 MiB by default),
429 too many failed logins (`Retry-After` says when to try again).
"""

#: where the documentation pages' own assets are served
DOCS_ASSETS = "/docs-assets"


#: ``huiyin serve --workers N`` hands its ``--clock`` to the workers in this variable (ISO time; empty: real time)
CLOCK_ENV = "HUIYIN_CLOCK"
#: the response header that names the worker process that answered (multi-worker servers only)
WORKER_HEADER = "x-huiyin-worker"


def _headers_outside_everything(app: FastAPI, make: Callable[[str], list[tuple[bytes, bytes]]]) -> None:
    """Put :class:`~.guard.AnswerHeaders` with ``make`` around the app's whole middleware stack, the framework's
    error middleware included (a middleware added with ``add_middleware`` sits inside it), so that an unexpected
    error's 500 carries the headers too. Starlette builds the stack on the first request through this method."""
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        return AnswerHeaders(build(), make)

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]  # the stack is built through it


def app_from_env() -> FastAPI:
    """The app of one worker of ``huiyin serve --workers N`` (uvicorn's factory, by import string
    ``huiyin.server.serving.app:app_from_env``): settings from ``HUIYIN_*``, the clock from ``HUIYIN_CLOCK``. It
    does not migrate (the parent did, once, before starting the workers); every response names its worker's pid."""
    app = create_app(Settings.from_env(), parse_clock(os.environ.get(CLOCK_ENV) or None), migrate=False,
                     worker=True)
    return app


def create_app(settings: Settings | None = None, clock: Clock | None = None, migrate: bool = True,
               worker: bool = False, demo: bool = False) -> FastAPI:
    """``worker``: one of ``serve --workers N``'s processes (its answers name it); ``demo``: a demo or sandbox
    server, whose (simulated) clock trainers and admins may move over the API."""
    settings = settings or Settings.from_env()
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    ctx = ServerContext(engine=engine, clock=clock or SystemClock(), settings=settings, demo=demo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.closing.clear()
        if worker:
            _end_feeds_on_exit_signals(ctx)
        await ctx.feed.start()
        task = asyncio.create_task(supervision.supervise_forever(ctx), name="huiyin-supervision")
        yield
        ctx.closing.set()
        await ctx.feed.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # /docs and /redoc with their scripts and styles served from the fastapi-offline package: no CDN needed
    app = FastAPIOffline(title="huiyin", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                         static_url=DOCS_ASSETS)
    app.state.ctx = ctx
    # which worker answered (several workers only)
    worker_header = [(WORKER_HEADER.encode(), str(os.getpid()).encode())] if worker else []

    def answer_headers(path: str) -> list[tuple[bytes, bytes]]:
        return [*security_headers(path), *clock_api.clock_headers(ctx.clock), *worker_header]  # the server's now

    _headers_outside_everything(app, answer_headers)
    errors.install(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes,
                       body_timeout_seconds=settings.body_timeout_seconds)
    for module in (meta, auth, matters, events, calendar, audit, clock_api, report_api, units, operators,
                   categories):
        # every operation documents the answers the guard and the framework may give (schemathesis checks it);
        # the matter list answers 403 for a queue the operator's role does not have
        extra = common.E403 if module is matters else {}
        app.include_router(module.router, responses={**common.SHARED, **extra})
    return app


def _end_feeds_on_exit_signals(ctx: ServerContext) -> None:
    """In a worker, uvicorn's own server handles SIGTERM/SIGINT: chain onto it so live feeds end at once (as
    :class:`~.serving.HuiyinServer` does for a single process) instead of holding the shutdown."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: FrameType | None,
                    _previous: Callable[[int, FrameType | None], Any] = previous) -> None:
            ctx.closing.set()
            ctx.notifier.notify()
            _previous(signum, frame)

        signal.signal(sig, handler)
