"""Server settings, from the environment (``HUIYIN_*``) with command-line overrides.

The same settings drive ``huiyin serve`` and the workbench's built-in server (``embedded.py``); the limits
against slow or abusive clients are described in README ("Limits") and enforced by ``guard.py`` (bodies,
headers of responses), ``serving/run.py`` (connections, slow headers) and ``state/throttle.py`` (logins).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

APP_NAME = "huiyin"


def default_database_url() -> str:
    folder = Path(user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{folder / 'huiyin.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    #: how long a login token is valid
    token_ttl: timedelta = timedelta(hours=12)
    #: how often the live feed's reader looks for events nobody told it of (a backstop: writes of this process
    #: and, on PostgreSQL, of every process wake it at once)
    event_poll_seconds: float = 2.0
    #: keep-alive comment interval on the live feed
    event_ping_seconds: float = 15.0
    #: how often the supervisor looks for matters turning at risk or overdue (by the injected clock)
    supervise_seconds: float = 5.0

    # --- limits (README "Limits") ---
    #: the largest request body taken (a calendar file is a few KiB, a matter 3 KiB); more is 413
    max_body_bytes: int = 1024 * 1024
    #: a request's body must arrive within this many seconds of its headers (else 408)
    body_timeout_seconds: float = 30.0
    #: a connection must send a request's headers within this many seconds (else 408 and closed)
    header_timeout_seconds: float = 10.0
    #: the longest request head (request line and headers) taken; more is 400
    max_header_bytes: int = 16 * 1024
    #: connections kept open at once (also capped by the open-file limit); see serving/run.py for who gives way
    max_connections: int = 2000
    #: an idle kept-alive connection is closed after this many seconds
    keep_alive_seconds: float = 5.0
    #: failed logins of one account within ``login_window`` before it answers 429 until the window passes
    login_failures_per_account: int = 5
    #: failed logins from one address (any accounts) within ``login_window`` before 429
    login_failures_per_address: int = 20
    login_window: timedelta = timedelta(minutes=15)
    #: password checks (argon2, 64 MiB each) running at once; more logins wait their turn
    max_password_hashes: int = 2

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        url = database_url or os.environ.get("HUIYIN_DATABASE_URL") or default_database_url()
        kwargs: dict[str, Any] = {}
        ttl = _number("HUIYIN_TOKEN_TTL_HOURS", float, "a number of hours")
        if ttl is not None:
            kwargs["token_ttl"] = timedelta(hours=ttl)
        for name, kind, text in ENV_NUMBERS:
            value = _number(f"HUIYIN_{name.upper()}", kind, text)
            if value is not None:
                kwargs[name] = value
        window = _number("HUIYIN_LOGIN_WINDOW_SECONDS", float, "a number of seconds")
        if window is not None:
            kwargs["login_window"] = timedelta(seconds=window)
        return cls(database_url=url, **kwargs)


#: settings read from ``HUIYIN_<NAME>``: (field, type, what it must be)
ENV_NUMBERS: tuple[tuple[str, type[float] | type[int], str], ...] = (
    ("supervise_seconds", float, "a number"),
    ("event_poll_seconds", float, "a number of seconds"),
    ("max_body_bytes", int, "a whole number of bytes"),
    ("body_timeout_seconds", float, "a number of seconds"),
    ("header_timeout_seconds", float, "a number of seconds"),
    ("max_header_bytes", int, "a whole number of bytes"),
    ("max_connections", int, "a whole number"),
    ("keep_alive_seconds", float, "a number of seconds"),
    ("login_failures_per_account", int, "a whole number"),
    ("login_failures_per_address", int, "a whole number"),
    ("max_password_hashes", int, "a whole number"),
)


def _number(variable: str, kind: type[float] | type[int], text: str) -> float | int | None:
    raw = os.environ.get(variable)
    if not raw:
        return None
    try:
        value: float | int = kind(raw)
    except ValueError as exc:
        raise ValueError(f"{variable} must be {text}, not {raw!r}") from exc
    if value <= 0:
        raise ValueError(f"{variable} must be positive")
    return value
