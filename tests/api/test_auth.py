"""Login, tokens and the 401s."""

from __future__ import annotations

from datetime import timedelta

import httpx


def test_health_and_docs_need_no_token(api):
    assert api.client.get("/health").json()["status"] == "ok"
    assert api.client.get("/docs").status_code == 200
    spec = api.client.get("/openapi.json").json()
    for path in ("/api/auth/login", "/api/matters", "/api/matters/{number}/{action}", "/api/events"):
        assert path in spec["paths"]


def test_login_returns_token_and_operator(api):
    r = api.client.post("/api/auth/login", json={"username": "shuanghu", "password": "huiyin-sample"})
    assert r.status_code == 200
    body = r.json()
    assert body["operator"]["unit"]["name"] == "双湖路社区便民服务站"
    assert body["operator"]["tier"] == "village"
    assert body["operator"]["role"] == "clerk"
    assert body["token"] and body["expires_at"]
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}).json()
    assert me["username"] == "shuanghu"


def test_wrong_password_and_unknown_user_look_the_same(api):
    a = api.client.post("/api/auth/login", json={"username": "shuanghu", "password": "nope-nope"})
    b = api.client.post("/api/auth/login", json={"username": "nobody", "password": "nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() == {"code": "bad_credentials", "message": "wrong username or password"}


def test_login_bad_input_is_422_with_fields(api):
    r = api.client.post("/api/auth/login", json={"username": "", "password": ""})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"username", "password"}
    r = api.client.post("/api/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"


def test_every_api_path_needs_a_token(api):
    for path in ("/api/me", "/api/units", "/api/matters", "/api/queues", "/api/matters/YB-2026-000001"):
        r = api.client.get(path)
        assert r.status_code == 401, path
        assert r.json()["code"] == "unauthorized"
    r = api.client.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"


def test_logout_ends_only_that_token(api):
    client: httpx.Client = api.client
    tokens = [client.post("/api/auth/login", json={"username": "xingwang", "password": "huiyin-sample"}).json()["token"]
              for _ in range(2)]
    assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 204
    assert client.get("/api/me", headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {tokens[1]}"}).status_code == 200


def test_token_expires_by_the_injected_clock(api, clock):
    token = api.client.post("/api/auth/login",
                            json={"username": "xingwang", "password": "huiyin-sample"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    r = api.client.get("/api/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"


def test_units_tree_parents_first(api):
    units = api["admin"].get("/api/units").json()
    seen: set[int] = set()
    for unit in units:
        assert unit["parent_id"] is None or unit["parent_id"] in seen
        seen.add(unit["id"])
    names = {u["name"] for u in units}
    for name in ("渝北区", "区行政服务中心", "区群众工作指挥中心", "区交委", "回兴街道便民服务中心",
                 "双湖路社区便民服务站", "石船镇便民服务中心", "龙兴镇便民服务中心", "龙兴镇社保所",
                 "双凤桥街道便民服务中心", "兴旺村便民服务站"):
        assert name in names


def test_sample_accounts_of_the_api_contract(api):
    expected = {"admin": ("渝北区", "admin"), "command": ("区群众工作指挥中心", "commander"),
                "district.center": ("区行政服务中心", "clerk"), "transport": ("区交委", "clerk"),
                "huixing.center": ("回兴街道便民服务中心", "clerk"), "shuanghu": ("双湖路社区便民服务站", "clerk"),
                "shichuan.center": ("石船镇便民服务中心", "clerk"), "longxing.center": ("龙兴镇便民服务中心", "clerk"),
                "longxing.shebao": ("龙兴镇社保所", "clerk"),
                "shuangfengqiao.center": ("双凤桥街道便民服务中心", "clerk"),
                "xingwang": ("兴旺村便民服务站", "clerk"), "trainer": ("渝北区", "trainer")}
    for username, (unit, role) in expected.items():
        me = api[username].me
        assert (me["unit"]["name"], me["role"]) == (unit, role), username
    listed = {o["username"] for o in api.client.get("/api/sample/operators").json()}
    assert set(expected) <= listed
