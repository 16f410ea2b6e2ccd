"""The admin console's API: units and operators changed by an admin, every refusal, every change audited with
before → after (SQLite and PostgreSQL, one server per module)."""

from __future__ import annotations

import pytest

from tests.helpers import Api


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """A server of this module's own, on ``postgresql-2w`` too: it adds, moves and deactivates units, which
    every other module's server would see."""
    return start_server(own=True)


ADMIN_CALLS = [
    ("post", "/api/units", {"name": "x", "tier": "village", "kind": "station", "parent_id": 1}),
    ("patch", "/api/units/2", {"name": "x"}),
    ("get", "/api/operators", None),
    ("post", "/api/operators", {"username": "x", "role": "clerk", "unit_id": 2}),
    ("patch", "/api/operators/shuanghu", {"display_name": "x"}),
    ("post", "/api/operators/shuanghu/password", {}),
    ("get", "/api/operators/shuanghu/sessions", None),
    ("delete", "/api/operators/shuanghu/sessions", None),
    ("get", "/api/audit", None),
]


def last_audit(admin, kind: str, subject: str) -> dict:
    r = admin.get("/api/audit", params={"kind": kind, "limit": 50})
    assert r.status_code == 200, r.text
    return next(e for e in r.json()["items"] if e["subject"] == subject)


def units_by_name(session) -> dict[str, dict]:
    return {u["name"]: u for u in session.get("/api/units").json()}


@pytest.mark.parametrize("method,path,body", ADMIN_CALLS, ids=[f"{m} {p}" for m, p, _ in ADMIN_CALLS])
def test_a_clerk_gets_403_on_every_admin_endpoint(api: Api, method: str, path: str, body: dict | None):
    clerk = api["shuanghu"]
    r = getattr(clerk, method)(path, **({"json": body} if body is not None else {}))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role", r.text
    assert getattr(api.client, method)(path, **({"json": body} if body is not None else {})).status_code == 401


def test_units_add_rename_move_kind_deactivate_each_audited(api: Api):
    admin = api["admin"]
    town = api.unit_id("回兴街道便民服务中心")
    other_town = api.unit_id("石船镇便民服务中心")
    r = admin.post("/api/units", json={"name": "新村便民服务站", "tier": "village", "kind": "station",
                                        "parent_id": town})
    assert r.status_code == 201, r.text
    unit = r.json()
    assert unit["active"] is True and unit["parent_id"] == town and unit["open_matters"] == 0
    entry = last_audit(admin, "unit", "新村便民服务站")
    assert entry["before"] is None and entry["after"]["parent_id"] == town and entry["actor"] == "admin"

    r = admin.patch(f"/api/units/{unit['id']}", json={"name": "新村服务站"})
    assert r.status_code == 200 and r.json()["name"] == "新村服务站", r.text
    entry = last_audit(admin, "unit", "新村服务站")
    assert entry["before"]["name"] == "新村便民服务站" and entry["after"]["name"] == "新村服务站"

    r = admin.patch(f"/api/units/{unit['id']}", json={"parent_id": other_town})
    assert r.status_code == 200 and r.json()["parent_id"] == other_town, r.text
    assert last_audit(admin, "unit", "新村服务站")["before"]["parent_id"] == town

    r = admin.patch(f"/api/units/{unit['id']}", json={"kind": "department"})
    assert r.status_code == 200 and r.json()["kind"] == "department", r.text

    r = admin.patch(f"/api/units/{unit['id']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    entry = last_audit(admin, "unit", "新村服务站")
    assert entry["before"]["active"] is True and entry["after"]["active"] is False
    # everyone sees the change at once (no cache in between)
    assert units_by_name(api["shuanghu"])["新村服务站"]["active"] is False
    # an inactive unit takes no children and no operators; it comes back under an active parent
    r = admin.post("/api/units", json={"name": "孙站", "tier": "village", "kind": "station", "parent_id": unit["id"]})
    assert r.status_code == 409 and r.json()["code"] == "parent_inactive"
    r = admin.post("/api/operators", json={"username": "nobody", "role": "clerk", "unit_id": unit["id"]})
    assert r.status_code == 409 and r.json()["code"] == "unit_inactive"
    assert admin.patch(f"/api/units/{unit['id']}", json={"active": True}).json()["active"] is True


def test_unit_refusals(api: Api):
    admin = api["admin"]
    village = api.unit_id("柳桥社区便民服务站")
    town = api.unit_id("石船镇便民服务中心")
    # the unit holds an open matter: no deactivation, no tier change; the refusal names the matter
    clerk_village = admin.post("/api/operators", json={"username": "liuqiao.x", "role": "clerk", "unit_id": village,
                                                       "password": "liuqiao-pass"}).json()
    assert "operator" in clerk_village and clerk_village.get("password") is None, clerk_village
    number = api.first_login("liuqiao.x", "liuqiao-pass").record()["number"]
    for body in ({"active": False}, {"tier": "town"}):
        r = admin.patch(f"/api/units/{village}", json=body)
        assert r.status_code == 409 and r.json()["code"] == "unit_has_open_matters", r.text
        assert number in r.json()["message"]
    # children, operators, the root, cycles, tier order, names, kinds, unknown fields
    r = admin.patch(f"/api/units/{town}", json={"active": False})
    assert r.status_code == 409 and r.json()["code"] == "unit_has_children"
    assert "柳桥社区便民服务站" in r.json()["message"]
    r = admin.patch(f"/api/units/{api.unit_id('龙兴镇社保所')}", json={"active": False})
    assert r.status_code == 409 and r.json()["code"] == "unit_has_operators"
    assert "longxing.shebao" in r.json()["message"]
    r = admin.patch("/api/units/1", json={"active": False})
    assert r.status_code == 409 and r.json()["code"] == "root_unit"
    r = admin.patch(f"/api/units/{town}", json={"parent_id": village})
    assert r.status_code == 409 and r.json()["code"] in ("unit_cycle", "tier_order"), r.text
    r = admin.post("/api/units", json={"name": "上级", "tier": "district", "kind": "department", "parent_id": town})
    assert r.status_code == 409 and r.json()["code"] == "tier_order"
    r = admin.post("/api/units", json={"name": "石船镇便民服务中心", "tier": "village", "kind": "station",
                                        "parent_id": town})
    assert r.status_code == 409 and r.json()["code"] == "unit_name_taken"
    r = admin.post("/api/units", json={"name": "政府", "tier": "town", "kind": "government", "parent_id": 1})
    assert r.status_code == 422 and r.json()["fields"] == {"kind": "government"}
    r = admin.post("/api/units", json={"name": "x", "tier": "town", "kind": "station", "parent_id": 9999})
    assert r.status_code == 422 and r.json()["fields"] == {"parent_id": "not_found"}
    r = admin.patch(f"/api/units/{town}", json={"nmae": "typo"})
    assert r.status_code == 422 and "nmae" in r.json()["fields"]
    r = admin.post("/api/units", json={"name": "", "tier": "town", "kind": "station", "parent_id": 1})
    assert r.status_code == 422 and "name" in r.json()["fields"]
    assert admin.patch("/api/units/9999", json={"name": "x"}).status_code == 404


def test_operators_add_edit_password_sessions_each_audited(api: Api):
    admin = api["admin"]
    village = api.unit_id("宝圣湖社区便民服务站")
    r = admin.post("/api/operators", json={"username": "baosheng", "display_name": "宝圣湖", "role": "clerk",
                                            "unit_id": village})
    assert r.status_code == 201, r.text
    made = r.json()["password"]
    assert made and len(made) >= 12 and r.json()["operator"]["disabled"] is False
    entry = last_audit(admin, "operator", "baosheng")
    assert entry["before"] is None and entry["after"]["role"] == "clerk" and made not in str(entry)

    clerk = api.first_login("baosheng", made)
    listed = {o["username"]: o for o in admin.get("/api/operators", params={"q": "baosheng"}).json()}
    assert listed["baosheng"]["sessions"] == 1 and listed["baosheng"]["unit"]["id"] == village
    r = admin.patch("/api/operators/baosheng", json={"display_name": "宝圣湖站", "role": "supervisor"})
    assert r.status_code == 200 and r.json()["role"] == "supervisor", r.text
    entry = last_audit(admin, "operator", "baosheng")
    assert entry["before"]["role"] == "clerk" and entry["after"]["role"] == "supervisor"
    assert entry["before"]["display_name"] == "宝圣湖" and entry["after"]["display_name"] == "宝圣湖站"

    sessions = admin.get("/api/operators/baosheng/sessions").json()
    assert len(sessions) == 1
    r = admin.delete("/api/operators/baosheng/sessions")
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert clerk.get("/api/me").status_code == 401
    assert last_audit(admin, "operator", "baosheng")["after"]["sessions"] == 0

    r = admin.post("/api/operators/baosheng/password", json={})
    new = r.json()["password"]
    assert r.status_code == 200 and new and new != made
    assert api.client.post("/api/auth/login", json={"username": "baosheng", "password": made}).status_code == 401
    assert api.client.post("/api/auth/login", json={"username": "baosheng", "password": new}).status_code == 200
    entry = last_audit(admin, "operator", "baosheng")
    assert entry["after"]["password"] == "changed" and new not in str(entry)
    r = admin.post("/api/operators/baosheng/password", json={"password": "short"})
    assert r.status_code == 422 and r.json()["fields"] == {"password": "weak"}


def test_a_disabled_operators_sessions_stop_at_once(api: Api):
    admin = api["admin"]
    r = admin.post("/api/operators", json={"username": "temp.clerk", "role": "clerk", "password": "temp-clerk-1",
                                            "unit_id": api.unit_id("龙兴社区便民服务站")})
    assert r.status_code == 201, r.text
    clerk = api.first_login("temp.clerk", "temp-clerk-1")
    assert clerk.get("/api/me").status_code == 200
    r = admin.patch("/api/operators/temp.clerk", json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True and r.json()["sessions"] == 0
    r = clerk.get("/api/me")
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    assert api.client.post("/api/auth/login", json={"username": "temp.clerk", "password": "temp-clerk-1-own"}
                           ).status_code == 401
    entry = last_audit(admin, "operator", "temp.clerk")
    assert entry["before"]["active"] is True and entry["after"]["active"] is False
    assert entry["after"]["sessions_ended"] == 1
    assert admin.patch("/api/operators/temp.clerk", json={"disabled": False}).json()["disabled"] is False


def test_the_last_admin_cannot_be_demoted_or_disabled(api: Api):
    admin = api["admin"]
    for body in ({"role": "clerk"}, {"disabled": True}):
        r = admin.patch("/api/operators/admin", json=body)
        assert r.status_code == 409 and r.json()["code"] == "last_admin", r.text
    # with a second admin the first may step down; then the second is the last
    r = admin.post("/api/operators", json={"username": "admin2", "role": "admin", "unit_id": 1,
                                            "password": "second-admin"})
    assert r.status_code == 201, r.text
    second = api.first_login("admin2", "second-admin")
    assert second.patch("/api/operators/admin", json={"role": "supervisor"}).status_code == 200
    r = second.patch("/api/operators/admin2", json={"disabled": True})
    assert r.status_code == 409 and r.json()["code"] == "last_admin"
    assert second.patch("/api/operators/admin", json={"role": "admin"}).status_code == 200
    assert admin.get("/api/operators").status_code == 200  # the same token works again: it was never ended


def test_operator_refusals(api: Api):
    admin = api["admin"]
    cases = [
        ({"username": "shuanghu", "role": "clerk", "unit_id": 2}, 409, "username_taken"),
        ({"username": "has space", "role": "clerk", "unit_id": 2}, 422, "invalid_input"),
        ({"username": "u1", "role": "boss", "unit_id": 2}, 422, "invalid_input"),
        ({"username": "u1", "role": "clerk", "unit_id": 9999}, 422, "invalid_input"),
        ({"username": "u1", "role": "clerk", "unit_id": 2, "password": "short"}, 422, "invalid_input"),
        ({"username": "u1", "role": "clerk", "unit_id": 2, "extra": 1}, 422, "invalid_input"),
    ]
    for body, status, code in cases:
        r = admin.post("/api/operators", json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    assert admin.patch("/api/operators/nobody", json={"role": "clerk"}).status_code == 404
    assert admin.get("/api/operators/nobody/sessions").status_code == 404
    assert admin.patch("/api/operators/shuanghu", json={"display_name": "  "}).status_code == 422
    assert admin.get("/api/operators", params={"role": "boss"}).status_code == 422


def test_village_added_gets_a_clerk_whose_matter_the_town_sees(api: Api):
    """The end-to-end story: an admin adds a village under a town and a clerk there; the clerk signs in and
    records a matter; the town's service center above sees it."""
    admin = api["admin"]
    town = api.unit_id("双凤桥街道便民服务中心")
    r = admin.post("/api/units", json={"name": "桥东村便民服务站", "tier": "village", "kind": "station",
                                        "parent_id": town})
    assert r.status_code == 201, r.text
    r = admin.post("/api/operators", json={"username": "qiaodong", "role": "clerk", "unit_id": r.json()["id"]})
    assert r.status_code == 201, r.text
    clerk = api.first_login("qiaodong", r.json()["password"])
    assert clerk.me["unit"]["name"] == "桥东村便民服务站"
    number = clerk.record(title="桥东村路灯不亮")["number"]
    assert number in clerk.numbers("incoming")
    town_clerk = api["shuangfengqiao.center"]
    assert number in town_clerk.numbers("all")
    assert town_clerk.matter(number)["title"] == "桥东村路灯不亮"


def test_no_matter_goes_to_a_deactivated_unit(api: Api):
    admin = api["admin"]
    r = admin.post("/api/units", json={"name": "区测试局", "tier": "district", "kind": "department", "parent_id": 1})
    assert r.status_code == 201, r.text
    closed = r.json()["id"]
    assert admin.patch(f"/api/units/{closed}", json={"active": False}).status_code == 200
    center = api["district.center"]
    number = center.record()["number"]
    center.act(number, "request_help", note="需要协调")
    r = api["command"].post(f"/api/matters/{number}/assign", json={"to_unit": closed})
    assert r.status_code == 409 and r.json()["code"] == "unit_inactive", r.text
    assert api["command"].matter(number)["holder_unit"]["id"] != closed
