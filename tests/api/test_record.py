"""Recording matters: validation, numbering, deadlines, idempotency."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest

#: also against `huiyin serve --workers 2` (PostgreSQL)


def test_record_walk_in(api):
    matter = api["shuanghu"].record(title="小区路灯不亮", description="晚上太黑", category="市政设施",
                                    resident_name="陈大爷", resident_phone="138 0000 1111", address="双湖路12号")
    assert re.fullmatch(r"YB-2026-\d{6}", matter["number"])
    assert matter["status"] == "pending"
    assert matter["origin_unit"]["name"] == matter["holder_unit"]["name"] == "双湖路社区便民服务站"
    assert matter["claimed_by"] is None
    assert matter["resident_phone"] == "13800001111"
    assert [e["kind"] for e in matter["events"]] == ["record"]
    assert matter["events"][0]["actor"]["username"] == "shuanghu"
    assert "claim" in matter["allowed_actions"] and "escalate" in matter["allowed_actions"]


def test_numbers_are_sequential(api):
    a = api["xingwang"].record()["number"]
    b = api["shuanghu"].record()["number"]
    assert int(b.rsplit("-", 1)[1]) == int(a.rsplit("-", 1)[1]) + 1


def test_deadline_counts_working_days(api):
    # frozen now: Thursday 2026-11-26 10:00 Asia/Shanghai; the day of receipt does not count
    simple = api["shuanghu"].record(complexity="simple")
    complex_ = api["shuanghu"].record(complexity="complex")
    assert datetime.fromisoformat(simple["due_at"]).isoformat() == "2026-12-01T09:30:00+00:00"  # Tue 17:30 +08
    assert datetime.fromisoformat(complex_["due_at"]).isoformat() == "2026-12-07T09:30:00+00:00"  # Mon 17:30 +08


@pytest.mark.parametrize("body, field, kind", [
    ({"title": ""}, "title", "required"),
    ({"title": "   "}, "title", "required"),
    ({"title": "长" * 81}, "title", "too_long"),
    ({"resident_name": ""}, "resident_name", "required"),
    ({"resident_phone": "12345"}, "resident_phone", "phone_format"),
    ({"resident_phone": "1380000000a"}, "resident_phone", "phone_format"),
    ({"channel": "phone", "resident_phone": ""}, "resident_phone", "required"),
    ({"channel": "fax"}, "channel", "enum"),
    ({"complexity": "hard"}, "complexity", "enum"),
    ({"description": "x" * 2001}, "description", "too_long"),
    ({"address": "\x00"}, "address", "bad_character"),
    ({"title": 42}, "title", "not_text"),
])
def test_record_refuses_bad_input_with_the_field(api, body, field, kind):
    before = api["shuanghu"].queue("all")["total"]
    r = api["shuanghu"].post("/api/matters", json={"title": "t", "channel": "walk_in", "resident_name": "r", **body})
    assert r.status_code == 422, r.text
    error = r.json()
    assert error["code"] == "invalid_input"
    assert error["fields"][field] == kind
    assert error["message"]
    assert api["shuanghu"].queue("all")["total"] == before


def test_record_refuses_non_json_and_missing_body(api):
    s = api["shuanghu"]
    assert s.post("/api/matters", content=b"\xff\xfe", headers={"content-type": "application/json"}).status_code == 422
    r = s.post("/api/matters")
    assert r.status_code == 422 and "body" in r.json()["fields"]
    r = s.post("/api/matters", json=[1, 2])
    assert r.status_code == 422


def test_admin_and_trainer_cannot_record(api):
    for username in ("admin", "trainer"):
        r = api[username].post("/api/matters", json={"title": "t", "channel": "walk_in", "resident_name": "r"})
        assert r.status_code == 403
        assert r.json()["code"] == "wrong_role"


def test_idempotency_key_returns_the_first_matter(api):
    key = str(uuid.uuid4())
    s = api["shuanghu"]
    first = s.record(headers={"Idempotency-Key": key}, title="同一件事")
    again = s.record(expect=200, headers={"Idempotency-Key": key}, title="同一件事")
    assert again["number"] == first["number"]
    assert len(again["events"]) == 1
    # another operator's identical key is another request
    other = api["xingwang"].record(headers={"Idempotency-Key": key})
    assert other["number"] != first["number"]
    r = s.post("/api/matters", json={"title": "t", "channel": "walk_in", "resident_name": "r"},
               headers={"Idempotency-Key": "k" * 201})
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["fields"]


def test_a_reused_idempotency_key_with_another_body_is_refused(api):
    key = str(uuid.uuid4())
    s = api["shuanghu"]
    first = s.record(headers={"Idempotency-Key": key}, title="路灯不亮", resident_name="陈大爷")
    for change in ({"title": "井盖缺失"}, {"resident_name": "李阿姨"}, {"complexity": "complex"}):
        body = {"title": "路灯不亮", "channel": "walk_in", "resident_name": "陈大爷", "resident_phone": "13800000000",
                **change}
        r = s.post("/api/matters", json=body, headers={"Idempotency-Key": key})
        assert r.status_code == 422, r.text
        err = r.json()
        assert err["code"] == "idempotency_key_reused" and err["fields"] == {"Idempotency-Key": "reused"}
        assert first["number"] in err["message"] and next(iter(change)) in err["message"]
    # nothing was recorded by the refused requests; the same body still replays the first matter
    again = s.record(expect=200, headers={"Idempotency-Key": key}, title="路灯不亮", resident_name="陈大爷")
    assert again["number"] == first["number"]


def test_idempotency_under_concurrent_retries(api):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    key = str(uuid.uuid4())
    s = api["baoshenghu"]

    def send(_: int) -> tuple[int, str]:
        with httpx.Client(base_url=api.base_url, timeout=30) as client:
            r = client.post("/api/matters", headers={**s.headers, "Idempotency-Key": key},
                            json={"title": "重试", "channel": "walk_in", "resident_name": "r"})
            return r.status_code, r.json()["number"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, range(8)))
    assert {number for _, number in results} == {results[0][1]}
    assert sorted(code for code, _ in results).count(201) == 1
