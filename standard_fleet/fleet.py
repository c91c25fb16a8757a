"""Update one service in a working copy of its own: clone, drift check, update, gates."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ANSWERS_FILE = ".copier-answers.yml"
COPIER = f"uvx copier@{os.environ.get('COPIER_VERSION') or '9.19.1'}"
# Written as counts so this file never holds a marker line itself.
MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.MULTILINE)
DRIFT_ROW = re.compile(r"^  (edited|missing|extra|managed) +(\S+?):?(?: |$)", re.MULTILINE)
OUTPUT_TAIL_LINES = 15
# Set by `uv run standard-fleet`; a service's own `uv run` must not see them.
HARNESS_VARIABLES = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_RUN_RECURSION_DEPTH")
# Commits on a CI runner without a git identity of its own.
FLEET_IDENTITY = ("-c", "user.name=standard-fleet", "-c", "user.email=standard-fleet@localhost")

CLEAN = "clean"
CURRENT = "already current"
CONFLICTED = "conflicted"
GATES_FAILED = "gates failed"
DRIFTED = "drifted"
ERROR = "error"


@dataclass(frozen=True)
class Target:
    """A service to update: a git URL or path, and environment for its gates."""

    source: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return re.sub(r"\.git$", "", self.source.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])


@dataclass(frozen=True)
class Options:
    ref: str | None
    workdir: Path
    copier: Sequence[str] = tuple(shlex.split(COPIER))
    gates: bool = True
    drift: bool = True
    branch: str | None = None
    push: bool = False
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """What happened to one service; `details` lists conflicted files or failed gates."""

    target: Target
    status: str = ERROR
    details: list[str] = field(default_factory=list)
    version: str = ""
    update_seconds: float = 0.0
    gates_seconds: float = 0.0
    total_seconds: float = 0.0
    workdir: Path | None = None
    branch: str | None = None


class StepFailed(Exception):
    """A command the update needs failed; the message says which and why."""


def gates(slug: str) -> list[tuple[str, list[str]]]:
    """The standard's quality gates, as the generated CI runs them."""
    return [
        ("lint", ["ruff", "check", "."]),
        ("format", ["ruff", "format", "--check", "."]),
        ("types", ["mypy", "."]),
        ("imports", ["lint-imports"]),
        ("tests", ["pytest", "--quiet", "-p", "no:cacheprovider"]),
        ("migrations", [slug, "db", "upgrade"]),
        ("db check", [slug, "db", "check"]),
    ]


def read_answer(answers: str, key: str) -> str:
    """A top-level scalar of copier's answers file ('' when absent)."""
    match = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*$", answers, re.MULTILINE)
    return match.group(1).strip("'\"") if match else ""


def conflicts(project: Path) -> list[str]:
    """Files an update left unresolved: markers, unmerged paths, `*.rej` (tracked or not)."""
    listed = _git(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    found = set(_git(project, "diff", "-z", "--name-only", "--diff-filter=U").split("\0"))
    for path in filter(None, listed.split("\0")):
        file = project / path
        if path.endswith(".rej"):
            found.add(path)
        elif file.is_file() and not file.is_symlink():
            content = file.read_bytes()
            if b"\0" not in content and MARKER.search(content):
                found.add(path)
    return sorted(filter(None, found))


class Updater:
    """Runs the steps for one target; every command's output goes to a log in its copy."""

    def __init__(self, target: Target, options: Options, copy: Path) -> None:
        self.target = target
        self.options = options
        self.copy = copy
        self.log = copy.parent / f"{copy.name}.log"
        self.env = {
            name: value for name, value in os.environ.items() if name not in HARNESS_VARIABLES
        }
        self.env |= {"NO_COLOR": "1", "GIT_TERMINAL_PROMPT": "0"} | options.env | target.env

    def run(
        self, args: Sequence[str], *, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            list(args),
            cwd=cwd or self.copy,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(f"$ {shlex.join(args)}  -> exit {result.returncode}\n{result.stdout}\n")
        return result

    def must(self, args: Sequence[str], what: str, *, cwd: Path | None = None) -> str:
        result = self.run(args, cwd=cwd)
        if result.returncode != 0:
            tail = result.stdout.strip().splitlines()[-OUTPUT_TAIL_LINES:]
            raise StepFailed(f"{what} failed (exit {result.returncode}): {' / '.join(tail)}")
        return result.stdout

    def update(self) -> Result:
        result = Result(target=self.target, workdir=self.copy)
        started = time.perf_counter()
        try:
            self._update(result)
        except StepFailed as error:
            result.status, result.details = ERROR, [str(error)]
        result.total_seconds = time.perf_counter() - started
        return result

    def _update(self, result: Result) -> None:
        self.copy.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("", encoding="utf-8")
        clone = ["git", "clone", "--quiet", self.target.source, str(self.copy)]
        self.must(clone, "git clone", cwd=self.copy.parent)
        answers = self.copy / ANSWERS_FILE
        if not answers.is_file():
            raise StepFailed(f"no {ANSWERS_FILE}: not a generated service")
        before = read_answer(answers.read_text(encoding="utf-8"), "_commit")
        result.version = before
        if self.options.ref is not None and before == self.options.ref:
            result.status = CURRENT
            return
        if self.options.drift and self._drifted(result):
            return

        started = time.perf_counter()
        command = [*self.options.copier, "update", "--trust", "--defaults"]
        if self.options.ref is not None:
            command.append(f"--vcs-ref={self.options.ref}")
        self.must(command, "copier update")
        result.update_seconds = time.perf_counter() - started
        after = read_answer(answers.read_text(encoding="utf-8"), "_commit")
        result.version = f"{before} -> {after}" if after != before else before

        if not self._git_dirty():
            result.status = CURRENT
            return
        conflicted = conflicts(self.copy)
        if conflicted:
            result.status, result.details = CONFLICTED, conflicted
            return
        self.must(["uv", "lock", "--quiet"], "uv lock")
        if self.options.gates:
            started = time.perf_counter()
            slug = read_answer(answers.read_text(encoding="utf-8"), "project_slug")
            runs = ((name, self.run(["uv", "run", *gate])) for name, gate in gates(slug))
            failed = [name for name, run in runs if run.returncode != 0]
            result.gates_seconds = time.perf_counter() - started
            if failed:
                result.status, result.details = GATES_FAILED, failed
                return
        result.status = CLEAN
        if self.options.branch:
            self._commit(after)
            result.branch = self.options.branch

    def _drifted(self, result: Result) -> bool:
        """Run the service's drift check (when it has one); record why it failed."""
        if not (self.copy / "scripts" / "standard_drift.py").is_file():
            return False
        copier = shlex.join(self.options.copier)
        drift = self.run(["python3", "scripts/standard_drift.py", "--copier", copier])
        if drift.returncode == 0:
            return False
        result.status = DRIFTED if drift.returncode == 1 else ERROR
        listed = [" ".join(row) for row in DRIFT_ROW.findall(drift.stdout)]
        said = [line for line in drift.stdout.splitlines() if line.startswith("standard_drift:")]
        result.details = listed or said[:1]
        return True

    def _git_dirty(self) -> bool:
        return bool(self.must(["git", "status", "--porcelain"], "git status").strip())

    def _commit(self, version: str) -> None:
        branch = self.options.branch or ""
        self.must(["git", "switch", "--quiet", "--create", branch], "git switch")
        self.must(["git", "add", "--all"], "git add")
        message = f"Update to the service standard {version}"
        identity = [] if _git(self.copy, "config", "user.email").strip() else list(FLEET_IDENTITY)
        commit = ["git", *identity, "commit", "--quiet", "--no-verify", f"--message={message}"]
        self.must(commit, "git commit")
        if self.options.push:
            self.must(["git", "push", "--quiet", "--set-upstream", "origin", branch], "git push")


def _git(project: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )
    return result.stdout if result.returncode == 0 else ""


def working_copies(targets: Sequence[Target], workdir: Path) -> list[Path]:
    """A directory of its own per target, named after it (a suffix when names repeat)."""
    seen: dict[str, int] = {}
    copies = []
    for target in targets:
        count = seen[target.name] = seen.get(target.name, 0) + 1
        copies.append(workdir / (target.name if count == 1 else f"{target.name}-{count}"))
    return copies
