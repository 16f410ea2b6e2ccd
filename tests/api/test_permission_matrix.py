"""The permission matrix: every operator of the sample district × a matter in every relation × every action and
every read, against the real server, with the expected answers generated from the tables of core
(:data:`huiyin.core.workflow.RULES` through :func:`check`, :data:`huiyin.core.visibility.VISIBILITY` through
:func:`viewers` and :func:`access`).

The scenario is built once per database (a module-scoped server), then looped over:

* **actions**: each refusal must come back with the refusal's status and code and write nothing; each allowed
  action must be offered in ``allowed_actions`` and, played on a fresh copy of the matter, succeed: zero
  unauthorised successes, zero wrongful refusals;
* **reads** (the detail, every queue, the district search, the similar matters, the feed's JSON catch-up): a
  matter shows up where the policy lets the operator see it and nowhere else, and every field the policy masks is
  masked, listed in ``masked``, and its real value appears nowhere in the response body: zero leaks.

The relations the issue names (own unit, parent, child, sibling village, a unit in another town, the command
center, a department, on the path, not involved) are labelled independently of core from the unit tree, and the
test checks each of them came up. The cases the matrix was written to catch are also asserted by name: a
supervisor approving his own unit's extension, and a unit above taking over a matter the command center assigned.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import pytest

from huiyin.core.domain import Action, EventKind, Queue, Role, Status, Tier, UnitKind
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.core.visibility import FIELDS, MASKS, Access, Part, access, requests_to_read, viewers
from huiyin.core.workflow import RULES, Actor, Field, MatterState, Refusal, check, relations
from tests.api.test_workflow_property import unit_tree
from tests.conftest import backends

#: on SQLite and on PostgreSQL behind two workers: these loops compare the server with core's tables, request by
#: request, which an in-process PostgreSQL server answers by the very same code (the suite's time goes further here)
backend = backends("sqlite", "postgresql-2w")

OPERATORS = ["admin", "trainer", "command", "district.center", "district.supervisor", "transport", "housing",
             "huixing.center", "huixing.supervisor", "shuanghu", "baoshenghu", "shichuan.center", "liuqiao",
             "longxing.center", "longxing.shebao", "longxing.community", "shuangfengqiao.center", "xingwang"]

#: the relations the issue asks the matrix to cover
RELATIONS = {"own unit", "parent", "child", "sibling village", "another town", "command center", "department",
             "on the path", "not involved"}

_serial = itertools.count(1)


def secret(tag: str, what: str) -> str:
    """A note or description that must only ever reach those who may read the matter's notes."""
    return f"机密{what}{tag}"


#: name → (recorder, steps); a step is (username, action, body); notes are filled in per copy
SCENARIOS: dict[str, tuple[str, list[tuple[str, str, dict]]]] = {
    "fresh_village": ("shuanghu", []),
    "working_village": ("shuanghu", [("shuanghu", "claim", {}), ("shuanghu", "progress", {"note": "N"})]),
    "extension_village": ("shuanghu", [("shuanghu", "claim", {}),
                                       ("shuanghu", "request_extension", {"reason": "N", "days": 2})]),
    "extension_town_self": ("huixing.center", [("huixing.center", "claim", {}),
                                               ("huixing.center", "request_extension", {"reason": "N", "days": 2})]),
    "escalated_twice": ("shuanghu", [("shuanghu", "escalate", {"note": "N"}), ("huixing.center", "claim", {}),
                                     ("huixing.center", "escalate", {"note": "N"})]),
    "assigned_department": ("huixing.center", [("huixing.center", "request_help", {"note": "N"}),
                                               ("command", "assign", {"to_unit": "区交委", "note": "N"})]),
    "extension_department": ("huixing.center", [("huixing.center", "request_help", {"note": "N"}),
                                                ("command", "assign", {"to_unit": "区交委"}),
                                                ("transport", "claim", {}),
                                                ("transport", "request_extension", {"reason": "N", "days": 1})]),
    "released_by_assignee": ("huixing.center", [("huixing.center", "request_help", {"note": "N"}),
                                                ("command", "assign", {"to_unit": "区交委"}),
                                                ("transport", "release", {"reason": "N"})]),
    "answered_other_town": ("liuqiao", [("liuqiao", "claim", {}), ("liuqiao", "answer", {"note": "N"})]),
    "closed_town_office": ("longxing.community", [("longxing.shebao", "claim", {}),
                                                  ("longxing.shebao", "answer", {"note": "N"}),
                                                  ("longxing.community", "close", {})]),
}


@dataclass
class Made:
    """One matter as recorded, with every secret it holds."""

    number: str
    title: str
    resident: dict[str, str]
    notes: list[str] = field(default_factory=list)


def phone(n: int) -> str:
    """A mobile number made of the digits 5 to 9 only after ``15``: none of its parts of 4 digits or more can turn
    up in a matter number (``YB-2026-000123``), so a search by a part of it finds phones alone."""
    digits, rest = [], n
    for _ in range(9):
        digits.append(str(5 + rest % 5))
        rest //= 5
    return "15" + "".join(reversed(digits))


def make(api, name: str) -> Made:  # type: ignore[no-untyped-def]
    """Record a copy of scenario ``name`` with secrets of its own, and play its steps."""
    n = next(_serial)
    tag = f"{name[:3]}-{n:04d}"
    recorder, steps = SCENARIOS[name]
    resident = {"resident_name": f"居民{tag}", "resident_phone": phone(n), "address": f"{tag}路{n}号{n}栋"}
    description = secret(tag, "描述")
    title = f"矩阵{tag}"
    made = Made(api[recorder].record(title=title, description=description, complexity="complex",
                                     **resident)["number"], title, resident, [description])
    for i, (username, action, body) in enumerate(steps):
        filled = dict(body)
        for key in ("note", "reason"):
            if key in filled:
                filled[key] = secret(tag, f"备注{i}")
                made.notes.append(filled[key])
        if "to_unit" in filled:
            filled["to_unit"] = api.unit_id(filled["to_unit"])
        api[username].act(made.number, action, **filled)
    return made


@dataclass
class Truth:
    """A matter as the command center reads it (it sees everything), turned into what the tables look at."""

    made: Made
    detail: dict
    state: MatterState
    path: frozenset[int]


def truth(api, made: Made) -> Truth:  # type: ignore[no-untyped-def]
    d = api["command"].matter(made.number)
    assert d["masked"] == [], "the command center sees everything"
    state = MatterState(status=Status(d["status"]), holder_unit_id=d["holder_unit"]["id"],
                        origin_unit_id=d["origin_unit"]["id"], previous_holder_id=d["previous_holder_id"],
                        claimed_by_id=(d["claimed_by"] or {}).get("id"),
                        extension_days_requested=d["extension_days_requested"],
                        arrived_by=EventKind(d["arrived_by"]) if d["arrived_by"] else None)
    path = frozenset(e["to_unit"]["id"] for e in d["events"] if e["to_unit"])
    return Truth(made, d, state, path)


def labels(tree: UnitTree, unit: int, role: Role, t: Truth) -> set[str]:
    """How an operator's unit stands to the matter, in the issue's words, from the tree alone (not from core)."""
    if role in (Role.admin, Role.trainer):
        return {role.value}
    holder, me = tree[t.state.holder_unit_id], tree[unit]
    out = set()
    if unit == holder.id:
        out.add("own unit")
    elif unit in t.path or unit == t.state.origin_unit_id:
        out.add("on the path")
    if unit == holder.parent_id:
        out.add("parent")
    if holder.id == me.parent_id:
        out.add("child")
    if unit != holder.id and me.parent_id == holder.parent_id and me.tier is holder.tier is Tier.village:
        out.add("sibling village")
    if me.kind is UnitKind.command_center:
        out.add("command center")
    if me.kind is UnitKind.department:
        out.add("department")

    def town(u: UnitInfo) -> int | None:
        chain = [u, *tree.ancestors(u.id)]
        return next((x.id for x in chain if x.tier is Tier.town), None)

    if town(me) and town(holder) and town(me) != town(holder):
        out.add("another town")
    if not out & {"own unit", "on the path"}:
        out.add("not involved")
    return out


def body_for(action: Action, t: Truth, api) -> dict | None:  # type: ignore[no-untyped-def]
    """A body that satisfies the action's required fields; ``None`` for a field this test cannot fill."""
    body: dict = {}
    for f in RULES[action].requires:
        if f in (Field.note, Field.reason):
            body[f.value] = secret("X", "动作")
        elif f is Field.to_unit:
            target = "区住房城乡建委" if t.state.holder_unit_id != api.unit_id("区住房城乡建委") else "区城市管理局"
            body["to_unit"] = api.unit_id(target)
        elif f is Field.satisfaction:
            body["satisfaction"] = 4
        elif f.value == "days":
            body["days"] = 2
        else:
            return None
    return body


class Leaks:
    """What an operator may not see of each matter, to look for in every response it gets."""

    def __init__(self, seen: dict[str, dict], truths: dict[str, Truth]) -> None:
        self.hidden: list[tuple[str, str]] = []
        for number, parts in seen.items():
            made = truths[number].made
            if parts[Part.resident] < Access.full:
                self.hidden += [(number, v) for v in made.resident.values()]
            if parts[Part.notes] < Access.full:
                self.hidden += [(number, v) for v in made.notes]
            if parts[Part.work] is Access.none:
                self.hidden += [(number, number), (number, made.title)]

    def check(self, text: str, where: str) -> None:
        leaked = [(n, v) for n, v in self.hidden if v in text]
        assert not leaked, f"{where} leaks {leaked}"


def expected_masked(values: dict, parts: dict) -> set[str]:
    return {name for part in (Part.notes, Part.resident) if parts[part] < Access.full
            for name in FIELDS[part] if values.get(name)}


def assert_redacted(row: dict, t: Truth, parts: dict, where: str) -> None:
    """``row`` (a detail, a queue row, a similar match) shows exactly what ``parts`` allows of ``t``."""
    full = t.detail
    present = {k: full[k] for k in row if k in full and k != "masked"}
    assert set(row["masked"]) == expected_masked(present, parts), where
    for name in present:
        if name in row["masked"]:
            mask = MASKS.get(name)
            shown = mask(str(full[name])) if mask and parts[Part.resident] is Access.masked else ""
            assert row[name] == shown and row[name] != full[name], (where, name, row[name])
        elif name not in ("events", "allowed_actions", "version", "updated_at"):
            assert row[name] == full[name], (where, name)
    for name in t.made.resident:
        if name in row:
            assert row[name], f"{where}: a masked value is never empty ({name})"


@pytest.fixture(scope="module")
def world(api):  # type: ignore[no-untyped-def]
    tree = unit_tree(api)
    truths: dict[str, Truth] = {}
    for name in SCENARIOS:
        t = truth(api, make(api, name))
        truths[t.made.number] = t
    return tree, truths, {t.made.number: name for name, t in zip(SCENARIOS, truths.values(), strict=True)}


def seen_of(api, tree: UnitTree, username: str, truths: dict[str, Truth]) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    me = api[username].me
    role = Role(me["role"])
    return {n: access(viewers(role, me["unit"]["id"], path=t.path, holder_unit_id=t.state.holder_unit_id,
                              origin_unit_id=t.state.origin_unit_id, tree=tree))
            for n, t in truths.items()}


def test_actions_match_the_rules(api, world):
    tree, truths, names = world
    covered: set[str] = set()
    outcomes: Counter[str] = Counter()
    allowed_cases: dict[tuple, tuple[str, str, Action]] = {}
    sent: set[tuple] = set()
    for username in OPERATORS:
        session = api[username]
        role, unit = Role(session.me["role"]), session.unit_id
        actor = Actor(role, unit)
        for number, t in truths.items():
            covered |= labels(tree, unit, role, t)
            detail = session.get(f"/api/matters/{number}")
            for action in Action:
                body = body_for(action, t, api)
                refusal = check(actor, action, t.state, tree)
                if role is Role.trainer:
                    r = session.post(f"/api/matters/{number}/{action}", json=body or {})
                    assert r.status_code == 404 and r.json()["code"] == "not_found", (username, number, action)
                    outcomes["trainer: 404"] += 1
                    continue
                offered = action.value in detail.json()["allowed_actions"]
                assert offered == (refusal is None), (username, names[number], action, refusal)
                # operators alike in every way the rules can tell apart answer alike: one of them is asked (for a
                # wrong role or status, which the rules decide before looking at the unit: one per role)
                if isinstance(refusal, Refusal) and refusal.code.value in ("wrong_role", "wrong_status"):
                    alike: tuple = (number, action, role, refusal.code)
                else:
                    alike = (number, action, role, tree[unit].kind, relations(actor, t.state, tree),
                             frozenset(labels(tree, unit, role, t)))
                if alike in sent:
                    continue
                sent.add(alike)
                if isinstance(refusal, Refusal):
                    r = session.post(f"/api/matters/{number}/{action}", json=body or {})
                    assert (r.status_code, r.json()["code"]) == (refusal.http_status, refusal.code.value), \
                        (username, names[number], action, r.text)
                    outcomes[refusal.code.value] += 1
                elif body is not None:
                    allowed_cases[alike] = (username, names[number], action)
    assert RELATIONS <= covered, RELATIONS - covered
    # nothing a refusal touched has changed
    for number, t in truths.items():
        assert api["command"].matter(number)["version"] == t.detail["version"], names[number]

    # every allowed action (one operator per relation, action and scenario) succeeds on a fresh copy
    for username, scenario, action in allowed_cases.values():
        copy = make(api, scenario)
        body = body_for(action, truth(api, copy), api)
        r = api[username].post(f"/api/matters/{copy.number}/{action}", json=body)
        assert r.status_code == 200, (username, scenario, action, r.text)
        assert r.json()["events"][-1]["kind"] == action.value
        outcomes["accepted"] += 1
    print(dict(outcomes), len(sent))
    assert outcomes["accepted"] and outcomes["wrong_unit"] and outcomes["wrong_role"] and outcomes["wrong_status"]


def test_the_cases_the_matrix_was_written_for(api, world):
    """By name: no approving one's own unit's extension; no taking over what the command center assigned."""
    _tree, truths, names = world
    number = {name: n for n, name in names.items()}

    def refused(username: str, scenario: str, action: str, **body: object) -> None:
        r = api[username].post(f"/api/matters/{number[scenario]}/{action}", json=body)
        assert r.status_code == 403 and r.json()["code"] == "wrong_unit", (username, scenario, action, r.text)

    refused("huixing.supervisor", "extension_town_self", "approve_extension")
    refused("huixing.supervisor", "extension_town_self", "reject_extension", reason="x")
    refused("district.supervisor", "extension_department", "approve_extension")  # beside the department
    for username in ("district.center", "district.supervisor", "housing", "command"):
        refused(username, "assigned_department", "claim")
    offered = lambda u, s: api[u].matter(number[s])["allowed_actions"]  # noqa: E731
    assert "approve_extension" in offered("huixing.supervisor", "extension_village")
    assert "approve_extension" in offered("district.supervisor", "extension_town_self")
    assert "approve_extension" in offered("command", "extension_department")
    assert "claim" in offered("transport", "assigned_department")
    assert "claim" in offered("district.center", "released_by_assignee")  # given back: jurisdiction counts again


def test_reads_match_the_policy(api, world):
    tree, truths, names = world
    numbers = set(truths)
    real_notes = {e["id"]: e["note"] for t in truths.values() for e in t.detail["events"]}
    for username in OPERATORS:
        session = api[username]
        seen = seen_of(api, tree, username, truths)
        leaks = Leaks(seen, truths)
        visible = {n for n in numbers if seen[n][Part.work] > Access.none}
        assert visible == (set() if username == "trainer" else numbers), "every tier sees the work"

        # the detail
        for number, t in truths.items():
            r = session.get(f"/api/matters/{number}")
            # who may decide a waiting request reads the entry that asked (its reason), and no other note
            reads = requests_to_read(Action(a) for a in r.json().get("allowed_actions", [])) if r.is_success else ()
            revealed = {max(e["id"] for e in t.detail["events"] if e["kind"] == kind) for kind in reads}
            text = r.text.replace(f"numbered {number}", "")
            for real in t.detail["events"]:
                if real["id"] in revealed:
                    text = text.replace(real["note"], "")
            leaks.check(text, f"{username} detail {names[number]}")
            if number not in visible:
                assert r.status_code == 404 and r.json()["code"] == "not_found"
                continue
            d = r.json()
            assert_redacted(d, t, seen[number], f"{username} detail {names[number]}")
            assert [e["id"] for e in d["events"]] == [e["id"] for e in t.detail["events"]]
            for mine, real in zip(d["events"], t.detail["events"], strict=True):
                hide = real["note"] and seen[number][Part.notes] < Access.full and real["id"] not in revealed
                assert mine["masked"] == (["note"] if hide else []) and mine["note"] == ("" if hide else real["note"])

        # every queue: only what may be seen, never a secret
        for queue in Queue:
            r = session.get("/api/matters", params={"queue": queue.value, "limit": 500})
            leaks.check(r.text, f"{username} queue {queue}")
            if r.status_code == 403:
                assert queue is Queue.overdue and Role(session.me["role"]) not in (Role.supervisor, Role.commander)
                continue
            assert r.status_code == 200, r.text
            for row in r.json()["items"]:
                if row["number"] in numbers:
                    assert row["number"] in visible
                    assert_redacted(row, truths[row["number"]], seen[row["number"]], f"{username} {queue}")

        # the district search: the work of every matter, wherever it is
        district = {row["number"]: row for row in session.queue("district", limit=500)["items"]}
        assert numbers & set(district) == visible
        for number, t in truths.items():
            found = session.numbers("district", q=t.made.title)
            assert found == ([number] if number in visible else [])
            # a part of the phone finds only a resident the operator sees in full; the whole number, any
            phone = t.made.resident["resident_phone"]
            part = session.numbers("district", q=phone[-5:])
            assert (number in part) == (seen[number][Part.resident] is Access.full), (username, names[number])
            whole = session.numbers("district", q=phone)
            assert whole == ([number] if number in visible else [])
            # the similar matters: open ones with that phone, masked alike
            r = session.get("/api/matters/similar", params={"phone": phone})
            leaks.check(r.text, f"{username} similar {names[number]}")
            rows = r.json()["items"]
            expect = number in visible and t.state.status is not Status.closed
            assert [row["number"] for row in rows] == ([number] if expect else [])
            for row in rows:
                assert_redacted(row, t, seen[number], f"{username} similar")

        # the feed's catch-up: the events of what may be seen, notes withheld per policy
        after, got = 0, []
        while True:
            r = session.get("/api/events", params={"after": after, "limit": 1000},
                            headers={"Accept": "application/json"})
            leaks.check(r.text, f"{username} feed")
            page = r.json()
            got += page["items"]
            if len(page["items"]) < 1000:
                break
            after = page["last_id"]
        mine = [e for e in got if e["matter_number"] in numbers]
        assert {e["matter_number"] for e in mine} == visible
        assert len(mine) == (0 if username == "trainer" else len(real_notes))
        for e in mine:
            hide = bool(real_notes[e["id"]]) and seen[e["matter_number"]][Part.notes] < Access.full
            assert e["masked"] == (["note"] if hide else []) and e["note"] == ("" if hide else real_notes[e["id"]])

        counts = session.get("/api/queues").json()
        if username == "trainer":
            assert not any(v for v in counts.values() if isinstance(v, int))
        else:
            assert counts["district"] >= len(numbers)
