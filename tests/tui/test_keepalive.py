"""The workbench never sends a request on a connection the server is closing: it forgets an idle connection well
before the server's keep-alive ends, and a read (or a write with its Idempotency-Key) whose connection was closed
under it is sent once more. Seen as a flake: a detail that did not open, "unreachable" after about 5 s idle."""

from __future__ import annotations

from huiyin.server.base.settings import Settings
from huiyin.tui.client import KEEPALIVE_SECONDS, _may_resend


def test_the_client_forgets_idle_connections_before_the_server_closes_them() -> None:
    assert KEEPALIVE_SECONDS <= Settings().keep_alive_seconds / 2


def test_only_harmless_requests_are_sent_again() -> None:
    assert _may_resend("GET", {})
    assert _may_resend("POST", {"Idempotency-Key": "k"})
    assert not _may_resend("POST", {})
    assert not _may_resend("PATCH", {"Authorization": "Bearer x"})
