"""What `copier copy --defaults` leaves on disk, before any of it is run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from rendering import REPO_ROOT, Project, TemplateRepo

# Generated or tool-owned directories that are not part of the rendered tree.
NOT_RENDERED = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

# Template-repository files that must never reach a generated project.
TEMPLATE_REPO_ONLY = ["copier.yml", "copier.yaml", "hooks", "template", "bench", ".ci/run"]


def _questions() -> dict[str, dict[str, object]]:
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    return {
        name: spec if isinstance(spec, dict) else {"default": spec}
        for name, spec in config.items()
        if not name.startswith("_")
    }


def _question_names() -> list[str]:
    return list(_questions())


def _always_recorded() -> list[str]:
    """Questions copier stores in every answers file: not secret, not conditional or computed."""
    return [
        name
        for name, spec in _questions().items()
        if "when" not in spec and not spec.get("secret", False)
    ]


# Jinja left in a rendered file: any statement or comment tag, or an expression naming an
# answer or a copier variable. Other `{{` are legitimate literals: f-string escapes in
# Python, `${{ ... }}` in CI workflows; alembic's script.py.mako uses `${...}` and `%`.
UNRENDERED_JINJA = re.compile(
    r"\{%-?\s*\w"
    r"|\{#.*?#\}"
    r"|\{\{-?\s*(?:" + "|".join(map(re.escape, _question_names())) + r"|_copier_\w+)\b",
    re.DOTALL,
)


def _rendered_files(project: Project) -> Iterator[Path]:
    for path in sorted(project.path.rglob("*")):
        rel = path.relative_to(project.path)
        if NOT_RENDERED.intersection(rel.parts) or not path.is_file():
            continue
        yield rel


def _text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_copy_defaults_leaves_no_unrendered_jinja(default_project: Project) -> None:
    leftovers = []
    for rel in _rendered_files(default_project):
        if "{{" in str(rel) or "{%" in str(rel):
            leftovers.append(f"{rel}: unrendered file name")
        text = _text(default_project.path / rel)
        if text is None:
            continue
        for match in UNRENDERED_JINJA.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            leftovers.append(f"{rel}:{line}: {match.group(0)[:60]!r}")

    assert not leftovers, "unrendered Jinja:\n" + "\n".join(leftovers)


def test_copy_defaults_writes_no_jinja_suffixed_files(default_project: Project) -> None:
    suffixed = [str(rel) for rel in _rendered_files(default_project) if rel.name.endswith(".jinja")]

    assert not suffixed, f"files kept their .jinja suffix: {suffixed}"


def test_copy_defaults_leaks_no_template_repository_files(default_project: Project) -> None:
    leaked = [name for name in TEMPLATE_REPO_ONLY if (default_project.path / name).exists()]

    assert not leaked, f"template-repository files in the generated project: {leaked}"


def test_copy_defaults_records_answers_for_updates(
    default_project: Project, template_repo: TemplateRepo
) -> None:
    answers = default_project.answers

    assert template_repo.commit.startswith(str(answers.get("_commit"))), answers
    # An absolute source path keeps `copier update` working from inside the project.
    assert answers.get("_src_path") == str(template_repo.path)
    assert Path(answers["_src_path"]).is_absolute()
    for question in _always_recorded():
        assert question in answers, f"answer {question!r} not recorded"


def test_copy_defaults_puts_the_package_under_src(default_project: Project) -> None:
    package = default_project.answers["package_name"]

    assert package == "my_service"
    assert (default_project.package_dir / "__init__.py").is_file()
    assert sorted(p.name for p in (default_project.path / "src").iterdir()) == [package]


def test_copy_locks_dependencies(default_project: Project) -> None:
    lock = default_project.path / "uv.lock"

    assert lock.is_file(), "the copy-time task did not write uv.lock"
    assert f'name = "{default_project.answers["project_slug"]}"' in lock.read_text(encoding="utf-8")


def test_copy_gives_the_checkout_a_random_signing_key_git_ignores(
    default_project: Project,
) -> None:
    env = (default_project.path / ".env").read_text(encoding="utf-8")
    keys = re.findall(r"^SECRET_KEY=(\S+)$", env, flags=re.MULTILINE)
    ignored = (default_project.path / ".gitignore").read_text(encoding="utf-8").splitlines()

    assert len(keys) == 1
    assert len(keys[0]) >= 64  # secrets.token_urlsafe(48)
    assert "insecure" not in keys[0]
    assert ".env" in ignored
    assert (default_project.path / ".env").stat().st_mode & 0o077 == 0  # owner only
