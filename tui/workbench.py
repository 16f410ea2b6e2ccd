"""What screens and widgets may ask of the workbench app, and what the app tells them.

Screens and widgets depend on this small module only, never on :mod:`huiyin.tui.app` (the app imports the
screens, not the other way round):

* :class:`Workbench` is the typed interface of the app (the session, the rules, running actions);
  :func:`workbench` gives it for any widget.
* The app tells screens what happened with typed Messages (:class:`MattersChanged`, :class:`RulesChanged`,
  :class:`ServerReady`, :class:`MatterActed`) posted to every screen of the stack; a screen handles those it
  cares about (``on_matters_changed`` ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from textual.dom import DOMNode
from textual.message import Message

from huiyin.core.domain import Action
from huiyin.core.schemas import MatterDetail, MatterSummary, QueueCounts

from .i18n import t

if TYPE_CHECKING:
    from .client import ApiClient, ApiError
    from .memory import TokenStore
    from .session import WorkbenchSession

T = TypeVar("T")


class Workbench(Protocol):
    """The workbench app as screens see it (implemented by :class:`huiyin.tui.app.WorkbenchApp`): its session (who
    is signed in, the rules, the clock, the API client: :class:`~huiyin.tui.session.WorkbenchSession`), how it
    is set up, and what screens ask of it."""

    session: WorkbenchSession
    online: bool
    offline_detail: str
    retry_seconds: float
    sample_mode: bool
    cursor_blink_enabled: bool
    #: where saved sign-ins (and what each operator has opened) are kept; ``None`` keeps nothing on disk
    token_store: TokenStore | None

    @property
    def session_key(self) -> str:
        """Which server the saved state belongs to."""
        ...

    @property
    def embedded(self) -> bool:
        """The server is the built-in one this workbench started (not any server on localhost)."""
        ...

    async def call(self, make: Callable[[ApiClient], Awaitable[T]]) -> T: ...

    async def login(self, username: str, password: str, *, keep: bool = False) -> bool: ...

    async def resume_saved(self, username: str | None = None) -> bool: ...

    def last_username(self) -> str | None: ...

    def unit_label(self, unit_id: int | None) -> str: ...

    def run_matter_action(self, matter: MatterSummary, action: Action) -> None: ...

    def action_refused(self, number: str, action: Action, error: ApiError) -> None: ...

    def refresh_rules_soon(self) -> None: ...

    def set_online(self, online: bool, detail: str = "") -> None: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...


def workbench(node: DOMNode) -> Workbench:
    """The app of ``node`` as the workbench."""
    return cast(Workbench, node.app)


def localize_bindings(node: DOMNode) -> None:
    """Binding descriptions are catalog keys in the class; show them in the current language."""
    bindings = node._bindings
    for key, items in list(bindings.key_to_bindings.items()):
        bindings.key_to_bindings[key] = [
            replace(b, description=t(b.description)) if b.description and "." in b.description else b
            for b in items]


class MattersChanged(Message, bubble=False):
    """These matters changed (an empty set: anything may have changed), with what is known of them already:
    ``details``, a matter as the server answered an action of this window (shown as it is, not asked again), and
    ``counts``, the operator's queue sizes after the change as the live feed told them (``None``: not told)."""

    def __init__(self, numbers: set[str], *, details: dict[str, MatterDetail] | None = None,
                 counts: QueueCounts | None = None) -> None:
        super().__init__()
        self.numbers = numbers
        self.details = details or {}
        self.counts = counts


class RulesChanged(Message, bubble=False):
    """New calendar, deadline policy or calendar warnings from the server."""


class ServerReady(Message, bubble=False):
    """The built-in server answers now (``server_url`` and ``api`` are set)."""


class MatterActed(Message, bubble=False):
    """An action on a matter went through (sent to the screen it was started from), with the server's answer:
    the matter as it is now."""

    def __init__(self, number: str, action: Action, detail: MatterDetail) -> None:
        super().__init__()
        self.number = number
        self.action = action
        self.detail = detail
