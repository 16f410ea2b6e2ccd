"""The workbench's config file and its directories (platformdirs, like Harlequin and Posting).

``config.toml`` in the user config dir::

    server = "http://10.0.0.5:8000"   # leave out to run the embedded server
    language = "zh-CN"                # or "en"
    theme = "huiyin-light"
    [keymap]                          # binding id = keys (see the help screen, `?`, for the ids)
    claim = "k"

A bad file is reported with its path and line; it never starts the workbench half-configured.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "huiyin"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    env = os.environ.get("HUIYIN_CONFIG")
    return Path(env) if env else config_dir() / "config.toml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


class ConfigError(Exception):
    """A config file that cannot be used; ``str()`` names the file and the line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass
class Config:
    path: Path | None = None
    server: str | None = None
    language: str | None = None
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)


_KNOWN = {"server", "language", "theme", "keymap"}


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^[ \t]*(\[[ \t]*{re.escape(key)}[ \t]*\]|\"?{re.escape(key)}\"?[ \t]*=)", re.MULTILINE)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(path, int(match.group(1)) if match else None, f"not valid TOML: {message}") from None
    config = Config(path=path)
    for key, value in data.items():
        if key not in _KNOWN:
            raise ConfigError(path, _line_of(text, key),
                              f"unknown setting {key!r} (known: {', '.join(sorted(_KNOWN))})")
        if key == "keymap":
            if not isinstance(value, dict):
                raise ConfigError(path, _line_of(text, key), "keymap must be a table: [keymap]")
            for binding_id, keys in value.items():
                if not isinstance(keys, str) or not keys.strip():
                    raise ConfigError(path, _line_of(text, binding_id),
                                      f"keymap.{binding_id} must be a text of keys such as \"ctrl+k\"")
            config.keymap = {str(k): str(v) for k, v in value.items()}
            continue
        if not isinstance(value, str):
            raise ConfigError(path, _line_of(text, key), f"{key} must be text in quotes")
        setattr(config, key, value.strip() or None)
    if config.server and not re.match(r"^https?://", config.server):
        raise ConfigError(path, _line_of(text, "server"), "server must start with http:// or https://")
    return config


def load_config(path: Path | None = None) -> Config:
    """The config at ``path`` (default: the user config file); an empty config when there is no file."""
    path = path or default_config_path()
    if not path.exists():
        return Config(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read it: {exc}") from None
    return parse_config(text, path)
