"""OpenAPI descriptions of the error responses the routes share."""

from huiyin.core.schemas import ErrorOut, MatterDetail

E401 = {401: {"model": ErrorOut, "description": "no token, or an expired or logged-out one"}}
E403 = {403: {"model": ErrorOut, "description": "not allowed: the message says why (role or unit)"}}
E404 = {404: {"model": ErrorOut, "description": "no such matter"}}
E409 = {409: {"model": ErrorOut, "description": "the matter's state does not allow it now, or another window "
                                                "was first (`already_claimed` names who holds it)"}}
E422 = {422: {"model": ErrorOut, "description": "invalid input; `fields` maps each field at fault to an error "
                                                "type such as `required`, `too_long`, `phone_format`"}}
E429 = {429: {"model": ErrorOut, "description": "too many failed logins of this account or from this address; "
                                                "`Retry-After` says in how many seconds to try again"}}
E400 = {400: {"model": ErrorOut, "description": "malformed request: a body that is not valid JSON or UTF-8, or an "
                                                "unreadable `Content-Length`"}}
E408 = {408: {"model": ErrorOut, "description": "the request body did not arrive in time (the connection is closed)"}}
E413 = {413: {"model": ErrorOut, "description": "the request body is larger than the server takes (1 MiB by "
                                                "default; the connection is closed)"}}
#: what any operation may answer, whatever its route does (see server/serving/guard.py)
SHARED = {**E400, **E408, **E413}
#: POST /api/matters sent again with the same Idempotency-Key
REPLAYED = {200: {"model": MatterDetail, "description": "sent again with the same `Idempotency-Key`: the matter the "
                                                        "first request recorded (nothing new is recorded)"}}
