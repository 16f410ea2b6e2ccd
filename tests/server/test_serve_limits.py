"""``huiyin serve`` as a real process over real sockets: slow and oversized requests, a flood of half-open
connections, and ctrl-C with a live feed open. Loopback only; every loop is bounded."""

from __future__ import annotations

import os
import resource
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from huiyin.core.clock import parse_clock
from huiyin.server.base.settings import Settings
from huiyin.server.district import sample
from huiyin.server.state.context import ServerContext
from huiyin.server.storage import db
from tests.helpers import SAMPLE_PASSWORD

from .serving import read_port, start_serve, stop, wait_healthy


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sample district (accounts, no matters) made once for the module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'huiyin.db'}"
    settings = Settings(database_url=url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    sample.create_sample(ServerContext(engine=engine, clock=parse_clock(None), settings=settings), matters=False)
    engine.dispose()
    return url


class Served:
    def __init__(self, proc, port: int) -> None:  # type: ignore[no-untyped-def]
        self.proc = proc
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"

    def rss_kib(self, field: str = "VmRSS") -> int:
        """Resident memory now (``VmHWM``: its peak so far), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field}")

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


@pytest.fixture
def serve(sample_db: str, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """``serve(**limits)`` → a running ``huiyin serve`` with ``HUIYIN_<LIMIT>`` set; stopped afterwards."""
    started: list[Served] = []

    def run(**limits: object) -> Served:
        # failed logins are stored (every worker, every restart counts them): each test starts with none, as the
        # bad-login test leaves 40 from this address
        engine = db.make_engine(sample_db)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM login_failures"))
        engine.dispose()
        env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
        env.pop("HUIYIN_PASSWORD_HASHING", None)  # the password checks at their real cost: the limits are about it
        env.update({f"HUIYIN_{k.upper()}": str(v) for k, v in limits.items()})
        proc = start_serve("--port", "0", "--database", sample_db, env=env)
        served = Served(proc, read_port(proc))
        started.append(served)
        assert wait_healthy(proc, served.port).status_code == 200
        return served

    yield run
    for served in started:
        err = stop(served.proc)
        assert "Traceback" not in err, err


def read_all(sock: socket.socket, limit: float = 10) -> bytes:
    """Read until the server closes (or ``limit`` seconds pass)."""
    sock.settimeout(limit)
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def test_slow_headers_are_timed_out(serve):
    srv = serve(header_timeout_seconds=1)
    with srv.connect() as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 8
    with srv.connect() as sock:  # a connection that says nothing at all is closed too
        assert read_all(sock).startswith(b"HTTP/1.1 408")
    assert httpx.get(f"{srv.base_url}/health").status_code == 200


def test_a_slow_body_is_timed_out(serve):
    srv = serve(body_timeout_seconds=1)
    with srv.connect() as sock:
        sock.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"user")
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b"did not arrive" in answer


def test_a_huge_declared_body_is_refused_at_once_and_memory_stays_flat(serve):
    srv = serve()
    # 1 GB announced, 1 MB sent: answered 413 at once, connection closed, not held open
    with srv.connect() as sock:
        sock.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000000000\r\n\r\n")
        try:
            sock.sendall(b" " * 1_000_000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    before = srv.rss_kib()
    payload = b" " * 10_000_000
    for _ in range(20):  # 20 x 10 MB anonymous bodies: refused unread
        try:
            r = httpx.post(f"{srv.base_url}/api/auth/login", content=payload,
                           headers={"content-type": "application/json"}, timeout=30)
            assert r.status_code == 413
        except (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError):
            pass  # the server answered and closed before all of it was sent
    grown_mib = (srv.rss_kib() - before) / 1024
    assert grown_mib < 40, f"the server grew by {grown_mib:.0f} MiB"


def test_40_concurrent_bad_logins_are_hashed_a_few_at_a_time(serve):
    """Each password check takes 64 MiB; with the throttle out of the way all 40 are checked, but at most
    ``max_password_hashes`` at once, so the peak memory stays bounded and /health answers meanwhile."""
    import threading

    srv = serve(login_failures_per_account=1000, login_failures_per_address=1000, max_password_hashes=2)
    base = srv.rss_kib("VmHWM")
    codes: list[int] = []

    def bad(i: int) -> None:
        r = httpx.post(f"{srv.base_url}/api/auth/login", json={"username": f"u{i}", "password": "x" * 12},
                       timeout=120)
        codes.append(r.status_code)

    threads = [threading.Thread(target=bad, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    _health_answers(srv)
    for t in threads:
        t.join()
    assert codes == [401] * 40
    peak_mib = (srv.rss_kib("VmHWM") - base) / 1024
    assert peak_mib < 64 * 4, f"the peak grew by {peak_mib:.0f} MiB"


def _raise_own_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            pytest.skip(f"the open-file limit ({hard}) is below the {need} this test needs")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def _half_open(srv: Served, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        s = srv.connect()
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    return socks


def _health_answers(srv: Served, times: int = 5) -> None:
    for _ in range(times):
        r = httpx.get(f"{srv.base_url}/health", timeout=10)
        assert r.status_code == 200


def test_health_answers_while_1000_slow_connections_are_open(serve):
    _raise_own_fd_limit(1000 + 256)
    srv = serve(header_timeout_seconds=120)
    socks = _half_open(srv, 1000)
    try:
        _health_answers(srv)
        # they are all still open (none was shed: under the cap)
        alive = 0
        for s in socks[:50]:
            s.setblocking(False)
            try:
                alive += s.recv(1) != b""
            except BlockingIOError:
                alive += 1
        assert alive == 50
    finally:
        for s in socks:
            s.close()


def test_over_the_connection_cap_the_oldest_half_open_ones_give_way(serve):
    srv = serve(header_timeout_seconds=120, max_connections=100)
    socks = _half_open(srv, 300)
    try:
        _health_answers(srv)
        closed = sum(read_all(s, limit=0.05) == b"" for s in socks[:50])
        assert closed == 50  # the oldest were pushed out to make room
    finally:
        for s in socks:
            s.close()


def test_ctrl_c_with_a_live_feed_open_stops_cleanly(serve):
    srv = serve()
    token = httpx.post(f"{srv.base_url}/api/auth/login",
                       json={"username": "shuanghu", "password": SAMPLE_PASSWORD}).json()["token"]
    with srv.connect() as sock:
        sock.sendall(f"GET /api/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                     f"Authorization: Bearer {token}\r\n\r\n".encode())
        sock.settimeout(10)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        srv.proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        code = srv.proc.wait(timeout=15)
        assert time.monotonic() - started < 5
    assert code in (0, 130), code
    err = stop(srv.proc)
    assert "Traceback" not in err and "CancelledError" not in err, err
