"""Linking two matters and the kinds of note, as core decides them (no database; tests/api/test_links.py and
test_notes.py cover the server)."""

from __future__ import annotations

import pytest

from huiyin.core.domain import Action, EventKind, LinkKind, NoteKind, Role, Status
from huiyin.core.schemas import ActionIn
from huiyin.core.workflow import (
    RULES,
    TRANSITIONS,
    Actor,
    ClaimMove,
    MatterState,
    Refusal,
    RefusalCode,
    Transition,
    decide,
    note_kind,
)
from tests.core.test_decide import CENTER, CLERK, COMMAND, TOWN, TRANSPORT, VILLAGE, pending_at, working_at
from tests.core.test_units_workflow import TREE

DUP = ActionIn(other="YB-2026-000001", link_kind=LinkKind.duplicate, note="同一事项")
RELATED = ActionIn(other="YB-2026-000001", link_kind=LinkKind.related)


@pytest.mark.parametrize("state", [pending_at(TOWN), working_at(TOWN),
                                   MatterState(status=Status.answered, holder_unit_id=TOWN, origin_unit_id=VILLAGE)])
def test_a_duplicate_link_closes_the_open_matter_pointing_at_the_original(state):
    change = decide(Actor(CLERK, TOWN), Action.link, state, DUP, TREE)
    assert isinstance(change, Transition)
    assert change.status_after is Status.closed and change.stamps == {"closed_at"}
    assert change.claim is ClaimMove.clear and not change.moved and change.extension_days_requested is None
    assert change.other == "YB-2026-000001" and change.link_kind is LinkKind.duplicate and change.note == "同一事项"


def test_a_related_link_changes_nothing_and_a_closed_matter_is_no_duplicate():
    closed = MatterState(status=Status.closed, holder_unit_id=TOWN, origin_unit_id=VILLAGE)
    related = decide(Actor(CLERK, VILLAGE), Action.link, closed, RELATED, TREE)
    assert isinstance(related, Transition) and related.status_after is Status.closed and not related.stamps
    refused = decide(Actor(CLERK, VILLAGE), Action.link, closed, DUP, TREE)
    assert isinstance(refused, Refusal) and refused.code is RefusalCode.wrong_status and refused.http_status == 409


@pytest.mark.parametrize("unit, allowed", [(TOWN, True), (VILLAGE, True), (COMMAND, True), (CENTER, False),
                                           (TRANSPORT, False)])
def test_who_may_link_the_holder_the_origin_and_the_command_center(unit, allowed):
    role = Role.commander if unit == COMMAND else CLERK
    change = decide(Actor(role, unit), Action.link, working_at(TOWN), RELATED, TREE)
    assert isinstance(change, Transition) == allowed, change
    if not allowed:
        assert change.code is RefusalCode.wrong_unit  # type: ignore[union-attr]


def test_a_link_needs_the_other_number_and_its_kind():
    refused = decide(Actor(CLERK, TOWN), Action.link, working_at(TOWN), ActionIn(), TREE)
    assert isinstance(refused, Refusal) and dict(refused.fields) == {"other": "required", "link_kind": "required"}
    admin = decide(Actor(Role.admin, TOWN), Action.link, working_at(TOWN), RELATED, TREE)
    assert isinstance(admin, Refusal) and admin.code is RefusalCode.wrong_role


def test_only_answer_answers_the_resident():
    """The answer is the one note the resident gets, and the only action that stamps ``answered_at``."""
    assert [a for a, r in RULES.items() if r.note_kind is NoteKind.answer] == [Action.answer]
    assert [a for a, r in RULES.items() if "answered_at" in r.stamps] == [Action.answer]
    # a reason is what every action that asks for one carries; everything else is an internal note
    from huiyin.core.workflow import Field
    for action, rule in RULES.items():
        if Field.reason in rule.requires:
            assert rule.note_kind is NoteKind.reason, action


def test_note_kind_of_every_entry():
    assert note_kind(EventKind.answer, "已答复") is NoteKind.answer
    assert note_kind(EventKind.progress, "上门查看") is NoteKind.internal
    assert note_kind(EventKind.release, "不属本级") is NoteKind.reason
    assert note_kind(EventKind.linked, "同一事项") is NoteKind.internal
    assert note_kind(EventKind.claim, "") is NoteKind.none
    for kind in EventKind:
        assert note_kind(kind, "") is NoteKind.none


@pytest.mark.parametrize("status", [Status.pending, Status.in_progress, Status.answered])
def test_an_internal_note_on_any_open_matter_by_the_holder_or_the_origin(status):
    state = MatterState(status=status, holder_unit_id=TOWN, origin_unit_id=VILLAGE)
    for unit in (TOWN, VILLAGE):
        change = decide(Actor(CLERK, unit), Action.progress, state, ActionIn(note="电话回访"), TREE)
        assert isinstance(change, Transition) and change.status_after is status and not change.stamps
    other = decide(Actor(CLERK, CENTER), Action.progress, state, ActionIn(note="x"), TREE)
    assert isinstance(other, Refusal) and other.code is RefusalCode.wrong_unit
    assert (Status.closed, Action.progress) not in TRANSITIONS
