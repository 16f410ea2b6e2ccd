"""The workbench's only way to the server: HTTP with httpx, the schemas of :mod:`huiyin.core.schemas`.

Every failure becomes one of two exceptions the screens know how to show: :class:`ApiError` (the server
answered with ``{code, message, fields?}``) or :class:`Unreachable` (no answer at all).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from huiyin.core.domain import Action, Queue
from huiyin.core.schemas import (
    ActionIn,
    AssessmentOut,
    BoardOut,
    CalendarOverridesYear,
    CalendarStatus,
    ClockIn,
    ClockOut,
    ErrorOut,
    EventOut,
    EventPage,
    LoginOut,
    MatterDetail,
    MatterIn,
    MatterOut,
    MatterSummary,
    OperatorOut,
    PolicyModel,
    QueueCounts,
    QueuePage,
    SimilarPage,
    UnitOut,
)


class SampleOperator(BaseModel):
    """One row of ``GET /api/sample/operators``."""

    model_config = ConfigDict(extra="ignore")
    username: str
    display_name: str = ""
    role: str = ""
    unit: str = ""


class ApiError(Exception):
    def __init__(self, status: int, error: ErrorOut, retry_after: int | None = None) -> None:
        self.status = status
        self.error = error
        #: ``Retry-After`` of a 429 (seconds), when the server sent one
        self.retry_after = retry_after
        super().__init__(f"{status} {error.code}: {error.message}")

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message

    @property
    def fields(self) -> dict[str, str]:
        return self.error.fields or {}


class UnitsChanged:
    """What the live feed says when an admin changed the unit tree (an SSE ``units_changed``): fetch it again."""


class Unreachable(Exception):
    """The server did not answer (refused, timed out, DNS ...)."""


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


#: how long an idle connection is kept for the next request: well under the server's keep-alive (5 s by default,
#: ``HUIYIN_KEEP_ALIVE_SECONDS``), else a request can go out on a connection the server is closing that instant
KEEPALIVE_SECONDS = 2.0


def _may_resend(request_method: str, headers: dict[str, str]) -> bool:
    """A request the server may not have read at all (the connection closed under it) is sent once more when that
    is harmless: a read, or a write that carries its ``Idempotency-Key`` (the server answers a repeat as the first)."""
    return request_method in ("GET", "HEAD") or "Idempotency-Key" in headers


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        #: told the server's now of every answer (``X-Huiyin-Now``): a :class:`huiyin.tui.servertime.ServerTime`
        self.server_time: Any = None
        #: every request sent, as ``(method, path)`` in order (the stream's too): what a keystroke or a live event
        #: costs, counted by the tests
        self.sent: list[tuple[str, str]] = []
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport,
                                       limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
                                       headers={"Accept": "application/json"},
                                       event_hooks={"request": [self._count], "response": [self._observe_clock]})

    async def _count(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    async def _observe_clock(self, response: httpx.Response) -> None:
        if self.server_time is not None:
            self.server_time.observe_headers(response.headers)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def _request(self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None,
                       headers: dict[str, str] | None = None) -> Any:
        sent = self._headers(headers)
        try:
            try:
                response = await self._http.request(method, path, json=json_body, params=params, headers=sent)
            except httpx.RemoteProtocolError:
                if not _may_resend(method, sent):
                    raise
                # the server closed a kept-alive connection as this request went out on it: once more, anew
                response = await self._http.request(method, path, json=json_body, params=params, headers=sent)
        except httpx.TransportError as exc:
            raise Unreachable(str(exc) or exc.__class__.__name__) from None
        if response.status_code >= 400:
            raise _error_from(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # --- the API of shared/API.md -------------------------------------------------------------------------
    async def health(self) -> bool:
        try:
            response = await self._http.get("/health", timeout=3.0)
        except httpx.TransportError as exc:
            raise Unreachable(str(exc) or exc.__class__.__name__) from None
        return response.status_code < 500

    async def health_info(self) -> dict[str, Any]:
        """``GET /health``: ``{status, version, database, sample}`` (``{}`` when the answer is not JSON)."""
        try:
            response = await self._http.get("/health", timeout=3.0)
        except httpx.TransportError as exc:
            raise Unreachable(str(exc) or exc.__class__.__name__) from None
        if response.status_code >= 400:
            raise _error_from(response)
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    async def sample_operators(self) -> list[SampleOperator]:
        """The sample district's accounts (``GET /api/sample/operators``; 404 on a real district)."""
        data = await self._request("GET", "/api/sample/operators")
        return [SampleOperator.model_validate(item) for item in data or []]

    async def policy(self) -> PolicyModel:
        return PolicyModel.model_validate(await self._request("GET", "/api/policy"))

    async def calendar(self) -> list[CalendarOverridesYear]:
        return [CalendarOverridesYear.model_validate(y) for y in await self._request("GET", "/api/calendar") or []]

    async def calendar_status(self) -> CalendarStatus:
        return CalendarStatus.model_validate(await self._request("GET", "/api/calendar/status"))

    async def clock(self) -> ClockOut:
        """``GET /api/clock``: the server's now and its clock's rate (the answer's headers sync the time)."""
        return ClockOut.model_validate(await self._request("GET", "/api/clock"))

    async def move_clock(self, body: ClockIn) -> ClockOut:
        """``POST /api/clock``: a demo server's clock, for trainers and admins."""
        return ClockOut.model_validate(await self._request("POST", "/api/clock",
                                                           json_body=body.model_dump(mode="json", exclude_none=True)))

    async def login(self, username: str, password: str) -> LoginOut:
        data = await self._request("POST", "/api/auth/login", json_body={"username": username, "password": password})
        out = LoginOut.model_validate(data)
        self.token = out.token
        return out

    async def logout(self) -> None:
        try:
            await self._request("POST", "/api/auth/logout")
        finally:
            self.token = None

    async def change_password(self, current: str, new: str) -> None:
        """``POST /api/me/password``: the operator's own password (their other sessions end, this one stays)."""
        await self._request("POST", "/api/me/password", json_body={"current_password": current, "new_password": new})

    async def me(self) -> OperatorOut:
        return OperatorOut.model_validate(await self._request("GET", "/api/me"))

    async def units(self) -> list[UnitOut]:
        return [UnitOut.model_validate(u) for u in await self._request("GET", "/api/units")]

    async def queue_counts(self) -> QueueCounts:
        return QueueCounts.model_validate(await self._request("GET", "/api/queues"))

    async def matters(self, queue: Queue, *, q: str = "", limit: int = 100, cursor: str | None = None,
                      before: str | None = None, from_end: bool = False) -> QueuePage:
        """A page of a queue: after ``cursor``, before ``before``, the last one (``from_end``) or the first."""
        params: dict[str, Any] = {"queue": str(queue), "limit": limit}
        if q:
            params["q"] = q
        if cursor:
            params["cursor"] = cursor
        if before:
            params["before"] = before
        if from_end:
            params["from_end"] = "true"
        return QueuePage.model_validate(await self._request("GET", "/api/matters", params=params))

    async def similar(self, *, phone: str = "", title: str = "", address: str = "",
                      limit: int = 5) -> SimilarPage:
        """Open matters that may be the one being recorded (``GET /api/matters/similar``)."""
        params: dict[str, Any] = {"limit": limit}
        for name, value in (("phone", phone), ("title", title), ("address", address)):
            if value:
                params[name] = value
        return SimilarPage.model_validate(await self._request("GET", "/api/matters/similar", params=params))

    async def matter(self, number: str) -> MatterDetail:
        return MatterDetail.model_validate(await self._request("GET", f"/api/matters/{number}"))

    async def record(self, matter: MatterIn, idempotency_key: str) -> MatterOut:
        data = await self._request("POST", "/api/matters", json_body=matter.model_dump(mode="json"),
                                   headers={"Idempotency-Key": idempotency_key})
        return MatterOut.model_validate(data)

    async def act(self, number: str, action: Action, body: ActionIn) -> MatterDetail:
        data = await self._request("POST", f"/api/matters/{number}/{action}",
                                   json_body=body.model_dump(mode="json", exclude_none=True))
        return MatterDetail.model_validate(data)

    async def events_page(self, after: int = 0, limit: int = 100) -> EventPage:
        return EventPage.model_validate(await self._request("GET", "/api/events",
                                                            params={"after": after, "limit": limit}))

    async def assessment(self, **params: Any) -> AssessmentOut:
        """``GET /api/reports/assessment`` (``from``/``to``/``year``/``quarter``/``month``, ``unit``, ``tier``)."""
        return AssessmentOut.model_validate(await self._request("GET", "/api/reports/assessment", params=params))

    async def assessment_matters(self, **params: Any) -> list[MatterSummary]:
        return [MatterSummary.model_validate(m)
                for m in await self._request("GET", "/api/reports/assessment/matters", params=params)]

    async def board(self) -> BoardOut:
        return BoardOut.model_validate(await self._request("GET", "/api/board"))

    async def board_matters(self, cell: str) -> list[MatterSummary]:
        return [MatterSummary.model_validate(m)
                for m in await self._request("GET", "/api/board/matters", params={"cell": cell})]

    async def stream_events(self, last_event_id: int | None = None,
                            ) -> AsyncIterator[EventOut | QueueCounts | UnitsChanged | None]:
        """The server's event stream (SSE); resumes after ``last_event_id``. Ends when the connection does.
        ``None`` first, once the server has taken the connection (it sends what happens from then on); the
        operator's queue sizes (:class:`QueueCounts`) after the events of each moment."""
        headers = self._headers({"Accept": "text/event-stream", "Cache-Control": "no-cache"})
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        timeout = httpx.Timeout(10.0, read=None)
        try:
            async with self._http.stream("GET", "/api/events", params={"counts": "true"}, headers=headers,
                                         timeout=timeout) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _error_from(response)
                yield None
                data: list[str] = []
                kind = ""
                async for line in response.aiter_lines():
                    if line == "":
                        if kind == "units_changed":
                            yield UnitsChanged()
                        elif data:
                            try:
                                payload = json.loads("\n".join(data))
                                if kind == "queue_counts":
                                    yield QueueCounts.model_validate(payload)
                                else:
                                    yield EventOut.model_validate(payload)
                            except (ValueError, ValidationError):
                                pass
                        data, kind = [], ""
                    elif line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip(" "))
        except httpx.TransportError as exc:
            raise Unreachable(str(exc) or exc.__class__.__name__) from None
        except asyncio.CancelledError:
            raise


def _error_from(response: httpx.Response) -> ApiError:
    try:
        error = ErrorOut.model_validate(response.json())
    except (ValueError, ValidationError):
        text = response.text.strip()[:200] or response.reason_phrase
        error = ErrorOut(code=f"http_{response.status_code}", message=text)
    retry = response.headers.get("retry-after", "")
    return ApiError(response.status_code, error, int(retry) if retry.isdigit() else None)
