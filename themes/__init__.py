"""huiyin.themes: the workbench's looks, as TOML files.

A theme file holds the fields of :class:`textual.theme.Theme` (``name``, ``primary``, ``background``, ``dark``
...) plus an optional ``[variables]`` table of Textual design variables. The workbench also reads three of its
own variables: ``urgency-on-track``, ``urgency-at-risk`` and ``urgency-overdue`` (colours of the countdowns and
the header's counts; the glyph ``+`` / ``!`` / ``X`` is always shown too, so urgency never depends on colour
alone). Every shipped theme defines all three; a user theme that leaves one out gets the workbench's default.

The shipped themes live next to this file; users drop more ``*.toml`` files in ``<config dir>/themes/``.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from importlib import resources
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "huiyin"
_THEME_FIELDS = {f.name for f in fields(Theme)}


class ThemeError(ValueError):
    pass


def theme_from_toml(text: str, source: str) -> Theme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{source}: not valid TOML: {exc}") from None
    unknown = set(data) - _THEME_FIELDS
    if unknown:
        raise ThemeError(f"{source}: unknown theme setting(s) {', '.join(sorted(unknown))}")
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise ThemeError(f"{source}: a theme needs at least `name` and `primary`")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f"{source}: [variables] must be a table")
    data["variables"] = {str(k): str(v) for k, v in variables.items()}
    try:
        return Theme(**data)
    except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
        raise ThemeError(f"{source}: {exc}") from None


def builtin_themes() -> list[Theme]:
    out = []
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append(theme_from_toml(entry.read_text(encoding="utf-8"), entry.name))
    return out


def user_themes(directory: Path) -> tuple[list[Theme], list[str]]:
    """Themes in ``directory`` and the problems found (one line per bad file); never raises."""
    themes: list[Theme] = []
    problems: list[str] = []
    if not directory.is_dir():
        return themes, problems
    for path in sorted(directory.glob("*.toml")):
        try:
            themes.append(theme_from_toml(path.read_text(encoding="utf-8"), str(path)))
        except (OSError, UnicodeDecodeError, ThemeError) as exc:
            problems.append(str(exc))
    return themes, problems
