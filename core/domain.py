"""The words of ../shared/DOMAIN.md as Python identifiers.

Every enum's values are the identifiers used on the wire, in the database and in the message catalogs
(``status.pending``, ``action.claim`` ...). People see labels from the catalogs, never these values.
"""

from __future__ import annotations

from enum import EnumType, StrEnum
from typing import TYPE_CHECKING


class Tier(StrEnum):
    district = "district"
    town = "town"
    village = "village"

    @property
    def rank(self) -> int:
        """0 for the district, 1 for a town or street, 2 for a village or community."""
        return _TIER_RANK[self]

    def above(self) -> Tier | None:
        """The tier a matter escalates to from this one (``None`` at the district)."""
        return {Tier.village: Tier.town, Tier.town: Tier.district, Tier.district: None}[self]


_TIER_RANK = {Tier.district: 0, Tier.town: 1, Tier.village: 2}


class UnitKind(StrEnum):
    #: the district itself: the root of the tree, holds admins and trainers, never holds a matter
    government = "government"
    service_center = "service_center"
    station = "station"
    department = "department"
    command_center = "command_center"


class Role(StrEnum):
    clerk = "clerk"
    supervisor = "supervisor"
    commander = "commander"
    admin = "admin"
    trainer = "trainer"


class Channel(StrEnum):
    walk_in = "walk_in"
    phone = "phone"
    visit = "visit"
    online = "online"


class Complexity(StrEnum):
    simple = "simple"
    complex = "complex"


class Status(StrEnum):
    #: waiting at its holder unit for someone to claim it
    pending = "pending"
    #: claimed by the holder unit, being worked on
    in_progress = "in_progress"
    #: the resident has been answered; waiting to be closed (or reopened)
    answered = "answered"
    #: finished (办结)
    closed = "closed"

    @property
    def is_open(self) -> bool:
        return self is not Status.closed


#: the statuses in which a matter's deadline runs: waiting to be claimed, or being worked on
DEADLINE_STATUSES: tuple[Status, ...] = (Status.pending, Status.in_progress)


class Action(StrEnum):
    """Workflow actions on an existing matter: the ``{action}`` of ``POST /api/matters/{number}/{action}``."""

    claim = "claim"
    release = "release"
    escalate = "escalate"
    request_help = "request_help"
    assign = "assign"
    progress = "progress"
    answer = "answer"
    close = "close"
    reopen = "reopen"
    follow_up = "follow_up"
    #: ask for more working days (延期申请), with a reason
    request_extension = "request_extension"
    #: a supervisor or the command center grants the pending request; ``due_at`` moves
    approve_extension = "approve_extension"
    #: ... or turns it down, with a reason
    reject_extension = "reject_extension"
    #: link this matter to another (``other``: its number) as ``related``, or as a ``duplicate`` of it (which
    #: closes this matter, pointing at the other)
    link = "link"


class _EventKindType(EnumType):
    if TYPE_CHECKING:
        # the members copied from Action are made when the class is built; to a type checker any name is one
        def __getattr__(cls, name: str) -> EventKind: ...


class EventKind(StrEnum, metaclass=_EventKindType):
    """What a timeline entry (``MatterEvent``) records: ``record``, every :class:`Action` (the same name and
    value, copied from it), and the server's own supervision notices (督办), which have no acting operator."""

    _ignore_ = ["_action"]
    record = "record"
    for _action in Action:
        vars()[_action.name] = _action.value
    #: another matter was linked to this one: the other side of a ``link`` entry, on the other matter
    linked = "linked"
    #: less than the policy's at-risk time is left until the matter's deadline
    at_risk = "at_risk"
    #: the matter's deadline passed before it was answered
    overdue = "overdue"
    #: the unit holding the matter did not claim it within its claim (sign-for) deadline
    claim_overdue = "claim_overdue"
    #: the deadline was counted again because the calendar or the deadline policy changed
    deadline_changed = "deadline_changed"

    @property
    def is_supervision(self) -> bool:
        return self in (EventKind.at_risk, EventKind.overdue, EventKind.claim_overdue)


class LinkKind(StrEnum):
    """How two matters are linked (``matter_links.kind``)."""

    #: about the same thing; both stay as they are
    related = "related"
    #: the same report recorded twice: the duplicate is closed, pointing at the original
    duplicate = "duplicate"


class NoteKind(StrEnum):
    """What a timeline entry's note is, for the units and for the resident (``EventOut.note_kind``)."""

    #: a note for the units working the matter; the resident is not told
    internal = "internal"
    #: the answer to the resident (答复): only ``answer`` gives one, and only it sets ``answered_at``
    answer = "answer"
    #: why the action was taken (release, reopen, an extension asked for or refused)
    reason = "reason"
    #: the entry carries no text
    none = "none"


class AuditKind(StrEnum):
    """What an audit entry (``GET /api/audit``) records a change of: everything that is not a matter event."""

    #: one day of the working-day calendar (subject: the date)
    calendar_day = "calendar_day"
    #: a whole year of the calendar imported (subject: the year)
    calendar_year = "calendar_year"
    #: the deadline policy (subject: ``deadline_policy``)
    policy = "policy"
    #: an operator account (subject: the username); passwords and their hashes are never recorded
    operator = "operator"
    #: a unit of the tree (subject: the unit's name)
    unit = "unit"
    #: a category of the tree (subject: the category's code)
    category = "category"


class Queue(StrEnum):
    """The queue names of ``GET /api/matters?queue=``, in the workbench's tab order (most used first).

    ``sent_up`` is still accepted as the old name of ``sent_on``."""

    #: pending and waiting at my unit: mine to claim (recorded here, or handed to us)
    incoming = "incoming"
    #: my unit is working on it (or has answered it)
    in_hand = "in_hand"
    #: pending at a unit under mine: what a town or supervisor watches to claim proactively
    pending_below = "pending_below"
    #: recorded at my unit or handed on by it (escalated, help asked, assigned), open elsewhere
    sent_on = "sent_on"
    all = "all"
    #: open matters past their deadline: for supervisors (over their jurisdiction) and the command center
    overdue = "overdue"
    #: every matter of the district, wherever it is: to find one before recording it again (search it with ``q``);
    #: what the operator's unit may not see of a matter comes masked (huiyin.core.visibility)
    district = "district"

    @classmethod
    def _missing_(cls, value: object) -> Queue | None:
        return cls.sent_on if value == "sent_up" else None


#: roles that work matters (record and act); admins and trainers look but do not touch
WORKING_ROLES: frozenset[Role] = frozenset({Role.clerk, Role.supervisor, Role.commander})
#: roles that approve extensions and watch the overdue queue
SUPERVISING_ROLES: frozenset[Role] = frozenset({Role.supervisor, Role.commander})
