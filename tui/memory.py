"""What the workbench remembers between runs on this computer: one JSON file in the platformdirs state dir.

* the last operator per server (to preselect on the sign-in screen), always;
* a login token, only for an operator who chose "keep me signed in on this computer" on the sign-in screen.
  Without it, launching the workbench shows the sign-in screen: on a counter PC shared by shifts nobody acts
  as the one who signed in before.

The file is readable by its owner only: it is created with mode 0600 (never a moment with wider rights) in a
directory made 0700. Expiry is checked against the injected clock.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from huiyin.core.clock import Clock

FILE_MODE = 0o600
DIR_MODE = 0o700


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
        directory = self.path.parent
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(directory, DIR_MODE)
        # mkstemp creates the file 0600 with O_EXCL: no moment where another user could read it
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def save(self, server: str, username: str, token: str, expires_at: datetime, *, keep: bool = False) -> None:
        """Remember ``username`` as the last one; keep the token only when the operator asked (``keep``)."""
        data = self._read()
        entry = data.setdefault("servers", {}).setdefault(server, {})
        if keep:
            entry[username] = {"token": token, "expires_at": expires_at.isoformat()}
        else:
            entry.pop(username, None)
        entry["_last"] = username
        self._write(data)

    def last_username(self, server: str) -> str | None:
        last = self._read().get("servers", {}).get(server, {}).get("_last")
        return last if isinstance(last, str) else None

    def token(self, server: str, username: str | None = None) -> tuple[str, str] | None:
        """``(username, token)`` kept and still valid for ``server`` (the last operator's when no username)."""
        entry = self._read().get("servers", {}).get(server, {})
        username = username or entry.get("_last")
        found = entry.get(username) if isinstance(username, str) and username != "_last" else None
        if not isinstance(found, dict) or not found.get("token"):
            return None
        try:
            expires = datetime.fromisoformat(found["expires_at"])
        except (KeyError, TypeError, ValueError):
            return None
        if expires <= self.clock.now():
            return None
        return username, str(found["token"])

    def forget(self, server: str, username: str) -> None:
        """Forget ``username``'s token (signed out or expired); the username stays preselected."""
        data = self._read()
        entry = data.get("servers", {}).get(server, {})
        if username in entry:
            del entry[username]
            self._write(data)
