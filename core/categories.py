"""The kinds of matters: a district's category tree, as data (issue 19).

A category has a stable ``code`` (letters, digits and dots, e.g. ``roads.lights``; it is the Open311
``service_code``, never reused: a category is deactivated, never deleted), names in zh-CN and en, an optional
description and keywords, the default deadline (working days) of a simple matter of that kind, an optional default
handling unit (by name, a hint), and ``active``.

The tree has **two levels**: a top-level kind (no parent) and its leaves, whose parent is a top-level kind. One
category, ``unclassified``, takes what fits nowhere (today's free text that matches no name or keyword).

* :func:`code_problem`, :data:`CATEGORY_BOUNDS`: the shape of a code and the range of a default deadline.
* :class:`CategoryTree`: a whole tree validated at once (unique codes, parents that exist and are top-level, no
  cycle); :meth:`CategoryTree.ordered` lists each kind followed by its leaves.
* :func:`initials`, :func:`search_terms`, :func:`matches`: the normalised search the record form types into
  (the Chinese name, the English name, the code, keywords, and the pinyin initials: ``ld`` finds 路灯).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from .deadlines import POLICY_BOUNDS, DeadlinePolicy

#: the code of the category that takes what fits nowhere else (a top-level kind of its own)
UNCLASSIFIED = "unclassified"

#: the longest code; the longest name (either language), keyword, description
CODE_LENGTH = 32
NAME_LENGTH = 40
KEYWORD_LENGTH = 40
KEYWORDS = 20
DESCRIPTION_LENGTH = 400

#: a category's default deadline when none is given: the policy's simple matter
DEFAULT_DEADLINE_DAYS = DeadlinePolicy().simple_days

#: letters, digits and dots; no leading, trailing or doubled dot
CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$")

#: the range each number of a category may take, both ends included (the style of ``POLICY_BOUNDS``): the default
#: deadline is a simple matter's deadline, so it takes the policy's range for ``simple_days``
CATEGORY_BOUNDS: Mapping[str, tuple[int, int]] = MappingProxyType({"deadline_days": POLICY_BOUNDS["simple_days"]})

#: how many levels the tree has: a top-level kind and its leaves
LEVELS = 2


class CategoryTreeError(ValueError):
    """A category tree that breaks a rule; ``code`` is the stable reason, ``subject`` the category at fault."""

    def __init__(self, code: str, subject: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.subject = subject


def code_problem(code: str) -> str | None:
    """Why a category code is refused (``empty``, ``too_long``, ``bad_characters``), or ``None``."""
    if not code:
        return "empty"
    if len(code) > CODE_LENGTH:
        return "too_long"
    if not CODE_RE.match(code):
        return "bad_characters"
    return None


def deadline_problem(days: int) -> str | None:
    """Why a default deadline is refused (``out_of_range``), or ``None``."""
    low, high = CATEGORY_BOUNDS["deadline_days"]
    return None if low <= days <= high else "out_of_range"


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    """One category as the rules see it (the server stores more: who changed it and when, in the audit)."""

    code: str
    name_zh: str
    name_en: str
    parent: str | None = None
    deadline_days: int = DEFAULT_DEADLINE_DAYS
    keywords: tuple[str, ...] = ()
    description: str = ""
    #: the name of the unit that usually handles it (a hint for assigning), or ``None``
    default_unit: str | None = None
    active: bool = True
    #: the normalised words the search looks in (computed from the fields above)
    terms: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", search_terms(self))

    @property
    def top_level(self) -> bool:
        return self.parent is None


def normalise(text: str) -> str:
    """Lower case, full-width folded to half-width (NFKC), no spaces: what a search compares."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """The pinyin initials of the Chinese characters in ``text`` (``路灯`` → ``ld``); other characters are left out.
    Polyphonic characters take pypinyin's reading in context (``银行`` → ``yh``)."""
    from pypinyin import Style, lazy_pinyin  # imported on first use: its dictionaries take a moment to load

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(letters).lower()


def search_terms(info: CategoryInfo) -> tuple[str, ...]:
    """Every normalised word a search may match: the code, both names, the keywords, and the pinyin initials of
    the Chinese name and keywords."""
    words = [info.code, info.name_zh, info.name_en, *info.keywords]
    chinese = [info.name_zh, *info.keywords]
    terms = [normalise(w) for w in words] + [initials(w) for w in chinese]
    return tuple(dict.fromkeys(t for t in terms if t))


def matches(info: CategoryInfo, query: str) -> bool:
    """Whether a typed query finds the category: every word of the query is part of one of its terms."""
    words = [normalise(w) for w in query.split()]
    return all(any(w in term for term in info.terms) for w in words if w)


def search(categories: Iterable[CategoryInfo], query: str) -> list[CategoryInfo]:
    """The categories a typed query finds, in the order given, those whose code, name or initials *start* with
    the query first."""
    found = [c for c in categories if matches(c, query)]
    head = normalise(query)
    return sorted(found, key=lambda c: not any(t.startswith(head) for t in c.terms))


class CategoryTree:
    """A whole category tree, checked: every code well formed and unique, every parent present and top-level
    (two levels, so no cycle), every default deadline in range. Raises :class:`CategoryTreeError`."""

    def __init__(self, categories: Iterable[CategoryInfo]) -> None:
        by_code: dict[str, CategoryInfo] = {}
        for info in categories:
            problem = code_problem(info.code)
            if problem:
                raise CategoryTreeError("invalid_code", info.code, f"{info.code!r} is not a category code ({problem}): "
                                        f"letters, digits and dots, at most {CODE_LENGTH} characters")
            if info.code in by_code:
                raise CategoryTreeError("category_code_taken", info.code, f"the code {info.code!r} is used twice")
            if not info.name_zh.strip() or not info.name_en.strip():
                raise CategoryTreeError("invalid_name", info.code, f"{info.code} needs a name in zh-CN and in en")
            if deadline_problem(info.deadline_days):
                low, high = CATEGORY_BOUNDS["deadline_days"]
                raise CategoryTreeError("invalid_deadline", info.code,
                                        f"{info.code}: a default deadline is {low} to {high} working days")
            by_code[info.code] = info
        for info in by_code.values():
            self._check_parent(info, by_code)
        self._by_code = by_code

    @staticmethod
    def _check_parent(info: CategoryInfo, by_code: Mapping[str, CategoryInfo]) -> None:
        seen = {info.code}
        parent = info.parent
        depth = 1
        while parent is not None:
            if parent in seen:
                raise CategoryTreeError("category_cycle", info.code, f"{info.code} would be its own ancestor")
            above = by_code.get(parent)
            if above is None:
                raise CategoryTreeError("bad_parent", info.code, f"{info.code}: there is no category {parent!r}")
            seen.add(parent)
            depth += 1
            parent = above.parent
        if depth > LEVELS:
            raise CategoryTreeError("bad_parent", info.code,
                                    f"{info.code}: its parent {info.parent} is not a top-level kind "
                                    f"(the tree has {LEVELS} levels)")

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> CategoryInfo | None:
        return self._by_code.get(code)

    def children(self, code: str) -> list[CategoryInfo]:
        return sorted((c for c in self._by_code.values() if c.parent == code), key=lambda c: c.code)

    def ordered(self) -> list[CategoryInfo]:
        """Each top-level kind (by code) followed by its leaves (by code)."""
        out: list[CategoryInfo] = []
        for top in sorted((c for c in self._by_code.values() if c.parent is None), key=lambda c: c.code):
            out.append(top)
            out.extend(self.children(top.code))
        return out

    def top_of(self, code: str) -> str | None:
        """The top-level kind a category belongs to (itself when it is one), or ``None`` for an unknown code."""
        info = self._by_code.get(code)
        if info is None:
            return None
        return info.parent or info.code


class CategoryFileError(ValueError):
    """An import file that cannot be read as a category tree; the message names the entry and the problem."""


def check_import(existing: Iterable[CategoryInfo], entries: Sequence[Mapping[str, Any]]) -> None:
    """Whether an import file's entries (as ``huiyin.server.district.categories.read_file`` reads them) fit the tree
    there is: no code twice in the file, and the tree after the import is a tree (core's rules). Raises
    :class:`CategoryFileError`; writes nothing (the command line checks a file with it before it sends anything to
    a server)."""
    codes = [str(e["code"]) for e in entries]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise CategoryFileError(f"the file names a code more than once: {', '.join(twice)}")
    merged = {info.code: info for info in existing}
    for e in entries:
        old = merged.get(e["code"])
        merged[e["code"]] = CategoryInfo(e["code"], e["name_zh"], e["name_en"], parent=e["parent"],
                                         deadline_days=e["deadline_days"], keywords=tuple(e["keywords"]),
                                         description=e["description"], active=old.active if old else True)
    try:
        CategoryTree(merged.values())
    except CategoryTreeError as exc:
        raise CategoryFileError(str(exc)) from None
