"""``huiyin serve --workers 2`` on PostgreSQL: a window on one worker sees what another worker wrote (NOTIFY, not the
backstop poll, which these servers slow to a minute), and a window whose worker dies resumes on another one
with ``Last-Event-ID``, missing nothing. Which worker answered is in the ``x-huiyin-worker`` header."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.test_events import READ_TIMEOUT, events_of, last_event_id, open_feed
from tests.conftest import backends
from tests.helpers import Api
from tests.server.serving import start_serve, stop

backend = backends("postgresql-2w")

WORKER = "x-huiyin-worker"


def client_on(base_url: str, want=lambda pid: True, tries: int = 200) -> tuple[httpx.Client, int]:  # type: ignore[no-untyped-def]
    """A client whose (kept-alive) connection a worker with ``want(pid)`` answers."""
    for _ in range(tries):
        client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0))
        pid = int(client.get("/health").headers[WORKER])
        if want(pid):
            return client, pid
        client.close()
    raise AssertionError("no connection reached the wanted worker")


@pytest.fixture(scope="module")
def feed_client(server) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    client, _pid = client_on(server.base_url)
    yield client
    client.close()


def test_two_workers_answer(server):
    assert len(server.pids()) == 2


def test_a_window_on_worker_a_sees_a_claim_made_through_worker_b(server, api, feed_client):
    command, shuanghu = api["command"], api["shuanghu"]
    number = shuanghu.record(title="跨进程可见")["number"]
    start = last_event_id(command)
    with open_feed(feed_client, command.token, last_event_id=str(start)) as feed:
        feed_worker = int(feed.response.headers[WORKER])
        other, other_worker = client_on(server.base_url, lambda pid: pid != feed_worker)
        try:
            r = other.post(f"/api/matters/{number}/claim", json={}, headers=shuanghu.headers)
            claimed = time.monotonic()
            assert r.status_code == 200, r.text
            assert int(r.headers[WORKER]) == other_worker != feed_worker
            (event,) = feed.events(1)
        finally:
            other.close()
        seen_after = time.monotonic() - claimed
    assert (event["matter_number"], event["kind"], event["status_after"]) == (number, "claim", "in_progress")
    assert event["holder_unit_id"] == shuanghu.unit_id
    # the backstop poll is a minute here: only the NOTIFY from the other worker could have brought it this soon
    assert seen_after < READ_TIMEOUT
    print(f"\n[2 workers] a claim through worker {other_worker} reached a window on {feed_worker} in "
          f"{seen_after * 1000:.0f} ms")


def test_a_window_whose_worker_dies_resumes_on_another_without_a_gap(server, api):
    command, shuanghu = api["command"], api["shuanghu"]
    start = last_event_id(command)
    first = shuanghu.record(title="进程被杀 1")["number"]
    client, dead = client_on(server.base_url)
    try:
        with open_feed(client, command.token, last_event_id=str(start)) as feed:
            assert int(feed.response.headers[WORKER]) == dead
            seen = feed.events(1)
            shuanghu.act(first, "claim")
            seen += feed.events(1)
            os.kill(dead, signal.SIGKILL)  # mid-stream, no goodbye
            with pytest.raises((httpx.HTTPError, AssertionError)):
                feed.frame()  # the stream breaks
    finally:
        client.close()
    # while the window is away, the district keeps working (through the surviving worker; fresh connections,
    # since a kept-alive one may have been to the dead worker)
    api = Api(server.base_url)
    command, shuanghu = api["command"], api["shuanghu"]
    second = shuanghu.record(title="进程被杀 2")["number"]
    shuanghu.act(first, "progress", note="另一进程记下")
    shuanghu.act(second, "claim")
    missed = [e for e in events_of(command, first, second) if e["id"] > seen[-1]["id"]]
    assert len(missed) == 3

    again, alive = client_on(server.base_url, lambda pid: pid != dead)
    try:
        with open_feed(again, command.token, last_event_id=str(seen[-1]["id"])) as feed:
            assert int(feed.response.headers[WORKER]) == alive != dead
            caught_up = feed.events(len(missed))
            shuanghu.act(second, "progress", note="续上")
            live = feed.events(1)
    finally:
        again.close()
    got = [e["id"] for e in seen + caught_up + live]
    assert caught_up == missed
    assert got == [e["id"] for e in events_of(command, first, second)], "every event, once, in order"
    api.client.close()


def test_several_workers_need_postgresql(tmp_path):
    env = {**os.environ, "HUIYIN_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    proc = start_serve("--port", "0", "--workers", "2", env=env)
    proc.wait(timeout=60)
    err = stop(proc)
    assert proc.returncode == 2
    assert "--workers above 1 needs PostgreSQL" in err
    proc = start_serve("--port", "0", "--workers", "0", env=env)
    proc.wait(timeout=60)
    assert "--workers must be 1 or more" in stop(proc) and proc.returncode == 2



def test_one_worker_supervises_at_a_time(fresh_database):
    """Supervision's advisory lock: the first to ask holds it; another gets it once the holder lets go (or dies:
    its connection, and with it the lock, is gone)."""
    from huiyin.server.matters.supervision import SupervisorLock
    from huiyin.server.storage import db

    engine = db.make_engine(fresh_database().url)
    first, second = SupervisorLock(engine), SupervisorLock(engine)
    try:
        assert first.held() and not second.held()
        assert first.held(), "the holder keeps it, pass after pass"
        first.release()
        assert second.held() and not first.held()
    finally:
        first.release()
        second.release()
        engine.dispose()
