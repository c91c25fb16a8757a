"""Release tags from CHANGELOG.md: the record a clone without tags restores them from.

A release section records its tag and commit on a line of its own,
``Tag `vX.Y.Z`: commit `<hash>`.``, written once the tag exists. Tags do not travel
with every copy of the repository (a landing or a `git clone --no-tags` drops them),
and without `vX.Y.Z` the release lint has no base and services recorded at the tag
cannot be updated; the commit does travel, so the tag can be made again where it is.

`uv run python tests/release_tags.py` creates every recorded tag this checkout lacks
(annotated, as docs/releasing.md makes them) and refuses, changing nothing, when a tag
exists on another commit. `.ci/run` calls it before the suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rendering import REPO_ROOT, git

RECORD = re.compile(r"^Tag `(v\d+\.\d+\.\d+)`: commit `([0-9a-f]{7,40})`\.$", re.MULTILINE)


@dataclass(frozen=True)
class Release:
    tag: str
    commit: str


def recorded_releases(changelog: str) -> list[Release]:
    """Every `Tag ...: commit ...` line of the changelog, in the file's order."""
    return [Release(tag, commit) for tag, commit in RECORD.findall(changelog)]


def _resolve(repo: Path, ref: str) -> str | None:
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() or None


def restore_tags(repo: Path, changelog: str) -> tuple[list[str], list[str]]:
    """Create the recorded tags `repo` lacks; return (created, problems).

    Nothing is created when any record is wrong: a tag on another commit than its
    record, or a recorded commit this repository does not have.
    """
    missing: list[tuple[Release, str]] = []
    problems: list[str] = []
    for release in recorded_releases(changelog):
        commit = _resolve(repo, release.commit)
        if commit is None:
            problems.append(f"{release.tag}: commit {release.commit} is not in this repository")
            continue
        tagged = _resolve(repo, f"refs/tags/{release.tag}")
        if tagged is None:
            missing.append((release, commit))
        elif tagged != commit:
            problems.append(
                f"{release.tag}: tagged {tagged[:12]}, but CHANGELOG.md records {release.commit}"
            )
    if problems:
        return [], problems
    for release, commit in missing:
        git("tag", "--annotate", "--message", release.tag, release.tag, commit, cwd=repo)
    return [release.tag for release, _ in missing], []


def main() -> int:
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    created, problems = restore_tags(REPO_ROOT, changelog)
    for problem in problems:
        print(f"release_tags: {problem}")
    if problems:
        return 1
    recorded = len(recorded_releases(changelog))
    print(f"release_tags: {recorded} recorded, created {', '.join(created) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
