"""Login tokens kept between runs: one JSON file in the platformdirs state dir, mode 0600.

Tokens are stored per server and username, so switching between sample operators reuses each one's token
until it expires (the expiry is checked against the injected clock).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from huiyin.core.clock import Clock


class TokenStore:
    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def save(self, server: str, username: str, token: str, expires_at: datetime) -> None:
        data = self._read()
        servers = data.setdefault("servers", {})
        entry = servers.setdefault(server, {})
        entry[username] = {"token": token, "expires_at": expires_at.isoformat()}
        entry["_last"] = username
        self._write(data)

    def last_username(self, server: str) -> str | None:
        last = self._read().get("servers", {}).get(server, {}).get("_last")
        return last if isinstance(last, str) else None

    def token(self, server: str, username: str | None = None) -> tuple[str, str] | None:
        """``(username, token)`` still valid for ``server`` (the last one used when no username is given)."""
        entry = self._read().get("servers", {}).get(server, {})
        username = username or entry.get("_last")
        found = entry.get(username) if isinstance(username, str) else None
        if not isinstance(found, dict):
            return None
        try:
            expires = datetime.fromisoformat(found["expires_at"])
        except (KeyError, TypeError, ValueError):
            return None
        if expires <= self.clock.now():
            return None
        return username, str(found.get("token", ""))

    def forget(self, server: str, username: str) -> None:
        data = self._read()
        entry = data.get("servers", {}).get(server, {})
        if username in entry:
            del entry[username]
            self._write(data)
