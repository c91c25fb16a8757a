# Managed by the service standard (copier update): extend it from the modules beside core/.
"""One structured log line per request: method, path, status, duration."""

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = structlog.get_logger("access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, skip_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        # Probes hit health endpoints every few seconds; logging them is noise.
        self.skip_paths = skip_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.skip_paths:
            await self.app(scope, receive, send)
            return

        status = 500  # what the client gets if the app raises before responding
        started = time.perf_counter()

        async def send_capturing_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_capturing_status)
        finally:
            client = scope.get("client")
            # Who acted, where the route records it (the admin panel does, as a user id).
            user = scope.get("state", {}).get("user")
            logger.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                client=client[0] if client else None,
                **({"user": user} if user else {}),
            )
