"""Server settings, from the environment (``HUIYIN_*``) with command-line overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

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
    #: how often a live-feed connection looks for events another process wrote
    event_poll_seconds: float = 0.5
    #: keep-alive comment interval on the live feed
    event_ping_seconds: float = 15.0
    #: how often the supervisor looks for matters turning at risk or overdue (by the injected clock)
    supervise_seconds: float = 5.0

    @classmethod
    def from_env(cls, database_url: str | None = None) -> "Settings":
        url = database_url or os.environ.get("HUIYIN_DATABASE_URL") or default_database_url()
        ttl = os.environ.get("HUIYIN_TOKEN_TTL_HOURS")
        kwargs: dict = {}
        if ttl:
            try:
                hours = float(ttl)
            except ValueError as exc:
                raise ValueError(f"HUIYIN_TOKEN_TTL_HOURS must be a number of hours, not {ttl!r}") from exc
            if hours <= 0:
                raise ValueError("HUIYIN_TOKEN_TTL_HOURS must be positive")
            kwargs["token_ttl"] = timedelta(hours=hours)
        supervise = os.environ.get("HUIYIN_SUPERVISE_SECONDS")
        if supervise:
            try:
                kwargs["supervise_seconds"] = float(supervise)
            except ValueError as exc:
                raise ValueError(f"HUIYIN_SUPERVISE_SECONDS must be a number, not {supervise!r}") from exc
        return cls(database_url=url, **kwargs)
