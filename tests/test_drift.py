"""The service's own guards: the drift check and the pre-commit hooks against failed merges."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rendering import TemplateRepo, git, project_env, snapshot_working_tree
from update_support import (
    CANDIDATE,
    answers,
    build_candidate,
    commit_all,
    copy,
    git_init,
    run,
    uv_executable,
)

PRE_COMMIT = "pre-commit==4.7.0"
DRIFT_ROW = re.compile(r"^  (edited|missing|extra|managed) +([^:\s]+)", re.MULTILINE)


@pytest.fixture(scope="session")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    return build_candidate(tmp_path_factory.mktemp("candidate") / "repo")


def drift_check(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    copier = f"{sys.executable} -m copier"
    return subprocess.run(
        [sys.executable, "scripts/standard_drift.py", "--copier", copier, *options],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def service(candidate: TemplateRepo, tmp_path: Path) -> Path:
    project = copy(candidate, tmp_path / "service")
    git_init(project)
    return project


def test_drift_check_passes_on_a_fresh_copy(service: Path) -> None:
    result = drift_check(service)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"match {answers(service)['_src_path']} at {CANDIDATE}" in result.stdout


def test_drift_check_lists_hand_edits_to_template_files_only(service: Path) -> None:
    package = service / "src" / answers(service)["package_name"]
    with (package / "core" / "app.py").open("a", encoding="utf-8") as handle:
        handle.write("# a local fix\n")
    (service / "tests" / "core" / "test_health.py").unlink()
    (package / "core" / "helpers.py").write_text('"""Team code in the platform."""\n')
    pyproject = service / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace('    "S",\n', "", 1).replace('    "W",\n', '    "W",\n    "T20",\n', 1)
    pyproject.write_text(text, encoding="utf-8")
    # The team's own files and additions to managed tables are not drift.
    with (package / "api.py").open("a", encoding="utf-8") as handle:
        handle.write("# the team's router list\n")

    result = drift_check(service)

    assert result.returncode == 1, result.stdout + result.stderr
    found = set(DRIFT_ROW.findall(result.stdout))
    rel = package.relative_to(service).as_posix()
    assert found == {
        ("edited", f"{rel}/core/app.py"),
        ("missing", "tests/core/test_health.py"),
        ("extra", f"{rel}/core/helpers.py"),
        ("managed", "pyproject.toml"),
    }
    assert 'tool.ruff.lint.select: "S" removed or changed' in result.stdout
    assert "+# a local fix" in result.stdout


def test_drift_check_restore_puts_the_standard_back(service: Path) -> None:
    package = service / "src" / answers(service)["package_name"]
    app = package / "core" / "app.py"
    original = app.read_bytes()
    app.write_text("broken = True\n", encoding="utf-8")
    (service / "tests" / "core" / "test_health.py").unlink()

    assert drift_check(service, "--restore").returncode == 1

    assert app.read_bytes() == original
    assert drift_check(service).returncode == 0


def test_drift_check_explains_a_version_it_cannot_render(service: Path) -> None:
    answers_file = service / ".copier-answers.yml"
    text = answers_file.read_text(encoding="utf-8")
    answers_file.write_text(text.replace(f"_commit: {CANDIDATE}", "_commit: v7.7.7"))
    commit_all(service, "Point at a release that does not exist")

    result = drift_check(service)

    assert result.returncode == 2
    assert "could not render" in result.stderr
    assert "v7.7.7" in result.stderr


def test_drift_check_passes_when_the_recorded_commit_is_tagged_later(tmp_path: Path) -> None:
    template = snapshot_working_tree(tmp_path / "template")  # no tag: copier records the hash
    project = copy(template, tmp_path / "service", ref="HEAD")
    git_init(project)
    assert not answers(project)["_commit"].startswith("v")
    git("tag", "v0.1.0", cwd=template.path)  # the release is tagged afterwards

    result = drift_check(project)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("/home/someone/fastapi-template", "is a local path that does not exist here"),
        ("file:///nowhere/fastapi-template.git", "needs read access to the template repository"),
    ],
)
def test_drift_check_explains_an_unreachable_template_in_one_line(
    service: Path, source: str, says: str
) -> None:
    answers_file = service / ".copier-answers.yml"
    recorded = answers(service)["_src_path"]
    answers_file.write_text(answers_file.read_text(encoding="utf-8").replace(recorded, source))
    commit_all(service, "Copied from somewhere CI cannot reach")

    result = drift_check(service)

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"standard_drift: _src_path {source}"), result.stderr
    assert says in result.stderr
    assert "_commit" not in result.stderr


def test_conflict_check_lists_markers_and_rejected_hunks(service: Path) -> None:
    marker = "<" * 7
    (service / "README.md").write_text(f"{marker} before updating\nours\n", encoding="utf-8")
    (service / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n-a\n+b\n", encoding="utf-8")
    ignored = service / "build.db"  # .gitignore'd files are not the service's
    ignored.write_text(f"{marker} \n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "scripts/standard_conflicts.py"],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.findall(r"^  (\S+): ", result.stdout, re.MULTILINE) == [
        "README.md",
        "pyproject.toml.rej",
    ]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_ci_fails_on_conflicts_in_the_standard_job(
    candidate: TemplateRepo, tmp_path: Path, ci: str
) -> None:
    project = copy(candidate, tmp_path / "service", {"ci": ci})

    if ci == "github":
        workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text("utf-8"))
        steps = workflow["jobs"]["standard"]["steps"]
        runs = [
            step for step in steps if step.get("run") == "python3 scripts/standard_conflicts.py"
        ]
        assert len(runs) == 1
        assert "continue-on-error" not in runs[0]
    else:
        pipeline = yaml.safe_load((project / ".gitlab-ci.yml").read_text("utf-8"))
        assert "python scripts/standard_conflicts.py" in pipeline["standard"]["before_script"]


def _pre_commit(project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    uv = uv_executable()
    return subprocess.run(
        [uv, "tool", "run", PRE_COMMIT, "run", "--color=never", "--files", *files],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_pre_commit_refuses_conflict_markers_and_rejected_hunks(
    candidate: TemplateRepo, tmp_path: Path
) -> None:
    project = copy(candidate, tmp_path / "service", skip_tasks=False)
    git_init(project)
    readme = "README.md"
    clean = _pre_commit(project, readme, "pyproject.toml")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    with (project / readme).open("a", encoding="utf-8") as handle:
        handle.write("<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after updating\n")
    (project / "pyproject.toml.rej").write_text("@@ -1 +1 @@\n-a\n+b\n", encoding="utf-8")
    run(["git", "add", "--all"], project)
    refused = _pre_commit(project, readme, "pyproject.toml.rej")

    assert refused.returncode == 1
    assert "Merge conflict string" in refused.stdout
    assert "no *.rej files" in refused.stdout
    assert "apply the rejected hunks by hand" in refused.stdout
