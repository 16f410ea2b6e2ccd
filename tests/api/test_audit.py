"""``GET /api/audit``: every change that is not a matter event, with who, when, before and after; admin only,
keyset-paged, filtered, bad filters refused (SQLite and PostgreSQL). The command line's own entries (operators,
units, calendar) are in tests/server/test_cli.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import FROZEN_NOW
from tests.helpers import Api


def entries(admin, **params) -> list[dict]:
    r = admin.get("/api/audit", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_calendar_and_policy_changes_are_audited_with_before_and_after(api: Api):
    admin = api["admin"]
    assert admin.put("/api/calendar/days/2027-10-08", json={"type": "holiday", "name": "国庆节"}).status_code == 200
    assert admin.put("/api/calendar/days/2027-10-08", json={"type": "holiday", "name": "国庆", "note": "改名"}
                     ).status_code == 200
    assert admin.delete("/api/calendar/days/2027-10-08").status_code == 200
    got = entries(admin, kind="calendar_day")[:3]
    assert [(e["subject"], e["actor"]) for e in got] == [("2027-10-08", "admin")] * 3
    removed, renamed, added = got  # newest first
    assert added["before"] is None and added["after"] == {"day": "2027-10-08", "type": "holiday", "name": "国庆节",
                                                          "note": ""}
    assert renamed["before"] == added["after"]
    assert renamed["after"]["name"] == "国庆" and renamed["after"]["note"] == "改名"
    assert removed["before"] == renamed["after"] and removed["after"] is None
    assert added["id"] < renamed["id"] < removed["id"]

    r = admin.put("/api/calendar/2028", json={"text": "year 2028\ncomplete yes\n2028-01-01 holiday 元旦\n"})
    assert r.status_code == 200, r.text
    year = entries(admin, kind="calendar_year")[0]
    assert year["subject"] == "2028" and year["before"] is None
    assert year["after"] == {"year": 2028, "complete": True,
                             "days": [{"day": "2028-01-01", "type": "holiday", "name": "元旦", "note": ""}]}

    before = admin.get("/api/policy").json()
    assert admin.put("/api/policy", json={**before, "at_risk_hours": 12.0}).status_code == 200
    try:
        policy = entries(admin, kind="policy")[0]
        assert policy["subject"] == "deadline_policy" and policy["actor"] == "admin"
        assert policy["before"]["at_risk_hours"] == before["at_risk_hours"] and policy["after"]["at_risk_hours"] == 12.0
    finally:
        assert admin.put("/api/policy", json=before).status_code == 200
    # a refused change writes no entry
    count = len(entries(admin, limit=500))
    assert admin.put("/api/calendar/days/2027-13-01", json={"type": "holiday"}).status_code == 422
    assert admin.put("/api/policy", json={**before, "simple_days": 0}).status_code == 422
    assert len(entries(admin, limit=500)) == count


def test_only_an_admin_reads_the_audit(api: Api):
    for name in ("shuanghu", "district.supervisor", "command", "trainer"):
        r = api[name].get("/api/audit")
        assert r.status_code == 403 and r.json()["code"] == "wrong_role", (name, r.text)
    assert api.client.get("/api/audit").status_code == 401


def test_paging_and_filters(api: Api):
    admin = api["admin"]
    for day in ("2029-05-01", "2029-05-02", "2029-05-03", "2029-05-04", "2029-05-05"):
        assert admin.put(f"/api/calendar/days/{day}", json={"type": "holiday"}).status_code == 200
    seen: list[int] = []
    cursor = None
    while True:
        r = admin.get("/api/audit",
                      params={"kind": "calendar_day", "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert seen == [e["id"] for e in entries(admin, kind="calendar_day", limit=500)]
    assert all(e["kind"] == "calendar_day" for e in entries(admin, kind="calendar_day", limit=500))
    assert entries(admin, actor="admin", limit=500) and entries(admin, actor="cli:nobody") == []
    # the server's clock is frozen: every entry is at FROZEN_NOW
    assert len(entries(admin, **{"from": FROZEN_NOW.isoformat(), "limit": 500})) >= 5
    assert entries(admin, **{"to": FROZEN_NOW.isoformat()}) == []
    later = (FROZEN_NOW + timedelta(seconds=1)).isoformat()
    assert entries(admin, **{"from": later}) == []
    # a time without an offset is the district's (UTC+8)
    local = (FROZEN_NOW + timedelta(hours=8)).replace(tzinfo=None).isoformat()
    assert entries(admin, **{"from": local}) == entries(admin, **{"from": FROZEN_NOW.isoformat()})


@pytest.mark.parametrize("params, field", [
    ({"kind": "matter"}, "kind"), ({"from": "yesterday"}, "from"), ({"to": "2026-13-40"}, "to"),
    ({"cursor": "abc"}, "cursor"), ({"cursor": "-3"}, "cursor"), ({"cursor": "9" * 30}, "cursor"),
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"limit": "many"}, "limit"),
    ({"from": "2026-11-27T10:00+08:00", "to": "2026-11-27T09:00+08:00"}, "to"),
    ({"from": "0001-01-01T00:00:00+08:00"}, "from"), ({"to": "9999-12-31T23:59:59-08:00"}, "to"),
])
def test_bad_filters_are_422_naming_the_field(api: Api, params, field):
    r = api["admin"].get("/api/audit", params=params)
    assert r.status_code == 422, r.text
    assert field in r.json()["fields"], r.text


def test_documented_in_openapi(api: Api):
    spec = api.client.get("/openapi.json").json()
    op = spec["paths"]["/api/audit"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"kind", "actor", "from", "to", "cursor", "limit"}
    assert {"200", "401", "403", "422"} <= set(op["responses"])
