"""The assessment and the command center's board, from the database.

The assessment reads one row per matter of the period's cohort: ``matter_facts`` (each matter's timeline folded
by :func:`huiyin.core.assessment.fold`, kept in step by the one write path, ``server/matters/events.py``; see
:mod:`.report_facts`) by one range scan of ``ix_matter_facts_created_at``, and credits it with the pure
:func:`huiyin.core.assessment.assess_facts` (the rules: ``docs/assessment.md``). Only the matters with an entry
after a past period's end are folded from their entries (by ``ix_events_matter``), with the same fold. The board
counts the open matters now with the matters' own indexes.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Select, and_, func
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from huiyin.core.assessment import MOVES, Assessment, Period, assess_facts
from huiyin.core.deadlines import at_risk_horizon
from huiyin.core.domain import Status, Tier, UnitKind
from huiyin.core.schemas import BoardArea, BoardMatter, BoardOut
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.server.matters.queues import visible
from huiyin.server.matters.supervision import OPEN
from huiyin.server.matters.views import load_tree
from huiyin.server.state.context import ServerContext
from huiyin.server.storage.facts import FACTS, dbapi_cursor, stored_time, timeline_facts
from huiyin.server.storage.models import Matter, MatterEvent, Operator

#: at most this many matters behind one figure or cell come back to a drill-down
DRILL_LIMIT = 500
#: a matter handed on or released more than this many times is "bouncing"
BOUNCE_MOVES = 2


def report_units(tree: UnitTree) -> list[UnitInfo]:
    """The units that have a row: those that hold matters (not the district root)."""
    return [u for u in tree if tree.can_hold_matters(u.id)]


def _sqlite_param(value: object) -> object:
    """A bound value as SQLite stores it (a time: as :class:`~.models.UTCDateTime` writes it)."""
    return stored_time(value) if isinstance(value, datetime) else value


def _plain_rows(session: Session, query: Select[Any]) -> Sequence[tuple[Any, ...]]:
    """``query``'s rows as the driver's plain tuples (no result rows: a third less time for 100,000 rows)."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if connection.dialect.name == "sqlite":
        assert compiled.positiontup is not None  # SQLite's parameters are positional
        bound: Sequence[object] | Mapping[str, Any] = [_sqlite_param(params[name]) for name in compiled.positiontup]
    else:
        bound = params
    cursor = dbapi_cursor(connection)
    try:
        cursor.execute(str(compiled), bound)
        return cursor.fetchall()
    finally:
        cursor.close()


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a report builds ~500,000 small lists it keeps until the end (they
    hold no cycles): otherwise the collector walks them again and again, a third of the report's time. Memory is
    still freed by reference counting; the collector resumes afterwards (if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_assessment(ctx: ServerContext, session: Session, period: Period, *, keep_ids: bool = False
                    ) -> tuple[Assessment, UnitTree]:
    """Every figure of ``period`` (docs/assessment.md): the cohort's stored facts by one range scan of
    ``ix_matter_facts_created_at``, credited by :func:`huiyin.core.assessment.assess_facts`. A matter with an
    entry at or after the period's end (a past period; it went on after) is folded from its entries before the
    end instead (:func:`~.report_facts.timeline_facts`, by ``ix_events_matter``); then the categories by
    primary key."""
    rules = ctx.rules.load(session)
    tree = load_tree(session)
    start, end = period.bounds(rules.policy)
    now = ctx.clock.now()
    until = min(end, now)
    f = FACTS.c
    with _no_cycle_collection():
        rows = _plain_rows(session, sa_select(f.matter_id, f.state, f.last_event_at >= until)
                           .where(f.created_at >= start, f.created_at < until))
        current = [(mid, state) for mid, state, later in rows if not later]
        # one parse for the whole cohort (a row: MatterFacts.row(), instants in microseconds)
        parsed = json.loads("[" + ",".join(state for _mid, state in current) + "]")
        facts = list(zip([mid for mid, _state in current], parsed, strict=False))
        later = [mid for mid, _state, went_on in rows if went_on]
        if later:
            refolded = timeline_facts(session.connection(), later, until)
            facts.extend((mid, folded.row()) for mid, folded in refolded.items())
        categories: dict[int, str] = {}
        if rows:
            ids = [row[0] for row in rows]
            categories = dict(session.execute(
                sa_select(col(Matter.id), col(Matter.category))
                .where(col(Matter.id) >= min(ids), col(Matter.id) <= max(ids), col(Matter.category) != "")).all())
        result = assess_facts(facts, report_units(tree), period, rules.calendar, rules.policy, now,
                              categories=categories, keep_ids=keep_ids)
    return result, tree


def drill_matters(session: Session, op: Operator, tree: UnitTree, ids: list[int]) -> list[Matter]:
    """The matters of ``ids`` the operator may see, most urgent first, at most :data:`DRILL_LIMIT`."""
    if not ids:
        return []
    out: list[Matter] = []
    for chunk in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        part = ids[chunk:chunk + 900]
        out.extend(session.exec(select(Matter).where(col(Matter.id).in_(part), visible(op, tree))).all())
    out.sort(key=lambda m: (m.due_at, m.id))
    return out[:DRILL_LIMIT]


# ----------------------------------------------------------------------------------------------------- board


def _areas(tree: UnitTree) -> list[tuple[UnitInfo, str, set[int]]]:
    """The board's rows, each with its kind and the unit ids whose matters count for it; every unit that may
    hold a matter is in exactly one row, so the rows add up to every open matter: each town/street (its service
    center's subtree: the town's offices and villages), then each unit outside a town in tree order (the
    district's service center, the command center, the departments; a unit with no town above it)."""
    town_of: dict[int, int] = {}
    out: list[tuple[UnitInfo, str, set[int]]] = []
    for unit in tree:
        if unit.tier is Tier.town and unit.kind is UnitKind.service_center:
            members = {u for u in tree.subtree(unit.id) if tree.can_hold_matters(u) and u not in town_of}
            town_of.update(dict.fromkeys(members, unit.id))
            out.append((unit, "town", members))
    for unit in tree:
        if tree.can_hold_matters(unit.id) and unit.id not in town_of:
            out.append((unit, unit.kind.value, {unit.id}))
    return out


#: the figures of a board row (and of the whole district's): ``area:<id>:<figure>``, ``district:<figure>``
AREA_CELLS = ("open", "at_risk", "overdue", "unclaimed")


def board_cells(tree: UnitTree) -> list[str]:
    cells = [f"area:{u.id}:{what}" for u, _, _ in _areas(tree) for what in AREA_CELLS]
    return (cells + [f"district:{what}" for what in AREA_CELLS] + ["help", "bouncing"]
            + [f"intake:{c}" for c in ("walk_in", "phone", "visit", "online")])


def _cell_filter(ctx: ServerContext, session: Session, tree: UnitTree, cell: str) -> ColumnElement[bool] | None:
    """The SQL condition of one board cell (``area:<id>:open|at_risk|overdue``, ``help``, ``bouncing``,
    ``intake:<channel>``), or ``None`` for an unknown cell."""
    rules = ctx.rules.load(session)
    now = ctx.clock.now()
    open_ = col(Matter.status).in_(OPEN)
    where: list[ColumnElement[bool]] = [col(Matter.status) != Status.closed.value]
    parts = cell.split(":")
    if parts[0] == "area":
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        found = [members for unit, _, members in _areas(tree) if unit.id == int(parts[1])]
        if not found:
            return None
        where.append(col(Matter.holder_unit_id).in_(found[0]))
    elif parts[0] != "district" or len(parts) != 2:
        parts = []
    if parts:
        figure = parts[-1]
        if figure == "open":
            return and_(*where)
        if figure == "at_risk":
            return and_(*where, open_, col(Matter.due_at) >= now,
                        col(Matter.due_at) < at_risk_horizon(now, rules.calendar, rules.policy))
        if figure == "overdue":
            return and_(*where, open_, col(Matter.due_at) < now)
        if figure == "unclaimed":
            return and_(*where, col(Matter.status) == Status.pending.value,
                        col(Matter.claim_due_at) < now)
        return None
    if cell == "help":
        return col(Matter.id).in_(_help_waiting_ids(session, tree))
    if cell == "bouncing":
        return col(Matter.id).in_(list(_bouncing(session)))
    if cell.startswith("intake:"):
        start, end = _today(ctx, session)
        return and_(col(Matter.channel) == cell.split(":", 1)[1], col(Matter.created_at) >= start,
                    col(Matter.created_at) < end)
    return None


def _today(ctx: ServerContext, session: Session) -> tuple[datetime, datetime]:
    tz = ctx.rules.load(session).policy.tz
    day = ctx.clock.now().astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def _command_centers(tree: UnitTree) -> list[int]:
    return [u.id for u in tree if u.kind is UnitKind.command_center]


def _help_waiting_ids(session: Session, tree: UnitTree) -> list[int]:
    """Pending at a command center (it arrived there by a help request and nobody assigned it yet)."""
    centers = _command_centers(tree)
    if not centers:
        return []
    # a stored matter's id is never None
    return cast(list[int], list(session.exec(select(Matter.id).where(col(Matter.holder_unit_id).in_(centers),
                                                     col(Matter.status) == Status.pending.value)).all()))


def _bouncing(session: Session) -> dict[int, int]:
    """Open matters handed on or released more than :data:`BOUNCE_MOVES` times: id → moves."""
    e = MatterEvent
    rows = session.execute(
        sa_select(col(e.matter_id), func.count()).join(Matter, col(Matter.id) == e.matter_id)
        .where(col(Matter.status) != Status.closed.value, col(e.kind).in_(MOVES))
        .group_by(col(e.matter_id)).having(func.count() > BOUNCE_MOVES)).all()
    return {matter_id: count for matter_id, count in rows}


def cell_matters(ctx: ServerContext, session: Session, op: Operator, cell: str) -> list[Matter] | None:
    tree = load_tree(session)
    where = _cell_filter(ctx, session, tree, cell)
    if where is None:
        return None
    rows = session.exec(select(Matter).where(where, visible(op, tree))
                        .order_by(col(Matter.due_at), col(Matter.id)).limit(DRILL_LIMIT)).all()
    return list(rows)


def board(ctx: ServerContext, session: Session) -> BoardOut:
    tree = load_tree(session)
    rules = ctx.rules.load(session)
    now = ctx.clock.now()
    horizon = at_risk_horizon(now, rules.calendar, rules.policy)
    open_rows = session.execute(
        sa_select(col(Matter.holder_unit_id), col(Matter.status), col(Matter.due_at), col(Matter.claim_due_at))
        .where(col(Matter.status) != Status.closed.value)).all()
    per_unit: dict[int, list[int]] = {}
    for holder, status, due, claim_due in open_rows:
        counts = per_unit.setdefault(holder, [0, 0, 0, 0])
        counts[0] += 1
        if status in OPEN:
            if due < now:
                counts[2] += 1
            elif due < horizon:
                counts[1] += 1
        if status == Status.pending.value and claim_due is not None and claim_due < now:
            counts[3] += 1
    areas = []
    for unit, kind, members in _areas(tree):
        total = [sum(per_unit.get(u, (0, 0, 0, 0))[i] for u in members) for i in range(4)]
        areas.append(BoardArea(unit_id=unit.id, name=unit.name, kind=kind,
                               open=total[0], at_risk=total[1], overdue=total[2], unclaimed=total[3]))
    whole = [sum(counts[i] for counts in per_unit.values()) for i in range(4)]
    root = next(iter(tree.roots()), None)
    district = BoardArea(unit_id=root.id if root else 0, name=root.name if root else "", kind="district",
                         open=whole[0], at_risk=whole[1], overdue=whole[2], unclaimed=whole[3])
    help_ids = _help_waiting_ids(session, tree)
    bounce = _bouncing(session)
    listed = set(help_ids) | set(bounce)
    matters = {m.id: m for m in session.exec(select(Matter).where(col(Matter.id).in_(list(listed))))} if listed else {}

    def item(m: Matter) -> BoardMatter:
        return BoardMatter(number=m.number, title=m.title, holder=tree[m.holder_unit_id].name,
                           since=m.received_at or m.updated_at, moves=bounce.get(m.id, 0) if m.id is not None else 0)

    help_waiting = sorted((item(matters[i]) for i in help_ids), key=lambda b: (b.since, b.number))
    bouncing = sorted((item(matters[i]) for i in bounce), key=lambda b: (-b.moves, b.since, b.number))
    start, end = _today(ctx, session)
    intake_rows = session.execute(sa_select(col(Matter.channel), func.count()).where(
        col(Matter.created_at) >= start, col(Matter.created_at) < end).group_by(col(Matter.channel))).all()
    intake = Counter({c: 0 for c in ("walk_in", "phone", "visit", "online")})
    intake.update(dict(intake_rows))
    return BoardOut(as_of=now, areas=areas, district=district, help_waiting=help_waiting, bouncing=bouncing,
                    intake=dict(intake))
