"""What lets the queues scale (migration 0005, ``server/matters/queues.py``): paging backwards and from the end, the
text index behind ``q=`` (trigrams: PostgreSQL ``pg_trgm``, SQLite FTS5) kept in step with the matters, and the
counts read from tallies that triggers keep. Timings are in ``python -m bench``, not here."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers import Api

QUEUES = ("incoming", "in_hand", "pending_below", "sent_on", "all", "district")


@pytest.fixture(scope="module")
def fresh(start_server):  # type: ignore[no-untyped-def]
    srv = start_server(own=True)
    with Api(srv.base_url) as api:
        yield api, srv


def test_paging_backwards_and_from_the_end(fresh):
    api, _srv = fresh
    s = api["liuqiao"]
    made = [s.record(title=f"倒序翻页 {i}")["number"] for i in range(7)]
    forward = s.numbers("incoming")
    assert sorted(forward) == sorted(made)
    last = s.queue("incoming", limit=3, from_end="true")
    assert [r["number"] for r in last["items"]] == forward[-3:]
    assert last["next_cursor"] is None and last["prev_cursor"] and last["total"] == 7
    seen, before = [r["number"] for r in last["items"]], last["prev_cursor"]
    while before:
        page = s.queue("incoming", limit=3, before=before)
        assert page["next_cursor"]  # there are rows after a page reached backwards
        seen = [r["number"] for r in page["items"]] + seen
        before = page["prev_cursor"]
    assert seen == forward
    # forwards, the second page points back at the first
    first = s.queue("incoming", limit=3)
    assert first["prev_cursor"] is None
    second = s.queue("incoming", limit=3, cursor=first["next_cursor"])
    back = s.queue("incoming", limit=3, before=second["prev_cursor"])
    assert back["items"] == first["items"]
    # one way at a time
    r = s.get("/api/matters", params={"queue": "incoming", "cursor": first["next_cursor"], "from_end": "true"})
    assert r.status_code == 422 and r.json()["fields"] == {"before": "conflict"}
    r = s.get("/api/matters", params={"queue": "incoming", "before": "nonsense"})
    assert r.status_code == 422


def test_text_index_finds_chinese_titles_names_numbers_and_phones_and_follows_updates(fresh):
    api, srv = fresh
    s = api["longxing.community"]
    lamp = s.record(title="楼道灯泡坏了三天", resident_name="欧阳娜娜", resident_phone="139 8765 4321")
    other = s.record(title="修补路面坑洼", resident_name="司马光", resident_phone="023-6222 7000")
    assert s.numbers("all", q="灯泡坏") == [lamp["number"]]  # 3 characters: the index
    assert s.numbers("all", q="灯泡") == [lamp["number"]]  # 2: a scan of the queue, same answer
    assert s.numbers("all", q="欧阳娜") == [lamp["number"]]
    assert s.numbers("all", q="光") == [other["number"]]  # 1 character
    assert s.numbers("all", q=lamp["number"][-6:]) == [lamp["number"]]
    assert s.numbers("all", q="4321") == [lamp["number"]]
    assert s.numbers("all", q="8765 4321") == [lamp["number"]]
    assert s.numbers("all", q="62227000") == [other["number"]]
    assert s.queue("all", q="灯泡坏")["total"] == 1
    # another town's window sees these residents masked: no name, no part of the phone; the whole phone, yes
    town = api["shichuan.center"]
    assert town.numbers("district", q="欧阳娜娜") == []
    assert town.numbers("district", q="8765 4321") == []
    assert town.numbers("district", q="139 8765 4321") == [lamp["number"]]
    assert town.numbers("district", q="灯泡坏") == [lamp["number"]]  # the title is work: every window reads it
    # the index follows a change of the row (however it is made)
    with srv.ctx.engine.begin() as conn:
        conn.execute(sa.text("UPDATE matters SET title = '楼道灯泡已换新', resident_name = '欧阳靖', "
                             "resident_phone = '13911112222' WHERE number = :n"), {"n": lamp["number"]})
    assert s.numbers("all", q="灯泡坏") == []
    assert s.numbers("all", q="已换新") == [lamp["number"]]
    assert s.numbers("all", q="欧阳娜") == [] and s.numbers("all", q="欧阳靖") == [lamp["number"]]
    assert s.numbers("all", q="4321") == [] and s.numbers("all", q="1112222") == [lamp["number"]]


def test_counts_match_the_queues_as_matters_move(fresh):
    api, _srv = fresh
    village, town = api["baoshenghu"], api["huixing.center"]
    kept = village.record(title="计数 甲")
    up = village.record(title="计数 乙")
    village.act(up["number"], "escalate", note="请街道处理")
    done = village.record(title="计数 丙")
    village.act(done["number"], "claim")
    village.act(done["number"], "answer", note="已处理")
    village.act(done["number"], "close")
    assert kept
    for who in ("baoshenghu", "huixing.center", "command", "district.supervisor", "trainer", "admin"):
        counts = api[who].get("/api/queues").json()
        for queue in QUEUES:
            listed = api[who].numbers(queue)
            assert counts[queue] == len(listed), (who, queue)
            assert api[who].queue(queue, limit=1)["total"] == len(listed), (who, queue)
    town.act(up["number"], "claim")
    counts = town.get("/api/queues").json()
    assert counts["in_hand"] == len(town.numbers("in_hand")) >= 1
    assert counts["incoming"] == len(town.numbers("incoming"))
