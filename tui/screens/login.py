"""Log in: username and password; in sample mode, pick one of the sample district's operators."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..actions import bindings_for
from ..client import ApiError, Unreachable
from ..components.banner import ConnectionBanner
from ..components.header import HeaderBar
from ..components.inputs import HInput
from ..i18n import t
from .base import WorkbenchScreen


def server_label(url: str | None) -> str:
    if not url:
        return t("login.server_starting")
    host = urlparse(url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return t("login.server_local")
    return url


class LoginScreen(WorkbenchScreen):
    BINDINGS = bindings_for("login")

    def __init__(self, switching: bool = False) -> None:
        super().__init__()
        self.switching = switching
        self.ready = False

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        with Vertical(id="login-box"):
            yield Static(Content(t("login.title")), id="login-title")
            yield Static(Content(t("login.server", server=server_label(self.wb.server_url))), id="login-server")
            yield Static(Content(t("login.connecting")), id="login-status")
            with Horizontal(classes="login-row"):
                yield Label(t("login.username"), classes="login-label")
                yield HInput(id="username", placeholder=t("login.username_hint"), compact=True)
            with Horizontal(classes="login-row"):
                yield Label(t("login.password"), classes="login-label")
                yield HInput(id="password", password=True, compact=True)
            yield Static("", id="login-error", classes="field-error")
            if self.wb.sample_mode:
                yield Label(t("login.samples", password="huiyin-sample"), id="samples-label")
                yield OptionList(*self._sample_options(), id="samples")
        yield ConnectionBanner()
        yield Footer()

    def _sample_options(self) -> list[Option]:
        from ..app import SAMPLE_OPERATORS

        from rich.cells import cell_len, set_cell_size

        width = max(cell_len(u) for u, _ in SAMPLE_OPERATORS) + 2
        return [Option(Content(set_cell_size(username, width) + unit), id=username)
                for username, unit in SAMPLE_OPERATORS]

    def on_mount(self) -> None:
        if self.wb.sample_mode:
            self.query_one("#samples", OptionList).focus()
        else:
            self.query_one("#username", Input).focus()
        if self.wb.api is not None:
            self._connect()
        else:
            self._status(t("login.server_starting"))

    def server_ready(self) -> None:
        self.query_one("#login-server", Static).update(
            Content(t("login.server", server=server_label(self.wb.server_url))))
        self._connect()

    def _status(self, text: str) -> None:
        self.query_one("#login-status", Static).update(Content(text))

    @work(group="login-connect", exclusive=True, exit_on_error=False)
    async def _connect(self) -> None:
        api = self.wb.api
        assert api is not None
        while True:
            try:
                await api.health()
                break
            except Unreachable:
                self.wb.set_online(False)
                self._status(t("login.unreachable", seconds=int(self.wb.retry_seconds)))
                await asyncio.sleep(self.wb.retry_seconds)
        self.wb.set_online(True)
        self.ready = True
        self._status(t("login.connected"))
        if not self.switching:
            try:
                await self.wb.resume_saved()
            except (ApiError, Unreachable):
                pass

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self._error(t("error.required"))
            self.query_one("#username", Input).focus()
            return
        self._login(username, password)

    @on(OptionList.OptionSelected, "#samples")
    def _sample(self, event: OptionList.OptionSelected) -> None:
        username = str(event.option.id)
        self.query_one("#username", Input).value = username
        self._login(username, "huiyin-sample", resume=True)

    def _error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(Content(text))

    @work(group="login", exclusive=True, exit_on_error=False)
    async def _login(self, username: str, password: str, resume: bool = False) -> None:
        if not self.ready:
            self._error(t("login.not_ready"))
            return
        self._error("")
        self._status(t("login.logging_in", username=username))
        try:
            if resume and await self.wb.resume_saved(username):
                return
            await self.wb.login(username, password)
        except ApiError as exc:
            self._status(t("login.connected"))
            self._error(t("login.failed") if exc.status == 401 else exc.message)
        except Unreachable:
            self._status(t("login.unreachable", seconds=int(self.wb.retry_seconds)))
            self._error(t("conn.action_failed"))
