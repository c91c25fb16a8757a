# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Register a domain in `api.py`, `models.py`, `tasks.py`, `admin.py`, or unregister it (ast).

Only the domain's imports and list entries are added or taken out, at the positions
the parser gives; every other line, comment and blank line of the team's file stays
as it was. A file the parser cannot follow (a syntax error, no `routers` or `__all__`
list, the name already there, a name to remove still in use) is refused, unchanged.
"""

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

from .errors import ScaffoldError


def bound_names(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level: imports, definitions, assignments."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def parse_module(path: Path, source: str) -> ast.Module:
    """`source` of `path` parsed, or ScaffoldError asking to fix it first."""
    return _parse(path, source)


def _parse(path: Path, source: str) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise ScaffoldError(
            f"{path} does not parse ({exc.msg}, line {exc.lineno}): fix it first"
        ) from exc


def _assignments(tree: ast.Module) -> Iterator[tuple[ast.Assign | ast.AnnAssign, list[str]]]:
    """Each module-level assignment with the plain names it binds."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        yield node, [target.id for target in targets if isinstance(target, ast.Name)]


def _list_assigned(tree: ast.Module, name: str, path: Path) -> ast.List:
    """The list literal bound to `name` at module level."""
    for node, names in _assignments(tree):
        if name in names:
            if isinstance(node.value, ast.List):
                return node.value
            raise ScaffoldError(f"{path}: `{name}` is not a list literal; add the entry by hand")
    raise ScaffoldError(f"{path} has no `{name} = [...]` to add the new domain to")


def _import_line(
    tree: ast.Module, lines: list[str], statement: str, prefix: str
) -> tuple[int, str]:
    """Where `statement` goes: among the imports of `prefix` modules, in sorted order."""
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    if not imports:  # below the module's docstring, if it has one
        docstring = tree.body[0] if ast.get_docstring(tree) is not None else None
        return (docstring.end_lineno or 0, f"\n{statement}") if docstring else (0, statement)
    domain_imports = [
        node
        for node in imports
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix)
    ]
    for node in domain_imports:
        if lines[node.lineno - 1] > statement:
            return node.lineno - 1, statement
    anchor = (domain_imports or imports)[-1]
    return anchor.end_lineno or anchor.lineno, statement


def _insert_into_list(lines: list[str], node: ast.List, entry: str, key: str) -> None:
    """Add `entry` to the list in its own layout: before the first later string, else last."""
    later = next(
        (
            element
            for element in node.elts
            if isinstance(element, ast.Constant)
            and isinstance(element.value, str)
            and element.value[:1].islower()
            and element.value > key
        ),
        None,
    )
    if later is not None:
        row = later.lineno - 1
        if node.lineno == node.end_lineno:
            lines[row] = (
                f"{lines[row][: later.col_offset]}{entry}, {lines[row][later.col_offset :]}"
            )
        else:
            lines.insert(row, f"{' ' * later.col_offset}{entry},")
        return
    end_row, end_col = (node.end_lineno or node.lineno) - 1, (node.end_col_offset or 0) - 1
    if node.lineno == node.end_lineno:  # one line: [a, b] -> [a, b, entry]
        line = lines[end_row]
        inner = line[node.col_offset + 1 : end_col].strip()
        separator = "" if not inner else " " if inner.endswith(",") else ", "
        lines[end_row] = line[:end_col].rstrip() + separator + entry + line[end_col:]
        return
    last = node.elts[-1] if node.elts else None
    indent = " " * (last.col_offset if last else node.col_offset + 4)
    if last is not None:
        row = (last.end_lineno or last.lineno) - 1
        after = lines[row][last.end_col_offset or 0 :]
        if not after.lstrip().startswith(","):
            lines[row] = lines[row][: last.end_col_offset] + "," + after
    lines.insert(end_row, f"{indent}{entry},")


def _edit(path: Path, list_name: str, entry: str, statement: str, prefix: str, taken: str) -> str:
    source = path.read_text(encoding="utf-8")
    tree = _parse(path, source)
    if any(isinstance(node, ast.Name) and node.id == taken for node in ast.walk(tree)) or any(
        isinstance(node, ast.Constant) and node.value == taken for node in ast.walk(tree)
    ):
        raise ScaffoldError(f"{path} already names `{taken}`")
    lines = source.splitlines()
    target = _list_assigned(tree, list_name, path)
    # The list is below the imports: edit it first, so the import's row still holds.
    _insert_into_list(lines, target, entry, taken)
    row, text = _import_line(tree, lines, statement, prefix)
    lines.insert(row, text)
    edited = "\n".join(lines) + "\n"
    _parse(path, edited)
    return edited


def register_router(api: Path, package: str, plural: str) -> str:
    """`api.py` with the domain's router imported and listed in `routers`."""
    alias = f"{plural}_router"
    statement = f"from {package}.domains.{plural}.router import router as {alias}"
    return _edit(api, "routers", alias, statement, f"{package}.domains.", alias)


def register_models(models: Path, package: str, plural: str) -> str:
    """`models.py` with the domain's models module imported and named in `__all__`."""
    statement = f"from {package}.domains.{plural} import models as {plural}"
    return _edit(models, "__all__", f'"{plural}"', statement, f"{package}.domains", plural)


def register_tasks(tasks: Path, package: str, plural: str) -> str:
    """`tasks.py` with the domain's tasks module imported and named in `__all__`."""
    statement = f"from {package}.domains.{plural} import tasks as {plural}"
    return _edit(tasks, "__all__", f'"{plural}"', statement, f"{package}.domains", plural)


def register_command(commands: Path, name: str, function: str) -> str:
    """`commands.py` with `function` defined above `register` and registered in it as `name`.

    `register(cli)` gains `cli.command("name")(function)` as its last line (replacing
    a lone `del cli`); the team's other lines and comments stay as they were.
    """
    source = commands.read_text(encoding="utf-8")
    tree = _parse(commands, source)
    register = next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == "register" and node.args.args
        ),
        None,
    )
    if register is None:
        raise ScaffoldError(f"{commands} has no `def register(cli)` to add the command to")
    bound = bound_names(tree)
    if function in bound:
        raise ScaffoldError(f"{commands} already defines `{function}`")
    cli = register.args.args[0].arg
    lines = source.splitlines()
    body = register.body
    last = body[-1]
    registration = f'{" " * last.col_offset}{cli}.command("{name}")({function})'
    alone = (
        len(body) == 1
        and isinstance(last, ast.Delete)
        and [t.id for t in last.targets if isinstance(t, ast.Name)] == [cli]
    )
    if alone:
        lines[last.lineno - 1 : last.end_lineno] = [registration]
    else:
        lines.insert(last.end_lineno or last.lineno, registration)
    start = (register.decorator_list[0] if register.decorator_list else register).lineno - 1
    while start and lines[start - 1].lstrip().startswith("#"):  # the comment above stays with it
        start -= 1
    definition = [
        f"def {function}() -> None:",
        f'    """{name}: written by `new command`; say here what it does."""',
        f'    typer.echo("{name}: done")',
        "",
        "",
    ]
    lines[start:start] = definition
    if "typer" not in bound:
        heads = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        docstring = tree.body[:1] if ast.get_docstring(tree) is not None else []
        lines.insert(
            (heads or docstring)[-1].end_lineno or 0 if heads or docstring else 0, "import typer"
        )
    edited = "\n".join(lines) + "\n"
    _parse(commands, edited)
    return edited


def register_admin_view(admin: Path, package: str, plural: str, model: str) -> str | None:
    """`admin.py` with the domain's model imported and an `AdminView` of it in `views`.

    None when the service has no `admin.py` (a team may delete it).
    """
    if not admin.is_file():
        return None
    statement = f"from {package}.domains.{plural}.models import {model}"
    return _edit(admin, "views", f"AdminView({model})", statement, f"{package}.domains.", model)


class DomainInUseError(ScaffoldError):
    """A name the domain's imports bind is used beyond the registration lists."""

    def __init__(self, path: Path, uses: list[tuple[int, str]]) -> None:
        self.uses = uses
        lines = "\n".join(f"{path}:{number}: {line}" for number, line in uses)
        super().__init__(f"{path} uses the domain beyond its registrations:\n{lines}")


def _imports_domain(node: ast.AST, package: str, domain: str) -> bool:
    """Whether `node` imports the domain's package or one of its modules."""
    module = f"{package}.domains.{domain}"
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
        return any(name == module or name.startswith(f"{module}.") for name in modules)
    if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
        return False
    if node.module == f"{package}.domains":
        return any(alias.name == domain for alias in node.names)
    return node.module == module or node.module.startswith(f"{module}.")


def _removable(node: ast.stmt, package: str, domain: str) -> TypeGuard[ast.ImportFrom]:
    """A module-level `from` import of the domain alone, binding names (not `*`)."""
    return (
        isinstance(node, ast.ImportFrom)
        and _imports_domain(node, package, domain)
        and all(
            alias.name != "*" and (node.module != f"{package}.domains" or alias.name == domain)
            for alias in node.names
        )
    )


def _names_in(node: ast.AST) -> set[str]:
    return {name.id for name in ast.walk(node) if isinstance(name, ast.Name)}


def _offset(starts: list[int], lines: list[str], row: int, column: int) -> int:
    """The character offset in the source of ast's (1-based row, UTF-8 byte column)."""
    line = lines[row - 1]
    return starts[row - 1] + len(line.encode()[:column].decode(errors="ignore"))


def _entry_span(
    source: str, starts: list[int], lines: list[str], elements: list[ast.expr], index: int
) -> tuple[int, int]:
    """The characters that go with list entry `elements[index]`: a separator or its lines."""
    element = elements[index]
    start = _offset(starts, lines, element.lineno, element.col_offset)
    end = _offset(starts, lines, element.end_lineno or element.lineno, element.end_col_offset or 0)
    later = elements[index + 1] if index + 1 < len(elements) else None
    if later is not None and later.lineno == element.end_lineno:  # [entry, later]
        return start, _offset(starts, lines, later.lineno, later.col_offset)
    earlier = elements[index - 1] if index else None
    if earlier is not None and earlier.end_lineno == element.lineno:  # [earlier, entry]
        earlier_end = earlier.end_col_offset or 0
        return _offset(starts, lines, element.lineno, earlier_end), end
    line_start, line_end = starts[element.lineno - 1], starts[element.end_lineno or element.lineno]
    rest = re.match(r"[ \t]*,?", source[end:line_end])
    end += rest.end() if rest else 0
    if not source[line_start:start].strip() and re.fullmatch(r"\s*(#.*)?\s*", source[end:line_end]):
        return line_start, line_end  # the entry's own line, with its comment
    return start, end


def unregister(path: Path, package: str, domain: str) -> str:
    """`path`'s text without its imports of `<package>.domains.<domain>` and their list entries.

    Each name those imports bind leaves every module-level list (and `__all__` its
    string; a call using one, such as `AdminView(Product)` or
    `Uploadable(model=Product, ...)`, goes whole); a
    comment on a removed line goes with it, every other line stays. Raises
    DomainInUseError, changing nothing, when such a name is used anywhere else in the module.
    """
    source = path.read_text(encoding="utf-8")
    tree = _parse(path, source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    imports = [node for node in tree.body if _removable(node, package, domain)]
    names = {alias.asname or alias.name for node in imports for alias in node.names}
    rows = {row for node in imports for row in range(node.lineno, (node.end_lineno or 0) + 1)}
    for node in tree.body:  # whole lines go: a statement beside the import would go too
        if node not in imports and rows & set(range(node.lineno, (node.end_lineno or 0) + 1)):
            raise ScaffoldError(f"{path}:{node.lineno}: put the domain's import on its own line")
    spans = [(starts[node.lineno - 1], starts[node.end_lineno or node.lineno]) for node in imports]
    removed: set[int] = set()  # ids of the list entries that go
    annotate: list[ast.Name] = []  # `__all__ = [...]` left empty needs its type for mypy
    for node, targets in _assignments(tree):
        if not isinstance(node.value, ast.List):
            continue
        elements = node.value.elts
        for index, element in enumerate(elements):
            if (
                (isinstance(element, ast.Name) and element.id in names)
                or (
                    "__all__" in targets
                    and isinstance(element, ast.Constant)
                    and element.value in names
                )
                or (isinstance(element, ast.Call) and _names_in(element) & names)  # a declaration
            ):
                removed.update(id(part) for part in ast.walk(element))
                spans.append(_entry_span(source, starts, lines, elements, index))
        emptied = bool(elements) and all(id(element) in removed for element in elements)
        if emptied and isinstance(node, ast.Assign) and targets == ["__all__"]:
            annotate += [target for target in node.targets if isinstance(target, ast.Name)]
    uses = sorted(
        {
            (node.lineno, lines[node.lineno - 1].strip())
            for node in ast.walk(tree)
            if (isinstance(node, ast.Name) and node.id in names and id(node) not in removed)
            or (
                isinstance(node, ast.Import | ast.ImportFrom)
                and _imports_domain(node, package, domain)
                and node not in imports
            )
        }
    )
    if uses:
        raise DomainInUseError(path, uses)
    edits = [(start, end, "") for start, end in spans]
    edits += [
        (offset, offset, ": list[str]")
        for target in annotate
        for offset in [_offset(starts, lines, target.lineno, target.end_col_offset or 0)]
    ]
    edited = source
    covered = len(source) + 1
    for start, end, text in sorted(edits, reverse=True):  # overlapping spans merge
        end = min(end, covered)
        if start < end or text:
            edited = edited[:start] + text + edited[end:]
        covered = min(covered, start)
    _parse(path, edited)
    return edited


def add_to_import_contracts(pyproject: Path, package: str, plural: str) -> str | None:
    """pyproject.toml with the domain added wherever a contract lists domains by name.

    The standard's contracts name `domains.*` and need nothing (None). A team that
    lists domains one by one (`"<package>.domains.orders.router"`) gets the new domain
    beside the last one of each list, in the same form.
    """
    if not pyproject.is_file():
        return None
    text = pyproject.read_text(encoding="utf-8")
    try:
        contracts = tomllib.loads(text).get("tool", {}).get("importlinter", {}).get("contracts", [])
    except tomllib.TOMLDecodeError as exc:
        raise ScaffoldError(f"{pyproject} does not parse ({exc}): fix it first") from exc
    named = re.compile(rf"^{re.escape(package)}\.domains\.(?!\*)(\w+)((?:\.[\w*]+)*)$")
    additions: dict[str, str] = {}  # the last entry of each list and form -> the new one
    for contract in contracts:
        for value in contract.values():
            if not isinstance(value, list):
                continue
            entries = [entry for entry in value if isinstance(entry, str)]
            for entry in entries:
                if (match := named.match(entry)) and match[1] != plural:
                    new = f"{package}.domains.{plural}{match[2]}"
                    if new not in entries:
                        additions = {k: v for k, v in additions.items() if v != new}
                        additions[entry] = new
    if not additions:
        return None
    lines = text.splitlines()
    for entry, new in additions.items():
        rows = [row for row, line in enumerate(lines) if f'"{entry}"' in line]
        if len(rows) != 1:
            raise ScaffoldError(
                f"{pyproject}: cannot tell where to add {new!r} to the import-linter "
                "contracts (add it by hand, or use `domains.*`)"
            )
        row = rows[0]
        line = lines[row]
        code, hash_, comment = line.partition("#")
        if code.strip().rstrip(",") == f'"{entry}"':  # one entry per line
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(row + 1, f'{indent}"{new}",')
            if not code.rstrip().endswith(","):
                lines[row] = f"{code.rstrip()},{' ' * 2 if hash_ else ''}{hash_}{comment}"
        else:  # several on one line
            lines[row] = line.replace(f'"{entry}"', f'"{entry}", "{new}"', 1)
    edited = "\n".join(lines) + "\n"
    tomllib.loads(edited)
    return edited
