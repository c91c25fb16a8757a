"""Render the template the way a user does, from a snapshot of this working tree."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]

# Environment that belongs to the harness's own `uv run`, not to a generated project:
# a leaked VIRTUAL_ENV makes uv warn and look past the project's `.venv`, and PYTEST_*
# (xdist worker ids, PYTEST_ADDOPTS) would change how the project's own tests run.
_HARNESS_ENV_PREFIXES = ("PYTEST_",)
_HARNESS_ENV_NAMES = frozenset(
    {
        "VIRTUAL_ENV",
        "UV_PROJECT_ENVIRONMENT",
        "UV_PYTHON",
        "UV_RUN_RECURSION_DEPTH",
        "PYTHONHOME",
        "PYTHONPATH",
    }
)

# The snapshot commit must not depend on the machine's git configuration.
_GIT_CONFIG = (
    "-c",
    "user.name=Template tests",
    "-c",
    "user.email=template-tests@example.invalid",
    "-c",
    "commit.gpgsign=false",
)


def _is_harness_variable(name: str) -> bool:
    return name in _HARNESS_ENV_NAMES or name.startswith(_HARNESS_ENV_PREFIXES)


def project_env(**extra: str) -> dict[str, str]:
    """The environment a developer of the generated project would have (UV_CACHE_DIR kept)."""
    env = {name: value for name, value in os.environ.items() if not _is_harness_variable(name)}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


@contextmanager
def project_environ() -> Iterator[None]:
    """Run copier (and its copy-time tasks) in the environment of a developer's shell."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if _is_harness_variable(name):
                mp.delenv(name)
        yield


def uv_executable() -> str:
    """The uv binary running this suite (`uv run` exports it as UV), else the one on PATH."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not installed; the generated projects are driven with uv")
    return uv


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", *_GIT_CONFIG, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return result.stdout


@dataclass(frozen=True)
class TemplateRepo:
    path: Path
    commit: str


def snapshot_working_tree(dst: Path) -> TemplateRepo:
    """Copy tracked and untracked-but-not-ignored files into a fresh one-commit repository.

    Copier renders from git, so uncommitted template edits would otherwise be
    missed (or depend on copier's dirty-tree handling), and a tag in this
    repository would make copier render that tag instead of the working tree.
    The snapshot has no tags, so copier always renders its HEAD.
    """
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO_ROOT)
    dst.mkdir(parents=True)
    for rel in sorted(set(filter(None, listed.split("\0")))):
        src = REPO_ROOT / rel
        if not src.is_symlink() and not src.is_file():
            continue  # deleted but not yet staged, or a submodule
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)
    git("init", "--quiet", "--initial-branch=main", cwd=dst)
    git("add", "--all", cwd=dst)
    git("commit", "--quiet", "--no-verify", "--message=Template working tree", cwd=dst)
    return TemplateRepo(path=dst, commit=git("rev-parse", "HEAD", cwd=dst).strip())


@dataclass(frozen=True)
class Project:
    """A rendered project and the answers copier recorded for it."""

    path: Path
    answers: dict[str, Any]

    @property
    def package_dir(self) -> Path:
        return self.path / "src" / self.answers["package_name"]


def render_template(
    template: TemplateRepo,
    dst: Path,
    data: dict[str, Any] | None = None,
    *,
    skip_tasks: bool = False,
) -> Project:
    """`copier copy --trust --defaults` with `data` as the answers given on the command line."""
    with project_environ():
        copier.run_copy(
            src_path=str(template.path),
            dst_path=dst,
            data=data or {},
            vcs_ref="HEAD",
            defaults=True,
            unsafe=True,  # the copy-time `uv lock` task
            skip_tasks=skip_tasks,
            quiet=True,
        )
    answers = yaml.safe_load((dst / ".copier-answers.yml").read_text(encoding="utf-8"))
    return Project(path=dst, answers=answers)


Render = Callable[..., Project]
