"""What a workflow action needs before it is sent: the fields of ``RULES[action].requires`` / ``.optional``
(note, reason, satisfaction, a unit to assign to, the working days of an extension: a whole number from 1 to
``MAX_EXTENSION_DAYS``, checked here before anything is sent) and, where ``RULES[action].confirm``, a confirmation.

The dialog sends the action itself so that a 422 lands next to its field; a refusal (403/409) closes it and
the app shows it in the catalog's words (by the server's code). It dismisses with ``True`` when the action went
through. A field's error goes away as soon as the field is fixed; esc with something typed asks first.

The unit picker of ``assign``: type to search, up/down move in the list, enter picks the highlighted unit and
moves on to the note (one enter; the list never takes the note's keys).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from huiyin.core.domain import Action, LinkKind
from huiyin.core.schemas import LIMITS, ActionIn, MatterSummary
from huiyin.core.workflow import RULES, Actor, Field, body_errors, state_of, target_unit

from ..client import ApiError, Unreachable
from ..components.inputs import HInput, HSelect
from ..i18n import current, refusal_text, t
from ..workbench import Workbench, localize_bindings, workbench
from .discard import leave_unless_typed

FIELD_ORDER = (Field.to_unit, Field.other, Field.link_kind, Field.days, Field.reason, Field.note, Field.satisfaction)


class ActionDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("ctrl+s", "submit", "key.confirm", id="dialog.confirm", priority=True),
        Binding("escape", "cancel", "key.cancel", id="dialog.cancel", key_display="esc"),
    ]

    def __init__(self, matter: MatterSummary, action: Action, send: Callable[[ActionIn], Awaitable[None]]) -> None:
        super().__init__()
        localize_bindings(self)
        self.matter = matter
        self.action = action
        self.send = send
        self.rule = RULES[action]
        self.fields = [f for f in FIELD_ORDER if f in self.rule.requires or f in self.rule.optional]
        self.to_unit: int | None = None
        self.sending = False
        #: the fields whose error is shown now
        self.shown_errors: set[str] = set()

    @property
    def wb(self) -> Workbench:
        return workbench(self)

    def compose(self) -> ComposeResult:
        label = t(f"action.{self.action}")
        with Vertical(id="dialog"):
            yield Static(Content.assemble((label, "bold"), "  ", self.matter.number, "  ", self.matter.title),
                         id="dialog-title")
            target = self._target_text()
            if target:
                yield Static(Content(target), id="dialog-target")
            for f in self.fields:
                required = f in self.rule.requires
                yield Label(Content(t(f"field.{f}") + (" *" if required else "")), classes="field-label")
                if f is Field.to_unit:
                    yield HInput(id="unit-search", placeholder=t("dialog.unit_search"), compact=True)
                    units = OptionList(*self._unit_options(""), id="unit-list")
                    units.can_focus = False  # the search box drives it: the note's keys never land here
                    yield units
                elif f is Field.satisfaction:
                    yield HSelect([(t(f"satisfaction.{n}"), n) for n in (5, 4, 3, 2, 1)], id="f-satisfaction",
                                  prompt=t("dialog.choose"), compact=True)
                elif f is Field.link_kind:
                    yield HSelect([(t(f"link_kind.{kind}"), kind.value) for kind in LinkKind], id="f-link_kind",
                                  prompt=t("dialog.choose"), compact=True)
                elif f is Field.days:
                    yield HInput(id="f-days", placeholder=t("hint.days"), compact=True, restrict=r"[0-9]*",
                                 max_length=2)
                else:
                    yield HInput(id=f"f-{f}", placeholder=self._hint(f), compact=True)
                yield Static("", id=f"err-{f}", classes="field-error")
            if self.rule.confirm:
                yield Static(Content(t("dialog.confirm_warning")), id="dialog-warning")
            yield Static("", id="dialog-error", classes="field-error")
            with Horizontal(id="dialog-buttons"):
                yield Button(t("dialog.ok", action=label, number=self.matter.number), id="ok", variant="primary",
                             compact=True)
                yield Button(t("dialog.cancel"), id="cancel", compact=True)

    def _hint(self, f: Field) -> str:
        """The placeholder: the action's own hint if the catalog has one (``hint.request_extension_reason``)."""
        key = f"hint.{self.action}_{f}"
        return t(key) if current().has(key) else t(f"hint.{f}")

    def on_mount(self) -> None:
        if self.fields:
            first = self.fields[0]
            self.query_one("#unit-search" if first is Field.to_unit else f"#f-{first}").focus()
        else:
            self.query_one("#ok", Button).focus()

    def _target_text(self) -> str:
        session = self.wb.session
        if session.operator is None or session.unit_tree is None:
            return ""
        actor = Actor(role=session.operator.role, unit_id=session.operator.unit.id)
        target = target_unit(self.action, state_of(self.matter), session.unit_tree, actor)
        if target is None or target == actor.unit_id and self.action is Action.claim:
            return ""
        return t("dialog.target", unit=self.wb.unit_label(target))

    def _unit_options(self, search: str) -> list[Option]:
        tree = self.wb.session.unit_tree
        if tree is None:
            return []
        search = search.strip().lower()
        out = []
        for unit in sorted(tree, key=lambda u: (u.tier.rank, u.id)):
            if not tree.can_hold_matters(unit.id) or unit.id == self.matter.holder_unit.id:
                continue
            label = f"{unit.name} ({t(f'tier.{unit.tier}')})"
            if search and search not in label.lower():
                continue
            out.append(Option(Content(label), id=str(unit.id)))
        return out

    @on(Input.Changed, "#unit-search")
    def _search(self, event: Input.Changed) -> None:
        options = self.query_one("#unit-list", OptionList)
        options.clear_options()
        options.add_options(self._unit_options(event.value))
        if options.option_count:
            options.highlighted = 0

    def on_key(self, event: events.Key) -> None:
        """up/down in the unit search move the highlight in the list under it."""
        if event.key in ("up", "down") and self.focused is not None and self.focused.id == "unit-search":
            options = self.query_one("#unit-list", OptionList)
            if options.option_count:
                options.action_cursor_up() if event.key == "up" else options.action_cursor_down()
                event.stop()
                event.prevent_default()

    @on(Input.Submitted, "#unit-search")
    def _pick_highlighted(self) -> None:
        options = self.query_one("#unit-list", OptionList)
        if options.highlighted is None and options.option_count:
            options.highlighted = 0
        if options.highlighted is not None:
            self._choose(int(str(options.get_option_at_index(options.highlighted).id)))

    @on(OptionList.OptionSelected, "#unit-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._choose(int(str(event.option.id)))

    def _choose(self, unit_id: int) -> None:
        self.to_unit = unit_id
        self.query_one("#err-to_unit", Static).update(
            Content(t("dialog.chosen", unit=self.wb.unit_label(self.to_unit))))
        following = [f for f in self.fields if f is not Field.to_unit]
        if following:
            self.query_one(f"#f-{following[0]}").focus()
        else:
            self.query_one("#ok", Button).focus()

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | Select.Changed) -> None:
        """A field's error goes as soon as the field is fixed (the others stay until the next save)."""
        name = (event.control.id or "").removeprefix("f-")
        if name in self.shown_errors and name not in self._check(self._values()):
            self.shown_errors.discard(name)
            self.query_one(f"#err-{name}", Static).update("")

    def typed_input(self) -> bool:
        """Whether anything was typed or chosen (then esc asks before throwing it away)."""
        values = self._values()
        return any(value not in (None, "") for value in values.values())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """enter moves on, as in every form: from the last field to the button, where enter confirms. A stray
        enter in a note (an input method committing a word) never sends it half-typed or incomplete."""
        if event.input.id != "unit-search":
            self.focus_next()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        leave_unless_typed(self, self.typed_input(), lambda: self.dismiss(False))

    def _values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for f in self.fields:
            if f is Field.to_unit:
                values["to_unit"] = self.to_unit
            elif f in (Field.satisfaction, Field.link_kind):
                value = self.query_one(f"#f-{f}", Select).value
                values[str(f)] = None if value is Select.NULL else value
            elif f is Field.days:
                text = self.query_one("#f-days", Input).value.strip()
                values["days"] = int(text) if text.isdigit() else (text or None)
            else:
                values[str(f)] = self.query_one(f"#f-{f}", Input).value
        return values

    def _show(self, errors: dict[str, str]) -> None:
        self.shown_errors = {str(f) for f in self.fields if str(f) in errors}
        for f in self.fields:
            if f is Field.to_unit and self.to_unit is not None and str(f) not in errors:
                continue
            kind = errors.get(str(f))
            if kind and f is Field.days and kind != "required":
                kind = "days_range"
            elif kind == "required" and f in (Field.satisfaction, Field.link_kind):
                kind = "choose"  # a select still reading "choose": say so, not "required" or "must be a number"
            self.query_one(f"#err-{f}", Static).update(
                Content(t(f"error.{kind}", limit=LIMITS.get(str(f), ""))) if kind else "")

    def _check(self, values: dict[str, object]) -> dict[str, str]:
        """field → error code for ``values`` (core's body rules: the required fields, ``ActionIn``)."""
        return body_errors(self.action, values)

    def action_submit(self) -> None:
        if self.sending:
            return
        values = self._values()
        errors = self._check(values)
        self._show(errors)
        if errors:
            return
        self._send(ActionIn.model_validate(values))

    @work(group="dialog-send", exclusive=True, exit_on_error=False)
    async def _send(self, body: ActionIn) -> None:
        self.sending = True
        try:
            await self.send(body)
        except ApiError as exc:
            if exc.status == 422 and exc.fields:
                self._show(exc.fields)
                self.query_one("#dialog-error", Static).update(Content(refusal_text(exc.code, exc.message)))
                return
            self.dismiss(False)
            self.wb.action_refused(self.matter.number, self.action, exc)
            return
        except Unreachable:
            self.query_one("#dialog-error", Static).update(Content(t("conn.action_failed")))
            return
        finally:
            self.sending = False
        self.dismiss(True)  # the app says it is done and refreshes
