from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from huiyin.core.domain import Role
from huiyin.server.api.deps import DbSession
from huiyin.server.base.errors import ApiError
from huiyin.server.district.sample import is_sample
from huiyin.server.matters.views import load_tree
from huiyin.server.storage.models import Operator

router = APIRouter(tags=["meta"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    sample: bool
    #: the district has accounts; ``false`` before ``huiyin init`` made it (nobody can sign in yet)
    accounts: bool = True


class SampleOperator(BaseModel):
    username: str
    display_name: str
    role: Role
    unit: str


@router.get("/health", response_model=Health)
def health(session: DbSession) -> Health:
    """Liveness (no token needed); says whether this is the sample district, and whether any account exists
    (`accounts`: false on a database `huiyin init` has not set up yet)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("huiyin")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        ver = "0"
    accounts = session.exec(select(Operator.id).limit(1)).first() is not None
    return Health(status="ok", version=ver, database=session.get_bind().dialect.name, sample=is_sample(session),
                  accounts=accounts)


@router.get("/api/sample/operators", response_model=list[SampleOperator], tags=["meta"],
            responses={404: {"description": "not a sample district"}})
def sample_operators(session: DbSession) -> list[SampleOperator]:
    """The sample district's accounts (password `huiyin-sample`), for the workbench's login picker.
    Only a database made by `huiyin init --sample` answers; any other gives 404."""
    if not is_sample(session):
        raise ApiError(404, "not_sample", "this is not a sample district")
    tree = load_tree(session)
    ops = session.exec(select(Operator).where(Operator.active == True).order_by(col(Operator.id))).all()  # noqa: E712
    return [SampleOperator(username=o.username, display_name=o.display_name, role=Role(o.role),
                           unit=tree[o.unit_id].name) for o in ops]
