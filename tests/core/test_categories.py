"""The category tree's rules (``huiyin.core.categories``) and its wire schemas."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from huiyin.core.categories import (
    CATEGORY_BOUNDS,
    CategoryInfo,
    CategoryTree,
    CategoryTreeError,
    code_problem,
    initials,
    matches,
    search,
)
from huiyin.core.deadlines import POLICY_BOUNDS, DeadlinePolicy
from huiyin.core.schemas import LIMITS, CategoryIn, CategoryPatch

ROADS = CategoryInfo("roads", "道路交通", "Roads and traffic")
LIGHTS = CategoryInfo("roads.lights", "路灯", "Street lights", parent="roads", keywords=("照明", "路灯不亮"))
BUS = CategoryInfo("roads.bus", "公交线路", "Bus routes", parent="roads", deadline_days=2)


@pytest.mark.parametrize(("code", "problem"), [
    ("roads", None), ("roads.lights", None), ("A1.b2.C3", None), ("", "empty"), ("x" * 33, "too_long"),
    ("roads lights", "bad_characters"), (".roads", "bad_characters"), ("roads.", "bad_characters"),
    ("roads..lights", "bad_characters"), ("路灯", "bad_characters"), ("roads-lights", "bad_characters")])
def test_the_shape_of_a_code(code: str, problem: str | None) -> None:
    assert code_problem(code) == problem


def test_pinyin_initials() -> None:
    assert initials("路灯") == "ld"
    assert initials("养老保险 fingerprint") == "ylbx"


@pytest.mark.parametrize("query", ["ld", "LD", "路灯", "路", "lights", "street", "roads.l", "照明", "zm",
                                   "ROADS.LIGHTS"])
def test_a_search_finds_a_leaf_by_name_code_keyword_or_initials(query: str) -> None:
    assert matches(LIGHTS, query)


def test_a_search_lists_what_starts_with_the_query_first() -> None:
    assert [c.code for c in search([ROADS, BUS, LIGHTS], "l")] == ["roads.lights", "roads", "roads.bus"]
    assert search([ROADS, BUS, LIGHTS], "xyz") == []
    assert len(search([ROADS, BUS, LIGHTS], "  ")) == 3


def test_a_tree_lists_each_kind_then_its_leaves() -> None:
    tree = CategoryTree([LIGHTS, BUS, ROADS, CategoryInfo("unclassified", "未分类", "Unclassified")])
    assert [c.code for c in tree.ordered()] == ["roads", "roads.bus", "roads.lights", "unclassified"]
    assert tree.top_of("roads.bus") == "roads" and tree.top_of("roads") == "roads" and tree.top_of("x") is None
    assert "roads.bus" in tree and len(tree) == 4


@pytest.mark.parametrize(("rows", "code"), [
    ([ROADS, ROADS], "category_code_taken"),
    ([LIGHTS], "bad_parent"),
    ([ROADS, LIGHTS, CategoryInfo("roads.lights.led", "LED", "LED", parent="roads.lights")], "bad_parent"),
    ([CategoryInfo("a", "甲", "A", parent="b"), CategoryInfo("b", "乙", "B", parent="a")], "category_cycle"),
    ([CategoryInfo("a", "甲", "A", parent="a")], "category_cycle"),
    ([CategoryInfo("a b", "甲", "A")], "invalid_code"),
    ([CategoryInfo("a", "", "A")], "invalid_name"),
    ([CategoryInfo("a", "甲", "A", deadline_days=0)], "invalid_deadline"),
    ([CategoryInfo("a", "甲", "A", deadline_days=367)], "invalid_deadline"),
])
def test_a_broken_tree_is_refused_with_a_stable_code(rows: list[CategoryInfo], code: str) -> None:
    with pytest.raises(CategoryTreeError) as caught:
        CategoryTree(rows)
    assert caught.value.code == code


def test_the_bounds_and_default_come_from_the_deadline_policy() -> None:
    assert CATEGORY_BOUNDS["deadline_days"] == POLICY_BOUNDS["simple_days"]
    assert ROADS.deadline_days == DeadlinePolicy().simple_days
    assert CategoryIn(code="x", name_zh="甲", name_en="X").deadline_days == DeadlinePolicy().simple_days


def test_the_wire_schemas_check_codes_lengths_and_keywords() -> None:
    body = CategoryIn(code=" roads.lights ", parent="roads", name_zh="路灯", name_en="Lights",
                      keywords=[" 照明", "照明", ""])
    assert body.code == "roads.lights" and body.keywords == ["照明"]
    for bad in ({"code": "a b"}, {"name_zh": "x" * (LIMITS["category_name"] + 1)}, {"deadline_days": 0},
                {"keywords": ["x" * (LIMITS["keyword"] + 1)]}, {"unknown": 1}):
        with pytest.raises(ValidationError):
            CategoryIn.model_validate({"code": "x", "name_zh": "甲", "name_en": "X", **bad})
    assert CategoryPatch.model_validate({"parent": None}).model_fields_set == {"parent"}
    with pytest.raises(ValidationError):
        CategoryPatch.model_validate({"code": "y"})


def test_the_stored_lengths_are_the_limits() -> None:
    from huiyin.server.storage.models import Category

    columns = Category.__table__.c
    for column, limit in (("code", "category_code"), ("parent_code", "category_code"), ("name_zh", "category_name"),
                          ("name_en", "category_name"), ("description", "category_description")):
        assert columns[column].type.length == LIMITS[limit], column


def test_the_sample_tree_is_a_tree_and_every_sample_matter_finds_its_kind() -> None:
    """The shipped tree passes the rules, every default unit is a sample unit, and each free-text category the
    sample matters use today is a name or keyword of one category (what the migration of free text will match)."""
    from huiyin.server.district.categories import sample_entries
    from huiyin.server.district.sample import MATTERS, UNITS

    entries = sample_entries()
    infos = [CategoryInfo(e["code"], e["name_zh"], e["name_en"], parent=e["parent"],
                          deadline_days=e["deadline_days"], keywords=tuple(e["keywords"])) for e in entries]
    tree = CategoryTree(infos)
    tops = [c for c in infos if c.top_level]
    assert len(tops) >= 10 and len(infos) - len(tops) >= 25 and "unclassified" in tree
    assert all(1 <= c.deadline_days <= 3 for c in infos)
    assert {e["default_unit"] for e in entries} - {None} <= {u.name for u in UNITS}
    for text in {m[2] for m in MATTERS}:
        assert [c for c in infos if text == c.name_zh or text in c.keywords], text
