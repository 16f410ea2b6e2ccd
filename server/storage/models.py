"""Every table of the server, in one place (SQLModel).

Enums are stored as their string values (``Tier``, ``Status`` ... of :mod:`huiyin.core.domain`); times are
timezone-aware UTC. ``MatterEvent`` rows are only ever inserted: there is no update or delete path for them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Column, DateTime, Index, Text, TypeDecorator, UniqueConstraint, false, text, true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped
from sqlmodel import Field, SQLModel

from huiyin.core.schemas import LIMITS


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every database (SQLite keeps no offset, so it stores UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _ts(nullable: bool = False, index: bool = False) -> Any:  # what Field() gives: the model's field
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Stored) -> int:
    """The id of a row read from the database or inserted (the models allow ``None`` only before the insert)."""
    assert row.id is not None, "a row not in the database yet"
    return row.id


class Unit(SQLModel, table=True):
    __tablename__ = "units"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    tier: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    parent_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    #: short code of a district root, used in matter numbers (``YB`` → ``YB-2026-000123``)
    code: str | None = Field(default=None, max_length=8)
    #: ``False``: deactivated by an admin; keeps its history, takes no new operators, children or matters
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class Category(SQLModel, table=True):
    """One category of the district's tree (``huiyin.core.categories``): a top-level kind or a leaf under one. The
    code is its key and never changes; a category is deactivated, never deleted, so a code is never reused."""

    __tablename__ = "categories"

    code: str = Field(primary_key=True, max_length=LIMITS["category_code"])
    parent_code: str | None = Field(default=None, foreign_key="categories.code", index=True,
                                    max_length=LIMITS["category_code"])
    name_zh: str = Field(max_length=LIMITS["category_name"])
    name_en: str = Field(max_length=LIMITS["category_name"])
    description: str = Field(default="", max_length=LIMITS["category_description"])
    #: a JSON list of words the search and the migration of free text also match
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: the default deadline of a simple matter of this kind, in working days
    deadline_days: int
    default_unit_id: int | None = Field(default=None, foreign_key="units.id")
    active: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class Operator(SQLModel, table=True):
    __tablename__ = "operators"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=LIMITS["username"], unique=True)
    display_name: str = Field(max_length=64)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    unit_id: int = Field(foreign_key="units.id", index=True)
    active: bool = True
    created_at: datetime = _ts()
    #: signed in with a password an admin set (a new account, a reset): every call but changing it is refused
    #: until the operator chooses their own (0010)
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class AuthToken(SQLModel, table=True):
    __tablename__ = "auth_tokens"

    id: int | None = Field(default=None, primary_key=True)
    #: sha256 of the bearer token; the token itself is never stored
    token_hash: str = Field(max_length=64, unique=True)
    operator_id: int = Field(foreign_key="operators.id", index=True)
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


class LoginFailure(SQLModel, table=True):
    """One failed (or not yet checked) login, counted against its account and, in another row, its address
    (:mod:`huiyin.server.state.throttle`); rows older than the window are deleted as new ones come."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    #: ``account`` or ``address``
    scope: str = Field(max_length=8)
    #: the username or the client address
    key: str = Field(max_length=255)
    at: datetime = _ts(index=True)


class MatterCounter(SQLModel, table=True):
    """The last sequence number given out per district and year."""

    __tablename__ = "matter_counters"

    district_id: int = Field(foreign_key="units.id", primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class Matter(SQLModel, table=True):
    __tablename__ = "matters"
    __table_args__ = (
        Index("ix_matters_holder_status_due", "holder_unit_id", "status", "due_at", "id"),
        Index("ix_matters_origin_due", "origin_unit_id", "due_at", "id"),
        Index("ix_matters_status_due", "status", "due_at", "id"),
        Index("ix_matters_status_claim_due", "status", "claim_due_at", "id"),
        # 0005: the queues' orders and supervision's deadlines (see server/matters/queues.py)
        Index("ix_matters_due", "due_at", "id"),
        Index("ix_matters_holder_due", "holder_unit_id", "due_at", "id"),
        Index("ix_matters_origin_status_due", "origin_unit_id", "status", "due_at", "id"),
        Index("ix_matters_open_due", "due_at", "id", sqlite_where=text("status IN ('pending', 'in_progress')"),
              postgresql_where=text("status IN ('pending', 'in_progress')")),
        # 0008: the board's intake of today
        Index("ix_matters_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    title: str = Field(max_length=LIMITS["title"])
    description: str = Field(default="", max_length=LIMITS["description"])
    category: str = Field(default="", max_length=LIMITS["category"])
    channel: str = Field(max_length=16)
    complexity: str = Field(max_length=16)
    resident_name: str = Field(default="", max_length=LIMITS["resident_name"])
    resident_phone: str = Field(default="", max_length=LIMITS["resident_phone"])
    address: str = Field(default="", max_length=LIMITS["address"])
    origin_unit_id: int = Field(foreign_key="units.id")
    holder_unit_id: int = Field(foreign_key="units.id")
    previous_holder_id: int | None = Field(default=None, foreign_key="units.id")
    claimed_by_id: int | None = Field(default=None, foreign_key="operators.id")
    created_by_id: int = Field(foreign_key="operators.id")
    status: str = Field(max_length=16)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    due_at: datetime = _ts()
    answered_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)
    satisfaction: int | None = None
    #: bumped by every action; actions update ``WHERE version = <the version they read>``
    version: int = 1
    #: ``<operator id>:<Idempotency-Key>`` of the request that recorded it
    idempotency_key: str | None = Field(default=None, max_length=240, unique=True)
    #: working days counted from ``created_at`` to ``due_at``: the policy's days for the complexity at
    #: recording, plus every approved extension (so ``due_at`` can be recounted when the calendar changes)
    deadline_days: int = 3
    #: ``due_at`` was counted across a year the calendar only guesses
    due_provisional: bool = False
    #: when the matter arrived at its current holder; the claim deadline counts from here
    received_at: datetime | None = _ts(nullable=True)
    claim_due_at: datetime | None = _ts(nullable=True)
    #: an extension request waiting for a decision: the working days asked for
    extension_days_requested: int | None = None
    #: the supervision notice last given for the current ``due_at``: none, at_risk or overdue
    due_notice: str = Field(default="none", max_length=16)
    #: whether the claim-overdue notice was given for the current stage
    claim_notice: bool = False


class StoredFacts(SQLModel, table=True):
    """What each matter's timeline says for the assessment (:class:`huiyin.core.assessment.MatterFacts`, the
    fold of its entries): written only by :func:`huiyin.server.matters.events.append_event` / ``append_events`` with
    each entry the assessment reads, in the same transaction (``server/storage/facts.py``); read by the report
    (migration 0008)."""

    __tablename__ = "matter_facts"

    matter_id: int = Field(primary_key=True, foreign_key="matters.id")
    #: the matter's recording (the report's cohort is a range of it)
    created_at: datetime = _ts(index=True)
    #: the latest entry folded in: facts of a matter active after a period's end cannot be that period's
    last_event_at: datetime = _ts()
    #: the facts as a JSON array (``MatterFacts.row()``)
    state: str = Field(sa_column=Column(Text(), nullable=False))


class MatterTally(SQLModel, table=True):
    """How many matters there are per origin unit, holder unit and status: kept in step with ``matters`` by
    database triggers (migration 0005), never written by the server; the queue counts are sums of these."""

    __tablename__ = "matter_tallies"

    origin_unit_id: int = Field(primary_key=True)
    holder_unit_id: int = Field(primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    n: int = 0


class MatterEvent(SQLModel, table=True):
    """One timeline entry. Append-only: ids grow in commit order (see ``server/matters/events.py``)."""

    __tablename__ = "matter_events"
    __table_args__ = (
        Index("ix_events_matter", "matter_id", "id"),
        Index("ix_events_from_unit_kind", "from_unit_id", "kind"),
        # 0005: the matters that passed through a unit (who sees a resident in full: server/matters/queues.py visible)
        Index("ix_events_to_unit", "to_unit_id", "matter_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matters.id")
    kind: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="operators.id")
    #: the acting operator's unit
    unit_id: int | None = Field(default=None, foreign_key="units.id")
    from_unit_id: int | None = Field(default=None, foreign_key="units.id")
    to_unit_id: int | None = Field(default=None, foreign_key="units.id")
    status_before: str | None = Field(default=None, max_length=16)
    status_after: str = Field(max_length=16)
    holder_unit_id: int = Field(foreign_key="units.id")
    note: str = Field(default="", max_length=LIMITS["note"])
    satisfaction: int | None = None
    #: working days asked for (request_extension) or granted (approve_extension)
    days: int | None = None
    #: the matter's deadline after this event, when the event set or moved it
    due_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(index=True)
    #: ``link`` / ``linked``: the other matter, and the kind of link (related, duplicate)
    other_matter_id: int | None = Field(default=None, foreign_key="matters.id")
    link_kind: str | None = Field(default=None, max_length=16)


class ServerSetting(SQLModel, table=True):
    """Small facts about this installation (``sample_mode`` ...)."""

    __tablename__ = "server_settings"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=4000)


class MatterLink(SQLModel, table=True):
    """Two matters linked (``link``): ``matter_id`` is the matter the link was made on (for ``duplicate``: the
    duplicate), ``other_id`` the one it names (the original). One row per pair, whichever way it was made; later
    kinds (a merge, a parent and its children) are new values of ``kind`` on the same table."""

    __tablename__ = "matter_links"
    __table_args__ = (
        UniqueConstraint("matter_id", "other_id", name="uq_matter_links_pair"),
        Index("ix_matter_links_other", "other_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matters.id")
    other_id: int = Field(foreign_key="matters.id")
    kind: str = Field(max_length=16)
    created_by_id: int = Field(foreign_key="operators.id")
    created_at: datetime = _ts()


class AuditEntry(SQLModel, table=True):
    """One change that is not a matter event (a calendar day, the policy, an operator, a unit): who, when, and
    the thing before and after as JSON (``null``: it did not exist / was removed). Only ever inserted."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_kind_id", "kind", "id"),
        Index("ix_audit_actor_id", "actor", "id"),
        Index("ix_audit_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=120)
    #: the admin's username (API), or ``cli:<system user>`` (command line)
    actor: str = Field(max_length=80)
    #: the acting operator, when the change came through the API
    actor_id: int | None = Field(default=None, foreign_key="operators.id")
    at: datetime = _ts()
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


__all__ = ["AuditEntry", "AuthToken", "Matter", "MatterCounter", "MatterEvent", "MatterLink", "Operator",
           "ServerSetting", "Unit", "UTCDateTime"]


class CalendarDay(SQLModel, table=True):
    """An admin's override of one day: a holiday or a (make-up) workday."""

    __tablename__ = "calendar_days"

    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    type: str = Field(max_length=16)
    name: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=LIMITS["note"])


class CalendarYear(SQLModel, table=True):
    """Per-year facts of the admin's calendar: whether the overrides are the year's whole schedule."""

    __tablename__ = "calendar_years"

    year: int = Field(primary_key=True)
    complete: bool = False


#: ``Matter.id`` as the column of ints it is in a query (the model allows ``None`` only before the insert)
MATTER_ID = cast("Mapped[int]", Matter.id)
