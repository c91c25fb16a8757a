"""Fallback HTTP/1.1 load generator (stdlib asyncio), used only when `wrk` is missing.

    python bench/loadgen.py --url http://127.0.0.1:8000 --path /a --path /b \\
        --connections 16 --duration 4 [--max-requests 200000]

Keeps `--connections` keep-alive connections busy for `--duration` seconds
(or until `--max-requests` responses, whichever comes first), cycling through
the given paths, and prints one JSON object on stdout in the same shape as the
wrk Lua reporter in `run.py`: requests, duration_us, errors, latency
percentiles in microseconds.

It only talks to loopback addresses and refuses anything else. It is slower
than wrk (a Python client needs a good share of a core itself), which is why
`run.py` prefers wrk; with both sides measured by the same client the ratios
stay comparable, but absolute req/s are lower.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import socket
import sys
import time
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 64 * 1024


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * pct / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def _require_loopback(host: str) -> None:
    addrs = {info[4][0] for info in socket.getaddrinfo(host, None)}
    for addr in addrs:
        if not ipaddress.ip_address(addr).is_loopback:
            raise SystemExit(f"loadgen: refusing non-loopback target {host} ({addr})")


async def _worker(
    host: str,
    port: int,
    requests: list[bytes],
    start_index: int,
    deadline: float,
    budget: list[int],
    latencies: list[float],
    errors: dict[str, int],
) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        errors["connect"] += 1
        return
    i = start_index
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            request = requests[i % len(requests)]
            i += 1
            t0 = time.perf_counter()
            writer.write(request)
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5.0)
            except TimeoutError:
                errors["timeout"] += 1
                return
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                errors["read"] += 1
                return
            if len(head) > MAX_HEADER_BYTES:
                errors["read"] += 1
                return
            status_line, _, rest = head.partition(b"\r\n")
            status = int(status_line.split(b" ", 2)[1])
            length = 0
            chunked = False
            for line in rest.split(b"\r\n"):
                name, _, value = line.partition(b":")
                lname = name.strip().lower()
                if lname == b"content-length":
                    length = int(value.strip())
                elif lname == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            try:
                if chunked:
                    while True:
                        size_line = await reader.readuntil(b"\r\n")
                        size = int(size_line.split(b";")[0].strip(), 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                elif length:
                    await reader.readexactly(length)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError, ValueError):
                errors["read"] += 1
                return
            latencies.append(time.perf_counter() - t0)
            if not 200 <= status < 400:
                errors["status"] += 1
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run(
    url: str,
    paths: list[str],
    connections: int,
    duration: float,
    max_requests: int,
    headers: list[str],
) -> dict[str, object]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    _require_loopback(host)
    host_header = f"{host}:{port}"
    extra = "".join(f"{h.strip()}\r\n" for h in headers)
    requests = [
        f"GET {p} HTTP/1.1\r\nHost: {host_header}\r\nAccept: */*\r\n{extra}\r\n".encode("latin-1")
        for p in paths
    ]
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    budget = [max_requests]
    start = time.perf_counter()
    deadline = start + duration
    await asyncio.wait_for(
        asyncio.gather(
            *(
                _worker(host, port, requests, n, deadline, budget, latencies, errors)
                for n in range(connections)
            )
        ),
        timeout=duration + 30,
    )
    elapsed = time.perf_counter() - start
    lat_us = sorted(x * 1e6 for x in latencies)
    return {
        "requests": len(lat_us),
        "duration_us": elapsed * 1e6,
        "errors": errors,
        "latency_us": {
            "mean": sum(lat_us) / len(lat_us) if lat_us else 0.0,
            "p50": _percentile(lat_us, 50),
            "p90": _percentile(lat_us, 90),
            "p99": _percentile(lat_us, 99),
            "p999": _percentile(lat_us, 99.9),
            "max": lat_us[-1] if lat_us else 0.0,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True, help="base URL, loopback only")
    parser.add_argument(
        "--path", action="append", required=True, help="path to request (repeatable; cycled)"
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        help="'Name: value' sent with every request (repeatable)",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--max-requests", type=int, default=500_000)
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 600:
        parser.error("--duration must be in (0, 600] seconds")
    if not 0 < args.connections <= 1024:
        parser.error("--connections must be in [1, 1024]")
    coro = run(args.url, args.path, args.connections, args.duration, args.max_requests, args.header)
    try:
        import uvloop  # type: ignore[import-not-found]
    except ImportError:
        result = asyncio.run(coro)
    else:
        result = uvloop.run(coro)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
