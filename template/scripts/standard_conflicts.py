# Managed by the service standard (copier update): put your own scripts beside it.
"""Fail when an update left a conflict behind: markers, unmerged paths or `*.rej` files.

`copier update` exits 0 even when it could not merge: it writes both sides inline
(git marks the file unmerged, UU) or, with `--conflict rej`, takes the hunk out of
the file and leaves it in an untracked `<file>.rej`. This looks at every tracked
and untracked (not ignored) file, so it catches both before a commit and in CI.

Exit status: 0 nothing found, 1 conflicts found, 2 the check could not run.
Stdlib only; needs git.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Written as counts so this file never holds a marker line itself.
MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.MULTILINE)
REJECTED_SUFFIXES = (".rej",)


class CheckError(Exception):
    """The check could not run (exit status 2)."""


def _git(root: Path, *args: str) -> list[str]:
    git = shutil.which("git")
    if git is None:
        raise CheckError("git is not on PATH")
    result = subprocess.run(  # noqa: S603 (git, found on PATH, with fixed arguments)
        [git, *args, "-z"], cwd=root, capture_output=True, check=False
    )
    if result.returncode != 0:
        raise CheckError(f"git {' '.join(args)} failed: {os.fsdecode(result.stderr).strip()}")
    return sorted(set(filter(None, os.fsdecode(result.stdout).split("\0"))))


def conflicts(root: Path) -> list[tuple[str, str]]:
    """(path, why) for every file an update left unresolved, sorted by path."""
    found: dict[str, str] = {}
    for path in _git(root, "ls-files", "--cached", "--others", "--exclude-standard"):
        file = root / path
        if path.endswith(REJECTED_SUFFIXES):
            found[path] = "rejected hunks: apply them by hand, then delete the file"
        elif file.is_file() and not file.is_symlink():
            content = file.read_bytes()
            if b"\0" not in content and MARKER.search(content):
                found[path] = "conflict markers"
    for path in _git(root, "diff", "--name-only", "--diff-filter=U"):
        found.setdefault(path, "unmerged: resolve it, then `git add` it")
    return sorted(found.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project", type=Path, default=Path.cwd(), help="service root (default: .)"
    )
    args = parser.parse_args(argv)
    try:
        found = conflicts(args.project.resolve())
    except CheckError as error:
        print(f"standard_conflicts: {error}", file=sys.stderr)
        return 2
    if not found:
        print("standard_conflicts: no conflict markers, unmerged paths or .rej files")
        return 0
    print(f"standard_conflicts: {len(found)} file(s) left unresolved by an update or a merge:")
    for path, why in found:
        print(f"  {path}: {why}")
    print("Resolve each one (docs: the README's Updating section), then run this again.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
