"""The operator's own password (key ``P``, and the palette): the current one, the new one twice, masked.

Also shown right after signing in with a password an admin set (a new account, a reset: the server's login
answer says ``must_change_password`` and refuses everything else until it is changed); there esc signs out
instead of going back. The new password follows core's one rule (:func:`huiyin.core.schemas.password_problem`);
the server's refusals are shown in the catalog's words, by their code, under the field at fault.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

from huiyin.core.schemas import password_problem

from ..client import ApiError, Unreachable
from ..i18n import current, t
from .admin_dialogs import FieldSpec, FormDialog, refusal

#: the server's field names → this form's
_FIELDS = {"current_password": "current", "new_password": "new"}


def new_password_check(value: str) -> str | None:
    """The catalog key of what is wrong with a new password, by core's rule."""
    problem = password_problem(value)
    return None if problem is None else f"password.problem.{problem}"


class PasswordScreen(FormDialog):
    """Dismissed with ``True`` once the server took the new password; ``None`` on esc (after asking, when
    something was typed)."""

    #: the labels take the dialog's width ("New password again" is longer than a form's 14-cell label column)
    CSS = """
    PasswordScreen .form-label { width: 100%; }
    """

    def __init__(self, forced: bool = False) -> None:
        fields = [FieldSpec("current", "password.current", password=True),
                  FieldSpec("new", "password.new", password=True, check=new_password_check),
                  FieldSpec("repeat", "password.repeat", password=True)]
        super().__init__(t("password.title_forced" if forced else "password.title"), fields, self._send)
        self.forced = forced
        self.add_class("password-form")

    def on_mount(self) -> None:
        # at once, not scheduled: keys typed while the screen opens land in the first field, in order
        self.set_focus(self.query_one("#f-current"))
        self.query_one(".form-hint", Static).update(Content(t("password.hint_forced" if self.forced
                                                              else "password.hint")))

    def problem(self, spec: FieldSpec, value: str) -> str | None:
        found = super().problem(spec, value)
        if found is None and spec.name == "repeat" and value != self.values()["new"]:
            return t("password.problem.mismatch")
        if found is None and spec.name == "new" and value and value == self.values()["current"]:
            return t("password.problem.unchanged")
        return found

    async def _send(self, values: dict[str, str]) -> Any:
        # the app is the WorkbenchApp (importing it here would be circular): its call() marks online/offline
        workbench: Any = self.app
        await workbench.call(lambda api: api.change_password(values["current"], values["new"]))
        return True

    def refused(self, exc: ApiError | Unreachable) -> None:
        placed = False
        if isinstance(exc, ApiError):
            for name, code in (exc.error.fields or {}).items():
                key = f"password.problem.{code}"
                if name in _FIELDS and current().has(key):
                    self.query_one(f"#e-{_FIELDS[name]}", Static).update(Content(t(key)))
                    self.query_one(f"#f-{_FIELDS[name]}").focus()
                    placed = True
        self.query_one("#form-refusal", Static).update(Content("" if placed else refusal(exc)))
