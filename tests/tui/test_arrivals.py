"""The seen-arrivals store on its own: per operator, surviving a restart, robust to a damaged file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from huiyin.core.domain import Channel, Complexity, Status, Tier
from huiyin.core.schemas import MatterSummary, UnitRef
from huiyin.tui.arrivals import Arrivals, SeenStore

UNIT = UnitRef(id=7, name="双湖路社区便民服务站", tier=Tier.village)
OTHER = UnitRef(id=8, name="回兴街道便民服务中心", tier=Tier.town)
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def matter(number: str, *, holder: UnitRef = UNIT, status: Status = Status.pending,
           received: datetime = T0) -> MatterSummary:
    return MatterSummary(number=number, title="t", status=status, channel=Channel.walk_in,
                         complexity=Complexity.simple, origin_unit=UNIT, holder_unit=holder, created_at=T0,
                         updated_at=received, due_at=T0 + timedelta(days=3), received_at=received, version=1)


def test_first_run_is_a_baseline_then_arrivals_are_new_until_opened(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    arrivals = Arrivals(SeenStore(path, "srv|shuanghu"), UNIT.id)
    old = matter("YB-1")
    assert arrivals.update([old]) == [] and not arrivals.is_new(old)
    new = matter("YB-2")
    assert arrivals.update([old, new]) == [new] and arrivals.is_new(new)
    assert arrivals.update([old, new]) == []  # announced once
    assert not arrivals.is_new(matter("YB-3", holder=OTHER))  # not at my unit: never "new"
    assert not arrivals.is_new(matter("YB-4", status=Status.in_progress))
    arrivals.opened(new)
    assert not arrivals.is_new(new)
    # the same matter arriving again later (released back) is new again
    assert arrivals.is_new(matter("YB-2", received=T0 + timedelta(hours=2)))
    # a restart: the same operator remembers, another operator starts from a baseline of their own
    again = Arrivals(SeenStore(path, "srv|shuanghu"), UNIT.id)
    assert not again.is_new(new) and again.store.has_baseline
    assert not SeenStore(path, "srv|baoshenghu").has_baseline


def test_a_damaged_or_unwritable_file_is_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    path.write_text("{not json", encoding="utf-8")
    store = SeenStore(path, "srv|shuanghu")
    assert not store.has_baseline
    store.baseline([matter("YB-1")])
    assert SeenStore(path, "srv|shuanghu").is_seen(matter("YB-1"))
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    store = SeenStore(blocked / "seen.json", "srv|shuanghu")  # its directory is a file: cannot be written
    store.mark(matter("YB-1"))
    assert store.is_seen(matter("YB-1"))  # kept in memory for this run
