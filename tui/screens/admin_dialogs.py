"""The admin console's dialogs: a form that checks each field as it is typed and shows a server refusal in
words (:class:`FormDialog`), a yes/no question before something hard to undo (:class:`ConfirmDialog`), and a
text shown once (:class:`NoticeDialog`, a new password)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ..client import ApiError, Unreachable
from ..components.inputs import HSelect
from ..i18n import current, refusal_text, t
from ..workbench import localize_bindings
from .discard import leave_unless_typed


@dataclass
class FieldSpec:
    name: str
    #: catalog key of the label
    label: str
    value: str = ""
    #: ``(label, value)`` pairs: a choice instead of free text
    options: list[tuple[str, str]] | None = None
    password: bool = False
    #: the catalog key of what is wrong with a value, or ``None``
    check: Callable[[str], str | None] | None = None
    required: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


#: refusals whose server message names what stands in the way (the matters, the units, the field): shown too
NAMING_CODES = frozenset({"unit_has_open_matters", "unit_has_children", "unit_has_operators", "invalid_input",
                          "tier_order", "calendar_conflict"})


def refusal(exc: Exception) -> str:
    """A failed call in the person's words: the catalog's text for the server's stable code (the admin
    console's own ``admin.refusal.<code>``, else the workbench's ``refusal.<code>``), plus what it named."""
    if isinstance(exc, ApiError):
        own = f"admin.refusal.{exc.code}"
        text = t(own) if current().has(own) else refusal_text(exc.code, exc.message)
        if exc.code in NAMING_CODES and exc.message and exc.message != text:
            text = f"{text}\n{exc.message}"
        return text
    if isinstance(exc, Unreachable):
        return t("admin.unreachable", detail=str(exc))
    return str(exc)


class FormDialog(ModalScreen[Any]):
    """``submit(values)`` is awaited on ctrl+s when every field is valid; what it returns is the dialog's result.
    A refusal it raises stays on the form, in words; esc asks before throwing typed input away."""

    BINDINGS = [
        Binding("ctrl+s", "save", "admin.key.save", id="form.save", key_display="^s"),
        Binding("escape", "cancel", "admin.key.cancel", id="form.cancel", key_display="esc"),
    ]

    def __init__(self, title: str, fields: list[FieldSpec],
                 submit: Callable[[dict[str, str]], Awaitable[Any]]) -> None:
        super().__init__(classes="admin-form")
        localize_bindings(self)
        self.title_text = title
        self.fields = fields
        self.submit = submit
        self.initial = {f.name: f.value for f in fields}

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.styled(self.title_text, "bold"), id="dialog-title")
            # not a stop of its own for tab: the keys typed after tab belong to a field (it scrolls to the field)
            with VerticalScroll(id="form-fields", can_focus=False):
                for spec in self.fields:
                    yield Label(t(spec.label), classes="form-label")
                    if spec.options is not None:
                        # enter moves on from a select too (space or up/down open it; typing there finds)
                        yield HSelect(spec.options, value=spec.value if spec.value else Select.NULL,
                                      allow_blank=not spec.value, id=f"f-{spec.name}", compact=True)
                    else:
                        yield Input(spec.value, password=spec.password, id=f"f-{spec.name}", compact=True)
                    yield Static("", id=f"e-{spec.name}", classes="form-error")
            yield Static("", id="form-refusal", classes="form-error")
            yield Static(Content(t("admin.form_hint")), classes="form-hint")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#f-{self.fields[0].name}").focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for spec in self.fields:
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, Select):
                out[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                assert isinstance(widget, Input)  # a field is a select or an input (compose)
                out[spec.name] = widget.value
        return out

    def problem(self, spec: FieldSpec, value: str) -> str | None:
        if spec.required and not value.strip():
            return t("admin.error.required")
        if spec.check is not None and value.strip():
            key = spec.check(value)
            return t(key) if key else None
        return None

    def _show(self, spec: FieldSpec, value: str) -> str | None:
        problem = self.problem(spec, value)
        self.query_one(f"#e-{spec.name}", Static).update(Content(problem or ""))
        return problem

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        name = (event.control.id or "")[2:]
        spec = next((s for s in self.fields if s.name == name), None)
        if spec is not None:
            self._show(spec, self.values()[name])
        self.query_one("#form-refusal", Static).update("")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()

    async def action_save(self) -> None:
        values = self.values()
        bad = [spec for spec in self.fields if self._show(spec, values[spec.name])]
        if bad:
            self.query_one(f"#f-{bad[0].name}").focus()
            return
        try:
            result = await self.submit(values)
        except (ApiError, Unreachable) as exc:
            self.refused(exc)
            return
        self.dismiss(result)

    def refused(self, exc: ApiError | Unreachable) -> None:
        """Show a refusal of ``submit`` on the form (nothing typed is lost)."""
        self.query_one("#form-refusal", Static).update(Content(refusal(exc)))

    def typed_input(self) -> bool:
        """Something was typed or chosen (esc, and quitting or signing out from anywhere, ask first)."""
        return self.values() != self.initial

    def action_cancel(self) -> None:
        leave_unless_typed(self, self.typed_input(), lambda: self.dismiss(None))


class ConfirmDialog(ModalScreen[bool]):
    """``True`` only on y; n and esc keep everything as it was."""

    BINDINGS = [
        Binding("y", "answer(True)", "admin.key.yes", id="confirm.yes"),
        Binding("n", "answer(False)", "admin.key.no", id="confirm.no"),
        Binding("escape", "answer(False)", "admin.key.no", id="confirm.back", key_display="esc", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.styled(t("admin.confirm_title"), "bold"), id="dialog-title")
            yield Static(Content(self.question), id="confirm-question")
            yield Static(Content(t("admin.confirm_hint")), classes="form-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class NoticeDialog(ModalScreen[None]):
    """A text to read (and copy) once: enter or esc closes it."""

    BINDINGS = [Binding("enter,escape", "close", "admin.key.close", id="notice.close", key_display="enter")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.styled(self.title_text, "bold"), id="dialog-title")
            yield Static(Content(self.text), id="notice-text")
            yield Static(Content(t("admin.notice_hint")), classes="form-hint")

    def action_close(self) -> None:
        self.dismiss(None)
