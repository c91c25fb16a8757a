"""A release changes only what reaches services: the release lint, proven both ways.

Between the last vX.Y.Z tag and the working tree (or, with no tag in this
checkout, on the synthetic release the update tests build), no team-owned file
under template/ changed and no answer users gave was invalidated.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from release_lint import (
    acknowledged_files,
    changelog_violations,
    release_violations,
    rendered_path,
)
from release_tags import recorded_releases, restore_tags
from rendering import REPO_ROOT, TemplateRepo, git, project_env, uv_executable
from test_update import every_feature
from update_support import (
    CANDIDATE,
    OLD,
    add_release,
    build_candidate,
    clone,
    copy,
    delete_keeping_copies,
    ownership,
    release_tags,
    rename_with_migration,
)

NEXT = "v99.1.0"
# The floor the template sets for ruff; a fresh service locks the newest release above it.
RUFF = "ruff>=0.17"
TEAM_FILE = "template/src/{{package_name}}/api.py.jinja"


@pytest.fixture(scope="session")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    return build_candidate(tmp_path_factory.mktemp("candidate") / "repo")


@pytest.fixture
def template(candidate: TemplateRepo, tmp_path: Path) -> TemplateRepo:
    """A clone of the candidate to add one more release to."""
    return clone(candidate, tmp_path / "template")


def test_nothing_team_owned_changed_since_the_last_release(candidate: TemplateRepo) -> None:
    tags = release_tags()
    if tags:
        assert release_violations(REPO_ROOT, tags[-1]) == []
    else:  # no tag in this checkout: the synthetic governance release must pass
        assert release_violations(candidate.path, OLD, CANDIDATE) == []


def test_changelog_has_a_section_per_release() -> None:
    changelog = REPO_ROOT / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else None
    assert changelog_violations(text, release_tags()) == []


def test_lint_refuses_an_edit_to_a_team_owned_file(template: TemplateRepo) -> None:
    with (template.path / TEAM_FILE).open("a", encoding="utf-8") as handle:
        handle.write("# a line the standard adds to the team's router list\n")
    add_release(template, NEXT, "Edit a team file")

    assert release_violations(template.path, CANDIDATE, NEXT) == [
        f"{TEAM_FILE}: team-owned file edited without a CHANGELOG manual step naming "
        "`api.py` (copier merges it into every service's copy)"
    ]


def test_lint_accepts_an_edit_the_changelog_gives_a_manual_step(template: TemplateRepo) -> None:
    with (template.path / TEAM_FILE).open("a", encoding="utf-8") as handle:
        handle.write("# a line the standard adds to the team's router list\n")
    (template.path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 99.1.0\n\n### Changed for services\n\n- `README.md` is untouched.\n\n"
        "### Manual steps\n\n- `api.py` lists one more router: add it to yours.\n\n"
        f"## {CANDIDATE[1:]}\n\n### Manual steps\n\n- `tests/conftest.py`\n",
        encoding="utf-8",
    )
    add_release(template, NEXT, "Edit a team file, with its manual step")

    assert release_violations(template.path, CANDIDATE, NEXT) == []


def test_manual_steps_count_from_the_base_release_on() -> None:
    """The base is a tag with its `## X.Y.Z`, or an untagged release naming its commit."""
    changelog = (
        "# Changelog\n\n## Unreleased\n\n### Manual steps\n\n- `tasks.py`\n\n"
        "## 0.2.0 (2026-12-04)\n\n### Manual steps\n\n- `api.py`, `domains/products/*`\n\n"
        "### Migrations\n\n- `product_events_0001`\n\n"
        "## 0.1.0\n\nCommit `abc1234`, untagged.\n\n### Manual steps\n\n- `README.md`\n"
    )

    assert acknowledged_files(changelog, "v0.2.0") == ["tasks.py"]
    assert acknowledged_files(changelog, "v0.1.0") == ["tasks.py", "api.py", "domains/products/*"]
    assert acknowledged_files(changelog, "abc1234") == acknowledged_files(changelog, "v0.1.0")
    assert acknowledged_files(changelog, "v1.0.0") == []
    assert acknowledged_files(changelog, "def5678") == []


def test_lint_reads_a_dropped_path_condition_as_no_rename(template: TemplateRepo) -> None:
    """`{% if docker %}x{% endif %}` -> `x`: the service's file stays where it was."""
    seed = "template/src/{{package_name}}/domains/products/{% if docker %}notes.py{% endif %}"
    (template.path / seed).write_text("NOTES = 1\n", encoding="utf-8")
    add_release(template, "v99.0.1", "A team seed under one answer")
    git("mv", seed, "template/src/{{package_name}}/domains/products/notes.py", cwd=template.path)
    add_release(template, NEXT, "The seed under every answer")

    assert release_violations(template.path, "v99.0.1", NEXT) == []


def test_lint_refuses_deleting_a_team_owned_file_without_a_migration(
    template: TemplateRepo,
) -> None:
    git("rm", "--quiet", TEAM_FILE, cwd=template.path)
    add_release(template, NEXT, "Delete a team file")

    assert release_violations(template.path, CANDIDATE, NEXT) == [
        f"{TEAM_FILE}: team-owned file deleted without a _migrations step or an "
        "update-only _exclude naming it"
    ]


def test_lint_accepts_a_deletion_that_updates_exclude(template: TemplateRepo) -> None:
    delete_keeping_copies(template.path, "tests/domains/products/test_contract.py")
    add_release(template, NEXT, "Delete a team test, keeping services' copies")

    assert release_violations(template.path, CANDIDATE, NEXT) == []


def test_lint_accepts_a_rename_shipped_with_its_migration(template: TemplateRepo) -> None:
    rename_with_migration(template.path, "README.md", "docs/README.md", NEXT)
    add_release(template, NEXT, "Move the README")

    assert release_violations(template.path, CANDIDATE, NEXT) == []


def test_lint_checks_the_working_tree_too(template: TemplateRepo) -> None:
    with (template.path / TEAM_FILE).open("a", encoding="utf-8") as handle:
        handle.write("# not committed yet\n")

    assert len(release_violations(template.path, CANDIDATE)) == 1


def test_lint_refuses_removed_choices_and_questions_without_defaults(
    template: TemplateRepo,
) -> None:
    copier_yml = template.path / "copier.yml"
    text = copier_yml.read_text(encoding="utf-8")
    text = text.replace('    - "3.11"\n', "", 1)
    text += "\nteam_size:\n  type: int\n  help: How many engineers.\n"
    copier_yml.write_text(text, encoding="utf-8")
    add_release(template, NEXT, "Drop Python 3.11; ask the team size")

    assert release_violations(template.path, CANDIDATE, NEXT) == [
        "copier.yml: choice '3.11' of 'python_version' removed",
        "copier.yml: new question 'team_size' has no default",
    ]


@pytest.mark.parametrize(
    ("template_path", "rendered"),
    [
        ("template/src/{{package_name}}/core/app.py.jinja", "src/x/core/app.py"),
        ("template/{{_copier_conf.answers_file}}.jinja", ".copier-answers.yml"),
        ("template/{% if docker %}Dockerfile{% endif %}.jinja", "Dockerfile"),
        ("template/{% if kubernetes %}deploy{% endif %}/k8s/a.yaml", "deploy/k8s/a.yaml"),
    ],
)
def test_template_paths_map_to_rendered_paths(template_path: str, rendered: str) -> None:
    assert rendered_path(template_path) == rendered


def test_changelog_needs_a_section_for_each_tag() -> None:
    changelog = "# Changelog\n\n## Unreleased\n\n## [0.2.0] - 2026-12-01\n\n## 0.1.0\n"

    assert changelog_violations(changelog, ["v0.1.0", "v0.2.0"]) == []
    assert changelog_violations(changelog, ["v0.3.0"]) == ["CHANGELOG.md: no section for v0.3.0"]
    assert changelog_violations(None, ["v0.1.0"]) == ["CHANGELOG.md is missing"]


@pytest.mark.parametrize("profile", [{}, every_feature()], ids=["default", "every-feature"])
def test_the_lint_rules_pass_on_every_template_owned_file(
    candidate: TemplateRepo, tmp_path: Path, profile: dict[str, Any]
) -> None:
    """A rule added to the standard that flags its own files would fail every service,
    in files the team may not fix: the release must fix the file or not ship the rule."""
    project = copy(candidate, tmp_path / "service", profile)
    manifest = ownership()
    owned = sorted(
        str(path.relative_to(project))
        for path in project.rglob("*.py")
        if manifest.owner(path.relative_to(project).as_posix()) == "template"
    )
    assert "scripts/standard_drift.py" in owned

    lint = subprocess.run(
        [uv_executable(), "tool", "run", "--from", RUFF, "ruff", "check", "--no-cache", *owned],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_every_recorded_release_tag_names_a_commit_of_this_repository() -> None:
    """The CHANGELOG's `Tag ...: commit ...` lines agree with this checkout's tags."""
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = recorded_releases(changelog)
    assert releases, "CHANGELOG.md records no release tag"
    for release in releases:
        assert release.tag in release_tags(), f"{release.tag}: run tests/release_tags.py"
        tagged = git("rev-list", "-n", "1", release.tag, cwd=REPO_ROOT).strip()
        assert tagged.startswith(release.commit), f"{release.tag} is on {tagged[:12]}"


def test_tags_are_restored_from_the_changelog_and_never_moved(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git("init", "--quiet", str(repo), cwd=tmp_path)
    commits = []
    for message in ("first", "second"):
        git("commit", "--quiet", "--allow-empty", "--message", message, cwd=repo)
        commits.append(git("rev-parse", "HEAD", cwd=repo).strip())
    changelog = f"## 0.2.0\n\nTag `v0.2.0`: commit `{commits[1][:7]}`.\n"

    assert restore_tags(repo, changelog) == (["v0.2.0"], [])
    assert git("rev-list", "-n", "1", "v0.2.0", cwd=repo).strip() == commits[1]
    assert git("cat-file", "-t", "v0.2.0", cwd=repo).strip() == "tag"  # annotated
    assert restore_tags(repo, changelog) == ([], [])  # nothing left to do

    moved = changelog.replace(commits[1][:7], commits[0][:7])
    created, problems = restore_tags(repo, moved)
    assert created == []
    assert problems == [
        f"v0.2.0: tagged {commits[1][:12]}, but CHANGELOG.md records {commits[0][:7]}"
    ]

    unknown = "## 0.3.0\n\nTag `v0.3.0`: commit `deadbeef`.\n" + changelog
    missing = "v0.3.0: commit deadbeef is not in this repository"
    assert restore_tags(repo, unknown) == ([], [missing])
    assert "v0.3.0" not in release_tags(repo)
