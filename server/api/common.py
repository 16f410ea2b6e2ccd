"""OpenAPI descriptions of the error responses the routes share."""

from typing import Any

from pydantic import BaseModel

from huiyin.core.schemas import ErrorOut, MatterDetail

#: FastAPI's ``responses=``: status code → the answer's model and description
Responses = dict[int | str, dict[str, Any]]


def answer(status: int, description: str, model: type[BaseModel] = ErrorOut) -> Responses:
    """One documented answer of a route: its status, what it means, and its body's model."""
    return {status: {"model": model, "description": description}}


E401 = answer(401, "no token, or an expired or logged-out one")
E403 = answer(403, "not allowed: the message says why (role or unit)")
E404 = answer(404, "no such matter")
E409 = answer(409, "the matter's state does not allow it now, or another window was first (`already_claimed` names "
                   "who holds it)")
E422 = answer(422, "invalid input; `fields` maps each field at fault to an error type such as `required`, "
                   "`too_long`, `phone_format`")
E429 = answer(429, "too many failed logins of this account or from this address; `Retry-After` says in how many "
                   "seconds to try again")
E400 = answer(400, "malformed request: a body that is not valid JSON or UTF-8, or an unreadable `Content-Length`")
E408 = answer(408, "the request body did not arrive in time (the connection is closed)")
E413 = answer(413, "the request body is larger than the server takes (1 MiB by default; the connection is closed)")
#: what any operation may answer, whatever its route does (see server/serving/guard.py)
SHARED = {**E400, **E408, **E413}
#: POST /api/matters sent again with the same Idempotency-Key
REPLAYED = answer(200, "sent again with the same `Idempotency-Key`: the matter the first request recorded (nothing "
                       "new is recorded)", MatterDetail)
