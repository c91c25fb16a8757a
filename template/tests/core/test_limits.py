# Managed by the service standard (copier update): put your own tests outside tests/core/.
"""Limits on what one client may send, and on how many requests a process holds at once."""

import asyncio
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

from tests.core.fixtures import running
from tests.core.probes import LARGE_BODY_LIMIT, gate_of, with_probes

MiB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


def json_body(size: int) -> bytes:
    """A JSON object of about `size` bytes."""
    return b'{"pad": "' + b"x" * max(0, size - 11) + b'"}'


async def test_a_body_over_the_limit_is_refused_from_its_declared_length(
    app_factory: Callable[..., FastAPI],
) -> None:
    async with running(with_probes(app_factory())) as client:
        within = await client.post("/probes/echo", content=json_body(MiB - 100), headers=JSON)
        over = await client.post("/probes/echo", content=json_body(MiB + 100), headers=JSON)

    assert within.status_code == 200
    assert over.status_code == 413
    assert over.headers["content-type"] == "application/problem+json"
    assert over.json()["detail"] == f"The request body exceeds {MiB} bytes."


async def test_a_streamed_body_is_counted_as_it_arrives(
    app_factory: Callable[..., FastAPI],
) -> None:
    sent = 0

    async def trickle() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(64):  # 64 chunks of 64 KiB, no Content-Length: 4 MiB offered
            sent += 1
            yield b" " * 65536

    async with running(with_probes(app_factory(max_body_bytes=256 * 1024))) as client:
        response = await client.post("/probes/echo", content=trickle(), headers=JSON)

    assert response.status_code == 413
    assert sent < 64  # refused before the rest was read


async def test_a_route_may_raise_its_own_limit(app_factory: Callable[..., FastAPI]) -> None:
    body = json_body(2 * MiB)
    async with running(with_probes(app_factory())) as client:
        default = await client.post("/probes/echo", content=body, headers=JSON)
        raised = await client.post("/probes/large", content=body, headers=JSON)
        beyond = await client.post(
            "/probes/large", content=json_body(LARGE_BODY_LIMIT + 1), headers=JSON
        )

    assert (default.status_code, raised.status_code, beyond.status_code) == (413, 200, 413)


async def test_oversized_headers_are_refused_with_431(app_factory: Callable[..., FastAPI]) -> None:
    async with running(app_factory()) as client:
        normal = await client.get("/health/ready", headers={"X-Padding": "x" * 4096})
        huge = await client.get("/health/ready", headers={"X-Padding": "x" * MiB})

    assert normal.status_code == 200
    assert huge.status_code == 431
    assert huge.headers["content-type"] == "application/problem+json"


async def test_requests_past_the_concurrency_limit_are_shed_at_once(
    app_factory: Callable[..., FastAPI],
) -> None:
    app = with_probes(app_factory(max_concurrent_requests=2))
    gate = gate_of(app)
    async with running(app) as client:
        held = [asyncio.create_task(client.get("/probes/wait")) for _ in range(2)]
        await gate.wait_for_arrivals(2)  # both requests are inside the app
        shed = await client.get("/health/ready")
        gate.opened.set()
        answered = await asyncio.gather(*held)
        after = await client.get("/health/ready")

    assert shed.status_code == 503
    assert shed.json()["type"] == "urn:problem-type:overloaded"
    assert shed.headers["retry-after"] == "1"
    assert [response.status_code for response in answered] == [200, 200]
    assert after.status_code == 200
