# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Accept or create an `X-Request-ID`, expose it to logs and errors, echo it back."""

import random
import re
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# A generator of its own: code that reseeds the global one (Hypothesis does, for
# every example) would otherwise make every request id the same.
_ids = random.Random()  # noqa: S311 (ids must be unique, not secret)
_HEADER_KEY = HEADER.lower().encode("latin-1")
# Client-supplied ids end up in logs: accept only short, plain tokens.
_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def request_id_of(scope: Scope) -> str | None:
    state: dict[str, Any] = scope.get("state", {})
    request_id: str | None = state.get("request_id")
    return request_id


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Ids must be unique, not secret: the seeded PRNG spares a getrandom()
        # system call per request (uuid4 makes one).
        request_id = _incoming_id(scope) or f"{_ids.getrandbits(128):032x}"
        # The scope dict is shared with the outer error middleware, so even a
        # 500 built there can carry the id.
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)


def _incoming_id(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == _HEADER_KEY:
            return value.decode("latin-1") if _VALID_ID.match(value) else None
    return None
