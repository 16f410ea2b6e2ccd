"""Record a new matter (walk-in, phone, visit): the form validates with core's ``MatterIn``, the same rules as
the server, and shows each problem next to its field until that field is fixed. enter moves on (also from the
two selects; space or up/down open them), ctrl+s saves, esc cancels and asks first when something was typed."""

from __future__ import annotations

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from huiyin.core.domain import Channel, Complexity
from huiyin.core.schemas import LIMITS, MatterIn, field_errors

from ..client import ApiError, Unreachable, new_idempotency_key
from ..components.banner import ConnectionBanner
from ..components.footer import WorkbenchFooter
from ..components.header import HeaderBar
from ..components.inputs import HInput, HSelect
from ..components.similar import SimilarMatters
from ..i18n import refusal_text, t
from .base import WorkbenchScreen
from .detail import DetailScreen
from .discard import leave_unless_typed

#: the form's fields in order: (field, required?)
FIELDS: tuple[tuple[str, bool], ...] = (
    ("channel", True),
    ("title", True),
    ("resident_name", True),
    ("resident_phone", False),
    ("address", False),
    ("category", False),
    ("complexity", False),
    ("description", False),
)

#: channels a window records (``online`` comes from residents themselves)
FORM_CHANNELS = (Channel.walk_in, Channel.phone, Channel.visit)


def error_text(field: str, kind: str) -> str:
    return t(f"error.{kind}", limit=LIMITS.get(field, ""), field=t(f"field.{field}"))


class RecordScreen(WorkbenchScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", "key.save", id="form.save", priority=True),
        Binding("escape", "cancel", "key.cancel", id="form.cancel", key_display="esc"),
        Binding("ctrl+o", "open_similar", "similar.open", id="form.open_similar", key_display="^o", show=False),
        # a priority binding moves on at once: keys typed right after enter (a fast typist, a paste, a scanner)
        # land in the next field, not in this one (Input.Submitted would move the focus only later)
        Binding("enter", "next_field", "key.next_field", id="form.next", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.idempotency_key = new_idempotency_key()
        self.saving = False
        #: the fields whose error is shown now
        self.shown_errors: set[str] = set()
        #: the values the form opened with (esc asks before throwing away anything else)
        self.initial: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        # not a stop of its own for tab: the keys typed after tab belong to a field (it scrolls to the field)
        with VerticalScroll(id="record-form", can_focus=False):
            yield Static(Content(t("record.title")), id="record-title")
            for name, required in FIELDS:
                label = t(f"field.{name}") + (" *" if required else "")
                with Horizontal(classes="form-row"):
                    yield Label(Content(label), classes="form-label")
                    yield self._widget(name)
                yield Static("", id=f"err-{name}", classes="field-error")
                if name == "resident_phone":  # possible duplicates show right under the phone
                    yield SimilarMatters(id="similar")
            yield Static(Content(t("record.hint")), id="record-hint")
            yield Static("", id="record-error", classes="field-error")
        yield ConnectionBanner()
        yield WorkbenchFooter()

    def _widget(self, name: str) -> Widget:
        if name == "channel":
            return HSelect([(t(f"channel.{c}"), str(c)) for c in FORM_CHANNELS], value=str(Channel.walk_in),
                          allow_blank=False, id="f-channel", compact=True)
        if name == "complexity":
            return HSelect([(t(f"complexity.{c}"), str(c)) for c in Complexity], value=str(Complexity.simple),
                          allow_blank=False, id="f-complexity", compact=True)
        return HInput(id=f"f-{name}", placeholder=t(f"hint.{name}"), max_length=LIMITS.get(name, 0) + 50,
                      compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-title", Input).focus()
        self.initial = self.values()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, _ in FIELDS:
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                out[name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, Input):
                out[name] = widget.value
        return out

    def show_errors(self, errors: dict[str, str]) -> None:
        """``errors``: field → error type code (as in core's ``field_errors`` and the server's 422)."""
        self.shown_errors = {name for name, _ in FIELDS if name in errors}
        for name, _ in FIELDS:
            box = self.query_one(f"#err-{name}", Static)
            kind = errors.get(name)
            box.update(Content(error_text(name, kind)) if kind else "")
            box.set_class(bool(kind), "-shown")
        other = [k for k in errors if k not in dict(FIELDS)]
        self.query_one("#record-error", Static).update(
            Content(", ".join(error_text(k, errors[k]) for k in other)) if other else "")
        first = next((name for name, _ in FIELDS if name in errors), None)
        if first is not None:
            self.query_one(f"#f-{first}").focus()

    def errors(self) -> dict[str, str]:
        try:
            MatterIn.model_validate(self.values())
        except ValidationError as exc:
            return {name: kind for name, (kind, _msg) in field_errors(exc).items()}
        return {}

    @on(Input.Changed)
    def _look_for_similar(self) -> None:
        self.query_one(SimilarMatters).lookup(self.values())

    def action_open_similar(self) -> None:
        self.query_one(SimilarMatters).open_highlighted()

    def on_similar_matters_open(self, message: SimilarMatters.Open) -> None:
        """Show the possible duplicate on top of the form: esc there comes back to the form as it was."""
        message.stop()
        self.app.push_screen(DetailScreen(message.number))

    def validate(self) -> MatterIn | None:
        errors = self.errors()
        self.show_errors(errors)
        return None if errors else MatterIn.model_validate(self.values())

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | Select.Changed) -> None:
        """A field's error goes as soon as it is fixed; a phone call makes the phone's error come or go."""
        if not self.shown_errors:
            return
        errors = self.errors()
        for name in list(self.shown_errors):
            if name not in errors:
                self.shown_errors.discard(name)
                box = self.query_one(f"#err-{name}", Static)
                box.update("")
                box.set_class(False, "-shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":  # not while a select's list is open: enter picks there
            return isinstance(self.focused, (Input, HSelect))
        return True

    def action_next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        matter = self.validate()
        if matter is not None and not self.saving:
            self._send(matter)

    @work(group="record", exclusive=True, exit_on_error=False)
    async def _send(self, matter: MatterIn) -> None:
        self.saving = True
        try:
            out = await self.wb.call(lambda api: api.record(matter, self.idempotency_key))
        except ApiError as exc:
            if exc.fields:
                self.show_errors(exc.fields)
            self.query_one("#record-error", Static).update(Content(refusal_text(exc.code, exc.message)))
            return
        except Unreachable:
            self.query_one("#record-error", Static).update(Content(t("conn.action_failed")))
            return
        finally:
            self.saving = False
        self.dismiss(out)

    def typed_input(self) -> bool:
        """Something was typed or chosen (esc, and quitting or signing out from anywhere, ask first)."""
        return self.values() != self.initial

    def action_cancel(self) -> None:
        leave_unless_typed(self, self.typed_input(), lambda: self.dismiss(None))
