"""Linking two matters (``POST /api/matters/{number}/link``) and the two kinds of note, over HTTP on SQLite and
PostgreSQL: both timelines, the detail's links, the duplicate closed with a pointer, and every refusal."""

from __future__ import annotations

from tests.helpers import Api


def link(session, number: str, other: str, kind: str, expect: int = 200, **body) -> dict:
    return session.act(number, "link", expect=expect, other=other, link_kind=kind, **body)


def last(detail: dict) -> dict:
    return detail["events"][-1]


def test_related_link_shows_on_both_timelines_and_in_both_details(api: Api):
    shuanghu, district = api["shuanghu"], api["district.center"]
    mine = shuanghu.record(title="双湖路危岩又有落石")
    theirs = district.record(title="双湖路危岩专项整治")
    d = link(shuanghu, mine["number"], theirs["number"], "related", note="区级已有专项整治")
    assert d["status"] == "pending" and d["version"] == mine["version"] + 1  # a related link changes nothing else
    e = last(d)
    assert (e["kind"], e["other_number"], e["link_kind"], e["note"], e["note_kind"]) == (
        "link", theirs["number"], "related", "区级已有专项整治", "internal")
    assert e["actor"]["username"] == "shuanghu" and e["status_after"] == "pending"
    assert d["links"] == [{"number": theirs["number"], "title": "双湖路危岩专项整治", "status": "pending",
                           "kind": "related", "direction": "outgoing"}]

    other = district.matter(theirs["number"])
    e = last(other)
    assert (e["kind"], e["other_number"], e["link_kind"], e["matter_number"]) == (
        "linked", mine["number"], "related", theirs["number"])
    assert e["unit"]["name"] == "双湖路社区便民服务站" and e["status_after"] == "pending"
    assert other["links"] == [{"number": mine["number"], "title": "双湖路危岩又有落石", "status": "pending",
                               "kind": "related", "direction": "incoming"}]
    assert other["version"] == theirs["version"]  # the other matter's state is untouched: no lost-update race
    # the two entries are one write: consecutive ids
    assert other["events"][-1]["id"] == d["events"][-1]["id"] + 1


def test_duplicate_is_closed_pointing_at_the_original(api: Api):
    shuanghu, huixing = api["shuanghu"], api["huixing.center"]
    original = shuanghu.record(title="党校集资楼后危岩")
    dup = shuanghu.record(title="集资楼后山体危岩(邻居来电)")
    shuanghu.act(dup["number"], "claim")
    d = link(shuanghu, dup["number"], original["number"], "duplicate", note="同一危岩,已并入原事项")
    assert d["status"] == "closed" and d["closed_at"] and d["answered_at"] is None
    assert d["claimed_by"] is None and d["claim_due_at"] is None
    e = last(d)
    assert (e["kind"], e["link_kind"], e["other_number"], e["status_after"]) == (
        "link", "duplicate", original["number"], "closed")
    assert d["links"][0]["direction"] == "outgoing" and d["links"][0]["kind"] == "duplicate"
    # out of the working queues; the original is as it was, with the entry naming the duplicate
    assert dup["number"] not in shuanghu.numbers("in_hand")
    o = shuanghu.matter(original["number"])
    assert o["status"] == "pending" and last(o)["kind"] == "linked" and last(o)["other_number"] == dup["number"]
    assert o["links"] == [{"number": dup["number"], "title": "集资楼后山体危岩(邻居来电)", "status": "closed",
                           "kind": "duplicate", "direction": "incoming"}]
    # the duplicate can still be reopened (a wrong link is undone by hand) and followed up
    assert "reopen" in d["allowed_actions"] and "link" in d["allowed_actions"]
    assert huixing.matter(dup["number"])["status"] == "closed"


def test_command_center_may_link_and_a_closed_matter_may_be_related(api: Api):
    shuanghu, command = api["shuanghu"], api["command"]
    a = shuanghu.record()
    b = shuanghu.record()
    shuanghu.act(a["number"], "link", other=b["number"], link_kind="duplicate")  # a is closed now
    c = shuanghu.record()
    d = link(command, a["number"], c["number"], "related")
    assert d["status"] == "closed" and {x["number"] for x in d["links"]} == {b["number"], c["number"]}
    refused = command.post(f"/api/matters/{a['number']}/link", json={"other": c["number"], "link_kind": "duplicate"})
    # closed already (as a duplicate): it cannot be closed as a duplicate again, whatever else is wrong
    assert refused.status_code == 409 and refused.json()["code"] == "wrong_status", refused.text


def test_every_refusal(api: Api):
    shuanghu, baoshenghu, admin = api["shuanghu"], api["baoshenghu"], api["admin"]
    a, b = shuanghu.record(), shuanghu.record()

    def post(session, number, body):
        return session.post(f"/api/matters/{number}/link", json=body)

    cases = [
        (shuanghu, a["number"], {}, 422, {"other": "required", "link_kind": "required"}),
        (shuanghu, a["number"], {"other": b["number"]}, 422, {"link_kind": "required"}),
        (shuanghu, a["number"], {"other": b["number"], "link_kind": "merged"}, 422, {"link_kind": "enum"}),
        (shuanghu, a["number"], {"other": "YB-2026-999999", "link_kind": "related"}, 422, {"other": "unknown_matter"}),
        (shuanghu, a["number"], {"other": a["number"], "link_kind": "duplicate"}, 422, {"other": "same_matter"}),
        (shuanghu, a["number"], {"other": "x" * 33, "link_kind": "related"}, 422, {"other": "too_long"}),
        (shuanghu, a["number"], {"other": 7, "link_kind": "related"}, 422, {"other": "not_text"}),
    ]
    for session, number, body, status, fields in cases:
        r = post(session, number, body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["fields"] == fields, (body, r.text)
    r = post(baoshenghu, a["number"], {"other": b["number"], "link_kind": "related"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_unit"  # a sibling community: not on its path
    r = post(admin, a["number"], {"other": b["number"], "link_kind": "related"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = post(shuanghu, "YB-2026-999998", {"other": b["number"], "link_kind": "related"})
    assert r.status_code == 404

    link(shuanghu, a["number"], b["number"], "related")
    for number, other in ((a["number"], b["number"]), (b["number"], a["number"])):  # twice, either way round
        r = post(shuanghu, number, {"other": other, "link_kind": "duplicate"})
        assert r.status_code == 409 and r.json()["code"] == "already_linked", r.text
    # nothing of the refused ones was written: one link, one entry on each side
    assert len(shuanghu.matter(a["number"])["links"]) == 1
    assert [e["kind"] for e in shuanghu.matter(b["number"])["events"]] == ["record", "linked"]
    assert shuanghu.matter(a["number"])["status"] == "pending"

    closed = shuanghu.record()
    link(shuanghu, closed["number"], b["number"], "duplicate")
    r = post(shuanghu, closed["number"], {"other": a["number"], "link_kind": "duplicate"})
    assert r.status_code == 409 and r.json()["code"] == "wrong_status", r.text


def test_note_kinds_and_only_the_answer_answers(api: Api):
    shuanghu, huixing = api["shuanghu"], api["huixing.center"]
    m = shuanghu.record()
    number = m["number"]
    # an internal note while it waits, by the unit that recorded it
    d = shuanghu.act(number, "progress", note="居民补充了照片")
    assert d["status"] == "pending" and last(d)["note_kind"] == "internal" and d["answered_at"] is None
    shuanghu.act(number, "escalate", note="社区无权处置")
    # still the recording unit's to note on, though the street holds it now
    d = shuanghu.act(number, "progress", note="居民再次来电询问")
    assert d["status"] == "pending" and d["holder_unit"]["name"] == "回兴街道便民服务中心"
    assert api["baoshenghu"].post(f"/api/matters/{number}/progress", json={"note": "x"}).status_code == 403
    huixing.act(number, "claim")
    d = huixing.act(number, "request_extension", reason="需勘察", days=2)
    assert last(d)["note_kind"] == "reason" and d["answered_at"] is None
    d = huixing.act(number, "answer", note="已安排排危")
    assert last(d)["note_kind"] == "answer" and d["answered_at"]
    answered_at = d["answered_at"]
    d = huixing.act(number, "progress", note="答复后回访")
    assert d["status"] == "answered" and last(d)["note_kind"] == "internal" and d["answered_at"] == answered_at
    kinds = {(e["kind"], e["note_kind"]) for e in d["events"]}
    assert ("record", "none") in kinds and ("claim", "none") in kinds and ("escalate", "internal") in kinds
    assert [e["kind"] for e in d["events"] if e["note_kind"] == "answer"] == ["answer"]
    d = shuanghu.act(number, "close")
    assert shuanghu.post(f"/api/matters/{number}/progress", json={"note": "x"}).status_code == 409


def test_two_windows_link_the_same_pair_at_once_one_wins(api: Api):
    """The community links A to B while the command center links B to A, at the same moment, many times over:
    exactly one link per pair, the other gets 409 ``already_linked``, and each matter has one entry."""
    import threading

    import httpx

    shuanghu, command = api["shuanghu"], api["command"]
    pairs = [(shuanghu.record()["number"], shuanghu.record()["number"]) for _ in range(10)]
    answers: list[int] = []
    lock = threading.Lock()

    def run(token: str, reverse: bool, barrier: threading.Barrier) -> None:
        with httpx.Client(base_url=api.base_url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            barrier.wait()
            for a, b in pairs:
                one, other = (b, a) if reverse else (a, b)
                r = client.post(f"/api/matters/{one}/link", json={"other": other, "link_kind": "related"})
                with lock:
                    answers.append(r.status_code)
                assert r.status_code == 200 or r.json()["code"] == "already_linked", r.text

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=run, args=(s.token, i == 1, barrier)) for i, s in enumerate((shuanghu, command))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200] * 10 + [409] * 10
    for a, b in pairs:
        da, db = shuanghu.matter(a), shuanghu.matter(b)
        assert len(da["links"]) == len(db["links"]) == 1
        assert len(da["events"]) == len(db["events"]) == 2  # record, and one link or linked entry
