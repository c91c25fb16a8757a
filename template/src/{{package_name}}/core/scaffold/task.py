# Managed by the service standard (copier update): extend it from the modules beside core/.
"""`new task`: a background task of a domain, its tests, and its registration in tasks.py."""

import ast
from pathlib import Path

from mako.template import Template

from .domain import TEMPLATES, Plan, Project
from .errors import ScaffoldError
from .extension_points import bound_names, parse_module, register_tasks
from .names import Names, identifier

# Imports the task's code needs, by the name each binds.
_IMPORTS = {
    "uuid": "import uuid",
    "structlog": "import structlog",
    "AsyncSession": "from sqlalchemy.ext.asyncio import AsyncSession",
    "task": "from {package}.core.tasks.task import task",
    "{Model}Repository": "from {package}.domains.{plural}.repository import {Model}Repository",
}


def _render(name: str, context: dict[str, object]) -> str:
    # Python source, not HTML: there is nothing to escape.
    path = TEMPLATES / "task" / f"{name}.py.mako"
    template = Template(filename=str(path), strict_undefined=True)  # noqa: S702
    return str(template.render(**context))


def _task_names(tree: ast.Module) -> set[str]:
    """The names given to `@task("...")` in a module."""
    return {
        str(decorator.args[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and decorator.args
        and isinstance(decorator.args[0], ast.Constant)
    }


def _add_to(tree: ast.Module, source: str, block: str, needed: dict[str, str]) -> str:
    """`source` with the missing imports after its last import and `block` at its end."""
    bound = bound_names(tree)
    lines = source.rstrip("\n").splitlines()
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    row = (imports[-1].end_lineno or 0) if imports else 0
    missing = [statement for name, statement in needed.items() if name not in bound]
    if "logger" not in bound:
        missing += ["", "logger = structlog.get_logger(__name__)"]
    lines[row:row] = missing
    return "\n".join(lines) + "\n\n\n" + block


def plan_task(project: Project, names: Names, name: str) -> Plan:
    """The task `name` of domain `names`: its code, its tests, tasks.py; ScaffoldError first."""
    function = identifier(name, "task name")
    package_dir, tests_dir = project.domain(names.plural), project.tests(names.plural)
    if not (package_dir / "repository.py").is_file():
        raise ScaffoldError(
            f"there is no domain {names.plural} with a repository ({package_dir}); "
            "create it first with `new domain`"
        )
    model = names.model
    context: dict[str, object] = {
        "package": project.package,
        "names": names,
        "Model": model,
        "function": function,
        "task_name": f"{names.plural}.{function}",
        "id_name": names.id_param,
        "title": names.title,
        "article_title": ("an_" if names.singular[0] in "aeiou" else "a_") + names.singular,
    }
    module = package_dir / "tasks.py"
    test = tests_dir / f"test_{function}.py"
    if test.exists():
        raise ScaffoldError(f"{test} already exists: name the task otherwise")
    plan = Plan()
    block = _render("task", context)
    if module.exists():
        source = module.read_text(encoding="utf-8")
        tree = parse_module(module, source)
        if function in bound_names(tree):
            raise ScaffoldError(f"{module} already defines `{function}`")
        if context["task_name"] in _task_names(tree):
            raise ScaffoldError(f"{module} already declares the task {context['task_name']!r}")
        needed = {
            key.format(Model=model): value.format(
                package=project.package, plural=names.plural, Model=model
            )
            for key, value in _IMPORTS.items()
        }
        plan.edited[module] = _add_to(tree, source, block, needed)
    else:
        plan.created[module] = _render("tasks", context) + "\n\n" + block
    plan.created[test] = _render("test_task", context)
    tasks = project.source / "tasks.py"
    if not tasks.is_file():
        raise ScaffoldError(f"there is no {tasks} to register the task in")
    if not _registers(tasks, f"{project.package}.domains.{names.plural}"):
        plan.edited[tasks] = register_tasks(tasks, project.package, names.plural)
    return plan


def _registers(tasks: Path, domain: str) -> bool:
    """Whether `tasks.py` already imports the domain's tasks module."""
    tree = parse_module(tasks, tasks.read_text(encoding="utf-8"))
    return any(
        (
            isinstance(node, ast.ImportFrom)
            and node.module == domain
            and any(alias.name == "tasks" for alias in node.names)
        )
        or (isinstance(node, ast.ImportFrom) and node.module == f"{domain}.tasks")
        or (isinstance(node, ast.Import) and any(a.name == f"{domain}.tasks" for a in node.names))
        for node in tree.body
    )
