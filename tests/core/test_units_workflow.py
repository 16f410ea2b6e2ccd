"""The unit tree's jurisdiction and escalation targets, and the workflow tables, on the sample district."""

from __future__ import annotations

from datetime import UTC

import pytest

from huiyin.core.domain import Action, Role, Status, Tier, UnitKind
from huiyin.core.units import UnitInfo, UnitTree, UnitTreeError
from huiyin.core.workflow import RULES, TRANSITIONS, Actor, MatterState, Refusal, RefusalCode, allowed_actions, check

D, T, V = Tier.district, Tier.town, Tier.village
UNITS = [
    UnitInfo(1, "渝北区", D, UnitKind.government),
    UnitInfo(2, "区行政服务中心", D, UnitKind.service_center, 1),
    UnitInfo(3, "区群众工作指挥中心", D, UnitKind.command_center, 1),
    UnitInfo(4, "区交委", D, UnitKind.department, 1),
    UnitInfo(5, "龙兴镇便民服务中心", T, UnitKind.service_center, 1),
    UnitInfo(6, "龙兴镇社保所", T, UnitKind.department, 5),
    UnitInfo(7, "龙兴社区便民服务站", V, UnitKind.station, 5),
    UnitInfo(8, "双凤桥街道便民服务中心", T, UnitKind.service_center, 1),
    UnitInfo(9, "兴旺村便民服务站", V, UnitKind.station, 8),
]
TREE = UnitTree(UNITS)


def test_jurisdiction():
    assert TREE.jurisdiction(7) == {7}
    assert TREE.jurisdiction(5) == {5, 6, 7}
    assert TREE.jurisdiction(6) == {5, 6, 7}  # a town office covers its town
    for district_unit in (1, 2, 3, 4):
        assert TREE.jurisdiction(district_unit) == set(range(1, 10))


def test_escalation_targets():
    assert TREE.escalation_target(7).id == 5
    assert TREE.escalation_target(9).id == 8
    assert TREE.escalation_target(5).id == 2
    assert TREE.escalation_target(6).id == 2
    assert TREE.escalation_target(2) is None
    assert TREE.command_center().id == 3


@pytest.mark.parametrize("units, message", [
    ([UnitInfo(1, "a", D, UnitKind.government), UnitInfo(1, "b", T, UnitKind.station, 1)], "appears twice"),
    ([UnitInfo(1, "a", D, UnitKind.government, 9)], "does not exist"),
    ([UnitInfo(1, "a", D, UnitKind.government, 2), UnitInfo(2, "b", D, UnitKind.station, 1)], "own ancestor"),
    ([UnitInfo(1, "a", V, UnitKind.station), UnitInfo(2, "b", D, UnitKind.station, 1)], "lower tier"),
])
def test_malformed_trees(units, message):
    with pytest.raises(UnitTreeError, match=message):
        UnitTree(units)


def state(status: Status = Status.pending, holder: int = 7, origin: int = 7, previous: int | None = None,
          extension: int | None = None) -> MatterState:
    return MatterState(status, holder, origin, previous, None, extension)


def test_every_rule_has_transitions_and_every_transition_a_rule():
    assert set(RULES) == set(Action)
    assert {action for _, action in TRANSITIONS} == set(Action)


def test_village_matter_as_seen_by_each_unit():
    matter = state()
    # the holder may also note what it did (progress: the internal note) and link it to another matter
    assert allowed_actions(Actor(Role.clerk, 7), matter, TREE) == [Action.claim, Action.escalate, Action.request_help,
                                                                   Action.progress, Action.link]
    assert allowed_actions(Actor(Role.clerk, 6), matter, TREE) == [Action.claim]  # the social-security office
    assert allowed_actions(Actor(Role.clerk, 9), matter, TREE) == []  # another village
    assert allowed_actions(Actor(Role.admin, 1), matter, TREE) == []


def test_refusals_say_why():
    refused = check(Actor(Role.clerk, 9), Action.claim, state(), TREE)
    assert isinstance(refused, Refusal) and refused.code is RefusalCode.wrong_unit and refused.http_status == 403
    refused = check(Actor(Role.clerk, 5), Action.claim, state(Status.in_progress, holder=6), TREE)
    assert refused.code is RefusalCode.already_claimed and "龙兴镇社保所" in refused.message
    assert check(Actor(Role.clerk, 7), Action.release, state(), TREE).code is RefusalCode.no_target
    assert check(Actor(Role.clerk, 2), Action.escalate, state(holder=2), TREE).code is RefusalCode.no_target
    assert check(Actor(Role.commander, 3), Action.request_help, state(holder=3), TREE).code is RefusalCode.no_target
    assert check(Actor(Role.clerk, 5), Action.assign, state(holder=5), TREE).code is RefusalCode.wrong_unit
    assert check(Actor(Role.trainer, 1), Action.claim, state(), TREE).code is RefusalCode.wrong_role


def test_extensions_need_a_supervisor_and_a_pending_request():
    working = state(Status.in_progress, holder=5, origin=7)
    assert Action.request_extension in allowed_actions(Actor(Role.clerk, 5), working, TREE)
    asked = state(Status.in_progress, holder=5, origin=7, extension=2)
    assert Action.request_extension not in allowed_actions(Actor(Role.clerk, 5), asked, TREE)
    assert check(Actor(Role.clerk, 5), Action.approve_extension, asked, TREE).code is RefusalCode.wrong_role
    # the town's own request: never the town's supervisor (the requester), but the district or the command center
    self_approval = check(Actor(Role.supervisor, 5), Action.approve_extension, asked, TREE)
    assert self_approval.code is RefusalCode.wrong_unit and "holder" in self_approval.message
    assert check(Actor(Role.supervisor, 2), Action.approve_extension, asked, TREE) is None
    assert check(Actor(Role.supervisor, 8), Action.approve_extension, asked, TREE).code is RefusalCode.wrong_unit
    assert check(Actor(Role.commander, 3), Action.reject_extension, asked, TREE) is None
    assert check(Actor(Role.supervisor, 2), Action.approve_extension, working, TREE).code is RefusalCode.wrong_status
    # a village's request: its town decides (a strict ancestor)
    village = state(Status.in_progress, holder=7, origin=7, extension=2)
    assert check(Actor(Role.supervisor, 5), Action.approve_extension, village, TREE) is None
    # ... but not the town office beside the town's service center, for the service center's own request
    assert check(Actor(Role.supervisor, 6), Action.approve_extension, asked, TREE).code is RefusalCode.wrong_unit
    assert check(Actor(Role.supervisor, 6), Action.approve_extension, village, TREE) is None  # higher tier
    # a district department's request: not the district service center (same tier, beside it), the command center
    department = state(Status.in_progress, holder=4, origin=5, extension=1)
    assert check(Actor(Role.supervisor, 2), Action.reject_extension, department, TREE).code is RefusalCode.wrong_unit
    assert check(Actor(Role.commander, 3), Action.reject_extension, department, TREE) is None


def test_the_command_centers_own_request_is_decided_by_the_units_that_oversee_it():
    """Nobody stands above the command center: the district government and its administrative service center
    decide (COMMAND_CENTER_OVERSEERS, supervisors and commanders); never a department, a town, or the center."""
    from huiyin.core.domain import EventKind
    from huiyin.core.visibility import requests_to_read

    own = state(Status.in_progress, holder=3, origin=5, extension=3)
    assert check(Actor(Role.supervisor, 2), Action.approve_extension, own, TREE) is None  # 区行政服务中心
    assert check(Actor(Role.commander, 1), Action.reject_extension, own, TREE) is None  # the district itself
    assert check(Actor(Role.clerk, 2), Action.approve_extension, own, TREE).code is RefusalCode.wrong_role
    for unit in (3, 4, 5):  # the requester, a department, a town
        assert check(Actor(Role.supervisor, unit), Action.approve_extension, own, TREE).code is RefusalCode.wrong_unit
    # ... and what they may do, they read the reason of: that entry's kind, and no other
    may = allowed_actions(Actor(Role.supervisor, 2), own, TREE)
    assert requests_to_read(may) == {EventKind.request_extension}
    assert requests_to_read(allowed_actions(Actor(Role.supervisor, 4), own, TREE)) == frozenset()


def test_a_unit_above_may_not_take_over_a_matter_the_command_center_assigned():
    from dataclasses import replace

    from huiyin.core.domain import EventKind

    assigned = replace(state(holder=6, origin=9), arrived_by=EventKind.assign)
    refusal = check(Actor(Role.clerk, 2), Action.claim, assigned, TREE)
    assert refusal.code is RefusalCode.wrong_unit and "assigned" in refusal.message
    assert check(Actor(Role.clerk, 5), Action.claim, assigned, TREE).code is RefusalCode.wrong_unit  # its town
    assert check(Actor(Role.commander, 3), Action.claim, assigned, TREE).code is RefusalCode.wrong_unit
    assert check(Actor(Role.clerk, 6), Action.claim, assigned, TREE) is None  # the assignee itself
    escalated = replace(assigned, arrived_by=EventKind.escalate)
    assert check(Actor(Role.clerk, 5), Action.claim, escalated, TREE) is None  # jurisdiction claims as before
    released = replace(state(holder=3, origin=9), arrived_by=EventKind.release)  # the assignee gave it back
    assert check(Actor(Role.clerk, 2), Action.claim, released, TREE) is None


def test_every_action_is_an_event_kind():
    from huiyin.core.domain import EventKind

    assert {a.value for a in Action} <= {k.value for k in EventKind}
    assert {k for k in EventKind if k.is_supervision} == {EventKind.at_risk, EventKind.overdue, EventKind.claim_overdue}
    assert not EventKind.deadline_changed.is_supervision


def test_a_client_builds_the_rules_state_from_a_queue_row():
    from datetime import datetime

    from huiyin.core.domain import Channel, Complexity, EventKind
    from huiyin.core.schemas import MatterSummary, UnitRef
    from huiyin.core.workflow import state_of

    now = datetime(2026, 11, 26, tzinfo=UTC)
    row = MatterSummary(number="YB-2026-000001", title="t", status=Status.pending, channel=Channel.walk_in,
                        complexity=Complexity.simple, origin_unit=UnitRef(id=9, name="兴旺村", tier=V),
                        holder_unit=UnitRef(id=6, name="社保所", tier=T), created_at=now, updated_at=now, due_at=now,
                        version=3, arrived_by=EventKind.assign)
    state = state_of(row)
    assert (state.holder_unit_id, state.origin_unit_id, state.assigned) == (6, 9, True)
    assert Action.claim not in allowed_actions(Actor(Role.clerk, 5), state, TREE)  # the town may not take it over
    assert Action.claim in allowed_actions(Actor(Role.clerk, 6), state, TREE)
