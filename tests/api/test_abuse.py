"""Abuse over real HTTP: login throttling (by the server's clock), bounded password hashing, body limits,
security headers, and what a non-sample district does not expose."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from huiyin.server.base.settings import Settings
from tests.helpers import SAMPLE_PASSWORD

WINDOW = Settings().login_window
PER_ACCOUNT = Settings().login_failures_per_account
PER_ADDRESS = Settings().login_failures_per_address


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/auth/login", json={"username": username, "password": password})


@pytest.fixture(scope="module")
def throttled(start_server):  # type: ignore[no-untyped-def]
    """The module's server for the throttle's tests: of its own (on ``postgresql-2w`` too), as other modules
    must not meet the failures these tests leave."""
    return start_server(own=True)


@pytest.fixture
def fresh(throttled):  # type: ignore[no-untyped-def]
    """That server with no failed login counted (they are rows in its database)."""
    with throttled.ctx.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM login_failures"))
    with httpx.Client(base_url=throttled.base_url, timeout=60) as client:
        yield throttled, client


def test_failed_logins_of_an_account_are_throttled_and_the_window_passes(in_process, fresh):
    srv, client = fresh
    for _ in range(PER_ACCOUNT):
        assert login(client, "shuanghu", "wrong-password").status_code == 401
    r = login(client, "shuanghu", "wrong-password")
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_attempts"
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= WINDOW.total_seconds()
    # even the right password waits: the password is not checked while throttled
    assert login(client, "shuanghu", SAMPLE_PASSWORD).status_code == 429
    # other accounts are unaffected
    assert login(client, "xingwang", SAMPLE_PASSWORD).status_code == 200
    # after the window (moved on the server's clock, nobody sleeps) the account logs in again
    srv.clock.advance(timedelta(seconds=retry))
    ok = login(client, "shuanghu", SAMPLE_PASSWORD)
    assert ok.status_code == 200, ok.text
    # and a success clears the account's count
    assert login(client, "shuanghu", "wrong-password").status_code == 401


def test_failed_logins_from_one_address_are_throttled_across_accounts(fresh):
    srv, client = fresh
    for i in range(PER_ADDRESS):
        assert login(client, f"nobody{i}", "wrong-password").status_code == 401
    r = login(client, "someone-else", "wrong-password")
    assert r.status_code == 429 and "address" in r.json()["message"]
    assert login(client, "shuanghu", SAMPLE_PASSWORD).status_code == 429
    srv.clock.advance(WINDOW)
    assert login(client, "shuanghu", SAMPLE_PASSWORD).status_code == 200


def test_a_burst_of_bad_logins_leaves_health_answering(fresh):
    """40 concurrent bad logins: password checks are bounded, so /health keeps answering meanwhile."""
    srv, client = fresh
    codes: list[int] = []

    def bad(i: int) -> None:
        with httpx.Client(base_url=srv.base_url, timeout=120) as c:
            codes.append(login(c, f"user{i % 7}", "wrong-password").status_code)

    threads = [threading.Thread(target=bad, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    health = [client.get("/health", timeout=10).status_code for _ in range(5)]
    for t in threads:
        t.join()
    assert health == [200] * 5
    assert set(codes) <= {401, 429} and len(codes) == 40
    assert codes.count(401) <= PER_ADDRESS  # the rest were turned away without hashing


def test_login_answer_is_not_cached_and_carries_security_headers(api):
    r = api.client.post("/api/auth/login", json={"username": "shuanghu", "password": SAMPLE_PASSWORD})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    health = api.client.get("/health")
    assert health.headers["x-content-type-options"] == "nosniff"


def test_an_unexpected_error_is_a_500_with_the_security_headers(in_process, server):
    """A bug in a route: the answer is the documented 500 body, and it carries the same headers as every other
    answer (the header middleware wraps the framework's error middleware)."""

    def broken() -> None:
        raise RuntimeError("a bug")

    server.app.add_api_route("/api/test-broken", broken)  # a route of this test's own, on the running server
    # a connection of its own: the server closes it after an unexpected error, and the module's client must not
    # meet that on its next request
    r = httpx.get(f"{server.base_url}/api/test-broken", timeout=30)
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-huiyin-now"]  # and the server's now, like every answer


def test_body_over_the_limit_is_413_before_it_is_read(api):
    limit = Settings().max_body_bytes
    big = b"{" + b" " * limit + b"}"
    r = api.client.post("/api/auth/login", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert r.headers["connection"] == "close"

    def chunks():  # no Content-Length: counted as it comes
        for _ in range(4):
            yield b" " * (limit // 2)

    r = api.client.post("/api/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_sample_operators_exist_only_in_sample_mode(start_server, api):
    assert api.client.get("/api/sample/operators").status_code == 200
    srv = start_server(sample=False)
    r = httpx.get(f"{srv.base_url}/api/sample/operators")
    assert r.status_code == 404 and r.json()["code"] == "not_sample"


def test_docs_work_offline(api):
    """/docs and /redoc reference only this server's own assets, and those answer."""
    import re

    for page in ("/docs", "/redoc"):
        html = api.client.get(page)
        assert html.status_code == 200
        assert "http://" not in html.text and "https://" not in html.text
        urls = re.findall(r'(?:src|href)=["\']([^"\']+)', html.text)
        assert urls and all(u.startswith("/") for u in urls)
        for url in urls:
            assert api.client.get(url).status_code == 200, url
    assert api.client.get("/openapi.json").status_code == 200
