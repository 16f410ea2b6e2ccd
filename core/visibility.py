"""Who sees what of a matter: the visibility policy as data, beside :data:`huiyin.core.workflow.RULES`.

Every tier sees the work; only the units that handle a matter see the resident. A matter has three parts:

* ``work``: number, title, category, channel, complexity, status, holder, deadline, and the timeline's kinds,
  units and times: what lets every window know what is being done, and by whom;
* ``notes``: the free text written about the matter (its description, progress notes, answers, reasons);
* ``resident``: the resident's name, phone and address.

How an operator stands to a matter is a :class:`Viewer`; :data:`VISIBILITY` says, for each viewer, whether it sees
each part in ``full``, ``masked`` (the resident: ``138****0005``, ``陈**``, the address to the street; notes:
withheld, marked as withheld) or not at all (``none``: the matter does not exist for that viewer). An operator who
stands in several ways gets the most any of them grants.

This module is the policy and its masks, and nothing else: the server applies :func:`access` and :func:`redact` to
every read (the detail, queues, search, the similar matters, the live feed and its catch-up), and the workbench
shows what it is given, saying when something is masked (each matter and timeline entry lists its ``masked``
fields). ``docs/visibility.md`` is this table in words (:func:`policy_table` renders it; a test keeps the two equal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import IntEnum, StrEnum
from types import MappingProxyType

from .domain import Action, EventKind, Role, UnitKind
from .units import UnitTree


class Viewer(StrEnum):
    """How an operator stands to a matter, for reading it (the rows of :data:`VISIBILITY`)."""

    #: the operator's unit holds the matter now
    holder = "holder"
    #: the operator's unit recorded the matter
    origin = "origin"
    #: the matter passed through the operator's unit: it recorded it or held it at some point (the ``to_unit`` of
    #: any of its timeline entries)
    on_path = "on_path"
    #: the operator's unit is the district command center
    command_center = "command_center"
    #: the matter's holder lies in the operator's unit's jurisdiction (it supervises the holder)
    jurisdiction = "jurisdiction"
    #: not involved: any other working operator (clerk, supervisor, commander) of the district
    none = "none"
    #: an administrator (calendar, policy, units, operators): sees the work to run the network
    admin = "admin"
    #: a trainer: plays demos in a sandbox, sees none of the district's real matters
    trainer = "trainer"


class Part(StrEnum):
    work = "work"
    notes = "notes"
    resident = "resident"


class Access(IntEnum):
    """How much of a part a viewer sees; larger is more, so the best of several is ``max``."""

    none = 0
    masked = 1
    full = 2


F, M, N = Access.full, Access.masked, Access.none

VISIBILITY: Mapping[Viewer, Mapping[Part, Access]] = MappingProxyType({
    Viewer.holder: MappingProxyType({Part.work: F, Part.notes: F, Part.resident: F}),
    Viewer.origin: MappingProxyType({Part.work: F, Part.notes: F, Part.resident: F}),
    Viewer.on_path: MappingProxyType({Part.work: F, Part.notes: F, Part.resident: F}),
    Viewer.command_center: MappingProxyType({Part.work: F, Part.notes: F, Part.resident: F}),
    Viewer.jurisdiction: MappingProxyType({Part.work: F, Part.notes: M, Part.resident: M}),
    Viewer.none: MappingProxyType({Part.work: F, Part.notes: M, Part.resident: M}),
    Viewer.admin: MappingProxyType({Part.work: F, Part.notes: M, Part.resident: M}),
    Viewer.trainer: MappingProxyType({Part.work: N, Part.notes: N, Part.resident: N}),
})

#: which fields of a matter (and of its timeline entries) belong to which part; every other field is ``work``
FIELDS: Mapping[Part, frozenset[str]] = MappingProxyType({
    Part.notes: frozenset({"description", "note"}),
    Part.resident: frozenset({"resident_name", "resident_phone", "address"}),
})

NO_ACCESS: Mapping[Part, Access] = MappingProxyType({part: Access.none for part in Part})

#: whoever may decide a request reads the timeline entry that asked for it (its reason) while it waits for them,
#: and no other note: the action that decides → the kind of entry it decides on. A unit above the holder decides
#: an extension with the notes withheld otherwise; it cannot decide blind.
DECIDES: Mapping[Action, EventKind] = MappingProxyType({Action.approve_extension: EventKind.request_extension,
                                                        Action.reject_extension: EventKind.request_extension})


def requests_to_read(may: Iterable[Action]) -> frozenset[EventKind]:
    """The kinds of entry whose latest one an operator who may take ``may`` on a matter reads in full."""
    return frozenset(DECIDES[action] for action in may if action in DECIDES)


#: roles that stand to every matter in one fixed way, whatever their unit
ROLE_VIEWERS: Mapping[Role, Viewer] = MappingProxyType({Role.admin: Viewer.admin, Role.trainer: Viewer.trainer})


def viewers(role: Role, unit_id: int, *, path: Iterable[int], holder_unit_id: int, origin_unit_id: int | None = None,
            tree: UnitTree) -> frozenset[Viewer]:
    """Every way an operator (``role`` at ``unit_id``) stands to a matter that has passed through ``path`` (the
    units that recorded or held it, the holder included), recorded at ``origin_unit_id`` and held by
    ``holder_unit_id`` now."""
    if role in ROLE_VIEWERS:
        return frozenset({ROLE_VIEWERS[role]})
    out = {Viewer.none}
    if unit_id == holder_unit_id:
        out.add(Viewer.holder)
    if unit_id == origin_unit_id:
        out.add(Viewer.origin)
    if unit_id == holder_unit_id or unit_id == origin_unit_id or unit_id in set(path):
        out.add(Viewer.on_path)
    if unit_id in tree and tree[unit_id].kind is UnitKind.command_center:
        out.add(Viewer.command_center)
    if unit_id in tree and holder_unit_id in tree and tree.covers(unit_id, holder_unit_id):
        out.add(Viewer.jurisdiction)
    return frozenset(out)


def sees_any(role: Role) -> bool:
    """Whether an operator of this role may see any matter at all (a trainer sees none of the real district)."""
    viewer = ROLE_VIEWERS.get(role)
    return viewer is None or VISIBILITY[viewer][Part.work] > Access.none


def sees_all(role: Role) -> bool:
    """Whether an operator of this role sees the work of every matter, whatever its unit stands to it."""
    viewer = ROLE_VIEWERS.get(role, Viewer.none)
    return VISIBILITY[viewer][Part.work] > Access.none


def granting(part: Part, level: Access = Access.full) -> frozenset[Viewer]:
    """The viewer relations that see ``part`` at ``level`` or more (the server turns them into query filters)."""
    return frozenset(v for v, parts in VISIBILITY.items() if parts[part] >= level)


def access(who: Iterable[Viewer]) -> Mapping[Part, Access]:
    """What the operator sees of each part: the most any of its viewer relations grants."""
    best = dict(NO_ACCESS)
    for viewer in who:
        for part, level in VISIBILITY[viewer].items():
            best[part] = max(best[part], level)
    return MappingProxyType(best)


def may_see(who: Iterable[Viewer]) -> bool:
    """Whether the matter exists for this operator at all (it sees its work)."""
    return access(who)[Part.work] > Access.none


# --- masks -------------------------------------------------------------------------------------------------------
#: the mark put where characters were withheld
MASK = "*"
_DIGITS = re.compile(r"\d")
#: where the part of an address below the street begins: the first house, building or room number
_BELOW_STREET = re.compile(r"[0-9０-９一二三四五六七八九十百]+\s*(?:号|栋|幢|单元|楼|室|组|社|弄|#|-)|\d")


def mask_phone(phone: str) -> str:
    """``13800000005`` → ``138****0005``; a landline keeps its area code and last four digits. Spaces and dashes
    the clerk typed are kept where they were, so the number still reads as typed."""
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if not digits:
        return phone
    keep_head = 3 if len(digits) >= 7 else 0
    keep_tail = 4 if len(digits) >= 7 else min(2, len(digits) // 2)
    hidden = set(digits[keep_head:len(digits) - keep_tail])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(phone))


def mask_name(name: str) -> str:
    """``陈大爷`` → ``陈**``, ``Li Wei`` → ``L*****``: the first character and one mark for each of the others."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + MASK * max(1, len(name) - 1)


def mask_address(address: str) -> str:
    """The address down to the street: ``回兴街道双湖路18号2单元`` → ``回兴街道双湖路**``. Everything from the first
    house, building or room number on is withheld; an address with none keeps its first half."""
    address = address.strip()
    if not address:
        return ""
    found = _BELOW_STREET.search(address)
    cut = found.start() if found else max(1, len(address) // 2)
    return address[:cut] + MASK * 2


#: how each masked field is masked; notes are withheld whole (the workbench says so)
MASKS = MappingProxyType({"resident_phone": mask_phone, "resident_name": mask_name, "address": mask_address})


def redact(values: Mapping[str, object], seen: Mapping[Part, Access]) -> tuple[dict[str, object], frozenset[str]]:
    """The fields of a matter or a timeline entry as this operator may see them, and the names of the fields that
    were masked or withheld (so a client shows "masked", never an empty value as if nothing was there)."""
    out = dict(values)
    hidden: set[str] = set()
    for part in (Part.notes, Part.resident):
        if seen[part] is Access.full:
            continue
        for name in FIELDS[part]:
            if name not in out or out[name] in (None, ""):
                continue
            mask = MASKS.get(name)
            out[name] = mask(str(out[name])) if mask is not None and seen[part] is Access.masked else ""
            hidden.add(name)
    return out, frozenset(hidden)


# --- the table in words ------------------------------------------------------------------------------------------
#: how each relation reads in the policy page (docs/visibility.md)
VIEWER_WORDS: Mapping[Viewer, str] = MappingProxyType({
    Viewer.holder: "holder: the unit that holds the matter now",
    Viewer.origin: "origin: the unit that recorded it",
    Viewer.on_path: "on the path: every unit it passed through (recorded, escalated, asked for help, assigned, "
                    "released or claimed to)",
    Viewer.command_center: "command center (区群众工作指挥中心)",
    Viewer.jurisdiction: "jurisdiction: a unit that supervises the holder (a town over its villages, a district "
                         "unit over the district)",
    Viewer.none: "none: any other clerk, supervisor or commander of the district, not involved",
    Viewer.admin: "admin (any unit)",
    Viewer.trainer: "trainer (any unit)",
})
ACCESS_WORDS: Mapping[Part, Mapping[Access, str]] = MappingProxyType({
    Part.work: MappingProxyType({F: "full", M: "full", N: "nothing: the matter does not exist for them"}),
    Part.notes: MappingProxyType({F: "full", M: "withheld (shown as withheld)", N: "nothing"}),
    Part.resident: MappingProxyType({F: "full", M: "masked (138****0005, 陈**, address to the street)",
                                     N: "nothing"}),
})


def policy_table() -> str:
    """:data:`VISIBILITY` as a Markdown table, one row per relation (docs/visibility.md holds exactly this)."""
    lines = ["| relation | the work | the notes | the resident |", "|---|---|---|---|"]
    for viewer in Viewer:
        cells = [ACCESS_WORDS[part][VISIBILITY[viewer][part]] for part in Part]
        lines.append(f"| {VIEWER_WORDS[viewer]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
