"""The actions registry: every thing a person can do in the workbench, by key and by name.

Each :class:`ActionSpec` is one binding (its ``name`` is the ``Binding.id`` users remap in the config's
``[keymap]``), the Textual action it runs, the screens it belongs to, and the catalog key of its label.
Screens build their ``BINDINGS`` from here; the command palette, the help screen and the (coming) trainer demo
mode look actions up here and run them with :meth:`huiyin.tui.app.WorkbenchApp.run_named_action`.

The thirteen workflow actions are :class:`huiyin.core.domain.Action`; whether one is offered is decided by
:func:`huiyin.core.workflow.allowed_actions`, never here.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from huiyin.core.domain import Action


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    key: str
    #: the Textual action string, run on the screen (or the app for ``scope == "app"``)
    action: str
    #: ``app``, ``queue``, ``detail``, ``matter`` (queue and detail), ``login``
    scope: str
    label: str
    core: Action | None = None
    show: bool = True
    key_display: str | None = None
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.label, show=self.show, id=self.name,
                       key_display=self.key_display, priority=self.priority)


#: the key of each workflow action (one letter each)
WORKFLOW_KEYS: dict[Action, str] = {
    Action.claim: "c",
    Action.release: "r",
    Action.escalate: "e",
    Action.request_help: "h",
    Action.assign: "t",
    Action.progress: "p",
    Action.answer: "a",
    Action.close: "x",
    Action.reopen: "o",
    Action.follow_up: "f",
    Action.request_extension: "d",  # d for days: ask for more working days
    Action.approve_extension: "g",  # g for grant
    Action.reject_extension: "j",
    Action.link: "l",  # l for link: related, or a duplicate closed onto the original
}

REGISTRY: tuple[ActionSpec, ...] = (
    ActionSpec("help", "question_mark", "help", "app", "key.help", key_display="?"),
    ActionSpec("quit", "q", "quit", "app", "key.quit"),
    ActionSpec("palette", "ctrl+p", "command_palette", "app", "key.palette", show=False, priority=True,
               key_display="^p"),
    # ends the token on the server and forgets it here; the sign-in screen comes back (also to switch operator)
    ActionSpec("sign_out", "u", "sign_out", "app", "key.sign_out"),
    # the operator's own password (tui/screens/password.py); uppercase, like the admin console's keys
    ActionSpec("password", "P", "change_password", "app", "key.password", show=False),
    ActionSpec("record", "n", "record", "queue", "key.record"),
    ActionSpec("open", "enter", "open", "queue", "key.open"),
    ActionSpec("filter", "slash", "filter", "queue", "key.filter", key_display="/"),
    ActionSpec("clear_filter", "escape", "clear_filter", "queue", "key.clear_filter", key_display="esc"),
    # the queues' number keys, most used first (huiyin.tui.screens.queue.QUEUE_KEYS); an operator without a
    # queue (pending_below: a unit with nothing under it; overdue: clerks) has no tab and the key does nothing
    ActionSpec("queue.incoming", "1", "queue('incoming')", "queue", "key.queue_incoming", show=False),
    ActionSpec("queue.in_hand", "2", "queue('in_hand')", "queue", "key.queue_in_hand", show=False),
    ActionSpec("queue.pending_below", "3", "queue('pending_below')", "queue", "key.queue_pending_below",
               show=False),
    ActionSpec("queue.sent_on", "4", "queue('sent_on')", "queue", "key.queue_sent_on", show=False),
    ActionSpec("queue.all", "5", "queue('all')", "queue", "key.queue_all", show=False),
    # supervisors and commanders only (huiyin.core.workflow.may_watch_overdue)
    ActionSpec("queue.overdue", "6", "queue('overdue')", "queue", "key.queue_overdue", show=False),
    # the whole district, masked per the visibility policy: find a matter before recording it again
    ActionSpec("queue.district", "7", "queue('district')", "queue", "key.queue_district", show=False),
    ActionSpec("queue.next", "right", "next_queue", "queue", "key.queue_next", show=False),
    ActionSpec("queue.previous", "left", "previous_queue", "queue", "key.queue_previous", show=False),
    ActionSpec("refresh", "ctrl+r", "refresh", "matter", "key.refresh", show=False),
    *(ActionSpec(str(action), key, f"workflow('{action}')", "matter", f"action.{action}", core=action)
      for action, key in WORKFLOW_KEYS.items()),
    ActionSpec("back", "escape", "back", "detail", "key.back", key_display="esc"),
    # the assessment (supervisors, commanders, admins) and the command center's board (commanders, admins);
    # QueueScreen.check_action offers them only to those roles (tui/screens/report.py, board.py): in the help
    # and the palette, not the footer (a supervisor's footer keeps its room for the matter's actions)
    ActionSpec("report", "s", "report", "queue", "key.report", show=False),
    ActionSpec("board", "b", "board", "queue", "key.board", show=False),
    # the admin console (admins only: huiyin.tui.screens.admin_base); uppercase, away from the clerks' keys
    ActionSpec("admin.units", "U", "admin('units')", "queue", "admin.key.units"),
    ActionSpec("admin.operators", "O", "admin('operators')", "queue", "admin.key.operators"),
    ActionSpec("admin.calendar", "K", "admin('calendar')", "queue", "admin.key.calendar"),
    ActionSpec("admin.audit", "L", "admin('audit')", "queue", "admin.key.audit"),
)

BY_NAME: dict[str, ActionSpec] = {spec.name: spec for spec in REGISTRY}

#: binding ids of earlier versions a config's ``[keymap]`` may still use
ALIASES: dict[str, str] = {"switch_operator": "sign_out"}


def specs_for(scope: str) -> list[ActionSpec]:
    scopes = {scope}
    if scope in ("queue", "detail"):
        scopes.add("matter")
    return [spec for spec in REGISTRY if spec.scope in scopes]


def bindings_for(scope: str) -> list[BindingType]:
    return [spec.binding() for spec in specs_for(scope)]


def binding_ids() -> set[str]:
    return set(BY_NAME) | set(ALIASES)


def canonical_keymap(keymap: dict[str, str]) -> dict[str, str]:
    """``[keymap]`` with old binding ids (:data:`ALIASES`) under their current names."""
    return {ALIASES.get(name, name): keys for name, keys in keymap.items()}
