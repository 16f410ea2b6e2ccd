"""Wire schemas: what travels between the server and every client, as pydantic models.

The validation of a recorded matter lives here (``MatterIn``), so the workbench's form and the server refuse
the same input with the same error codes. Field errors carry a stable ``type`` (``required``, ``too_long``,
``phone_format`` ...) that clients translate; the English ``msg`` is for logs and API users.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .categories import (
    CATEGORY_BOUNDS,
    CODE_LENGTH,
    DESCRIPTION_LENGTH,
    KEYWORD_LENGTH,
    KEYWORDS,
    NAME_LENGTH,
    code_problem,
)
from .deadlines import DeadlinePolicy
from .domain import (
    Action,
    AuditKind,
    Channel,
    Complexity,
    EventKind,
    LinkKind,
    NoteKind,
    Queue,
    Role,
    Status,
    Tier,
    UnitKind,
)

#: lengths the server stores; the form shows them as limits
LIMITS = {
    "title": 80,
    "description": 2000,
    "category": 40,
    "resident_name": 40,
    "resident_phone": 20,
    "address": 200,
    #: a progress note, an answer, a reason: what Open311 allows for a description
    "note": 4000,
    #: a reason is a note (stored as the timeline entry's note)
    "reason": 4000,
    "username": 64,
    "password": 256,
    "other": 32,
    #: a category (issue 19; ``huiyin.core.categories``): its code, each name, one keyword, its description
    "category_code": CODE_LENGTH,
    "category_name": NAME_LENGTH,
    "keyword": KEYWORD_LENGTH,
    "category_description": DESCRIPTION_LENGTH,
}

#: a new password needs at least this many characters (and at most ``LIMITS["password"]``)
MIN_PASSWORD_LENGTH = 8

#: why a new password is refused: error type → the English message (the workbench translates the type)
PASSWORD_PROBLEMS = {
    "too_short": f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
    "too_long": f"a password may have at most {LIMITS['password']} characters",
}


def password_problem(password: str) -> str | None:
    """The error type a new password is refused with (a key of :data:`PASSWORD_PROBLEMS`), or ``None``: the one
    password rule, for every way a password is set (``huiyin init``, an admin, the operator themselves)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > LIMITS["password"]:
        return "too_long"
    return None


#: the largest id any table hands out (a signed 64-bit integer); larger numbers from a client are refused
MAX_ID = 2**63 - 1

#: the most working days one extension may add
MAX_EXTENSION_DAYS = 30

#: a mainland mobile number, or a landline with area code (hyphen optional); spaces are ignored
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _text(value: Any, field: str, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise PydanticCustomError("not_text", "{field} must be text", {"field": field})
    value = value.strip()
    if "\x00" in value:
        raise PydanticCustomError("bad_character", "{field} contains a NUL character", {"field": field})
    if required and not value:
        raise PydanticCustomError("required", "{field} is required", {"field": field})
    limit = LIMITS[field]
    if len(value) > limit:
        raise PydanticCustomError("too_long", "{field} is longer than {limit} characters",
                                  {"field": field, "limit": limit})
    text: str = value
    return text


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LoginIn(_Model):
    username: str
    password: str

    @field_validator("username")
    @classmethod
    def _username(cls, v: Any) -> str:
        return _text(v, "username", required=True)

    @field_validator("password")
    @classmethod
    def _password(cls, v: Any) -> str:
        if not isinstance(v, str) or not v:
            raise PydanticCustomError("required", "password is required")
        if len(v) > LIMITS["password"]:
            raise PydanticCustomError("too_long", "password is too long")
        return v


class UnitOut(_Model):
    id: int
    name: str
    tier: Tier
    kind: UnitKind
    parent_id: int | None = None
    #: ``False``: deactivated by an admin (kept for the history that names it)
    active: bool = True
    #: open matters the unit holds; only filled for an admin (``GET /api/units``)
    open_matters: int | None = None


class UnitRef(_Model):
    id: int
    name: str
    tier: Tier


class OperatorRef(_Model):
    id: int
    username: str
    display_name: str


class OperatorOut(_Model):
    id: int
    username: str
    display_name: str
    role: Role
    unit: UnitOut
    tier: Tier
    #: the operator signed in with a password an admin set (a new account, a reset): every call but
    #: ``POST /api/me/password`` and logging out is refused (403 ``password_change_required``) until they choose
    #: their own
    must_change_password: bool = False


class LoginOut(_Model):
    token: str
    expires_at: datetime
    operator: OperatorOut


class MatterIn(_Model):
    """Recording a matter. Required: ``title``, ``channel``, ``resident_name``; a phone number is required for
    the ``phone`` channel and, when given, must be a mainland mobile (11 digits) or a landline with area code."""

    title: str
    description: str = ""
    category: str = ""
    channel: Channel
    complexity: Complexity = Complexity.simple
    resident_name: str
    resident_phone: str = ""
    address: str = ""

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, v: Any) -> str:
        return _text(v, "title", required=True)

    @field_validator("resident_name", mode="before")
    @classmethod
    def _resident_name(cls, v: Any) -> str:
        return _text(v, "resident_name", required=True)

    @field_validator("description", "category", "address", mode="before")
    @classmethod
    def _optional_text(cls, v: Any, info: Any) -> str:
        return _text(v, info.field_name, required=False)

    @field_validator("resident_phone", mode="before")
    @classmethod
    def _phone(cls, v: Any) -> str:
        phone = normalize_phone(_text(v, "resident_phone", required=False))
        if phone and not PHONE_RE.match(phone):
            raise PydanticCustomError(
                "phone_format", "resident_phone must be an 11-digit mobile number or a landline like 023-67890123")
        return phone

    def model_post_init(self, __context: Any) -> None:
        if self.channel is Channel.phone and not self.resident_phone:
            raise ValidationError.from_exception_data("MatterIn", [{
                "type": PydanticCustomError("required", "a phone call needs the resident's phone number"),
                "loc": ("resident_phone",), "input": self.resident_phone}])


class ActionIn(_Model):
    """The body of ``POST /api/matters/{number}/{action}``; which fields an action needs is in
    :data:`huiyin.core.workflow.RULES`."""

    note: str = ""
    reason: str = ""
    to_unit: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None
    satisfaction: Annotated[int | None, Field(ge=1, le=5)] = None
    #: working days an extension request asks for (1 to :data:`MAX_EXTENSION_DAYS`)
    days: Annotated[int | None, Field(ge=1, le=MAX_EXTENSION_DAYS)] = None
    #: ``link``: the number of the matter to link to (``YB-2026-000123``)
    other: str = ""
    #: ``link``: ``related``, or ``duplicate`` (this matter is the same report as ``other``: it is closed)
    link_kind: LinkKind | None = None

    @field_validator("note", "reason", "other", mode="before")
    @classmethod
    def _texts(cls, v: Any, info: Any) -> str:
        return _text(v, info.field_name, required=False)


class MatterSummary(_Model):
    """A queue row. Carries the facts :func:`huiyin.core.workflow.allowed_actions` needs."""

    number: str
    title: str
    status: Status
    channel: Channel
    complexity: Complexity
    category: str = ""
    resident_name: str = ""
    origin_unit: UnitRef
    holder_unit: UnitRef
    previous_holder_id: int | None = None
    claimed_by: OperatorRef | None = None
    created_at: datetime
    updated_at: datetime
    #: the resident's deadline: the close of the last working day counted (see huiyin.core.deadlines)
    due_at: datetime
    #: true when the deadline was counted across a year the calendar only guesses (Monday–Friday)
    due_provisional: bool = False
    #: when the matter arrived at its current holder, and by when that unit should claim it (pending only)
    received_at: datetime | None = None
    claim_due_at: datetime | None = None
    #: working days an extension request asks for, while it waits for a decision
    extension_days_requested: int | None = None
    version: int
    #: how the matter arrived at its holder: the kind of the last timeline entry that moved it (``assign``: the
    #: command center chose this unit, so no unit above it may claim it; see huiyin.core.workflow.MatterState)
    arrived_by: EventKind | None = Field(default=None, description=(
        "how the matter arrived at its holder: the kind of the last timeline entry that moved it (`record`, "
        "`escalate`, `request_help`, `assign`, `release`, `claim`); while it is `assign`, only the holder may "
        "claim it (no unit above it takes over the command center's choice)"))
    #: the fields the caller may not see in full: masked (``resident_name``, ``resident_phone``, ``address``:
    #: ``陈**``, ``138****0005``, the address to the street) or withheld (``description``: sent as ``""``), per
    #: the visibility policy (huiyin.core.visibility, docs/visibility.md)
    masked: list[str] = Field(default_factory=list, description=(
        "the fields the caller may not see in full, by the visibility policy (docs/visibility.md): "
        "`resident_name`, `resident_phone`, `address` come masked (`陈**`, `138****0005`, the address to the "
        "street), `description` withheld (sent as `\"\"`); a field left empty by the recorder is never listed"))


class MatterOut(MatterSummary):
    description: str = ""
    resident_phone: str = ""
    address: str = ""
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    satisfaction: int | None = None


class EventOut(_Model):
    id: int
    matter_number: str
    kind: EventKind
    actor: OperatorRef | None = None
    unit: UnitRef | None = None
    from_unit: UnitRef | None = None
    to_unit: UnitRef | None = None
    #: the matter's status before this entry (``None`` for the first, ``record``), and after it: with
    #: ``holder_unit_id`` and ``due_at`` what a workbench needs to move the matter's row between its queues and
    #: adjust their counts without asking the server again
    status_before: Status | None = None
    status_after: Status
    #: the unit that holds the matter after this entry
    holder_unit_id: int
    note: str = ""
    satisfaction: int | None = None
    #: working days asked for or granted (extension events)
    days: int | None = None
    #: the matter's deadline as this event set or moved it (record, approve_extension); on a supervision notice
    #: the deadline it is about (``claim_overdue``: the claim deadline that passed)
    due_at: datetime | None = None
    created_at: datetime
    #: what ``note`` is: ``internal`` (for the units), ``answer`` (to the resident), ``reason``, or ``none``
    note_kind: NoteKind = NoteKind.none
    #: ``link`` / ``linked``: the other matter's number, and how the two are linked
    other_number: str | None = None
    link_kind: LinkKind | None = None

    #: ``["note"]`` when the caller may not read the entry's note (it is sent as ``""``), per the visibility policy
    masked: list[str] = Field(default_factory=list, description=(
        "`[\"note\"]` when the caller may not read this entry's note (it is sent as `\"\"`), by the visibility "
        "policy (docs/visibility.md)"))


class LinkOut(_Model):
    """A matter linked to this one."""

    number: str
    title: str
    status: Status
    kind: LinkKind
    #: ``outgoing``: the link was made on this matter (for ``duplicate``: this matter is the duplicate of
    #: ``number``); ``incoming``: made on the other one (``number`` is a duplicate of this matter)
    direction: Literal["outgoing", "incoming"]


class MatterDetail(MatterOut):
    events: list[EventOut]
    allowed_actions: list[Action]
    #: the matters linked to this one (oldest link first)
    links: list[LinkOut] = []


class AuditOut(_Model):
    """One change that is not a matter event: who made it, when, and the thing before and after it."""

    id: int
    kind: AuditKind
    #: what changed: a date, a year, ``deadline_policy``, a username, a unit's name
    subject: str
    #: ``<username>`` of the admin who made it over the API, or ``cli:<system user>`` for the command line
    actor: str
    at: datetime
    #: the thing as it was (``null``: it did not exist) and as it is now (``null``: it was removed)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class AuditPage(_Model):
    items: list[AuditOut]
    #: pass as ``cursor`` for the next (older) page; ``null`` on the last page
    next_cursor: str | None = None


class QueuePage(_Model):
    items: list[MatterSummary]
    total: int
    next_cursor: str | None = None
    #: the cursor to page backwards from this page (``before=``); ``None`` on the first page
    prev_cursor: str | None = None


class QueueCounts(_Model):
    incoming: int
    in_hand: int
    pending_below: int = 0
    sent_on: int = 0
    #: deprecated: the old name of ``sent_on``, the same number
    sent_up: int = 0
    all: int
    #: every matter of the district (the ``district`` search scope); 0 for those who see none
    district: int = 0
    #: the overdue queue's size; ``None`` for operators who do not have that queue
    overdue: int | None = None
    #: of the matters in *incoming* and *in hand*: how many are at risk, and how many overdue, now
    urgent_at_risk: int = 0
    urgent_overdue: int = 0


class SimilarQuery(_Model):
    """``GET /api/matters/similar``: a phone number (as the form would accept it), or a title and an address."""

    phone: str = ""
    title: str = ""
    address: str = ""
    limit: Annotated[int, Field(ge=1, le=20)] = 5

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, v: Any) -> str:
        """The form's phone rule, dashes ignored: the digits alone (``023-6789 0123`` → ``02367890123``)."""
        phone = re.sub(r"[\s()\-]", "", _text(v, "resident_phone", required=False))
        if phone and not PHONE_RE.match(phone):
            raise PydanticCustomError("phone_format",
                                      "phone must be an 11-digit mobile number or a landline like 023-67890123")
        return phone

    @field_validator("title", "address", mode="before")
    @classmethod
    def _texts(cls, v: Any, info: Any) -> str:
        return _text(v, info.field_name, required=False)

    def model_post_init(self, __context: Any) -> None:
        if not self.phone and not (self.title and self.address):
            raise ValidationError.from_exception_data("SimilarQuery", [{
                "type": PydanticCustomError("required", "give a phone number, or a title and an address"),
                "loc": ("phone",), "input": self.phone}])


class SimilarMatter(MatterSummary):
    """An open matter that may be the same one: ``match`` says why (``phone``: the same resident's phone;
    ``title_address``: a very similar title at the same address)."""

    match: str
    address: str = ""


class SimilarPage(_Model):
    items: list[SimilarMatter]


class EventPage(_Model):
    items: list[EventOut]
    #: pass as ``after`` to get the next page; equals the request's ``after`` when nothing new
    last_id: int


class LineErrorOut(_Model):
    line: int
    code: str
    message: str


class ErrorOut(_Model):
    code: str
    message: str
    fields: dict[str, str] | None = None
    #: for a refused file (a calendar import): every error with its line
    errors: list[LineErrorOut] | None = None


def field_errors(exc: ValidationError) -> dict[str, tuple[str, str]]:
    """``{field: (type, message)}`` for the first error of each field: what a form shows next to the field."""
    out: dict[str, tuple[str, str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
        name = loc[-1] if loc else "__root__"
        kind = err.get("type", "invalid")
        if kind == "missing":
            kind = "required"
        out.setdefault(name, (kind, err.get("msg", "invalid")))
    return out


QUEUES: tuple[Queue, ...] = tuple(Queue)


# ------------------------------------------------------------------------------------------ calendar and policy

class CalendarDayOut(_Model):
    day: date
    #: workday, makeup_workday, weekend or holiday
    kind: str
    name: str | None = None
    note: str | None = None
    #: override, package or weekday
    source: str


class CalendarWarningOut(_Model):
    year: int
    #: calendar.partial or calendar.fallback
    code: str
    message: str


class CalendarYearOut(_Model):
    year: int
    #: package, overrides, partial or fallback (huiyin.core.calendar.Coverage)
    coverage: str
    reliable: bool
    complete: bool
    warning: CalendarWarningOut | None = None
    #: every day that is not an ordinary weekday or weekend: holidays and make-up workdays
    special_days: list[CalendarDayOut]
    #: the admin's own entries for the year
    overrides: list[CalendarDayOut]


class CalendarOverrideDay(_Model):
    day: date
    #: holiday or workday
    type: str
    name: str = ""
    note: str = ""


class CalendarOverridesYear(_Model):
    """One year of the admin's entries: what a client needs to count with the district's calendar
    (``huiyin.core.calendar.YearOverrides.build(year, days, complete=complete)``)."""

    year: int
    complete: bool
    days: list[CalendarOverrideDay]


class CalendarDayIn(_Model):
    #: holiday or workday
    type: str
    name: str = ""
    note: str = ""

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in ("holiday", "workday"):
            raise PydanticCustomError("enum", "type must be holiday or workday")
        return v

    @field_validator("name", "note", mode="before")
    @classmethod
    def _texts(cls, v: Any, info: Any) -> str:
        return _text(v, "category" if info.field_name == "name" else "note", required=False)


class CalendarImportIn(_Model):
    """A year's schedule in the import file format of :mod:`huiyin.core.calendar`."""

    text: str


class CalendarStatus(_Model):
    """What the workbench's status line and the admin see: every unreliable year in the coming weeks."""

    warnings: list[CalendarWarningOut]


#: the default policy, as the wire writes it
_DEFAULT_POLICY = DeadlinePolicy()
_DEFAULT_TIMES = _DEFAULT_POLICY.to_dict()


class PolicyModel(_Model):
    """The deadline policy (huiyin.core.deadlines.DeadlinePolicy, whose defaults these are)."""

    simple_days: int = _DEFAULT_POLICY.simple_days
    complex_days: int = _DEFAULT_POLICY.complex_days
    claim_days: int = _DEFAULT_POLICY.claim_days
    at_risk_hours: float = _DEFAULT_POLICY.at_risk_hours
    timezone: str = _DEFAULT_POLICY.timezone
    day_start: str = _DEFAULT_TIMES["day_start"]
    day_end: str = _DEFAULT_TIMES["day_end"]


class ClockOut(_Model):
    """``GET /api/clock``: the server's "now" (every answer carries it as ``X-Huiyin-Now`` too), how fast it
    runs (``rate``: 1 the wall clock, 0 frozen or paused, more in a demo), and whether it may be moved here."""

    now: datetime
    rate: float
    paused: bool
    #: a demo or sandbox server: trainers and admins may move the clock (``POST /api/clock``)
    demo: bool


class ClockIn(BaseModel):
    """``POST /api/clock`` (demo servers only): any of pause/resume, a new speed, a jump forward."""

    model_config = ConfigDict(extra="forbid")
    paused: bool | None = None
    speed: float | None = Field(default=None, gt=0, le=100_000)
    #: move forward this many seconds of simulated time
    advance_seconds: float | None = Field(default=None, ge=0, le=400 * 86400)
    #: jump to this instant (never back in time)
    to: datetime | None = None


# --------------------------------------------------------------------------------------- assessment and board


class RateOut(_Model):
    """A rate with the counts it comes from: ``text`` is ``93.92 % (371/395)``, ``value`` ``null`` for 0/0."""

    num: int
    den: int
    value: float | None = None
    text: str


class HoursOut(_Model):
    """Working hours (docs/assessment.md): mean and nearest-rank p90, one decimal; ``null`` with no values."""

    count: int = 0
    mean: float | None = None
    p90: float | None = None


class AssessmentFigures(_Model):
    recorded: int = 0
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    open: int = 0
    overdue_open: int = 0
    reopened: int = 0
    duplicates: int = 0
    arrivals: int = 0
    claimed_in_time: int = 0
    #: arrivals not claimed (or sent on) within their claim deadline: ``arrivals - claimed_in_time``
    claimed_late: int = 0
    escalations: int = 0
    releases: int = 0
    help_requests: int = 0
    follow_ups: int = 0
    satisfied: int = 0
    satisfaction_mean: float | None = None
    closure_rate: RateOut
    on_time_rate: RateOut
    claim_rate: RateOut
    satisfaction_rate: RateOut
    hours_to_claim: HoursOut
    hours_to_answer: HoursOut


class AssessmentRow(_Model):
    """One row of the report: a unit, a tier, the district, a category or a month."""

    kind: Literal["unit", "tier", "district", "category", "month"]
    #: the unit's name, the tier, ``district``, the category (``—`` for none) or the month (``2026-11``)
    key: str
    unit_id: int | None = None
    tier: Tier | None = None
    #: the unit's rank within its tier (``null``: nothing received)
    rank: int | None = None
    figures: AssessmentFigures


class AssessmentOut(_Model):
    """``GET /api/reports/assessment``: the rules are docs/assessment.md."""

    first: date
    last: date
    #: the instant the figures are counted at (the period's end, or the server's now for a running period)
    as_of: datetime
    units: list[AssessmentRow]
    tiers: list[AssessmentRow]
    district: AssessmentRow
    categories: list[AssessmentRow] = Field(default_factory=list)
    months: list[AssessmentRow] = Field(default_factory=list)


class BoardArea(_Model):
    """A row of the board: a town/street (its own units and the villages under it), or a unit outside every town
    (the district's service center, the command center, a department: ``kind`` is the unit's kind); or
    (``BoardOut.district``, kind ``district``) the whole district. Every open matter counts in exactly one row."""

    unit_id: int
    name: str
    kind: Literal["town", "service_center", "command_center", "department", "station", "district"]
    open: int = 0
    at_risk: int = 0
    overdue: int = 0
    #: pending past the claim (sign-for) deadline of the unit holding it: not claimed in time
    unclaimed: int = 0


class BoardMatter(_Model):
    number: str
    title: str
    holder: str
    since: datetime
    #: how many times it was handed on (escalated, released, sent for help, assigned)
    moves: int = 0


class BoardOut(_Model):
    """``GET /api/board``: the command center's board, now."""

    as_of: datetime
    #: every open matter in exactly one row
    areas: list[BoardArea]
    #: the whole district: the rows' sums
    district: BoardArea
    #: matters waiting for the command center after a help request, oldest first
    help_waiting: list[BoardMatter]
    #: open matters handed on or released more than twice
    bouncing: list[BoardMatter]
    #: matters recorded today (the district's day), by channel
    intake: dict[str, int]


# --- the admin console (GET/POST/PATCH /api/units, /api/operators) -----------------------------------------


#: a row id as a client may send it: positive and small enough for every database's integer
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class _Strict(BaseModel):
    """An admin's request: unknown fields are refused (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class UnitIn(_Strict):
    name: str = Field(min_length=1, max_length=80)
    tier: Tier
    kind: UnitKind
    parent_id: DbId


class UnitPatch(_Strict):
    """Only the fields sent change: rename, move under another parent, a new kind or tier, (de)activate."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    parent_id: DbId | None = None
    tier: Tier | None = None
    kind: UnitKind | None = None
    active: bool | None = None




class CategoryOut(_Model):
    """One category of the district's tree (``GET /api/categories``; ``huiyin.core.categories``)."""

    code: str
    #: the top-level kind it belongs to; ``None``: it is one
    parent: str | None = None
    name_zh: str
    name_en: str
    description: str = ""
    keywords: list[str] = []
    #: the default deadline of a simple matter of this kind, in working days
    deadline_days: int
    #: the unit that usually handles it (a hint for assigning), or ``None``
    default_unit_id: int | None = None
    active: bool = True


def _category_code(value: str) -> str:
    value = value.strip()
    problem = code_problem(value)
    if problem:
        raise PydanticCustomError("category_code", "a category code has letters, digits and dots ({problem})",
                                  {"problem": problem})
    return value


def _keywords(value: Any) -> Any:
    """Keywords trimmed, empty ones and repeats left out (anything that is not a list of text is left to pydantic)."""
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        return value
    return list(dict.fromkeys(w.strip() for w in value if w.strip()))


#: a category's code, trimmed and checked for its shape (:func:`huiyin.core.categories.code_problem`)
CategoryCode = Annotated[str, Field(min_length=1, max_length=LIMITS["category_code"]), AfterValidator(_category_code)]
CategoryName = Annotated[str, Field(min_length=1, max_length=LIMITS["category_name"])]
DeadlineDays = Annotated[int, Field(ge=CATEGORY_BOUNDS["deadline_days"][0], le=CATEGORY_BOUNDS["deadline_days"][1])]
#: keywords trimmed, empty ones and repeats left out
Keywords = Annotated[list[Annotated[str, Field(min_length=1, max_length=LIMITS["keyword"])]],
                     Field(max_length=KEYWORDS), BeforeValidator(_keywords)]


class CategoryIn(_Strict):
    """A new category: a top-level kind (no ``parent``) or a leaf under one."""

    code: CategoryCode
    parent: CategoryCode | None = None
    name_zh: CategoryName
    name_en: CategoryName
    description: str = Field(default="", max_length=LIMITS["category_description"])
    keywords: Keywords = []
    deadline_days: DeadlineDays = DeadlinePolicy().simple_days
    default_unit_id: DbId | None = None


class CategoryPatch(_Strict):
    """Only the fields sent change: rename, describe, move (``parent``: another top-level kind, or ``null`` to
    make it one), a new default deadline, a default unit (``null``: none), (de)activate. The code never changes."""

    parent: CategoryCode | None = None
    name_zh: CategoryName | None = None
    name_en: CategoryName | None = None
    description: str | None = Field(default=None, max_length=LIMITS["category_description"])
    keywords: Keywords | None = None
    deadline_days: DeadlineDays | None = None
    default_unit_id: DbId | None = None
    active: bool | None = None


class AdminOperatorOut(_Model):
    id: int
    username: str
    display_name: str
    role: Role
    unit: UnitOut
    tier: Tier
    disabled: bool
    created_at: datetime
    #: unexpired, not logged-out sessions (tokens)
    sessions: int = 0


class OperatorIn(_Strict):
    username: str = Field(min_length=1, max_length=64)
    display_name: str | None = Field(default=None, max_length=64)
    role: Role
    unit_id: DbId
    #: omitted: the server makes one and returns it once
    password: str | None = Field(default=None, max_length=LIMITS["password"])


class OperatorPatch(_Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=64)
    unit_id: DbId | None = None
    role: Role | None = None
    disabled: bool | None = None


class PasswordIn(_Strict):
    #: omitted: the server makes one and returns it once
    password: str | None = Field(default=None, max_length=LIMITS["password"])


class OwnPasswordIn(_Strict):
    """``POST /api/me/password``: the operator's own password, changed."""

    current_password: str = Field(min_length=1, max_length=LIMITS["password"])
    #: follows :func:`password_problem`
    new_password: str = Field(max_length=LIMITS["password"])


class OperatorCreated(_Model):
    operator: AdminOperatorOut
    #: the password the server made (only when none was given); shown once, never stored in clear
    password: str | None = None


class PasswordOut(_Model):
    username: str
    password: str | None = None
    #: sessions ended by the change
    revoked_sessions: int = 0


class SessionOut(_Model):
    id: int
    created_at: datetime
    expires_at: datetime


class RevokedOut(_Model):
    revoked: int
