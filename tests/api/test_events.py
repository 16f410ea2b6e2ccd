"""The live feed: ``GET /api/events`` as Server-Sent Events (resumable with ``Last-Event-ID``) and as JSON pages.

SSE frames are parsed here by hand: ``id:``, ``event:``, ``data:`` lines, a blank line ends a frame, a line
starting with ``:`` is a comment. Every read has a timeout, so a stream that goes quiet fails the test instead of
hanging it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest

#: also against `huiyin serve --workers 2` (PostgreSQL)

#: seconds a read may wait for the next bytes of the stream (pings come every 15 s, events at once)
READ_TIMEOUT = 5.0


@dataclass
class Frame:
    id: str | None
    event: str | None
    data: str

    @property
    def json(self) -> dict:
        return json.loads(self.data)


class Feed:
    """One open SSE connection, read frame by frame."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()
        self.comments: list[str] = []

    def frame(self) -> Frame:
        ident = event = None
        data: list[str] = []
        seen_field = False
        for line in self.lines:
            if line == "":
                if data:
                    return Frame(ident, event, "\n".join(data))
                ident = event = None  # a frame of only comments or retry: nothing to dispatch
                seen_field = False
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            seen_field = True
            if name == "id":
                ident = value
            elif name == "event":
                event = value
            elif name == "data":
                data.append(value)
        raise AssertionError(f"the stream ended in the middle of a frame (fields seen: {seen_field})")

    def events(self, count: int) -> list[dict]:
        out = []
        for _ in range(count):
            frame = self.frame()
            assert frame.event == "matter_event", frame
            body = frame.json
            assert frame.id == str(body["id"]), "the SSE id is the event id"
            out.append(body)
        return out


@pytest.fixture(scope="module")
def feed_client(server) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.base_url, timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0)) as client:
        yield client


@contextmanager
def open_feed(client: httpx.Client, token: str, last_event_id: str | None = None,
              params: dict | None = None) -> Iterator[Feed]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with client.stream("GET", "/api/events", headers=headers, params=params or {}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Feed(response)


def events_of(session, *numbers: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every timeline entry of these matters, in id order (what the feed must have sent)."""
    return sorted((e for n in numbers for e in session.matter(n)["events"]), key=lambda e: e["id"])


def json_page(session, after: int, limit: int = 200) -> dict:  # type: ignore[no-untyped-def]
    r = session.get("/api/events", params={"after": after, "limit": limit}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def last_event_id(session) -> int:  # type: ignore[no-untyped-def]
    after = 0
    while True:
        page = json_page(session, after, 1000)
        if not page["items"]:
            return after
        after = page["last_id"]


def test_resume_after_disconnect_gets_exactly_the_missed_events(api, feed_client):
    shuanghu, huixing, command = api["shuanghu"], api["huixing.center"], api["command"]
    with open_feed(feed_client, command.token) as feed:
        first = shuanghu.record(title="断线重连 1")["number"]
        shuanghu.act(first, "claim")
        shuanghu.act(first, "progress", note="在办")
        seen = feed.events(3)
    assert [e["kind"] for e in seen] == ["record", "claim", "progress"]
    assert seen == events_of(command, first), "the feed sends the timeline entries as the detail shows them"
    assert "huiyin live feed" in feed.comments
    last_seen = seen[-1]["id"]

    # disconnected: the district keeps working
    second = shuanghu.record(title="断线重连 2")["number"]
    shuanghu.act(second, "escalate", note="提交街道")
    shuanghu.act(first, "progress", note="上门走访")
    huixing.act(second, "claim")
    shuanghu.act(first, "answer", note="已答复")
    missed = [e for e in events_of(command, first, second) if e["id"] > last_seen]
    assert len(missed) == 5

    with open_feed(feed_client, command.token, last_event_id=str(last_seen)) as feed:
        caught_up = feed.events(len(missed))
        assert caught_up == missed, "exactly the missed events, in id order"
        # then the live ones, with nothing repeated
        shuanghu.act(first, "close")
        huixing.act(second, "progress", note="街道已受理")
        live = feed.events(2)
    assert [(e["matter_number"], e["kind"]) for e in live] == [(first, "close"), (second, "progress")]
    got = [e["id"] for e in seen + caught_up + live]
    assert got == sorted(got) and len(set(got)) == len(got), "no duplicate, in order"
    assert got == [e["id"] for e in events_of(command, first, second)], "no gap: every event of both matters"


def test_resume_from_an_older_id_replays_in_order(api, feed_client):
    """Resuming from further back replays everything since, in id order, across matters and operators."""
    command, xingwang = api["command"], api["xingwang"]
    start = last_event_id(command)
    numbers = [xingwang.record(title=f"回放 {i}")["number"] for i in range(3)]
    for number in numbers:
        xingwang.act(number, "escalate", note="提交街道")
    expected = events_of(command, *numbers)
    assert len(expected) == 6
    with open_feed(feed_client, command.token, last_event_id=str(start)) as feed:
        assert feed.events(6) == expected
    # Last-Event-ID wins over ?after= (a browser's EventSource resends the URL it first used)
    with open_feed(feed_client, command.token, last_event_id=str(expected[3]["id"]), params={"after": 0}) as feed:
        assert feed.events(2) == expected[4:]
    # ?after= alone resumes too (for clients that cannot set headers)
    with open_feed(feed_client, command.token, params={"after": expected[1]["id"]}) as feed:
        assert feed.events(4) == expected[2:]


def test_every_operator_gets_the_feed(api, feed_client):
    """Every tier sees the work live: a village window sees the district's events; a trainer sees none."""
    start = last_event_id(api["command"])
    number = api["district.center"].record(title="全区可见")["number"]
    for name in ("xingwang", "longxing.shebao", "admin"):
        with open_feed(feed_client, api[name].token, last_event_id=str(start)) as feed:
            (event,) = feed.events(1)
            assert event["matter_number"] == number and event["unit"]["name"] == "区行政服务中心"
    page = json_page(api["trainer"], start)
    assert page["items"] == [] and page["last_id"] >= start


def test_json_catch_up_pages(api):
    command, liuqiao = api["command"], api["liuqiao"]
    start = last_event_id(command)
    numbers = [liuqiao.record(title=f"分页 {i}")["number"] for i in range(4)]
    for number in numbers:
        liuqiao.act(number, "claim")
        liuqiao.act(number, "progress", note="处理中")
    expected = events_of(command, *numbers)
    assert len(expected) == 12

    got: list[dict] = []
    after, pages = start, 0
    while True:
        page = json_page(command, after, limit=5)
        assert set(page) >= {"items", "last_id"}
        assert len(page["items"]) <= 5
        if not page["items"]:
            assert page["last_id"] == after, "an empty page hands back the same cursor"
            break
        assert page["last_id"] == page["items"][-1]["id"]
        assert all(e["id"] > after for e in page["items"])
        got += page["items"]
        after = page["last_id"]
        pages += 1
    assert pages == 3
    assert got == expected
    # the first page without after= starts at the beginning of the log
    r = command.get("/api/events", params={"limit": 3}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    page = r.json()
    ids = [e["id"] for e in page["items"]]
    assert len(ids) == 3 and ids == sorted(ids) and page["last_id"] == ids[-1]


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "12abc", "0x10"])
def test_bad_last_event_id_is_422(api, feed_client, bad):
    command = api["command"]
    for accept in ("text/event-stream", "application/json"):
        r = command.get("/api/events", headers={"Accept": accept, "Last-Event-ID": bad})
        assert r.status_code == 422, (bad, accept, r.text)
        body = r.json()
        assert body["code"] == "invalid_input" and "Last-Event-ID" in body["fields"]


def test_bad_query_is_422(api):
    command = api["command"]
    for params in ({"after": -1}, {"after": "x"}, {"limit": 0}, {"limit": 100000}):
        r = command.get("/api/events", params=params, headers={"Accept": "application/json"})
        assert r.status_code == 422, (params, r.text)
        assert r.json()["code"] == "invalid_input"


def test_no_token_is_401(api, feed_client):
    for accept in ("text/event-stream", "application/json"):
        r = feed_client.get("/api/events", headers={"Accept": accept})
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        r = feed_client.get("/api/events", headers={"Accept": accept, "Authorization": "Bearer nope"})
        assert r.status_code == 401 and r.json()["code"] == "token_invalid"
