"""Whatever a client sends, the answer is a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

HUGE = 2**70


@pytest.mark.parametrize("method, path, kwargs", [
    ("get", "/api/events", {"params": {"after": HUGE}, "headers": {"Accept": "application/json"}}),
    ("get", "/api/events", {"params": {"after": -1}, "headers": {"Accept": "application/json"}}),
    ("get", "/api/events", {"headers": {"Last-Event-ID": str(HUGE)}}),
    ("get", "/api/matters",
     {"params": {"cursor": "WyIyMDI2LTExLTI2VDAwOjAwOjAwKzAwOjAwIiwgMTE4MDU5MTYyMDcxNzQxMTMwMzQyNF0"}}),
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


#: a value for each path parameter, to send a request to every path the server documents
_PATH_VALUES = {"year": "2026", "day": "2026-01-01", "number": "YB-2026-000001", "action": "claim",
                "username": "admin", "unit_id": "1", "code": "roads"}


def test_a_method_a_path_does_not_have_is_405_with_allow(api):
    """Every documented path, with every method it does not have: 405 and ``Allow`` naming the ones it has
    (``PUT /api/calendar/status`` used to be taken for ``PUT /api/calendar/{year}`` with the year ``status``: 422)."""
    import re

    paths = api.client.get("/openapi.json").json()["paths"]
    assert "/api/calendar/status" in paths
    for template, operations in paths.items():
        path = re.sub(r"{(\w+)}", lambda m: _PATH_VALUES[m.group(1)], template)
        has = {method.upper() for method in operations}
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - has:
            r = api.client.request(method, path)
            assert r.status_code == 405, (method, path, r.status_code, r.text)
            assert r.json()["code"] == "method_not_allowed"
            allowed = {m.strip() for m in r.headers["allow"].split(",")}
            assert has <= allowed, (method, path, allowed)
