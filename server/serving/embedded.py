"""Run the server inside this process, on 127.0.0.1 and a free port, for the workbench and for tests.

The workbench still talks to it over HTTP, so there is one code path whether the server is embedded or remote.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from typing import Any

from fastapi import FastAPI

from huiyin.core.clock import Clock
from huiyin.server.base.settings import Settings
from huiyin.server.serving.app import create_app
from huiyin.server.serving.run import HuiyinServer, end_live_feeds, make_server, tcp_socket
from huiyin.server.state.context import ServerContext

__all__ = ["EmbeddedServer", "tcp_socket"]


class EmbeddedServer:
    def __init__(self, database_url: str, clock: Clock | None = None, sample: bool = True,
                 host: str = "127.0.0.1", port: int = 0, sample_matters: bool = True,
                 supervise_seconds: float | None = None, demo: bool = False, **limits: Any) -> None:
        """``limits``: any other :class:`Settings` field (``max_body_bytes=...``), for tests. ``demo``: a demo
        sandbox, whose clock trainers may move over the API."""
        self.settings = Settings(database_url=database_url)
        if supervise_seconds is not None:
            limits["supervise_seconds"] = supervise_seconds
        if limits:
            self.settings = dataclasses.replace(self.settings, **limits)
        self.clock = clock
        self.demo = demo
        self.sample = sample
        self.sample_matters = sample_matters
        self.host = host
        self.port = port
        self.base_url = ""
        self._server: HuiyinServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app: FastAPI | None = None

    def start(self, timeout: float = 30.0) -> str:
        from huiyin.server.district import sample as sample_data

        self.app = app = create_app(self.settings, self.clock, demo=self.demo)
        ctx = app.state.ctx
        if self.sample:
            sample_data.ensure_sample(ctx, matters=self.sample_matters)
        self._socket = tcp_socket(self.host, self.port)
        port = self._socket.getsockname()[1]
        self._server = make_server(app, self.settings, log_level="warning")
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
    def ctx(self) -> ServerContext | None:
        return self.app.state.ctx if self.app is not None else None

    def stop(self) -> None:
        if self._server is not None:
            if self.app is not None:
                end_live_feeds(self.app)
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self.ctx is not None:
            self.ctx.engine.dispose()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
