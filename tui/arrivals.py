"""Arrivals: matters that came to the operator's unit (recorded there at another window, escalated, assigned or
released to it) and that this operator has not opened yet.

A matter is *new* while it waits at the operator's unit (pending, held by it) and the operator has not opened
it since it arrived there. "Since it arrived" is the server's ``received_at``: a matter released back or
assigned again later arrives anew. What each operator has opened is kept on this machine, per server and
operator, in ``seen.json`` next to the login tokens (the user state dir), so a restart does not mark everything
new again. The first time an operator uses the workbench on a server, what already waits is taken as seen.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from huiyin.core.domain import Status
from huiyin.core.schemas import MatterSummary

#: per operator, at most this many opened matters are remembered (the oldest arrivals are forgotten first)
MAX_REMEMBERED = 2000


def arrival_key(matter: MatterSummary) -> str:
    """When the matter arrived at its holder (its recording time when it never moved)."""
    return (matter.received_at or matter.created_at).isoformat()


class SeenStore:
    """What one operator has opened: ``{number: arrival_key}``; ``path=None`` keeps it in memory only."""

    def __init__(self, path: Path | None, operator_key: str) -> None:
        self.path = path
        self.operator_key = operator_key
        data = self._read_all().get(operator_key)
        #: ``None`` until the first baseline: nothing was ever kept for this operator
        self.seen: dict[str, str] | None = dict(data) if isinstance(data, dict) else None

    def _read_all(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self) -> None:
        if self.path is None or self.seen is None:
            return
        if len(self.seen) > MAX_REMEMBERED:
            keep = sorted(self.seen.items(), key=lambda item: item[1])[-MAX_REMEMBERED:]
            self.seen = dict(keep)
        data = self._read_all()
        data[self.operator_key] = self.seen
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:  # a read-only state dir: the markers just do not survive a restart
            pass

    @property
    def has_baseline(self) -> bool:
        return self.seen is not None

    def baseline(self, matters: list[MatterSummary]) -> None:
        """The first run for this operator: what waits already is not news."""
        self.seen = {m.number: arrival_key(m) for m in matters}
        self._save()

    def mark(self, *matters: MatterSummary) -> None:
        if self.seen is None:
            self.seen = {}
        changed = False
        for matter in matters:
            key = arrival_key(matter)
            if self.seen.get(matter.number) != key:
                self.seen[matter.number] = key
                changed = True
        if changed:
            self._save()

    def is_seen(self, matter: MatterSummary) -> bool:
        return self.seen is None or self.seen.get(matter.number) == arrival_key(matter)


def waiting_at(matter: MatterSummary, unit_id: int) -> bool:
    return matter.status is Status.pending and matter.holder_unit.id == unit_id


class Arrivals:
    """The new-arrival state of one operator: which rows carry the marker, which arrivals were announced."""

    def __init__(self, store: SeenStore, unit_id: int) -> None:
        self.store = store
        self.unit_id = unit_id
        self.announced: set[str] = set()

    def is_new(self, matter: MatterSummary) -> bool:
        return waiting_at(matter, self.unit_id) and not self.store.is_seen(matter)

    def update(self, waiting: list[MatterSummary]) -> list[MatterSummary]:
        """``waiting``: the unit's incoming queue as it is now. Returns the arrivals not announced before."""
        if not self.store.has_baseline:
            self.store.baseline(waiting)
        fresh = []
        for matter in waiting:
            key = f"{matter.number}@{arrival_key(matter)}"
            if self.is_new(matter) and key not in self.announced:
                self.announced.add(key)
                fresh.append(matter)
        return fresh

    def opened(self, matter: MatterSummary) -> None:
        self.store.mark(matter)
