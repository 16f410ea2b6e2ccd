"""``/api/units``: the unit tree for everyone; adding and changing units for admins (see
``server/district/units.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path
from sqlmodel import Session

from huiyin.core.domain import Role
from huiyin.core.schemas import UnitIn, UnitOut, UnitPatch
from huiyin.server.api.common import E401, E403, E422, answer
from huiyin.server.api.deps import AdminOperator, Ctx, CurrentOperator, DbSession
from huiyin.server.base.errors import ApiError
from huiyin.server.district import units as unit_admin
from huiyin.server.district.audit import Who
from huiyin.server.district.units import AdminRefusal, unit_row
from huiyin.server.state.context import ServerContext

router = APIRouter(prefix="/api", tags=["units"])
T = TypeVar("T")
E404 = answer(404, "no such unit (`unit_not_found`)")
E409 = answer(409, (
    "the change would break the district: `unit_has_open_matters` (the message names them), `unit_has_children`, "
    "`unit_has_operators`, `unit_name_taken`, `parent_inactive`, `tier_order`, `unit_cycle`, `root_unit`"))


def refused(exc: AdminRefusal) -> ApiError:
    return ApiError(exc.status, exc.code, str(exc), exc.fields)


def run_admin(ctx: ServerContext, work: Callable[[Session], T]) -> T:
    """One transaction: the change and its audit entry commit together, or neither does."""
    try:
        with ctx.write() as session:
            result = work(session)
            session.commit()
    except AdminRefusal as exc:
        raise refused(exc) from None
    ctx.notifier.notify()  # live feeds look again: the tree may have changed (``units_changed``)
    return result


@router.get("/units", response_model=list[UnitOut], responses=E401)
def units(op: CurrentOperator, session: DbSession) -> list[UnitOut]:
    """The whole unit tree, parents before children (``parent_id`` links them), deactivated units included
    (``active: false``). For an admin each unit also says how many open matters it holds (``open_matters``)."""
    return unit_admin.tree_rows(session, counts=op.role == Role.admin.value)


@router.post("/units", response_model=UnitOut, status_code=201,
             responses={**E401, **E403, **E409, **E422})
def add_unit(body: UnitIn, op: AdminOperator, ctx: Ctx) -> UnitOut:
    """Admin only: add a unit under an active parent (never of kind `government`, never above its parent's
    tier). Audited."""
    def work(session: Session) -> UnitOut:
        unit = unit_admin.add_unit(session, Who.of(op), ctx.clock.now(), name=body.name, tier=body.tier,
                                   kind=body.kind, parent_id=body.parent_id)
        return unit_row(unit, {})
    return run_admin(ctx, work)


@router.patch("/units/{unit_id}", response_model=UnitOut,
              responses={**E401, **E403, **E404, **E409, **E422})
def change_unit(unit_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: UnitPatch, op: AdminOperator,
                ctx: Ctx) -> UnitOut:
    """Admin only: rename (`name`), move under another parent (`parent_id`), change `kind` or `tier`,
    deactivate or activate again (`active`). Only the fields sent change. A unit holding open matters can
    neither be deactivated nor change its tier (409 `unit_has_open_matters`, naming the matters). Audited:
    who, when, the unit before and after."""
    def work(session: Session) -> UnitOut:
        unit = unit_admin.change_unit(session, Who.of(op), ctx.clock.now(), unit_id, name=body.name,
                                      parent_id=body.parent_id, tier=body.tier, kind=body.kind, active=body.active)
        return unit_row(unit, unit_admin.open_counts(session))
    return run_admin(ctx, work)
