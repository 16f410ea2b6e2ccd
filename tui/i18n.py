"""Message catalogs: every string a person reads in the workbench comes from ``locales/<lang>.toml``.

Keys are dotted paths into the TOML tables (``queue.incoming``, ``status.pending``, ``error.phone_format``).
Enum values of :mod:`huiyin.core.domain` are used as the last part of keys, so a status or action label is
``t(f"status.{status}")``. Data (unit names, titles) is never translated.
"""

from __future__ import annotations

import locale
import os
import tomllib
from importlib import resources
from typing import Any

LANGUAGES: tuple[str, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


def load_catalog(lang: str) -> dict[str, str]:
    """``locales/<lang>.toml`` merged with every ``locales/<area>/<lang>.toml`` (one file per part of the
    workbench: the admin console, the report, the demo ...). A key defined in two files is a mistake."""
    root = resources.files("huiyin.tui").joinpath("locales")
    out = _flatten(tomllib.loads(root.joinpath(f"{lang}.toml").read_text(encoding="utf-8")))
    for area in sorted((entry for entry in root.iterdir() if entry.is_dir()), key=lambda entry: entry.name):
        part = area.joinpath(f"{lang}.toml")
        if not part.is_file():
            continue
        table = _flatten(tomllib.loads(part.read_text(encoding="utf-8")))
        clash = sorted(set(table) & set(out))
        if clash:
            raise ValueError(f"locales/{area.name}/{lang}.toml defines keys already defined: {', '.join(clash)}")
        out.update(table)
    return out


class Catalog:
    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.messages = load_catalog(lang)
        self.fallback = load_catalog("en") if lang != "en" else self.messages

    def __call__(self, key: str, **values: Any) -> str:
        text = self.messages.get(key)
        if text is None:
            text = self.fallback.get(key, key)
        if values:
            try:
                return text.format(**values)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    def has(self, key: str) -> bool:
        return key in self.messages


_current = Catalog(DEFAULT_LANGUAGE)


def set_language(lang: str) -> Catalog:
    global _current
    _current = Catalog(normalize_language(lang) or DEFAULT_LANGUAGE)
    return _current


def current() -> Catalog:
    return _current


def t(key: str, **values: Any) -> str:
    """The current language's text for ``key``."""
    return _current(key, **values)


def normalize_language(value: str | None) -> str | None:
    """``zh_CN.UTF-8`` → ``zh-CN``, ``en_US`` → ``en``; ``None`` for anything else."""
    if not value:
        return None
    v = value.split(".")[0].replace("_", "-").lower()
    if v.startswith("zh"):
        return "zh-CN"
    if v.startswith("en") or v in ("c", "posix"):
        return "en"
    return None


def system_language() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        found = normalize_language(os.environ.get(var))
        if found:
            return found
    try:
        return normalize_language(locale.getlocale()[0])
    except ValueError:  # pragma: no cover - odd locales
        return None


def choose_language(cli: str | None, config: str | None) -> str:
    """``--lang`` first, then the config file, then the locale, then Chinese."""
    for candidate in (cli, config):
        found = normalize_language(candidate)
        if found:
            return found
    return system_language() or DEFAULT_LANGUAGE


def tn(key: str, count: int, **values: Any) -> str:
    """A text with a count: ``key.one`` for exactly one when the catalog has it, else ``key.other``."""
    if count == 1 and _current.has(f"{key}.one"):
        return t(f"{key}.one", count=count, **values)
    return t(f"{key}.other", count=count, **values)


def refusal_text(code: str, message: str, **values: Any) -> str:
    """A server refusal in the catalog's words, by its stable ``code`` (``refusal.wrong_status`` ...); the
    server's own message when the catalog does not know the code (a newer server)."""
    key = f"refusal.{code}"
    return t(key, **values) if _current.has(key) else (message or code)
