"""``GET /api/reports/assessment`` (the assessment, docs/assessment.md), its drill-down, and the command center's
board ``GET /api/board`` with its drill-down."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from huiyin.core.assessment import DRILL_FIGURES, Period, PeriodError, parse_period, report_out
from huiyin.core.domain import Role, Tier
from huiyin.core.schemas import AssessmentOut, BoardOut, MatterSummary
from huiyin.server.api.common import E401, E403, E422
from huiyin.server.api.deps import Ctx, CurrentOperator, DbSession
from huiyin.server.base.errors import ApiError, invalid
from huiyin.server.matters.views import load_tree, matter_summaries
from huiyin.server.reports import assessment as reports
from huiyin.server.storage.models import Operator

router = APIRouter(prefix="/api", tags=["reports"])

REPORT_ROLES = {Role.supervisor.value, Role.commander.value, Role.admin.value}
BOARD_ROLES = {Role.commander.value, Role.admin.value}

From = Annotated[str | None, Query(alias="from", max_length=20, description="first day, e.g. 2026-01-01")]
To = Annotated[str | None, Query(alias="to", max_length=20, description="last day (inclusive), e.g. 2026-12-31")]
Year = Annotated[str | None, Query(max_length=8, description="a whole year instead of from/to: 2026")]
Quarter = Annotated[str | None, Query(max_length=8, description="a quarter: 2026Q3")]
Month = Annotated[str | None, Query(max_length=8, description="a month: 2026-11")]


def _period(start: str | None, end: str | None, year: str | None, quarter: str | None, month: str | None) -> Period:
    try:
        return parse_period(start, end, year=year, quarter=quarter, month=month)
    except PeriodError as exc:
        raise invalid({exc.field: "invalid"}, str(exc)) from None


def _allowed(op: Operator, roles: set[str], what: str) -> None:
    if op.role not in roles:
        raise ApiError(403, "wrong_role", f"only {', '.join(sorted(roles))} may read {what}")


def _unit_id(session: DbSession, name: str | None) -> int | None:
    if name is None:
        return None
    tree = load_tree(session)
    found = [u.id for u in reports.report_units(tree) if u.name == name.strip()]
    if not found:
        raise invalid({"unit": "unknown_unit"}, f"no unit named {name!r} has matters to report")
    return found[0]


@router.get("/reports/assessment", response_model=AssessmentOut, responses={**E401, **E403, **E422})
def assessment(op: CurrentOperator, ctx: Ctx, session: DbSession, start: From = None, end: To = None,
               year: Year = None, quarter: Quarter = None, month: Month = None,
               unit: Annotated[str | None, Query(max_length=80, description="only this unit's row")] = None,
               tier: Annotated[Tier | None, Query(description="only this tier's unit rows")] = None,
               group: Annotated[Literal["category"] | None,
                                Query(description="`category`: add per-category rows")] = None,
               ) -> AssessmentOut:
    """Supervisors, commanders and admins (403 for others): every figure of the period per unit, with the
    tiers' and the district's totals, ranks within each tier, by month (and by category with
    `group=category`). The rules are docs/assessment.md. A bad period is a 422 naming the field."""
    _allowed(op, REPORT_ROLES, "the assessment")
    period = _period(start, end, year, quarter, month)
    unit_id = _unit_id(session, unit)
    result, tree = reports.load_assessment(ctx, session, period)
    return report_out(result, reports.report_units(tree), unit=unit_id, tier=tier, group=group)


@router.get("/reports/assessment/matters", response_model=list[MatterSummary],
            responses={**E401, **E403, **E422})
def assessment_matters(op: CurrentOperator, ctx: Ctx, session: DbSession,
                       unit: Annotated[str, Query(max_length=80, description="the unit whose figure it is")],
                       figure: Annotated[str, Query(max_length=40, description=(
                           "which figure: " + ", ".join(f"`{f}`" for f in DRILL_FIGURES)))],
                       start: From = None, end: To = None, year: Year = None, quarter: Quarter = None,
                       month: Month = None) -> list[MatterSummary]:
    """The matters behind one figure of one unit (at most 500, most urgent first), as queue rows."""
    _allowed(op, REPORT_ROLES, "the assessment")
    period = _period(start, end, year, quarter, month)
    if figure not in DRILL_FIGURES:
        raise invalid({"figure": "unknown_figure"}, f"figure must be one of {', '.join(DRILL_FIGURES)}")
    unit_id = _unit_id(session, unit)
    assert unit_id is not None  # a unit was named
    result, tree = reports.load_assessment(ctx, session, period, keep_ids=True)
    ids = list(dict.fromkeys(result.ids.get((unit_id, figure), [])))
    matters = reports.drill_matters(session, op, tree, ids)
    return [MatterSummary(**row) for row in matter_summaries(session, op, matters, tree)]


@router.get("/board", response_model=BoardOut, responses={**E401, **E403})
def board(op: CurrentOperator, ctx: Ctx, session: DbSession) -> BoardOut:
    """Commanders and admins (403 for others): the open, at-risk, overdue and not-claimed-in-time matters per
    town/street and per unit outside a town (the district's service center, the command center, each
    department), every open matter in exactly one row, and the whole district's; help requests waiting at the
    command center (oldest first); matters handed on more than twice; today's intake by channel."""
    _allowed(op, BOARD_ROLES, "the board")
    return reports.board(ctx, session)


@router.get("/board/matters", response_model=list[MatterSummary], responses={**E401, **E403, **E422})
def board_matters(op: CurrentOperator, ctx: Ctx, session: DbSession,
                  cell: Annotated[str, Query(max_length=60, description=(
                      "`area:<unit id>:open|at_risk|overdue|unclaimed`, `district:open|at_risk|overdue|unclaimed`, "
                      "`help`, `bouncing` or `intake:<channel>`"))],
                  ) -> list[MatterSummary]:
    """The matters behind one cell of the board (at most 500, most urgent first), as queue rows."""
    _allowed(op, BOARD_ROLES, "the board")
    matters = reports.cell_matters(ctx, session, op, cell)
    if matters is None:
        raise invalid({"cell": "unknown_cell"}, f"no board cell {cell!r}")
    tree = load_tree(session)
    return [MatterSummary(**row) for row in matter_summaries(session, op, matters, tree)]
