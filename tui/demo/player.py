"""The demo player: plays a :class:`~huiyin.tui.demo.scenario.Scenario` in the real workbench, unattended.

:class:`DemoApp` is the workbench (:class:`huiyin.tui.app.WorkbenchApp`) on a demo sandbox
(:class:`huiyin.tui.embedded.DemoLauncher`: the built-in server in demo mode on a throw-away database, its
clock the scenario's :class:`~huiyin.core.clock.SimulatedClock`). Its :class:`Player` signs each step's window
in as that step's operator, opens the step's matter, runs the step's named action through the actions registry
(:meth:`~huiyin.tui.app.WorkbenchApp.run_named_action`), fills the dialog or form the action opens as a clerk
would, presses the step's keys, holds, and checks the step's expectations over the API. The caption banner
(:class:`huiyin.tui.components.caption.CaptionBanner`) shows the step, the window and the keys as pressed.

While the script plays, the trainer's keys are app-level priority bindings: space pause/resume, right next step
now, + / - speed, r restart on a fresh sandbox, q quit. When the script ends they are gone and the workbench is
the normal one, on the same sandbox. ``check=True`` (``huiyin demo --check``) plays with no holds, the clock
paused between jumps, and records each failed expectation with its step.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Select

from huiyin.core.clock import SimulatedClock
from huiyin.core.domain import Action, Queue
from huiyin.core.schemas import MatterIn
from huiyin.core.workflow import RULES

from ..actions import BY_NAME
from ..app import WorkbenchApp
from ..client import ApiClient, ApiError, Unreachable
from ..components.caption import CaptionBanner, CaptionState
from ..components.queue_table import QueueTable
from ..embedded import DemoLauncher
from ..i18n import t
from ..screens.action_dialog import ActionDialog
from ..screens.detail import DetailScreen
from ..screens.login import LoginScreen
from ..screens.queue import QueueScreen
from ..screens.record import RecordScreen
from ..workbench import ServerReady
from .scenario import SUPERVISION_KINDS, Expectation, Scenario, Step

#: the player's speeds (+ and - step through them)
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
#: worker groups that never settle (the live feed, the clock sync, the player itself)
BACKGROUND = {"events", "clock", "demo", "rules"}
#: how long a step's effect may take to show before the player calls it failed (seconds)
WAIT = 10.0


@dataclass(frozen=True)
class Failure:
    step: int
    message: str

    def __str__(self) -> str:
        return f"step {self.step}: {self.message}"


class DemoStop(Exception):
    """The player cannot go on (a window that does not open, a server that does not answer)."""


def key_label(key: str) -> str:
    return {"question_mark": "?", "slash": "/", "space": "space", "escape": "esc", "plus": "+",
            "minus": "-"}.get(key, key)


class Player:
    def __init__(self, app: DemoApp, scenario: Scenario, clock: SimulatedClock, *, check: bool = False) -> None:
        self.app = app
        self.scenario = scenario
        self.clock = clock
        self.check = check
        self.numbers: dict[str, str] = {}
        self.failures: list[Failure] = []
        self.clients: dict[str, ApiClient] = {}
        self.step_index = 0
        #: go to step N: the steps before it play as in a check (no holds, no pacing), step N as usual
        self.fast_until = 0

    @property
    def quick(self) -> bool:
        """No holds and no pacing: a check, or a step on the way to the one the trainer asked for."""
        return self.check or self.step_index < self.fast_until

    # --- API access of the player itself (setup and expectations) -------------------------------------------
    async def client(self, username: str) -> ApiClient:
        api = self.clients.get(username)
        if api is None:
            assert self.app.server_url
            api = ApiClient(self.app.server_url)
            await api.login(username, self.scenario.operator(username).password)
            self.clients[username] = api
        return api

    async def close(self) -> None:
        for api in self.clients.values():
            await api.aclose()
        self.clients.clear()

    # --- the script -------------------------------------------------------------------------------------------
    async def run(self) -> list[Failure]:
        app, sc = self.app, self.scenario
        self.clock.pause()
        for m in sorted(sc.matters, key=lambda m: m.at):
            self.clock.set(m.at)
            api = await self.client(m.operator)
            out = await api.record(MatterIn.model_validate(m.fields), f"demo-{m.key}")
            self.numbers[m.key] = out.number
        self.clock.set(sc.start)
        self.apply_speed()
        for step in sc.steps:
            self.step_index = step.index
            if not self.quick:
                self.apply_speed()  # arrived at the step asked for: the clock runs again (unless paused)
                await app.turn()
            await self.play_step(step)
            app.stepping = False
        return self.failures

    def apply_speed(self) -> None:
        if self.quick or self.app.paused:
            self.clock.pause()
        else:
            self.clock.set_speed(self.scenario.speed * self.app.speed)

    def fail(self, step: Step, message: str) -> None:
        self.failures.append(Failure(step.index, message))
        if not self.quick:
            self.app.notify(t("demo.failed", n=step.index, message=message), severity="error", timeout=8,
                            markup=False)

    async def play_step(self, step: Step) -> None:
        app = self.app
        app.skip.clear()
        app.caption.step, app.caption.total = step.index, len(self.scenario.steps)
        app.caption.caption, app.caption.caption_en, app.caption.keys = step.caption, step.caption_en, ""
        app.show_caption()
        if step.clock is not None:
            self.clock.set(step.clock.target(self.clock.now(), self.app.rules.calendar))
            await app.sync_clock()
        try:
            await self.switch_window(step.operator)
            if step.action == "record":
                await self.record(step)
            elif step.action is not None and step.action in {a.value for a in Action}:
                await self.workflow(step, Action(step.action))
            elif step.action is not None:
                await self.named(step, step.action)
            if step.keys:
                await self.press(step, step.keys)
            if step.text:
                await self.type_text(step.text)
            if step.keys or step.text or not self.quick:
                await self.settle()  # what the keys started (checking, actions wait for their own work)
        except DemoStop as exc:
            self.fail(step, str(exc))
        await self.expectations(step)
        await self.hold(step.hold)

    async def hold(self, seconds: float) -> None:
        if self.quick:
            return
        app = self.app
        left = seconds
        while left > 0 and not app.skip.is_set():
            await asyncio.sleep(0.05)
            if not app.paused:
                left -= 0.05 * app.speed

    async def pace(self, seconds: float) -> None:
        """A short pause the audience can follow (keys, typing); none when checking."""
        if not self.quick and not self.app.skip.is_set():
            await asyncio.sleep(seconds / self.app.speed)
            await self.app.wait_unpaused()

    async def wait(self, condition: Any, what: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise DemoStop(f"{what} did not happen within {timeout:g} s")
            await asyncio.sleep(0.02)

    @staticmethod
    def mounted(screen: Any, selector: str) -> bool:
        """The screen is composed and mounted down to ``selector`` (its fields may be filled)."""
        found = screen.query(selector)
        return bool(found) and all(w.is_mounted for w in screen.query("*"))

    async def settle(self, groups: set[str] | None = None) -> None:
        """Until no screen or app worker is busy (the live feed, clock sync and the player excepted); only
        those of ``groups`` when given."""
        app = self.app
        quiet = 0
        deadline = time.monotonic() + WAIT
        while quiet < 3 and time.monotonic() < deadline:
            busy = [w for w in app.workers if not w.is_finished and w.group not in BACKGROUND
                    and (groups is None or w.group in groups)]
            quiet = 0 if busy else quiet + 1
            await asyncio.sleep(0.03)


    # --- windows ----------------------------------------------------------------------------------------------
    async def switch_window(self, username: str) -> None:
        app = self.app
        if app.operator is not None and app.operator.username == username:
            return
        before = {id(s) for s in app.screen_stack}
        app.workers.cancel_group(app, "events")
        try:
            # the window signs in as that operator (with the player's token for them: one password check each)
            token = (await self.client(username)).token
            assert app.api is not None
            app.api.token = token
            await app.enter_session(await app.call(lambda api: api.me()))
        except (ApiError, Unreachable) as exc:
            raise DemoStop(f"{username} could not sign in: {exc}") from None

        def shown() -> bool:
            screen = app.screen
            return (isinstance(screen, QueueScreen) and id(screen) not in before
                    and any(table.loaded_once for table in screen.query(QueueTable)))

        await self.wait(shown, f"the window of {username}")
        op = app.operator
        assert op is not None
        tier = t(f"tier.{op.unit.tier}")
        app.caption.window = t("demo.window", unit=op.unit.name, tier=tier, name=op.display_name,
                               username=op.username, role=t(f"role.{op.role}"))
        app.show_caption()
        if not self.quick:
            app.notify(t("demo.switched", unit=op.unit.name, tier=tier, name=op.display_name), timeout=4)
        await self.pace(0.6)

    async def to_queue(self) -> None:
        app = self.app
        while len(app.screen_stack) > 2:
            await app.pop_screen()
        await self.wait(lambda: isinstance(app.screen, QueueScreen), "the queue screen")

    async def open_matter(self, key: str) -> str:
        number = self.numbers.get(key)
        if number is None:
            raise DemoStop(f"matter {key!r} was not recorded")
        await self.to_queue()
        app = self.app
        screen = DetailScreen(number)
        await app.push_screen(screen)
        await self.wait(lambda: screen.load_done and screen.matter is not None, f"opening {number}")
        return number

    # --- what a step does --------------------------------------------------------------------------------------
    async def show_key(self, key: str) -> None:
        app = self.app
        shown = key_label(key)
        app.caption.keys = f"{app.caption.keys} {shown}".strip()[-60:]
        app.show_caption()
        await self.pace(0.35)

    async def press(self, step: Step, keys: tuple[str, ...]) -> None:
        app = self.app
        for key in keys:
            await self.show_key(key)
            app.pressing = True
            try:
                await app._press_keys([key])
            finally:
                app.pressing = False
            await self.settle()

    async def type_text(self, text: str) -> None:
        app = self.app
        app.pressing = True
        try:
            for ch in text:
                await app._press_keys([ch])
                await self.pace(0.03)
        finally:
            app.pressing = False

    async def named(self, step: Step, name: str) -> None:
        await self.show_key(BY_NAME[name].key_display or BY_NAME[name].key)
        if not await self.app.run_named_action(name):
            raise DemoStop(f"{name} does not apply on this screen now")

    async def fill(self, widget: Any, value: Any) -> None:
        if isinstance(widget, Select):
            widget.value = value
            await self.pace(0.3)
            return
        assert isinstance(widget, Input)
        widget.focus()
        text = str(value)
        if self.quick:
            widget.value = text
            return
        widget.value = ""
        for i in range(0, len(text), 2):
            widget.value = text[: i + 2]
            await self.pace(0.06)

    async def record(self, step: Step) -> None:
        app = self.app
        await self.to_queue()
        await self.named(step, "record")
        await self.wait(lambda: isinstance(app.screen, RecordScreen) and self.mounted(app.screen, "#f-description"),
                        "the record form")
        form = app.screen
        assert isinstance(form, RecordScreen)
        for name, value in step.fields.items():
            await self.fill(form.query_one(f"#f-{name}"), value)
        await self.show_key("ctrl+s")
        app.refusal = None
        form.action_save()
        try:
            await self.wait(lambda: form not in app.screen_stack, "saving the record form")
        except DemoStop:
            errors = " ".join(str(w.render()) for w in form.query(".field-error")).strip()
            raise DemoStop(f"the record form was refused: {errors or app.refusal}") from None
        api = await self.client(step.operator)
        page = await api.matters(Queue.all, q=str(step.fields["title"]), limit=20)
        known = set(self.numbers.values())
        found = sorted((m.number for m in page.items if m.number not in known), reverse=True)
        if not found:
            raise DemoStop("the recorded matter is not in the window's queue")
        assert step.matter is not None
        self.numbers[step.matter] = found[0]

    async def workflow(self, step: Step, action: Action) -> None:
        app = self.app
        assert step.matter is not None
        number = await self.open_matter(step.matter)
        rule = RULES[action]
        app.refusal = None
        await self.named(step, str(action))
        if not (rule.requires or rule.confirm):
            await self.settle({"matter-action"})
        else:
            try:
                await self.wait(lambda: isinstance(app.screen, ActionDialog) and self.mounted(app.screen, "#ok"),
                                f"the {action} dialog")
            except DemoStop as stop:  # say what was shown instead (a notice of the app, another screen)
                stack = " > ".join(type(s).__name__ for s in app.screen_stack)
                raise DemoStop(f"{stop} (screens: {stack}; refused: {app.refusal})") from None
            dialog = app.screen
            assert isinstance(dialog, ActionDialog)
            for name, value in step.fields.items():
                if name == "to_unit":
                    unit = next((u for u in app.units.values() if u.name == value), None)
                    if unit is None:
                        raise DemoStop(f"no unit {value!r} in this district")
                    dialog._choose(unit.id)
                    await self.pace(0.3)
                elif name == "other":
                    await self.fill(dialog.query_one("#f-other"), self.numbers.get(str(value), value))
                else:
                    await self.fill(dialog.query_one(f"#f-{name}"), value)
            await self.show_key("ctrl+s")
            dialog.action_submit()
            try:
                await self.wait(lambda: dialog not in app.screen_stack, f"sending {action}")
            except DemoStop:
                errors = " ".join(str(w.render()) for w in dialog.query(".field-error")).strip()
                dialog.dismiss(False)
                raise DemoStop(f"the {action} dialog was refused: {errors}") from None
        if app.refusal:
            raise DemoStop(f"{action} on {number} was refused: {app.refusal}")

    # --- expectations -------------------------------------------------------------------------------------------
    async def expectations(self, step: Step) -> None:
        if not step.expect:
            return
        deadline = time.monotonic() + (3.0 if self.check else 2.0)
        while True:
            problems = [p for e in step.expect for p in await self.expectation(step, e)]
            if not problems or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        for problem in problems:
            self.fail(step, problem)

    async def expectation(self, step: Step, e: Expectation) -> list[str]:
        """What did not hold, each as ``expectation N: <what>: expected X, found Y``."""
        which = f"expectation {e.where.rsplit(' ', 1)[-1]}"
        try:
            if e.matter is not None:
                number = self.numbers.get(e.matter)
                if number is None:
                    return [f"{which}: matter {e.matter!r}: expected it recorded, found no such matter"]
                d = await (await self.client(step.operator)).matter(number)
                got = {"status": str(d.status), "holder": d.holder_unit.name if d.holder_unit else None,
                       "claimed_by": d.claimed_by.username if d.claimed_by else None,
                       "timeline": len([x for x in d.events if str(x.kind) not in SUPERVISION_KINDS])}
                return [f"{which}: matter {e.matter} ({number}) {name}: expected {want!r}, found {got[name]!r}"
                        for name in ("status", "holder", "claimed_by", "timeline")
                        if (want := getattr(e, name)) is not None and got[name] != want]
            who = e.operator or step.operator
            counts = await (await self.client(who)).queue_counts()
            have = getattr(counts, str(e.queue))
            if have != e.count:
                return [f"{which}: {who}'s {e.queue} queue: expected {e.count} matters, found {have}"]
        except (ApiError, Unreachable) as exc:
            return [f"{which}: the server did not answer: {exc}"]
        return []


class DemoApp(WorkbenchApp):
    """The workbench with a player and the trainer's keys (while the script plays)."""

    #: the workbench's own stylesheet (a relative path would be looked for next to this module)
    CSS_PATH = [str(Path(__file__).resolve().parent.parent / "app.tcss")]
    BINDINGS = [
        *WorkbenchApp.BINDINGS,
        Binding("space", "demo_pause", "demo.key_pause", id="demo.pause", priority=True),
        Binding("right", "demo_next", "demo.key_next", id="demo.next", priority=True, key_display="->"),
        Binding("plus", "demo_faster", "demo.key_faster", id="demo.faster", priority=True, key_display="+"),
        Binding("minus", "demo_slower", "demo.key_slower", id="demo.slower", priority=True, key_display="-"),
        Binding("r", "demo_restart", "demo.key_restart", id="demo.restart", priority=True),
        Binding("g", "demo_goto", "demo.key_goto", id="demo.goto", priority=True),
        Binding("q", "demo_quit", "demo.key_quit", id="demo.quit", priority=True),
    ]

    def __init__(self, *, scenario: Scenario, sim_clock: SimulatedClock, check: bool = False,
                 **kwargs: Any) -> None:
        kwargs.setdefault("clock_sync_seconds", 0.5)
        super().__init__(**kwargs)
        self.scenario = scenario
        self.sim_clock = sim_clock
        self.check = check
        self.playing = True
        self.paused = False
        self.speed = 1.0
        #: the script is pressing keys: the trainer's bindings step aside
        self.pressing = False
        #: this step was let through while paused (-> while paused: one step, then paused again)
        self.stepping = False
        self.skip = asyncio.Event()
        #: set while the player may start a step: playing, or one step asked for while paused
        self._go = asyncio.Event()
        self._go.set()
        #: the digits typed after g (go to step N), ``None`` when not asking
        self.goto_text: str | None = None
        self.player: Player | None = None
        self.caption = CaptionState(total=len(scenario.steps), status=self._status(), controls=t("demo.controls"))
        self.refusal: str | None = None
        self.failures: list[Failure] = []
        self.done = asyncio.Event()

    # --- the caption ----------------------------------------------------------------------------------------------
    def _status(self) -> str:
        if not self.playing:
            return t("demo.finished")
        if self.goto_text is not None:
            return t("demo.goto_prompt", n=self.goto_text, total=len(self.scenario.steps))
        if self.player is not None and self.player.step_index < self.player.fast_until:
            return t("demo.going", n=self.player.fast_until)
        return t("demo.paused" if self.paused else "demo.playing", speed=f"{self.speed:g}")

    def show_caption(self) -> None:
        self.caption.status = self._status()
        # the trainer's keys while the script plays; once it has ended, the keys are the workbench's again
        self.caption.controls = t("demo.controls") if self.playing else t("demo.ended_keys")
        screen = self.screen
        if isinstance(screen, ModalScreen):
            return
        found = screen.query(CaptionBanner)
        if found:
            found.first().show(self.caption)
        elif screen.is_attached:
            screen.mount(CaptionBanner(self.caption))

    # --- start -----------------------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # (Textual runs WorkbenchApp.on_mount too: it starts the sandbox server)
        self.set_interval(0.2, self.show_caption)
        self.run_worker(self._play(), group="demo", exclusive=True, exit_on_error=False)

    async def _play(self, fast_until: int = 0) -> None:
        while self.api is None or self.server_url is None:
            await asyncio.sleep(0.05)
        player = self.player = Player(self, self.scenario, self.sim_clock, check=self.check)
        player.fast_until = fast_until
        try:
            self.failures = await player.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as the step's failure, never a traceback on screen
            player.failures.append(Failure(player.step_index, f"the demo stopped: {exc!r}"))
            self.failures = player.failures
        finally:
            await player.close()
        self.playing = False
        self.paused = False
        self._go.set()
        if not self.check:
            self.sim_clock.set_speed(self.scenario.speed)
        self.show_caption()
        self.refresh_bindings()
        self.done.set()

    async def turn(self) -> None:
        """Until the next step may start: at once while playing; while paused, when -> asks for one step (it
        plays, then holds, still paused)."""
        await self._go.wait()
        self.stepping = self.paused
        if self.paused:
            self._go.clear()  # one step only

    async def wait_unpaused(self) -> None:
        """Inside a step: wait while paused (not in a step let through by -> while paused)."""
        if not self.stepping:
            await self._go.wait()

    def action_refused(self, number: str, action: Action, error: ApiError) -> None:
        self.refusal = f"{error.code}: {error.message}"
        super().action_refused(number, action, error)

    # --- the trainer's keys (while the script plays) ------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("demo_"):
            return self.playing and not self.pressing and not self.check
        return super().check_action(action, parameters)

    async def on_event(self, event: Any) -> None:
        """While the script plays the keys are the trainer's, wherever the focus is (a form's field would
        otherwise take space, r, q, + and - as text and the trainer could not pause or restart); after g, the
        digits of the step to go to, enter goes, esc does not."""
        if isinstance(event, events.Key) and self.playing and not self.pressing and not self.check:
            if self.goto_text is not None:
                event.stop()
                self._goto_key(event.key, event.character)
                return
            action = self._trainer_action(event.key)
            if action is not None:
                event.stop()
                await self.run_action(action)
                return
        await super().on_event(event)

    def _trainer_action(self, key: str) -> str | None:
        bindings = self._bindings.copy()
        if self._keymap:
            bindings.apply_keymap(self._keymap)
        for binding in bindings.key_to_bindings.get(key, ()):
            if binding.action.startswith("demo_"):
                return binding.action
        return None

    def action_demo_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._go.clear()
            self.sim_clock.pause()
        else:
            self.stepping = False
            self._go.set()
            self.sim_clock.set_speed(self.scenario.speed * self.speed)
        self.show_caption()

    def action_demo_next(self) -> None:
        """The next step now; while paused it plays that one step and stays paused."""
        self.skip.set()
        if self.paused:
            self._go.set()

    def _set_speed(self, step: int) -> None:
        i = SPEEDS.index(self.speed) if self.speed in SPEEDS else SPEEDS.index(1.0)
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + step))]
        if not self.paused:
            self.sim_clock.set_speed(self.scenario.speed * self.speed)
        self.show_caption()

    def action_demo_faster(self) -> None:
        self._set_speed(+1)

    def action_demo_slower(self) -> None:
        self._set_speed(-1)

    def action_demo_quit(self) -> None:
        self.exit()

    def action_demo_goto(self) -> None:
        """g: ask for a step's number in the banner (digits, enter to go, esc not to)."""
        self.goto_text = ""
        self.show_caption()

    def _goto_key(self, key: str, character: str | None) -> None:
        text = self.goto_text or ""
        if character is not None and character.isdigit() and len(text) < 4:
            self.goto_text = text + character
        elif key == "backspace":
            self.goto_text = text[:-1]
        elif key == "escape":
            self.goto_text = None
        elif key == "enter":
            self.goto_text = None
            if text:
                self.go_to_step(int(text))
        self.show_caption()

    def go_to_step(self, n: int) -> None:
        """Step ``n`` next: the steps before it play as fast as they go (as in a check) from where the script
        is, or from a fresh sandbox when ``n`` is this step or one already played; paused stays paused."""
        player = self.player
        total = len(self.scenario.steps)
        if player is None or not 1 <= n <= total:
            self.notify(t("demo.goto_bad", n=n, total=total), severity="warning")
            return
        if n <= player.step_index:
            self.run_worker(self._restart(fast_until=n), group="demo", exclusive=True, exit_on_error=False)
            return
        player.fast_until = n
        self.sim_clock.pause()
        self.skip.set()
        self._go.set()  # the steps on the way play even while paused; step n then waits its turn

    def action_demo_restart(self) -> None:
        self.run_worker(self._restart(), group="demo", exclusive=True, exit_on_error=False)

    async def _restart(self, fast_until: int = 0) -> None:
        self.notify(t("demo.restarting"))
        for group in ("events", "session", "rules", "matter-action"):
            self.workers.cancel_group(self, group)
        self.operator = None
        if self.player is not None:
            await self.player.close()
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(LoginScreen(switching=True))
        api, self.api = self.api, None
        if api is not None:
            await api.aclose()
        launcher = self.launcher
        assert isinstance(launcher, DemoLauncher)
        await asyncio.to_thread(launcher.reset)
        url = await asyncio.to_thread(launcher.start)
        self.session.connect(url)
        self._tell_screens(ServerReady)
        self.caption = CaptionState(total=len(self.scenario.steps), controls=t("demo.controls"))
        # a restart plays (r); going back to a step keeps a pause (the step then waits for space or ->)
        if not fast_until:
            self.paused = False
        self.playing, self.stepping = True, False
        self.skip.clear()
        if self.paused and not fast_until:
            self._go.clear()
        else:
            self._go.set()  # (going to a step while paused: that step plays once, then holds paused)
        self.refresh_bindings()
        await self._play(fast_until)
