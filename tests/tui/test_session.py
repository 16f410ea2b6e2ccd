"""The workbench's session alone, without Textual: signing in and out, the rules it answers, the live stream's
position and the news it already knows, and its calls against a real server."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest

from huiyin.core.clock import ManualClock
from huiyin.core.domain import Action, Queue, Role, Status, Tier, UnitKind
from huiyin.core.schemas import EventOut, QueueCounts, UnitOut
from huiyin.tui.client import ApiError
from huiyin.tui.session import WorkbenchSession

from .conftest import SAMPLE_PASSWORD

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def unit(ident: int, name: str, tier: Tier, kind: UnitKind, parent: int | None) -> UnitOut:
    return UnitOut.model_validate({"id": ident, "name": name, "tier": tier, "kind": kind, "parent_id": parent})


def event(ident: int) -> EventOut:
    return EventOut.model_validate({"id": ident, "matter_number": "YB-1", "kind": "claim",
                                    "status_after": "in_progress", "holder_unit_id": 2, "created_at": NOW})


def test_the_session_is_plain_python() -> None:
    session = WorkbenchSession(ManualClock(NOW))
    assert session.api is None and session.operator is None and session.allowed_for(None) == []
    assert "textual" not in {name.split(".")[0] for name in vars(sys.modules["huiyin.tui.session"])}


def test_the_stream_position_and_the_news_known_already() -> None:
    session = WorkbenchSession(ManualClock(NOW))
    session.known([7, 8])
    assert session.take(event(6)) and session.last_event_id == 6
    assert not session.take(event(8)) and session.last_event_id == 8  # this window's own action: known
    counts = QueueCounts(incoming=1, in_hand=2, all=3)
    session.told(counts)
    assert session.counts == counts and session.counts_told
    assert session.take(event(9)) and not session.counts_told  # sizes after 9 are not told yet


async def _signed_in(base_url: str) -> WorkbenchSession:
    session = WorkbenchSession(ManualClock(NOW), base_url)
    assert session.api is not None
    out = await session.call(lambda api: api.login("huixing.center", SAMPLE_PASSWORD))
    session.begin(out.operator, await session.call(lambda api: api.units()))
    return session


@pytest.mark.anyio
async def test_signed_in_it_answers_the_rules_and_calls_the_server(tui_server) -> None:  # type: ignore[no-untyped-def]
    went: list[bool] = []
    session = await _signed_in(tui_server.base_url)
    session.on_online = lambda online, detail="": went.append(online)
    assert session.operator is not None and session.operator.role is Role.clerk
    assert session.unit_tree is not None and session.operator.unit.id in session.units
    here = session.operator.unit
    assert session.unit_label(here.id, lambda tier: tier.upper()) == f"{here.name} ({here.tier.upper()})"
    counts = await session.refresh_counts()
    assert counts is not None and session.counts == counts and not session.counts_told
    page = await session.call(lambda api: api.matters(Queue.all, limit=50))
    for row in page.items:
        if row.status is Status.pending and row.holder_unit.id == here.id:
            assert Action.claim in session.allowed_for(row)
    await session.refresh_rules()
    assert went and all(went)
    expired: list[bool] = []
    session.on_expired = lambda: expired.append(True)
    assert session.api is not None
    session.api.token = "not-a-token"
    with pytest.raises(ApiError):
        await session.call(lambda api: api.me())
    assert expired == [True]
    assert session.end() is not None and session.operator is None
    await session.api.aclose()


def test_units_make_the_tree() -> None:
    session = WorkbenchSession(ManualClock(NOW))
    session.set_units([unit(1, "区", Tier.district, UnitKind.government, None),
                       unit(2, "街道", Tier.town, UnitKind.service_center, 1)])
    assert session.unit_tree is not None and 2 in session.unit_tree and set(session.units) == {1, 2}
    assert session.unit_label(2) == "街道 (town)" and session.unit_label(3) == ""
