"""Run the server inside this process, on 127.0.0.1 and a free port, for the workbench and for tests.

The workbench still talks to it over HTTP, so there is one code path whether the server is embedded or remote.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time

import uvicorn

from huiyin.core.clock import Clock

from .app import create_app
from .settings import Settings


def tcp_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket made with ``IPPROTO_TCP``, so uvicorn turns Nagle off (else ~40 ms per request)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


class EmbeddedServer:
    def __init__(self, database_url: str, clock: Clock | None = None, sample: bool = True,
                 host: str = "127.0.0.1", port: int = 0, sample_matters: bool = True,
                 supervise_seconds: float | None = None) -> None:
        self.settings = Settings(database_url=database_url)
        if supervise_seconds is not None:
            self.settings = dataclasses.replace(self.settings, supervise_seconds=supervise_seconds)
        self.clock = clock
        self.sample = sample
        self.sample_matters = sample_matters
        self.host = host
        self.port = port
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app = None

    def start(self, timeout: float = 30.0) -> str:
        from . import sample as sample_data

        self.app = create_app(self.settings, self.clock)
        ctx = self.app.state.ctx
        if self.sample:
            sample_data.ensure_sample(ctx, matters=self.sample_matters)
        self._socket = tcp_socket(self.host, self.port)
        port = self._socket.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2,
                                ws="none")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="huiyin-embedded-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the embedded server stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError("the embedded server did not start in time")
            time.sleep(0.01)
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    @property
    def ctx(self):  # type: ignore[no-untyped-def]
        return self.app.state.ctx if self.app is not None else None

    def stop(self) -> None:
        if self._server is not None:
            if self.ctx is not None:
                self.ctx.closing.set()
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self.ctx is not None:
            self.ctx.engine.dispose()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> "EmbeddedServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
