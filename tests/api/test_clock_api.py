"""One clock, owned by the server: every answer says the server's now (``X-Huiyin-Now``, ``X-Huiyin-Clock-Rate``);
``GET /api/clock`` tells it; only a demo server lets a trainer or an admin move it (``POST /api/clock``), and a
simulated day passing signs nobody out while supervision follows the simulated time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from huiyin.core.clock import SimulatedClock
from huiyin.server.matters.supervision import supervise_once
from huiyin.server.serving.embedded import EmbeddedServer
from tests.conftest import FROZEN_NOW
from tests.helpers import Api


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    clock = SimulatedClock(FROZEN_NOW, speed=0.0)
    srv = EmbeddedServer(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}", clock, sample=True,
                         sample_matters=False, demo=True, supervise_seconds=3600)
    srv.start()
    yield srv
    srv.stop()


def test_every_answer_carries_the_servers_now(api, server) -> None:  # type: ignore[no-untyped-def]
    for response in (httpx.get(f"{server.base_url}/health"), api["shuanghu"].get("/api/me"),
                     api["shuanghu"].get("/api/matters/YB-2026-999999"),
                     httpx.get(f"{server.base_url}/api/me")):
        assert datetime.fromisoformat(response.headers["X-Huiyin-Now"]) == server.clock.now()
        assert response.headers["X-Huiyin-Clock-Rate"] == "0"  # the tests' frozen clock
    out = httpx.get(f"{server.base_url}/api/clock").json()
    assert datetime.fromisoformat(out["now"]) == server.clock.now()
    assert out == {**out, "rate": 0.0, "paused": True, "demo": False}


def test_only_a_demo_server_lets_its_clock_move(api) -> None:  # type: ignore[no-untyped-def]
    for who in ("trainer", "admin", "shuanghu"):
        r = api[who].post("/api/clock", json={"advance_seconds": 3600})
        assert r.status_code == 403 and r.json()["code"] == "clock_fixed", r.text


def test_trainer_moves_the_demo_clock(demo_server) -> None:  # type: ignore[no-untyped-def]
    clock = demo_server.clock
    with Api(demo_server.base_url) as api:
        r = api["shuanghu"].post("/api/clock", json={"advance_seconds": 60})
        assert r.status_code == 403 and r.json()["code"] == "wrong_role"
        before = clock.now()
        r = api["trainer"].post("/api/clock", json={"advance_seconds": 7200})
        assert r.status_code == 200, r.text
        assert datetime.fromisoformat(r.json()["now"]) == before + timedelta(hours=2)
        r = api["trainer"].post("/api/clock", json={"to": (before - timedelta(hours=1)).isoformat()})
        assert r.status_code == 422 and r.json()["fields"] == {"to": "clock_backwards"}
        r = api["trainer"].post("/api/clock", json={"speed": 50})
        assert r.json()["rate"] == 50 and r.headers["X-Huiyin-Clock-Rate"] == "50"
        r = api["admin"].post("/api/clock", json={"paused": True})
        assert r.json() == {**r.json(), "rate": 0.0, "paused": True, "demo": True}
        for body in ({"speed": 0}, {"speed": 1e9}, {"advance_seconds": -5}, {"when": "x"}):
            assert api["trainer"].post("/api/clock", json=body).status_code == 422, body


def test_a_simulated_day_signs_nobody_out_and_supervision_follows_it(demo_server) -> None:  # type: ignore[no-untyped-def]
    clock = demo_server.clock
    with Api(demo_server.base_url) as api:
        clerk = api["huixing.center"]
        rec = clerk.record(title="演示:路灯不亮", channel="walk_in", resident_name="陈大爷",
                           resident_phone="13800001111")
        due = datetime.fromisoformat(rec["due_at"])
        # tokens last 12 hours of the wall clock: days of simulated time pass, the clerk stays signed in
        clock.set(due + timedelta(days=1))
        assert clerk.get("/api/me").status_code == 200
        assert supervise_once(demo_server.ctx) >= 1
        kinds = [e["kind"] for e in clerk.matter(rec["number"])["events"]]
        assert "overdue" in kinds and "claim_overdue" in kinds
        counts = clerk.get("/api/queues").json()
        assert counts["urgent_overdue"] >= 1
