#!/usr/bin/env python3
"""PostgreSQL side by side: the generated service against five reference apps, one run.

    python3 bench/postgres.py             # 16, 64 and 256 connections (~25 minutes)
    python3 bench/postgres.py --quick     # one short round at 16 connections (~4 minutes)
    python3 bench/postgres.py --combine a.json b.json c.json   # medians of several runs

Generates two services from this working tree (`database=postgresql`, with
`auth=api_key` and with `auth=jwt`), seeds 1,000 products through the API, and
serves the same rows to five reference apps (bench/pg_apps.py: raw asyncpg, SQLAlchemy
async Core, a hand-written async ORM app, the official template's sync style without
authentication, and the official template as shipped, which authenticates every
request with a JWT and a user lookup), all run with the service's interpreter. Then,
for each number of connections, it measures every app's item read (ids rotated) and
page of 20 in interleaved rounds with wrk, and reports per app server CPU per request
(from /proc), req/s, p50/p99, non-2xx and transport errors, and the ratios against
the ORM app, the official style, asyncpg and the official template as shipped.
Last, it counts each app's database round trips per request through a counting
TCP proxy. Results go to bench/results/postgres-<timestamp>.json.

Every loop is bounded (rounds, --duration per measurement, timeouts on every
subprocess); loopback only; servers and the databases it made are removed on
every exit path. Exit status: 0 done, 1 a side answered errors, 2 the run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from run import (
    BENCH_DIR,
    HOST,
    REPO_ROOT,
    RESULTS_DIR,
    BenchError,
    LoadClient,
    Pair,
    Server,
    collect_versions,
    find_copier,
    free_port,
    generate,
    http_json,
    log,
    measure_one,
    other_cpu_cores,
    production_env,
    project_names,
    python_env,
    run_cmd,
    seed,
    sign_in,
)

REFERENCES = ("asyncpg", "core", "orm", "sync", "official")
SERVICES = ("service-api_key", "service-jwt")
APPS = (*SERVICES, *REFERENCES)
LABELS = {
    "service-api_key": "generated service, auth=api_key",
    "service-jwt": "generated service, auth=jwt",
    "asyncpg": "raw asyncpg pool (ceiling)",
    "core": "SQLAlchemy async Core select",
    "orm": "hand-written async ORM, no auth",
    "sync": "official style: sync ORM + psycopg, def",
    "official": "official as shipped: sync ORM + JWT user",
}
# Ratios are taken against these (the targets name them).
RATIO_BASES = ("orm", "sync", "asyncpg", "official")
ENDPOINTS = ("item", "page")
# The official-style apps' driver and token library, installed into the bench's venv.
REFERENCE_PACKAGES = ("psycopg[binary]", "pyjwt")

SIGN_TOKEN = """\
# Signs the official app's bearer token (bench/postgres.py, run in the venv).
import datetime as dt, os
import jwt

expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)  # outlives the run
claims = {"sub": os.environ["BENCH_OFFICIAL_USER_ID"], "exp": expires}
print(jwt.encode(claims, os.environ["BENCH_OFFICIAL_SECRET"], algorithm="HS256"))
"""


@dataclass
class App:
    key: str
    server: Server
    headers: dict[str, str] = field(default_factory=dict)
    prefix: str = ""  # "/api/v1" for the services

    def paths(self, endpoint: str, ids: list[str]) -> list[str]:
        if endpoint == "item":
            return [f"{self.prefix}/products/{i}" for i in ids]
        return [f"{self.prefix}/products?limit=20&offset=0"]


# --- PostgreSQL helpers -------------------------------------------------------


def psql(sql: str, env: dict[str, str], args: argparse.Namespace, db: str = "postgres") -> str:
    argv = ["psql", "-h", args.pg_host, "-p", str(args.pg_port), "-U", "postgres", "-d", db]
    return run_cmd([*argv, "-Atqc", sql], env=env, timeout=120).stdout


COPY_ROWS = """\
# Copies the seeded products to the second database (bench/postgres.py, run in the venv).
import asyncio, sys
import asyncpg

async def main(source, target, host, port):
    a = await asyncpg.connect(host=host, port=port, user="postgres", database=source, ssl=False)
    b = await asyncpg.connect(host=host, port=port, user="postgres", database=target, ssl=False)
    rows = await a.fetch("SELECT * FROM products")
    columns = list(rows[0].keys())
    await b.copy_records_to_table("products", records=[tuple(r) for r in rows], columns=columns)
    print(len(rows))
    await a.close(); await b.close()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


CONNECTIONS_IN_USE = (
    "SELECT count(*) || ' of max_connections ' || current_setting('max_connections') "
    "FROM pg_stat_activity WHERE backend_type = 'client backend'"
)


# --- round trips: a TCP proxy that counts them ----------------------------------


class RoundTripProxy:
    """Forwards one port to PostgreSQL and counts round trips per connection.

    A round trip is a burst of client bytes sent after the server last spoke (or
    at the start): pipelined messages count once, as they cost one wait. The
    counting needs no knowledge of the protocol, so TLS or any driver works.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.round_trips = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> RoundTripProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def reset(self) -> None:
        self.round_trips = 0

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, HOST, self.port)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        state = {"server_spoke": True}

        async def pump(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: bool
        ) -> None:
            try:
                while data := await reader.read(65536):
                    if up:
                        if state["server_spoke"]:
                            self.round_trips += 1
                            state["server_spoke"] = False
                    else:
                        state["server_spoke"] = True
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    writer.close()

        await asyncio.gather(pump(client_r, server_w, up=True), pump(server_r, client_w, up=False))


def count_round_trips(
    app: App, proxy: RoundTripProxy, ids: list[str], requests: int
) -> dict[str, float]:
    """Sequential requests (one at a time): round trips per request, per endpoint."""
    out = {}
    for endpoint in ENDPOINTS:
        paths = app.paths(endpoint, ids)
        for n in range(10):  # open the pool's connections, prepare the statements
            http_json("GET", app.server.base_url + paths[n % len(paths)], headers=app.headers)
        proxy.reset()
        for n in range(requests):
            status, _ = http_json(
                "GET", app.server.base_url + paths[(n + 10) % len(paths)], headers=app.headers
            )
            if status != 200:
                raise BenchError(f"{app.key} {endpoint}: {status} while counting round trips")
        out[endpoint] = round(proxy.round_trips / requests, 2)
    return out


# --- the run ---------------------------------------------------------------------


def summarize(samples: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cpu_us_per_req": statistics.median(s["server_cpu_us_per_req"] or 0.0 for s in samples),
        "rps": statistics.median(s["rps"] for s in samples),
        "p50_ms": statistics.median(s["p50_ms"] for s in samples),
        "p99_ms": statistics.median(s["p99_ms"] for s in samples),
        "non_2xx": sum(s["errors"]["status"] for s in samples),
        "errors": sum(
            s["errors"]["connect"]
            + s["errors"]["read"]
            + s["errors"]["write"]
            + s["errors"]["timeout"]
            for s in samples
        ),
        "other_cpu_cores": statistics.median(s["other_cpu_s"] / s["window_s"] for s in samples),
        "rounds": len(samples),
        # Rounds in which not one request was answered within the window: the app stalled.
        "stalled_rounds": sum(1 for s in samples if s["requests"] == 0),
    }


def add_ratios(table: dict[str, dict[str, Any]]) -> None:
    """CPU x: this app's CPU per request / the base's; req/s x: this app's req/s / the base's."""
    for row in table.values():
        for base in RATIO_BASES:
            ref = table.get(base)
            if ref is None:
                continue
            row[f"cpu_x_{base}"] = (
                row["cpu_us_per_req"] / ref["cpu_us_per_req"] if ref["cpu_us_per_req"] else None
            )
            row[f"rps_x_{base}"] = row["rps"] / ref["rps"] if ref["rps"] else None


def print_tables(
    results: dict[str, Any], round_trips: dict[str, dict[str, float]], markdown: bool = False
) -> None:
    """One table per level and endpoint; `markdown` prints them as Markdown (for docs/)."""

    def x(value: float | None) -> str:
        return f"{value:.2f}" if value else "-"

    columns = (
        "app", "CPU us/req", "req/s", "p50 ms", "p99 ms", "non2xx", "err", "RT",
        "CPU x orm", "x sync", "x apg", "x off", "rps x orm", "x sync", "x apg", "x off",
    )  # fmt: skip
    widths = (42, 11, 8, 8, 8, 7, 5, 5, 10, 7, 7, 7, 10, 7, 7, 7)

    def line(cells: list[str]) -> str:
        if markdown:
            return "| " + " | ".join(cells) + " |"
        return "".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    for connections, by_endpoint in results.items():
        idle = by_endpoint.get("idle_load_cores") or [0.0]
        for endpoint in ENDPOINTS:
            table = by_endpoint[endpoint]
            load = statistics.median(r["other_cpu_cores"] for r in table.values())
            print(
                f"\n{endpoint} read, {connections} connections; machine load: other processes "
                f"{statistics.median(idle):.2f} cores between rounds (max {max(idle):.2f}), "
                f"{load:.2f} during measurements (PostgreSQL's work for us included)\n"
            )
            print(line(list(columns)))
            print(line(["---"] * len(columns)) if markdown else "-" * sum(widths))
            for key, row in table.items():
                rt = round_trips.get(key, {}).get(endpoint)
                stalled = row.get("stalled_rounds", 0)
                answered = row["rps"] > 0
                print(
                    line(
                        [
                            LABELS[key]
                            + (
                                f" (stalled in {stalled}/{row['rounds']} rounds)" if stalled else ""
                            ),
                            f"{row['cpu_us_per_req']:.0f}" if answered else "-",
                            f"{row['rps']:.0f}",
                            f"{row['p50_ms']:.1f}" if answered else "-",
                            f"{row['p99_ms']:.1f}" if answered else "-",
                            str(row["non_2xx"]),
                            str(row["errors"]),
                            f"{rt:g}" if rt is not None else "-",
                            x(row.get("cpu_x_orm")),
                            x(row.get("cpu_x_sync")),
                            x(row.get("cpu_x_asyncpg")),
                            x(row.get("cpu_x_official")),
                            x(row.get("rps_x_orm")),
                            x(row.get("rps_x_sync")),
                            x(row.get("rps_x_asyncpg")),
                            x(row.get("rps_x_official")),
                        ]
                    )
                )
    print(
        "\nCPU us/req: the server process's CPU (all threads) per request, median over rounds;"
        "\nCPU x: that / the reference's (lower is better); rps x: req/s / the reference's"
        "\n(higher is better); sync: the official style, no auth; off: the official template"
        "\nas shipped (JWT and a user query per request); RT: database round trips per request,"
        "\ncounted one request at a time through a proxy; err: connect/read/write/timeout errors"
        "\nat the client; stalled: rounds in which the app answered nothing within the window"
        "\n(counted as 0 req/s)."
    )


def combine(paths: list[Path], markdown: bool = False) -> int:
    """Medians over several runs' JSON files, printed as one set of tables."""
    runs = [json.loads(p.read_text()) for p in paths]
    # The official-style apps' pool is part of what they are: runs with different
    # pools measured different references.
    pools = {r.get("settings", {}).get("sync_pool_size") for r in runs}
    if len(pools) > 1:
        log("error: the runs gave the official-style apps different pools (--sync-pool-size)")
        return 2
    if (pool := pools.pop()) is not None:
        for key in ("sync", "official"):
            LABELS[key] += f", pool {pool}"
    merged: dict[str, Any] = {}
    for connections in runs[0]["results"]:
        merged[connections] = {
            "idle_load_cores": [
                x for r in runs for x in r["results"][connections].get("idle_load_cores", [])
            ]
        }
        for endpoint in ENDPOINTS:
            table = {}
            # Every app any run measured (older runs lack `official`), in the usual order.
            measured = {
                key for r in runs for key in r["results"].get(connections, {}).get(endpoint, {})
            }
            for key in (k for k in APPS if k in measured):
                rows = [
                    {
                        "stalled_rounds": sum(
                            1
                            for sample in r["samples"][connections][f"{key}/{endpoint}"]
                            if sample["requests"] == 0
                        ),
                        **r["results"][connections][endpoint][key],
                    }
                    for r in runs
                    if key in r["results"].get(connections, {}).get(endpoint, {})
                ]
                table[key] = {
                    name: (
                        sum(row[name] for row in rows)
                        if name in ("non_2xx", "errors", "rounds", "stalled_rounds")
                        else statistics.median(row[name] for row in rows)
                    )
                    for name in (
                        "cpu_us_per_req",
                        "rps",
                        "p50_ms",
                        "p99_ms",
                        "non_2xx",
                        "errors",
                        "other_cpu_cores",
                        "rounds",
                        "stalled_rounds",
                    )
                }
                # Ratios: the median of each run's own (its apps measured side by side),
                # not a ratio of medians taken from runs at different machine loads.
                for name in (f"{m}_x_{b}" for m in ("cpu", "rps") for b in RATIO_BASES):
                    values = [row[name] for row in rows if row.get(name)]
                    table[key][name] = statistics.median(values) if values else None
            merged[connections][endpoint] = table
    # Each app's round trips from the last run that counted them.
    round_trips: dict[str, dict[str, float]] = {}
    for run in runs:
        round_trips.update(run.get("round_trips", {}))
    print(f"Medians over {len(runs)} runs: " + ", ".join(r["started_at"] for r in runs))
    print_tables(merged, round_trips, markdown)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round of 2 s at 16 connections, 100 rows"
    )
    parser.add_argument("--connections", default="16,64,256", help="comma-separated levels")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per level")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="warm-up seconds per app and endpoint"
    )
    parser.add_argument("--seed-count", type=int, default=1000, help="products seeded")
    parser.add_argument("--round-trip-requests", type=int, default=50, help="0 skips counting")
    parser.add_argument("--apps", default=",".join(APPS), help="comma-separated subset")
    parser.add_argument(
        "--project-api-key", type=Path, help="reuse a generated auth=api_key service"
    )
    parser.add_argument("--project-jwt", type=Path, help="reuse a generated auth=jwt service")
    parser.add_argument(
        "--sync-pool-size",
        type=int,
        help="a pool of this many connections (no overflow) for the official-style apps; "
        "default: SQLAlchemy's 5 + 10, with which they stall from 64 connections",
    )
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument(
        "--pin",
        choices=["auto", "on", "off"],
        default="auto",
        help="servers on CPU 0, wrk on the others",
    )
    parser.add_argument("--copier", help="copier command (default: copier 9.19.1)")
    parser.add_argument(
        "--vcs-ref", default="HEAD", help="template ref; uncommitted changes are included"
    )
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and databases")
    parser.add_argument(
        "--combine", nargs="+", type=Path, help="print medians of earlier runs' JSON"
    )
    parser.add_argument("--markdown", action="store_true", help="with --combine: Markdown tables")
    args = parser.parse_args()
    if args.combine:
        return combine(args.combine, args.markdown)
    if args.quick:
        args.connections, args.rounds, args.duration, args.warmup = "16", 1, 2.0, 1.0
        args.seed_count, args.round_trip_requests = 100, 20
    levels = [int(c) for c in args.connections.split(",")]
    apps_wanted = [a for a in args.apps.split(",") if a]
    if not set(apps_wanted) <= set(APPS):
        parser.error(f"--apps: choose from {', '.join(APPS)}")
    if not all(1 <= c <= 512 for c in levels) or not 1 <= args.rounds <= 20:
        parser.error("bounds: 1 <= connections <= 512, 1 <= --rounds <= 20")
    if not 1 <= args.duration <= 60 or not 0 <= args.warmup <= 30:
        parser.error("bounds: 1 <= --duration <= 60, 0 <= --warmup <= 30")
    if not 20 <= args.seed_count <= 5000 or not 0 <= args.round_trip_requests <= 500:
        parser.error("bounds: 20 <= --seed-count <= 5000, 0 <= --round-trip-requests <= 500")
    if args.sync_pool_size is not None:
        if not 1 <= args.sync_pool_size <= 60:
            parser.error("bounds: 1 <= --sync-pool-size <= 60 (PostgreSQL's connection limit)")
        for key in ("sync", "official"):
            LABELS[key] += f", pool {args.sync_pool_size}"
    if not shutil.which("wrk"):
        log("wrk is needed: apt-get install -y wrk")
        return 2

    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    env = python_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    suffix = uuid.uuid4().hex[:8]
    databases = {"api_key": f"bench_pg_{suffix}_key", "jwt": f"bench_pg_{suffix}_jwt"}
    made_databases: list[str] = []
    apps: dict[str, App] = {}
    started_servers: list[Server] = []  # stopped on every exit path

    def _on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _on_signal)
    cpus = os.cpu_count() or 1
    pin = args.pin == "on" or (args.pin == "auto" and cpus >= 2 and shutil.which("taskset"))
    server_cpus, client_cpus = ("0", ",".join(map(str, range(1, cpus)))) if pin else (None, None)
    try:
        # 1. Two services, generated and synced (or reused).
        projects: dict[str, Path] = {}
        for auth, given in (("api_key", args.project_api_key), ("jwt", args.project_jwt)):
            if given:
                projects[auth] = given.resolve()
            else:
                projects[auth] = work / f"service-{auth}"
                generate(
                    projects[auth],
                    find_copier(args.copier),
                    env,
                    REPO_ROOT,
                    args.vcs_ref,
                    ["database=postgresql", f"auth={auth}"],
                )
            run_cmd(["uv", "sync", "--quiet"], cwd=projects[auth], env=env, timeout=900)
        slug, _package = project_names(projects["api_key"])
        python = str(projects["api_key"] / ".venv" / "bin" / "python")
        # The official apps' driver and JWT library, in the (bench-only) project venv,
        # never the template; already installed ones are left as they are.
        run_cmd(
            ["uv", "pip", "install", "--quiet", "--python", python, *REFERENCE_PACKAGES],
            env=env,
            timeout=600,
        )
        versions = collect_versions(python)
        versions.update(
            json.loads(
                run_cmd(
                    [
                        python,
                        "-c",
                        (
                            "import importlib.metadata as m, json; print(json.dumps("
                            "{n: m.version(n) for n in ('asyncpg', 'psycopg', 'pyjwt')}))"
                        ),
                    ],
                    env=env,
                    timeout=60,
                ).stdout
            )
        )

        # 2. A database per service (their migration branches differ), the same rows in both.
        def url(db: str, port: int | None = None) -> str:
            return f"postgresql+asyncpg://postgres@{args.pg_host}:{port or args.pg_port}/{db}"

        # The token outlives the run.
        service_env = production_env(env, JWT_EXPIRE_MINUTES="240")
        headers: dict[str, dict[str, str]] = {}
        email, password = "bench@example.com", "Bench-" + os.urandom(12).hex()
        for auth, project in projects.items():
            cli = str(project / ".venv" / "bin" / project_names(project)[0])
            auth_env = {**service_env, "DATABASE_URL": url(databases[auth])}
            made_databases.append(databases[auth])
            run_cmd([cli, "db", "upgrade"], cwd=project, env=auth_env, timeout=300)
            if auth == "api_key":
                out = run_cmd(
                    [cli, "api-keys", "create", "--name", "bench"],
                    cwd=project,
                    env=auth_env,
                    timeout=120,
                )
                headers[auth] = {"X-API-Key": out.stdout.strip().splitlines()[-1]}
            else:
                run_cmd(
                    [cli, "users", "create", "--email", email, "--password", password],
                    cwd=project,
                    env=auth_env,
                    timeout=120,
                )

        def service(auth: str, port: int, database_url: str) -> Server:
            project = projects[auth]
            cli = str(project / ".venv" / "bin" / project_names(project)[0])
            return Server(
                f"service-{auth}",
                [cli, "serve", "--host", HOST, "--port", str(port), "--no-migrate"],
                {**service_env, "DATABASE_URL": database_url},
                project,
                port,
                "/health/ready",
                work / f"service-{auth}-{port}.log",
                server_cpus,
            )

        # The official app's user (it creates it at start-up) and a token signed for it.
        official_env = {
            "BENCH_OFFICIAL_SECRET": os.urandom(32).hex(),
            "BENCH_OFFICIAL_USER_ID": str(uuid.uuid4()),
        }
        sign_script = work / "sign_token.py"
        sign_script.write_text(SIGN_TOKEN)
        official_token = run_cmd(
            [python, str(sign_script)], env={**env, **official_env}, timeout=60
        ).stdout.strip()
        reference_headers = {"official": {"Authorization": f"Bearer {official_token}"}}

        def reference(key: str, port: int, pg_port: int | None = None) -> Server:
            ref_env = {
                **env,
                **(official_env if key == "official" else {}),
                "BENCH_APP": key,
                "BENCH_PG_HOST": args.pg_host,
                "BENCH_PG_PORT": str(pg_port or args.pg_port),
                "BENCH_PG_DB": databases["api_key"],
                **(
                    {"BENCH_SYNC_POOL_SIZE": str(args.sync_pool_size)}
                    if args.sync_pool_size is not None
                    else {}
                ),
            }
            argv = [
                python,
                "-m",
                "uvicorn",
                "pg_apps:app",
                "--app-dir",
                str(BENCH_DIR),
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                "1",
                "--loop",
                "auto",
                "--http",
                "auto",
                "--no-access-log",
                "--no-server-header",
                "--log-level",
                "warning",
            ]
            return Server(
                key, argv, ref_env, work, port, "/health", work / f"{key}-{port}.log", server_cpus
            )

        # 3. Seed through the api_key service's own API, copy the rows to the other database.
        first = service("api_key", free_port(), url(databases["api_key"]))
        apps["service-api_key"] = App("service-api_key", first, headers["api_key"], "/api/v1")
        started_servers.append(first)
        first.start()
        first.wait_ready()
        t0 = time.monotonic()
        ids = seed(first, args.seed_count, headers["api_key"])
        log(f"seeded {len(ids)} products in {time.monotonic() - t0:.1f}s")
        copy_script = work / "copy_rows.py"
        copy_script.write_text(COPY_ROWS)
        copied = run_cmd(
            [
                python,
                str(copy_script),
                databases["api_key"],
                databases["jwt"],
                args.pg_host,
                str(args.pg_port),
            ],
            env=env,
            timeout=120,
        ).stdout.strip()
        log(f"copied {copied} rows to {databases['jwt']}")
        psql("ANALYZE products", env, args, databases["api_key"])
        psql("ANALYZE products", env, args, databases["jwt"])
        second = service("jwt", free_port(), url(databases["jwt"]))
        started_servers.append(second)
        second.start()
        second.wait_ready()
        headers["jwt"] = {"Authorization": f"Bearer {sign_in(second, email, password)}"}
        apps["service-jwt"] = App("service-jwt", second, headers["jwt"], "/api/v1")
        for key in (k for k in REFERENCES if k in apps_wanted):
            server = reference(key, free_port())
            started_servers.append(server)
            server.start()
            apps[key] = App(key, server, reference_headers.get(key, {}))
        for app in apps.values():
            app.server.wait_ready()
        apps = {k: apps[k] for k in APPS if k in apps and k in apps_wanted}

        # The same answers everywhere, or the comparison means nothing.
        for endpoint in ENDPOINTS:
            seen = {}
            for key, app in apps.items():
                status, body = http_json(
                    "GET", app.server.base_url + app.paths(endpoint, ids)[0], headers=app.headers
                )
                if status != 200:
                    raise BenchError(f"{key} {endpoint}: {status} {body!r:.300}")
                seen[key] = body["id"] if endpoint == "item" else [i["id"] for i in body["items"]]
            if len({json.dumps(v) for v in seen.values()}) != 1:
                raise BenchError(f"{endpoint}: the apps answer different rows: {seen}")

        # 4. Measure: per level, rounds; in each round every endpoint on every app, order rotated.
        results: dict[str, dict[str, dict[str, Any]]] = {}
        samples: dict[str, Any] = {}
        servers = [a.server for a in apps.values()]
        keys = list(apps)
        for connections in levels:
            clients = {
                key: LoadClient(
                    "wrk",
                    connections,
                    python,
                    work,
                    client_cpus,
                    headers=apps[key].headers,
                    timeout=15.0,
                )
                for key in keys
            }
            pairs = {
                (key, endpoint): Pair(
                    f"{endpoint}-{key}-{connections}", endpoint, apps[key].paths(endpoint, ids), []
                )
                for key in keys
                for endpoint in ENDPOINTS
            }
            if args.warmup:
                for (key, _endpoint), pair in pairs.items():
                    measure_one(clients[key], apps[key].server, pair, "ours", args.warmup)
            got: dict[tuple[str, str], list[dict[str, Any]]] = {k: [] for k in pairs}
            idle_load = []
            for r in range(args.rounds):
                # What the machine does without us: other engineers' jobs, mostly.
                idle_load.append(round(other_cpu_cores(servers, 1.0), 2))
                order = keys[r % len(keys) :] + keys[: r % len(keys)]
                if r % 2:
                    order.reverse()
                for endpoint in ENDPOINTS:
                    for key in order:
                        sample = measure_one(
                            clients[key],
                            apps[key].server,
                            pairs[key, endpoint],
                            "ours",
                            args.duration,
                        )
                        sample["round"] = r
                        got[key, endpoint].append(sample)
                log(
                    f"c={connections}: round {r + 1}/{args.rounds} done "
                    f"(other processes used {idle_load[-1]:.2f} cores before it)"
                )
            results[str(connections)] = {"idle_load_cores": idle_load}
            for endpoint in ENDPOINTS:
                table = {key: summarize(got[key, endpoint]) for key in keys}
                add_ratios(table)
                results[str(connections)][endpoint] = table
            samples[str(connections)] = {f"{k}/{e}": v for (k, e), v in got.items()}

        # 5. Round trips per request, one request at a time through the counting proxy.
        round_trips: dict[str, dict[str, float]] = {}
        if args.round_trip_requests:
            with RoundTripProxy(args.pg_host, args.pg_port) as proxy:
                for key in keys:
                    port = free_port()
                    if key in SERVICES:
                        auth = key.split("-", 1)[1]
                        server = service(auth, port, url(databases[auth], proxy.port))
                    else:
                        server = reference(key, port, proxy.port)
                    counted = App(key, server, apps[key].headers, apps[key].prefix)
                    started_servers.append(server)
                    try:
                        server.start()
                        server.wait_ready()
                        round_trips[key] = count_round_trips(
                            counted, proxy, ids, args.round_trip_requests
                        )
                    finally:
                        server.stop()
                    log(f"round trips per request, {key}: {round_trips[key]}")

        # 6. Report.
        elapsed = time.monotonic() - started
        pinning = f"servers on CPU {server_cpus}, wrk on CPU {client_cpus}" if pin else "no pinning"
        print(
            f"\nPostgreSQL side by side ({slug}; {args.seed_count} rows; {args.rounds} rounds x "
            f"{args.duration:g}s per app, endpoint and level; medians; {pinning})"
        )
        print(", ".join(f"{k} {v}" for k, v in versions.items() if v))
        print_tables(results, round_trips)
        failed = [
            f"{key} {endpoint} c={c}"
            for c, by_endpoint in results.items()
            for endpoint in ENDPOINTS
            for key, row in by_endpoint[endpoint].items()
            if row["non_2xx"] or row["errors"] or row["stalled_rounds"]
        ]
        if failed:
            print("\nnon-2xx, errors or stalls: " + ", ".join(failed))
        print(f"\nTook {elapsed:.0f}s.")
        out = args.json or RESULTS_DIR / f"postgres-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "started_at": started_at.isoformat(timespec="seconds"),
                    "duration_s": round(elapsed, 1),
                    "command": shlex.join([sys.executable, *sys.argv]),
                    "settings": {
                        "levels": levels,
                        "rounds": args.rounds,
                        "duration_s": args.duration,
                        "warmup_s": args.warmup,
                        "seed_count": args.seed_count,
                        "pinned": bool(pin),
                        "server_cpus": server_cpus,
                        "client_cpus": client_cpus,
                        "quick": args.quick,
                        "sync_pool_size": args.sync_pool_size,
                    },
                    "machine": {"cpus": cpus, "platform": platform.platform()},
                    "versions": versions,
                    "results": results,
                    "round_trips": round_trips,
                    "samples": samples,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"results: {out}")
        return 1 if failed else 0
    except BenchError as exc:
        log(f"error: {exc}")
        # Every app holds a pool: other clients of this PostgreSQL can leave too
        # few connections for the next app, whose readiness check then fails.
        with contextlib.suppress(Exception):
            used = psql(CONNECTIONS_IN_USE, env, args).strip()
            log(f"PostgreSQL connections in use now: {used}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 2
    finally:
        for server in started_servers:
            with contextlib.suppress(Exception):
                server.stop()
        if args.keep:
            log(f"kept {work} and databases {', '.join(made_databases)}")
        else:
            for db in made_databases:
                with contextlib.suppress(BenchError):
                    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', env, args)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
