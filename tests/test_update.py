"""`copier update` delivers the standard's changes and never loses a team's work.

Each test builds its services from a template repository of its own (see
update_support): copied at the released `v0.1.0`, updated to the candidate
`v99.0.0`, which carries a synthetic governance change. Updates run through
copier's command line, as the generated README tells teams to run them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from rendering import REPO_ROOT, Project, TemplateRepo, git
from test_gates import Databases, Gate, databases_for, drop_postgres_databases, gates_for, run_gate
from update_support import (
    CANDIDATE,
    GOVERNANCE_LINE,
    GOVERNANCE_RULE,
    GOVERNANCE_TEST,
    OLD,
    add_release,
    answers,
    build_candidate,
    build_from_release,
    choice_values,
    clone,
    commit_all,
    conflicted_files,
    copy,
    do_team_work,
    git_init,
    is_clean,
    ownership,
    rejected_hunks,
    release_key,
    release_tags,
    rename_with_migration,
    run,
    team_database,
    template_questions,
    tree_differences,
    update,
)

# Questions that name the service rather than switch a feature on or off.
IDENTITY = {"project_name", "project_slug", "package_name", "description", "author_name",
            "author_email", "python_version"}  # fmt: skip


def every_feature() -> dict[str, Any]:
    """Every toggle on: `true` for yes/no questions, the last value that isn't 'none' otherwise."""
    profile: dict[str, Any] = {}
    for name, spec in template_questions().items():
        values = [value for value in choice_values(spec) if value not in ("none", False)]
        if name not in IDENTITY and values:
            profile[name] = values[-1]
    return profile


# id -> (answers at copy, answers given to the update with --data)
SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "default": ({}, {}),
    "postgresql-auth": ({"database": "postgresql", "auth": "jwt_and_api_key"}, {}),
    "every-feature": (every_feature(), {}),
    "every-feature-turned-on-by-update": ({}, every_feature()),
}


def _require_questions(*profiles: dict[str, Any]) -> None:
    missing = sorted({name for p in profiles for name in p} - set(template_questions()))
    if missing:
        pytest.skip(f"copier.yml has no question {', '.join(missing)} yet")


@pytest.fixture(scope="session")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    return build_candidate(tmp_path_factory.mktemp("candidate") / "repo")


@pytest.fixture(scope="session")
def fresh_default(candidate: TemplateRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh default copy at the candidate; shared, so tests must not modify it."""
    return copy(candidate, tmp_path_factory.mktemp("fresh-default") / "fresh")


def _assert_clean_update(project: Path) -> None:
    assert rejected_hunks(project) == [], "copier update left rejected hunks"
    assert conflicted_files(project) == [], "copier update left conflicts"


def _assert_team_work_intact(
    project: Path, team_files: dict[str, bytes], added: dict[str, list[str]], *, exact: bool
) -> None:
    """Team-owned files unchanged (`exact`), or at least every line the team added kept.

    Shared files always merge. Answers changed with `--data` may change a team-owned
    file rendered from them too (e.g. an import the feature needs), so then only the
    team's lines are checked.
    """
    manifest = ownership()
    lost = []
    for path, content in team_files.items():
        current = (project / path).read_bytes() if (project / path).is_file() else None
        if manifest.owner(path) == "shared" or not exact:
            text = (current or b"").decode()
            lost += [f"{path}: {line!r}" for line in added.get(path, []) if line not in text]
        elif current != content:
            lost.append(f"{path}: changed by the update")
    assert lost == [], "team work lost:\n" + "\n".join(lost)


def _added_lines(project: Path) -> dict[str, list[str]]:
    """Lines the last commit added, per file."""
    diff = git("diff", "--unified=0", "HEAD~1", "HEAD", cwd=project)
    added: dict[str, list[str]] = {}
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            current = line.removeprefix("+++ b/")
        elif line.startswith("+") and not line.startswith("+++") and line[1:].strip():
            added.setdefault(current, []).append(line[1:])
    return added


def _gates(project: Path, databases: Databases) -> list[Gate]:
    """Re-lock (the update may change dependencies), install, then the project's gates."""
    gates = gates_for(Project(path=project, answers=answers(project)), databases)
    return [Gate(["lock"]), Gate(["sync", "--locked"]), *gates]


def _drift_check(project: Path) -> None:
    """The service's own drift check passes: no template-owned file differs from the standard."""
    copier = f"{sys.executable} -m copier"
    run([sys.executable, "scripts/standard_drift.py", "--copier", copier], project)


def _update_with_team_work(
    repo: TemplateRepo,
    tmp_path: Path,
    at_copy: dict[str, Any],
    at_update: dict[str, Any],
    *,
    copied_at: str,
) -> Path:
    """Copy at `copied_at`, do the team's work, update to the candidate; check all of it."""
    project = copy(repo, tmp_path / "service", at_copy, ref=copied_at, skip_tasks=False)
    git_init(project)
    team_env, team_databases = team_database(project, tmp_path)
    databases = databases_for(Project(path=project, answers=answers(project)), tmp_path)
    try:
        work = do_team_work(project, team_env)
        added = _added_lines(project)

        update(project, at_update)

        _assert_clean_update(project)
        _assert_team_work_intact(project, work.files, added, exact=not at_update)
        recorded = answers(project)
        assert recorded["_commit"] == CANDIDATE
        assert {key: recorded[key] for key in at_update} == at_update

        tmpdir = tmp_path / "tmp"
        tmpdir.mkdir()
        reports = [run_gate(gate, project, tmpdir) for gate in _gates(project, databases)]
        failures = [report for report in reports if report is not None]
        assert not failures, "\n\n".join(failures)
    finally:
        drop_postgres_databases(databases.postgres_names + team_databases)
    _drift_check(project)

    commit_all(project, f"Update to the standard {CANDIDATE}")
    update(project)
    assert is_clean(project), "a second update changed:\n" + git("status", "--short", cwd=project)
    return project


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_update_keeps_team_work_and_delivers_the_standard(
    candidate: TemplateRepo, tmp_path: Path, scenario: str
) -> None:
    at_copy, at_update = SCENARIOS[scenario]
    _require_questions(at_copy, at_update)

    project = _update_with_team_work(candidate, tmp_path, at_copy, at_update, copied_at=OLD)

    assert GOVERNANCE_RULE.split("#")[0].strip() in (project / "pyproject.toml").read_text()
    package_dir = project / "src" / answers(project)["package_name"]
    assert GOVERNANCE_LINE in (package_dir / "core" / "__init__.py").read_text()
    assert (project / GOVERNANCE_TEST).is_file()


@pytest.mark.slow
def test_update_from_the_last_release_keeps_team_work(tmp_path: Path) -> None:
    tags = release_tags()
    if not tags:
        pytest.skip("no vX.Y.Z tag in this checkout: the synthetic v0.1.0 stands in for it")
    repo = build_from_release(tags[-1], tmp_path / "template")

    _update_with_team_work(repo, tmp_path, {}, {}, copied_at=tags[-1])


def _migration_versions() -> list[str]:
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return sorted({str(step["version"]) for step in config.get("_migrations") or []})


@pytest.mark.slow
@pytest.mark.parametrize("version", _migration_versions())
def test_each_migration_from_the_release_before_it(tmp_path: Path, version: str) -> None:
    """Every `_migrations` step of copier.yml, run by an update from the release before it."""
    before = [tag for tag in release_tags() if release_key(tag) < release_key(version)]
    if not before:
        pytest.skip(f"no release before {version} in this checkout (git fetch --tags)")
    repo = build_from_release(before[-1], tmp_path / "template")

    _update_with_team_work(repo, tmp_path, {}, {}, copied_at=before[-1])


RENAMED_IN = "v99.1.0"


def test_a_rename_migration_keeps_team_edits_at_the_new_path(
    candidate: TemplateRepo, tmp_path: Path
) -> None:
    """The pattern docs/releasing.md prescribes, proven on a synthetic release."""
    repo = clone(candidate, tmp_path / "template")
    old = next(
        path.relative_to(repo.path / "template").as_posix().removesuffix(".jinja")
        for path in sorted((repo.path / "template" / "tests" / "domains").glob("*/test_*.py*"))
    )
    new = old.replace("/test_", "/test_renamed_")
    rename_with_migration(repo.path, old, new, RENAMED_IN)
    add_release(repo, RENAMED_IN, f"Rename {old} to {new}")
    project = copy(repo, tmp_path / "service", ref=CANDIDATE)  # the release before it
    git_init(project)
    with (project / old).open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef test_the_team_added_this() -> None:\n    assert True\n")
    commit_all(project, "Team test")
    edited = (project / old).read_bytes()

    update(project)

    _assert_clean_update(project)
    assert answers(project)["_commit"] == RENAMED_IN
    assert not (project / old).exists()
    assert (project / new).read_bytes() == edited
    assert git("status", "--short", cwd=project).splitlines() == [
        " M .copier-answers.yml",
        f"R  {old} -> {new}",
    ]


@pytest.mark.parametrize("scenario", ["default", "postgresql-auth", "every-feature"])
def test_update_of_an_unedited_project_equals_a_fresh_copy(
    candidate: TemplateRepo, tmp_path: Path, scenario: str
) -> None:
    at_copy, _ = SCENARIOS[scenario]
    _require_questions(at_copy)
    updated = copy(candidate, tmp_path / "updated", at_copy, ref=OLD)
    git_init(updated)

    update(updated)

    fresh = copy(candidate, tmp_path / "fresh", at_copy, ref=CANDIDATE)
    assert tree_differences(updated, fresh) == ""


def _toggles() -> list[Any]:
    cases = []
    for name, spec in template_questions().items():
        default = spec.get("default")
        for value in choice_values(spec):
            if value != default:
                cases.append(pytest.param(name, default, value, id=f"{name}={value}"))
    return cases


@pytest.mark.parametrize(("question", "default", "value"), _toggles())
def test_toggle_through_update_equals_a_fresh_copy(
    candidate: TemplateRepo,
    fresh_default: Path,
    tmp_path: Path,
    question: str,
    default: Any,
    value: Any,
) -> None:
    project = copy(candidate, tmp_path / "service")
    git_init(project)

    update(project, {question: value})

    _assert_clean_update(project)
    on = copy(candidate, tmp_path / "fresh-on", {question: value})
    assert tree_differences(project, on) == ""

    commit_all(project, f"Turn {question} to {value}")
    update(project, {question: default})

    _assert_clean_update(project)
    assert tree_differences(project, fresh_default) == ""
