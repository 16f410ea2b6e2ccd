"""The workflow as data: one transition table and one table of permission rules.

``TRANSITIONS`` says which action is allowed in which status and what status follows. ``RULES`` says who may
take an action: which roles, which relation the operator's unit must have to the matter, which extra fields the
action needs, what it does to the holder, the claim and the matter's timestamps, and whether a person should
confirm it first.

:func:`decide` is the one decision: for an operator, an action, a matter and the action's body it returns either
the :class:`Refusal` (who may not, wrong state, a missing or wrong field) or the whole :class:`Transition` (status,
holder, claim, deadline basis, extension, timestamps, the timeline entry's note). The server applies what it
returns; :func:`check` (the part that needs no body) and :func:`allowed_actions` are what the workbench asks to
show only the keys that apply (the server also returns ``allowed_actions`` with each matter, from the same code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from .domain import (
    SUPERVISING_ROLES,
    WORKING_ROLES,
    Action,
    EventKind,
    LinkKind,
    NoteKind,
    Role,
    Status,
    Tier,
    UnitKind,
)
from .schemas import ActionIn, MatterSummary, field_errors
from .units import UnitTree


class Relation(StrEnum):
    """How an operator's unit stands to a matter."""

    holder = "holder"  #: the matter waits at, or is worked by, this unit
    origin = "origin"  #: this unit recorded it
    jurisdiction = "jurisdiction"  #: the holder unit lies in this unit's jurisdiction (this unit is its ancestor)
    command_center = "command_center"  #: this unit is the district command center
    #: the holder lies in this unit's jurisdiction and this unit stands above it: a strict ancestor, or of a
    #: higher tier (a town over its villages, a district unit over the towns); never the holder itself, nor a
    #: unit of the holder's own tier beside it
    above = "above"
    #: the holder is the command center, which nobody stands above, and this unit is one of the district units
    #: that oversee it (:data:`COMMAND_CENTER_OVERSEERS`): who decides the command center's own requests
    oversees_command_center = "oversees_command_center"


#: who decides an extension the command center asks for itself: a supervisor or commander of a district unit of
#: these kinds. The command center is the top of the matter network, answerable to the district government (the
#: tree's root, ``government``); in the network the district's administrative service center (区行政服务中心) runs
#: the windows and their assessment for it, so its supervisors decide too. A district department (beside the
#: command center, coordinated by it) never does.
COMMAND_CENTER_OVERSEERS: frozenset[UnitKind] = frozenset({UnitKind.government, UnitKind.service_center})


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
    other = "other"
    link_kind = "link_kind"


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
    # an internal note: on any open matter (a unit that recorded it or holds it notes what it did or heard)
    (Status.pending, Action.progress): Status.pending,
    (Status.in_progress, Action.progress): Status.in_progress,
    (Status.answered, Action.progress): Status.answered,
    (Status.in_progress, Action.answer): Status.answered,
    (Status.answered, Action.close): Status.closed,
    (Status.answered, Action.reopen): Status.in_progress,
    (Status.answered, Action.follow_up): Status.answered,
    (Status.closed, Action.reopen): Status.in_progress,
    (Status.closed, Action.follow_up): Status.closed,
    (Status.in_progress, Action.request_extension): Status.in_progress,
    (Status.in_progress, Action.approve_extension): Status.in_progress,
    (Status.in_progress, Action.reject_extension): Status.in_progress,
    # a ``related`` link changes nothing; a ``duplicate`` link closes the matter (see DUPLICATE_CLOSES below)
    (Status.pending, Action.link): Status.pending,
    (Status.in_progress, Action.link): Status.in_progress,
    (Status.answered, Action.link): Status.answered,
    (Status.closed, Action.link): Status.closed,
}

#: the status a ``duplicate`` link leaves the duplicate in (from any open status; a closed matter is refused)
DUPLICATE_CLOSES: Status = Status.closed


@dataclass(frozen=True, slots=True)
class Rule:
    relations: frozenset[Relation]  #: the operator's unit needs at least one of these
    #: ... and none of these (``approve_extension`` excludes the ``holder``: the requester never decides)
    excludes: frozenset[Relation] = frozenset()
    #: relations that do not count while the matter waits where the command center assigned it (``claim``: a unit
    #: supervising the assignee may not take it over; once the assignee releases it, they count again)
    not_when_assigned: frozenset[Relation] = frozenset()
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
    #: the matter's timestamps the action sets to "now" (``answered_at`` ...) and clears
    stamps: frozenset[str] = frozenset()
    clears: frozenset[str] = frozenset()
    #: what the timeline entry's text is: an internal note for the units, the answer to the resident, or the
    #: reason for the action. Only ``answer`` answers the resident (and only it stamps ``answered_at``).
    note_kind: NoteKind = NoteKind.internal

    @property
    def moves(self) -> bool:
        """Whether the action can hand the matter to another unit (it then leaves this unit's queues)."""
        return self.holder is not HolderMove.stay


def _r(*relations: Relation) -> frozenset[Relation]:
    return frozenset(relations)


def _f(*fields: Field) -> frozenset[Field]:
    return frozenset(fields)


R = Relation
RULES: dict[Action, Rule] = {
    Action.claim: Rule(_r(R.holder, R.jurisdiction), holder=HolderMove.to_actor, claim=ClaimMove.take,
                       not_when_assigned=_r(R.jurisdiction)),
    Action.release: Rule(_r(R.holder), holder=HolderMove.back, claim=ClaimMove.clear,
                         requires=_f(Field.reason), optional=_f(), confirm=True, note_kind=NoteKind.reason),
    Action.escalate: Rule(_r(R.holder), holder=HolderMove.up, claim=ClaimMove.clear,
                          requires=_f(Field.note), confirm=True),
    Action.request_help: Rule(_r(R.holder), holder=HolderMove.command_center, claim=ClaimMove.clear,
                              requires=_f(Field.note), confirm=True),
    Action.assign: Rule(_r(R.holder), holder=HolderMove.named, claim=ClaimMove.clear,
                        requires=_f(Field.to_unit), actor_kinds=frozenset({UnitKind.command_center})),
    # the internal note (办理记录): the holder, or the unit that recorded it, while the matter is open
    Action.progress: Rule(_r(R.holder, R.origin), requires=_f(Field.note), optional=_f()),
    Action.answer: Rule(_r(R.holder), requires=_f(Field.note), optional=_f(), stamps=frozenset({"answered_at"}),
                        note_kind=NoteKind.answer),
    Action.close: Rule(_r(R.holder, R.origin), confirm=True, stamps=frozenset({"closed_at"})),
    Action.reopen: Rule(_r(R.holder, R.origin, R.command_center), requires=_f(Field.reason), optional=_f(),
                        clears=frozenset({"closed_at"}), note_kind=NoteKind.reason),
    Action.follow_up: Rule(_r(R.holder, R.origin, R.command_center), requires=_f(Field.satisfaction)),
    Action.request_extension: Rule(_r(R.holder), requires=_f(Field.reason, Field.days), optional=_f(),
                                   guard=Guard.no_extension_pending, note_kind=NoteKind.reason),
    # the request is the holder's own: a unit above it, or the command center, decides; never the holder. The
    # command center's own request: the district units that oversee it (COMMAND_CENTER_OVERSEERS)
    Action.approve_extension: Rule(_r(R.above, R.command_center, R.oversees_command_center), excludes=_r(R.holder),
                                   roles=SUPERVISING_ROLES, guard=Guard.extension_pending),
    Action.reject_extension: Rule(_r(R.above, R.command_center, R.oversees_command_center), excludes=_r(R.holder),
                                  roles=SUPERVISING_ROLES,
                                  requires=_f(Field.reason), optional=_f(), guard=Guard.extension_pending,
                                  note_kind=NoteKind.reason),
    # the units on its path (the one holding it, the one that recorded it) and the command center; whether the
    # other matter exists, is this one, or is linked already is the server's to say (it needs the database)
    Action.link: Rule(_r(R.holder, R.origin, R.command_center), requires=_f(Field.other, Field.link_kind)),
}

#: the actions that hand a matter on: the holder moves away from the unit taking it (back where it came from,
#: up a tier, to the command center, to a named unit); the assessment counts them as moves
HANDS_ON: frozenset[Action] = frozenset(
    a for a, r in RULES.items() if r.holder not in (HolderMove.stay, HolderMove.to_actor))
#: ... and of those, the ones that send it on rather than back: what the ``sent_on`` queue follows
SENDS_ON: frozenset[Action] = frozenset(a for a in HANDS_ON if RULES[a].holder is not HolderMove.back)

#: the text of timeline entries that are not actions: ``linked`` carries the link's note (for the units)
_EVENT_NOTE_KINDS: dict[EventKind, NoteKind] = {EventKind.linked: NoteKind.internal}


def note_kind(kind: EventKind, note: str) -> NoteKind:
    """What a timeline entry's ``note`` is (``none`` when it is empty), from :attr:`Rule.note_kind`."""
    if not note:
        return NoteKind.none
    if kind.value in Action.__members__:
        return RULES[Action(kind.value)].note_kind
    return _EVENT_NOTE_KINDS.get(kind, NoteKind.internal)

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
    #: the working days the resident's deadline is counted over (grows with each granted extension)
    deadline_days: int = 3
    #: how the matter arrived at its holder: the kind of the last timeline entry that moved it (``record``,
    #: ``escalate``, ``request_help``, ``assign``, ``release``, ``claim``); ``None`` if not known
    arrived_by: EventKind | None = None

    @property
    def assigned(self) -> bool:
        """The matter waits at (or is worked by) the unit the command center assigned it to."""
        return self.arrived_by is EventKind.assign


def matter_state(source: object, **given: Any) -> MatterState:
    """The one builder of :class:`MatterState`: each fact is ``source``'s attribute of the same name (a stored
    matter, a row as the server sends it), unless ``given``; facts the source lacks keep their defaults."""
    values = {f.name: getattr(source, f.name) for f in fields(MatterState) if hasattr(source, f.name)}
    values.update(given)
    return MatterState(**{**values, "status": Status(values["status"])})


def state_of(row: MatterSummary) -> MatterState:
    """The facts the rules look at, from a matter as the server sends it (a queue row or the detail), so a client
    offers exactly the actions the server will accept (the workbench's keys, ``allowed_actions``)."""
    return matter_state(row, holder_unit_id=row.holder_unit.id, origin_unit_id=row.origin_unit.id,
                        claimed_by_id=row.claimed_by.id if row.claimed_by else None)


class RefusalCode(StrEnum):
    wrong_status = "wrong_status"  #: 409: the matter's state does not allow it now
    already_claimed = "already_claimed"  #: 409: another window claimed it first
    wrong_role = "wrong_role"  #: 403
    wrong_unit = "wrong_unit"  #: 403: the operator's unit has no suitable relation to the matter
    no_target = "no_target"  #: 409: nowhere to send it (nothing to release back to, no tier above ...)
    invalid_input = "invalid_input"  #: 422: a field the action needs is missing or wrong (``fields`` names it)


@dataclass(frozen=True, slots=True)
class Refusal:
    code: RefusalCode
    message: str
    #: what the operator's unit is to the matter, for messages
    relations: frozenset[Relation] = field(default_factory=frozenset)
    #: for ``invalid_input``: each body field at fault and what is wrong with it (``required``, ``unknown_unit`` ...)
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def http_status(self) -> int:
        if self.code is RefusalCode.invalid_input:
            return 422
        return 403 if self.code in (RefusalCode.wrong_role, RefusalCode.wrong_unit) else 409


@dataclass(frozen=True, slots=True)
class Transition:
    """Everything an allowed action does to a matter; the server writes exactly this (and one timeline entry)."""

    action: Action
    status_before: Status
    status_after: Status
    holder_before: int
    holder_after: int
    #: where ``release`` would send it after this action (meaningful when :attr:`moved`)
    previous_holder_after: int | None
    claim: ClaimMove
    #: the working days the deadline is counted over afterwards (changed by a granted extension)
    deadline_days: int
    #: the working days an extension request asks for afterwards (``None``: no request waits)
    extension_days_requested: int | None
    #: the timestamps set to "now" and cleared
    stamps: frozenset[str]
    clears: frozenset[str]
    #: what the timeline entry says: the reason where the action asks for one, else the note
    note: str
    #: the days the timeline entry names (an extension asked for or granted)
    event_days: int | None
    satisfaction: int | None
    #: ``link``: the other matter's number and the kind of link (``None`` for every other action)
    other: str | None = None
    link_kind: LinkKind | None = None

    @property
    def moved(self) -> bool:
        """The matter changes hands: a new stage starts at the receiving unit."""
        return self.holder_after != self.holder_before

    @property
    def claim_clock_starts(self) -> bool:
        """The receiving unit gets a new claim (sign-for) deadline: the matter arrived there, unclaimed."""
        return self.moved and self.status_after is Status.pending

    @property
    def deadline_moved(self) -> bool:
        return self.action is Action.approve_extension


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
    if Relation.jurisdiction in out and actor.unit_id != matter.holder_unit_id and (
            actor.unit_id in {u.id for u in tree.ancestors(matter.holder_unit_id)}
            or tree[actor.unit_id].tier.rank < tree[matter.holder_unit_id].tier.rank):
        out.add(Relation.above)
    if (matter.holder_unit_id in tree and tree[matter.holder_unit_id].kind is UnitKind.command_center
            and actor.unit_id in tree and tree[actor.unit_id].tier is Tier.district
            and tree[actor.unit_id].kind in COMMAND_CENTER_OVERSEERS):
        out.add(Relation.oversees_command_center)
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
            return Refusal(RefusalCode.already_claimed,
                           f"already claimed: {holder} holds this matter ({matter.status})", rel)
        return Refusal(RefusalCode.wrong_status, f"cannot {action} a matter that is {matter.status}", rel)
    if rel & rule.excludes:
        return Refusal(RefusalCode.wrong_unit,
                       f"your unit may not {action} this matter because it is the matter's "
                       f"{' and '.join(sorted(rel & rule.excludes))}", rel)
    counted = rel - rule.not_when_assigned if matter.assigned else rel
    if not (counted & rule.relations):
        if rel & rule.relations:
            holder = tree[matter.holder_unit_id].name if matter.holder_unit_id in tree else str(matter.holder_unit_id)
            return Refusal(RefusalCode.wrong_unit,
                           f"the command center assigned this matter to {holder}: only {holder} may {action} it, "
                           f"unless it releases it", rel)
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


def _invalid(fields: dict[str, str], message: str, rel: frozenset[Relation]) -> Refusal:
    return Refusal(RefusalCode.invalid_input, message, rel, MappingProxyType(fields))


def missing_fields(action: Action, values: Mapping[str, object]) -> dict[str, str]:
    """The fields ``action`` requires that ``values`` leave empty (absent, ``None`` or blank text): each field →
    ``required``, in field order."""
    return {f.value: "required" for f in sorted(RULES[action].requires) if _blank(values.get(f.value))}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def body_errors(action: Action, values: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with a body for ``action`` before it is sent, field → error type: the required fields left
    empty (:func:`missing_fields`), then what :class:`ActionIn` refuses (too long, a day count out of range ...)."""
    errors = missing_fields(action, values)
    try:
        ActionIn.model_validate(values)
    except ValidationError as exc:
        for name, (kind, _msg) in field_errors(exc).items():
            errors.setdefault(name, kind)
    return errors


def decide(actor: Actor, action: Action, matter: MatterState, body: ActionIn, tree: UnitTree) -> Refusal | Transition:
    """The one decision of the workflow: why the operator may not take ``action`` on ``matter`` with ``body``, or
    everything the action does. Pure: it reads the tables above and its arguments, nothing else."""
    refusal = check(actor, action, matter, tree)
    if refusal is not None:
        return refusal
    rule = RULES[action]
    rel = relations(actor, matter, tree)
    missing = missing_fields(action, dict(body))
    if missing:
        return _invalid(missing, f"{action} needs: {', '.join(missing)}", rel)

    holder = matter.holder_unit_id
    if rule.holder is HolderMove.named:
        to_unit = body.to_unit
        assert to_unit is not None  # required above
        if to_unit not in tree:
            return _invalid({"to_unit": "unknown_unit"}, f"there is no unit with id {to_unit}", rel)
        if not tree.can_hold_matters(to_unit):
            return _invalid({"to_unit": "cannot_hold"}, f"{tree[to_unit].name} cannot hold matters", rel)
        if to_unit == matter.holder_unit_id:
            return _invalid({"to_unit": "same_unit"}, f"{tree[to_unit].name} already holds this matter", rel)
        holder = to_unit
    elif rule.holder is not HolderMove.stay:
        target = target_unit(action, matter, tree, actor)
        assert target is not None  # check() refuses an action with nowhere to go
        holder = target

    status_after = next_status(matter.status, action)
    stamps, clears, claim = rule.stamps, rule.clears, rule.claim
    if action is Action.link and body.link_kind is LinkKind.duplicate:
        if not matter.status.is_open:
            return Refusal(RefusalCode.wrong_status,
                           f"a {matter.status} matter cannot be closed as a duplicate; link it as related", rel)
        # the duplicate is finished: closed, pointing at the original (the timeline entry names it)
        status_after, stamps, claim = DUPLICATE_CLOSES, frozenset({"closed_at"}), ClaimMove.clear
    moved = holder != matter.holder_unit_id
    previous = matter.previous_holder_id
    if moved:
        previous = None if rule.holder is HolderMove.back else matter.holder_unit_id

    # an extension request lapses with a hand-off, an answer or anything else that ends the work
    extension = matter.extension_days_requested
    if moved or status_after is not Status.in_progress:
        extension = None
    deadline_days, event_days = matter.deadline_days, None
    if action is Action.request_extension:
        extension = event_days = body.days
    elif action is Action.approve_extension:
        event_days = matter.extension_days_requested or 0
        deadline_days += event_days
        extension = None
    elif action is Action.reject_extension:
        extension = None

    return Transition(
        action=action, status_before=matter.status, status_after=status_after,
        holder_before=matter.holder_unit_id, holder_after=holder, previous_holder_after=previous, claim=claim,
        deadline_days=deadline_days, extension_days_requested=extension, stamps=stamps, clears=clears,
        note=body.reason if Field.reason in rule.requires else body.note, event_days=event_days,
        satisfaction=body.satisfaction if Field.satisfaction in rule.requires else None,
        other=body.other if action is Action.link else None,
        link_kind=body.link_kind if action is Action.link else None)


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
