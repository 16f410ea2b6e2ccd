"""Random histories of the sample district's matters for the assessment's property tests: records, claims (also
by a unit above), escalations, releases, help requests, assignments, answers, closes, reopens, follow-ups,
extensions (requested, granted, refused), related and duplicate links — many landing exactly on a claim deadline,
an answer deadline or a month's end — over February–March 2026 (Spring Festival, its make-up workdays).

:func:`history` plays a seed through core's workflow (``decide``: only what the server accepts) and returns the
steps, time-ordered, to be POSTed to a server (tests/api/test_assessment_property.py) and the timelines the server
would write (the core-level test), as :class:`~tests.core.assessment_reference.Entry` lists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from huiyin.core.deadlines import DeadlinePolicy, claim_deadline, deadline, matter_deadline
from huiyin.core.domain import Action, Complexity, EventKind, LinkKind, Role, Status, Tier
from huiyin.core.schemas import ActionIn
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.core.workflow import RULES, Actor, ClaimMove, MatterState, Transition, allowed_actions, decide
from huiyin.server.district.sample import DISTRICT, OPERATORS, UNITS
from tests.core.assessment_reference import Entry, Unit

CQ = DeadlinePolicy().tz
#: the months played (February holds Spring Festival: 2026-02-15..23 off, 02-14 and 02-28 make-up workdays)
FIRST_DAY = date(2026, 2, 2)
LAST_DAY = date(2026, 4, 10)
MONTH_ENDS = [datetime(2026, m, 1, tzinfo=CQ) for m in (3, 4)]
#: what each action is drawn with (the others as allowed)
WEIGHTS = {Action.claim: 6, Action.answer: 5, Action.close: 4, Action.escalate: 2, Action.release: 1,
           Action.request_help: 2, Action.assign: 3, Action.reopen: 1, Action.follow_up: 2, Action.link: 1,
           Action.request_extension: 2, Action.approve_extension: 2, Action.reject_extension: 1,
           Action.progress: 1}


def sample_units() -> list[UnitInfo]:
    """The sample district's units, numbered in the order the server creates them (the root is 1)."""
    ids = {spec.name: n for n, spec in enumerate(UNITS, start=1)}
    return [UnitInfo(ids[s.name], s.name, Tier(s.tier), s.kind, ids.get(s.parent) if s.parent else None)
            for s in UNITS]


def report_units(units: list[UnitInfo]) -> list[Unit]:
    return [Unit(u.id, u.name, Tier(u.tier).value) for u in units if u.name != DISTRICT]


@dataclass
class Step:
    at: datetime
    username: str
    #: the matter's index in the history (a record makes the next one)
    matter: int
    action: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Matter:
    state: MatterState
    created: datetime
    complexity: Complexity
    due: datetime
    claim_due: datetime | None
    entries: list[Entry]
    category: str
    linked: set[int] = field(default_factory=set)


@dataclass
class History:
    steps: list[Step]
    timelines: dict[int, list[Entry]]
    categories: dict[int, str]
    units: list[UnitInfo]


def history(seed: int, matters: int, calendar: Any, policy: DeadlinePolicy | None = None) -> History:
    """A seeded random history of about ``matters`` matters (records spread over the days played)."""
    policy = policy or DeadlinePolicy()
    rng = random.Random(seed)
    units = sample_units()
    tree = UnitTree(units)
    unit_id = {u.name: u.id for u in units}
    ops = {name: Actor(role, unit_id[unit]) for name, _display, role, unit in OPERATORS if role is not Role.trainer}
    recorders = [n for n, a in ops.items() if a.role is not Role.admin and tree.can_hold_matters(a.unit_id)]
    holdable = [u.id for u in units if tree.can_hold_matters(u.id)]
    state: list[_Matter] = []
    steps: list[Step] = []
    span = (datetime.combine(LAST_DAY, time(0), tzinfo=CQ) - datetime.combine(FIRST_DAY, time(0), tzinfo=CQ))
    start = datetime.combine(FIRST_DAY, time(8), tzinfo=CQ)
    record_times = sorted(start + span * rng.random() ** 1.3 for _ in range(matters))
    now = start
    actions_left = matters * 6

    def edges(m: _Matter) -> list[datetime]:
        out = [m.due] + MONTH_ENDS
        if m.claim_due is not None:
            out.append(m.claim_due)
        return [e for e in out if e > now]

    mean_gap = span / (matters * 7)

    def next_time() -> datetime:
        """Mostly a little later (seconds to days: nights and holidays included), sometimes exactly on an edge (a
        claim deadline, an answer deadline, a month's end) not far ahead."""
        if state and rng.random() < 0.3:
            found = [e for e in edges(rng.choice(state)) if e - now < 12 * mean_gap]
            if found:
                return min(found) if rng.random() < 0.7 else rng.choice(found)
        if rng.random() < 0.1:
            return now + timedelta(seconds=rng.randint(0, 59))
        return now + mean_gap * rng.expovariate(1.0)

    def record(at: datetime) -> None:
        username = rng.choice(recorders)
        actor = ops[username]
        complexity = rng.choice([Complexity.simple, Complexity.simple, Complexity.complex])
        due = matter_deadline(at, complexity, calendar, policy)
        index = len(state)
        category = rng.choice(["道路交通", "社会保障", "", "安全隐患"])
        entry = Entry("record", actor.unit_id, at, due_at=due.due_at)
        state.append(_Matter(MatterState(Status.pending, actor.unit_id, actor.unit_id,
                                         deadline_days=due.working_days, arrived_by=EventKind.record),
                             at, complexity, due.due_at, claim_deadline(at, calendar, policy).due_at, [entry],
                             category))
        steps.append(Step(at, username, index, "record", {"complexity": complexity.value, "category": category}))

    def body_for(action: Action, m: _Matter, index: int) -> dict[str, Any] | None:
        if action is Action.assign:
            return {"to_unit": rng.choice([u for u in holdable if u != m.state.holder_unit_id]), "note": "请办理"}
        if action is Action.link:
            others = [i for i in range(len(state)) if i != index and i not in m.linked]
            if not others:
                return None
            kind = LinkKind.duplicate if m.state.status.is_open and rng.random() < 0.75 else LinkKind.related
            return {"other": rng.choice(others), "link_kind": kind.value, "note": "同一事项"}
        values = {"note": "已处理", "reason": "原因", "satisfaction": rng.randint(1, 5), "days": rng.randint(1, 4)}
        rule = RULES[action]
        return {f.value: values[f.value] for f in rule.requires | rule.optional if f.value in values}

    while record_times or actions_left > 0:
        at = next_time()
        if record_times and (record_times[0] <= at or not state):
            now = max(now, record_times.pop(0))
            record(now)
            continue
        if at > datetime.combine(LAST_DAY, time(0), tzinfo=CQ) and not record_times:
            break
        index = rng.randrange(len(state))
        m = state[index]
        choices = [(name, a) for name, actor in ops.items() for a in allowed_actions(actor, m.state, tree)]
        if not choices:
            actions_left -= 1
            continue
        kinds = sorted({a for _n, a in choices}, key=list(Action).index)
        action = rng.choices(kinds, weights=[WEIGHTS[a] for a in kinds])[0]
        able = [n for n, a in choices if a is action]
        at_holder = [n for n in able if ops[n].unit_id == m.state.holder_unit_id]
        # mostly someone at the holder (a claim by a unit above now and then, not as a rule)
        name = rng.choice(at_holder if at_holder and rng.random() < 0.75 else able)
        body = body_for(action, m, index)
        if body is None:
            continue
        wire = {k: v for k, v in body.items() if k != "other"}
        if action is Action.link:
            wire["other"] = "placeholder"
        decision = decide(ops[name], action, m.state, ActionIn.model_validate(wire), tree)
        if not isinstance(decision, Transition):
            continue
        now = at
        actions_left -= 1
        _apply(m, decision, ops[name], name, now, calendar, policy, body)
        if action is Action.link:
            m.linked.add(body["other"])
            state[body["other"]].linked.add(index)
        steps.append(Step(now, name, index, action.value, body))
    return History(steps, {i + 1: m.entries for i, m in enumerate(state)},
                   {i + 1: m.category for i, m in enumerate(state)}, units)


def _apply(m: _Matter, t: Transition, actor: Actor, username: str, now: datetime, calendar: Any,
           policy: DeadlinePolicy, body: dict) -> None:
    """What the server writes for an accepted action (server/matters/workflow.py ``act_on``), on the model."""
    claimed = {ClaimMove.keep: m.state.claimed_by_id, ClaimMove.take: hash(username) % 10_000,
               ClaimMove.clear: None}[t.claim]
    due_at = None
    if t.deadline_moved:
        due_at = deadline(m.created, t.deadline_days, calendar, policy).due_at
        m.due = due_at
    if t.claim_clock_starts:
        m.claim_due = claim_deadline(now, calendar, policy).due_at
    elif t.status_after is not Status.pending:
        m.claim_due = None
    m.state = replace(m.state, status=t.status_after, holder_unit_id=t.holder_after,
                      previous_holder_id=t.previous_holder_after if t.moved else m.state.previous_holder_id,
                      claimed_by_id=claimed, extension_days_requested=t.extension_days_requested,
                      deadline_days=t.deadline_days,
                      arrived_by=EventKind(t.action.value) if t.moved else m.state.arrived_by)
    m.entries.append(Entry(t.action.value, t.holder_after, now, satisfaction=t.satisfaction, due_at=due_at,
                           link_kind=t.link_kind.value if t.link_kind else None))


def at_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
