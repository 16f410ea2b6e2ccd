"""The four stories of shared/DOMAIN.md, played end to end over HTTP with the sample district's accounts.

Each story asserts the whole timeline (kind, acting unit and operator, from/to units, status, note) and that
every tier sees it: the recording unit's ``all`` and ``sent_on`` queues, the town's ``incoming`` and
``pending_below``, the district
and the command center, and the read-only admin who sees the work but may do nothing; a trainer sees none of it.
The notes and the resident are read by the units on the matter's path (docs/visibility.md): the others see the
same work, with the notes withheld.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import httpx

from tests.conftest import FROZEN_NOW
from tests.helpers import Api

CST = timezone(timedelta(hours=8))

ROCK_NOTES = ("危岩加固涉及上级部门和建筑公司,社区无权处置", "需区级部门统筹,街道无法单独解决",
              "已对接区住房城乡建委危岩整治工作组(既有专项整治工作)",
              "危岩已纳入区住房城乡建委专项整治,本月完成排危加固")


@contextmanager
def operators_at(api, clock, when: datetime) -> Iterator[Api]:
    """Move the clock, then log everyone in afresh (a token lasts 12 hours of the server's clock)."""
    clock.set(when)
    with Api(api.base_url) as fresh:
        yield fresh


def at(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    assert when.tzinfo is not None, f"time without offset: {value}"
    return when


#: notices the server's supervision adds by itself when a deadline nears or passes (the clock moves in these
#: stories, so they may or may not have been written yet): not part of the story's own timeline
SUPERVISION_KINDS = {"at_risk", "overdue", "claim_overdue"}


def story_events(detail: dict) -> list[dict]:
    return [e for e in detail["events"] if e["kind"] not in SUPERVISION_KINDS]


def timeline(detail: dict) -> list[tuple]:
    """``(kind, acting unit, actor username, from unit, to unit, status_after, note)`` per event, oldest first,
    without supervision notices (which must have no acting operator)."""
    out = []
    for e in detail["events"]:
        if e["kind"] in SUPERVISION_KINDS:
            assert e["actor"] is None, e
            continue
        out.append((e["kind"], e["unit"]["name"] if e["unit"] else None,
                    e["actor"]["username"] if e["actor"] else None,
                    e["from_unit"]["name"] if e["from_unit"] else None,
                    e["to_unit"]["name"] if e["to_unit"] else None,
                    e["status_after"], e["note"]))
    return out


def _work(events: list[dict]) -> list[dict]:
    """The timeline without its notes: what every tier sees alike."""
    return [{k: v for k, v in e.items() if k not in ("note", "masked")} for e in events]


def assert_same_view(api, number: str, usernames: list[str]) -> dict:
    """Every one of these operators sees the same work, the same timeline (notes aside: the first operator's
    unit is on the matter's path and reads them); a trainer sees none of it. Returns the first one's view."""
    if "trainer" in usernames:
        assert api["trainer"].get(f"/api/matters/{number}").status_code == 404
    views = {name: api[name].matter(number) for name in usernames if name != "trainer"}
    first = views[usernames[0]]
    assert first["masked"] == [], f"{usernames[0]} is on the path"
    for name, view in views.items():
        assert _work(story_events(view)) == _work(story_events(first)), f"{name} sees another timeline"
        for key in ("status", "holder_unit", "origin_unit", "claimed_by", "version"):
            assert view[key] == first[key], f"{name} sees another {key}"
    return first


def assert_event_ids_grow(detail: dict) -> None:
    ids = [e["id"] for e in detail["events"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(e["matter_number"] == detail["number"] for e in detail["events"])


def assert_read_only(api, number: str) -> None:
    assert api["admin"].matter(number)["allowed_actions"] == [], "admin may not act"
    assert api["trainer"].get(f"/api/matters/{number}").status_code == 404, "a trainer sees none of the district"


def read_sse_until(response: httpx.Response, want, limit: int = 50) -> list[dict]:
    """Read ``matter_event`` frames until ``want(event)`` is true; returns those read (the read timeout of the
    client makes a silent stream fail instead of hanging)."""
    got: list[dict] = []
    data: list[str] = []
    kind = None
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if line == "":
            if kind == "matter_event" and data:
                got.append(json.loads("\n".join(data)))
                if want(got[-1]):
                    return got
                if len(got) >= limit:
                    break
            data, kind = [], None
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            kind = value
        elif field == "data":
            data.append(value)
    raise AssertionError(f"the live feed ended without the wanted event; got {got}")


def test_dangerous_rock(api):
    """危岩: the community records it, escalates to the street, the street to the district; the district service
    center claims it, finds the housing commission's task-force matter and links the two, answers; the community
    closes it. A neighbour then reports the same rock: the community searches, finds the matter and records the
    neighbour's report as its duplicate, closed with a pointer to the original (instead of a second case)."""
    shuanghu, huixing, district = api["shuanghu"], api["huixing.center"], api["district.center"]
    # the task force's own matter (既有专项整治), recorded at the district's housing commission
    task_force = api["housing"].record(title="双湖路片区危岩专项整治", category="安全隐患", channel="visit",
                                       complexity="complex", resident_name="区住房城乡建委", address="双湖路片区")
    rec = shuanghu.record(title="双湖路党校集资楼后危岩", category="安全隐患", channel="walk_in", complexity="complex",
                          resident_name="李女士", resident_phone="13812340001", address="双湖路党校集资楼后",
                          description="集资楼后山体危岩松动,居民担心垮塌。")
    number = rec["number"]
    assert number.startswith("YB-2026-")
    assert rec["status"] == "pending"
    assert rec["origin_unit"]["name"] == rec["holder_unit"]["name"] == "双湖路社区便民服务站"
    assert rec["claimed_by"] is None and rec["complexity"] == "complex"
    # nothing to release back to; an internal note and a link are open to it as the recording unit
    assert set(rec["allowed_actions"]) == {"claim", "escalate", "request_help", "progress", "link"}

    assert number in shuanghu.numbers("incoming") and number in shuanghu.numbers("all")
    assert number in huixing.numbers("pending_below")  # the street sees its community's matter at once
    assert number not in huixing.numbers("incoming")  # ... but it is not waiting at the street
    assert number in district.numbers("all") and number in api["command"].numbers("all")
    assert number not in api["baoshenghu"].numbers("all")  # a sibling community: not its jurisdiction

    d = shuanghu.act(number, "escalate", note=ROCK_NOTES[0])
    assert d["status"] == "pending" and d["holder_unit"]["name"] == "回兴街道便民服务中心"
    assert d["claimed_by"] is None and d["allowed_actions"] == ["progress", "link"]  # the recording unit's notes
    assert number in shuanghu.numbers("sent_on") and number in shuanghu.numbers("all")
    assert number not in shuanghu.numbers("incoming")
    assert number in huixing.numbers("incoming")
    assert set(huixing.matter(number)["allowed_actions"]) == {"claim", "release", "escalate", "request_help",
                                                              "progress", "link"}

    d = huixing.act(number, "escalate", note=ROCK_NOTES[1])
    assert d["status"] == "pending" and d["holder_unit"]["name"] == "区行政服务中心"
    assert number in huixing.numbers("sent_on") and number in shuanghu.numbers("sent_on")
    assert number in district.numbers("incoming")
    assert number not in huixing.numbers("incoming")

    d = district.act(number, "claim")
    assert d["status"] == "in_progress" and d["holder_unit"]["name"] == "区行政服务中心"
    assert d["claimed_by"]["username"] == "district.center"
    assert number in district.numbers("in_hand") and number not in district.numbers("incoming")
    # the district cannot hand it further up; it may ask the command center
    assert "escalate" not in d["allowed_actions"] and "request_help" in d["allowed_actions"]
    # the district searches the district's matters (queue=all: the district for a district unit), finds the
    # task force's, and links the two instead of working the rock a second time
    found = district.queue("all", q="危岩")["items"]
    assert task_force["number"] in [m["number"] for m in found]
    d = district.act(number, "link", other=task_force["number"], link_kind="related", note=ROCK_NOTES[2])
    assert d["status"] == "in_progress" and d["links"] == [{
        "number": task_force["number"], "title": "双湖路片区危岩专项整治", "status": "pending", "kind": "related",
        "direction": "outgoing"}]
    tf = api["housing"].matter(task_force["number"])
    assert (tf["events"][-1]["kind"], tf["events"][-1]["other_number"]) == ("linked", number)
    assert tf["links"][0]["number"] == number and tf["links"][0]["direction"] == "incoming"
    d = district.act(number, "answer", note=ROCK_NOTES[3])
    assert d["status"] == "answered" and d["answered_at"]
    assert [e["kind"] for e in d["events"] if e["note_kind"] == "answer"] == ["answer"]  # what the resident hears
    assert number in district.numbers("in_hand")
    assert "close" in shuanghu.matter(number)["allowed_actions"]  # the recording community closes with the resident

    d = shuanghu.act(number, "close")
    assert d["status"] == "closed" and d["closed_at"]
    assert d["holder_unit"]["name"] == "区行政服务中心"

    expected = [
        ("record", "双湖路社区便民服务站", "shuanghu", None, "双湖路社区便民服务站", "pending", ""),
        ("escalate", "双湖路社区便民服务站", "shuanghu", "双湖路社区便民服务站", "回兴街道便民服务中心", "pending",
         ROCK_NOTES[0]),
        ("escalate", "回兴街道便民服务中心", "huixing.center", "回兴街道便民服务中心", "区行政服务中心", "pending",
         ROCK_NOTES[1]),
        ("claim", "区行政服务中心", "district.center", None, None, "in_progress", ""),
        ("link", "区行政服务中心", "district.center", None, None, "in_progress", ROCK_NOTES[2]),
        ("answer", "区行政服务中心", "district.center", None, None, "answered", ROCK_NOTES[3]),
        ("close", "双湖路社区便民服务站", "shuanghu", None, None, "closed", ""),
    ]
    view = assert_same_view(api, number, ["shuanghu", "huixing.center", "district.center", "command", "baoshenghu",
                                          "admin", "trainer"])
    assert timeline(view) == expected
    assert_event_ids_grow(view)
    assert [e["holder_unit_id"] for e in story_events(view)] == [
        api.unit_id(n) for n in ("双湖路社区便民服务站", "回兴街道便民服务中心", "区行政服务中心", "区行政服务中心",
                                 "区行政服务中心", "区行政服务中心", "区行政服务中心")]
    assert_read_only(api, number)
    # finished: out of every working queue, still in everyone's "all"
    for name in ("shuanghu", "huixing.center"):
        assert number not in api[name].numbers("sent_on")
        assert number in api[name].numbers("all")
    assert number not in district.numbers("in_hand") and number in district.numbers("all")

    # a neighbour walks in about the same rock. The community searches the whole district (queue=district) and
    # finds the rock it recorded and the task force's matter, which it never held (its resident masked) ...
    found = {m["number"]: m for m in shuanghu.queue("district", q="危岩")["items"]}
    assert number in found and task_force["number"] in found
    assert "resident_name" not in found[number]["masked"]  # on its path: in full
    assert "resident_name" in found[task_force["number"]]["masked"]  # not on its path: masked
    # ... so the neighbour's report becomes a duplicate of it: closed at once, pointing at the original, whose
    # answer the clerk can cite to the neighbour
    neighbour = shuanghu.record(title="集资楼后山上有石头松动", category="安全隐患", channel="walk_in",
                                resident_name="张先生", resident_phone="13812340009", address="双湖路党校集资楼")
    d = shuanghu.act(neighbour["number"], "link", other=number, link_kind="duplicate", note="同一危岩,见原事项答复")
    assert d["status"] == "closed" and d["closed_at"] and d["answered_at"] is None
    closing = d["events"][-1]
    assert (closing["kind"], closing["link_kind"], closing["other_number"], closing["status_after"]) == (
        "link", "duplicate", number, "closed")
    assert d["links"] == [{"number": number, "title": "双湖路党校集资楼后危岩", "status": "closed",
                           "kind": "duplicate", "direction": "outgoing"}]
    original = shuanghu.matter(number)
    assert (original["events"][-1]["kind"], original["events"][-1]["other_number"]) == ("linked", neighbour["number"])
    assert {(x["number"], x["kind"], x["direction"]) for x in original["links"]} == {
        (task_force["number"], "related", "outgoing"), (neighbour["number"], "duplicate", "incoming")}
    assert original["status"] == "closed" and original["version"] == view["version"]  # untouched but for the entry


def test_road_repair(api):
    """柳桥街路面: the community records it; the town sees it live and claims it itself, without the district."""
    liuqiao, shichuan = api["liuqiao"], api["shichuan.center"]
    headers = {**shichuan.headers, "Accept": "text/event-stream"}
    with httpx.Client(base_url=api.base_url, timeout=httpx.Timeout(10.0)) as feed_client:
        with feed_client.stream("GET", "/api/events", headers=headers) as feed:
            assert feed.status_code == 200
            assert feed.headers["content-type"].startswith("text/event-stream")
            rec = liuqiao.record(title="柳桥街路面破损,长久失修", category="道路交通", channel="walk_in",
                                 complexity="simple", resident_name="王先生", resident_phone="13812340002",
                                 address="石船镇柳桥街")
            number = rec["number"]
            live = read_sse_until(feed, lambda e: e["matter_number"] == number)
    event = live[-1]
    assert event["kind"] == "record" and event["unit"]["name"] == "柳桥社区便民服务站"
    assert event["status_after"] == "pending"

    below = shichuan.queue("pending_below", q=number)
    assert [row["number"] for row in below["items"]] == [number]
    assert number not in shichuan.numbers("incoming")
    row = below["items"][0]
    assert row["holder_unit"]["name"] == "柳桥社区便民服务站" and row["status"] == "pending"
    assert set(shichuan.matter(number)["allowed_actions"]) == {"claim"}

    d = shichuan.act(number, "claim")
    assert d["status"] == "in_progress"
    assert d["holder_unit"]["name"] == "石船镇便民服务中心" and d["claimed_by"]["username"] == "shichuan.center"
    assert d["previous_holder_id"] == api.unit_id("柳桥社区便民服务站")
    assert number in shichuan.numbers("in_hand") and number not in shichuan.numbers("incoming")
    assert number in liuqiao.numbers("all") and number not in liuqiao.numbers("incoming")
    # claimed from below, never handed up: the community still finds it in "sent on" (recorded here, open
    # elsewhere) without going to "all"
    assert number in liuqiao.numbers("sent_on")
    # the district sees it in "all" but never had it to hand
    assert number in api["district.center"].numbers("all") and number in api["command"].numbers("all")
    assert number not in api["district.center"].numbers("incoming")

    notes = ("镇政府已启动柳桥街道路维修,本周进场", "柳桥街路面已修复,已电话告知王先生")
    shichuan.act(number, "progress", note=notes[0])
    shichuan.act(number, "answer", note=notes[1])
    d = liuqiao.act(number, "close")
    assert d["status"] == "closed"

    view = assert_same_view(api, number, ["liuqiao", "shichuan.center", "district.center", "command", "admin"])
    assert timeline(view) == [
        ("record", "柳桥社区便民服务站", "liuqiao", None, "柳桥社区便民服务站", "pending", ""),
        ("claim", "石船镇便民服务中心", "shichuan.center", "柳桥社区便民服务站", "石船镇便民服务中心", "in_progress",
         ""),
        ("progress", "石船镇便民服务中心", "shichuan.center", None, None, "in_progress", notes[0]),
        ("answer", "石船镇便民服务中心", "shichuan.center", None, None, "answered", notes[1]),
        ("close", "柳桥社区便民服务站", "liuqiao", None, None, "closed", ""),
    ]
    assert not {"escalate", "request_help", "assign"} & {e[0] for e in timeline(view)}
    assert_event_ids_grow(view)
    assert_read_only(api, number)


def test_fingerprint_at_home(api, clock):
    """雷奶奶指纹认证: a phone call recorded at 10:00; the town's social-security office claims it from the shared
    queue, visits at 13:00, answers; the community closes and follows up (satisfaction 5)."""
    clock.set(FROZEN_NOW)  # Thursday 2026-11-26 10:00 in Chongqing
    community, shebao = api["longxing.community"], api["longxing.shebao"]
    rec = community.record(title="雷奶奶养老保险指纹认证,行动不便", category="社会保障", channel="phone",
                           complexity="simple", resident_name="雷奶奶", resident_phone="023-67001234",
                           address="龙兴镇龙兴社区")
    number = rec["number"]
    assert rec["channel"] == "phone" and rec["resident_phone"] == "023-67001234"
    assert at(rec["created_at"]) == datetime(2026, 11, 26, 10, 0, tzinfo=CST)
    # simple: 3 working days, the day of receipt not counted: Fri, Mon, Tue → Tuesday 17:30
    assert at(rec["due_at"]) == datetime(2026, 12, 1, 17, 30, tzinfo=CST)

    # the town office's jurisdiction is the whole town: the community's matter is pending below it
    assert number in shebao.numbers("pending_below") and number not in shebao.numbers("incoming")
    assert number in api["longxing.center"].numbers("pending_below")
    assert number in api["command"].numbers("all") and number in community.numbers("all")
    assert set(shebao.matter(number)["allowed_actions"]) == {"claim"}

    clock.advance(timedelta(minutes=20))
    d = shebao.act(number, "claim")
    assert d["status"] == "in_progress" and d["holder_unit"]["name"] == "龙兴镇社保所"
    assert d["claimed_by"]["username"] == "longxing.shebao"
    assert number not in api["longxing.center"].numbers("pending_below")
    assert number in shebao.numbers("in_hand")

    clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=CST))
    shebao.act(number, "progress", note="13:00 上门采集指纹")
    clock.advance(timedelta(minutes=40))
    d = shebao.act(number, "answer", note="指纹认证已完成,养老保险可正常办理")
    assert at(d["answered_at"]) == datetime(2026, 11, 26, 13, 40, tzinfo=CST)
    assert at(d["answered_at"]) <= at(d["due_at"])
    clock.advance(timedelta(minutes=20))
    d = community.act(number, "close")
    assert d["status"] == "closed"
    clock.advance(timedelta(hours=1))
    d = community.act(number, "follow_up", satisfaction=5, note="来得真快")
    assert d["status"] == "closed" and d["satisfaction"] == 5

    view = assert_same_view(api, number, ["longxing.community", "longxing.shebao", "longxing.center", "command",
                                          "trainer"])
    assert timeline(view) == [
        ("record", "龙兴社区便民服务站", "longxing.community", None, "龙兴社区便民服务站", "pending", ""),
        ("claim", "龙兴镇社保所", "longxing.shebao", "龙兴社区便民服务站", "龙兴镇社保所", "in_progress", ""),
        ("progress", "龙兴镇社保所", "longxing.shebao", None, None, "in_progress", "13:00 上门采集指纹"),
        ("answer", "龙兴镇社保所", "longxing.shebao", None, None, "answered", "指纹认证已完成,养老保险可正常办理"),
        ("close", "龙兴社区便民服务站", "longxing.community", None, None, "closed", ""),
        ("follow_up", "龙兴社区便民服务站", "longxing.community", None, None, "closed", "来得真快"),
    ]
    events = story_events(view)
    times = [at(e["created_at"]).astimezone(CST).strftime("%H:%M") for e in events]
    assert times == ["10:00", "10:20", "13:00", "13:40", "14:00", "15:00"]
    assert [e["satisfaction"] for e in events] == [None] * 5 + [5]
    # the home visit came three hours after the call
    assert at(events[2]["created_at"]) - at(events[0]["created_at"]) == timedelta(hours=3)
    assert_event_ids_grow(view)
    assert_read_only(api, number)


def test_bus_to_xingwang(api, clock):
    """兴旺村通公交: the village escalates to its street; the street claims, surveys, asks the command center for
    help; the command center assigns it to the transport commission, which answers before Spring Festival."""
    clock.set(FROZEN_NOW)
    transport_id = api.unit_id("区交委")
    notes = {
        "escalate": "村两委无法解决,提交街道",
        "progress": "正在调研(surveying),摸清村民出行需求",
        "request_help": "需区交委开通线路,请指挥中心协调",
        "assign": "请区交委研究开通兴旺村公交",
        "answer": "兴旺村公交线路已开通,春节前通车",
    }
    xingwang, street = api["xingwang"], api["shuangfengqiao.center"]
    rec = xingwang.record(title="兴旺村通公交,村民出行难", category="道路交通", channel="visit",
                          complexity="complex", resident_name="岳灵", resident_phone="13812340004",
                          address="双凤桥街道兴旺村")
    number = rec["number"]
    d = xingwang.act(number, "escalate", note=notes["escalate"])
    assert d["holder_unit"]["name"] == "双凤桥街道便民服务中心"
    assert number in xingwang.numbers("sent_on") and number in street.numbers("incoming")
    assert number in api["command"].numbers("all")

    clock.advance(timedelta(hours=1))
    d = street.act(number, "claim")
    assert d["status"] == "in_progress" and d["claimed_by"]["username"] == "shuangfengqiao.center"
    clock.advance(timedelta(hours=2))
    d = street.act(number, "progress", note=notes["progress"])
    assert d["status"] == "in_progress"

    # a week of surveying later (tokens last 12 hours: log in again at the new time)
    with operators_at(api, clock, datetime(2026, 12, 3, 9, 0, tzinfo=CST)) as week:
        street, command, transport = week["shuangfengqiao.center"], week["command"], week["transport"]
        d = street.act(number, "request_help", note=notes["request_help"])
        assert d["status"] == "pending" and d["holder_unit"]["name"] == "区群众工作指挥中心"
        assert d["claimed_by"] is None
        assert number in street.numbers("sent_on") and number in week["xingwang"].numbers("sent_on")
        assert number in command.numbers("incoming")
        assert "assign" in command.matter(number)["allowed_actions"]
        assert "assign" not in week["district.center"].matter(number)["allowed_actions"]

        clock.advance(timedelta(hours=2))
        d = command.act(number, "assign", to_unit=transport_id, note=notes["assign"])
        assert d["status"] == "pending" and d["holder_unit"]["id"] == transport_id
        assert number in command.numbers("sent_on")
        assert number in transport.numbers("incoming")

        clock.advance(timedelta(hours=1))
        d = transport.act(number, "claim")
        assert d["holder_unit"]["name"] == "区交委" and d["claimed_by"]["username"] == "transport"
        assert number in transport.numbers("in_hand")

    with operators_at(api, clock, datetime(2027, 1, 20, 10, 0, tzinfo=CST)) as later:
        d = later["transport"].act(number, "answer", note=notes["answer"])
        assert at(d["answered_at"]) < datetime(2027, 2, 6, tzinfo=CST)  # Spring Festival 2027
        d = later["xingwang"].act(number, "close")
        assert d["status"] == "closed"
        for name in ("xingwang", "shuangfengqiao.center", "command"):
            assert number not in later[name].numbers("sent_on")
            assert number in later[name].numbers("all")

        view = assert_same_view(later, number, ["xingwang", "shuangfengqiao.center", "command", "transport",
                                                "district.center", "admin"])
        assert timeline(view) == [
            ("record", "兴旺村便民服务站", "xingwang", None, "兴旺村便民服务站", "pending", ""),
            ("escalate", "兴旺村便民服务站", "xingwang", "兴旺村便民服务站", "双凤桥街道便民服务中心", "pending",
             notes["escalate"]),
            ("claim", "双凤桥街道便民服务中心", "shuangfengqiao.center", None, None, "in_progress", ""),
            ("progress", "双凤桥街道便民服务中心", "shuangfengqiao.center", None, None, "in_progress",
             notes["progress"]),
            ("request_help", "双凤桥街道便民服务中心", "shuangfengqiao.center", "双凤桥街道便民服务中心",
             "区群众工作指挥中心", "pending", notes["request_help"]),
            ("assign", "区群众工作指挥中心", "command", "区群众工作指挥中心", "区交委", "pending", notes["assign"]),
            ("claim", "区交委", "transport", None, None, "in_progress", ""),
            ("answer", "区交委", "transport", None, None, "answered", notes["answer"]),
            ("close", "兴旺村便民服务站", "xingwang", None, None, "closed", ""),
        ]
        assert_event_ids_grow(view)
        assert_read_only(later, number)
