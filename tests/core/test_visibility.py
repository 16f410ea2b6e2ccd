"""The visibility policy: who sees the work, the notes and the resident, and how masked values read."""

from __future__ import annotations

from pathlib import Path

import pytest

from huiyin.core.domain import Role
from huiyin.core.visibility import (
    FIELDS,
    VIEWER_WORDS,
    VISIBILITY,
    Access,
    Part,
    Viewer,
    access,
    granting,
    mask_address,
    mask_name,
    mask_phone,
    may_see,
    policy_table,
    redact,
    sees_all,
    sees_any,
    viewers,
)
from tests.core.test_units_workflow import TREE

VILLAGE, TOWN, TOWN_OFFICE, CENTER, COMMAND, TRANSPORT, OTHER_TOWN, OTHER_VILLAGE, GOV = 7, 5, 6, 2, 3, 4, 8, 9, 1


@pytest.mark.parametrize("phone, masked", [
    ("13800000005", "138****0005"),
    ("138 0000 0005", "138 **** 0005"),
    ("023-67891234", "023-****1234"),
    ("12", "*2"),
    ("", ""),
])
def test_phone_masks_keep_the_ends(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("name, masked", [("陈大爷", "陈**"), ("雷", "雷*"), ("Li Wei", "L*****"), ("", "")])
def test_name_masks_keep_the_first_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("address, masked", [
    ("回兴街道双湖路18号2单元", "回兴街道双湖路**"),
    ("石船镇三村一组", "石船镇三村**"),
    ("龙兴镇兴旺村", "龙兴镇**"),  # no number: the first half
    ("", ""),
])
def test_address_masks_keep_the_street(address, masked):
    assert mask_address(address) == masked


def who(role: Role, unit: int, holder: int = VILLAGE, path: tuple[int, ...] = (VILLAGE,)) -> frozenset[Viewer]:
    return viewers(role, unit, path=path, holder_unit_id=holder, tree=TREE)


def test_units_on_the_path_and_the_command_center_see_everything():
    for viewer in (who(Role.clerk, VILLAGE), who(Role.clerk, TOWN, holder=CENTER, path=(VILLAGE, TOWN, CENTER)),
                   who(Role.commander, COMMAND)):
        assert all(level is Access.full for level in access(viewer).values()), viewer


def test_everyone_else_in_the_district_sees_the_work_with_the_resident_masked():
    for viewer in (who(Role.clerk, OTHER_VILLAGE), who(Role.clerk, TRANSPORT), who(Role.supervisor, TOWN),
                   who(Role.admin, GOV)):
        seen = access(viewer)
        assert may_see(viewer)
        assert (seen[Part.work], seen[Part.notes], seen[Part.resident]) == (Access.full, Access.masked, Access.masked)


def test_a_trainer_sees_nothing_of_the_district():
    assert who(Role.trainer, GOV) == {Viewer.trainer} and not may_see(who(Role.trainer, GOV))


def test_the_best_relation_wins():
    # the town supervises the village (masked) but also held the matter once (full)
    viewer = who(Role.clerk, TOWN, holder=VILLAGE, path=(VILLAGE, TOWN))
    assert {Viewer.jurisdiction, Viewer.on_path} <= viewer and access(viewer)[Part.resident] is Access.full


def test_every_viewer_has_every_part():
    assert set(VISIBILITY) == set(Viewer)
    assert all(set(parts) == set(Part) for parts in VISIBILITY.values())


def test_redact_masks_the_resident_withholds_notes_and_names_what_it_hid():
    matter = {"number": "YB-2026-000001", "title": "路灯不亮", "description": "陈大爷说三楼楼道灯坏了",
              "resident_name": "陈大爷", "resident_phone": "13800000005", "address": "双湖路18号", "note": ""}
    shown, hidden = redact(matter, access(who(Role.clerk, OTHER_VILLAGE)))
    assert shown["title"] == "路灯不亮" and shown["number"] == "YB-2026-000001"
    assert (shown["resident_name"], shown["resident_phone"], shown["address"]) == ("陈**", "138****0005", "双湖路**")
    assert shown["description"] == ""
    assert hidden == {"description", "resident_name", "resident_phone", "address"}  # the empty note is not "hidden"
    full, nothing = redact(matter, access(who(Role.clerk, VILLAGE)))
    assert full == matter and not nothing


def test_the_parts_do_not_overlap():
    assert not FIELDS[Part.notes] & FIELDS[Part.resident]


def test_holder_and_origin_are_relations_of_their_own():
    seen = viewers(Role.clerk, VILLAGE, path=(VILLAGE,), holder_unit_id=VILLAGE, origin_unit_id=VILLAGE, tree=TREE)
    assert {Viewer.holder, Viewer.origin, Viewer.on_path, Viewer.none} <= seen
    recorded_here = viewers(Role.clerk, TOWN, path=(TOWN, CENTER), holder_unit_id=CENTER, origin_unit_id=TOWN,
                            tree=TREE)
    assert Viewer.origin in recorded_here and Viewer.holder not in recorded_here
    assert access(recorded_here)[Part.resident] is Access.full


def test_who_sees_what_in_full_is_the_path_and_the_command_center():
    assert granting(Part.resident) == {Viewer.holder, Viewer.origin, Viewer.on_path, Viewer.command_center}
    assert granting(Part.notes) == granting(Part.resident), "notes follow the resident's rule"
    assert granting(Part.work, Access.masked) == set(Viewer) - {Viewer.trainer}
    assert sees_any(Role.clerk) and sees_any(Role.admin) and not sees_any(Role.trainer)
    assert sees_all(Role.clerk) and sees_all(Role.admin) and not sees_all(Role.trainer)


def test_the_policy_page_is_the_table():
    """docs/visibility.md, the page a privacy officer signs, holds exactly the table the server applies."""
    page = (Path(__file__).parents[2] / "docs" / "visibility.md").read_text(encoding="utf-8")
    assert policy_table() in page, "docs/visibility.md drifted from VISIBILITY: paste policy_table() into it"
    for viewer in Viewer:
        assert f"**{VIEWER_WORDS[viewer].split(':')[0].split(' (')[0]}**" in page, viewer
