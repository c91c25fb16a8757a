# Managed by the service standard (copier update): put your own tests outside tests/core/.
"""An unexpected error is cheap and contained: one short log event, the connection kept.

Against a live uvicorn server, as clients meet it: a 500 must not reset the
keep-alive connection, nor hold up the requests around it.
"""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import uvicorn
from fastapi import FastAPI

from tests.core.probes import with_probes

REQUEST = "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
async def live_port(app_factory: Callable[..., FastAPI]) -> AsyncIterator[int]:
    """A uvicorn server with the probe routes, on a free loopback port."""
    app = with_probes(app_factory(log_json=True))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # readiness: the sockets are bound and listening
        if serving.done():
            serving.result()  # start-up failed: raise its error
        await asyncio.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await serving


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    return status, await reader.readexactly(length)


async def test_a_500_keeps_the_keep_alive_connection(live_port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", live_port)
    try:
        statuses = []
        for path in ("/probes/fail", "/health/ready", "/probes/fail", "/health/ready"):
            writer.write(REQUEST.format(path=path).encode())
            await writer.drain()
            status, _ = await asyncio.wait_for(read_response(reader), timeout=30)
            statuses.append(status)
    finally:
        writer.close()

    assert statuses == [500, 200, 500, 200]


async def test_requests_beside_failing_ones_are_answered(live_port: int) -> None:
    async def get(path: str) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", live_port)
        try:
            writer.write(REQUEST.format(path=path).encode())
            await writer.drain()
            return (await read_response(reader))[0]
        finally:
            writer.close()

    paths = ["/probes/fail", "/health/ready"] * 20
    # Bounded, not timed: a failure that blocked the loop (as rendering a traceback
    # with local variables did, for minutes) would hold every request here.
    statuses = await asyncio.wait_for(asyncio.gather(*map(get, paths)), timeout=60)

    assert statuses == [500, 200] * 20
