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
# all-on), Python 3.11 and 3.13 through taskiq-cache-python-3.11 and all-on.
PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "sqlite-none": {"auth": "none"},
    # File uploads on PostgreSQL, with every route open (auth=none).
    "postgresql-none": {"database": "postgresql", "auth": "none", "uploads": True},
    "postgresql-jwt_and_api_key": {"database": "postgresql", "auth": "jwt_and_api_key"},
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
    },
    "celery-postgresql-limits": {
        "task_queue": "celery",
        "database": "postgresql",
        "rate_limit": True,
        "cache": "redis",
        "auth": "none",
    },
    "observability-api-key": {"metrics": True, "tracing": True, "auth": "api_key"},
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
# unique field, a decimal and optional fields.
NEW_DOMAINS = (
    ("customers", "name:str(120)", "email:email:unique", "notes:text:optional"),
    (
        "order",
        "customer:ref(customers)",
        "status:enum(new|paid|shipped):default=new",
        "total:decimal(10,2)",
        "placed_on:date:optional",
    ),
)

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


# One source of truth: the products example is what `new domain` writes for its fields
# (tests/products_compare.py), plus the example's own additions, counted here in
# changed lines per file. A generator change that moves the example further away, or
# one that brings it closer, fails until this table (and the example) follow.
PRODUCTS_DIFFERENCES: dict[str, int] = {
    "domain/__init__.py": 0,
    "domain/constants.py": 4,  # the SKU and currency patterns
    "domain/dependencies.py": 8,  # the task queue the service sends to
    "domain/exceptions.py": 6,  # DuplicateSkuError names the SKU it refuses
    "domain/models.py": 24,  # price and stock checks; ProductEvent, the task's table
    "domain/repository.py": 18,  # add_event_once, for the task
    "domain/router.py": 0,
    "domain/schemas.py": 26,  # patterns and bounds: Sku, Currency, Cents, Quantity
    "domain/service.py": 57,  # the task sent on create; ProductEventService
    "domain/tasks.py": 38,  # the task example
    "tests/__init__.py": 0,
    "tests/factories.py": 38,  # tests/factories.py (shared by the task tests) holds them
    "tests/test_access.py": 30,  # generated: in test_router.py
    "tests/test_contract.py": 131,  # the example's input-hardening tests
    "tests/test_router.py": 164,
    "tests/test_tasks.py": 59,
    "tests/test_tasks_worker.py": 53,
}
PRODUCTS_COMPARE = Path(__file__).with_name("products_compare.py")


def products_differences(project: Project, tmpdir: Path) -> dict[str, int] | str:
    """Changed lines per products file against `new domain`'s output, or what went wrong."""
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
    differences: dict[str, int] = json.loads(result.stdout)
    return differences


def new_domain_gates(project: Project, databases: Databases) -> list[Gate]:
    """`new domain` for each of NEW_DOMAINS; each also autogenerates its migration."""
    slug = project.answers["project_slug"]
    return [
        Gate(
            ["run", "--locked", slug, "new", "domain", name, *[f"--field={f}" for f in specs]],
            env=databases.migrations,
        )
        for name, *specs in NEW_DOMAINS
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
    drift = []
    found = products_differences(project, tmpdir) if profile == "default" else None
    if found is not None and found != PRODUCTS_DIFFERENCES:
        drift.append(f"the products example drifted from `new domain`'s output: {found}")
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
