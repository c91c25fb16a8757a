# Managed by the service standard (copier update): put your own scripts beside it.
"""Fail when a template-owned file no longer matches the standard this service records.

Re-renders the template version named in `.copier-answers.yml` (`_src_path` at
`_commit`, with the recorded answers) into a temporary directory and compares it
with the working tree, using the ownership manifest of that render
(`.standard/ownership.toml`):

- a template-owned file must be byte-identical to the render;
- a file inside a template-owned area that the standard does not generate is
  reported (it belongs beside `core/`, in the team's modules);
- the template-managed tables of a shared file (e.g. `[tool.ruff]` in
  pyproject.toml) must still hold every value the standard sets: the team may
  add to them, not remove or change.

Exit status: 0 clean, 1 drift found, 2 the check could not run.
Stdlib only; needs git and, by default, uv (for `uvx copier`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# The pipelines pin copier in COPIER_VERSION; the same version renders here.
COPIER = f"uvx copier@{os.environ.get('COPIER_VERSION') or '9.19.1'}"
ANSWERS_FILE = ".copier-answers.yml"
MANIFEST = ".standard/ownership.toml"
OWNERS = ("template", "shared", "team")
DIFF_LINES = 40
ERROR_LINES = 12
NOT_PROJECT_FILES = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
REMOTE_SOURCE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)


class CheckError(Exception):
    """The check could not run (exit status 2)."""


def glob_regex(pattern: str) -> re.Pattern[str]:
    """`*` and `?` stay within one path segment; a `**` segment spans any number of them."""
    parts = pattern.split("/")
    regex = ""
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:.*/)?"
            continue
        for char in part:
            regex += {"*": "[^/]*", "?": "[^/]"}.get(char) or re.escape(char)
        if not last:
            regex += "/"
    return re.compile(regex)


@dataclass(frozen=True)
class Rule:
    owner: str
    pattern: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Ownership:
    """The ownership manifest: which owner each generated path has."""

    rules: tuple[Rule, ...]
    managed: dict[str, tuple[str, ...]]
    no_header: tuple[re.Pattern[str], ...]

    @classmethod
    def parse(cls, text: str) -> Ownership:
        data = tomllib.loads(text)
        rules = tuple(
            Rule(owner, pattern, glob_regex(pattern))
            for owner in OWNERS
            for pattern in data.get(owner, {}).get("paths", [])
        )
        shared = data.get("shared", {})
        managed = {path: tuple(keys) for path, keys in shared.get("managed", {}).items()}
        no_header = tuple(map(glob_regex, data.get("template", {}).get("no_header", [])))
        return cls(rules=rules, managed=managed, no_header=no_header)

    @classmethod
    def load(cls, path: Path) -> Ownership:
        return cls.parse(path.read_text(encoding="utf-8"))

    def matches(self, path: str) -> list[Rule]:
        """Every rule whose pattern matches `path` (exactly one, in a sound manifest)."""
        return [rule for rule in self.rules if rule.regex.fullmatch(path)]

    def owner(self, path: str) -> str | None:
        owners = {rule.owner for rule in self.matches(path)}
        return owners.pop() if len(owners) == 1 else None

    def needs_header(self, path: str) -> bool:
        """Template-owned files say so in their first lines, unless listed in `no_header`."""
        exempt = any(regex.fullmatch(path) for regex in self.no_header)
        return self.owner(path) == "template" and not exempt


def read_answer(answers: str, key: str) -> str | None:
    """A top-level scalar of copier's answers file (plain, 'single' or "double" quoted)."""
    match = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*$", answers, re.MULTILINE)
    if match is None:
        return None
    value = match.group(1)
    if value.startswith("'") and value.endswith("'"):
        return value[1:-1].replace("''", "'")
    if value.startswith('"') and value.endswith('"'):
        return str(json.loads(value))
    return value


def project_files(root: Path) -> Iterator[str]:
    """Files of the project: git's tracked and untracked-but-not-ignored, else every file."""
    git = shutil.which("git")
    listed = None
    if git is not None:
        listed = subprocess.run(  # noqa: S603 (git, found on PATH, with fixed arguments)
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    if listed is not None and listed.returncode == 0:
        for name in sorted(set(os.fsdecode(listed.stdout).split("\0"))):
            if name and (root / name).is_file():
                yield name
        return
    yield from tree_files(root)


def tree_files(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not NOT_PROJECT_FILES.intersection(relative.parts):
            yield relative.as_posix()


def missing_values(standard: object, local: object, where: str) -> Iterator[str]:
    """Where `local` no longer holds what `standard` sets (tables and lists may grow)."""
    if isinstance(standard, dict):
        if not isinstance(local, dict):
            yield f"{where}: is no longer a table"
            return
        for key, value in standard.items():
            if key not in local:
                yield f"{where}.{key}: removed"
            else:
                yield from missing_values(value, local[key], f"{where}.{key}")
    elif isinstance(standard, list):
        if not isinstance(local, list):
            yield f"{where}: is no longer a list"
            return
        for item in standard:
            if not any(not any(missing_values(item, mine, "")) for mine in local):
                yield f"{where}: {json.dumps(item, default=str)} removed or changed"
    elif standard != local:
        yield f"{where}: {json.dumps(standard, default=str)} changed to {json.dumps(local, default=str)}"


def table(document: dict[str, object], dotted: str) -> object | None:
    node: object = document
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def managed_drift(standard: Path, local: Path, keys: Iterable[str]) -> list[str]:
    """What the team removed or changed in the template-managed tables of a shared TOML file."""
    try:
        mine = tomllib.loads(local.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [f"cannot be read: {error}"]
    theirs = tomllib.loads(standard.read_text(encoding="utf-8"))
    found: list[str] = []
    for key in keys:
        expected = table(theirs, key)
        if expected is not None:
            found.extend(missing_values(expected, table(mine, key), key))
    return found


def comparable(path: str, content: bytes) -> bytes:
    """What must match the render: all of it, except the answers file's `_commit` line.

    The render is made at the recorded `_commit`, so the version is the same by
    construction; copier only spells it differently once a tag names that commit
    (`6ec5c5a` when copied, `v0.1.0` after tagging), which is no drift.
    """
    if path != ANSWERS_FILE:
        return content
    return re.sub(rb"(?m)^_commit:.*\n?", b"", content)


@dataclass(frozen=True)
class Drift:
    path: str
    kind: str  # edited | missing | extra | managed
    detail: str = ""


def compare(project: Path, render: Path, ownership: Ownership) -> list[Drift]:
    """Every difference between the project's template-owned files and a fresh render."""
    rendered = set(tree_files(render))
    drifts: list[Drift] = []
    for path in sorted(rendered):
        owner = ownership.owner(path)
        mine = project / path
        if owner == "template":
            if not mine.is_file():
                drifts.append(Drift(path, "missing"))
            elif comparable(path, mine.read_bytes()) != comparable(
                path, (render / path).read_bytes()
            ):
                drifts.append(Drift(path, "edited"))
        elif owner == "shared" and path in ownership.managed and mine.is_file():
            details = managed_drift(render / path, mine, ownership.managed[path])
            drifts.extend(Drift(path, "managed", detail) for detail in details)
    drifts.extend(
        Drift(path, "extra", "not generated by the standard")
        for path in project_files(project)
        if path not in rendered and ownership.owner(path) == "template"
    )
    return drifts


def check_reachable(source: str) -> None:
    """Fail in one line when `_src_path` cannot be read from here (before copier's traceback)."""
    if not REMOTE_SOURCE.match(source):
        if not Path(source).is_dir():
            raise CheckError(
                f"_src_path {source} is a local path that does not exist here (the service "
                "was copied from a checkout of the template): set _src_path in "
                f"{ANSWERS_FILE} to the template's git URL"
            )
        return
    git = shutil.which("git")
    if git is None:
        raise CheckError("git is not on PATH")
    probe = subprocess.run(  # noqa: S603 (git, found on PATH; the source is the recorded URL)
        [git, "ls-remote", "--heads", source],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )
    if probe.returncode != 0:
        lines = probe.stderr.strip().splitlines() or ["no output"]
        reason = next((line for line in lines if line.startswith("fatal:")), lines[0])
        raise CheckError(
            f"_src_path {source} cannot be read ({reason}): this machine or CI job needs "
            "read access to the template repository"
        )


def render_recorded_version(project: Path, copier: list[str], destination: Path) -> tuple[str, str]:
    """Render the version recorded in the answers file into `destination`; return (source, ref)."""
    answers_path = project / ANSWERS_FILE
    if not answers_path.is_file():
        raise CheckError(f"{ANSWERS_FILE} not found in {project}: is this a generated service?")
    answers = answers_path.read_text(encoding="utf-8")
    source, ref = read_answer(answers, "_src_path"), read_answer(answers, "_commit")
    if not source or not ref:
        raise CheckError(f"{ANSWERS_FILE} records no _src_path or _commit")
    if not REMOTE_SOURCE.match(source) and not Path(source).is_absolute():
        source = str((project / source).resolve())
    check_reachable(source)
    command = [
        *copier,
        *("copy", "--quiet", "--trust", "--defaults", "--skip-tasks"),
        *("--vcs-ref", ref, "--data-file", str(answers_path.resolve())),
        source,
        str(destination),
    ]
    # The command is this script's own (or its --copier option's), run without a shell.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise CheckError(
            f"could not render {source} at {ref} (exit {result.returncode}); is _commit a "
            "commit or tag of that repository (not an uncommitted template)?\n"
            f"$ {shlex.join(command)}\n" + "\n".join(output[-ERROR_LINES:])
        )
    return source, ref


def unified_diff(standard: Path, local: Path, path: str) -> list[str]:
    try:
        theirs = standard.read_text(encoding="utf-8").splitlines()
        mine = local.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        return ["    (binary file)"]
    diff = list(difflib.unified_diff(theirs, mine, f"standard/{path}", path, lineterm=""))
    shown = [f"    {line}" for line in diff[:DIFF_LINES]]
    if len(diff) > DIFF_LINES:
        shown.append(f"    ... {len(diff) - DIFF_LINES} more diff lines")
    return shown


def report(drifts: list[Drift], render: Path, project: Path, ref: str) -> None:
    print(f"standard_drift: {len(drifts)} difference(s) from the standard at {ref}:")
    for drift in drifts:
        detail = f": {drift.detail}" if drift.detail else ""
        print(f"  {drift.kind:8} {drift.path}{detail}")
        if drift.kind == "edited":
            print("\n".join(unified_diff(render / drift.path, project / drift.path, drift.path)))
    print(
        "Template-owned files change only through `copier update`: move local changes to the "
        "team's modules beside core/ (.standard/ownership.toml says who owns what) or propose "
        "them to the standard. `--restore` puts back the standard's edited and missing files."
    )


def restore(drifts: list[Drift], render: Path, project: Path) -> None:
    """Overwrite edited and recreate missing template-owned files from the render."""
    for drift in drifts:
        if drift.kind in {"edited", "missing"}:
            target = project / drift.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((render / drift.path).read_bytes())
            print(f"standard_drift: restored {drift.path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project", type=Path, default=Path.cwd(), help="service root (default: .)"
    )
    parser.add_argument("--copier", default=COPIER, help=f"copier command (default: {COPIER})")
    parser.add_argument(
        "--restore", action="store_true", help="put back edited and missing template-owned files"
    )
    args = parser.parse_args(argv)
    project: Path = args.project.resolve()

    with tempfile.TemporaryDirectory(prefix="standard-drift-") as scratch:
        render = Path(scratch) / "render"
        try:
            source, ref = render_recorded_version(project, shlex.split(args.copier), render)
            manifest = render / MANIFEST
            if not manifest.is_file():
                raise CheckError(
                    f"the standard at {ref} has no {MANIFEST}; update the service first"
                )
            drifts = compare(project, render, Ownership.load(manifest))
        except CheckError as error:
            print(f"standard_drift: {error}", file=sys.stderr)
            return 2
        if not drifts:
            print(f"standard_drift: template-owned files match {source} at {ref}")
            return 0
        report(drifts, render, project, ref)
        if args.restore:
            restore(drifts, render, project)
        return 1


if __name__ == "__main__":
    sys.exit(main())
