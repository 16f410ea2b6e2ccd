"""``/api/categories``: the district's category tree for every signed-in operator; adding and changing
categories for admins (see ``server/district/categories.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from huiyin.core.categories import CODE_LENGTH
from huiyin.core.domain import Role
from huiyin.core.schemas import CategoryIn, CategoryOut, CategoryPatch
from huiyin.server.api.common import E401, E403, answer
from huiyin.server.api.deps import AdminOperator, Ctx, CurrentOperator, DbSession
from huiyin.server.api.units import run_admin
from huiyin.server.base.errors import ApiError
from huiyin.server.district import categories as category_admin
from huiyin.server.district.audit import Who
from huiyin.server.district.categories import category_row

router = APIRouter(prefix="/api", tags=["categories"])
E404 = answer(404, "no such category (`category_not_found`)")
E409 = answer(409, (
    "the change would break the tree: `category_code_taken` (a code is never reused, even a deactivated one's), "
    "`category_has_children` (deactivate or move its active leaves first), `parent_inactive`"))
E422_CATEGORY = answer(422, (
    "invalid input (`fields` names each field at fault), or `bad_parent`: the parent does not exist, is not a "
    "top-level kind, or the move would make a third level or a cycle"))


@router.get("/categories", response_model=list[CategoryOut], responses={**E401, **E403})
def categories(op: CurrentOperator, session: DbSession,
               all: Annotated[bool, Query(description="deactivated ones too (admins only)")] = False,
               ) -> list[CategoryOut]:
    """The category tree, each top-level kind followed by its leaves (by code; ``parent`` links them): the active
    ones, or with ``?all=true`` (admins only) every category, deactivated ones included (``active: false``)."""
    if all and op.role != Role.admin.value:
        raise ApiError(403, "wrong_role", "only an admin sees deactivated categories")
    return category_admin.tree_rows(session, inactive=all)


@router.post("/categories", response_model=CategoryOut, status_code=201,
             responses={**E401, **E403, **E409, **E422_CATEGORY})
def add_category(body: CategoryIn, op: AdminOperator, ctx: Ctx) -> CategoryOut:
    """Admin only: add a top-level kind (no `parent`) or a leaf under an active kind, with a new code. Audited."""
    def work(session: Session) -> CategoryOut:
        return category_row(category_admin.add_category(session, Who.of(op), ctx.clock.now(), body))
    return run_admin(ctx, work)


@router.patch("/categories/{code}", response_model=CategoryOut,
              responses={**E401, **E403, **E404, **E409, **E422_CATEGORY})
def change_category(code: Annotated[str, Path(min_length=1, max_length=CODE_LENGTH)], body: CategoryPatch,
                    op: AdminOperator, ctx: Ctx) -> CategoryOut:
    """Admin only: rename (`name_zh`, `name_en`), describe (`description`, `keywords`), move (`parent`: another
    top-level kind, `null`: make it one), a new default deadline (`deadline_days`; matters already recorded keep
    theirs), a default unit (`default_unit_id`, `null`: none), deactivate or activate again (`active`). Only the
    fields sent change; the code never does. Audited: who, when, the category before and after."""
    def work(session: Session) -> CategoryOut:
        return category_row(category_admin.change_category(session, Who.of(op), ctx.clock.now(), code, body))
    return run_admin(ctx, work)
