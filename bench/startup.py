#!/usr/bin/env python3
"""Cold start: import, launch → ready, and CLI start-up of generated services against bare apps.

    python3 bench/startup.py                       # default and all-on services (~4 minutes)
    python3 bench/startup.py --profile all-on --runs 3
    python3 bench/startup.py --project all-on=/tmp/kept/all-on   # reuse a synced project

For each profile it generates the service from this working tree (or reuses
--project), `uv sync`s and migrates it, then measures, in interleaved runs and
with the service's own interpreter:

- `python -c "import <pkg>.main"` against `bench/startup_bare_app.py`, a bare
  FastAPI app with as many routes importing the same database stack (FastAPI,
  SQLAlchemy async + ORM, the driver): wall and CPU seconds;
- launch → first 200 on `/health/ready`: `<slug> serve` in production mode
  against uvicorn serving the bare app, polled every 10 ms;
- `<slug> --help` and `<slug> db current` against `python -c pass` and a bare
  Typer app (`bench/startup_bare_cli.py`).

Medians over --runs. The all-on service's import must stay within 1.5x the bare
app's (exit 1 otherwise). Every step is bounded by a timeout; servers are
stopped on every exit path. Only stdlib; loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from run import (
    BENCH_DIR,
    HOST,
    REPO_ROOT,
    RESULTS_DIR,
    BenchError,
    cpu_seconds,
    find_copier,
    free_port,
    generate,
    log,
    machine_busy_seconds,
    production_env,
    project_names,
    python_env,
    run_cmd,
)

# The answers of tests/test_gates.py's "default" and "all-on" profiles.
PROFILES: dict[str, dict[str, str]] = {
    "default": {},
    "all-on": {
        "python_version": "3.13",
        "database": "postgresql",
        "auth": "jwt_and_api_key",
        "cache": "redis",
        "rate_limit": "true",
        "task_queue": "taskiq",
        "metrics": "true",
        "tracing": "true",
        "docker": "true",
        "kubernetes": "true",
        "ci": "gitlab",
    },
}
IMPORT_TARGET = 1.5  # all-on import time / bare app's, at most
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432"


def timed(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> dict[str, float]:
    """Wall and CPU seconds of one command, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        out = subprocess.run(
            argv, env=env, cwd=cwd, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out: {shlex.join(argv)}") from exc
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        tail = (out.stdout + out.stderr).decode(errors="replace")[-2000:]
        raise BenchError(f"exit {out.returncode}: {shlex.join(argv)}\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def ready_status(port: int) -> int | None:
    """The status of GET /health/ready, None while nothing answers."""
    try:
        with socket.create_connection((HOST, port), timeout=2) as sock:
            sock.sendall(
                b"GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            head = sock.recv(64)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def launch_to_ready(
    argv: list[str], env: dict[str, str], cwd: Path, port: int, log_path: Path
) -> dict[str, float]:
    """Seconds from launch to the first 200 on /health/ready, and the server's CPU by then."""
    with log_path.open("ab") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = started + 90
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise BenchError(
                    f"exited with {proc.returncode}: {shlex.join(argv)} (see {log_path})"
                )
            if ready_status(port) == 200:
                wall = time.perf_counter() - started
                # `serve` may run the app in a child (workers); this is the process we started.
                return {"wall_s": wall, "cpu_s": cpu_seconds(proc.pid)}
            time.sleep(0.01)
        raise BenchError(f"not ready after 90 s: {shlex.join(argv)} (see {log_path})")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def prepare(name: str, args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Generate (or reuse), sync and migrate one profile's service; return how to run it."""
    answers = PROFILES[name]
    if name in args.project:
        project = Path(args.project[name]).resolve()
    else:
        project = work / name
        data = ["project_name=Startup Service", *(f"{k}={v}" for k, v in answers.items())]
        generate(project, find_copier(args.copier), env, REPO_ROOT, args.vcs_ref, data)
    run_cmd(["uv", "sync", "--quiet"], cwd=project, env=env, timeout=900)
    slug, package = project_names(project)
    database = answers.get("database", "sqlite")
    db_name = None
    if database == "postgresql":
        db_name = f"bench_startup_{uuid.uuid4().hex[:8]}"
        database_url = f"{args.postgres}/{db_name}"
    else:
        database_url = f"sqlite+aiosqlite:///{work / f'{name}.db'}"
    service_env = production_env(env, DATABASE_URL=database_url)
    service_env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = str(project / ".venv" / "bin" / slug)
    run_cmd([cli, "db", "upgrade"], cwd=project, env=service_env, timeout=300)
    python = str(project / ".venv" / "bin" / "python")
    routes = run_cmd(
        [
            python,
            "-c",
            (
                "from fastapi.routing import iter_route_contexts\n"
                f"from {package}.core.app import create_app\n"
                f"from {package}.settings import Settings\n"
                "print(len(list(iter_route_contexts(create_app(Settings(docs_enabled=False)).routes))))"
            ),
        ],
        cwd=project,
        env=service_env,
        timeout=120,
    ).stdout.split()[-1]
    bare_env = {**service_env, "BARE_ROUTES": routes}
    return {
        "name": name,
        "project": project,
        "slug": slug,
        "package": package,
        "cli": cli,
        "python": python,
        "env": service_env,
        "bare_env": bare_env,
        "routes": int(routes),
        "db_name": db_name,
        "database": database,
    }


def cases(p: dict[str, Any], work: Path) -> dict[str, Any]:
    """name -> a function measuring it once."""
    py, env, bare_env, project = p["python"], p["env"], p["bare_env"], p["project"]
    bare_import = f"import sys; sys.path.insert(0, {str(BENCH_DIR)!r}); import startup_bare_app"
    bare_cli = str(BENCH_DIR / "startup_bare_cli.py")
    log_path = work / f"{p['name']}-servers.log"

    def serve() -> dict[str, float]:
        port = free_port()
        argv = [p["cli"], "serve", "--host", HOST, "--port", str(port), "--no-migrate"]
        return launch_to_ready(argv, env, project, port, log_path)

    def serve_bare() -> dict[str, float]:
        port = free_port()
        argv = [
            py,
            "-m",
            "uvicorn",
            "startup_bare_app:app",
            "--app-dir",
            str(BENCH_DIR),
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        return launch_to_ready(argv, bare_env, work, port, log_path)

    return {
        "import service": lambda: timed([py, "-c", f"import {p['package']}.main"], env, project),
        "import bare app": lambda: timed([py, "-c", bare_import], bare_env, work),
        "ready service": serve,
        "ready bare app": serve_bare,
        "python -c pass": lambda: timed([py, "-c", "pass"], env, project),
        "cli --help": lambda: timed([p["cli"], "--help"], env, project),
        "bare typer --help": lambda: timed([py, bare_cli, "--help"], env, work),
        "cli db current": lambda: timed([p["cli"], "db", "current"], env, project),
        "bare typer db current": lambda: timed([py, bare_cli, "db", "current"], env, work),
    }


def count_modules(p: dict[str, Any], what: str) -> int:
    """Modules loaded after `import what` (the service's main, or the bare app)."""
    env = p["env"] if what.endswith(".main") else p["bare_env"]
    path = "" if what.endswith(".main") else f"sys.path.insert(0, {str(BENCH_DIR)!r}); "
    code = f"import sys; {path}import {what}; print(len(sys.modules))"
    out = run_cmd([p["python"], "-c", code], cwd=p["project"], env=env, timeout=120)
    return int(out.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--profile", action="append", choices=sorted(PROFILES), help="repeatable (default: both)"
    )
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="PROFILE=DIR",
        help="reuse a generated project",
    )
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per case (median)")
    parser.add_argument(
        "--postgres", default=POSTGRES, help="server for PostgreSQL profiles (trust auth)"
    )
    parser.add_argument("--copier", help="copier command (default: copier 9.19.1)")
    parser.add_argument("--vcs-ref", default="HEAD", help="template ref copier renders")
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    if not 1 <= args.runs <= 30:
        parser.error("--runs must be within 1..30")
    args.project = dict(item.split("=", 1) for item in args.project)
    profiles = args.profile or list(PROFILES)
    env = python_env()
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    prepared: list[dict[str, Any]] = []
    started_at = dt.datetime.now(dt.UTC)
    results: dict[str, Any] = {}
    try:
        for name in profiles:
            prepared.append(prepare(name, args, work, env))
        for p in prepared:
            measures = cases(p, work)
            for fn in measures.values():  # warm-up: bytecode caches, page cache
                fn()
            samples: dict[str, list[dict[str, float]]] = {k: [] for k in measures}
            busy0 = machine_busy_seconds()[0]
            t0 = time.monotonic()
            for r in range(args.runs):
                names = list(measures) if r % 2 == 0 else list(reversed(measures))
                for case in names:
                    samples[case].append(measures[case]())
                log(f"{p['name']}: run {r + 1}/{args.runs} done")
            load = (machine_busy_seconds()[0] - busy0) / max(time.monotonic() - t0, 1e-9)
            medians = {
                case: {
                    "wall_s": statistics.median(s["wall_s"] for s in got),
                    "cpu_s": statistics.median(s["cpu_s"] for s in got),
                }
                for case, got in samples.items()
            }
            results[p["name"]] = {
                "routes": p["routes"],
                "modules": {
                    "service": count_modules(p, f"{p['package']}.main"),
                    "bare app": count_modules(p, "startup_bare_app"),
                },
                "machine_busy_cores": round(load, 2),
                "medians": medians,
                "samples": samples,
            }
    except BenchError as exc:
        log(f"error: {exc}")
        return 2
    finally:
        for p in prepared:
            if p["db_name"]:
                with contextlib.suppress(BenchError):
                    drop = f'DROP DATABASE IF EXISTS "{p["db_name"]}" WITH (FORCE)'
                    run_cmd(
                        ["psql", "-h", HOST, "-U", "postgres", "-qc", drop], env=env, timeout=60
                    )
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    passed = True
    print(f"\nCold start, medians of {args.runs} interleaved runs (wall s / CPU s)")
    for name, res in results.items():
        m = res["medians"]
        print(
            f"\n{name}: {res['routes']} routes; modules after import: "
            f"service {res['modules']['service']}, bare app {res['modules']['bare app']}; "
            f"machine busy {res['machine_busy_cores']} cores (this run's own work included)"
        )
        print(f"  {'what':<24}{'wall s':>8}{'CPU s':>8}   {'vs':<22}{'wall x':>7}{'CPU x':>7}")
        pairs = [
            ("import service", "import bare app"),
            ("ready service", "ready bare app"),
            ("cli --help", "bare typer --help"),
            ("cli db current", "bare typer db current"),
        ]
        for ours, base in pairs:
            a, b = m[ours], m[base]
            print(
                f"  {ours:<24}{a['wall_s']:>8.2f}{a['cpu_s']:>8.2f}   {base:<22}"
                f"{a['wall_s'] / b['wall_s']:>7.2f}{a['cpu_s'] / max(b['cpu_s'], 1e-3):>7.2f}"
            )
            print(f"  {base:<24}{b['wall_s']:>8.2f}{b['cpu_s']:>8.2f}")
        p0 = m["python -c pass"]
        print(f"  {'python -c pass':<24}{p0['wall_s']:>8.2f}{p0['cpu_s']:>8.2f}")
        if name == "all-on":
            ratio = m["import service"]["cpu_s"] / max(m["import bare app"]["cpu_s"], 1e-3)
            ok = ratio <= IMPORT_TARGET
            passed &= ok
            print(
                f"  {'PASS' if ok else 'FAIL'}: all-on import CPU {ratio:.2f}x the bare app's "
                f"(target <= {IMPORT_TARGET}x)"
            )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = args.json or RESULTS_DIR / f"startup-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(
        json.dumps(
            {
                "started_at": started_at.isoformat(timespec="seconds"),
                "runs": args.runs,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nresults: {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
