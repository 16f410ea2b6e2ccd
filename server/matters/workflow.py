"""Carrying out the workflow of :mod:`huiyin.core.workflow` against the database.

Every change is one transaction (:meth:`MatterContext.write`) that updates the matter and appends its timeline
entry with :func:`huiyin.server.matters.events.append_event`. Actions update the
matter ``WHERE version = <the version read>``, so of two windows acting at once exactly one wins; the other gets
a 409 that says what happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import and_, insert, inspect, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from huiyin.core.deadlines import claim_deadline, deadline, matter_deadline
from huiyin.core.domain import Action, EventKind, LinkKind, Role, Status
from huiyin.core.schemas import ActionIn, LinkOut, MatterIn
from huiyin.core.units import UnitTree
from huiyin.core.workflow import Actor, ClaimMove, Refusal, RefusalCode, can_record, decide
from huiyin.server.base.errors import ApiError, invalid
from huiyin.server.matters.context import MatterContext
from huiyin.server.matters.events import append_event, lock_event_log
from huiyin.server.matters.views import DetailRows, as_read, load_tree, matter_state, read_detail
from huiyin.server.storage.models import MATTER_ID, Matter, MatterCounter, MatterLink, Operator, Unit, stored_id

IDEMPOTENCY_KEY_MAX = 200
_MATTER_COLUMNS = [c for c in inspect(Matter).local_table.columns if c.name != "id"]


def district_of(tree: UnitTree, unit_id: int) -> int:
    """The id of the district (the tree's root) a unit belongs to."""
    return tree.path(unit_id)[0].id


def reserve_sequence(session: Session, district_id: int, year: int, count: int = 1) -> int:
    """Take ``count`` consecutive numbers of a district's year; returns the first. One upsert: the counter row's
    update lock (or SQLite's write lock) keeps two recorders from getting the same number."""
    dialect = session.get_bind().dialect.name
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(MatterCounter)
    else:
        stmt = sqlite.insert(MatterCounter)
    stmt = stmt.values(district_id=district_id, year=year, last=count)
    stmt = stmt.on_conflict_do_update(index_elements=[col(MatterCounter.district_id), col(MatterCounter.year)],
                                      set_={"last": col(MatterCounter.last) + count})
    result = session.execute(stmt.returning(col(MatterCounter.last)))
    return int(result.scalar_one()) - count + 1


def district_code(session: Session, district_id: int) -> str:
    """The prefix of the district's matter numbers (``YB``)."""
    unit = session.get(Unit, district_id)
    return (unit.code if unit and unit.code else "HY").upper()


def record(ctx: MatterContext, op: Operator, data: MatterIn, idempotency_key: str | None,
           reads: Session | None = None, tree: UnitTree | None = None) -> tuple[int, bool]:
    """Record a matter at the operator's unit. Returns ``(matter id, created)``; ``created`` is false when the
    idempotency key had already recorded one. ``reads``: a session to read the units and rules with (the
    request's; its transaction is ended before the write begins), ``tree``: the units, if already loaded."""
    matter_id, rows = record_on(ctx, op, data, idempotency_key, reads, tree)
    return matter_id, rows is not None


def record_on(ctx: MatterContext, op: Operator, data: MatterIn, idempotency_key: str | None,
              reads: Session | None = None, tree: UnitTree | None = None) -> tuple[int, DetailRows | None]:
    """:func:`record`, returning with the matter's id what its detail is made of (the rows as written), or
    ``None`` when the idempotency key had already recorded it."""
    if idempotency_key is not None:
        if not idempotency_key.strip() or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise invalid({"Idempotency-Key": "invalid"},
                          f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")
    key = f"{op.id}:{idempotency_key}" if idempotency_key else None
    # everything that only reads (the units, the rules, the deadlines) before the write lock: on SQLite the
    # lock is the database's, so it is held for the inserts only
    with _reading(ctx, reads) as session:
        tree = tree or load_tree(session)
        if not can_record(Role(op.role)):
            raise ApiError(403, RefusalCode.wrong_role, f"role {op.role} may not record matters")
        if not tree.can_hold_matters(op.unit_id):
            raise ApiError(403, RefusalCode.wrong_unit,
                           f"{tree[op.unit_id].name} cannot hold matters; record at a service window")
        now = ctx.clock.now()
        rules = ctx.rules.load(session)
        due = matter_deadline(now, data.complexity, rules.calendar, rules.policy)
        claim_due = claim_deadline(now, rules.calendar, rules.policy).due_at
        district_id = district_of(tree, op.unit_id)
        year = now.astimezone(rules.policy.tz).year
        code = district_code(session, district_id)
        session.rollback()  # a request holds one connection at a time: this one goes back before the write
    try:
        with ctx.write() as session:
            session.expire_on_commit = False  # the rows answer the request as written, without reading them back
            if key:
                existing = _replay(session, key, data, idempotency_key)
                if existing is not None:
                    return existing, None
            seq = reserve_sequence(session, district_id, year)
            number = f"{code}-{year}-{seq:06d}"
            matter = Matter(
                number=number, title=data.title, description=data.description, category=data.category,
                channel=data.channel.value, complexity=data.complexity.value, resident_name=data.resident_name,
                resident_phone=data.resident_phone, address=data.address, origin_unit_id=op.unit_id,
                holder_unit_id=op.unit_id, created_by_id=stored_id(op),
                status=Status.pending.value, created_at=now, updated_at=now, idempotency_key=key,
                due_at=due.due_at, due_provisional=due.provisional, deadline_days=due.working_days,
                received_at=now, claim_due_at=claim_due)
            # a Core insert: the unit of work's bookkeeping for one row costs more than the statement
            columns = {c.name: getattr(matter, c.name) for c in _MATTER_COLUMNS}
            matter.id = session.execute(insert(Matter).values(columns).returning(MATTER_ID)).scalar_one()
            event = append_event(session, matter_id=matter.id, kind=EventKind.record.value, actor_id=op.id,
                                 unit_id=op.unit_id, to_unit_id=op.unit_id, status_after=Status.pending.value,
                                 holder_unit_id=op.unit_id, note="", due_at=due.due_at, created_at=now)
            matter_id = matter.id
            session.commit()
    except IntegrityError:
        if key is None:
            raise
        # the same key raced in from another request: the first one wins, this one returns it
        with Session(ctx.engine) as session:
            existing = _replay(session, key, data, idempotency_key)
        if existing is None:
            raise
        return existing, None
    as_read(matter)
    as_read(event)
    return matter_id, DetailRows(matter, [event], [], {stored_id(op): op}, {matter_id: number})


@contextmanager
def _reading(ctx: MatterContext, session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
        return
    with Session(ctx.engine) as own:
        yield own


def _replay(session: Session, key: str, data: MatterIn, sent_key: str | None) -> int | None:
    """The matter an earlier request with this idempotency key recorded, if any; a 422 if that request recorded
    something else (a retry must send the same body: a reused key would silently drop the new matter)."""
    matter = session.exec(select(Matter).where(Matter.idempotency_key == key)).first()
    if matter is None:
        return None
    sent = data.model_dump(mode="json")
    differs = sorted(name for name, value in sent.items() if getattr(matter, name) != value)
    if differs:
        raise ApiError(422, "idempotency_key_reused",
                       f"Idempotency-Key {sent_key!r} already recorded {matter.number} with other content "
                       f"({', '.join(differs)}); send a new key for a new matter", {"Idempotency-Key": "reused"})
    return matter.id


def act(ctx: MatterContext, op: Operator, number: str, action: Action, body: ActionIn,
        tree: UnitTree | None = None) -> int:
    """Carry out one action on the matter numbered ``number`` (:func:`act_on`, reading it first). Returns the
    matter's id; raises :class:`ApiError` for every refusal."""
    with Session(ctx.engine) as session:
        read = read_to_act(session, number, tree)
    if read is None:
        raise ApiError(404, "not_found", f"no matter numbered {number}")
    rows, tree = read
    return stored_id(act_on(ctx, op, action, body, tree, rows).matter)


def read_to_act(session: Session, number: str, tree: UnitTree | None = None) -> tuple[DetailRows, UnitTree] | None:
    """Everything an action reads before its write: the matter numbered ``number`` as
    :func:`huiyin.server.matters.views.read_detail` reads it, and the unit tree (``None``: no such matter). The
    rows stay as read, and the session's connection goes back: the write (:func:`act_on`) takes its own."""
    tree = tree or load_tree(session)
    matter = session.exec(select(Matter).where(Matter.number == number)).first()
    if matter is None:
        return None
    rows = read_detail(session, matter)
    session.expunge_all()
    session.rollback()
    return rows, tree


def act_on(ctx: MatterContext, op: Operator, action: Action, body: ActionIn, tree: UnitTree,
           rows: DetailRows) -> DetailRows:
    """Carry out one action on the matter as read (``rows``, from :func:`huiyin.server.matters.views.read_detail`, in a
    transaction already ended): :func:`huiyin.core.workflow.decide` says what it does, from what was read; the
    write transaction then holds only what must be checked at the write and the write itself: the matter's
    update ``WHERE version = <the version read>`` (any action in between bumped it: a 409 via
    :func:`_lost_race`), the target unit still active, a link's pair not yet linked, the rules' deadlines, and
    the timeline entries. Returns ``rows`` with what was written (the matter as the update left it, its new
    timeline entry, a new link); raises :class:`ApiError` for every refusal.

    What the version does not cover are entries that do not move the matter (a supervision notice, a recounted
    deadline, the other side of a link) committed between the read and the write: the answer's timeline is the
    one read plus this action's entry, and such an entry reaches the window through the live feed."""
    matter = rows.matter
    number = matter.number
    decision = decide(Actor(Role(op.role), op.unit_id), action, matter_state(matter, rows.trail), body, tree)
    if isinstance(decision, Refusal):
        raise _refused(rows, decision)
    change = decision
    now = ctx.clock.now()
    values: dict[str, object] = {"status": change.status_after.value, "updated_at": now,
                                 "version": matter.version + 1,
                                 "extension_days_requested": change.extension_days_requested}
    if change.moved:
        # a new stage: the receiving unit gets the matter now
        values.update(holder_unit_id=change.holder_after, previous_holder_id=change.previous_holder_after,
                      received_at=now)
    if change.claim is ClaimMove.take:
        values["claimed_by_id"] = op.id
    elif change.claim is ClaimMove.clear:
        values["claimed_by_id"] = None
    if not change.claim_clock_starts and change.status_after is not Status.pending:
        values["claim_due_at"] = None
    values.update({stamp: now for stamp in change.stamps})
    values.update({stamp: None for stamp in change.clears})
    if change.satisfaction is not None:
        values["satisfaction"] = change.satisfaction
    link_kind = change.link_kind.value if change.link_kind else None

    with ctx.write() as session:
        session.expire_on_commit = False  # the rows answer the request as written, without reading them back
        if change.moved:
            # an admin may have deactivated the unit it goes to since it was read (server/district/units.py): the
            # version does not cover units, so this is looked at here, under the write lock
            target = session.get(Unit, change.holder_after)
            if target is not None and not target.active:
                raise ApiError(409, "unit_inactive", f"{target.name} is deactivated; it takes no matters")
        other = _link_target(session, matter, change.other) if action is Action.link else None
        event_due = None
        if change.claim_clock_starts or change.deadline_moved:
            rules = ctx.rules.load(session)  # the rules as stored now (an admin may change them)
            if change.claim_clock_starts:
                # ... and its own claim (sign-for) deadline
                values.update(claim_due_at=claim_deadline(now, rules.calendar, rules.policy).due_at,
                              claim_notice=False)
            if change.deadline_moved:
                moved_due = deadline(matter.created_at, change.deadline_days, rules.calendar, rules.policy)
                values.update(deadline_days=change.deadline_days, due_at=moved_due.due_at,
                              due_provisional=moved_due.provisional, due_notice="none")
                event_due = moved_due.due_at
        updated = session.execute(update(Matter).where(col(Matter.id) == matter.id,
                                                       col(Matter.version) == matter.version)
                                  .values(**values).returning(Matter)
                                  .execution_options(synchronize_session=False)).scalars().first()
        if updated is None:
            session.rollback()
        else:
            event = append_event(session, matter_id=matter.id, kind=EventKind(action.value).value, actor_id=op.id,
                                 unit_id=op.unit_id, from_unit_id=change.holder_before if change.moved else None,
                                 to_unit_id=change.holder_after if change.moved else None,
                                 status_before=change.status_before.value, status_after=change.status_after.value,
                                 holder_unit_id=change.holder_after, note=change.note,
                                 satisfaction=change.satisfaction, days=change.event_days, due_at=event_due,
                                 created_at=now, other_matter_id=other.id if other else None, link_kind=link_kind)
            if other is not None:
                # the link itself, and the other side of the timeline entry: the other matter names this one
                assert link_kind is not None  # decide() gives a link its kind
                session.add(MatterLink(matter_id=stored_id(matter), other_id=stored_id(other), kind=link_kind,
                                       created_by_id=stored_id(op), created_at=now))
                append_event(session, matter_id=other.id, kind=EventKind.linked.value, actor_id=op.id,
                             unit_id=op.unit_id, status_before=other.status, status_after=other.status,
                             holder_unit_id=other.holder_unit_id, note=change.note, created_at=now,
                             other_matter_id=matter.id, link_kind=link_kind)
            session.commit()
    if updated is None:
        with Session(ctx.engine) as session:
            raise _lost_race(session, number, action)
    as_read(event)
    rows.matter = updated
    rows.timeline.append(event)
    rows.ops[stored_id(op)] = op
    if other is not None:
        assert link_kind is not None
        rows.numbers[stored_id(other)] = other.number
        rows.links.append(LinkOut(number=other.number, title=other.title, status=Status(other.status),
                                  kind=LinkKind(link_kind), direction="outgoing"))
    return rows


def _link_target(session: Session, matter: Matter, number: str | None) -> Matter:
    """The matter a ``link`` names, or the 422/409 that says why it cannot be linked: an unknown number, this
    matter itself, or a pair already linked (either way round)."""
    assert number  # decide() requires it
    lock_event_log(session)  # two windows linking the same pair at once: the second sees the first's link
    other = session.exec(select(Matter).where(Matter.number == number)).first()
    if other is None:
        raise invalid({"other": "unknown_matter"}, f"there is no matter numbered {number}")
    if other.id == matter.id:
        raise invalid({"other": "same_matter"}, f"a matter cannot be linked to itself ({number})")
    pair = or_(and_(col(MatterLink.matter_id) == matter.id, col(MatterLink.other_id) == other.id),
               and_(col(MatterLink.matter_id) == other.id, col(MatterLink.other_id) == matter.id))
    existing = session.exec(select(MatterLink).where(pair)).first()
    if existing is not None:
        raise ApiError(409, "already_linked", f"{matter.number} and {number} are already linked "
                                              f"({existing.kind}); a pair is linked once")
    return other


def _refused(rows: DetailRows, refusal: Refusal) -> ApiError:
    if refusal.code is RefusalCode.invalid_input:
        return invalid(dict(refusal.fields), refusal.message)
    message = refusal.message
    if refusal.code is RefusalCode.already_claimed and rows.matter.claimed_by_id:
        claimer = rows.ops.get(rows.matter.claimed_by_id)
        if claimer is not None:
            message += f", claimed by {claimer.display_name} ({claimer.username})"
    return ApiError(refusal.http_status, refusal.code, message)


def _lost_race(session: Session, number: str, action: Action) -> ApiError:
    matter = session.exec(select(Matter).where(Matter.number == number)).one()
    tree = load_tree(session)
    holder = tree[matter.holder_unit_id].name
    if action is Action.claim and matter.claimed_by_id is not None:
        claimer = session.get(Operator, matter.claimed_by_id)
        who = f" by {claimer.display_name} ({claimer.username})" if claimer else ""
        return ApiError(409, RefusalCode.already_claimed, f"already claimed{who}: {holder} holds this matter")
    return ApiError(409, "conflict", f"the matter changed meanwhile: it is now {matter.status} at {holder}; reload it")
