# Managed by the service standard (copier update): extend it from the modules beside core/.
"""`new command`: a CLI command of the service's own, registered in commands.py, with a test."""

import builtins
import keyword

from mako.template import Template

from .domain import TEMPLATES, Plan, Project
from .errors import ScaffoldError
from .extension_points import register_command
from .names import identifier


def plan_command(project: Project, name: str, taken: set[str]) -> Plan:
    """The command `name`: commands.py edited and its test; ScaffoldError before writing.

    `taken` holds the names the CLI answers to already (`db`, `new`, the team's own).
    """
    function = identifier(name, "command name")
    command = function.replace("_", "-")
    if command in taken:
        raise ScaffoldError(f"the CLI already has a command {command!r}")
    if function in dir(builtins) or keyword.issoftkeyword(function):
        raise ScaffoldError(f"command name {name!r} would shadow Python's own {function!r}")
    commands = project.source / "commands.py"
    if not commands.is_file():
        raise ScaffoldError(f"there is no {commands} to register the command in")
    tests = project.root / "tests" / "commands"
    test = tests / f"test_{function}.py"
    if test.exists():
        raise ScaffoldError(f"{test} already exists")
    plan = Plan()
    plan.edited[commands] = register_command(commands, command, function)
    # Python source, not HTML: there is nothing to escape.
    template = Template(  # noqa: S702
        filename=str(TEMPLATES / "command" / "test_command.py.mako"), strict_undefined=True
    )
    if not (tests / "__init__.py").exists():
        plan.created[tests / "__init__.py"] = ""
    plan.created[test] = str(
        template.render(package=project.package, command=command, function=function)
    )
    return plan
