"""The workflow as data: one transition table and one table of permission rules.

``TRANSITIONS`` says which action is allowed in which status and what status follows. ``RULES`` says who may
take an action: which roles, which relation the operator's unit must have to the matter, which extra fields the
action needs, what it does to the holder and the claim, and whether a person should confirm it first.

:func:`check` and :func:`allowed_actions` are the only place these tables are read for decisions: the server
calls :func:`check` before every action; the workbench calls :func:`allowed_actions` to show only the keys that
apply (the server also returns ``allowed_actions`` with each matter, computed by the same function).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .domain import SUPERVISING_ROLES, WORKING_ROLES, Action, Role, Status, UnitKind
from .units import UnitTree


class Relation(StrEnum):
    """How an operator's unit stands to a matter."""

    holder = "holder"  #: the matter waits at, or is worked by, this unit
    origin = "origin"  #: this unit recorded it
    jurisdiction = "jurisdiction"  #: the holder unit lies in this unit's jurisdiction (this unit is its ancestor)
    command_center = "command_center"  #: this unit is the district command center


class HolderMove(StrEnum):
    """What an action does to the matter's holder unit."""

    stay = "stay"
    to_actor = "to_actor"  #: the claiming unit becomes the holder
    back = "back"  #: back to the unit it came from (release)
    up = "up"  #: the service center of the tier above (escalate)
    command_center = "command_center"  #: the command center (request_help)
    named = "named"  #: the unit named in ``to_unit`` (assign)


class ClaimMove(StrEnum):
    keep = "keep"
    take = "take"  #: the acting operator becomes ``claimed_by``
    clear = "clear"


class Field(StrEnum):
    """Body fields an action may need."""

    note = "note"
    reason = "reason"
    to_unit = "to_unit"
    satisfaction = "satisfaction"
    days = "days"


class Guard(StrEnum):
    """A condition on the matter beyond its status."""

    none = "none"
    no_extension_pending = "no_extension_pending"
    extension_pending = "extension_pending"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.pending, Action.claim): Status.in_progress,
    (Status.pending, Action.release): Status.pending,
    (Status.pending, Action.escalate): Status.pending,
    (Status.pending, Action.request_help): Status.pending,
    (Status.pending, Action.assign): Status.pending,
    (Status.in_progress, Action.release): Status.pending,
    (Status.in_progress, Action.escalate): Status.pending,
    (Status.in_progress, Action.request_help): Status.pending,
    (Status.in_progress, Action.assign): Status.pending,
    (Status.in_progress, Action.progress): Status.in_progress,
    (Status.in_progress, Action.answer): Status.answered,
    (Status.answered, Action.close): Status.closed,
    (Status.answered, Action.reopen): Status.in_progress,
    (Status.answered, Action.follow_up): Status.answered,
    (Status.closed, Action.reopen): Status.in_progress,
    (Status.closed, Action.follow_up): Status.closed,
    (Status.in_progress, Action.request_extension): Status.in_progress,
    (Status.in_progress, Action.approve_extension): Status.in_progress,
    (Status.in_progress, Action.reject_extension): Status.in_progress,
}


@dataclass(frozen=True, slots=True)
class Rule:
    relations: frozenset[Relation]  #: the operator's unit needs at least one of these
    holder: HolderMove = HolderMove.stay
    claim: ClaimMove = ClaimMove.keep
    requires: frozenset[Field] = frozenset()
    optional: frozenset[Field] = frozenset({Field.note})
    roles: frozenset[Role] = WORKING_ROLES
    #: the operator's unit must be of one of these kinds (empty: any kind)
    actor_kinds: frozenset[UnitKind] = frozenset()
    #: a person should confirm before the workbench sends it (hard to undo)
    confirm: bool = False
    guard: Guard = Guard.none


def _r(*relations: Relation) -> frozenset[Relation]:
    return frozenset(relations)


def _f(*fields: Field) -> frozenset[Field]:
    return frozenset(fields)


R = Relation
RULES: dict[Action, Rule] = {
    Action.claim: Rule(_r(R.holder, R.jurisdiction), holder=HolderMove.to_actor, claim=ClaimMove.take),
    Action.release: Rule(_r(R.holder), holder=HolderMove.back, claim=ClaimMove.clear,
                         requires=_f(Field.reason), optional=_f(), confirm=True),
    Action.escalate: Rule(_r(R.holder), holder=HolderMove.up, claim=ClaimMove.clear,
                          requires=_f(Field.note), confirm=True),
    Action.request_help: Rule(_r(R.holder), holder=HolderMove.command_center, claim=ClaimMove.clear,
                              requires=_f(Field.note), confirm=True),
    Action.assign: Rule(_r(R.holder), holder=HolderMove.named, claim=ClaimMove.clear,
                        requires=_f(Field.to_unit), actor_kinds=frozenset({UnitKind.command_center})),
    Action.progress: Rule(_r(R.holder), requires=_f(Field.note), optional=_f()),
    Action.answer: Rule(_r(R.holder), requires=_f(Field.note), optional=_f()),
    Action.close: Rule(_r(R.holder, R.origin), confirm=True),
    Action.reopen: Rule(_r(R.holder, R.origin, R.command_center), requires=_f(Field.reason), optional=_f()),
    Action.follow_up: Rule(_r(R.holder, R.origin, R.command_center), requires=_f(Field.satisfaction)),
    Action.request_extension: Rule(_r(R.holder), requires=_f(Field.reason, Field.days), optional=_f(),
                                   guard=Guard.no_extension_pending),
    Action.approve_extension: Rule(_r(R.jurisdiction, R.command_center), roles=SUPERVISING_ROLES,
                                   guard=Guard.extension_pending),
    Action.reject_extension: Rule(_r(R.jurisdiction, R.command_center), roles=SUPERVISING_ROLES,
                                  requires=_f(Field.reason), optional=_f(), guard=Guard.extension_pending),
}

#: the most working days one extension may add
MAX_EXTENSION_DAYS = 30

#: the order actions are offered in (workbench footer, palette, ``allowed_actions``)
ACTION_ORDER: tuple[Action, ...] = tuple(Action)


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    unit_id: int


@dataclass(frozen=True, slots=True)
class MatterState:
    """The facts about a matter that the rules look at."""

    status: Status
    holder_unit_id: int
    origin_unit_id: int
    #: the unit it came from before its current holder (where ``release`` sends it), if any
    previous_holder_id: int | None = None
    claimed_by_id: int | None = None
    #: working days asked for by an extension request that waits for a decision
    extension_days_requested: int | None = None


class RefusalCode(StrEnum):
    wrong_status = "wrong_status"  #: 409: the matter's state does not allow it now
    already_claimed = "already_claimed"  #: 409: another window claimed it first
    wrong_role = "wrong_role"  #: 403
    wrong_unit = "wrong_unit"  #: 403: the operator's unit has no suitable relation to the matter
    no_target = "no_target"  #: 409: nowhere to send it (nothing to release back to, no tier above ...)


@dataclass(frozen=True, slots=True)
class Refusal:
    code: RefusalCode
    message: str
    #: what the operator's unit is to the matter, for messages
    relations: frozenset[Relation] = field(default_factory=frozenset)

    @property
    def http_status(self) -> int:
        return 403 if self.code in (RefusalCode.wrong_role, RefusalCode.wrong_unit) else 409


def relations(actor: Actor, matter: MatterState, tree: UnitTree) -> frozenset[Relation]:
    out: set[Relation] = set()
    if actor.unit_id == matter.holder_unit_id:
        out.add(Relation.holder)
    if actor.unit_id == matter.origin_unit_id:
        out.add(Relation.origin)
    if actor.unit_id in tree and matter.holder_unit_id in tree and tree.covers(actor.unit_id, matter.holder_unit_id):
        out.add(Relation.jurisdiction)
    if actor.unit_id in tree and tree[actor.unit_id].kind is UnitKind.command_center:
        out.add(Relation.command_center)
    return frozenset(out)


def target_unit(action: Action, matter: MatterState, tree: UnitTree, actor: Actor) -> int | None:
    """Where the action moves the holder (``None`` when it stays or the action names its own ``to_unit``)."""
    move = RULES[action].holder
    if move is HolderMove.to_actor:
        return actor.unit_id
    if move is HolderMove.back:
        return matter.previous_holder_id
    if move is HolderMove.up:
        target = tree.escalation_target(matter.holder_unit_id)
        return target.id if target else None
    if move is HolderMove.command_center:
        center = tree.command_center()
        return center.id if center else None
    return None


def check(actor: Actor, action: Action, matter: MatterState, tree: UnitTree) -> Refusal | None:
    """``None`` if the operator may take the action now, else why not."""
    rule = RULES[action]
    rel = relations(actor, matter, tree)
    if actor.role not in rule.roles:
        return Refusal(RefusalCode.wrong_role,
                       f"role {actor.role} may not {action}; it needs one of: {', '.join(sorted(rule.roles))}", rel)
    if rule.actor_kinds and (actor.unit_id not in tree or tree[actor.unit_id].kind not in rule.actor_kinds):
        return Refusal(RefusalCode.wrong_unit,
                       f"only a unit of kind {', '.join(sorted(rule.actor_kinds))} may {action}", rel)
    if (matter.status, action) not in TRANSITIONS:
        if action is Action.claim and matter.status is not Status.pending:
            holder = tree[matter.holder_unit_id].name if matter.holder_unit_id in tree else str(matter.holder_unit_id)
            return Refusal(RefusalCode.already_claimed, f"already claimed: {holder} holds this matter ({matter.status})", rel)
        return Refusal(RefusalCode.wrong_status, f"cannot {action} a matter that is {matter.status}", rel)
    if not (rel & rule.relations):
        need = " or ".join(sorted(rule.relations))
        return Refusal(RefusalCode.wrong_unit,
                       f"your unit may not {action} this matter: it must be the matter's {need}", rel)
    pending = matter.extension_days_requested is not None
    if rule.guard is Guard.no_extension_pending and pending:
        return Refusal(RefusalCode.wrong_status, "an extension request already waits for a decision", rel)
    if rule.guard is Guard.extension_pending and not pending:
        return Refusal(RefusalCode.wrong_status, "no extension request waits for a decision", rel)
    if rule.holder is not HolderMove.named and rule.holder is not HolderMove.stay:
        target = target_unit(action, matter, tree, actor)
        if target is None:
            where = {HolderMove.back: "it was recorded here, so there is no unit to give it back to",
                     HolderMove.up: "there is no tier above this unit",
                     HolderMove.command_center: "the district has no command center"}.get(rule.holder, "")
            return Refusal(RefusalCode.no_target, f"cannot {action}: {where}", rel)
        if rule.holder is HolderMove.command_center and target == matter.holder_unit_id:
            return Refusal(RefusalCode.no_target, "the command center already holds this matter", rel)
    return None


def allowed_actions(actor: Actor, matter: MatterState, tree: UnitTree) -> list[Action]:
    """Every action the operator may take on the matter now, in :data:`ACTION_ORDER`."""
    return [a for a in ACTION_ORDER if check(actor, a, matter, tree) is None]


def next_status(status: Status, action: Action) -> Status:
    return TRANSITIONS[(status, action)]


def can_record(role: Role) -> bool:
    return role in WORKING_ROLES


def may_watch_overdue(role: Role) -> bool:
    """Supervisors (over their jurisdiction) and commanders (over the district) have the overdue queue."""
    return role in SUPERVISING_ROLES
