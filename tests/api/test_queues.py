"""The queues, the text filter (phone numbers too), keyset pagination and the possible-duplicate lookup; each
module uses a server of its own so counts are exact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import Api


@pytest.fixture(scope="module")
def fresh(start_server):  # type: ignore[no-untyped-def]
    srv = start_server(own=True)
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
    assert village.numbers("pending_below") == []  # a community has no unit under it
    assert village.numbers("sent_on") == [escalated["number"]]
    assert village.numbers("sent_up") == [escalated["number"]]  # the old name still answers
    assert set(village.numbers("all")) == {waiting["number"], escalated["number"], mine["number"]}

    # the town: what was handed to it is incoming; its community's unclaimed matter is pending below it
    town = api["huixing.center"]
    assert town.numbers("incoming") == [escalated["number"]]
    assert town.numbers("pending_below") == [waiting["number"]]
    assert town.numbers("in_hand") == []
    # another town sees none of it; the command center sees the district, none of it waiting at its own unit
    assert api["shichuan.center"].numbers("all") == []
    assert api["shichuan.center"].numbers("pending_below") == []
    command = api["command"]
    assert set(command.numbers("all")) >= {waiting["number"], escalated["number"], mine["number"]}
    assert command.numbers("incoming") == []
    assert set(command.numbers("pending_below")) == {waiting["number"], escalated["number"]}
    counts = village.get("/api/queues").json()
    assert {k: counts[k] for k in ("incoming", "in_hand", "pending_below", "sent_on", "sent_up", "all",
                                   "overdue")} == \
        {"incoming": 1, "in_hand": 1, "pending_below": 0, "sent_on": 1, "sent_up": 1, "all": 3, "overdue": None}
    counts = town.get("/api/queues").json()
    assert (counts["incoming"], counts["pending_below"], counts["in_hand"]) == (1, 1, 0)

    # once the town claims it, it leaves incoming everywhere and shows in the town's hand
    town.act(escalated["number"], "claim")
    assert escalated["number"] not in town.numbers("incoming")
    assert escalated["number"] not in command.numbers("pending_below")
    assert town.numbers("in_hand") == [escalated["number"]]
    assert village.numbers("sent_on") == [escalated["number"]]
    town.act(escalated["number"], "answer", note="已处理")
    town.act(escalated["number"], "close")
    assert village.numbers("sent_on") == []


def test_claimed_from_below_is_sent_on(fresh):
    """A matter the community recorded and the town claimed itself: the community finds it in "sent on"."""
    api, _srv = fresh
    village, town = api["shuanghu"], api["huixing.center"]
    rec = village.record(title="楼道灯坏了")
    assert rec["number"] not in village.numbers("sent_on")  # still waiting at the community
    town.act(rec["number"], "claim")
    assert rec["number"] in village.numbers("sent_on")
    assert rec["number"] not in village.numbers("incoming")
    assert rec["number"] not in town.numbers("sent_on")  # the town holds it: not "elsewhere"


def test_released_back_arrives_in_incoming(fresh):
    api, _srv = fresh
    village, town = api["shuanghu"], api["huixing.center"]
    rec = village.record(title="退回测试")
    village.act(rec["number"], "escalate", note="社区处理不了")
    assert rec["number"] in town.numbers("incoming")
    town.act(rec["number"], "release", reason="属社区职责")
    assert rec["number"] in village.numbers("incoming")
    assert rec["number"] not in town.numbers("incoming") and rec["number"] in town.numbers("pending_below")


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


def test_filter_by_phone(fresh):
    """The resident's phone: any 3+ digits of it, with the spaces or dashes the clerk typed; landlines too."""
    api, _srv = fresh
    s = api["baoshenghu"]
    mobile = s.record(title="电话筛选甲", resident_phone="139 2345 6789")
    landline = s.record(title="电话筛选乙", resident_phone="023-61115000")
    assert s.numbers("all", q="6789") == [mobile["number"]]  # the last 4 digits
    assert s.numbers("all", q="139-2345-6789") == [mobile["number"]]
    assert s.numbers("all", q="139 2345") == [mobile["number"]]
    assert s.numbers("all", q="02361115000") == [landline["number"]]
    assert s.numbers("all", q="023-6111 5000") == [landline["number"]]
    assert s.numbers("all", q="5000") == [landline["number"]]
    # a town finds its community's matter by the whole phone number in the queue it claims from; its resident
    # is masked for the town, so a part of the number finds nothing (no guessing it digit by digit)
    town = api["huixing.center"]
    assert town.numbers("pending_below", q="023-6111 5000") == [landline["number"]]
    assert town.numbers("pending_below", q="5000") == []
    assert town.numbers("district", q="139 2345 6789") == [mobile["number"]]
    assert town.numbers("district", q="139 2345") == []
    assert s.numbers("all", q="999999") == []


def _similar(session, **params):  # type: ignore[no-untyped-def]
    r = session.get("/api/matters/similar", params=params)
    assert r.status_code == 200, r.text
    return [(row["number"], row["match"]) for row in r.json()["items"]]


def test_similar_open_matters_across_the_district(fresh):
    """Recording the same resident's problem again: the open matters with that phone, anywhere in the district,
    then those with a very similar title at the same address; closed ones are not offered."""
    api, _srv = fresh
    first = api["shuanghu"].record(title="小区路灯不亮", resident_phone="13711112222", address="双湖路 12 号")
    other_town = api["liuqiao"]
    # another community's window, another town: the phone finds it
    assert _similar(other_town, phone="137-1111-2222") == [(first["number"], "phone")]
    # a very similar title at the same address (spaces ignored), different phone
    assert _similar(other_town, title="小区路灯坏了", address="双湖路12号") == [(first["number"], "title_address")]
    assert _similar(other_town, title="小区路灯坏了", address="双湖路13号") == []
    assert _similar(other_town, title="下水道堵塞", address="双湖路12号") == []
    # both: listed once, as a phone match
    assert _similar(other_town, phone="13711112222", title="小区路灯不亮", address="双湖路12号") == \
        [(first["number"], "phone")]
    r = other_town.get("/api/matters/similar", params={"phone": "13711112222"}).json()["items"][0]
    # another town's window sees the work; the resident masked (its address to the street)
    assert r["holder_unit"]["name"] == "双湖路社区便民服务站" and r["address"] == "双湖路 **"
    assert r["resident_name"] == "测***" and set(r["masked"]) == {"address", "resident_name"}
    own = api["shuanghu"].get("/api/matters/similar", params={"phone": "13711112222"}).json()["items"][0]
    assert own["address"] == "双湖路 12 号" and own["masked"] == []
    # a closed matter is not a duplicate any more
    shuanghu = api["shuanghu"]
    shuanghu.act(first["number"], "claim")
    shuanghu.act(first["number"], "answer", note="已修好")
    shuanghu.act(first["number"], "close")
    assert _similar(other_town, phone="13711112222") == []


def test_similar_limit(fresh):
    api, _srv = fresh
    s = api["xingwang"]
    made = [s.record(title=f"重复 {i}", resident_phone="13966667777")["number"] for i in range(7)]
    assert [n for n, _ in _similar(s, phone="13966667777")] == made[::-1][:5]  # the most recent first
    assert len(_similar(s, phone="13966667777", limit=20)) == 7


@pytest.mark.parametrize("params, field, kind", [
    ({}, "phone", "required"),
    ({"title": "路灯"}, "phone", "required"),
    ({"address": "双湖路"}, "phone", "required"),
    ({"phone": "1234"}, "phone", "phone_format"),
    ({"phone": "abc"}, "phone", "phone_format"),
    ({"phone": "1" * 30}, "phone", "too_long"),
    ({"title": "x" * 81, "address": "a"}, "title", "too_long"),
    ({"title": "a", "address": "x" * 201}, "address", "too_long"),
    ({"phone": "13800000000", "limit": 0}, "limit", "greater_than_equal"),
    ({"phone": "13800000000", "limit": 21}, "limit", "less_than_equal"),
    ({"phone": "13800000000", "limit": "x"}, "limit", "int_parsing"),
    ({"title": "路\x00灯", "address": "a"}, "title", "bad_character"),
])
def test_similar_bad_input(fresh, params, field, kind):
    api, _srv = fresh
    r = api["shuanghu"].get("/api/matters/similar", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["fields"] == {field: kind}
    assert r.json()["message"]


def test_similar_needs_login(fresh):
    api, _srv = fresh
    assert api.client.get("/api/matters/similar", params={"phone": "13800000000"}).status_code == 401


@pytest.mark.parametrize("params, field", [
    ({"queue": "mine"}, "queue"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"limit": "x"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": "WzEsMl0"}, "cursor"), ({"q": "x" * 101}, "q"),
])
def test_queue_bad_parameters(fresh, params, field):
    api, _srv = fresh
    r = api["shuanghu"].get("/api/matters", params=params)
    assert r.status_code == 422, r.text
    assert field in r.json()["fields"]
