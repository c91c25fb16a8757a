"""Every generated file has exactly one owner, and template-owned files say so.

The manifest is `template/.standard/ownership.toml`; every service gets a copy,
which its drift check (`scripts/standard_drift.py`) reads.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from rendering import REPO_ROOT, Project, Render
from update_support import choice_values, ownership, template_questions, walk

HEADER = "Managed by the service standard (copier update)"
HEADER_LINES = 3  # a Dockerfile's `# syntax=` line or a shebang may come first
IDENTITY = {"project_name", "project_slug", "package_name", "description", "author_name",
            "author_email"}  # fmt: skip


def answer_sets() -> dict[str, dict[str, Any]]:
    """Each value of every choice and yes/no question once, and all toggles on together."""
    sets: dict[str, dict[str, Any]] = {}
    richest: dict[str, Any] = {}
    for name, spec in template_questions().items():
        if name in IDENTITY:
            continue
        values = choice_values(spec)
        for value in values:
            if value != spec.get("default"):
                sets[f"{name}={value}"] = {name: value}
        enabled = [value for value in values if value not in ("none", False)]
        if enabled and name != "python_version":
            richest[name] = enabled[-1]
    sets["every-feature"] = richest
    return sets


@pytest.fixture(scope="module")
def projects(render: Render, default_project: Project) -> dict[str, Project]:
    """The default copy and a render of each answer set, by label."""
    projects = {"default": default_project}  # copied with its tasks: it has uv.lock
    for label, data in answer_sets().items():
        projects[label] = render(data, skip_tasks=True)
    return projects


@pytest.fixture(scope="module")
def generated(projects: dict[str, Project]) -> dict[str, tuple[str, Path]]:
    """Every path any answer set generates -> (the first answer set that did, the file)."""
    files: dict[str, tuple[str, Path]] = {}
    for label, project in projects.items():
        for rel in walk(project.path):
            files.setdefault(rel.as_posix(), (label, project.path / rel))
    return files


# Written by the copy-time task, not rendered: the lock follows the answers' dependencies.
COPY_TASK_OUTPUTS = {"uv.lock"}


def test_team_owned_files_render_the_same_under_every_answer(
    projects: dict[str, Project],
) -> None:
    """So a toggle turned on or off through `copier update` never touches a team file."""
    manifest = ownership()
    renders = {
        label: {
            path: (project.path / rel).read_bytes()
            for rel in walk(project.path)
            if manifest.owner(path := rel.as_posix()) == "team" and path not in COPY_TASK_OUTPUTS
        }
        for label, project in projects.items()
    }
    seen: dict[str, tuple[str, bytes]] = {}
    differences = []
    for label, files in renders.items():
        for path, content in files.items():
            first_label, first = seen.setdefault(path, (label, content))
            if content != first:
                differences.append(f"{path}: {label} renders it unlike {first_label}")
    for path in sorted(seen):
        missing = [label for label, files in renders.items() if path not in files]
        if missing:
            differences.append(f"{path}: not rendered under {', '.join(missing)}")
    assert differences == [], "team-owned files must not depend on the answers"


def test_every_generated_file_has_exactly_one_owner(
    generated: dict[str, tuple[str, Path]],
) -> None:
    manifest = ownership()
    problems = []
    for path, (label, _) in sorted(generated.items()):
        rules = manifest.matches(path)
        if not rules:
            problems.append(f"{path} ({label}): no entry in template/.standard/ownership.toml")
        elif len(rules) > 1:
            owners = ", ".join(f"{rule.owner} {rule.pattern!r}" for rule in rules)
            problems.append(f"{path} ({label}): matched by {owners}")
    assert problems == []


def test_every_manifest_pattern_matches_a_generated_file(
    generated: dict[str, tuple[str, Path]],
) -> None:
    manifest = ownership()
    stale = [
        f"{rule.owner} {rule.pattern!r}"
        for rule in manifest.rules
        if not any(rule.regex.fullmatch(path) for path in generated)
    ]
    assert stale == [], "manifest entries that match no generated file"


def _head(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        return "".join(handle.readline() for _ in range(HEADER_LINES))


def test_template_owned_files_say_so_in_their_first_lines(
    generated: dict[str, tuple[str, Path]],
) -> None:
    manifest = ownership()
    unmarked = [
        f"{path} ({label})"
        for path, (label, file) in sorted(generated.items())
        if manifest.needs_header(path) and HEADER not in _head(file)
    ]
    assert unmarked == [], f"template-owned files without the line '# {HEADER}: ...'"


def test_only_template_owned_files_claim_to_be_managed(
    generated: dict[str, tuple[str, Path]],
) -> None:
    manifest = ownership()
    claims = [
        f"{path} ({manifest.owner(path)})"
        for path, (_, file) in sorted(generated.items())
        if manifest.owner(path) != "template" and file.suffix != ".lock" and HEADER in _head(file)
    ]
    assert claims == [], "files the team owns must not say the standard manages them"


def test_managed_tables_of_shared_files_are_generated(default_project: Project) -> None:
    manifest = ownership()
    for path, keys in manifest.managed.items():
        document = tomllib.loads((default_project.path / path).read_text(encoding="utf-8"))
        for key in keys:
            node: Any = document
            for part in key.split("."):
                assert isinstance(node, dict), f"{path}: {key} is not a table"
                assert part in node, f"{path}: the standard sets no {key}"
                node = node[part]


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/*/core/**", "src/acme/core/app.py", True),
        ("src/*/core/**", "src/acme/core/db/engine.py", True),
        ("src/*/core/**", "src/acme/domains/core/models.py", False),
        ("src/*/__init__.py", "src/acme/__init__.py", True),
        ("src/*/__init__.py", "src/acme/core/__init__.py", False),
        ("tests/**/test_*.py", "tests/test_app.py", True),
        ("tests/**/test_*.py", "tests/a/b/test_app.py", True),
        (".github/workflows/ci.yml", ".github/workflows/ci.yml", True),
        ("README.md", "docs/README.md", False),
        ("*.py", "a/b.py", False),
    ],
)
def test_manifest_patterns_match_like_gitignore_globs(
    pattern: str, path: str, matches: bool
) -> None:
    manifest = ownership(f'[team]\npaths = ["{pattern}"]\n')
    assert (manifest.owner(path) == "team") is matches


def test_the_team_readme_holds_nothing_the_standard_changes() -> None:
    """README.md is the team's: no answer changes it, and the standard's text lives in
    docs/standard/service.md, which releases may change."""
    readme = (REPO_ROOT / "template" / "README.md.jinja").read_text(encoding="utf-8")
    manifest = ownership()

    assert manifest.owner("README.md") == "team"
    assert manifest.owner("docs/standard/service.md") == "template"
    assert "{%" not in readme
    assert "docs/standard/README.md" in readme
