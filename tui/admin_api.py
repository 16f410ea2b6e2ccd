"""The admin console's calls (``/api/units``, ``/api/operators``, ``/api/audit``, the calendar and the policy),
on the workbench's :class:`~huiyin.tui.client.ApiClient`: the same errors (:class:`ApiError`,
:class:`Unreachable`), the same token."""

from __future__ import annotations

from typing import Any

from huiyin.core.schemas import (
    AdminOperatorOut,
    AuditPage,
    CalendarYearOut,
    OperatorCreated,
    PasswordOut,
    PolicyModel,
    SessionOut,
    UnitOut,
)

from .client import ApiClient


async def units(api: ApiClient) -> list[UnitOut]:
    return [UnitOut.model_validate(u) for u in await api._request("GET", "/api/units")]


async def add_unit(api: ApiClient, body: dict[str, Any]) -> UnitOut:
    return UnitOut.model_validate(await api._request("POST", "/api/units", json_body=body))


async def change_unit(api: ApiClient, unit_id: int, body: dict[str, Any]) -> UnitOut:
    return UnitOut.model_validate(await api._request("PATCH", f"/api/units/{unit_id}", json_body=body))


async def operators(api: ApiClient) -> list[AdminOperatorOut]:
    return [AdminOperatorOut.model_validate(o) for o in await api._request("GET", "/api/operators")]


async def add_operator(api: ApiClient, body: dict[str, Any]) -> OperatorCreated:
    return OperatorCreated.model_validate(await api._request("POST", "/api/operators", json_body=body))


async def change_operator(api: ApiClient, username: str, body: dict[str, Any]) -> AdminOperatorOut:
    return AdminOperatorOut.model_validate(await api._request("PATCH", f"/api/operators/{username}",
                                                              json_body=body))


async def reset_password(api: ApiClient, username: str) -> PasswordOut:
    return PasswordOut.model_validate(await api._request("POST", f"/api/operators/{username}/password",
                                                         json_body={}))


async def sessions(api: ApiClient, username: str) -> list[SessionOut]:
    return [SessionOut.model_validate(s) for s in await api._request("GET", f"/api/operators/{username}/sessions")]


async def revoke_sessions(api: ApiClient, username: str) -> int:
    return int((await api._request("DELETE", f"/api/operators/{username}/sessions"))["revoked"])


async def audit(api: ApiClient, *, kind: str | None = None, actor: str | None = None,
                cursor: str | None = None, limit: int = 50) -> AuditPage:
    params: dict[str, Any] = {"limit": limit}
    for name, value in (("kind", kind), ("actor", actor), ("cursor", cursor)):
        if value:
            params[name] = value
    return AuditPage.model_validate(await api._request("GET", "/api/audit", params=params))


async def calendar_year(api: ApiClient, year: int) -> CalendarYearOut:
    return CalendarYearOut.model_validate(await api._request("GET", f"/api/calendar/{year}"))


async def set_day(api: ApiClient, day: str, body: dict[str, Any]) -> CalendarYearOut:
    return CalendarYearOut.model_validate(await api._request("PUT", f"/api/calendar/days/{day}", json_body=body))


async def remove_day(api: ApiClient, day: str) -> CalendarYearOut:
    return CalendarYearOut.model_validate(await api._request("DELETE", f"/api/calendar/days/{day}"))


async def import_year(api: ApiClient, year: int, text: str) -> CalendarYearOut:
    return CalendarYearOut.model_validate(await api._request("PUT", f"/api/calendar/{year}",
                                                             json_body={"text": text}))


async def policy(api: ApiClient) -> PolicyModel:
    return await api.policy()


async def set_policy(api: ApiClient, body: dict[str, Any]) -> PolicyModel:
    return PolicyModel.model_validate(await api._request("PUT", "/api/policy", json_body=body))
