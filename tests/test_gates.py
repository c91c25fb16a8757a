"""A generated project passes its own quality gates, for every supported set of answers."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rendering import Project, Render, project_env, uv_executable

# Answer profiles: each renders one project and runs every gate in it. Add a profile
# per toggle value (database, auth, cache, ...) so each combination users pick is proven.
PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "python-3.11": {"python_version": "3.11"},
    "python-3.13": {"python_version": "3.13"},
}

GATE_TIMEOUT_SECONDS = 900
OUTPUT_TAIL_LINES = 80


@dataclass(frozen=True)
class Gate:
    """One command a developer of the generated project runs, from the project root."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(["uv", *self.args])


def gates_for(project: Project, scratch: Path) -> list[Gate]:
    slug = project.answers["project_slug"]
    # A throwaway database, so `db check` compares the models with freshly applied migrations.
    migrations_env = {"DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'check.db'}"}
    run = ["run", "--locked"]  # every gate also proves uv.lock matches pyproject.toml
    return [
        Gate([*run, "ruff", "check", "."]),
        Gate([*run, "ruff", "format", "--check", "."]),
        Gate([*run, "mypy", "."]),
        Gate([*run, "lint-imports"]),
        Gate([*run, "pytest", "-q"]),
        Gate([*run, slug, "db", "upgrade"], env=migrations_env),
        Gate([*run, slug, "db", "check"], env=migrations_env),
    ]


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
@pytest.mark.parametrize("profile", PROFILES)
def test_copy_passes_gates(render: Render, tmp_path: Path, profile: str) -> None:
    project = render(PROFILES[profile], dst=tmp_path / "service")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()

    # Everything else needs an installed environment; the copy-time task wrote uv.lock.
    install = Gate(["sync", "--locked"])
    if (failure := run_gate(install, project.path, tmpdir)) is not None:
        pytest.fail(f"profile {profile!r} in {project.path}:\n{failure}", pytrace=False)

    # Run every gate even after a failure: one run shows everything left to fix.
    failures = [
        report
        for gate in gates_for(project, scratch=tmp_path)
        if (report := run_gate(gate, project.path, tmpdir)) is not None
    ]
    if failures:
        report = "\n\n".join(failures)
        pytest.fail(f"profile {profile!r} in {project.path}:\n\n{report}", pytrace=False)
