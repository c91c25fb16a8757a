"""Template histories, copier's CLI and project trees: what the update-path tests share.

The tests never depend on tags in this checkout. They build a template repository
of their own from a snapshot of the working tree: `v0.1.0` is the working tree as
it is (the "released" standard a service was copied from) and `v99.0.0` adds a
synthetic governance change on top (the candidate a service updates to).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from copier import run_copy

import services
from rendering import (
    REPO_ROOT,
    TemplateRepo,
    git,
    project_env,
    project_environ,
    snapshot_working_tree,
    uv_executable,
)

OLD = "v0.1.0"
CANDIDATE = "v99.0.0"
COPIER_TIMEOUT_SECONDS = 600
OUTPUT_TAIL_LINES = 60

DRIFT_SCRIPT = REPO_ROOT / "template" / "scripts" / "standard_drift.py"
MANIFEST = REPO_ROOT / "template" / ".standard" / "ownership.toml"

# What a tree comparison ignores: tool state, what `copier copy` leaves to uv, and the
# git-ignored `.env` its task writes with a random SECRET_KEY (one per checkout).
NOT_COMPARED = {
    ".git",
    ".venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".env",
}
NOT_COMPARED_FILES = {"uv.lock"}

# The synthetic governance change of the candidate: a new ruff rule in the template-managed
# part of pyproject.toml, a new line in a core/ module and a new template-owned test.
GOVERNANCE_RULE = '    "T10", # debugger calls left behind (the standard at v99.0.0)'
GOVERNANCE_LINE = "STANDARD_REVISION = 99"
GOVERNANCE_TEST = "tests/core/test_standard_revision.py"
_GOVERNANCE_TEST_SOURCE = '''\
# Managed by the service standard (copier update): put your own tests outside tests/core/.
"""The standard's revision reaches the service (a synthetic change of the update tests)."""

from {{ package_name }}.core import STANDARD_REVISION


def test_standard_revision_arrived() -> None:
    assert STANDARD_REVISION == 99
'''


# --- the drift script and the ownership manifest, as the template ships them -------------


@cache
def drift_module() -> ModuleType:
    """`template/scripts/standard_drift.py` as a module: it holds the manifest's matcher."""
    spec = importlib.util.spec_from_file_location("standard_drift", DRIFT_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def ownership(text: str | None = None) -> Any:
    """The ownership manifest of this working tree (or the one in `text`)."""
    manifest = drift_module().Ownership
    return manifest.parse(text) if text is not None else manifest.load(MANIFEST)


# --- template histories ------------------------------------------------------------------


def commit_all(repo: Path, message: str, tag: str | None = None) -> str:
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "--no-verify", f"--message={message}", cwd=repo)
    if tag is not None:
        git("tag", tag, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo).strip()


def add_governance_change(repo: Path) -> None:
    """Change the template the way a governance release does, in template-owned places only."""
    pyproject = repo / "template" / "pyproject.toml.jinja"
    text = pyproject.read_text(encoding="utf-8")
    lint = text.index("[tool.ruff.lint]")
    select = text.index("select = [\n", lint) + len("select = [\n")
    pyproject.write_text(text[:select] + GOVERNANCE_RULE + "\n" + text[select:], encoding="utf-8")

    core_init = repo / "template" / "src" / "{{package_name}}" / "core" / "__init__.py"
    with core_init.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{GOVERNANCE_LINE}\n")

    test = repo / "template" / f"{GOVERNANCE_TEST}.jinja"
    test.write_text(_GOVERNANCE_TEST_SOURCE, encoding="utf-8")


def add_rule_beside_the_governance_rule(project: Path) -> None:
    """A team rule where the candidate adds its own (adjacent lines): the update conflicts."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    select = text.index("select = [\n", text.index("[tool.ruff.lint]")) + len("select = [\n")
    rule = '    "T20", # the team bans print()\n'
    pyproject.write_text(text[:select] + rule + text[select:], encoding="utf-8")


# The candidate also renames a file of the example domain (with its migration): services
# that kept the file get it moved with their edits, services that deleted it stay without.
RENAMED_EXAMPLE_FILE = (
    "tests/domains/products/test_router.py",
    "tests/domains/products/test_routes.py",
)


def build_candidate(dst: Path) -> TemplateRepo:
    """This working tree tagged OLD, then a governance release on top tagged CANDIDATE."""
    repo = snapshot_working_tree(dst)
    git("tag", OLD, cwd=repo.path)
    add_governance_change(repo.path)
    rename_with_migration(repo.path, *RENAMED_EXAMPLE_FILE, CANDIDATE)
    return TemplateRepo(path=repo.path, commit=commit_all(repo.path, "Governance", CANDIDATE))


def clone(repo: TemplateRepo, dst: Path) -> TemplateRepo:
    """A clone with all tags, to add releases to without touching the shared candidate."""
    git("clone", "--quiet", str(repo.path), str(dst), cwd=dst.parent)
    return TemplateRepo(path=dst, commit=repo.commit)


RELEASE_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


def release_key(tag: str) -> tuple[int, ...]:
    return tuple(int(number) for number in RELEASE_TAG.findall(tag)[0])


def release_tags(repo: Path = REPO_ROOT) -> list[str]:
    """This checkout's release tags (vX.Y.Z), oldest first; none in a clone without tags."""
    tags = [tag for tag in git("tag", "--list", "v*", cwd=repo).split() if RELEASE_TAG.match(tag)]
    return sorted(tags, key=release_key)


def build_from_release(tag: str, dst: Path) -> TemplateRepo:
    """The working tree tagged CANDIDATE, beside the real release `tag` fetched from here."""
    repo = snapshot_working_tree(dst)
    git(
        "fetch", "--quiet", "--no-tags", str(REPO_ROOT), f"refs/tags/{tag}:refs/tags/{tag}", cwd=dst
    )
    git("tag", CANDIDATE, cwd=dst)
    return repo


def add_release(repo: TemplateRepo, tag: str, message: str) -> TemplateRepo:
    """Commit what changed in `repo`'s working tree as release `tag`."""
    return TemplateRepo(path=repo.path, commit=commit_all(repo.path, message, tag))


def rename_with_migration(repo: Path, old: str, new: str, version: str) -> None:
    """Rename a team-editable file the way docs/releasing.md says a release must.

    The template file moves; a `before` migration moves the service's copy with
    `git mv -k` (keeping the team's edits, skipped when the file is gone); updates
    exclude the new path (`_exclude` on `_copier_operation == 'update'`), so copier
    never renders it into a service that deleted the file, and `_skip_if_exists`
    keeps `git apply` off the moved file.
    """
    template = repo / "template"
    suffix = ".jinja" if (template / f"{old}.jinja").is_file() else ""
    (template / new).parent.mkdir(parents=True, exist_ok=True)
    git("mv", f"template/{old}{suffix}", f"template/{new}{suffix}", cwd=repo)
    config_path = repo / "copier.yml"
    text = config_path.read_text(encoding="utf-8")
    update_only = "{% if _copier_operation == 'update' %}" + new + "{% endif %}"
    migration = [
        f"  - version: {version}",
        "    when: \"{{ _stage == 'before' }}\"",
        f"    command: git mv -k {old} {new}",
    ]
    text = _add_to_list(text, "_migrations", migration)
    text = _add_to_list(text, "_exclude", [f'  - "{update_only}"'])
    text = _add_to_list(text, "_skip_if_exists", [f"  - {new}"])
    config_path.write_text(text, encoding="utf-8")


def delete_keeping_copies(repo: Path, path: str) -> None:
    """Delete a team-owned file from the template the way docs/releasing.md says.

    Updates exclude the path (`_exclude` on `_copier_operation == 'update'`): copier
    then leaves every service's copy alone, where it would delete it, edits and all.
    """
    template = repo / "template"
    suffix = ".jinja" if (template / f"{path}.jinja").is_file() else ""
    git("rm", "--quiet", f"template/{path}{suffix}", cwd=repo)
    config_path = repo / "copier.yml"
    update_only = "{% if _copier_operation == 'update' %}" + path + "{% endif %}"
    text = _add_to_list(
        config_path.read_text(encoding="utf-8"), "_exclude", [f'  - "{update_only}"']
    )
    config_path.write_text(text, encoding="utf-8")


def _add_to_list(text: str, key: str, item: list[str]) -> str:
    """copier.yml `text` with `item` (YAML lines) added to the top-level list `key`.

    Edited as text, so the rest of the file keeps its formatting and comments.
    """
    lines = "".join(f"{line}\n" for line in item)
    heading = f"\n{key}:\n"
    if heading not in text:
        return text.rstrip("\n") + "\n" + heading + lines
    start = text.index(heading) + len(heading)
    end = re.search(r"^\S", text[start:], re.MULTILINE)  # the next top-level key
    at = start + end.start() if end else len(text)
    while text[start:at].endswith("\n\n"):  # before the blank line that ends the list
        at -= 1
    return text[:at] + lines + text[at:]


def template_questions(copier_yml: Path = REPO_ROOT / "copier.yml") -> dict[str, dict[str, Any]]:
    """The questions of a copier.yml (settings and computed values left out)."""
    config = yaml.safe_load(copier_yml.read_text(encoding="utf-8"))
    return {
        name: spec if isinstance(spec, dict) else {"default": spec}
        for name, spec in config.items()
        if not name.startswith("_") and not (isinstance(spec, dict) and spec.get("when") is False)
    }


def choice_values(spec: dict[str, Any]) -> list[Any]:
    choices = spec.get("choices")
    if isinstance(choices, dict):
        return list(choices.values())
    if isinstance(choices, list):
        return [c[1] if isinstance(c, list) else c for c in choices]
    if spec.get("type") == "bool":
        return [False, True]
    return []


# --- copier, git and uv, as a developer runs them ----------------------------------------


def run(args: list[str], cwd: Path, *, env: dict[str, str] | None = None) -> str:
    """Run a command in the developer's environment; fail the test with its output if it fails."""
    environment = project_env(**(env or {}))
    # Bytecode caches make each later `python -m copier` start in half the time.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(
        args,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COPIER_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join(result.stdout.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])
        pytest.fail(f"$ {' '.join(args)}  (in {cwd}) -> exit {result.returncode}\n{tail}")
    return result.stdout


def copier(*args: str, cwd: Path) -> str:
    """The `copier` command line of the version this suite pins."""
    return run([sys.executable, "-m", "copier", *args], cwd=cwd)


def copy(
    repo: TemplateRepo,
    dst: Path,
    data: dict[str, Any] | None = None,
    *,
    ref: str = CANDIDATE,
    skip_tasks: bool = True,
) -> Path:
    """`copier copy --trust --defaults` at `ref`, in-process; the copy-time `uv lock` if asked."""
    with project_environ():
        run_copy(
            src_path=str(repo.path),
            dst_path=dst,
            data=data or {},
            vcs_ref=ref,
            defaults=True,
            unsafe=True,
            skip_tasks=skip_tasks,
            quiet=True,
        )
    return dst


def update(project: Path, data: dict[str, Any] | None = None, *extra: str) -> str:
    """`copier update --trust --defaults`, exactly as the service's README says."""
    options = [f"--data={key}={_cli_value(value)}" for key, value in (data or {}).items()]
    return copier("update", "--trust", "--defaults", *options, *extra, cwd=project)


def _cli_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def git_init(project: Path, message: str = "Generated by copier") -> None:
    git("init", "--quiet", "--initial-branch=main", cwd=project)
    commit_all(project, message)


def is_clean(project: Path) -> bool:
    return git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""


def answers(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


# --- what an update may leave behind -------------------------------------------------------

CONFLICT_MARKER = re.compile(rb"^(?:<<<<<<< |>>>>>>> |=======\r?$)", re.MULTILINE)


def walk(root: Path) -> Iterator[Path]:
    """Files under `root`, relative, without git's and tools' own directories."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not NOT_COMPARED.intersection(rel.parts):
            yield rel


def rejected_hunks(project: Path) -> list[str]:
    return [str(rel) for rel in walk(project) if rel.suffix == ".rej"]


def conflicted_files(project: Path) -> list[str]:
    """Files with conflict markers, and files git records as unmerged."""
    marked = [
        str(rel) for rel in walk(project) if CONFLICT_MARKER.search((project / rel).read_bytes())
    ]
    unmerged = git("diff", "--name-only", "--diff-filter=U", cwd=project).split()
    return sorted(set(marked) | set(unmerged))


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(rel): (root / rel).read_bytes()
        for rel in walk(root)
        if rel.name not in NOT_COMPARED_FILES
    }


def tree_differences(actual: Path, expected: Path) -> str:
    """A readable account of how two project trees differ ('' when they are the same)."""
    mine, theirs = tree(actual), tree(expected)
    lines = [f"only in {actual.name}: {path}" for path in sorted(mine.keys() - theirs.keys())]
    lines += [f"only in {expected.name}: {path}" for path in sorted(theirs.keys() - mine.keys())]
    for path in sorted(mine.keys() & theirs.keys()):
        if mine[path] != theirs[path]:
            diff = difflib.unified_diff(
                theirs[path].decode(errors="replace").splitlines(),
                mine[path].decode(errors="replace").splitlines(),
                f"{expected.name}/{path}",
                f"{actual.name}/{path}",
                lineterm="",
            )
            lines += [f"differs: {path}", *list(diff)[:30]]
    lines += [f"empty directory left: {d}" for d in empty_directories(actual)]
    return "\n".join(lines)


def empty_directories(root: Path) -> list[str]:
    return [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*"))
        if path.is_dir()
        and not NOT_COMPARED.intersection(path.relative_to(root).parts)
        and not any(path.iterdir())
    ]


# --- scripted team work ----------------------------------------------------------------------

RENAMES = [("products", "orders"), ("Products", "Orders"), ("PRODUCTS", "ORDERS"),
           ("product", "order"), ("Product", "Order"), ("PRODUCT", "ORDER")]  # fmt: skip
TEAM_DEPENDENCY = "tenacity"
TEAM_SETTING = '    orders_page_limit: int = 50\n    served_by: str = "orders"\n'
# The extension points beside core/, as a team fills them in: a middleware, an
# app-scoped resource, a command, a fixture, and a test proving each is wired.
TEAM_MIDDLEWARE = '''"""The service's own ASGI middleware (owned by the team)."""

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {package}.settings import Settings


class ServedBy:
    """Names the service in an `X-Served-By` header on every HTTP response."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-served-by", self.name)]
            await send(message)

        await self.app(scope, receive, send_named if scope["type"] == "http" else send)


def service_middleware(settings: Settings) -> list[Middleware]:
    return [Middleware(ServedBy, name=settings.served_by)]
'''
TEAM_RESOURCES = '''"""The service's own app-scoped resources (owned by the team)."""

import time
from contextlib import AsyncExitStack
from dataclasses import dataclass

from {package}.settings import Settings


@dataclass(frozen=True, slots=True)
class Resources:
    """Clients shared across requests."""

    started_at: float


async def open_resources(settings: Settings, stack: AsyncExitStack) -> Resources:
    del settings, stack
    return Resources(started_at=time.monotonic())
'''
TEAM_COMMANDS = '''"""The service's own CLI commands (owned by the team)."""

import typer


def register(cli: typer.Typer) -> None:
    @cli.command()
    def whoami() -> None:
        """Print the name the service answers with."""
        typer.echo("orders")
'''
TEAM_CONFTEST = '''"""Fixtures for the whole suite (owned by the team)."""

import pytest

pytest_plugins = ["tests.core.fixtures"]


@pytest.fixture
def served_by() -> str:
    return "orders"
'''
TEAM_EXTENSION_TESTS = '''"""The team's middleware, resources, commands and fixtures work."""

from fastapi import FastAPI
from httpx import AsyncClient
from typer.testing import CliRunner

from {package}.core.cli import cli


async def test_the_team_middleware_names_the_service(client: AsyncClient, served_by: str) -> None:
    response = await client.get("/api/v1/orders")

    assert response.headers["x-served-by"] == served_by


async def test_the_team_resources_are_open(started_app: FastAPI) -> None:
    assert started_app.state.container.resources.started_at > 0


def test_the_team_command_runs(served_by: str) -> None:
    result = CliRunner().invoke(cli, ["whoami"])

    assert result.output == f"{{served_by}}\\n"
'''
TEAM_README = "\n## Orders\n\nThe orders API lives in `domains/orders/` (the team's own).\n"
TEAM_CONSTANT = "\nMAX_STOCK = 1_000_000  # the team's own limit\n"


def _renamed(text: str) -> str:
    for old, new in RENAMES:
        text = text.replace(old, new)
    return text


def _copy_renamed(src: Path, dst: Path, *, imports: tuple[str, str] | None = None) -> list[Path]:
    written = []
    for path in sorted(src.rglob("*.py")):
        target = dst / _renamed(str(path.relative_to(src)))
        target.parent.mkdir(parents=True, exist_ok=True)
        text = _renamed(path.read_text(encoding="utf-8"))
        if imports is not None:
            text = text.replace(*imports)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: expected {old!r} to edit"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _insert_before(path: Path, anchor: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert anchor in text, f"{path}: expected a line containing {anchor!r} to edit"
    index = text.index(anchor)
    start = text.rindex("\n", 0, index) + 1 if "\n" in text[:index] else 0
    path.write_text(text[:start] + line + text[start:], encoding="utf-8")


@dataclass(frozen=True)
class TeamWork:
    """What the scripted team changed: checked, byte for byte, after every update."""

    files: dict[str, bytes]
    dependency: str
    deleted: list[str]


def do_team_work(
    project: Path, database_env: dict[str, str], *, remove_example: bool = False
) -> TeamWork:
    """What a team does in its first weeks, with the commands the docs give it.

    A new `orders` resource copied from the example domain (model, schemas, service,
    router, tests) with its autogenerated migration, registered in models.py and in
    the api.py extension point; a setting, a middleware, an app-scoped resource, a
    command and a fixture in the other extension points, with a test that they are
    wired; a new dependency through `uv add`; edits to the README and to the example
    domain, or (`remove_example`) the example removed with `standard remove-example`.
    """
    meta = answers(project)
    package, slug = meta["package_name"], meta["project_slug"]
    src = project / "src" / package
    uv = uv_executable()

    run([uv, "sync", "--quiet"], project)
    touched = _copy_renamed(src / "domains" / "products", src / "domains" / "orders")
    touched += _copy_renamed(
        project / "tests" / "domains" / "products",
        project / "tests" / "domains" / "orders",
        imports=("from tests.factories import", "from tests.domains.orders.factories import"),
    )
    # Services copied before the example became `new domain`'s output keep its
    # builders in tests/factories.py; later ones have them beside its tests (copied above).
    legacy = project / "tests" / "factories.py"
    if legacy.is_file():
        factories = project / "tests" / "domains" / "orders" / "factories.py"
        factories.write_text(_renamed(legacy.read_text("utf-8")), "utf-8")
        touched.append(factories)

    models, api = src / "models.py", src / "api.py"
    domains = f"from {package}.domains"
    _insert_before(
        models, f"{domains}.products import", f"{domains}.orders import models as orders\n"
    )
    _replace(models, '__all__ = ["Base", ', '__all__ = ["Base", "orders", ')
    router_import = f"{domains}.orders.router import router as orders_router\n"
    _insert_before(api, f"{domains}.products.router", router_import)
    _append(api, "routers.append(orders_router)\n")
    tasks = src / "tasks.py"  # the worker knows the copied domain's task
    _insert_before(
        tasks, f"{domains}.products import tasks", f"{domains}.orders import tasks as orders\n"
    )
    _replace(tasks, '__all__ = ["products"]', '__all__ = ["orders", "products"]')
    _append(src / "settings.py", TEAM_SETTING)
    _append(project / "README.md", TEAM_README)
    extensions = {
        src / "middleware.py": TEAM_MIDDLEWARE,
        src / "resources.py": TEAM_RESOURCES,
        src / "commands.py": TEAM_COMMANDS,
        project / "tests" / "conftest.py": TEAM_CONFTEST,
        project / "tests" / "domains" / "orders" / "test_extensions.py": TEAM_EXTENSION_TESTS,
    }
    for path, text in extensions.items():
        path.write_text(text.format(package=package), encoding="utf-8")
    touched += [models, api, tasks, src / "settings.py", *extensions]
    if remove_example:
        run([uv, "run", "--frozen", slug, "standard", "remove-example"], project)
    else:
        _append(src / "domains" / "products" / "constants.py", TEAM_CONSTANT)

    relative = [
        str(path.relative_to(project)) for path in touched if path.suffix == ".py" and path.exists()
    ]
    run([uv, "run", "--frozen", "ruff", "check", "--fix", "--quiet", *relative], project)
    run([uv, "run", "--frozen", "ruff", "format", "--quiet", *relative], project)

    run([uv, "add", "--quiet", TEAM_DEPENDENCY], project)
    cli = [uv, "run", "--locked", slug, "db"]
    run([*cli, "upgrade"], project, env=database_env)
    run([*cli, "revision", "-m", "create orders"], project, env=database_env)

    commit_all(project, "Team work: orders, the extension points, a dependency, the example")
    changed = git("diff", "--name-only", "HEAD~1", "HEAD", cwd=project).split()
    files = {path: (project / path).read_bytes() for path in changed if (project / path).exists()}
    deleted = git("diff", "--name-only", "--diff-filter=D", "HEAD~1", "HEAD", cwd=project).split()
    return TeamWork(files=files, dependency=TEAM_DEPENDENCY, deleted=deleted)


def team_database(project: Path, scratch: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """DATABASE_URL for the team's `db upgrade` / `db revision`, and PostgreSQL names to drop.

    A database of its own (`db upgrade` creates it), apart from the gates' ones.
    """
    if answers(project).get("database") != "postgresql":
        return {"DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'team.db'}"}, ()
    name = "update_" + hashlib.sha1(str(project).encode()).hexdigest()[:10] + "_team"
    return {"DATABASE_URL": f"{services.POSTGRES_URL}/{name}"}, (name,)
