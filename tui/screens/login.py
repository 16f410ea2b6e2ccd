"""Sign in: username and password; on a sample district's server (``/health`` says ``sample``, embedded or
remote), pick one of the accounts it lists (``GET /api/sample/operators``).

The operator who signed in last at this computer is preselected (the password is still asked). A session is
resumed without a password only for an operator who ticked "keep me signed in on this computer" (off by
default): on a counter PC shared by shifts, nobody acts as the one who signed in before."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..actions import bindings_for
from ..client import ApiError, SampleOperator, Unreachable
from ..components.banner import ConnectionBanner
from ..components.footer import WorkbenchFooter
from ..components.header import HeaderBar
from ..components.inputs import HCheckbox, HInput
from ..i18n import refusal_text, t
from ..workbench import ServerReady
from .base import WorkbenchScreen

SAMPLE_PASSWORD = "huiyin-sample"
#: the width of one sample account's line in the list (the login box is 72 cells wide)
SAMPLE_LINE_CELLS = 64


def server_label(url: str | None, embedded: bool) -> str:
    """The built-in server by name (only the one this workbench started); any other server by its URL, also
    one on localhost."""
    if embedded:
        return t("login.server_local") if url else t("login.server_starting")
    return url or t("login.server_starting")


def login_refusal(exc: ApiError) -> str:
    """A refused sign-in in the catalog's words, by its code (a throttled one says for how long)."""
    if exc.status == 401:
        return t("login.failed")
    if exc.code == "too_many_attempts" and exc.retry_after:
        return t("login.too_many_attempts", minutes=max(1, -(-exc.retry_after // 60)))
    return refusal_text(exc.code, exc.message)


class LoginScreen(WorkbenchScreen):
    BINDINGS = [
        *bindings_for("login"),
        # enter in the username moves to the password at once, so a quickly typed password never lands in it
        Binding("enter", "to_password", "key.next_field", id="login.next", show=False, priority=True),
    ]

    def __init__(self, switching: bool = False) -> None:
        super().__init__()
        self.switching = switching
        self.ready = False
        #: set once connected: a sign-in asked before (keys typed as the workbench starts) waits for it
        self.connected = asyncio.Event()
        self.signing_in = False
        #: where the focus goes back to when a sign-in is refused (none has it while signing in)
        self._focus_after: Widget | None = None
        #: the server has accounts (``/health``); before ``huiyin init`` nobody can sign in
        self.accounts = True

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        with Vertical(id="login-box"):
            yield Static(Content(t("login.title")), id="login-title")
            yield Static(Content(t("login.server", server=self._server_label())), id="login-server")
            yield Static(Content(t("login.connecting")), id="login-status")
            with Horizontal(classes="login-row"):
                yield Label(Content(t("login.username")), classes="login-label")
                yield HInput(id="username", placeholder=t("login.username_hint"), compact=True)
            with Horizontal(classes="login-row"):
                yield Label(Content(t("login.password")), classes="login-label")
                yield HInput(id="password", password=True, compact=True)
            with Horizontal(classes="login-row"):
                yield Label("", classes="login-label")  # under the fields, not a margin: a margin would narrow
                yield HCheckbox(Content(t("login.keep")), False, id="keep", compact=True)  # every 1fr sibling
            yield Static("", id="login-error", classes="field-error")
            yield Label(Content(t("login.samples", password=SAMPLE_PASSWORD)), id="samples-label")
            yield OptionList(id="samples")
        yield ConnectionBanner()
        yield WorkbenchFooter()

    def _show_samples(self, operators: list[SampleOperator]) -> None:
        from rich.cells import cell_len, set_cell_size

        options = self.query_one("#samples", OptionList)
        kept = self._highlighted_id() if options.has_focus else None
        options.clear_options()
        if not operators:
            self.query_one("#samples-label").display = False
            options.display = False
            return
        from ..components.queue_table import fit

        user_w = max(cell_len(o.username) for o in operators) + 2
        name_w = max(cell_len(o.display_name) for o in operators) + 2
        line_w = SAMPLE_LINE_CELLS  # one line each in the 72-cell login box (no wrapping at 80 columns)
        options.add_options([
            Option(Content(fit(set_cell_size(o.username, user_w) + set_cell_size(o.display_name, name_w) + o.unit,
                               line_w).rstrip()), id=o.username) for o in operators])
        self.query_one("#samples-label").display = True
        options.display = True
        ids = [o.username for o in operators]
        if kept in ids:  # the person is moving in the list: where they are stays (a reconnect never undoes it)
            options.highlighted = ids.index(kept)
        else:
            self._follow_username()

    def _highlighted_id(self) -> str | None:
        options = self.query_one("#samples", OptionList)
        if options.highlighted is None:
            return None
        return str(options.get_option_at_index(options.highlighted).id)

    @on(Input.Changed, "#username")
    def _follow_username(self) -> None:
        """The list highlights the person the username field names, or nobody: enter never signs in anyone but
        the person the screen shows. The list never takes the focus by itself (typing a name goes to the name)."""
        options = self.query_one("#samples", OptionList)
        if options.has_focus:
            return  # the list leads: moving in it writes the username (below)
        name = self.query_one("#username", Input).value.strip()
        ids = [str(options.get_option_at_index(i).id) for i in range(options.option_count)]
        options.highlighted = ids.index(name) if name in ids else None

    @on(OptionList.OptionHighlighted, "#samples")
    def _sample_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Moving in the list shows the person in the username field: who enter signs in."""
        if event.option_list.has_focus:
            self.query_one("#username", Input).value = str(event.option.id)

    def _server_label(self) -> str:
        return server_label(self.wb.session.server_url, self.wb.embedded)

    def on_mount(self) -> None:
        self.query_one("#samples-label").display = False
        self.query_one("#samples", OptionList).display = False
        # at launch the last operator of this computer is preselected and only the password is asked; after a
        # sign-out (the next shift) the username is empty and asked first. The focus is set at once, where the
        # person types: keys typed while the screen opens wait for it (the app applies keys in order)
        last = None if self.switching else self.wb.last_username()
        if last:
            self.query_one("#username", Input).value = last
            self.set_focus(self.query_one("#password", Input))
        else:
            self.set_focus(self.query_one("#username", Input))
        if self.wb.session.api is not None:
            self._connect()
        else:
            self._status(t("login.server_starting"))

    def on_server_ready(self, message: ServerReady) -> None:
        self.query_one("#login-server", Static).update(Content(t("login.server", server=self._server_label())))
        self._connect()

    def _ready_status(self) -> None:
        """Connected: log in, or (before ``huiyin init``) there is nobody to log in as, and what to run."""
        self._status(t("login.connected") if self.accounts else t("login.no_accounts"))

    def _status(self, text: str) -> None:
        self.query_one("#login-status", Static).update(Content(text))

    @work(group="login-connect", exclusive=True, exit_on_error=False)
    async def _connect(self) -> None:
        api = self.wb.session.api
        assert api is not None
        while True:
            try:
                health = await api.health_info()
                break
            except ApiError:
                health = {}
                break
            except Unreachable:
                self.wb.set_online(False)
                self._status(t("login.unreachable", seconds=int(self.wb.retry_seconds)))
                await asyncio.sleep(self.wb.retry_seconds)
        self.wb.set_online(True)
        operators: list[SampleOperator] = []
        if self.wb.sample_mode and health.get("sample") is True:
            try:
                operators = await api.sample_operators()
            except (ApiError, Unreachable):
                operators = []
        self._show_samples(operators)
        self.ready = True
        self.accounts = health.get("accounts") is not False
        self.connected.set()
        self._ready_status()
        if not self.switching:
            try:
                await self.wb.resume_saved()
            except (ApiError, Unreachable):
                pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_password":
            return self.focused is not None and self.focused.id == "username"
        return True

    def action_to_password(self) -> None:
        self.set_focus(self.query_one("#password", Input))  # now, not after the keys already on their way

    @on(Input.Submitted, "#password")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self._error(t("error.required"))
            self.query_one("#username", Input).focus()
            return
        self._hold_keys()
        self._login(username, password)

    @property
    def keep(self) -> bool:
        """"Keep me signed in on this computer" is ticked."""
        return self.query_one("#keep", HCheckbox).value

    @on(OptionList.OptionSelected, "#samples")
    def _sample(self, event: OptionList.OptionSelected) -> None:
        username = str(event.option.id)
        self.query_one("#username", Input).value = username
        self._hold_keys()
        self._login(username, SAMPLE_PASSWORD, resume=True)

    def _hold_keys(self) -> None:
        """In the key's own turn: signing in, and no field has the focus, so every key typed from now is held
        (for the queue that comes next, or for this screen again if the sign-in is refused) instead of being
        typed into the password."""
        self.signing_in = True
        self._focus_after = self.focused
        self.set_focus(None)

    def _error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(Content(text))

    @work(group="login", exclusive=True, exit_on_error=False)
    async def _login(self, username: str, password: str, resume: bool = False) -> None:
        self._error("")
        self.signing_in = True
        #: signed in and on the way to the queue: the keys typed meanwhile stay held for it (the app hands them
        #: over when it switches), never typed into this screen that goes away
        entered = False
        try:
            if not self.ready:  # typed before the server answered: signed in as soon as it does, not refused
                self._status(t("login.not_ready"))
                await self.connected.wait()
            self._status(t("login.logging_in", username=username))
            if resume and await self.wb.resume_saved(username):
                entered = True
                return
            entered = await self.wb.login(username, password, keep=self.keep)
        except ApiError as exc:
            self._ready_status()
            self._error(login_refusal(exc))
        except Unreachable:
            self._status(t("login.unreachable", seconds=int(self.wb.retry_seconds)))
            self._error(t("conn.action_failed"))
        finally:
            if not entered:
                self.signing_in = False
        if not entered:
            if self.focused is None and self._focus_after is not None and self._focus_after.is_attached:
                self._focus_after.focus()
            self.loaded()  # refused (or the forced password change): the keys typed meanwhile are for what is shown

    def is_loading(self) -> bool:
        """While signing in, keys typed ahead wait: they are for the queue that comes next."""
        return self.signing_in

    def on_unmount(self) -> None:
        self.loaded()  # signed in: the keys typed meanwhile go on to the queue (which holds them while it loads)
