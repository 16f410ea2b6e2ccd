"""Who sees what, in the stories of the issue: the live feed per operator, the district search that would have
saved the rock story, and visibility that follows a matter along its path. (Every operator × relation × read is
in test_permission_matrix.py.)"""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_events import json_page, last_event_id, open_feed


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """A server of this module's own, on ``postgresql-2w`` too: it searches and pages the whole district and
    listens to the feed, where other modules' matters and unit changes would show up."""
    return start_server(own=True)


#: seconds a read may wait for the next bytes of a stream
READ_TIMEOUT = 5.0
#: how long a stream that must stay silent is watched (it would have sent at once: events are not delayed)
SILENCE = 1.5


@pytest.fixture(scope="module")
def feed_client(server):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.base_url, timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0)) as client:
        yield client


@pytest.fixture(scope="module")
def quiet_client(server):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.base_url, timeout=httpx.Timeout(SILENCE, connect=5.0)) as client:
        yield client


def test_the_live_feed_masks_for_another_town_and_sends_a_trainer_nothing(api, feed_client, quiet_client):
    shuanghu, liuqiao, command = api["shuanghu"], api["liuqiao"], api["command"]
    start = str(last_event_id(command))
    phone, name = "13877770005", "陈大爷"
    description, note = "三楼楼道灯坏了,老人夜里摔过一跤", "已联系物业电工明早上门"
    with open_feed(feed_client, liuqiao.token, last_event_id=start) as other_town, \
            open_feed(feed_client, command.token, last_event_id=start) as center, \
            open_feed(quiet_client, api["trainer"].token, last_event_id=start) as trainer:
        number = shuanghu.record(title="楼道灯不亮", resident_name=name, resident_phone=phone,
                                 address="双湖路18号2单元", description=description)["number"]
        shuanghu.act(number, "claim")
        shuanghu.act(number, "progress", note=note)

        seen = other_town.events(3)
        assert [(e["matter_number"], e["kind"]) for e in seen] == [(number, "record"), (number, "claim"),
                                                                    (number, "progress")]
        progress = seen[-1]
        assert progress["note"] == "" and progress["masked"] == ["note"], "the note is withheld, and says so"
        assert progress["unit"]["name"] == "双湖路社区便民服务站", "the work is there: who did what"
        # nothing of the resident or the notes went over the wire
        assert not [secret for secret in (phone, name, description, note) if secret in str(seen)]

        full = center.events(3)
        assert full[-1]["note"] == note and full[-1]["masked"] == []

        with pytest.raises(httpx.ReadTimeout):
            trainer.frame()  # the three events would have come at once; a trainer's feed sends none
    # the same matter, read by the other town: the work in full, the resident masked
    detail = liuqiao.matter(number)
    assert (detail["title"], detail["status"]) == ("楼道灯不亮", "in_progress")
    assert (detail["resident_phone"], detail["resident_name"], detail["address"]) == ("138****0005", "陈**",
                                                                                        "双湖路**")
    assert detail["description"] == ""
    assert set(detail["masked"]) == {"resident_phone", "resident_name", "address", "description"}
    # the JSON catch-up is filtered alike; a trainer's is empty but moves on
    page = json_page(liuqiao, int(start))
    assert [e["note"] for e in page["items"] if e["matter_number"] == number] == ["", "", ""]
    trainer_page = json_page(api["trainer"], int(start))
    assert trainer_page["items"] == [] and trainer_page["last_id"] >= page["last_id"]
    assert api["trainer"].get(f"/api/matters/{number}").status_code == 404


def test_the_rock_story_a_community_finds_the_task_force_matter_first(api):
    """The community searches the whole district before recording, and finds the district's matter on the same
    slope: the work in full, the resident masked."""
    task_force = api["district.center"].record(title="党校集资楼后危岩整治", resident_name="区住建委工作组",
                                               resident_phone="023-67001111", address="双湖路党校集资楼后")
    community = api["shuanghu"]
    page = community.queue("district", q="危岩")
    assert [row["number"] for row in page["items"]] == [task_force["number"]] and page["total"] == 1
    row = page["items"][0]
    assert row["holder_unit"]["name"] == "区行政服务中心"
    assert row["resident_name"] == "区******" and row["masked"] == ["resident_name"]
    # keyset paging like every queue: page by page, the whole district, each matter once
    paged, cursor = [], None
    while True:
        page = community.queue("district", limit=2, **({"cursor": cursor} if cursor else {}))
        paged += [row["number"] for row in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert paged == community.numbers("district") and len(set(paged)) == len(paged) == page["total"]
    assert task_force["number"] in paged
    assert api["trainer"].queue("district") == {"items": [], "total": 0, "next_cursor": None, "prev_cursor": None}
    # its own queues stay its own
    assert task_force["number"] not in community.numbers("all")
    counts = community.get("/api/queues").json()
    assert counts["district"] >= 1


def test_a_unit_sees_the_resident_once_the_matter_reaches_it_and_keeps_seeing_it(api):
    shuanghu, street = api["shuanghu"], api["huixing.center"]
    number = shuanghu.record(title="电梯故障", resident_name="许女士", resident_phone="13812349999")["number"]
    before = street.matter(number)  # the street supervises the community: the work, the resident masked
    assert before["resident_phone"] == "138****9999" and "resident_phone" in before["masked"]
    shuanghu.act(number, "escalate", note="需街道约谈物业")
    street.act(number, "claim")
    street.act(number, "escalate", note="需区住建委督促")
    after = street.matter(number)  # it held the matter: on its path for good
    assert after["resident_phone"] == "13812349999" and after["masked"] == []
    assert [e["note"] for e in after["events"] if e["kind"] == "escalate"] == ["需街道约谈物业", "需区住建委督促"]
    # a sibling community is not on the path: masked, notes withheld
    sibling = api["baoshenghu"].matter(number)
    assert sibling["resident_phone"] == "138****9999"
    assert all(e["note"] == "" for e in sibling["events"])



def _entry(detail: dict, kind: str) -> dict:
    return [e for e in detail["events"] if e["kind"] == kind][-1]


def test_whoever_may_decide_an_extension_reads_its_reason_and_no_other_note(api):
    """The district decides a town's request: it reads the reason (it decided blind before), and only that."""
    village, town, district = api["shuanghu"], api["huixing.center"], api["district.supervisor"]
    m = village.record()
    number = m["number"]
    village.act(number, "escalate", note="社区无法处理,提交街道")
    town.act(number, "claim")
    town.act(number, "progress", note="已联系物业,内部记录")
    town.act(number, "request_extension", reason="需等待区住建委现场勘察结果", days=3)
    seen = district.matter(number)
    assert "approve_extension" in seen["allowed_actions"]
    request = _entry(seen, "request_extension")
    assert request["note"] == "需等待区住建委现场勘察结果" and "note" not in request["masked"]
    for kind in ("escalate", "progress"):  # every other note stays withheld
        assert _entry(seen, kind)["note"] == "" and "note" in _entry(seen, kind)["masked"]
    # a unit that may not decide (a town beside it) reads nothing of it
    other = api["shichuan.center"].matter(number)
    assert _entry(other, "request_extension")["note"] == "" and "note" in _entry(other, "request_extension")["masked"]
    district.act(number, "approve_extension")
    decided = district.matter(number)
    assert _entry(decided, "request_extension")["note"] == ""  # no request waits for them any more


def test_the_command_centers_own_request_is_decided_by_the_district_that_oversees_it(api):
    """Nobody stands above the command center: the district's administrative service center's supervisor
    decides its own requests (COMMAND_CENTER_OVERSEERS), reading the reason; a district department never does."""
    town, command = api["huixing.center"], api["command"]
    m = town.record()
    number = m["number"]
    town.act(number, "request_help", note="需区级统筹")
    command.act(number, "claim")
    command.act(number, "request_extension", reason="多部门会商,需延期", days=5)
    assert "approve_extension" not in command.matter(number)["allowed_actions"]  # never the requester
    refused = command.post(f"/api/matters/{number}/approve_extension", json={})
    assert refused.status_code == 403 and refused.json()["code"] == "wrong_unit"
    clerk = api["transport"].post(f"/api/matters/{number}/reject_extension", json={"reason": "x"})
    assert clerk.status_code == 403
    supervisor = api["district.supervisor"]
    seen = supervisor.matter(number)
    assert {"approve_extension", "reject_extension"} <= set(seen["allowed_actions"])
    assert _entry(seen, "request_extension")["note"] == "多部门会商,需延期"
    assert _entry(seen, "request_help")["note"] == ""
    supervisor.act(number, "reject_extension", reason="请按期办结")
    assert command.matter(number)["extension_days_requested"] is None
