#!/usr/bin/env python3
"""In-process companion to run.py: CPU cost per request of the same endpoint pairs.

    python3 bench/inprocess.py --project DIR [--rounds 15 --burst 200]

No sockets, no uvicorn: both ASGI apps (the generated service's
`create_app()` in production mode, and `bench/baseline_app.py`) are called
directly, one request at a time, in the same process, in short alternating
bursts (ours, base, base, ours, ...). For each pair it prints the median CPU
time per request of both sides, the difference, the CPU ratio, and the Python
function calls per request (a deterministic count, immune to noise).

Use it to compare two versions of one side: call counts are exact, and it is
far less sensitive to other processes than run.py, since it measures the
process's own CPU time rather than throughput. Its ratios do not predict
run.py's: one request at a time, each trip to aiosqlite's thread pays for
waking an idle event loop (shared between requests under load), and the HTTP
server and what only concurrency brings (pool overflow) are left out.

DIR is a generated project with a synced .venv (e.g. from `run.py --keep`);
the script re-runs itself with that venv's interpreter, migrates a fresh
SQLite file with the service's CLI and seeds it through the app's own POST
endpoint. Bounded: --rounds x --burst requests per endpoint and side.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent


# Extra request headers (the bearer token when the service wants one), set once signed in.
HEADERS: list[tuple[bytes, bytes]] = []


async def call(
    app: Any,
    path: str,
    query: bytes = b"",
    method: str = "GET",
    body: bytes = b"",
    content_type: bytes = b"application/json",
) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*"), *HEADERS]
        + (
            [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
            if body
            else []
        ),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0
    chunks: list[bytes] = []
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the app waits for a disconnect that never comes
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def burst(app: Any, path: str, query: bytes, n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        await call(app, path, query)
    return (time.process_time() - t0) / n * 1e6


async def python_calls(app: Any, path: str, query: bytes, n: int = 50) -> float:
    count = 0

    def profiler(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profiler)
    try:
        for _ in range(n):
            await call(app, path, query)
    finally:
        sys.setprofile(None)
    return count / n


def _claims(token: str) -> dict[str, Any]:
    def part(segment: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, payload, _sig = token.split(".")
    return {**part(payload), "alg": part(header).get("alg", "HS256")}


async def measure(
    package: str, rounds: int, n: int, seed_count: int, auth: str
) -> list[dict[str, Any]]:
    sys.path.insert(0, str(BENCH_DIR))
    import importlib

    ours = importlib.import_module(f"{package}.main").create_app()
    results = []
    async with ours.router.lifespan_context(ours):
        if auth != "none":
            form = urllib.parse.urlencode(
                {"username": os.environ["BENCH_EMAIL"], "password": os.environ["BENCH_PASSWORD"]}
            ).encode()
            status, payload = await call(
                ours,
                "/api/v1/auth/token",
                method="POST",
                body=form,
                content_type=b"application/x-www-form-urlencoded",
            )
            if status != 200:
                raise SystemExit(f"sign-in failed: {status} {payload[:300]!r}")
            token = json.loads(payload)["access_token"]
            HEADERS.append((b"authorization", f"Bearer {token}".encode()))
            claims = _claims(token)
            os.environ.update(
                {
                    "BASELINE_AUTH": "jwt",
                    "BASELINE_JWT_SECRET": os.environ["SECRET_KEY"],
                    "BASELINE_JWT_ALGORITHM": str(claims["alg"]),
                    "BASELINE_JWT_ISSUER": str(claims.get("iss", "")),
                    "BASELINE_JWT_AUDIENCE": str(claims.get("aud", "")),
                }
            )
        baseline = importlib.import_module("baseline_app").app
        async with baseline.router.lifespan_context(baseline):
            results = await _pairs(ours, baseline, rounds, n, seed_count)
    return results


async def _pairs(
    ours: Any, baseline: Any, rounds: int, n: int, seed_count: int
) -> list[dict[str, Any]]:
    results = []
    ids = []
    for k in range(1, seed_count + 1):
        body = json.dumps(
            {
                "sku": f"SKU-{k:04d}",
                "name": f"Widget {k}",
                "price_cents": 100 + k,
                "currency": "EUR",
                "stock": k % 17,
                "status": "active",
                "description": f"A sturdy widget, model {k}." if k % 2 else None,
            }
        ).encode()
        status, payload = await call(ours, "/api/v1/products", method="POST", body=body)
        if status != 201:
            raise SystemExit(f"seeding failed: {status} {payload[:300]!r}")
        ids.append(json.loads(payload)["id"])
    pid = ids[len(ids) // 2]
    pairs = [
        ("GET /products/{id}", (f"/api/v1/products/{pid}", b""), (f"/products/{pid}", b"")),
        (
            "GET /products?limit=20",
            ("/api/v1/products", b"limit=20&offset=0"),
            ("/products", b"limit=20&offset=0"),
        ),
        ("GET /health/live vs /health", ("/health/live", b""), ("/health", b"")),
    ]
    for label, o, b in pairs:
        for app, (path, query) in ((ours, o), (baseline, b)):
            status, payload = await call(app, path, query)
            if status != 200:
                raise SystemExit(f"{path}: {status} {payload[:300]!r}")
        await burst(ours, *o, n)  # warm-up
        await burst(baseline, *b, n)
        o_us: list[float] = []
        b_us: list[float] = []
        for r in range(rounds):
            if r % 2 == 0:
                o_us.append(await burst(ours, *o, n))
                b_us.append(await burst(baseline, *b, n))
            else:
                b_us.append(await burst(baseline, *b, n))
                o_us.append(await burst(ours, *o, n))
        ratios = [x / y for x, y in zip(o_us, b_us, strict=True)]
        results.append(
            {
                "endpoint": label,
                "ours_cpu_us": statistics.median(o_us),
                "base_cpu_us": statistics.median(b_us),
                "extra_us": statistics.median(o_us) - statistics.median(b_us),
                "cpu_ratio": statistics.median(ratios),
                "cpu_ratio_min": min(ratios),
                "cpu_ratio_max": max(ratios),
                "ours_py_calls": await python_calls(ours, *o),
                "base_py_calls": await python_calls(baseline, *b),
            }
        )
    return results


def inner(args: argparse.Namespace) -> int:
    data = tomllib.loads((args.project / "pyproject.toml").read_text())
    slug = data["project"]["name"]
    package = data["project"]["scripts"][slug].split(".", 1)[0]
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    # The apps' logs (access log lines) are not what is measured: send them nowhere.
    real_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the whole process
    try:
        rows = runner(
            measure(
                package,
                args.rounds,
                args.burst,
                args.seed_count,
                os.environ.get("BENCH_AUTH", "none"),
            )
        )
    finally:
        sys.stdout.close()
        sys.stdout = real_stdout
    print(
        f"{'endpoint':<28} {'ours cpu':>9} {'base cpu':>9} {'extra':>8} {'cpu ratio':>10} "
        f"{'(min..max)':>12} {'py calls ours/base':>19}"
    )
    for row in rows:
        print(
            f"{row['endpoint']:<28} {row['ours_cpu_us']:>7.0f}us {row['base_cpu_us']:>7.0f}us "
            f"{row['extra_us']:>+6.0f}us {row['cpu_ratio']:>9.2f}x "
            f"{row['cpu_ratio_min']:>5.2f}..{row['cpu_ratio_max']:<5.2f} "
            f"{row['ours_py_calls']:>9.0f}/{row['base_py_calls']:<9.0f}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--project", type=Path, required=True, help="a generated project with a synced .venv"
    )
    parser.add_argument(
        "--rounds", type=int, default=15, help="alternating bursts per endpoint and side"
    )
    parser.add_argument("--burst", type=int, default=200, help="requests per burst")
    parser.add_argument("--seed-count", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--_inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (
        not 1 <= args.rounds <= 100
        or not 10 <= args.burst <= 5000
        or not 1 <= args.seed_count <= 1000
    ):
        parser.error(
            "bounds: 1 <= --rounds <= 100, 10 <= --burst <= 5000, 1 <= --seed-count <= 1000"
        )
    args.project = args.project.resolve()
    if args._inner:
        return inner(args)

    venv_bin = args.project / ".venv" / "bin"
    slug = tomllib.loads((args.project / "pyproject.toml").read_text())["project"]["name"]
    if not (venv_bin / slug).exists():
        print(f"{venv_bin / slug} missing: run `uv sync` in {args.project}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="fastapi-inprocess-"))
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'bench.db'}",
            "ENVIRONMENT": "prod",
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "LOG_JSON": "true",
            # Production settings require the hosts to trust; the requests here name this one.
            "TRUSTED_HOSTS": '["127.0.0.1"]',
        }
        subprocess.run(
            [str(venv_bin / slug), "db", "upgrade"],
            cwd=args.project,
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )
        answers = (
            (args.project / ".copier-answers.yml").read_text()
            if (args.project / ".copier-answers.yml").exists()
            else ""
        )
        auth = next(
            (
                line.split(":", 1)[1].strip().strip("'\"")
                for line in answers.splitlines()
                if line.startswith("auth:")
            ),
            "none",
        )
        env["BENCH_AUTH"] = auth
        if auth != "none":
            env["BENCH_EMAIL"], env["BENCH_PASSWORD"] = (
                "bench@example.com",
                "Bench-" + os.urandom(12).hex(),
            )
            subprocess.run(
                [
                    str(venv_bin / slug),
                    "users",
                    "create",
                    "--email",
                    env["BENCH_EMAIL"],
                    "--password",
                    env["BENCH_PASSWORD"],
                ],
                cwd=args.project,
                env=env,
                check=True,
                timeout=120,
                capture_output=True,
            )
        argv2 = [
            str(venv_bin / "python"),
            str(Path(__file__).resolve()),
            "--_inner",
            "--project",
            str(args.project),
            "--rounds",
            str(args.rounds),
            "--burst",
            str(args.burst),
            "--seed-count",
            str(args.seed_count),
        ]
        if args.json:
            argv2 += ["--json", str(args.json.resolve())]
        return subprocess.run(
            argv2, cwd=args.project, env=env, check=False, timeout=1800
        ).returncode
    except subprocess.CalledProcessError as exc:
        print(
            "setup failed:\n"
            + exc.stdout.decode(errors="replace")
            + exc.stderr.decode(errors="replace"),
            file=sys.stderr,
        )
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
