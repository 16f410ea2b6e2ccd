"""A small HTTP client for tests: every call goes over real HTTP to a real server."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

SAMPLE_PASSWORD = "huiyin-sample"
_titles = itertools.count(1)


class ApiResponseError(AssertionError):
    pass


class Session:
    """One logged-in operator."""

    def __init__(self, client: httpx.Client, username: str, token: str, me: dict) -> None:
        self.client = client
        self.username = username
        self.token = token
        self.me = me
        self.headers = {"Authorization": f"Bearer {token}"}

    @property
    def unit_id(self) -> int:
        return self.me["unit"]["id"]

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.put(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.delete(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.patch(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def record(self, expect: int = 201, headers: dict | None = None, **fields: Any) -> dict:
        body = {"title": f"测试事项 {next(_titles)}", "channel": "walk_in", "resident_name": "测试居民",
                "resident_phone": "13800000000", **fields}
        r = self.post("/api/matters", json=body, headers=headers or {})
        if r.status_code != expect:
            raise ApiResponseError(f"record → {r.status_code} {r.text}")
        return r.json()

    def act(self, number: str, action: str, expect: int = 200, **body: Any) -> dict:
        r = self.post(f"/api/matters/{number}/{action}", json=body)
        if r.status_code != expect:
            raise ApiResponseError(f"{self.username} {action} {number} → {r.status_code} {r.text}")
        return r.json()

    def matter(self, number: str) -> dict:
        r = self.get(f"/api/matters/{number}")
        assert r.status_code == 200, r.text
        return r.json()

    def queue(self, name: str, **params: Any) -> dict:
        r = self.get("/api/matters", params={"queue": name, **params})
        assert r.status_code == 200, r.text
        return r.json()

    def numbers(self, name: str, **params: Any) -> list[str]:
        out: list[str] = []
        cursor = None
        while True:
            page = self.queue(name, limit=500, **({"cursor": cursor} if cursor else {}), **params)
            out += [row["number"] for row in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return out


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self._sessions: dict[str, Session] = {}
        self._units: dict[str, int] | None = None

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def login(self, username: str, password: str = SAMPLE_PASSWORD) -> Session:
        if username not in self._sessions:
            r = self.client.post("/api/auth/login", json={"username": username, "password": password})
            assert r.status_code == 200, r.text
            data = r.json()
            self._sessions[username] = Session(self.client, username, data["token"], data["operator"])
        return self._sessions[username]

    def first_login(self, username: str, given: str) -> Session:
        """Sign in with the password an admin gave, and choose one's own (``given`` + ``-own``), as the server
        requires before anything else (``must_change_password``)."""
        r = self.client.post("/api/auth/login", json={"username": username, "password": given})
        assert r.status_code == 200 and r.json()["operator"]["must_change_password"], r.text
        token = r.json()["token"]
        r = self.client.post("/api/me/password", json={"current_password": given, "new_password": f"{given}-own"},
                             headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 204, r.text
        me = self.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
        self._sessions[username] = Session(self.client, username, token, me)  # the session stays: one, not two
        return self._sessions[username]

    def __getitem__(self, username: str) -> Session:
        return self.login(username)

    def unit_id(self, name: str) -> int:
        if self._units is None:
            units = self["admin"].get("/api/units").json()
            self._units = {u["name"]: u["id"] for u in units}
        return self._units[name]
