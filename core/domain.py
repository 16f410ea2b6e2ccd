"""The words of ../shared/DOMAIN.md as Python identifiers.

Every enum's values are the identifiers used on the wire, in the database and in the message catalogs
(``status.pending``, ``action.claim`` ...). People see labels from the catalogs, never these values.
"""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    district = "district"
    town = "town"
    village = "village"

    @property
    def rank(self) -> int:
        """0 for the district, 1 for a town or street, 2 for a village or community."""
        return _TIER_RANK[self]

    def above(self) -> "Tier | None":
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


class EventKind(StrEnum):
    """What a timeline entry (``MatterEvent``) records: ``record`` and every :class:`Action`."""

    record = "record"
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


class Queue(StrEnum):
    """The queue names of ``GET /api/matters?queue=``."""

    incoming = "incoming"
    in_hand = "in_hand"
    sent_up = "sent_up"
    all = "all"


#: roles that work matters (record and act); admins and trainers look but do not touch
WORKING_ROLES: frozenset[Role] = frozenset({Role.clerk, Role.supervisor, Role.commander})
