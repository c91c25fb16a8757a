# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Answer liveness probes before any other middleware runs."""

from starlette.types import ASGIApp, Receive, Scope, Send

LIVE_PATH = "/health/live"
LIVE_BODY = b'{"status":"ok"}'
_LIVE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(LIVE_BODY)).encode("latin-1")),
]


class LivenessMiddleware:
    """`GET /health/live`, answered outermost in a few microseconds.

    Orchestrators probe it every few seconds, often with the pod's IP as the
    Host, and only ask whether the process serves: a request id, a log line,
    metrics, a trusted-host check or browser security headers would add cost
    and noise to an answer nobody reads. Other methods reach the route, which
    also documents the probe in OpenAPI.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == LIVE_PATH and scope["method"] == "GET":
            # Fresh messages: outer middleware may add headers to them.
            await send(
                {"type": "http.response.start", "status": 200, "headers": list(_LIVE_HEADERS)}
            )
            await send({"type": "http.response.body", "body": LIVE_BODY})
            return
        await self.app(scope, receive, send)
