"""Scenario files: parse and check a trainer demo script (TOML) before anything runs.

The format is in docs/demo.md. Every mistake is reported with the file, the step (or matter) and the field:
an unknown operator, unit, key or action, a step with nothing to do, a bad time or duration, an unknown
field. :func:`load` raises :class:`ScenarioError` listing all of them; nothing is played then.

What the district has (operators, units) comes from the caller (:class:`District`): the sample district's
(via :mod:`huiyin.tui.embedded`) or the file's own ``[[unit]]`` and ``[[operator]]`` tables.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from textual.keys import Keys

from huiyin.core.calendar import WorkdayCalendar
from huiyin.core.deadlines import WorkCalendar
from huiyin.core.domain import Action, Channel, Complexity, LinkKind, Queue, Role, Status, Tier
from huiyin.core.workflow import RULES

from ..actions import BY_NAME

#: the fields of a recorded matter (``huiyin.core.schemas.MatterIn``)
MATTER_FIELDS = ("title", "description", "category", "channel", "complexity", "resident_name", "resident_phone",
                 "address")
SCENARIO_KEYS = {"name", "title", "title_en", "start", "district", "speed", "description", "description_en"}
STEP_KEYS = {"operator", "caption", "caption_en", "action", "matter", "fields", "keys", "text", "hold", "clock",
             "expect"}
EXPECT_KEYS = {"matter", "status", "holder", "claimed_by", "timeline", "queue", "count", "operator"}
MATTER_KEYS = {"key", "operator", "at", *MATTER_FIELDS}
UNIT_KEYS = {"name", "tier", "kind", "parent", "code"}
OPERATOR_KEYS = {"username", "display_name", "role", "unit", "password"}
#: how long a step stays on screen when it does not say (seconds, at speed 1)
DEFAULT_HOLD = 5.0
#: a matter's timeline entries that the server's supervision writes by itself: not counted by ``timeline``
SUPERVISION_KINDS = frozenset({"at_risk", "overdue", "claim_overdue"})
#: the district's time zone (the deadline policy's default)
CST = timezone(timedelta(hours=8))


class ScenarioError(Exception):
    """A scenario file that cannot be played; ``problems`` lists each mistake with its place."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


@dataclass(frozen=True)
class OperatorInfo:
    username: str
    display_name: str
    role: str
    unit: str
    password: str = "huiyin-sample"


@dataclass(frozen=True)
class District:
    """What a scenario may name: the district's operators (by username) and units (name → tier)."""

    operators: dict[str, OperatorInfo]
    units: dict[str, str]
    #: ``sample``: the sample district; ``own``: the file's own units and operators
    kind: str = "sample"
    #: the file's own ``[[unit]]`` and ``[[operator]]`` tables, for the sandbox server to create
    unit_specs: tuple[dict[str, Any], ...] = ()
    operator_specs: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ClockMove:
    """``+2h``, ``+1h30m``, ``+1 workday``, or a time (``2026-12-03T09:00``, in the start's offset if none)."""

    text: str
    delta: timedelta | None = None
    workdays: int = 0
    to: datetime | None = None

    def target(self, now: datetime, calendar: WorkCalendar | None = None) -> datetime:
        if self.to is not None:
            return max(self.to, now)
        if self.delta is not None:
            return now + self.delta
        calendar = calendar or WorkdayCalendar()
        local = now.astimezone(CST)
        day, left = local.date(), self.workdays
        while left > 0:
            day += timedelta(days=1)
            if calendar.is_workday(day):
                left -= 1
        return datetime.combine(day, local.timetz())


@dataclass(frozen=True)
class Expectation:
    where: str
    matter: str | None = None
    status: str | None = None
    holder: str | None = None
    claimed_by: str | None = None
    timeline: int | None = None
    queue: str | None = None
    count: int | None = None
    operator: str | None = None


@dataclass(frozen=True)
class Step:
    index: int  # 1-based
    operator: str
    caption: str = ""
    caption_en: str = ""
    action: str | None = None
    matter: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = ()
    text: str = ""
    hold: float = DEFAULT_HOLD
    clock: ClockMove | None = None
    expect: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class StartMatter:
    key: str
    operator: str
    at: datetime
    fields: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    path: str
    name: str
    title: str
    title_en: str
    start: datetime
    speed: float
    district: District
    matters: tuple[StartMatter, ...]
    steps: tuple[Step, ...]
    description: str = ""
    description_en: str = ""

    def operator(self, username: str) -> OperatorInfo:
        return self.district.operators[username]


_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?!s))?"
                       r"\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*(?:(\d+)\s*ms)?\s*$")
_WORKDAYS = re.compile(r"^\+\s*(\d+)\s*workdays?$")


def parse_duration(text: str) -> timedelta:
    """``3s``, ``1.5s``, ``500ms``, ``2h``, ``1h30m``, ``1d`` → a timedelta (ValueError otherwise)."""
    m = _DURATION.match(text)
    if not text.strip() or m is None or not any(m.groups()):
        raise ValueError(f"not a duration: {text!r} (e.g. 3s, 500ms, 2h, 1h30m, 1d)")
    d, h, mi, s, ms = (float(g) if g else 0.0 for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=s, milliseconds=ms)


def parse_time(text: str, offset: timezone | None = None) -> datetime:
    """An ISO 8601 time; without an offset it is in ``offset`` (the scenario's start's), else refused."""
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"not an ISO 8601 time: {text!r} (e.g. 2026-11-26T10:00+08:00)") from None
    if when.tzinfo is None:
        if offset is None:
            raise ValueError(f"the time needs an offset: {text}+08:00")
        when = when.replace(tzinfo=offset)
    return when


def parse_clock_move(text: str, offset: timezone) -> ClockMove:
    text = text.strip()
    m = _WORKDAYS.match(text)
    if m:
        return ClockMove(text, workdays=int(m.group(1)))
    if text.startswith("+"):
        return ClockMove(text, delta=parse_duration(text[1:]))
    try:
        return ClockMove(text, to=parse_time(text, offset))
    except ValueError:
        raise ValueError(f"not a clock move: {text!r} (e.g. +2h, +30m, +1 workday, 2026-12-03T09:00)") from None


def known_key(key: str) -> bool:
    """A key Textual can press: one character, a key name (``enter``, ``right``, ``ctrl+s``), or ``space``."""
    if len(key) == 1:
        return key.isprintable()
    names = {k.value for k in Keys} | {"space", "slash", "question_mark", "plus", "minus", "full_stop", "comma"}
    if key in names:
        return True
    if "+" in key:
        *mods, last = key.split("+")
        return bool(last) and all(m in ("ctrl", "shift", "alt") for m in mods) and (
            len(last) == 1 or last in names)
    return False


#: named actions a step may run: every registered action (``huiyin.tui.actions.BY_NAME``)
def action_names() -> set[str]:
    return set(BY_NAME)


def load(path: str | Path, district_for: Callable[[], District] | None = None) -> Scenario:
    """Read and check a scenario file. ``district_for()`` gives the sample :class:`District` (by default the
    sample district's, from :func:`huiyin.tui.embedded.sample_people`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), [f"cannot read it: {exc.strerror or exc}"]) from None
    return parse(text, str(path), district_for)


def parse(text: str, path: str = "<scenario>", district_for: Callable[[], District] | None = None) -> Scenario:
    if district_for is None:
        district_for = sample_district
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, [f"not valid TOML: {exc}"]) from None
    return _Checker(path, data, district_for).scenario()


class _Checker:
    def __init__(self, path: str, data: dict[str, Any], district_for: Callable[[], District]) -> None:
        self.path = path
        self.data = data
        self.problems: list[str] = []
        self.district_for = district_for

    def bad(self, where: str, field_name: str | None, message: str) -> None:
        self.problems.append(f"{where}" + (f", field '{field_name}'" if field_name else "") + f": {message}")

    def unknown(self, where: str, table: dict[str, Any], allowed: set[str]) -> None:
        for name in sorted(set(table) - allowed):
            self.bad(where, name, f"unknown field (known: {', '.join(sorted(allowed))})")

    def scenario(self) -> Scenario:
        data = self.data
        head = data.get("scenario")
        allowed_top = {"scenario", "matter", "step", "unit", "operator"}
        for name in sorted(set(data) - allowed_top):
            self.bad("file", name, f"unknown table (known: {', '.join(sorted(allowed_top))})")
        if not isinstance(head, dict):
            self.bad("[scenario]", None, "missing: the scenario needs a [scenario] table with name and start")
            head = {}
        self.unknown("[scenario]", head, SCENARIO_KEYS)
        name = str(head.get("name") or Path(self.path).stem)
        start = datetime(2026, 11, 26, 9, 0, tzinfo=CST)
        if "start" not in head:
            self.bad("[scenario]", "start", "missing: when the scenario begins, e.g. 2026-11-26T09:00+08:00")
        else:
            try:
                start = parse_time(str(head["start"]))
            except ValueError as exc:
                self.bad("[scenario]", "start", str(exc))
        offset = start.tzinfo if isinstance(start.tzinfo, timezone) else CST
        speed = head.get("speed", 1)
        if not isinstance(speed, (int, float)) or not 0 < speed <= 1000:
            self.bad("[scenario]", "speed", f"must be a number above 0 and at most 1000, not {speed!r}")
            speed = 1
        district = self.district(head)
        matters = self.matters(district, start, offset)
        steps = self.steps(district, offset, {m.key for m in matters})
        if not steps and not self.problems:
            self.bad("file", "step", "the scenario has no [[step]]")
        if self.problems:
            raise ScenarioError(self.path, self.problems)
        return Scenario(self.path, name, str(head.get("title") or name), str(head.get("title_en") or ""), start,
                        float(speed), district, tuple(matters), tuple(steps), str(head.get("description") or ""),
                        str(head.get("description_en") or ""))

    def district(self, head: dict[str, Any]) -> District:
        kind = head.get("district", "sample")
        if kind not in ("sample", "own"):
            self.bad("[scenario]", "district", f"'sample' or 'own', not {kind!r}")
            kind = "sample"
        units = self.data.get("unit", [])
        operators = self.data.get("operator", [])
        if kind == "sample":
            if units or operators:
                self.bad("file", "unit" if units else "operator",
                         "[[unit]] and [[operator]] belong to district = \"own\"")
            return self.district_for()
        unit_tiers: dict[str, str] = {}
        for i, unit in enumerate(units, start=1):
            where = f"unit {i}"
            self.unknown(where, unit, UNIT_KEYS)
            if not unit.get("name"):
                self.bad(where, "name", "missing")
                continue
            if unit.get("tier") not in {t.value for t in Tier}:
                self.bad(where, "tier", f"district, town or village, not {unit.get('tier')!r}")
            if unit.get("parent") and unit["parent"] not in unit_tiers:
                self.bad(where, "parent", f"unknown unit {unit['parent']!r} (a parent comes before its units)")
            unit_tiers[str(unit["name"])] = str(unit.get("tier"))
        if not unit_tiers:
            self.bad("file", "unit", "district = \"own\" needs its [[unit]] tables")
        ops: dict[str, OperatorInfo] = {}
        for i, op in enumerate(operators, start=1):
            where = f"operator {i}"
            self.unknown(where, op, OPERATOR_KEYS)
            if not op.get("username"):
                self.bad(where, "username", "missing")
                continue
            if op.get("role", "clerk") not in {r.value for r in Role}:
                self.bad(where, "role", f"unknown role {op.get('role')!r}")
            if op.get("unit") not in unit_tiers:
                self.bad(where, "unit", f"unknown unit {op.get('unit')!r}")
            if len(str(op.get("password", ""))) < 8:
                self.bad(where, "password", "at least 8 characters")
            ops[str(op["username"])] = OperatorInfo(str(op["username"]), str(op.get("display_name") or op["username"]),
                                                    str(op.get("role", "clerk")), str(op.get("unit")),
                                                    str(op.get("password", "")))
        return District(ops, unit_tiers, "own", tuple(units), tuple(operators))

    def operator(self, where: str, district: District, name: Any) -> str | None:
        if not isinstance(name, str) or not name:
            self.bad(where, "operator", "missing: whose window this happens at")
            return None
        if name not in district.operators:
            self.bad(where, "operator", f"unknown operator {name!r}")
            return None
        return name

    def matter_fields(self, where: str, fields: dict[str, Any]) -> None:
        for name in ("title", "resident_name", "channel"):
            if not fields.get(name):
                self.bad(where, name, "missing: a matter needs title, channel and resident_name")
        if "channel" in fields and fields["channel"] not in {c.value for c in Channel}:
            self.bad(where, "channel", f"unknown channel {fields['channel']!r}")
        if "complexity" in fields and fields["complexity"] not in {c.value for c in Complexity}:
            self.bad(where, "complexity", f"simple or complex, not {fields['complexity']!r}")

    def matters(self, district: District, start: datetime, offset: Any) -> list[StartMatter]:
        out: list[StartMatter] = []
        for i, m in enumerate(self.data.get("matter", []), start=1):
            where = f"matter {i}"
            if not isinstance(m, dict):
                self.bad(where, None, "must be a table")
                continue
            self.unknown(where, m, MATTER_KEYS)
            op = self.operator(where, district, m.get("operator"))
            key = m.get("key")
            if not key:
                self.bad(where, "key", "missing: the name steps use for this matter")
            elif key in {x.key for x in out}:
                self.bad(where, "key", f"{key!r} is used twice")
            at = start
            if "at" in m:
                try:
                    at = parse_time(str(m["at"]), offset)
                except ValueError as exc:
                    self.bad(where, "at", str(exc))
                if at > start:
                    self.bad(where, "at", "a matter present at the start was recorded before it")
            fields = {k: v for k, v in m.items() if k in MATTER_FIELDS}
            self.matter_fields(where, fields)
            if op and key:
                out.append(StartMatter(str(key), op, at, fields))
        return out

    def steps(self, district: District, offset: Any, keys: set[str]) -> list[Step]:
        out: list[Step] = []
        operator: str | None = None
        known = set(keys)
        for i, s in enumerate(self.data.get("step", []), start=1):
            where = f"step {i}"
            if not isinstance(s, dict):
                self.bad(where, None, "must be a table")
                continue
            self.unknown(where, s, STEP_KEYS)
            if "operator" in s or operator is None:
                operator = self.operator(where, district, s.get("operator"))
            if not any(s.get(k) for k in ("action", "keys", "text", "clock", "caption", "expect")):
                self.bad(where, None, "nothing to do: give it an action, keys, text, a clock move, a caption or "
                                      "expectations")
            step = self.step(where, i, s, operator or "", district, offset, known)
            if step is not None:
                out.append(step)
        return out

    def step(self, where: str, index: int, s: dict[str, Any], operator: str, district: District, offset: Any,
             known: set[str]) -> Step | None:
        action, matter, fields = s.get("action"), s.get("matter"), s.get("fields", {})
        if not isinstance(fields, dict):
            self.bad(where, "fields", "must be a table, e.g. fields = { note = \"...\" }")
            fields = {}
        if action is not None:
            if action not in action_names():
                self.bad(where, "action", f"unknown action {action!r} (known: the binding ids of huiyin's help "
                                          f"screen, e.g. record, claim, escalate, answer)")
            elif action == "record":
                if not matter:
                    self.bad(where, "matter", "missing: the name the recorded matter gets, e.g. matter = \"rock\"")
                elif matter in known:
                    self.bad(where, "matter", f"{matter!r} is recorded already")
                self.unknown(where + " fields", fields, set(MATTER_FIELDS))
                self.matter_fields(where + " fields", fields)
                if matter:
                    known.add(str(matter))
            elif action in {a.value for a in Action}:
                rule = RULES[Action(action)]
                if not matter:
                    self.bad(where, "matter", f"missing: which matter to {action}")
                elif matter not in known:
                    self.bad(where, "matter", f"unknown matter {matter!r} (recorded before this step: "
                                              f"{', '.join(sorted(known)) or 'none'})")
                allowed = {f.value for f in rule.requires | rule.optional}
                self.unknown(where + " fields", fields, allowed)
                for f in sorted(rule.requires):
                    if fields.get(f.value) in (None, ""):
                        self.bad(where + " fields", f.value, f"missing: {action} needs it")
                if "to_unit" in fields and fields["to_unit"] not in district.units:
                    self.bad(where + " fields", "to_unit", f"unknown unit {fields['to_unit']!r}")
                if "other" in fields and fields["other"] not in known:
                    self.bad(where + " fields", "other", f"unknown matter {fields['other']!r}")
                if "link_kind" in fields and fields["link_kind"] not in {k.value for k in LinkKind}:
                    self.bad(where + " fields", "link_kind", f"related or duplicate, not {fields['link_kind']!r}")
                if "satisfaction" in fields and fields["satisfaction"] not in (1, 2, 3, 4, 5):
                    self.bad(where + " fields", "satisfaction", "1 to 5")
            elif fields:
                self.bad(where, "fields", f"{action} takes no fields")
        elif fields:
            self.bad(where, "fields", "fields belong to an action")
        keys = s.get("keys", [])
        if isinstance(keys, str):
            keys = keys.split()
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            self.bad(where, "keys", "a list of key names, e.g. keys = [\"7\", \"right\"]")
            keys = []
        for k in keys:
            if not known_key(k):
                self.bad(where, "keys", f"unknown key {k!r} (one character or a key name: enter, escape, tab, "
                                        f"right, ctrl+s ...)")
        text = s.get("text", "")
        if not isinstance(text, str):
            self.bad(where, "text", "must be a string")
            text = ""
        if matter is not None and action is None and matter not in known:
            self.bad(where, "matter", f"unknown matter {matter!r}")
        hold = DEFAULT_HOLD
        if "hold" in s:
            try:
                hold = (parse_duration(s["hold"]) if isinstance(s["hold"], str)
                        else timedelta(seconds=float(s["hold"]))).total_seconds()
                if hold < 0 or hold > 600:
                    raise ValueError("a hold lasts 0 to 600 seconds")
            except (ValueError, TypeError) as exc:
                self.bad(where, "hold", str(exc))
        move = None
        if "clock" in s:
            try:
                move = parse_clock_move(str(s["clock"]), offset)
            except ValueError as exc:
                self.bad(where, "clock", str(exc))
        for k in ("caption", "caption_en"):
            if k in s and not isinstance(s[k], str):
                self.bad(where, k, "must be a string")
        expects = s.get("expect", [])
        if isinstance(expects, dict):
            expects = [expects]
        out: list[Expectation] = []
        for j, e in enumerate(expects if isinstance(expects, list) else [], start=1):
            ex = self.expectation(f"{where} expect {j}", e, district, known)
            if ex is not None:
                out.append(ex)
        return Step(index, operator, str(s.get("caption", "")), str(s.get("caption_en", "")), action,
                    matter, dict(fields), tuple(keys), text, hold, move, tuple(out))

    def expectation(self, where: str, e: Any, district: District, known: set[str]) -> Expectation | None:
        if not isinstance(e, dict):
            self.bad(where, None, "must be a table")
            return None
        self.unknown(where, e, EXPECT_KEYS)
        if ("matter" in e) == ("queue" in e):
            self.bad(where, None, "one of matter (its status, holder, claimed_by, timeline) or queue (its count)")
            return None
        if "matter" in e:
            if e["matter"] not in known:
                self.bad(where, "matter", f"unknown matter {e['matter']!r}")
            if "status" in e and e["status"] not in {s.value for s in Status}:
                self.bad(where, "status", f"unknown status {e['status']!r}")
            if "holder" in e and e["holder"] not in district.units:
                self.bad(where, "holder", f"unknown unit {e['holder']!r}")
            if "claimed_by" in e and e["claimed_by"] not in district.operators:
                self.bad(where, "claimed_by", f"unknown operator {e['claimed_by']!r}")
            if "timeline" in e and (not isinstance(e["timeline"], int) or e["timeline"] < 0):
                self.bad(where, "timeline", "a count of timeline entries")
            for k in ("count", "operator"):
                if k in e:
                    self.bad(where, k, "belongs to a queue expectation")
            if not {"status", "holder", "claimed_by", "timeline"} & set(e):
                self.bad(where, None, "nothing to check: status, holder, claimed_by or timeline")
        else:
            if e["queue"] not in {q.value for q in Queue}:
                self.bad(where, "queue", f"unknown queue {e['queue']!r}")
            if not isinstance(e.get("count"), int) or e["count"] < 0:
                self.bad(where, "count", "a queue expectation needs a count")
            if "operator" in e and e["operator"] not in district.operators:
                self.bad(where, "operator", f"unknown operator {e['operator']!r}")
            for k in ("status", "holder", "claimed_by", "timeline"):
                if k in e:
                    self.bad(where, k, "belongs to a matter expectation")
        known_fields = {k: e[k] for k in EXPECT_KEYS if k in e}
        return Expectation(where=where, **known_fields)


def builtin_dir() -> Path:
    return Path(__file__).parent / "scenarios"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def resolve(name_or_file: str) -> Path:
    """A built-in scenario's name, or a file's path."""
    path = Path(name_or_file)
    if path.suffix == ".toml" or path.exists():
        return path
    return builtin_dir() / f"{name_or_file}.toml"


def sample_district() -> District:
    """The sample district's operators and units (read from the server's sample through the launcher module)."""
    from ..embedded import sample_people

    units, operators = sample_people()
    return District({u: OperatorInfo(u, d, r, unit, p) for u, d, r, unit, p in operators}, dict(units), "sample")
