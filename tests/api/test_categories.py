"""The category tree's API (issue 19): every signed-in operator reads the active tree, admins add and change
categories; every refusal has its stable code and every change is audited with before → after (SQLite and
PostgreSQL, one server per module)."""

from __future__ import annotations

import pytest

from tests.helpers import Api


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    """A server of this module's own, on ``postgresql-2w`` too: it adds, moves and deactivates categories, which
    every other module's server would see."""
    return start_server(own=True)


ADMIN_CALLS = [
    ("post", "/api/categories", {"code": "x", "name_zh": "甲", "name_en": "X"}),
    ("patch", "/api/categories/roads", {"name_en": "x"}),
    ("get", "/api/categories?all=true", None),
]


def last_audit(admin, subject: str) -> dict:
    r = admin.get("/api/audit", params={"kind": "category", "limit": 50})
    assert r.status_code == 200, r.text
    return next(e for e in r.json()["items"] if e["subject"] == subject)


def tree(session, **params) -> dict[str, dict]:
    r = session.get("/api/categories", params=params)
    assert r.status_code == 200, r.text
    return {c["code"]: c for c in r.json()}


@pytest.mark.parametrize("method,path,body", ADMIN_CALLS, ids=[f"{m} {p}" for m, p, _ in ADMIN_CALLS])
def test_a_clerk_gets_403_on_every_admin_call(api: Api, method: str, path: str, body: dict | None):
    kwargs = {"json": body} if body is not None else {}
    r = getattr(api["shuanghu"], method)(path, **kwargs)
    assert r.status_code == 403 and r.json()["code"] == "wrong_role", r.text
    assert getattr(api.client, method)(path, **kwargs).status_code == 401


def test_every_operator_reads_the_sample_tree_kinds_before_their_leaves(api: Api):
    rows = api["shuanghu"].get("/api/categories").json()
    codes = [c["code"] for c in rows]
    tops = [c for c in rows if c["parent"] is None]
    assert len(tops) >= 10 and len(rows) - len(tops) >= 25 and "unclassified" in codes
    for row in rows:  # each leaf follows its kind
        if row["parent"] is not None:
            assert codes.index(row["parent"]) < codes.index(row["code"])
    lights = next(c for c in rows if c["code"] == "facilities.lights")
    assert lights["name_zh"] == "路灯照明" and "路灯" in lights["keywords"] and 1 <= lights["deadline_days"] <= 3
    assert lights["default_unit_id"] == api.unit_id("区城市管理局")
    for story in ("safety.rocks", "roads.surface", "social.pension", "transport.route"):
        assert story in codes
    assert api.client.get("/api/categories").status_code == 401


def test_add_rename_move_deadline_unit_deactivate_each_audited(api: Api):
    admin = api["admin"]
    r = admin.post("/api/categories", json={"code": "roads.bridges", "parent": "roads", "name_zh": "桥梁",
                                            "name_en": "Bridges", "keywords": ["桥", "桥梁"], "deadline_days": 2})
    assert r.status_code == 201, r.text
    assert r.json() == {"code": "roads.bridges", "parent": "roads", "name_zh": "桥梁", "name_en": "Bridges",
                        "description": "", "keywords": ["桥", "桥梁"], "deadline_days": 2, "default_unit_id": None,
                        "active": True}
    entry = last_audit(admin, "roads.bridges")
    assert entry["before"] is None and entry["after"]["parent"] == "roads" and entry["actor"] == "admin"

    unit = api.unit_id("区交委")
    r = admin.patch("/api/categories/roads.bridges", json={"name_zh": "桥梁隧道", "deadline_days": 3,
                                                           "default_unit_id": unit})
    assert r.status_code == 200, r.text
    assert r.json()["name_zh"] == "桥梁隧道" and r.json()["default_unit_id"] == unit
    entry = last_audit(admin, "roads.bridges")
    assert entry["before"]["name_zh"] == "桥梁" and entry["after"]["name_zh"] == "桥梁隧道"
    assert entry["before"]["deadline_days"] == 2 and entry["after"]["deadline_days"] == 3
    assert entry["after"]["default_unit"] == "区交委"

    r = admin.patch("/api/categories/roads.bridges", json={"parent": "transport", "default_unit_id": None})
    assert r.status_code == 200 and r.json()["parent"] == "transport" and r.json()["default_unit_id"] is None
    entry = last_audit(admin, "roads.bridges")
    assert (entry["before"]["parent"], entry["after"]["parent"]) == ("roads", "transport")

    r = admin.patch("/api/categories/roads.bridges", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert last_audit(admin, "roads.bridges")["after"]["active"] is False
    assert "roads.bridges" not in tree(api["shuanghu"]) and "roads.bridges" not in tree(admin)
    assert tree(admin, all="true")["roads.bridges"]["active"] is False
    r = admin.patch("/api/categories/roads.bridges", json={"active": True})
    assert r.status_code == 200 and r.json()["active"] is True and "roads.bridges" in tree(api["shuanghu"])

    # a leaf made a top-level kind, and back
    r = admin.patch("/api/categories/roads.bridges", json={"parent": None})
    assert r.status_code == 200 and r.json()["parent"] is None
    assert admin.patch("/api/categories/roads.bridges", json={"parent": "roads"}).json()["parent"] == "roads"


def test_a_kind_with_active_leaves_is_not_deactivated(api: Api):
    admin = api["admin"]
    assert admin.post("/api/categories", json={"code": "pets", "name_zh": "宠物", "name_en": "Pets"}).status_code == 201
    assert admin.post("/api/categories", json={"code": "pets.dogs", "parent": "pets", "name_zh": "犬只",
                                               "name_en": "Dogs"}).status_code == 201
    r = admin.patch("/api/categories/pets", json={"active": False})
    assert r.status_code == 409 and r.json()["code"] == "category_has_children" and "pets.dogs" in r.json()["message"]
    assert admin.patch("/api/categories/pets.dogs", json={"active": False}).status_code == 200
    assert admin.patch("/api/categories/pets", json={"active": False}).status_code == 200
    # a leaf under a deactivated kind is not activated, nor is a new one added there
    r = admin.patch("/api/categories/pets.dogs", json={"active": True})
    assert r.status_code == 409 and r.json()["code"] == "parent_inactive", r.text
    r = admin.post("/api/categories", json={"code": "pets.cats", "parent": "pets", "name_zh": "猫", "name_en": "Cats"})
    assert r.status_code == 409 and r.json()["code"] == "parent_inactive", r.text
    assert "pets" not in tree(admin) and tree(admin, all="true")["pets.dogs"]["active"] is False


@pytest.mark.parametrize("method,path,body,status,code", [
    ("patch", "/api/categories/no.such", {"name_en": "x"}, 404, "category_not_found"),
    ("post", "/api/categories", {"code": "roads", "name_zh": "道路", "name_en": "Roads"}, 409, "category_code_taken"),
    ("post", "/api/categories", {"code": "facilities.lights", "parent": "roads", "name_zh": "路灯", "name_en": "L"},
     409, "category_code_taken"),
    ("post", "/api/categories", {"code": "x.y", "parent": "nowhere", "name_zh": "甲", "name_en": "X"},
     422, "bad_parent"),
    ("post", "/api/categories", {"code": "x.z", "parent": "facilities.lights", "name_zh": "甲", "name_en": "X"},
     422, "bad_parent"),
    ("patch", "/api/categories/roads.surface", {"parent": "facilities.lights"}, 422, "bad_parent"),
    ("patch", "/api/categories/roads", {"parent": "transport"}, 422, "bad_parent"),
    ("patch", "/api/categories/roads", {"parent": "roads"}, 422, "bad_parent"),
    ("post", "/api/categories", {"code": "a b", "name_zh": "甲", "name_en": "X"}, 422, "invalid_input"),
    ("post", "/api/categories", {"code": "x", "name_zh": "甲", "name_en": "X", "deadline_days": 0}, 422,
     "invalid_input"),
    ("patch", "/api/categories/roads", {"code": "other"}, 422, "invalid_input"),
    ("patch", "/api/categories/roads", {"default_unit_id": 999999}, 422, "invalid_input"),
])
def test_refusals_have_stable_codes_and_change_nothing(api: Api, method, path, body, status, code):
    admin = api["admin"]
    before = tree(admin, all="true")
    entries = admin.get("/api/audit", params={"kind": "category", "limit": 1}).json()["items"]
    r = getattr(admin, method)(path, json=body)
    assert r.status_code == status and r.json()["code"] == code, r.text
    assert tree(admin, all="true") == before
    assert admin.get("/api/audit", params={"kind": "category", "limit": 1}).json()["items"] == entries
