"""A generated project passes its own quality gates, for every supported set of answers."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import services
from rendering import Project, Render, project_env, uv_executable

# Answer profiles: each renders one project and runs every gate in it. A covering
# matrix, not the full product: every value of every question at least once, and
# every database x auth pair at least once (sqlite-jwt: default; sqlite-none:
# sqlite-none, tracing-cache-none-auth; sqlite-api_key: observability-api-key,
# rate-limit-in-memory-api-key; sqlite-jwt_and_api_key: celery-jwt-and-api-key;
# postgresql-none: postgresql-none; postgresql-jwt: metrics-celery-postgresql;
# postgresql-api_key: taskiq-postgresql; postgresql-jwt_and_api_key: its own and
# all-on), Python 3.11 and 3.13 through taskiq-cache-python-3.11 and all-on; the
# admin panel (and its browser test) on SQLite with jwt (taskiq-cache-python-3.11) and on
# PostgreSQL with jwt_and_api_key (its own and all-on); uploads on SQLite with jwt and
# with api_key (observability-api-key) and on PostgreSQL with none and jwt_and_api_key.
PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "sqlite-none": {"auth": "none"},
    # File uploads on PostgreSQL, with every route open (auth=none); a package name that
    # sorts after `tests`, which import sorting once put below the tests' own imports.
    "postgresql-none": {
        "project_name": "Wallet",
        "database": "postgresql",
        "auth": "none",
        "uploads": True,
    },
    "postgresql-jwt_and_api_key": {
        "database": "postgresql",
        "auth": "jwt_and_api_key",
        "admin": True,
    },
    # Platform features, pairwise: each value at least once, and the pairs that
    # interact (rate_limit x cache, task_queue x database, rate_limit x auth, cache x auth).
    "cache-rate-limit": {"cache": "redis", "rate_limit": True},
    "rate-limit-in-memory-api-key": {"rate_limit": True, "auth": "api_key"},
    "taskiq-postgresql": {"task_queue": "taskiq", "database": "postgresql", "auth": "api_key"},
    "celery-jwt-and-api-key": {"task_queue": "celery", "auth": "jwt_and_api_key"},
    "taskiq-cache-python-3.11": {
        "task_queue": "taskiq",
        "cache": "redis",
        "python_version": "3.11",
        "admin": True,
        "uploads": True,
    },
    "celery-postgresql-limits": {
        "task_queue": "celery",
        "database": "postgresql",
        "rate_limit": True,
        "cache": "redis",
        "auth": "none",
    },
    "observability-api-key": {
        "metrics": True,
        "tracing": True,
        "auth": "api_key",
        "uploads": True,
    },
    "metrics-celery-postgresql": {
        "metrics": True,
        "task_queue": "celery",
        "database": "postgresql",
    },
    "tracing-cache-none-auth": {"tracing": True, "cache": "redis", "auth": "none"},
    # Everything on at once, on the newest Python.
    "all-on": {
        "python_version": "3.13",
        "database": "postgresql",
        "auth": "jwt_and_api_key",
        "cache": "redis",
        "rate_limit": True,
        "task_queue": "taskiq",
        "metrics": True,
        "tracing": True,
        "admin": True,
        "uploads": True,
        "docker": True,
        "kubernetes": True,
        "ci": "gitlab",
    },
}

POSTGRES = services.POSTGRES_URL  # TEMPLATE_POSTGRES_URL moves it

# Two related resources every profile adds with its own `new domain` before its gates
# run, so each gate also covers what the generator writes: a reference, an enum (its
# PostgreSQL type dropped by the downgrade in the service's test_migrations.py), a
# unique field with a pattern, a decimal, an int with bounds (CHECK constraints)
# and optional fields.
NEW_DOMAINS = (
    (
        "customers",
        "name:str(120)",
        "email:email:unique",
        "notes:text:optional",
        "code:str(12):unique,pattern=^[A-Z]{2}-[0-9]{4,8}$",
    ),
    (
        "order",
        "customer:ref(customers)",
        "status:enum(new|paid|shipped):default=new",
        "total:decimal(10,2)",
        "quantity:int:default=1,min=1,max=1000",
        "placed_on:date:optional",
    ),
)

# A task of the second domain (its worker test runs a real worker where the profile
# has a task queue) and a command of the service's own.
NEW_TASK = ("orders", "send_receipt")
NEW_COMMAND = "rebuild-cache"

GATE_TIMEOUT_SECONDS = 900
OUTPUT_TAIL_LINES = 80


@dataclass(frozen=True)
class Gate:
    """One command a developer of the generated project runs, from the project root."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(["uv", *self.args])


@dataclass(frozen=True)
class Databases:
    """Where a project's own tests and its `db check` run: throwaway, unique per project."""

    tests: dict[str, str]
    migrations: dict[str, str]
    postgres_names: tuple[str, ...] = ()


def databases_for(project: Project, scratch: Path) -> Databases:
    if project.answers.get("database") != "postgresql":
        return Databases(
            tests={}, migrations={"DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'check.db'}"}
        )
    # Profiles run in parallel against one server: each gets databases of its own.
    tag = hashlib.sha1(str(project.path).encode()).hexdigest()[:10]
    tests, check = f"gates_{tag}_test", f"gates_{tag}_check"
    return Databases(
        tests={"TEST_DATABASE_URL": f"{POSTGRES}/{tests}"},
        migrations={"DATABASE_URL": f"{POSTGRES}/{check}"},
        postgres_names=(tests, check),
    )


def gates_for(project: Project, databases: Databases) -> list[Gate]:
    slug = project.answers["project_slug"]
    run = ["run", "--locked"]  # every gate also proves uv.lock matches pyproject.toml
    return [
        Gate([*run, "ruff", "check", "."]),
        Gate([*run, "ruff", "format", "--check", "."]),
        Gate([*run, "mypy", "."]),
        Gate([*run, "lint-imports"]),
        Gate([*run, "pytest", "-q"], env=databases.tests),
        # `db upgrade` creates the database, so `db check` compares the models with
        # freshly applied migrations.
        Gate([*run, slug, "db", "upgrade"], env=databases.migrations),
        Gate([*run, slug, "db", "check"], env=databases.migrations),
    ]


# One source of truth: the products example is exactly what the commands of
# tests/products_compare.py (PRODUCTS_COMMANDS: `new domain products ...` and `new task
# products record_created`) write; the compare runs them in a copy of the default
# profile's project and diffs every file of the domain and its tests.
PRODUCTS_COMPARE = Path(__file__).with_name("products_compare.py")


def products_drift(project: Project, tmpdir: Path) -> str | None:
    """None when the products example is the generator's output, else the diff or the error."""
    result = subprocess.run(
        [uv_executable(), "run", "--locked", "python", str(PRODUCTS_COMPARE), str(project.path),
         project.answers["package_name"]],
        cwd=project.path,
        env=project_env(TMPDIR=str(tmpdir)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=GATE_TIMEOUT_SECONDS,
        check=False,
    )  # fmt: skip
    if result.returncode:
        return f"products_compare.py: exit {result.returncode}\n{result.stderr[-4000:]}"
    found: dict[str, Any] = json.loads(result.stdout)
    differences: dict[str, int] = found["differences"]
    if not differences or any(differences.values()):
        return f"the products example is not the generator's output: {differences}\n{found['diff']}"
    return None


def new_domain_gates(project: Project, databases: Databases) -> list[Gate]:
    """`new domain` for each of NEW_DOMAINS (each autogenerates its migration), then
    NEW_TASK and NEW_COMMAND: their tests run with the service's own."""
    slug = project.answers["project_slug"]
    run = ["run", "--locked", slug, "new"]
    return [
        *(
            Gate([*run, "domain", name, *[f"--field={f}" for f in specs]], env=databases.migrations)
            for name, *specs in NEW_DOMAINS
        ),
        Gate([*run, "task", *NEW_TASK]),
        Gate([*run, "command", NEW_COMMAND]),
    ]


def drop_postgres_databases(names: tuple[str, ...]) -> None:
    psql = shutil.which("psql")
    for name in names if psql else ():
        subprocess.run(
            [
                psql,
                "-h",
                services.POSTGRESQL.address[0],
                "-p",
                str(services.POSTGRESQL.address[1]),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-qc",
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            ],
            capture_output=True,
            check=False,
        )


def run_gate(gate: Gate, cwd: Path, tmpdir: Path) -> str | None:
    """Run `gate`; return None if it passed, else a report ending with its output's tail.

    `tmpdir` becomes TMPDIR: the project's own pytest then keeps its temporary
    directories there instead of rotating this suite's out of /tmp/pytest-of-<user>.
    """
    try:
        result = subprocess.run(
            [uv_executable(), *gate.args],
            cwd=cwd,
            env=project_env(TMPDIR=str(tmpdir), **gate.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=GATE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as timeout:
        captured = timeout.output or ""
        output = captured.decode(errors="replace") if isinstance(captured, bytes) else captured
        outcome = f"timed out after {GATE_TIMEOUT_SECONDS}s"
    else:
        if result.returncode == 0:
            return None
        outcome, output = f"exit {result.returncode}", result.stdout
    tail = "\n".join(output.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])
    return f"$ {gate}  ->  {outcome}\n{tail}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "profile",
    [
        pytest.param(name, marks=services.needs_servers(answers))
        for name, answers in PROFILES.items()
    ],
)
def test_copy_passes_gates(render: Render, tmp_path: Path, profile: str) -> None:
    project = render(PROFILES[profile], dst=tmp_path / "service")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()

    # Everything else needs an installed environment; the copy-time task wrote uv.lock.
    install = Gate(["sync", "--locked"])
    if (failure := run_gate(install, project.path, tmpdir)) is not None:
        pytest.fail(f"profile {profile!r} in {project.path}:\n{failure}", pytrace=False)

    # Run every gate even after a failure: one run shows everything left to fix.
    found = products_drift(project, tmpdir) if profile == "default" else None
    drift = [found] if found is not None else []
    databases = databases_for(project, scratch=tmp_path)
    try:
        for gate in new_domain_gates(project, databases):
            if (failure := run_gate(gate, project.path, tmpdir)) is not None:
                pytest.fail(f"profile {profile!r} in {project.path}:\n{failure}", pytrace=False)
        failures = drift + [
            report
            for gate in gates_for(project, databases)
            if (report := run_gate(gate, project.path, tmpdir)) is not None
        ]
    finally:
        drop_postgres_databases(databases.postgres_names)
    if failures:
        report = "\n\n".join(failures)
        pytest.fail(f"profile {profile!r} in {project.path}:\n\n{report}", pytrace=False)
