"""README command 2 (`uv run pytest`) on a machine without PostgreSQL and Redis.

The servers are hidden by pointing TEMPLATE_POSTGRES_URL and TEMPLATE_REDIS_URL at a
loopback port that refuses connections. Outside CI the profiles that need them are
skipped and named in the run's last lines; with CI=true each of them fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

import services
from test_gates import PROFILES

# One profile per server, so the run is quick: both are skipped before rendering anything.
NEEDS_POSTGRESQL, NEEDS_REDIS = "postgresql-none", "cache-rate-limit"


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def run_suite(port: int, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PYTEST_") and name != "CI"
    }
    env |= {
        "TEMPLATE_POSTGRES_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}",
        "TEMPLATE_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "NO_COLOR": "1",
    }
    if ci:
        env["CI"] = "true"
    selection = f"{NEEDS_POSTGRESQL} or {NEEDS_REDIS}"
    pytest_args = ["tests/test_gates.py", "-k", selection, "-n", "0", "-p", "no:cacheprovider"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args],
        cwd=services.REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_servers_the_run_passes_and_names_what_did_not_run(refused_port: int) -> None:
    result = run_suite(refused_port, ci=False)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert "2 skipped" in lines[-1], lines[-1]
    summary = lines[-2]
    assert summary.startswith("not run: 2 profiles need PostgreSQL/Redis"), summary
    assert f"gates:{NEEDS_POSTGRESQL}" in summary
    assert f"gates:{NEEDS_REDIS}" in summary
    assert f"`{services.START_COMMAND}`" in summary


def test_in_ci_a_missing_server_fails_the_run(refused_port: int) -> None:
    result = run_suite(refused_port, ci=True)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 errors" in result.stdout.strip().splitlines()[-1]  # failed in setup
    assert f"CI=true and PostgreSQL at 127.0.0.1:{refused_port} does not answer" in result.stdout
    assert f"CI=true and Redis at 127.0.0.1:{refused_port} does not answer" in result.stdout
    assert "not run:" not in result.stdout


def test_only_profiles_with_postgresql_or_redis_need_a_server() -> None:
    needs = {
        name: {server.name for server in services.servers_for(answers)}
        for name, answers in PROFILES.items()
    }

    assert needs["default"] == set()
    assert needs["rate-limit-in-memory-api-key"] == set()  # counts in process memory
    assert needs["postgresql-jwt_and_api_key"] == {"PostgreSQL"}
    assert needs["taskiq-cache-python-3.11"] == {"Redis"}
    assert needs["celery-postgresql-limits"] == {"PostgreSQL", "Redis"}
    runnable = sorted(name for name, servers in needs.items() if not servers)
    assert len(runnable) >= 4, runnable  # a quarter of the matrix runs on a bare machine
