"""`standard-fleet update`: many services, one release, a verdict per service."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from standard_fleet.cli import app
from typer.testing import CliRunner

from rendering import TemplateRepo, git, project_environ
from update_support import (
    CANDIDATE,
    OLD,
    add_rule_beside_the_governance_rule,
    answers,
    build_candidate,
    commit_all,
    copy,
    do_team_work,
    git_init,
    team_database,
)

BRANCH = "standard-v99.0.0"
COPIER = f"{sys.executable} -m copier"


@pytest.fixture(scope="session")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    return build_candidate(tmp_path_factory.mktemp("candidate") / "repo")


def fleet(*args: str, service_tests: str | None = None) -> tuple[int, str]:
    """`standard-fleet update --ref v99.0.0 ARGS` as a platform team runs it.

    `service_tests` (a pytest `-k` expression) narrows each service's own suite.
    """
    with project_environ(), pytest.MonkeyPatch.context() as env:
        if service_tests is not None:
            env.setenv("PYTEST_ADDOPTS", f"-k {service_tests}")
        result = CliRunner().invoke(app, ["update", "--ref", CANDIDATE, "--copier", COPIER, *args])
    return result.exit_code, result.output


def rows(output: str) -> dict[str, list[str]]:
    """The table: service name -> its cells (split on runs of two spaces)."""
    lines = output[output.index("service  status") :].splitlines()
    return {line.split()[0]: [cell.strip() for cell in line.split("  ") if cell] for line in lines}


@pytest.mark.slow
def test_fleet_reports_clean_conflicted_current_and_drifted_services(
    candidate: TemplateRepo, tmp_path: Path
) -> None:
    clean = copy(candidate, tmp_path / "orders", {"project_name": "Orders"}, ref=OLD)
    git_init(clean)
    conflicted = copy(candidate, tmp_path / "billing", {"project_name": "Billing"}, ref=OLD)
    add_rule_beside_the_governance_rule(conflicted)
    git_init(conflicted)
    current = copy(candidate, tmp_path / "search", {"project_name": "Search"}, ref=CANDIDATE)
    git_init(current)
    drifted = copy(candidate, tmp_path / "users", {"project_name": "Users"}, ref=OLD)
    git_init(drifted)
    with (drifted / "src" / "users" / "core" / "app.py").open("a", encoding="utf-8") as handle:
        handle.write("# a local fix\n")
    commit_all(drifted, "A local fix in the platform")
    listing = tmp_path / "services.txt"
    listing.write_text("# the fleet\norders\nbilling\nsearch\n", encoding="utf-8")
    report = tmp_path / "report.json"

    code, output = fleet(
        str(listing), str(drifted), "--no-gates", "--branch", BRANCH, "--push",
        "--workdir", str(tmp_path / "work"), "--report", str(report),
    )  # fmt: skip

    assert code == 1, output
    table = rows(output)
    assert table["orders"][1:3] == ["clean", f"{OLD} -> {CANDIDATE}"]
    assert table["billing"][1] == "conflicted"
    assert table["billing"][-1] == "pyproject.toml"
    assert table["search"][1:3] == ["already current", CANDIDATE]
    assert table["users"][1] == "drifted"
    assert table["users"][-1] == "edited src/users/core/app.py"
    assert [entry["status"] for entry in json.loads(report.read_text(encoding="utf-8"))] == [
        "clean", "conflicted", "already current", "drifted",
    ]  # fmt: skip
    # The clean update is committed on its own branch and pushed to the service.
    assert git("log", "-1", "--format=%s", BRANCH, cwd=clean).strip() == (
        f"Update to the service standard {CANDIDATE}"
    )
    assert f"_commit: {CANDIDATE}" in git("show", f"{BRANCH}:.copier-answers.yml", cwd=clean)
    assert git("status", "--porcelain", cwd=clean) == ""  # the service's own checkout untouched
    assert BRANCH not in git("branch", "--list", cwd=conflicted)


@pytest.mark.slow
def test_fleet_runs_the_gates_and_names_the_ones_that_fail(
    candidate: TemplateRepo, tmp_path: Path
) -> None:
    shop, ledger = (
        copy(candidate, tmp_path / name, {"project_name": name}, ref=OLD, skip_tasks=False)
        for name in ("shop", "ledger")
    )
    git_init(shop)
    do_team_work(shop, team_database(shop, tmp_path)[0])
    git_init(ledger)
    services = [shop, ledger]
    # The release's new ruff rule (T10) flags team code: the update is clean, the lint gate not.
    api = ledger / "src" / "ledger" / "api.py"
    with api.open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef debug() -> None:\n    breakpoint()\n")
    commit_all(ledger, "Team code a debugger rule flags")

    # The services' whole suites are the gate tests' subject (test_gates.py); the
    # health tests are enough to show the fleet runs the tests gate and times it.
    code, output = fleet(
        *map(str, services),
        "--jobs",
        "2",
        "--workdir",
        str(tmp_path / "work"),
        service_tests="test_health",
    )

    assert code == 1, output
    table = rows(output)
    assert table["shop"][1] == "clean", output
    assert float(table["shop"][4]) > 0  # gate seconds
    assert table["ledger"][1] == "gates failed", output
    assert table["ledger"][-1] == "lint"
    assert answers(tmp_path / "work" / "shop")["_commit"] == CANDIDATE
