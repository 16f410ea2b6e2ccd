"""Every rule has one source in core; what is derived from it agrees with it (issue 18, "one source per rule")."""

from __future__ import annotations

from dataclasses import fields

import pytest

from huiyin.core import assessment
from huiyin.core.deadlines import POLICY_BOUNDS, DeadlinePolicy, PolicyError
from huiyin.core.domain import Action, EventKind, Role, Status, Tier, UnitKind
from huiyin.core.schemas import LIMITS, MAX_EXTENSION_DAYS, ActionIn, AssessmentFigures, PolicyModel
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.core.visibility import sees_any
from huiyin.core.workflow import (
    HANDS_ON,
    RULES,
    SENDS_ON,
    Actor,
    HolderMove,
    MatterState,
    Refusal,
    RefusalCode,
    body_errors,
    decide,
    matter_state,
    missing_fields,
)


def test_event_kinds_are_the_actions_and_the_entries_that_are_not_actions() -> None:
    for action in Action:
        assert EventKind[action.name] == EventKind(action.value) == action.value
    others = {k.value for k in EventKind} - {a.value for a in Action}
    assert others == {"record", "linked", "at_risk", "overdue", "claim_overdue", "deadline_changed"}
    assert list(EventKind)[0] is EventKind.record  # the order of the timeline's kinds: record, the actions, the rest
    assert [k.value for k in EventKind][1:len(Action) + 1] == [a.value for a in Action]
    assert {k for k in EventKind if k.is_supervision} == {EventKind.at_risk, EventKind.overdue,
                                                         EventKind.claim_overdue}


def test_hand_on_kinds_are_the_rules_that_move_the_holder_away() -> None:
    away = {a for a, rule in RULES.items() if rule.holder not in (HolderMove.stay, HolderMove.to_actor)}
    assert HANDS_ON == away == {Action.release, Action.escalate, Action.request_help, Action.assign}
    assert SENDS_ON == {a for a in away if RULES[a].holder is not HolderMove.back}
    assert set(assessment.MOVES) == {a.value for a in HANDS_ON}
    assert set(assessment._MOVE_COUNT) == set(assessment.MOVES)
    assert set(assessment.MOVES) <= set(assessment.EVENT_KINDS)


def test_the_policy_schema_defaults_are_the_policy_defaults() -> None:
    assert PolicyModel().model_dump() == DeadlinePolicy().to_dict()
    assert set(PolicyModel.model_fields) == set(DeadlinePolicy.__dataclass_fields__)


@pytest.mark.parametrize("name", sorted(POLICY_BOUNDS))
def test_the_policy_bounds_are_what_the_policy_accepts(name: str) -> None:
    low, high = POLICY_BOUNDS[name]
    for ok in (low, high):
        DeadlinePolicy(**{name: ok})
    for wrong in (low - 1, high + 1):
        with pytest.raises(PolicyError):
            DeadlinePolicy(**{name: wrong})
    assert set(POLICY_BOUNDS) == {"simple_days", "complex_days", "claim_days", "at_risk_hours"}


def test_the_admin_form_checks_the_policy_with_core_bounds() -> None:
    from huiyin.tui.screens import admin_calendar

    assert admin_calendar.POLICY_BOUNDS is POLICY_BOUNDS


def test_the_stored_lengths_are_the_limits() -> None:
    from huiyin.server.storage.models import Matter, Operator

    for name in ("title", "description", "category", "resident_name", "resident_phone", "address"):
        assert Matter.__table__.c[name].type.length == LIMITS[name], name
    assert Operator.__table__.c["username"].type.length == LIMITS["username"]


def test_a_trainer_sees_no_district_tab_because_a_trainer_sees_nothing() -> None:
    from huiyin.core.domain import Queue
    from huiyin.tui.screens.queue import queues_for

    for role in Role:
        assert (Queue.district in queues_for(role)) is sees_any(role)
    assert not sees_any(Role.trainer)


def test_the_one_matter_state_builder_reads_every_fact_by_its_name() -> None:
    class Stored:
        status = "in_progress"
        holder_unit_id, origin_unit_id, previous_holder_id, claimed_by_id = 2, 3, 3, 9
        extension_days_requested, deadline_days = 4, 7

    state = matter_state(Stored(), arrived_by=EventKind.assign)
    assert state == MatterState(status=Status.in_progress, holder_unit_id=2, origin_unit_id=3, previous_holder_id=3,
                                claimed_by_id=9, extension_days_requested=4, deadline_days=7,
                                arrived_by=EventKind.assign)
    from huiyin.server.storage.models import Matter

    stored = set(Matter.model_fields)
    assert {f.name for f in fields(MatterState)} - stored == {"arrived_by"}  # the server gives it from the trail


TREE = UnitTree([UnitInfo(1, "区政府", Tier.district, UnitKind.government, None),
                 UnitInfo(2, "街道便民服务中心", Tier.town, UnitKind.service_center, 1),
                 UnitInfo(3, "社区便民服务站", Tier.village, UnitKind.station, 2),
                 UnitInfo(4, "区指挥中心", Tier.district, UnitKind.command_center, 1)])


@pytest.mark.parametrize("action", list(Action))
def test_the_form_and_the_decision_ask_for_the_same_fields(action: Action) -> None:
    """What the action dialog calls missing (body_errors) is what decide refuses as missing."""
    empty = ActionIn()
    expected = missing_fields(action, dict(empty))
    assert {f.value for f in RULES[action].requires} == set(expected)
    assert {k for k, v in body_errors(action, {str(f): None for f in RULES[action].requires}).items()
            if v == "required"} == set(expected)
    if not expected:
        return
    # an operator allowed to act, with nothing filled in: decide names the same fields
    pending = 2 if action in (Action.approve_extension, Action.reject_extension) else None
    for matter in (MatterState(status=s, holder_unit_id=holder, origin_unit_id=3, previous_holder_id=2,
                               extension_days_requested=pending) for s in Status for holder in (3, 4)):
        for actor in (Actor(role, unit) for role in Role for unit in (1, 2, 3, 4)):
            out = decide(actor, action, matter, empty, TREE)
            if isinstance(out, Refusal) and out.code is RefusalCode.invalid_input:
                assert dict(out.fields) == expected
                return
    pytest.fail(f"no operator of the tree may {action}")


def test_the_day_range_is_the_bodys() -> None:
    action = Action.request_extension
    for days, wrong in ((0, True), (1, False), (MAX_EXTENSION_DAYS, False), (MAX_EXTENSION_DAYS + 1, True)):
        errors = body_errors(action, {"reason": "more time", "days": days})
        assert ("days" in errors) is wrong, days
    assert body_errors(action, {"reason": "  ", "days": None}) == {"reason": "required", "days": "required"}


def test_the_drill_down_figures_are_assessment_figures() -> None:
    wire = set(AssessmentFigures.model_fields)
    assert set(assessment.DRILL_FIGURES) <= wire
    assert len(set(assessment.DRILL_FIGURES)) == len(assessment.DRILL_FIGURES)
    from huiyin.tui.screens import report

    assert not hasattr(report, "DRILL")  # the picker reads core's table


def test_the_figures_counted_are_the_reports_whole_numbers() -> None:
    wire = [name for name, f in AssessmentFigures.model_fields.items() if f.annotation is int]
    derived = {"closed_late", "claimed_late"}
    assert assessment._COUNTS == (*(name for name in wire if name not in derived), "satisfaction_sum")
    f = assessment.Figures(received=5, closed=4, closed_on_time=3, arrivals=2, claimed_in_time=1)
    assert (f.received, f.closed_late, f.claimed_late, f.reopened) == (5, 1, 1, 0)
    out = assessment.figures_out(f)
    assert {name: getattr(out, name) for name in wire} == {name: getattr(f, name) for name in wire}
    with pytest.raises(TypeError):
        assessment.Figures(recieved=1)
    with pytest.raises(AttributeError):
        _ = f.recieved
