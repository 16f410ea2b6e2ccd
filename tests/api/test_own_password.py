"""An operator changes their own password (``POST /api/me/password``), and must, after an admin set it: a new
account or a reset signs in to a token that can do nothing else until then (SQLite, PostgreSQL, two workers)."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import Api


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """A server of this module's own: it counts failed logins, which every other module's logins would meet."""
    return start_server(own=True)


def _login(api: Api, username: str, password: str) -> httpx.Response:
    return api.client.post("/api/auth/login", json={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _change(api: Api, token: str, current: str, new: str) -> httpx.Response:
    return api.client.post("/api/me/password", json={"current_password": current, "new_password": new},
                           headers=_bearer(token))


def _add(api: Api, username: str, password: str) -> None:
    r = api["admin"].post("/api/operators", json={"username": username, "role": "clerk", "password": password,
                                                   "unit_id": api.unit_id("宝圣湖社区便民服务站")})
    assert r.status_code == 201, r.text


def _audit(api: Api, subject: str) -> list[dict]:
    items = api["admin"].get("/api/audit", params={"kind": "operator", "limit": 100}).json()["items"]
    return [e for e in items if e["subject"] == subject]


def test_a_new_account_must_choose_its_own_password_before_anything_else(api: Api):
    _add(api, "own.new", "given-by-admin")
    r = _login(api, "own.new", "given-by-admin")
    assert r.status_code == 200 and r.json()["operator"]["must_change_password"] is True
    token = r.json()["token"]
    for method, path in (("get", "/api/me"), ("get", "/api/matters?queue=incoming"), ("get", "/api/units"),
                         ("post", "/api/matters")):
        refused = api.client.request(method.upper(), path, headers=_bearer(token), json={})
        assert refused.status_code == 403 and refused.json()["code"] == "password_change_required", (path, refused.text)
    r = _change(api, token, "given-by-admin", "my-own-secret")
    assert r.status_code == 204, r.text
    me = api.client.get("/api/me", headers=_bearer(token))
    assert me.status_code == 200 and me.json()["must_change_password"] is False
    assert _login(api, "own.new", "given-by-admin").status_code == 401
    again = _login(api, "own.new", "my-own-secret")
    assert again.status_code == 200 and again.json()["operator"]["must_change_password"] is False
    entry = _audit(api, "own.new")[0]
    assert entry["actor"] == "own.new" and entry["after"]["password"] == "changed by the operator"
    assert entry["before"]["must_change_password"] is True
    assert "my-own-secret" not in str(entry) and "given-by-admin" not in str(entry)


def test_a_forced_operator_may_still_log_out(api: Api):
    _add(api, "own.leave", "given-by-admin")
    token = _login(api, "own.leave", "given-by-admin").json()["token"]
    assert api.client.post("/api/auth/logout", headers=_bearer(token)).status_code == 204
    assert api.client.get("/api/me", headers=_bearer(token)).status_code == 401


def test_an_admin_reset_forces_a_change_and_the_samples_are_not_forced(api: Api):
    assert api["shuanghu"].me["must_change_password"] is False
    assert api["admin"].me["must_change_password"] is False
    _add(api, "own.reset", "given-by-admin")
    token = _login(api, "own.reset", "given-by-admin").json()["token"]
    assert _change(api, token, "given-by-admin", "first-own-secret").status_code == 204
    made = api["admin"].post("/api/operators/own.reset/password", json={}).json()["password"]
    entry = _audit(api, "own.reset")[0]
    assert entry["actor"] == "admin" and entry["after"]["must_change_password"] is True and made not in str(entry)
    r = _login(api, "own.reset", made)
    assert r.json()["operator"]["must_change_password"] is True
    refused = api.client.get("/api/me", headers=_bearer(r.json()["token"]))
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    # the admin's own password, set on the admin screen, is theirs: no change required
    admin_pw = api["admin"].post("/api/operators/admin/password", json={"password": "huiyin-sample"})
    assert admin_pw.status_code == 200
    assert _login(api, "admin", "huiyin-sample").json()["operator"]["must_change_password"] is False


def test_other_sessions_end_this_one_stays(api: Api):
    _add(api, "own.sessions", "given-by-admin")
    first = _login(api, "own.sessions", "given-by-admin").json()["token"]
    assert _change(api, first, "given-by-admin", "secret-number-1").status_code == 204
    tokens = [_login(api, "own.sessions", "secret-number-1").json()["token"] for _ in range(3)]
    assert all(api.client.get("/api/me", headers=_bearer(t)).status_code == 200 for t in tokens + [first])
    assert _change(api, tokens[0], "secret-number-1", "secret-number-2").status_code == 204
    assert api.client.get("/api/me", headers=_bearer(tokens[0])).status_code == 200
    for token in tokens[1:] + [first]:
        r = api.client.get("/api/me", headers=_bearer(token))
        assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    assert _audit(api, "own.sessions")[0]["after"]["sessions_ended"] == 3


@pytest.mark.parametrize("body, status, code, fields", [
    ({"current_password": "secret-number-1", "new_password": "short"}, 422, "invalid_input",
     {"new_password": "too_short"}),
    ({"current_password": "secret-number-1", "new_password": "x" * 257}, 422, "invalid_input",
     {"new_password": "string_too_long"}),
    ({"current_password": "secret-number-1", "new_password": "secret-number-1"}, 422, "invalid_input",
     {"new_password": "unchanged"}),
    ({"current_password": "", "new_password": "secret-number-2"}, 422, "invalid_input",
     {"current_password": "string_too_short"}),
    ({"new_password": "secret-number-2"}, 422, "invalid_input", {"current_password": "required"}),
    ({"current_password": "secret-number-1", "new_password": "secret-number-2", "extra": 1}, 422, "invalid_input",
     {"extra": "extra_forbidden"}),
])
def test_refusals_are_specific_and_change_nothing(api: Api, body, status, code, fields):
    username = f"own.refused{abs(hash(str(body))) % 10**6}"
    _add(api, username, "given-by-admin")
    token = _login(api, username, "given-by-admin").json()["token"]
    assert _change(api, token, "given-by-admin", "secret-number-1").status_code == 204
    r = api.client.post("/api/me/password", json=body, headers=_bearer(token))
    assert r.status_code == status and r.json()["code"] == code and r.json()["fields"] == fields, r.text
    assert _login(api, username, "secret-number-1").status_code == 200


def test_a_wrong_current_password_is_refused_and_counts_toward_the_login_throttle(api: Api):
    _add(api, "own.guess", "given-by-admin")
    token = _login(api, "own.guess", "given-by-admin").json()["token"]
    assert _change(api, token, "given-by-admin", "the-real-secret").status_code == 204
    for attempt in range(5):  # Settings.login_failures_per_account
        r = _change(api, token, f"guess-{attempt}", "stolen-secret-1")
        assert r.status_code == 403 and r.json()["code"] == "wrong_password", r.text
        assert r.json()["fields"] == {"current_password": "wrong"}
    r = _change(api, token, "the-real-secret", "stolen-secret-1")
    assert r.status_code == 429 and r.json()["code"] == "too_many_attempts" and int(r.headers["Retry-After"]) > 0
    r = _login(api, "own.guess", "the-real-secret")  # the account's logins wait too
    assert r.status_code == 429
    assert _audit(api, "own.guess")[0]["after"].get("password") == "changed by the operator"  # nothing new
