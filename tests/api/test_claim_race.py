"""Sixteen windows claim the same 100 matters at the same moment: each matter gets exactly one claim.

Every thread has its own HTTP client and its own logged-in operator, from a unit whose jurisdiction covers the
matters (recorded at 双湖路社区, so every district unit, the street of 回兴 and the community itself). They wait
at a barrier, then each tries to claim every matter in its own shuffled order. Exactly one claim per matter may
succeed; every other answer must be a 409 ``already_claimed`` that says who holds the matter.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict

import httpx
import pytest
from sqlmodel import Session

from huiyin.core.domain import Role
from huiyin.server.base.security import hash_password
from huiyin.server.district.setup import create_operator
from tests.helpers import SAMPLE_PASSWORD

#: also against `huiyin serve --workers 2` (PostgreSQL)

MATTERS = 100
#: against the two-worker server the same race on fewer matters (its point there: one winner across processes)
MATTERS_2W = 40
THREADS = 16

#: sample accounts whose jurisdiction covers a matter waiting at 双湖路社区便民服务站
SAMPLE_CLAIMERS = ["command", "district.center", "district.supervisor", "transport", "housing", "hrss", "urban",
                   "huixing.center", "huixing.supervisor", "shuanghu"]
#: extra accounts for the race, so that every thread is its own operator: (username, unit)
EXTRA_CLAIMERS = [("race.district1", "区行政服务中心"), ("race.district2", "区行政服务中心"),
                  ("race.transport", "区交委"), ("race.urban", "区城市管理局"),
                  ("race.huixing1", "回兴街道便民服务中心"), ("race.huixing2", "回兴街道便民服务中心")]


def add_operators(server) -> None:  # type: ignore[no-untyped-def]
    """What ``huiyin operator add`` does, straight into this server's database."""
    shared = hash_password(SAMPLE_PASSWORD)
    with Session(server.ctx.engine) as session:
        for username, unit in EXTRA_CLAIMERS:
            create_operator(session, server.clock, username, SAMPLE_PASSWORD, Role.clerk, unit, username, shared)
        session.commit()


@pytest.fixture(scope="module")
def claimers(server, api) -> list[dict]:  # type: ignore[no-untyped-def]
    add_operators(server)
    names = SAMPLE_CLAIMERS + [name for name, _ in EXTRA_CLAIMERS]
    assert len(names) == len(set(names)) == THREADS
    out = []
    for name in names:
        session = api[name]
        out.append({"username": name, "token": session.token, "unit": session.me["unit"]["name"]})
    return out


def test_sixteen_windows_claim_a_hundred_matters(server, api, claimers, backend):
    shuanghu = api["shuanghu"]
    matters = MATTERS_2W if backend.endswith("2w") else MATTERS
    started = time.monotonic()
    numbers = [shuanghu.record(title=f"抢单测试 {i}")["number"] for i in range(matters)]
    recorded = time.monotonic()
    assert len(set(numbers)) == matters

    barrier = threading.Barrier(THREADS, timeout=60)
    results: list[list[tuple[str, int, dict]]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def window(index: int) -> None:
        claimer = claimers[index]
        order = numbers[:]
        random.Random(index).shuffle(order)
        headers = {"Authorization": f"Bearer {claimer['token']}"}
        try:
            with httpx.Client(base_url=server.base_url, timeout=60, headers=headers) as client:
                assert client.get("/api/me").status_code == 200  # connected and logged in before the start
                barrier.wait()
                for number in order:
                    r = client.post(f"/api/matters/{number}/claim", json={})
                    try:
                        body = r.json()
                    except ValueError:
                        body = {"raw": r.text}
                    results[index].append((number, r.status_code, body))
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's name
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=window, args=(i,), name=f"window-{i}") for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    raced = time.monotonic()
    assert not any(t.is_alive() for t in threads), "a window hung"
    assert not errors, errors

    statuses = Counter(status for rows in results for _, status, _ in rows)
    assert sum(statuses.values()) == matters * THREADS
    assert not [s for s in statuses if s >= 500], f"server errors: {statuses}"
    assert set(statuses) <= {200, 409}, statuses

    winners: dict[str, str] = {}
    losers: dict[str, list[dict]] = defaultdict(list)
    for index, rows in enumerate(results):
        for number, status, body in rows:
            if status == 200:
                assert number not in winners, f"{number} claimed twice: {winners[number]} and {claimers[index]}"
                winners[number] = claimers[index]["username"]
                assert body["claimed_by"]["username"] == claimers[index]["username"]
                assert body["status"] == "in_progress"
                assert body["holder_unit"]["name"] == claimers[index]["unit"]
            else:
                losers[number].append(body)
    assert set(winners) == set(numbers), "every matter has exactly one winner"
    by_name = {c["username"]: c for c in claimers}
    for number, bodies in losers.items():
        assert len(bodies) == THREADS - 1
        winner = by_name[winners[number]]
        for body in bodies:
            assert body["code"] == "already_claimed", body
            assert winner["unit"] in body["message"], body  # the unit that holds it ...
            assert winner["username"] in body["message"], body  # ... and who claimed it

    for number in numbers:
        detail = api["command"].matter(number)
        claims = [e for e in detail["events"] if e["kind"] == "claim"]
        assert len(claims) == 1, (number, claims)
        assert claims[0]["actor"]["username"] == winners[number]
        assert detail["claimed_by"]["username"] == winners[number]
        assert detail["status"] == "in_progress" and detail["version"] == 2
    checked = time.monotonic()
    spread = Counter(winners.values())
    print(f"\n[{server.settings.database_url.split(':')[0]}] record {recorded - started:.1f}s, "
          f"race {raced - recorded:.1f}s ({matters * THREADS} claims), check {checked - raced:.1f}s; "
          f"winners per window: {dict(spread)}")


def test_a_burst_of_forty_windows_gets_answers_not_timeouts(server, api, claimers):
    """Forty requests at the same instant (more than the connection pool holds when each request takes two
    connections) must all be answered promptly: one 200 per matter, 409 for the rest, never a 5xx."""
    burst, matters = 40, 5
    numbers = [api["shuanghu"].record(title=f"并发 {i}")["number"] for i in range(matters)]
    barrier = threading.Barrier(burst, timeout=60)
    results: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def window(index: int) -> None:
        claimer = claimers[index % THREADS]
        order = numbers[:]
        random.Random(1000 + index).shuffle(order)
        try:
            with httpx.Client(base_url=server.base_url, timeout=90,
                              headers={"Authorization": f"Bearer {claimer['token']}"}) as client:
                assert client.get("/api/me").status_code == 200
                barrier.wait()
                for number in order:
                    began = time.monotonic()
                    r = client.post(f"/api/matters/{number}/claim", json={})
                    with lock:
                        results.append((number, r.status_code, time.monotonic() - began))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=window, args=(i,)) for i in range(burst)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    statuses = Counter(status for _, status, _ in results)
    slowest = max(took for _, _, took in results)
    assert statuses == {200: matters, 409: matters * (burst - 1)}, (statuses, f"slowest {slowest:.1f}s")
    assert slowest < 10, f"a claim took {slowest:.1f}s: the server queued it behind an exhausted pool"
