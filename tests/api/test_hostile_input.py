"""Whatever a client sends, the answer is a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

HUGE = 2**70


@pytest.mark.parametrize("method, path, kwargs", [
    ("get", "/api/events", {"params": {"after": HUGE}, "headers": {"Accept": "application/json"}}),
    ("get", "/api/events", {"params": {"after": -1}, "headers": {"Accept": "application/json"}}),
    ("get", "/api/events", {"headers": {"Last-Event-ID": str(HUGE)}}),
    ("get", "/api/matters", {"params": {"cursor": "WyIyMDI2LTExLTI2VDAwOjAwOjAwKzAwOjAwIiwgMTE4MDU5MTYyMDcxNzQxMTMwMzQyNF0"}}),
    ("get", "/api/matters", {"params": {"limit": HUGE}}),
    ("get", f"/api/calendar/{HUGE}", {}),
    ("get", "/api/calendar/-5", {}),
    ("get", "/api/matters/" + "x" * 5000, {}),
    ("post", "/api/matters", {"json": {"title": "t", "channel": "walk_in", "resident_name": "r",
                                       "complexity": {"nested": True}}}),
    ("post", "/api/matters", {"content": b"\x00" * 10, "headers": {"content-type": "application/json"}}),
    ("post", "/api/matters", {"content": b"title=x", "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    ("post", "/api/auth/login", {"json": {"username": "a" * 100000, "password": "b"}}),
])
def test_no_500(api, method, path, kwargs):
    r = getattr(api["shuanghu"], method)(path, **kwargs)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    body = r.json()
    assert body["code"] and body["message"]


def test_huge_ids_in_action_bodies(api):
    s = api["command"]
    m = api["shichuan.center"].record()
    api["shichuan.center"].act(m["number"], "request_help", note="需区级协调")
    for to_unit in (HUGE, -1, 0, 1.5, "1; drop table units"):
        r = s.post(f"/api/matters/{m['number']}/assign", json={"to_unit": to_unit})
        assert r.status_code == 422 and "to_unit" in r.json()["fields"], r.text
    r = s.post(f"/api/matters/{m['number']}/follow_up", json={"satisfaction": HUGE})
    assert r.status_code in (409, 422)
