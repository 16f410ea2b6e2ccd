"""The one decision of the workflow: :func:`huiyin.core.workflow.decide` returns the refusal or the whole transition.

The server applies exactly what it returns (tests/api cover that end to end); these tests pin the decision itself,
without a database, including every input refusal the server used to check on its own.
"""

from __future__ import annotations

import pytest

from huiyin.core.domain import Action, LinkKind, Role, Status
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
    check,
    decide,
)
from tests.core.test_units_workflow import TREE

CLERK = Role.clerk
VILLAGE, TOWN, TOWN_OFFICE, CENTER, COMMAND, TRANSPORT = 7, 5, 6, 2, 3, 4


def pending_at(holder: int, **kw) -> MatterState:
    return MatterState(status=Status.pending, holder_unit_id=holder, origin_unit_id=VILLAGE, **kw)


def working_at(holder: int, **kw) -> MatterState:
    return MatterState(status=Status.in_progress, holder_unit_id=holder, origin_unit_id=VILLAGE, claimed_by_id=1,
                       **kw)


def test_claim_from_below_moves_the_matter_to_the_claiming_unit():
    change = decide(Actor(CLERK, TOWN_OFFICE), Action.claim, pending_at(VILLAGE), ActionIn(), TREE)
    assert isinstance(change, Transition)
    assert (change.status_before, change.status_after) == (Status.pending, Status.in_progress)
    assert (change.holder_before, change.holder_after, change.previous_holder_after) == (VILLAGE, TOWN_OFFICE, VILLAGE)
    assert change.claim is ClaimMove.take and change.moved and not change.claim_clock_starts


def test_escalate_starts_a_claim_clock_at_the_tier_above_and_records_the_note():
    change = decide(Actor(CLERK, VILLAGE), Action.escalate, working_at(VILLAGE), ActionIn(note="社区无权处置"), TREE)
    assert isinstance(change, Transition)
    assert change.holder_after == TOWN and change.status_after is Status.pending
    assert change.claim is ClaimMove.clear and change.claim_clock_starts and change.note == "社区无权处置"


def test_release_sends_it_back_and_forgets_where_it_came_from():
    state = pending_at(TOWN, previous_holder_id=VILLAGE)
    change = decide(Actor(CLERK, TOWN), Action.release, state, ActionIn(reason="不属本级"), TREE)
    assert isinstance(change, Transition)
    assert change.holder_after == VILLAGE and change.previous_holder_after is None and change.note == "不属本级"


@pytest.mark.parametrize("action, body, fields", [
    (Action.escalate, ActionIn(), {"note": "required"}),
    (Action.release, ActionIn(note="a note is not a reason"), {"reason": "required"}),
    (Action.request_extension, ActionIn(reason="勘察"), {"days": "required"}),
    (Action.request_extension, ActionIn(), {"days": "required", "reason": "required"}),
    (Action.assign, ActionIn(), {"to_unit": "required"}),
])
def test_missing_fields_are_refused_by_name(action, body, fields):
    actor = Actor(Role.commander, COMMAND) if action is Action.assign else Actor(CLERK, TOWN)
    state = working_at(COMMAND if action is Action.assign else TOWN, previous_holder_id=VILLAGE)
    refusal = decide(actor, action, state, body, TREE)
    assert isinstance(refusal, Refusal)
    assert refusal.code is RefusalCode.invalid_input and refusal.http_status == 422
    assert dict(refusal.fields) == fields


@pytest.mark.parametrize("to_unit, fault", [(99, "unknown_unit"), (1, "cannot_hold"), (COMMAND, "same_unit")])
def test_assign_refuses_a_unit_that_cannot_take_it(to_unit, fault):
    refusal = decide(Actor(Role.commander, COMMAND), Action.assign, pending_at(COMMAND), ActionIn(to_unit=to_unit),
                     TREE)
    assert isinstance(refusal, Refusal) and dict(refusal.fields) == {"to_unit": fault}


def test_assign_hands_it_to_the_named_department():
    change = decide(Actor(Role.commander, COMMAND), Action.assign, pending_at(COMMAND), ActionIn(to_unit=TRANSPORT),
                    TREE)
    assert isinstance(change, Transition) and change.holder_after == TRANSPORT and change.claim_clock_starts


def test_extension_request_grant_and_the_deadline_basis():
    asked = decide(Actor(CLERK, TOWN), Action.request_extension, working_at(TOWN, deadline_days=3),
                   ActionIn(reason="需多部门会商", days=2), TREE)
    assert isinstance(asked, Transition)
    assert asked.extension_days_requested == 2 and asked.event_days == 2 and not asked.deadline_moved
    granted = decide(Actor(Role.supervisor, CENTER), Action.approve_extension,
                     working_at(TOWN, deadline_days=7, extension_days_requested=2), ActionIn(), TREE)
    assert isinstance(granted, Transition)
    assert granted.deadline_days == 9 and granted.deadline_moved and granted.extension_days_requested is None
    assert granted.event_days == 2


def test_a_pending_extension_lapses_when_the_work_ends():
    change = decide(Actor(CLERK, TOWN), Action.answer, working_at(TOWN, extension_days_requested=2),
                    ActionIn(note="已答复"), TREE)
    assert isinstance(change, Transition)
    assert change.extension_days_requested is None and change.stamps == {"answered_at"}


def test_close_and_reopen_stamp_and_clear_the_closing_time():
    answered = MatterState(status=Status.answered, holder_unit_id=TOWN, origin_unit_id=VILLAGE)
    close = decide(Actor(CLERK, TOWN), Action.close, answered, ActionIn(), TREE)
    assert isinstance(close, Transition) and close.stamps == {"closed_at"} and not close.clears
    closed = MatterState(status=Status.closed, holder_unit_id=TOWN, origin_unit_id=VILLAGE)
    reopen = decide(Actor(CLERK, VILLAGE), Action.reopen, closed, ActionIn(reason="居民不满意"), TREE)
    assert isinstance(reopen, Transition)
    assert reopen.clears == {"closed_at"} and reopen.status_after is Status.in_progress


def test_follow_up_carries_the_satisfaction_and_nothing_else_does():
    closed = MatterState(status=Status.closed, holder_unit_id=TOWN, origin_unit_id=VILLAGE)
    change = decide(Actor(CLERK, VILLAGE), Action.follow_up, closed, ActionIn(satisfaction=5), TREE)
    assert isinstance(change, Transition) and change.satisfaction == 5
    note = decide(Actor(CLERK, TOWN), Action.progress, working_at(TOWN), ActionIn(note="上门", satisfaction=1), TREE)
    assert isinstance(note, Transition) and note.satisfaction is None


@pytest.mark.parametrize("status, action", sorted(TRANSITIONS, key=str))
def test_decide_agrees_with_check_on_every_transition(status, action):
    """With a complete body, decide refuses exactly when check does: the body is the only thing it adds."""
    body = ActionIn(note="n", reason="r", to_unit=TRANSPORT, satisfaction=4, days=2, other="YB-2026-000001",
                    link_kind=LinkKind.related)
    for unit in (VILLAGE, TOWN, CENTER, COMMAND):
        for role in (Role.clerk, Role.supervisor, Role.commander, Role.trainer):
            actor = Actor(role, unit)
            state = MatterState(status=status, holder_unit_id=TOWN, origin_unit_id=VILLAGE,
                                previous_holder_id=VILLAGE,
                                extension_days_requested=2 if action in (Action.approve_extension,
                                                                         Action.reject_extension) else None)
            refused, decided = check(actor, action, state, TREE), decide(actor, action, state, body, TREE)
            assert (refused is None) == isinstance(decided, Transition), (role, unit)
            if isinstance(decided, Transition):
                assert decided.status_after is TRANSITIONS[(status, action)]
                assert decided.moved == (decided.holder_after != TOWN)
                assert not RULES[action].moves or decided.moved or action is Action.claim
