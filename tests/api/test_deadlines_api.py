"""Deadlines on the server, with the injected clock: supervision notices once each, the overdue queue,
extensions, claim deadlines, and the calendar and policy endpoints."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import backends
from tests.helpers import Api

#: not against ``postgresql-2w``: every test but the policy's moves the server's clock (supervision, deadlines),
#: which only an in-process server lets a test do; the policy's would need a server of its own (it changes the
#: district's deadlines) for one request
backend = backends("sqlite", "postgresql")

CQ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Chongqing wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=CQ)


@pytest.fixture(scope="module")
def env(start_server):  # type: ignore[no-untyped-def]
    srv = start_server(supervise_seconds=0.05)
    with Api(srv.base_url) as api:
        yield api, srv


@pytest.fixture
def reset_clock(env):  # type: ignore[no-untyped-def]
    _api, srv = env
    before = srv.clock.now()
    yield srv.clock
    srv.clock.set(before)


def kinds(api: Api, number: str, who: str = "command") -> list[str]:
    return [e["kind"] for e in api[who].matter(number)["events"]]


def wait_for(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting for the supervisor"
        time.sleep(0.05)


def settle() -> None:
    """Give the supervisor a few more passes (to show nothing more happens)."""
    time.sleep(0.4)


def jump(api: Api, clock, when: str) -> None:  # type: ignore[no-untyped-def]
    """Move the server's clock to a Chongqing time; log in again, since tokens expire by that clock."""
    clock.set(at(when))
    api._sessions.clear()


def test_at_risk_then_overdue_once_each(env, reset_clock):
    api, srv = env
    clock = reset_clock
    jump(api, clock, "2026-11-26T10:00")
    m = api["liuqiao"].record(title="路灯", complexity="simple")
    n = m["number"]
    assert datetime.fromisoformat(m["due_at"]) == at("2026-12-01T17:30")
    api["liuqiao"].act(n, "claim")
    settle()
    assert "at_risk" not in kinds(api, n)

    jump(api, clock, "2026-12-01T09:00")  # 8.5 working hours left: less than one working day
    wait_for(lambda: "at_risk" in kinds(api, n))
    settle()
    assert kinds(api, n).count("at_risk") == 1
    counts = api["liuqiao"].get("/api/queues").json()
    assert counts["urgent_at_risk"] >= 1

    jump(api, clock, "2026-12-01T17:31")
    wait_for(lambda: "overdue" in kinds(api, n))
    jump(api, clock, "2026-12-02T11:00")
    settle()
    events = api["command"].matter(n)["events"]
    assert [e["kind"] for e in events].count("overdue") == 1
    assert [e["kind"] for e in events].count("at_risk") == 1
    notice = events[-1]
    assert notice["actor"] is None and notice["holder_unit_id"] == api.unit_id("柳桥社区便民服务站")
    assert api["liuqiao"].get("/api/queues").json()["urgent_overdue"] >= 1

    # the overdue queue: the command center and supervisors over the holder, nobody else
    assert n in api["command"].numbers("overdue")
    assert n in api["district.supervisor"].numbers("overdue")
    assert n not in api["huixing.supervisor"].numbers("overdue")  # another town's supervisor
    r = api["liuqiao"].get("/api/matters", params={"queue": "overdue"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert api["liuqiao"].get("/api/queues").json()["overdue"] is None
    assert api["command"].get("/api/queues").json()["overdue"] >= 1

    # answered matters leave the overdue queue
    api["liuqiao"].act(n, "answer", note="已修好")
    assert n not in api["command"].numbers("overdue")


def test_straight_to_overdue_gives_only_the_overdue_notice(env, reset_clock):
    api, _srv = env
    clock = reset_clock
    jump(api, clock, "2026-11-26T10:00")
    n = api["shuanghu"].record()["number"]
    api["shuanghu"].act(n, "claim")
    jump(api, clock, "2026-12-10T10:00")
    wait_for(lambda: "overdue" in kinds(api, n))
    settle()
    assert kinds(api, n).count("overdue") == 1
    assert "at_risk" not in kinds(api, n)


def test_claim_deadline_per_stage(env, reset_clock):
    api, _srv = env
    clock = reset_clock
    jump(api, clock, "2026-11-26T10:00")
    m = api["xingwang"].record()
    n = m["number"]
    assert datetime.fromisoformat(m["claim_due_at"]) == at("2026-11-27T17:30")
    jump(api, clock, "2026-11-27T16:00")
    up = api["xingwang"].act(n, "escalate", note="村里办不了")
    # the street gets its own claim deadline from the hand-off
    assert datetime.fromisoformat(up["claim_due_at"]) == at("2026-11-30T17:30")
    assert datetime.fromisoformat(up["received_at"]) == at("2026-11-27T16:00")
    jump(api, clock, "2026-11-30T18:00")
    wait_for(lambda: "claim_overdue" in kinds(api, n))
    settle()
    assert kinds(api, n).count("claim_overdue") == 1
    # the entry names the claim deadline that passed (the street's), not the matter's own deadline
    detail = api["xingwang"].matter(n)
    notice = [e for e in detail["events"] if e["kind"] == "claim_overdue"][0]
    assert datetime.fromisoformat(notice["due_at"]) == at("2026-11-30T17:30")
    assert datetime.fromisoformat(notice["due_at"]) != datetime.fromisoformat(detail["due_at"])
    claimed = api["shuangfengqiao.center"].act(n, "claim")
    assert claimed["claim_due_at"] is None


def test_extension_request_approve_and_reject(env, reset_clock):
    api, _srv = env
    clock = reset_clock
    jump(api, clock, "2026-11-26T10:00")
    n = api["huixing.center"].record(complexity="simple")["number"]
    s = api["huixing.center"]
    r = s.post(f"/api/matters/{n}/request_extension", json={"reason": "需要等待检测结果", "days": 2})
    assert r.status_code == 409 and r.json()["code"] == "wrong_status"  # not claimed yet
    s.act(n, "claim")
    for body, field in (({"days": 2}, "reason"), ({"reason": "x"}, "days"), ({"reason": "x", "days": 0}, "days"),
                        ({"reason": "x", "days": 31}, "days")):
        r = s.post(f"/api/matters/{n}/request_extension", json=body)
        assert r.status_code == 422 and field in r.json()["fields"], r.text
    asked = s.act(n, "request_extension", reason="需要等待检测结果", days=2)
    assert asked["extension_days_requested"] == 2
    r = s.post(f"/api/matters/{n}/request_extension", json={"reason": "again", "days": 1})
    assert r.status_code == 409
    # a clerk cannot approve; the street's own supervisor neither (the request is his unit's own): the district
    # supervisor (a unit above) and the command center can
    r = s.post(f"/api/matters/{n}/approve_extension")
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert "approve_extension" not in api["huixing.supervisor"].matter(n)["allowed_actions"]
    r = api["huixing.supervisor"].post(f"/api/matters/{n}/approve_extension", json={"note": "同意"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_unit"
    assert "approve_extension" in api["district.supervisor"].matter(n)["allowed_actions"]
    approved = api["district.supervisor"].act(n, "approve_extension", note="同意")
    assert datetime.fromisoformat(approved["due_at"]) == at("2026-12-03T17:30")  # Tue + 2 working days
    assert approved["extension_days_requested"] is None
    event = approved["events"][-1]
    assert event["kind"] == "approve_extension" and event["days"] == 2
    assert datetime.fromisoformat(event["due_at"]) == at("2026-12-03T17:30")
    r = api["command"].post(f"/api/matters/{n}/approve_extension")
    assert r.status_code == 409  # nothing pending any more

    s.act(n, "request_extension", reason="再延", days=3)
    r = api["command"].post(f"/api/matters/{n}/reject_extension", json={})
    assert r.status_code == 422 and r.json()["fields"] == {"reason": "required"}
    rejected = api["command"].act(n, "reject_extension", reason="不同意,请按期办结")
    assert rejected["extension_days_requested"] is None
    assert datetime.fromisoformat(rejected["due_at"]) == at("2026-12-03T17:30")

    # answering ends the work: a request still waiting lapses and cannot be approved after a reopen
    s.act(n, "request_extension", reason="最后一次", days=1)
    answered = s.act(n, "answer", note="已答复")
    assert answered["extension_days_requested"] is None
    s.act(n, "reopen", reason="居民不满意")
    r = api["command"].post(f"/api/matters/{n}/approve_extension")
    assert r.status_code == 409


def test_calendar_endpoints(env, reset_clock):
    api, _srv = env
    admin = api["admin"]
    y2026 = admin.get("/api/calendar/2026").json()
    assert y2026["coverage"] == "package" and y2026["reliable"]
    spring = [d for d in y2026["special_days"] if d["name"] == "春节"]
    assert {"day": "2026-02-14", "kind": "makeup_workday"}.items() <= next(
        d for d in spring if d["day"] == "2026-02-14").items()
    y2027 = admin.get("/api/calendar/2027").json()
    assert y2027["coverage"] == "fallback" and y2027["warning"]["code"] == "calendar.fallback"
    status = api["shuanghu"].get("/api/calendar/status").json()
    assert [w["year"] for w in status["warnings"]] == [2027]  # 60 days from 2026-11-26 reach into 2027
    for bad in ("1999", "2101"):
        r = admin.get(f"/api/calendar/{bad}")
        assert r.status_code == 422 and r.json()["fields"] == {"year": "year_out_of_range"}


def test_calendar_edits_are_admin_only_and_precise(env, reset_clock):
    api, _srv = env
    admin = api["admin"]
    r = api["command"].put("/api/calendar/days/2027-01-01", json={"type": "holiday"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    put, delete = admin.put, admin.delete
    for day, code in (("2027.01.01", "bad_date_format"), ("2027-02-30", "no_such_date"),
                      ("1999-01-01", "year_out_of_range")):
        r = put(f"/api/calendar/days/{day}", json={"type": "holiday"})
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    r = put("/api/calendar/days/2027-01-01", json={"type": "vacation"})
    assert r.status_code == 422 and "type" in r.json()["fields"]
    ok = put("/api/calendar/days/2027-01-01", json={"type": "holiday", "name": "元旦"})
    assert ok.status_code == 200 and ok.json()["coverage"] == "partial"
    r = put("/api/calendar/days/2027-01-01", json={"type": "workday"})
    assert r.status_code == 409 and r.json()["code"] == "conflicting_day"
    assert delete("/api/calendar/days/2027-01-02").status_code == 404
    assert delete("/api/calendar/days/2027-01-01").json()["coverage"] == "fallback"

    bad_file = "year 2027\n2027-01-01 holiday 元旦\n2027-01-01 workday 调休\n2027-01-32 holiday\n"
    r = put("/api/calendar/2027", json={"text": bad_file})
    assert r.status_code == 422
    assert [(e["line"], e["code"]) for e in r.json()["errors"]] == [(3, "conflicting_day"), (4, "no_such_date")]
    assert admin.get("/api/calendar/2027").json()["overrides"] == []  # nothing changed
    r = put("/api/calendar/2028", json={"text": "year 2027\n2027-01-01 holiday\n"})
    assert r.status_code == 422 and r.json()["code"] == "year_mismatch"


def test_importing_a_year_recounts_open_deadlines(env, reset_clock):
    api, _srv = env
    clock = reset_clock
    jump(api, clock, "2026-12-30T10:00")
    m = api["baoshenghu"].record(complexity="complex")
    # 2027 unknown: counted Mon-Fri (Jan 1 counted as a working day), and marked provisional
    assert datetime.fromisoformat(m["due_at"]) == at("2027-01-08T17:30")
    assert m["due_provisional"] is True
    admin = api["admin"]
    text = "year 2027\ncomplete yes\n2027-01-01 holiday 元旦\n"
    r = admin.put("/api/calendar/2027", json={"text": text})
    assert r.status_code == 200, r.text
    assert r.json()["coverage"] == "overrides" and r.json()["complete"] is True
    after = api["baoshenghu"].matter(m["number"])
    assert datetime.fromisoformat(after["due_at"]) == at("2027-01-11T17:30")
    assert after["due_provisional"] is False
    recount = after["events"][-1]
    assert recount["kind"] == "deadline_changed" and recount["actor"] is None
    assert datetime.fromisoformat(recount["due_at"]) == at("2027-01-11T17:30")
    assert admin.get("/api/calendar/2027/export").text.startswith("year 2027")
    # what a client needs to count with the same calendar
    listed = {y["year"]: y for y in api["baoshenghu"].get("/api/calendar").json()}
    assert listed[2027]["complete"] is True
    assert listed[2027]["days"] == [{"day": "2027-01-01", "type": "holiday", "name": "元旦", "note": ""}]
    # put 2027 back to unknown for the other tests
    r = admin.put("/api/calendar/2027", json={"text": "year 2027\n"})
    assert r.json()["coverage"] == "fallback"


def test_policy(env):
    api, _srv = env
    admin = api["admin"]
    policy = api["shuanghu"].get("/api/policy").json()
    assert policy == {"simple_days": 3, "complex_days": 7, "claim_days": 1, "at_risk_hours": 9.0,
                      "timezone": "Asia/Shanghai", "day_start": "08:30", "day_end": "17:30"}
    def put(body: dict):  # type: ignore[no-untyped-def]
        return admin.put("/api/policy", json=body)

    for bad in ({"simple_days": 0}, {"timezone": "Mars/Olympus"}, {"day_start": "18:00"}, {"day_end": "25:00"}):
        r = put({**policy, **bad})
        assert r.status_code == 422, (bad, r.text)
    assert api["shuanghu"].put("/api/policy", json=policy).status_code == 403
    assert put({**policy, "simple_days": 2}).json()["simple_days"] == 2
    assert put(policy).json() == policy
