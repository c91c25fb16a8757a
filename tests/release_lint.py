"""What a release of the standard must not contain, checked between two commits.

- A team-owned (render-once) file under template/ edited, unless the release's
  CHANGELOG "Manual steps" name it: copier merges the edit into every service's copy,
  silently where the team did not touch the file and as a conflict where it did.
- A team-owned file deleted or renamed without a `_migrations` step of this release
  that names it, or an update-only `_exclude` entry that keeps the service's copy:
  copier would delete the file, the team's edits with it, silently.
- A choice value or a question removed, or a new question without a default:
  `copier update --defaults` would reset answers or stop to ask.

Files are compared by the path they render to: a template file whose `{% if %}` path
segment was dropped still renders to the same service file, so that is an edit (or
nothing), not a deletion. (A team file under a condition is tests/test_ownership.py's
to refuse.)

`uv run python tests/release_lint.py [BASE]` prints the violations since BASE
(default: the last vX.Y.Z tag) up to the working tree; the tests call
`release_violations` on histories they build.
"""

from __future__ import annotations

import re
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from rendering import REPO_ROOT, git
from update_support import RELEASE_TAG, ownership, release_key, release_tags

MANIFEST = "template/.standard/ownership.toml"
TEMPLATE_SUFFIX = ".jinja"
JINJA_STATEMENT = re.compile(r"\{%.*?%\}")
JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}")
PACKAGE_DIR = re.compile(r"^src/[^/]+/")


def rendered_path(template_path: str, placeholder: str = "x") -> str:
    """The path a template file renders to, with `placeholder` for each `{{ answer }}`."""
    path = template_path.removeprefix("template/").removesuffix(TEMPLATE_SUFFIX)
    path = JINJA_STATEMENT.sub("", path)  # `{% if docker %}Dockerfile{% endif %}`
    path = re.sub(r"\{\{\s*_copier_conf\.answers_file\s*\}\}", ".copier-answers.yml", path)
    return JINJA_EXPRESSION.sub(placeholder, path)


def _show(repo: Path, ref: str | None, path: str) -> str | None:
    """`path` at `ref` (None: the working tree), or None where it does not exist."""
    if ref is None:
        file = repo / path
        return file.read_text(encoding="utf-8") if file.is_file() else None
    try:
        return git("show", f"{ref}:{path}", cwd=repo)
    except subprocess.CalledProcessError:  # not at that commit
        return None


def _questions(text: str | None) -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(text or "") or {}
    return {
        name: spec if isinstance(spec, dict) else {"default": spec}
        for name, spec in config.items()
        if not name.startswith("_")
    }


def _choices(spec: dict[str, Any]) -> list[Any]:
    choices = spec.get("choices") or []
    return list(choices.values()) if isinstance(choices, dict) else list(choices)


def question_violations(base: str | None, head: str | None) -> list[str]:
    """Removed questions or choice values, and new questions without a default."""
    before, after = _questions(base), _questions(head)
    found = [f"copier.yml: question {name!r} removed" for name in before if name not in after]
    for name, spec in after.items():
        if name not in before:
            if "default" not in spec:
                found.append(f"copier.yml: new question {name!r} has no default")
            continue
        for value in _choices(before[name]):
            if value not in _choices(spec):
                found.append(f"copier.yml: choice {value!r} of {name!r} removed")
    return found


def _migration_commands(config_text: str | None, since: str) -> list[str]:
    """The commands of `_migrations` steps newer than the release `since`."""
    config = yaml.safe_load(config_text or "") or {}
    commands = []
    for step in config.get("_migrations") or []:
        version = str(step.get("version", ""))
        newer = (
            not RELEASE_TAG.match(since)
            or not RELEASE_TAG.match(version)
            or release_key(version) > release_key(since)
        )
        if newer:
            command = step.get("command", "")
            commands.append(" ".join(command) if isinstance(command, list) else str(command))
    return commands


def _moved_by_migration(path: str, commands: list[str]) -> bool:
    wanted = rendered_path(path, "{}")
    return any(wanted in JINJA_EXPRESSION.sub("{}", command) for command in commands)


def _kept_on_update(path: str, config_text: str | None) -> bool:
    """Whether an update-only `_exclude` entry names the path: copier leaves the copy alone."""
    wanted = rendered_path(path, "{}")
    entries = (yaml.safe_load(config_text or "") or {}).get("_exclude") or []
    return any(
        "_copier_operation == 'update'" in entry
        and wanted == JINJA_EXPRESSION.sub("{}", JINJA_STATEMENT.sub("", entry))
        for entry in entries
    )


def service_path(template_path: str) -> str:
    """How the CHANGELOG names a generated file: `src/<package>/` left out (`api.py`)."""
    return PACKAGE_DIR.sub("", rendered_path(template_path))


def _template_files(repo: Path, ref: str | None) -> list[str]:
    if ref is None:  # the working tree: tracked and new files
        listing = git(
            "ls-files", "--cached", "--others", "--exclude-standard", "template/", cwd=repo
        )
        return [path for path in listing.splitlines() if (repo / path).is_file()]
    return git("ls-tree", "-r", "--name-only", ref, "--", "template/", cwd=repo).splitlines()


def acknowledged_files(changelog: str | None, base: str) -> list[str]:
    """Files (globs) the Manual steps of every CHANGELOG section newer than `base` name.

    `base`'s own section is `## X.Y.Z` for the tag `vX.Y.Z`, or the section whose
    introduction names the commit (`` `1202d98` ``, a release left untagged); the
    sections above it are the releases since. A base without one acknowledges nothing.
    """
    if changelog is None:
        return []
    version = base[1:] if RELEASE_TAG.match(base) else None
    newer = []
    for section in re.split(r"^## ", changelog, flags=re.MULTILINE)[1:]:
        introduction = section.partition("\n### ")[0]
        if (version and re.match(rf"\[?v?{re.escape(version)}\b", section)) or (
            not version and f"`{base}`" in introduction
        ):
            return [
                name
                for text in newer
                for steps in re.findall(r"^### Manual steps\n(.*?)(?=^###? |\Z)", text, re.M | re.S)
                for name in re.findall(r"`([^`\s]+)`", steps)
            ]
        newer.append(section)
    return []


def release_violations(repo: Path, base: str, head: str | None = None) -> list[str]:
    """Everything between `base` and `head` (None: the working tree) a release must not do."""
    manifest = ownership(_show(repo, base, MANIFEST) or _show(repo, head, MANIFEST))
    copier_yml = _show(repo, head, "copier.yml")
    found = question_violations(_show(repo, base, "copier.yml"), copier_yml)
    commands = _migration_commands(copier_yml, base)
    acknowledged = acknowledged_files(_show(repo, head, "CHANGELOG.md"), base)
    # The head's template file for each path a service sees.
    at_head = {rendered_path(path): path for path in _template_files(repo, head)}
    span = [base] if head is None else [base, head]
    changes = git("diff", "--name-status", "--find-renames", *span, "--", "template/", cwd=repo)
    for line in changes.splitlines():
        status, path, *_ = line.split("\t")
        if status.startswith("A"):
            continue  # a new file reaches every service on its next update
        owner = manifest.owner(rendered_path(path))
        if owner is None:
            found.append(f"{path}: no single owner in the ownership manifest at {base}")
            continue
        if owner != "team":
            continue
        if status[0] not in "MT":  # deleted or renamed: does the service's file remain?
            now = at_head.get(rendered_path(path))
            if now is None:
                if not (_moved_by_migration(path, commands) or _kept_on_update(path, copier_yml)):
                    what = "renamed" if status.startswith("R") else "deleted"
                    found.append(
                        f"{path}: team-owned file {what} without a _migrations step or an "
                        "update-only _exclude naming it"
                    )
                continue
            if _show(repo, base, path) == _show(repo, head, now):
                continue  # only its path's `{% if %}` changed
        if not any(fnmatchcase(service_path(path), name) for name in acknowledged):
            found.append(
                f"{path}: team-owned file edited without a CHANGELOG manual step naming "
                f"`{service_path(path)}` (copier merges it into every service's copy)"
            )
    return found


def changelog_violations(changelog: str | None, tags: list[str]) -> list[str]:
    """Each release tag needs a `## X.Y.Z` (or `## [X.Y.Z]`) section in CHANGELOG.md."""
    if not tags:
        return []
    if changelog is None:
        return ["CHANGELOG.md is missing"]
    headings = set(re.findall(r"^## \[?v?(\d+\.\d+\.\d+)\]?", changelog, re.MULTILINE))
    return [f"CHANGELOG.md: no section for {tag}" for tag in tags if tag[1:] not in headings]


def main(argv: list[str]) -> int:
    tags = release_tags()
    base = argv[0] if argv else (tags[-1] if tags else None)
    if base is None:
        print("release_lint: no vX.Y.Z tag yet; nothing to compare with")
        return 0
    changelog = REPO_ROOT / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else None
    found = release_violations(REPO_ROOT, base) + changelog_violations(text, tags)
    for violation in found:
        print(f"release_lint: {violation}")
    print(f"release_lint: {len(found)} violation(s) since {base}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
