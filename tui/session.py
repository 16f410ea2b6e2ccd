"""The workbench's session, without Textual: who is signed in, the district's rules as this window knows them,
the server's clock, where the live event stream stands, and the API client. The app holds one
(:attr:`huiyin.tui.app.WorkbenchApp.session`) and screens read it; it is tested alone (tests/tui/test_session.py).

Every API call of the workbench goes through :meth:`WorkbenchSession.call`, which tells the app (by the two hooks
given to the session) whether the server answered and whether the sign-in has expired.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from huiyin.core.clock import Clock
from huiyin.core.domain import Action
from huiyin.core.schemas import EventOut, MatterSummary, OperatorOut, QueueCounts, UnitOut
from huiyin.core.units import UnitInfo, UnitTree
from huiyin.core.workflow import Actor, allowed_actions, state_of

from .client import ApiClient, ApiError, Unreachable
from .servertime import ServerTime
from .timeleft import DeadlineRules

T = TypeVar("T")

#: event ids of this window's own actions kept to recognise their live events (the oldest are forgotten)
KNOWN_EVENTS = 256


def _ignore_online(online: bool, detail: str = "") -> None:
    pass


def _ignore_expired() -> None:
    pass


class _HasSession(Protocol):
    session: WorkbenchSession


class FromSession(Generic[T]):
    """An attribute of the object's :class:`WorkbenchSession` (its ``session``), read and written through it:
    the app offers the session's state under the names screens have always used."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> FromSession[T]: ...

    @overload
    def __get__(self, obj: _HasSession, objtype: type | None = None) -> T: ...

    def __get__(self, obj: _HasSession | None, objtype: type | None = None) -> T | FromSession[T]:
        if obj is None:
            return self
        return cast(T, getattr(obj.session, self.name))

    def __set__(self, obj: _HasSession, value: T) -> None:
        setattr(obj.session, self.name, value)


class WorkbenchSession:
    """One window's session with one server (a new sign-in starts it again with :meth:`begin`)."""

    def __init__(self, clock: Clock | None = None, server_url: str | None = None, *,
                 on_online: Callable[..., None] = _ignore_online,
                 on_expired: Callable[[], None] = _ignore_expired) -> None:
        #: the server's time (every answer resyncs it), unless a test hands the workbench a clock of its own
        self.clock: Clock = clock or ServerTime()
        self.server_url: str | None = None
        self.api: ApiClient | None = None
        if server_url:
            self.connect(server_url)
        self.on_online = on_online
        self.on_expired = on_expired
        self.operator: OperatorOut | None = None
        self.units: dict[int, UnitOut] = {}
        self.unit_tree: UnitTree | None = None
        #: the district's calendar and deadline policy (countdowns) and the calendar's warnings
        self.rules = DeadlineRules()
        #: the operator's queue sizes and urgent counts (``GET /api/queues`` or the live feed), in every header
        self.counts: QueueCounts | None = None
        #: the live stream: the last event taken, and whether it is open now
        self.last_event_id: int | None = None
        self.stream_connected = False
        #: :attr:`counts` are the ones the last live event carried (not asked since)
        self.counts_told = False
        self._known: dict[int, None] = {}

    # --- the server -------------------------------------------------------------------------------------------
    def connect(self, url: str) -> ApiClient:
        """Talk to the server at ``url`` from now on."""
        self.server_url = url.rstrip("/")
        self.api = ApiClient(self.server_url)
        if isinstance(self.clock, ServerTime):
            self.api.server_time = self.clock  # every answer's X-Huiyin-Now sets the workbench's time
        return self.api

    @property
    def follows_server_time(self) -> bool:
        """The clock is the server's (synced from its answers), not one a test handed in."""
        return isinstance(self.clock, ServerTime)

    async def call(self, make: Callable[[ApiClient], Awaitable[T]]) -> T:
        """Run one API call; tells ``on_online`` whether the server answered and ``on_expired`` when a signed-in
        session got a 401; re-raises :class:`ApiError` and :class:`Unreachable`."""
        if self.api is None:
            from .i18n import t

            raise Unreachable(t("conn.starting"))
        try:
            result = await make(self.api)
        except Unreachable as exc:
            self.on_online(False, str(exc))
            raise
        except ApiError as exc:
            self.on_online(True)
            if exc.status == 401 and self.operator is not None:
                self.on_expired()
            raise
        self.on_online(True)
        return result

    # --- who is signed in -------------------------------------------------------------------------------------
    def begin(self, operator: OperatorOut, units: list[UnitOut]) -> None:
        """Signed in as ``operator``: the unit tree as fetched; the stream starts anew, counts are unknown."""
        self.set_units(units)
        self.operator = operator
        self.last_event_id = None
        self.stream_connected = False
        self.counts, self.counts_told = None, False
        self._known.clear()

    def end(self) -> OperatorOut | None:
        """Signed out (or expired): who it was."""
        operator, self.operator = self.operator, None
        self.stream_connected = False
        return operator

    def set_units(self, units: Iterable[UnitOut]) -> None:
        fresh = list(units)
        self.units = {u.id: u for u in fresh}
        self.unit_tree = UnitTree(UnitInfo(u.id, u.name, u.tier, u.kind, u.parent_id) for u in fresh)

    # --- rules ------------------------------------------------------------------------------------------------
    def allowed_for(self, matter: MatterSummary | None) -> list[Action]:
        """The workflow actions the core rules allow this operator on ``matter`` (from the row's facts)."""
        if matter is None or self.operator is None or self.unit_tree is None:
            return []
        actor = Actor(role=self.operator.role, unit_id=self.operator.unit.id)
        return allowed_actions(actor, state_of(matter), self.unit_tree)

    def unit_label(self, unit_id: int | None, tier_name: Callable[[str], str] = str) -> str:
        """A unit's name with its tier (``tier_name`` words the tier)."""
        if unit_id is None or unit_id not in self.units:
            return ""
        unit = self.units[unit_id]
        return f"{unit.name} ({tier_name(unit.tier)})"

    async def refresh_rules(self, *, units: bool = True) -> None:
        """Fetch the district's deadline policy, calendar and calendar warnings (and the unit tree, ``units``).
        Each part that fails keeps what the session had (never raises): countdowns go on with the last rules."""
        if self.api is None:
            return
        answers: list[Any] = []
        fetches: list[Callable[[ApiClient], Awaitable[Any]]] = [
            lambda api: api.policy(), lambda api: api.calendar(), lambda api: api.calendar_status()]
        if units and self.operator is not None:  # an admin may have added or moved units
            fetches.append(lambda api: api.units())
        for fetch in fetches:
            try:
                answers.append(await self.call(fetch))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - an old server, a 500, a timeout: keep the last rules
                answers.append(None)
        policy, years, status = answers[:3]
        self.rules = DeadlineRules.from_wire(policy.model_dump() if policy is not None else None, years,
                                             status.warnings if status is not None else None, self.rules)
        if len(answers) > 3 and answers[3] is not None:
            self.set_units(answers[3])

    async def refresh_counts(self) -> QueueCounts | None:
        """``GET /api/queues`` into :attr:`counts` (kept as it was when the call fails)."""
        try:
            self.counts = await self.call(lambda api: api.queue_counts())
            self.counts_told = False
        except (ApiError, Unreachable):
            pass
        return self.counts

    # --- the live stream --------------------------------------------------------------------------------------
    def known(self, ids: Iterable[int]) -> None:
        """Events this window knows already (an action's answer carries the matter's timeline): their live
        frames change nothing here."""
        for ident in ids:
            self._known[ident] = None
        while len(self._known) > KNOWN_EVENTS:
            del self._known[next(iter(self._known))]

    def is_known(self, ident: int) -> bool:
        return ident in self._known

    def take(self, event: EventOut) -> bool:
        """A live event came: the stream stands after it now. ``False`` when it is news of this window's own
        action, known already. The queue sizes are not known until the stream tells them (:meth:`told`)."""
        self.last_event_id = event.id
        self.counts_told = False
        return not self.is_known(event.id)

    def told(self, counts: QueueCounts) -> None:
        """The stream told the operator's queue sizes after the events it sent."""
        self.counts, self.counts_told = counts, True
