"""Running the app under uvicorn, the same way for ``huiyin serve`` and the embedded server.

What uvicorn does not do by itself, done here (limits from :class:`~.settings.Settings`):

* **Slow headers.** A connection must finish a request's headers within ``header_timeout_seconds`` of opening
  (or of its first byte after a previous response); else it gets 408 and is closed. Headers longer than
  ``max_header_bytes`` get 400 (h11's own limit).
* **Too many connections.** At most ``max_connections`` are kept (and never more than the open-file limit
  allows). A new connection over the cap pushes out the oldest connection that is *not* in the middle of a
  request (half-sent headers, or idle keep-alive); only when every connection is busy with a real request is the
  new one turned away with 503. So a flood of half-open connections cannot keep ``/health`` or a clerk out.
  uvicorn's own ``limit_concurrency`` is not used: it answers 503 to *new* requests, ``/health`` included.
* **Stopping.** ctrl-C (SIGINT) or SIGTERM first tells the live feeds to end (``ctx.closing``), so open
  ``/api/events`` streams finish cleanly instead of being cancelled mid-write after the grace period.
"""

from __future__ import annotations

import asyncio
import resource
import socket
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from huiyin.server.base.settings import Settings

#: file descriptors kept back for the database, log files and the listening socket
FD_RESERVE = 64


def raise_fd_limit() -> int:
    """Raise this process's soft open-file limit to its hard limit; returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # pragma: no cover - a platform that refuses
            pass
    return soft


def connection_cap(settings: Settings) -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(8, min(settings.max_connections, soft - FD_RESERVE))


def _plain(status: bytes, text: str) -> bytes:
    body = text.encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


TIMEOUT_408 = _plain(b"408 Request Timeout", "the request headers did not arrive in time\n")
BUSY_503 = _plain(b"503 Service Unavailable", "the server has too many connections; try again\n")


def guarded_protocol(header_timeout: float, max_connections: int) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a header timeout and a connection cap that sheds idle connections first."""

    class GuardedH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's own
            self._header_timer: asyncio.TimerHandle | None = None
            self._opened = self.loop.time()
            super().connection_made(transport)
            self._arm()
            if len(self.connections) > max_connections:
                self._shed()

        def _busy(self) -> bool:
            """In the middle of a request whose headers are complete (its body, or the app's answer)."""
            return self.cycle is not None and not self.cycle.response_complete

        def _arm(self) -> None:
            self._header_timer = self.loop.call_later(header_timeout, self._header_timeout)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timeout(self) -> None:
            self._header_timer = None
            if not self._busy() and not self.transport.is_closing():
                self.transport.write(TIMEOUT_408)
                self.transport.close()

        def _shed(self) -> None:
            idle = [c for c in self.connections
                    if isinstance(c, GuardedH11Protocol) and c is not self and not c._busy()
                    and not c.transport.is_closing()]
            if idle:
                victim = min(idle, key=lambda c: c._opened)
                victim._disarm()
                victim.transport.close()
            else:
                self.transport.write(BUSY_503)
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self._header_timer is None and not self._busy():
                self._arm()  # the first bytes of the next request on a kept-alive connection
            super().data_received(data)
            if self._busy():
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedH11Protocol


class HuiyinServer(uvicorn.Server):
    """A uvicorn server that ends the app's live feeds as soon as it is asked to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        end_live_feeds(self.config.app)
        super().handle_exit(sig, frame)


def end_live_feeds(app: object) -> None:
    """Tell the app's live-feed connections to end (any ASGI app: one that is not ours has no context)."""
    ctx = getattr(getattr(app, "state", None), "ctx", None)
    if ctx is not None:
        ctx.closing.set()
        ctx.notifier.notify()


def make_server(app: FastAPI, settings: Settings, log_level: str = "info") -> HuiyinServer:
    return HuiyinServer(server_config(app, settings, log_level))


def server_config(app: FastAPI | str, settings: Settings, log_level: str = "info", **extra: Any) -> uvicorn.Config:
    """uvicorn's configuration for huiyin; ``app`` is an app, or an import string with ``factory=True`` and
    ``workers=N`` (then the protocol is named by import string too, since workers are spawned processes)."""
    http: type[asyncio.Protocol] | str = guarded_protocol(settings.header_timeout_seconds, connection_cap(settings))
    if isinstance(app, str):
        http = f"{__name__}:WorkerH11Protocol"
    return uvicorn.Config(
        app, log_level=log_level, lifespan="on", ws="none", timeout_graceful_shutdown=3,
        http=http,
        # one log line per request costs more than the request's SQL; errors are still logged
        access_log=False,
        timeout_keep_alive=settings.keep_alive_seconds,  # type: ignore[arg-type]  # uvicorn takes a float too
        h11_max_incomplete_event_size=settings.max_header_bytes, **extra,
    )


def __getattr__(name: str) -> object:
    """``WorkerH11Protocol``: the guarded protocol with the limits of ``HUIYIN_*`` (a worker's settings)."""
    if name == "WorkerH11Protocol":
        settings = Settings.from_env()
        protocol = guarded_protocol(settings.header_timeout_seconds, connection_cap(settings))
        globals()[name] = protocol
        return protocol
    raise AttributeError(name)


def tcp_socket(host: str = "127.0.0.1", port: int = 0, backlog: int = 1024) -> socket.socket:
    """A listening socket made with ``IPPROTO_TCP``, so uvicorn turns Nagle off (else ~40 ms per request)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock
