"""Carrying out the workflow of :mod:`huiyin.core.workflow` against the database.

Every change is one transaction that updates the matter and appends its ``MatterEvent``. Actions update the
matter ``WHERE version = <the version read>``, so of two windows acting at once exactly one wins; the other gets
a 409 that says what happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from huiyin.core.deadlines import claim_deadline, deadline, matter_deadline
from huiyin.core.domain import Action, EventKind, Role, Status
from huiyin.core.schemas import ActionIn, MatterIn
from huiyin.core.units import UnitTree
from huiyin.core.workflow import (RULES, Actor, ClaimMove, Field, HolderMove, RefusalCode, can_record, check,
                                  next_status, target_unit)

from .context import ServerContext
from .errors import ApiError, invalid
from .events import lock_event_log
from .models import Matter, MatterCounter, MatterEvent, Operator, Unit
from .views import load_tree, matter_state

IDEMPOTENCY_KEY_MAX = 200


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes the write lock at once on SQLite (``BEGIN IMMEDIATE``), so a
    read-then-write never fails half-way on a snapshot another writer moved."""
    with engine.connect() as conn:
        conn = conn.execution_options(huiyin_write=True)
        with Session(bind=conn) as session:
            yield session


def district_of(tree: UnitTree, unit_id: int) -> int:
    """The id of the district (the tree's root) a unit belongs to."""
    return tree.path(unit_id)[0].id


def reserve_sequence(session: Session, district_id: int, year: int, count: int = 1) -> int:
    """Take ``count`` consecutive numbers of a district's year; returns the first. The counter row's update lock
    (or SQLite's write lock) keeps two recorders from getting the same number."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(MatterCounter).values(district_id=district_id, year=year, last=0)
                    .on_conflict_do_nothing())
    result = session.execute(update(MatterCounter)
                             .where(MatterCounter.district_id == district_id, MatterCounter.year == year)  # type: ignore[arg-type]
                             .values(last=MatterCounter.last + count).returning(MatterCounter.last))
    return int(result.scalar_one()) - count + 1


def district_code(session: Session, district_id: int) -> str:
    """The prefix of the district's matter numbers (``YB``)."""
    unit = session.get(Unit, district_id)
    return (unit.code if unit and unit.code else "HY").upper()


def record(ctx: ServerContext, op: Operator, data: MatterIn, idempotency_key: str | None) -> tuple[int, bool]:
    """Record a matter at the operator's unit. Returns ``(matter id, created)``; ``created`` is false when the
    idempotency key had already recorded one."""
    if idempotency_key is not None:
        if not idempotency_key.strip() or len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise invalid({"Idempotency-Key": "invalid"},
                          f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")
    key = f"{op.id}:{idempotency_key}" if idempotency_key else None
    try:
        with write_session(ctx.engine) as session:
            if key:
                existing = session.exec(select(Matter.id).where(Matter.idempotency_key == key)).first()
                if existing is not None:
                    return existing, False
            tree = load_tree(session)
            if not can_record(Role(op.role)):
                raise ApiError(403, RefusalCode.wrong_role, f"role {op.role} may not record matters")
            if not tree.can_hold_matters(op.unit_id):
                raise ApiError(403, RefusalCode.wrong_unit,
                               f"{tree[op.unit_id].name} cannot hold matters; record at a service window")
            now = ctx.clock.now()
            rules = ctx.rules.load(session)
            due = matter_deadline(now, data.complexity, rules.calendar, rules.policy)
            district_id = district_of(tree, op.unit_id)
            year = now.astimezone(rules.policy.tz).year
            seq = reserve_sequence(session, district_id, year)
            number = f"{district_code(session, district_id)}-{year}-{seq:06d}"
            matter = Matter(
                number=number, title=data.title, description=data.description, category=data.category,
                channel=data.channel.value, complexity=data.complexity.value, resident_name=data.resident_name,
                resident_phone=data.resident_phone, address=data.address, origin_unit_id=op.unit_id,
                holder_unit_id=op.unit_id, created_by_id=op.id,  # type: ignore[arg-type]
                status=Status.pending.value, created_at=now, updated_at=now, idempotency_key=key,
                due_at=due.due_at, due_provisional=due.provisional, deadline_days=due.working_days,
                received_at=now, claim_due_at=claim_deadline(now, rules.calendar, rules.policy).due_at)
            session.add(matter)
            session.flush()
            lock_event_log(session)
            session.add(MatterEvent(matter_id=matter.id, kind=EventKind.record.value, actor_id=op.id,  # type: ignore[arg-type]
                                    unit_id=op.unit_id, to_unit_id=op.unit_id, status_after=Status.pending.value,
                                    holder_unit_id=op.unit_id, note="", due_at=due.due_at, created_at=now))
            matter_id = matter.id
            session.commit()
    except IntegrityError:
        if key is None:
            raise
        # the same key raced in from another request: the first one wins, this one returns it
        with Session(ctx.engine) as session:
            existing = session.exec(select(Matter.id).where(Matter.idempotency_key == key)).first()
        if existing is None:
            raise
        return existing, False
    ctx.notifier.notify()
    return matter_id, True  # type: ignore[return-value]


def _body_value(body: ActionIn, field: Field) -> object:
    return getattr(body, field.value)


def act(ctx: ServerContext, op: Operator, number: str, action: Action, body: ActionIn) -> int:
    """Carry out one action; returns the matter's id. Raises :class:`ApiError` for every refusal."""
    with write_session(ctx.engine) as session:
        matter = session.exec(select(Matter).where(Matter.number == number)).first()
        if matter is None:
            raise ApiError(404, "not_found", f"no matter numbered {number}")
        tree = load_tree(session)
        state = matter_state(matter)
        actor = Actor(Role(op.role), op.unit_id)
        refusal = check(actor, action, state, tree)
        if refusal is not None:
            message = refusal.message
            if refusal.code is RefusalCode.already_claimed and matter.claimed_by_id:
                claimer = session.get(Operator, matter.claimed_by_id)
                if claimer is not None:
                    message += f", claimed by {claimer.display_name} ({claimer.username})"
            raise ApiError(refusal.http_status, refusal.code, message)
        rule = RULES[action]
        missing = {f.value: "required" for f in rule.requires if _body_value(body, f) in (None, "")}
        if missing:
            raise invalid(missing, f"{action} needs: {', '.join(missing)}")

        new_holder = matter.holder_unit_id
        if rule.holder is HolderMove.named:
            to_unit = body.to_unit
            if to_unit not in tree:
                raise invalid({"to_unit": "unknown_unit"}, f"there is no unit with id {to_unit}")
            if not tree.can_hold_matters(to_unit):  # type: ignore[arg-type]
                raise invalid({"to_unit": "cannot_hold"}, f"{tree[to_unit].name} cannot hold matters")  # type: ignore[index]
            if to_unit == matter.holder_unit_id:
                raise invalid({"to_unit": "same_unit"}, f"{tree[to_unit].name} already holds this matter")  # type: ignore[index]
            new_holder = to_unit  # type: ignore[assignment]
        elif rule.holder is not HolderMove.stay:
            new_holder = target_unit(action, state, tree, actor)  # type: ignore[assignment]

        now = ctx.clock.now()
        status_before = Status(matter.status)
        status_after = next_status(status_before, action)
        values: dict[str, object] = {"status": status_after.value, "updated_at": now, "version": matter.version + 1}
        moved = new_holder != matter.holder_unit_id
        if moved:
            values["holder_unit_id"] = new_holder
            values["previous_holder_id"] = None if rule.holder is HolderMove.back else matter.holder_unit_id
        if rule.claim is ClaimMove.take:
            values["claimed_by_id"] = op.id
        elif rule.claim is ClaimMove.clear:
            values["claimed_by_id"] = None
        event_due = None
        if moved:
            # a new stage: the receiving unit gets the matter now
            values["received_at"] = now
        if moved or status_after is not Status.in_progress:
            # an extension request lapses with a hand-off, an answer or anything else that ends the work
            values["extension_days_requested"] = None
        if status_after is Status.pending:
            if moved:
                # ... and its own claim (sign-for) deadline
                rules = ctx.rules.load(session)
                values["claim_due_at"] = claim_deadline(now, rules.calendar, rules.policy).due_at
                values["claim_notice"] = False
        else:
            values["claim_due_at"] = None
        if action is Action.request_extension:
            values["extension_days_requested"] = body.days
        elif action is Action.approve_extension:
            rules = ctx.rules.load(session)
            days = matter.deadline_days + (matter.extension_days_requested or 0)
            moved_due = deadline(matter.created_at, days, rules.calendar, rules.policy)
            values.update(deadline_days=days, due_at=moved_due.due_at, due_provisional=moved_due.provisional,
                          due_notice="none", extension_days_requested=None)
            event_due = moved_due.due_at
        elif action is Action.reject_extension:
            values["extension_days_requested"] = None
        if action is Action.answer:
            values["answered_at"] = now
        elif action is Action.close:
            values["closed_at"] = now
        elif action is Action.reopen:
            values["closed_at"] = None
        elif action is Action.follow_up:
            values["satisfaction"] = body.satisfaction

        old_holder, matter_id = matter.holder_unit_id, matter.id
        event_days = {Action.request_extension: body.days,
                      Action.approve_extension: matter.extension_days_requested}.get(action)
        result = session.execute(update(Matter).where(Matter.id == matter.id, Matter.version == matter.version)  # type: ignore[arg-type]
                                 .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            session.rollback()
            raise _lost_race(session, number, action)
        lock_event_log(session)
        note = body.reason if Field.reason in rule.requires else body.note
        session.add(MatterEvent(
            matter_id=matter_id, kind=EventKind(action.value).value, actor_id=op.id, unit_id=op.unit_id,  # type: ignore[arg-type]
            from_unit_id=old_holder if moved else None, to_unit_id=new_holder if moved else None,
            status_before=status_before.value, status_after=status_after.value, holder_unit_id=new_holder,
            note=note, satisfaction=body.satisfaction if action is Action.follow_up else None, days=event_days,
            due_at=event_due, created_at=now))
        session.commit()
    ctx.notifier.notify()
    return matter_id  # type: ignore[return-value]


def _lost_race(session: Session, number: str, action: Action) -> ApiError:
    matter = session.exec(select(Matter).where(Matter.number == number)).one()
    tree = load_tree(session)
    holder = tree[matter.holder_unit_id].name
    if action is Action.claim and matter.claimed_by_id is not None:
        claimer = session.get(Operator, matter.claimed_by_id)
        who = f" by {claimer.display_name} ({claimer.username})" if claimer else ""
        return ApiError(409, RefusalCode.already_claimed, f"already claimed{who}: {holder} holds this matter")
    return ApiError(409, "conflict", f"the matter changed meanwhile: it is now {matter.status} at {holder}; reload it")
