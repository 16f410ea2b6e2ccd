"""The four queues, the text filter and keyset pagination; each test uses a server of its own so counts are
exact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import Api


@pytest.fixture(scope="module")
def fresh(start_server):  # type: ignore[no-untyped-def]
    srv = start_server()
    with Api(srv.base_url) as api:
        yield api, srv


def test_queues_across_tiers(fresh):
    api, _srv = fresh
    village = api["shuanghu"]
    waiting = village.record(title="等待认领")
    escalated = village.record(title="提交街道")
    village.act(escalated["number"], "escalate", note="社区解决不了")
    mine = village.record(title="社区自办")
    village.act(mine["number"], "claim")

    assert village.numbers("incoming") == [waiting["number"]]
    assert village.numbers("in_hand") == [mine["number"]]
    assert village.numbers("sent_up") == [escalated["number"]]
    assert set(village.numbers("all")) == {waiting["number"], escalated["number"], mine["number"]}

    town = api["huixing.center"]
    assert set(town.numbers("incoming")) == {waiting["number"], escalated["number"]}
    assert town.numbers("in_hand") == []
    # another town sees none of it; the command center sees the district
    assert api["shichuan.center"].numbers("all") == []
    assert set(api["command"].numbers("all")) >= {waiting["number"], escalated["number"], mine["number"]}
    counts = village.get("/api/queues").json()
    assert {k: counts[k] for k in ("incoming", "in_hand", "sent_up", "all", "overdue")} == \
        {"incoming": 1, "in_hand": 1, "sent_up": 1, "all": 3, "overdue": None}

    # once the town claims it, it leaves incoming everywhere and shows in the town's hand
    town.act(escalated["number"], "claim")
    assert escalated["number"] not in town.numbers("incoming")
    assert town.numbers("in_hand") == [escalated["number"]]
    assert village.numbers("sent_up") == [escalated["number"]]
    town.act(escalated["number"], "answer", note="已处理")
    town.act(escalated["number"], "close")
    assert village.numbers("sent_up") == []


def test_sorted_by_due_and_paged_by_keyset(fresh):
    api, srv = fresh
    s = api["baoshenghu"]
    made = []
    for i in range(7):
        srv.clock.advance(timedelta(hours=1))
        made.append(s.record(title=f"分页 {i}", complexity="complex" if i % 2 else "simple")["number"])
    first = s.queue("incoming", limit=3)
    assert first["total"] == 7 and len(first["items"]) == 3 and first["next_cursor"]
    seen = [row["number"] for row in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = s.queue("incoming", limit=3, cursor=cursor)
        seen += [row["number"] for row in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(made) and len(seen) == 7
    dues = [row["due_at"] for row in s.queue("incoming", limit=500)["items"]]
    assert dues == sorted(dues)


def test_filter_by_number_title_resident_and_unit(fresh):
    api, _srv = fresh
    s = api["xingwang"]
    bus = s.record(title="通公交", resident_name="岳灵")
    s.record(title="修水渠", resident_name="冯大爷")
    assert s.numbers("all", q="公交") == [bus["number"]]
    assert s.numbers("all", q="岳") == [bus["number"]]
    assert s.numbers("all", q=bus["number"].lower()) == [bus["number"]]
    assert len(s.numbers("all", q="兴旺村")) == 2
    assert s.numbers("all", q="100%_") == []
    assert s.queue("all", q="  ")["total"] == 2


@pytest.mark.parametrize("params, field", [
    ({"queue": "mine"}, "queue"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"limit": "x"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": "WzEsMl0"}, "cursor"), ({"q": "x" * 101}, "q"),
])
def test_queue_bad_parameters(fresh, params, field):
    api, _srv = fresh
    r = api["shuanghu"].get("/api/matters", params=params)
    assert r.status_code == 422, r.text
    assert field in r.json()["fields"]
