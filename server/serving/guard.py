"""The ASGI layer in front of every route: request-body limits and security headers.

* A body larger than ``Settings.max_body_bytes`` is refused with 413 before it is read: at once when
  ``Content-Length`` says so, else as soon as the bytes counted so far pass the limit (chunked bodies).
* A body must arrive within ``Settings.body_timeout_seconds`` of the request's headers, or the answer is 408;
  once the body is complete the route's own reads (a live feed waiting for the client to go) are not timed.
* Both answers close the connection (``Connection: close``), so nothing more of that body is read.
* Every response carries the usual security headers; everything under ``/api/`` is ``Cache-Control: no-store``
  (tokens, residents' names and phone numbers must not sit in a cache).

Slow *headers* and the number of connections are the HTTP protocol's business: see :mod:`.serving`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huiyin.server.base.errors import error_response

CLOSE = {"Connection": "close"}

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
#: the API answers JSON and event streams: nothing may run or be framed
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
#: the /docs page: Swagger UI from this server (see app.py), with its inline start-up script and styles
DOCS_CSP = (b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than this server takes ({limit} bytes)", headers=CLOSE)


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_seconds: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = self._content_length(scope)
        if length == -1:
            await self._refuse(scope, receive, send, 400, "bad_request", "Content-Length must be a whole number")
            return
        if length is not None and length > self.max_body_bytes:
            await self._refuse(scope, receive, send, 413, "too_large", too_large(self.max_body_bytes).detail)
            return
        await self.app(scope, self._guarded_receive(receive), send)

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        """The declared length, ``None`` when absent, -1 when unreadable."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                return int(value) if value.isdigit() else -1
        return None

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, code: str,
                      message: str) -> None:
        await error_response(status, code, message, headers=CLOSE)(scope, receive, send)

    def _guarded_receive(self, receive: Receive) -> Receive:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        state = {"done": False, "size": 0}

        async def guarded() -> Message:
            if state["done"]:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
            except TimeoutError:
                raise HTTPException(408, f"the request body did not arrive within {self.body_timeout:g} s",
                                    headers=CLOSE) from None
            if message["type"] == "http.request":
                state["size"] += len(message.get("body", b""))
                if state["size"] > self.max_body_bytes:
                    raise too_large(self.max_body_bytes)
                state["done"] = not message.get("more_body", False)
            else:
                state["done"] = True
            return message

        return guarded


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers of an answer to ``path``: the common ones, the page's content policy, and
    ``Cache-Control: no-store`` under ``/api/``."""
    headers = [*SECURITY_HEADERS, (b"content-security-policy", DOCS_CSP if path.startswith(DOCS_PATHS) else API_CSP)]
    if path.startswith("/api/"):
        headers.append((b"cache-control", b"no-store"))
    return headers


class AnswerHeaders:
    """ASGI middleware: adds the headers ``make(path)`` gives (computed per answer) to every HTTP answer, each
    unless the answer set it itself — the security headers, the server's now and its clock's rate
    (``api/clock.py``), the worker that answered. ``app.py`` puts it around the whole app, outside the framework's
    own error middleware, so that an unexpected error's 500 carries them too (a middleware added with
    ``add_middleware`` sits inside that one)."""

    def __init__(self, app: ASGIApp, make: Callable[[str], list[tuple[bytes, bytes]]]) -> None:
        self.app = app
        self.make = make

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in self.make(path) if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, stamped)
