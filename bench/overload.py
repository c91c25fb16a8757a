#!/usr/bin/env python3
"""Overload: the service on its default pool settings, at 16, 64 and 256 connections.

Generates a service per database (SQLite, PostgreSQL), starts it in production mode
with authentication on, seeds products through its API, then holds each level of
concurrency on the authenticated item read for `--duration` seconds with wrk. It
reports requests, req/s, p50/p99 latency, transport errors and non-2xx answers, and
fails (exit 1) when any level saw an error or a non-2xx answer: the standard's
promise is that a load within MAX_CONCURRENT_REQUESTS waits for a connection and
is answered, never timed out mid-request.

    python3 bench/overload.py                      # both databases, 30 s per level
    python3 bench/overload.py --database postgresql --duration 10

Needs wrk, uv, copier (as bench/run.py does) and, for PostgreSQL, a server at
--postgres (trust auth); the run creates and drops a database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from run import (
    COPIER_VERSION,
    HOST,
    REPO_ROOT,
    RESULTS_DIR,
    BenchError,
    LoadClient,
    Server,
    find_copier,
    free_port,
    generate,
    log,
    production_env,
    project_names,
    python_env,
    run_cmd,
    seed,
    sign_in,
)

LEVELS = (16, 64, 256)


def measure_database(
    database: str, args: argparse.Namespace, work: Path, env: dict[str, str]
) -> list[dict[str, Any]]:
    project = work / f"service-{database}"
    generate(
        project,
        find_copier(args.copier),
        env,
        REPO_ROOT,
        args.vcs_ref,
        [f"database={database}", "auth=jwt"],
    )
    run_cmd(["uv", "sync", "--quiet"], cwd=project, env=env, timeout=900)
    slug, _package = project_names(project)
    cli = str(project / ".venv" / "bin" / slug)
    if database == "postgresql":
        name = f"bench_overload_{uuid.uuid4().hex[:8]}"
        database_url = f"{args.postgres}/{name}"
    else:
        database_url = f"sqlite+aiosqlite:///{work / f'{database}.db'}"
    service_env = production_env(env, DATABASE_URL=database_url)
    email, password = "bench@example.com", "Bench-" + os.urandom(12).hex()
    run_cmd([cli, "db", "upgrade"], cwd=project, env=service_env, timeout=300)
    run_cmd(
        [cli, "users", "create", "--email", email, "--password", password],
        cwd=project,
        env=service_env,
        timeout=120,
    )
    port = free_port()
    server = Server(
        f"service ({database})",
        [cli, "serve", "--host", HOST, "--port", str(port)],
        service_env,
        project,
        port,
        "/health/ready",
        work / f"{database}.log",
    )
    rows = []
    try:
        server.start()
        server.wait_ready()
        headers = {"Authorization": f"Bearer {sign_in(server, email, password)}"}
        ids = seed(server, 50, headers)
        paths = [f"/api/v1/products/{product_id}" for product_id in ids]
        for connections in LEVELS:
            # A client that waits as long as the service may queue a request
            # (DATABASE_POOL_TIMEOUT, 10 s): slowness shows in p99, failures as errors.
            client = LoadClient(
                "wrk", connections, sys.executable, work, headers=headers, timeout=15.0
            )
            client.run(server.base_url, paths, 3, f"{database}-warm-{connections}")
            started = time.monotonic()
            result = client.run(server.base_url, paths, args.duration, f"{database}-{connections}")
            errors = result["errors"]
            rows.append(
                {
                    "database": database,
                    "connections": connections,
                    "requests": result["requests"],
                    "rps": round(result["rps"], 1),
                    "p50_ms": result["p50_ms"],
                    "p99_ms": result["p99_ms"],
                    "max_ms": result["max_ms"],
                    "non_2xx": errors["status"],
                    "transport_errors": errors["connect"]
                    + errors["read"]
                    + errors["write"]
                    + errors["timeout"],
                    "seconds": round(time.monotonic() - started, 1),
                }
            )
            log(f"{database} c={connections}: {rows[-1]}")
        rows_5xx = server_errors(work / f"{database}.log")
        for row in rows:
            row["logged_5xx"] = rows_5xx
    finally:
        server.stop()
        if database == "postgresql":
            drop = f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)'
            run_cmd(["psql", "-h", HOST, "-U", "postgres", "-qc", drop], env=env, timeout=60)
    return rows


def server_errors(log_path: Path) -> int:
    """5xx answers the service logged over the whole run (access log lines)."""
    count = 0
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "request" and int(event.get("status", 0)) >= 500:
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql"], action="append", help="repeatable"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--copier", help=f"copier command (default: copier {COPIER_VERSION})")
    parser.add_argument("--vcs-ref", default="HEAD", help="template ref copier renders")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be within 1..120 s")
    env = python_env()
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-overload-") as tmp:
            for database in args.database or ["sqlite", "postgresql"]:
                rows += measure_database(database, args, Path(tmp), env)
    except BenchError as exc:
        print(f"overload: {exc}", file=sys.stderr)
        return 2
    print(
        f"\n{'database':<11}{'conns':>6}{'requests':>10}{'req/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'non-2xx':>9}{'errors':>8}"
    )
    for row in rows:
        print(
            f"{row['database']:<11}{row['connections']:>6}{row['requests']:>10}{row['rps']:>9}"
            f"{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['non_2xx']:>9}"
            f"{row['transport_errors']:>8}"
        )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"overload-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"\nwritten to {out}")
    failed = [row for row in rows if row["non_2xx"] or row["transport_errors"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
