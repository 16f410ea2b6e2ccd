"""The window workbench: a keyboard-driven Textual client of the huiyin server.

The app holds the :class:`~.session.WorkbenchSession` (who is signed in, the rules, the server's clock, the API
client), the :class:`~.live.LiveFeed` that reads the event stream, and the screens; it signs in and out, starts
the built-in server, runs workflow actions (their answers go to the screens as Messages, applied as they are),
and shows the connection. It talks to the server only over HTTP (:mod:`.client`), also when the server is the
embedded one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

from huiyin.core.clock import Clock
from huiyin.core.domain import Action
from huiyin.core.schemas import ActionIn, LoginOut, MatterDetail, MatterSummary, OperatorOut, QueueCounts, UnitOut
from huiyin.core.units import UnitTree
from huiyin.core.workflow import RULES
from huiyin.themes import DEFAULT_THEME, builtin_themes, user_themes

from .actions import BY_NAME, REGISTRY, ActionSpec, bindings_for
from .client import ApiClient, ApiError, Unreachable
from .components.banner import ConnectionBanner
from .embedded import EmbeddedLauncher
from .i18n import refusal_text, set_language, t
from .keys import KeysInOrder
from .live import LiveFeed
from .memory import TokenStore
from .palette import WorkbenchCommands
from .screens.action_dialog import ActionDialog
from .screens.admin_dialogs import FormDialog
from .screens.base import WorkbenchScreen
from .screens.discard import DiscardScreen, leave_asking
from .screens.help import HelpScreen
from .screens.login import LoginScreen
from .screens.password import PasswordScreen
from .screens.queue import QueueScreen
from .screens.record import RecordScreen
from .session import FromSession, WorkbenchSession
from .timeleft import DeadlineRules
from .workbench import MatterActed, MattersChanged, RulesChanged, ServerReady, localize_bindings

T = TypeVar("T")

#: how often the district's calendar, deadline policy and calendar warnings are fetched again (seconds)
RULES_REFRESH_SECONDS = 300.0

#: how often the workbench asks the server's time when nothing else was asked (every answer resyncs it)
CLOCK_SYNC_SECONDS = 15.0

#: the sample district's shared password; the login screen lists the accounts the server names
#: (``GET /api/sample/operators``) when ``/health`` says ``sample``
SAMPLE_PASSWORD = "huiyin-sample"


#: screens where typed input lives (and the question before it is thrown away): ``q`` never quits the app there
FORM_SCREENS = (RecordScreen, ActionDialog, FormDialog, DiscardScreen, PasswordScreen)


class WorkbenchApp(KeysInOrder):
    CSS_PATH = ["app.tcss", "admin.tcss"]
    TITLE = "huiyin"
    BINDINGS = bindings_for("app")
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {WorkbenchCommands}

    # the session's state, as screens (the Workbench protocol) read it
    clock: FromSession[Clock] = FromSession()
    rules: FromSession[DeadlineRules] = FromSession()
    operator: FromSession[OperatorOut | None] = FromSession()
    units: FromSession[dict[int, UnitOut]] = FromSession()
    unit_tree: FromSession[UnitTree | None] = FromSession()
    counts: FromSession[QueueCounts | None] = FromSession()
    server_url: FromSession[str | None] = FromSession()
    api: FromSession[ApiClient | None] = FromSession()
    last_event_id: FromSession[int | None] = FromSession()
    stream_connected: FromSession[bool] = FromSession()

    def __init__(self, *, server_url: str | None = None, launcher: EmbeddedLauncher | None = None,
                 clock: Clock | None = None, language: str = "zh-CN", theme: str | None = None,
                 keymap: dict[str, str] | None = None, token_store: TokenStore | None = None,
                 sample_mode: bool = True, cursor_blink: bool = True, themes_dir: Path | None = None,
                 live: bool = True, retry_seconds: float = 3.0, clock_sync_seconds: float = CLOCK_SYNC_SECONDS) -> None:
        self.catalog = set_language(language)
        super().__init__()
        localize_bindings(self)
        #: who is signed in, the rules, the server's clock, the live stream's position, the API client
        self.session = WorkbenchSession(clock, server_url, on_online=self.set_online, on_expired=self.session_expired)
        self.clock_sync_seconds = clock_sync_seconds
        self.launcher = launcher
        self.keymap_config = dict(keymap or {})
        self.token_store = token_store
        #: offer the sample accounts on the login screen when the server says it is a sample district
        self.sample_mode = sample_mode
        self.cursor_blink_enabled = cursor_blink
        self.live = live
        self.retry_seconds = retry_seconds
        self.theme_problems: list[str] = []
        self.huiyin_themes: list[str] = []
        for th in builtin_themes():
            self.register_theme(th)
            self.huiyin_themes.append(th.name)
        if themes_dir is not None:
            found, self.theme_problems = user_themes(themes_dir)
            for th in found:
                self.register_theme(th)
                self.huiyin_themes.append(th.name)
        self.requested_theme = theme or DEFAULT_THEME
        self.theme = self.requested_theme if self.get_theme(self.requested_theme) else DEFAULT_THEME
        self.online = True
        self.offline_detail = ""
        #: the live event stream, read while signed in (the "events" worker)
        self.live_feed = LiveFeed(self.session, changed=lambda numbers, counts: self.matters_changed(numbers,
                                                                                                   counts=counts),
                                  units_changed=self.refresh_rules_soon, online=self.set_online,
                                  is_online=lambda: self.online, expired=self.session_expired,
                                  retry_seconds=lambda: self.retry_seconds, later=self.set_timer)

    # --- start ------------------------------------------------------------------------------------------------
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {"urgency-on-track": "#57AB5A", "urgency-at-risk": "#F2A541", "urgency-overdue": "#FF6B60"}

    def on_mount(self) -> None:
        if self.keymap_config:
            self.set_keymap(self.keymap_config)
        if self.requested_theme != self.theme:
            self.notify(t("notify.unknown_theme", name=self.requested_theme), severity="warning")
        for problem in self.theme_problems:
            self.notify(problem, title=t("notify.theme_problem"), severity="warning", timeout=10)
        self.push_screen(LoginScreen())
        self.set_interval(RULES_REFRESH_SECONDS, self.refresh_rules_soon)
        if self.session.follows_server_time:
            self.set_interval(self.clock_sync_seconds, self._sync_clock_soon)
        if self.launcher is not None and self.server_url is None:
            self._start_embedded()

    @work(thread=True, group="embedded", exit_on_error=False)
    def _start_embedded(self) -> None:
        assert self.launcher is not None
        try:
            url = self.launcher.start()
        except Exception as exc:  # noqa: BLE001 - shown to the person, never a traceback
            self.call_from_thread(self._embedded_failed, str(exc) or exc.__class__.__name__)
            return
        self.call_from_thread(self._embedded_ready, url)

    def _embedded_ready(self, url: str) -> None:
        self.session.connect(url)
        self._tell_screens(ServerReady)

    async def sync_clock(self) -> None:
        """Ask the server its time (``GET /api/clock``) when no other answer came lately."""
        if self.api is None or not self.session.follows_server_time:
            return
        try:
            await self.api.clock()
        except (ApiError, Unreachable):
            pass

    def _sync_clock_soon(self) -> None:
        if not any(w.group == "clock" and not w.is_finished for w in self.workers):
            self._sync_clock_worker()

    @work(group="clock", exit_on_error=False)
    async def _sync_clock_worker(self) -> None:
        await self.sync_clock()

    def _embedded_failed(self, detail: str) -> None:
        self.set_online(False, t("conn.embedded_failed", detail=detail))

    async def on_unmount(self) -> None:
        if self.api is not None:
            await self.api.aclose()
        if self.launcher is not None:
            await asyncio.to_thread(self.launcher.stop)

    # --- session ----------------------------------------------------------------------------------------------
    async def call(self, make: Callable[[ApiClient], Awaitable[T]]) -> T:
        """Run one API call (:meth:`WorkbenchSession.call`: marks the app offline/online, a 401 ends the session);
        re-raises :class:`ApiError` and :class:`Unreachable`."""
        return await self.session.call(make)

    @property
    def embedded(self) -> bool:
        """The server is the built-in one this workbench started (not just any server on localhost)."""
        return self.launcher is not None

    async def login(self, username: str, password: str, *, keep: bool = False) -> bool:
        """Sign in. The token is kept on this computer only when the operator asked for it (``keep``:
        "keep me signed in on this computer"); otherwise only the username is remembered, to preselect it.
        ``True``: the queue comes next; ``False``: the forced password change does."""
        out: LoginOut = await self.call(lambda api: api.login(username, password))
        if out.operator.must_change_password:
            # an admin set this password: the server takes nothing else until the operator chose their own
            self.push_screen(PasswordScreen(forced=True), partial(self._forced_change_done, out, keep))
            return False
        self._keep_token(out, keep)
        await self.enter_session(out.operator)
        return True

    def _keep_token(self, out: LoginOut, keep: bool) -> None:
        if self.token_store is not None and self.server_url:
            self.token_store.save(self.session_key, out.operator.username, out.token, out.expires_at, keep=keep)

    def _forced_change_done(self, out: LoginOut, keep: bool, changed: bool | None) -> None:
        """After the forced change: on into the session; esc there signs out (back to the sign-in screen)."""
        if not changed:
            self._end_session(server_logout=True)
            return
        self._keep_token(out, keep)
        self.notify(t("notify.password_changed"))

        async def enter() -> None:
            try:
                await self.enter_session(await self.call(lambda api: api.me()))
            except (ApiError, Unreachable) as exc:
                self.notify(refusal_text(getattr(exc, "code", ""), str(exc)), severity="error")
                self._end_session(server_logout=False)

        self.run_worker(enter(), group="session-start", exclusive=True, exit_on_error=False)

    def action_change_password(self) -> None:
        """The operator's own password (key P, the palette)."""
        def done(changed: bool | None) -> None:
            if changed:
                self.notify(t("notify.password_changed"))

        self.push_screen(PasswordScreen(), done)

    def last_username(self) -> str | None:
        """Who signed in last at this computer (to preselect on the sign-in screen)."""
        if self.token_store is None:
            return None
        return self.token_store.last_username(self.session_key)

    async def resume_saved(self, username: str | None = None) -> bool:
        """Sign in with a kept, unexpired token (the last operator's, or ``username``'s). Tokens are kept only
        for operators who chose "keep me signed in on this computer"."""
        if self.token_store is None or self.api is None or not self.server_url:
            return False
        saved = self.token_store.token(self.session_key, username)
        if saved is None:
            return False
        user, token = saved
        self.api.token = token
        try:
            operator = await self.call(lambda api: api.me())
        except ApiError:
            self.api.token = None
            self.token_store.forget(self.session_key, user)
            return False
        await self.enter_session(operator)
        return True

    async def enter_session(self, operator: OperatorOut) -> None:
        units = await self.call(lambda api: api.units())
        self.session.begin(operator, units)
        await self.refresh_rules(units=False)  # the units were just fetched
        # the screen switch runs in the app's own worker: the login screen (and its workers) go away during it
        self.run_worker(self._show_queues(), group="session", exclusive=True, exit_on_error=False)

    async def _show_queues(self) -> None:
        # keys typed while signing in are held by the screens that go now (until they have gone): they are the
        # queue's, in order, ahead of any it holds itself
        leaving = [screen for screen in self.screen_stack[1:] if isinstance(screen, WorkbenchScreen)]
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        queue = QueueScreen()
        await self.switch_screen(queue)
        queue.take_over_typed_ahead([key for screen in leaving for key in screen.take_typed_ahead()])
        if self.live:
            self.run_worker(self.live_feed.run(), group="events", exclusive=True, exit_on_error=False)

    async def refresh_rules(self, *, units: bool = True) -> None:
        """Fetch the district's rules again (:meth:`WorkbenchSession.refresh_rules`), then tell the screens."""
        await self.session.refresh_rules(units=units)
        self._tell_screens(RulesChanged)

    def refresh_rules_soon(self) -> None:
        """Fetch the rules again in the background (ctrl+r, every few minutes)."""
        if self.operator is not None:
            self._refresh_rules_worker()

    @work(group="rules", exclusive=True, exit_on_error=False)
    async def _refresh_rules_worker(self) -> None:
        # a worker (it runs the method when it starts): one cancelled before it starts leaves no coroutine behind
        await self.refresh_rules()

    async def refresh_counts(self) -> QueueCounts | None:
        """``GET /api/queues`` into :attr:`counts` (kept as it was when the call fails)."""
        return await self.session.refresh_counts()

    def session_expired(self) -> None:
        self.notify(t("notify.session_expired"), severity="warning")
        self._end_session(server_logout=False)

    def action_sign_out(self) -> None:
        """Sign out: the server ends the token (``POST /api/auth/logout``), this computer forgets it, and the
        sign-in screen comes back (for this operator or the next shift's). A form with typed input anywhere on
        the stack (the palette's Sign out over a half-filled form) is not thrown away without asking."""
        leave_asking(self.screen, lambda: self._end_session(server_logout=True))

    async def action_quit(self) -> None:
        """Quit, after asking when a form with typed input is open anywhere (``q`` on a possible duplicate
        shown over the record form, the palette's Quit)."""
        leave_asking(self.screen, self.exit)

    def _end_session(self, *, server_logout: bool) -> None:
        self.workers.cancel_group(self, "events")
        operator = self.session.end()
        if operator is not None and self.token_store is not None and self.server_url:
            self.token_store.forget(self.session_key, operator.username)
        api = self.api

        async def go() -> None:
            if api is not None and api.token:
                if server_logout:
                    try:
                        await api.logout()
                    except (ApiError, Unreachable):
                        pass  # the token expires by itself; here it is forgotten already
                api.token = None
            while len(self.screen_stack) > 2:
                await self.pop_screen()
            await self.switch_screen(LoginScreen(switching=True))

        self.call_later(go)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_out":
            return self.operator is not None
        if action == "change_password":
            return self.operator is not None and not isinstance(self.screen, FORM_SCREENS)
        if action == "quit" and isinstance(self.screen, FORM_SCREENS):
            return False  # a form or dialog: q is typed there (or does nothing), it never quits
        return True

    @property
    def session_key(self) -> str:
        """Where saved tokens belong: the server URL, or the embedded server's database (its port changes)."""
        if self.launcher is not None:
            return f"embedded:{self.launcher.database_url}"
        return self.server_url or ""

    # --- rules ------------------------------------------------------------------------------------------------
    def allowed_for(self, matter: MatterSummary | None) -> list[Action]:
        """The workflow actions the core rules allow this operator on ``matter`` (from the row's facts)."""
        return self.session.allowed_for(matter)

    def unit_label(self, unit_id: int | None) -> str:
        return self.session.unit_label(unit_id, lambda tier: t(f"tier.{tier}"))

    # --- workflow actions ---------------------------------------------------------------------------------------
    def run_matter_action(self, matter: MatterSummary, action: Action) -> None:
        """Ask what the action needs (fields, confirmation), send it, show the outcome. The screen it was started
        from hears :class:`MatterActed` with the server's answer (the matter as it is now), the other screens
        :class:`MattersChanged` with it: nobody asks for the matter again. The dialog opens at once, in the key's
        own turn (from a worker it opened later, and the keys typed right after the action's key, the note,
        went to the screen under it)."""
        if action not in self.allowed_for(matter):
            self.notify(t("notify.not_allowed", action=t(f"action.{action}")), severity="warning")
            return
        rule = RULES[action]
        number = matter.number
        origin = self.screen
        answers: list[MatterDetail] = []

        async def send(body: ActionIn) -> None:
            answers.append(await self.call(lambda api: api.act(number, action, body)))

        def dismissed(done: bool | None) -> None:
            if done and answers:
                self._acted(origin, action, answers[-1])

        if rule.requires or rule.confirm:
            self.push_screen(ActionDialog(matter, action, send), dismissed)
            return
        self._send_matter_action(origin, number, action)

    @work(group="matter-action", exclusive=True, exit_on_error=False)
    async def _send_matter_action(self, origin: Screen[Any], number: str, action: Action) -> None:
        """An action that needs nothing asked first (claim): sent as it is."""
        try:
            detail = await self.call(lambda api: api.act(number, action, ActionIn()))
        except ApiError as exc:
            self.action_refused(number, action, exc)
            return
        except Unreachable:
            self.notify(t("conn.action_failed"), severity="error")
            return
        self._acted(origin, action, detail)

    def _acted(self, origin: Screen[Any], action: Action, detail: MatterDetail) -> None:
        """The server's answer is the news: the screen the action came from hears it as :class:`MatterActed`, the
        others as :class:`MattersChanged` with the matter; this window's own live events of it are known already."""
        number = detail.number
        self.notify(t("notify.action_done", action=t(f"action.{action}"), number=number))
        self.session.known(e.id for e in detail.events)
        origin.post_message(MatterActed(number, action, detail))
        self._tell_screens(lambda: MattersChanged({number}, details={number: detail}), but=origin)

    def action_refused(self, number: str, action: Action, error: ApiError) -> None:
        """Show a refusal in words of the catalog (by its code; the server's message when the code is new)."""
        text = refusal_text(error.code, error.message, action=t(f"action.{action}"), number=number)
        self.notify(text, title=t("notify.refused"), severity="error", timeout=8, markup=False)
        self.matters_changed({number})

    # --- live updates ---------------------------------------------------------------------------------------
    def matters_changed(self, numbers: set[str], *, counts: QueueCounts | None = None) -> None:
        """Tell every screen that these matters changed (an empty set: anything may have changed); ``counts``:
        the operator's queue sizes after them, when the live feed told them."""
        self._tell_screens(lambda: MattersChanged(numbers, counts=counts))

    def _tell_screens(self, make: Callable[[], Message], *, but: Screen[Any] | None = None) -> None:
        """Post a message (a new one from ``make`` for each) to every screen of the stack (``but`` one)."""
        for screen in self.screen_stack:
            if screen is not but:
                screen.post_message(make())

    def set_online(self, online: bool, detail: str = "") -> None:
        if online == self.online and detail == self.offline_detail:
            return
        self.online, self.offline_detail = online, ("" if online else detail)
        for screen in self.screen_stack:
            for banner in screen.query(ConnectionBanner):
                banner.show_state()

    # --- names, palette, help -----------------------------------------------------------------------------
    async def run_named_action(self, name: str) -> bool:
        """Run a registered action by its name (the binding id), as if its key was pressed on this screen.
        Returns ``False`` when the action does not apply here now."""
        spec = BY_NAME.get(name)
        if spec is None:
            raise KeyError(f"no action named {name!r}")
        target = self._offered(spec, self.screen)
        if target is None:
            return False
        await self.run_action(spec.action, target)
        return True

    def _offered(self, spec: ActionSpec, screen: Screen[Any], *, checked: bool = True) -> DOMNode | None:
        """Where ``spec``'s action runs with ``screen`` on top (the app, or the screen when it has that action),
        when it applies there now (``checked``: its ``check_action`` says so); else ``None``."""
        target: DOMNode = self if spec.scope == "app" else screen
        action_name, _, rest = spec.action.partition("(")
        params: tuple[Any, ...] = (rest.rstrip(")").strip("'\""),) if rest else ()
        if getattr(type(target), f"action_{action_name}", None) is None:  # Textual runs actions by this name
            return None
        if checked and target.check_action(action_name, params) is not True:
            return None
        return target

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not self.screen.has_class("--textual-command-palette"):  # is_open()
            self.push_screen(CommandPalette(id="--command-palette", placeholder=t("palette.placeholder")))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(list(self.key_help(self.screen)), server=self.server_text()))

    def server_text(self) -> str:
        """Which server this window talks to: the built-in one's address (a second window opens on it with
        ``huiyin --server URL``), or the shared server's."""
        if not self.server_url:
            return t("help.server_starting")
        return t("help.server_builtin" if self.launcher is not None else "help.server", url=self.server_url)

    def key_help(self, screen: Screen[Any]) -> Iterable[tuple[str, str, str]]:
        """(key, what it does, binding id) for every key active on ``screen``."""
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id and active.node is not screen:
                # a widget's own key over the screen's (the table's enter selects a cell, which the screen
                # answers: the report's drill-down, the board's): the screen's binding says what it does
                binding = next((b for b in screen._bindings.key_to_bindings.get(key, ()) if b.id
                                and screen.check_action(b.action.split("(")[0], ()) is not False), binding)
            if not binding.id or binding.id in seen or not binding.description:
                continue
            if binding.id not in BY_NAME and binding.id.split(".")[0] not in ("table", "form", "dialog", "admin",
                                                                             "report", "board"):
                continue
            # a queue this operator does not have (overdue: clerks), an admin screen for someone not an admin
            if binding.action.startswith(("queue(", "admin(")):
                action, name = binding.action.rstrip(")").split("(", 1)
                if screen.check_action(action, (name.strip("'\""),)) is False:
                    continue
            if binding.action in ("report", "board") and screen.check_action(binding.action, ()) is False:
                continue  # the report and the board are for their roles only
            seen.add(binding.id or key)
            yield self.get_key_display(binding), binding.description, binding.id or ""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for spec in REGISTRY:
            if spec.name == "palette":
                continue
            # Quit is offered everywhere: from a form it asks first (q there is typed, never quits)
            if self._offered(spec, screen, checked=spec.name != "quit") is None:
                continue
            key = self.get_key_display(Binding(spec.key, spec.action, "", key_display=spec.key_display))
            # plain text: the palette (tui/palette.py) shows it as Content, so "[/]" is not markup
            run = self.action_quit if spec.name == "quit" else partial(self.run_named_action, spec.name)
            yield SystemCommand(f"{t(spec.label)}  [{key}]", t("palette.action_help", name=spec.name), run)
        for name in self.huiyin_themes:
            yield SystemCommand(t("palette.theme", name=name), t("palette.theme_help"),
                                partial(setattr, self, "theme", name), discover=False)
