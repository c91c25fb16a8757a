# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Plan a new domain (every file it writes and edits), then write it: all or nothing."""

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mako.template import Template

from .code import FieldCode, member
from .errors import ScaffoldError
from .extension_points import (
    add_to_import_contracts,
    register_admin_view,
    register_models,
    register_router,
)
from .fields import Field
from .names import Names

TEMPLATES = Path(__file__).parent / "templates"
DOMAIN_MODULES = (
    "__init__", "constants", "exceptions", "models", "schemas",
    "repository", "service", "dependencies", "router",
)  # fmt: skip
TEST_MODULES = ("__init__", "factories", "test_router", "test_contract")


@dataclass(frozen=True)
class Project:
    """Where a service's code lives."""

    root: Path
    package: str

    @property
    def source(self) -> Path:
        return self.root / "src" / self.package

    def domain(self, plural: str) -> Path:
        return self.source / "domains" / plural

    def tests(self, plural: str) -> Path:
        return self.root / "tests" / "domains" / plural


@dataclass
class Plan:
    """The files a new domain writes (all new) and the extension points it edits."""

    created: dict[Path, str] = field(default_factory=dict)
    edited: dict[Path, str] = field(default_factory=dict)

    def paths(self) -> list[Path]:
        return [*self.created, *self.edited]


def _article(text: str) -> str:
    return ("an " if text[0] in "aeiou" else "a ") + text


def _model_class(project: Project, target: Names) -> str:
    """The ORM class of domain `target`, read from its models.py; ScaffoldError if none."""
    models = project.domain(target.plural) / "models.py"
    if not models.is_file():
        raise ScaffoldError(
            f"ref({target.plural}): there is no domain {target.plural} (no {models}); create it first"
        )
    for node in ast.parse(models.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and any(
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in item.targets)
            and isinstance(item.value, ast.Constant)
            and item.value.value == target.plural
            for item in node.body
        ):
            return node.name
    raise ScaffoldError(
        f"ref({target.plural}): {models} has no model with __tablename__ {target.plural!r}"
    )


def _imports(*groups: Iterable[str]) -> str:
    """Import lines, deduplicated; ruff sorts them into place after writing."""
    return "\n".join(dict.fromkeys(line for group in groups for line in group))


def _context(project: Project, names: Names, fields: list[Field]) -> dict[str, object]:
    package, plural, model = project.package, names.plural, names.model
    targets = {f.name: _model_class(project, f.target) for f in fields if f.target is not None}
    codes = [FieldCode(f, names, targets.get(f.name, "")) for f in fields]
    enums = [c for c in codes if c.field.kind == "enum"]
    uniques = [c for c in codes if c.field.unique]
    refs = [c for c in codes if c.field.kind == "ref"]
    filters = enums + refs
    checks = bool(uniques or refs)
    kinds = {f.kind for f in fields}
    domain = f"{package}.domains.{plural}"
    enum_names = ", ".join(c.enum_class for c in enums)
    constants_import = [f"from {domain}.constants import {enum_names}"] if enums else []
    patterns = [c for c in codes if c.field.pattern]
    pattern_names = ", ".join(c.pattern_name for c in patterns)
    checks_sql = [check for c in codes for check in c.checks]

    def typed(c: FieldCode) -> str:
        return f"{c.name}: {c.python_type} | None"

    column_types = {
        name
        for name, wanted in (
            ("String", kinds & {"str", "email", "url"}),
            ("Text", "text" in kinds),
            ("BigInteger", "bigint" in kinds),
            ("Numeric", "decimal" in kinds),
            ("JSON", "json" in kinds),
            ("Enum", enums),
            ("ForeignKey", refs),
            ("CheckConstraint", checks_sql),
            ("true", any(f.kind == "bool" and f.default == "true" for f in fields)),
            ("false", any(f.kind == "bool" and f.default == "false" for f in fields)),
        )
        if wanted
    }
    model_imports = _imports(
        ["import uuid"],
        ["from datetime import date"] if "date" in kinds else [],
        ["from datetime import datetime"] if "datetime" in kinds else [],
        ["from decimal import Decimal"] if "decimal" in kinds else [],
        ["from pydantic import JsonValue"] if "json" in kinds else [],
        [f"from sqlalchemy import {', '.join(sorted(column_types))}"] if column_types else [],
        ["from sqlalchemy.orm import Mapped, mapped_column"],
        [f"from {package}.core.db.base import Base, TimestampMixin"],
        [f"from {package}.core.db.types import UTCDateTime"] if "datetime" in kinds else [],
        constants_import,
    )
    core_fields = sorted(
        ({"Text"} if kinds & {"str", "text"} else set())
        | ({"JsonInteger"} if kinds & {"int", "bigint"} else set())
        | ({"Boolean"} if "bool" in kinds else set())
        | ({"IsoDate"} if "date" in kinds else set())
        | ({"Email"} if "email" in kinds else set())
        | ({"Url"} if "url" in kinds else set())
        | ({"DecimalText"} if "decimal" in kinds else set())
    )
    pydantic = sorted(
        {"MISSING", "BaseModel", "ConfigDict"}
        | ({"StringConstraints"} if "str" in kinds or patterns else set())
        | ({"Field"} if kinds & {"int", "bigint"} else set())
        | ({"AwareDatetime"} if "datetime" in kinds else set())
        | ({"JsonValue"} if "json" in kinds else set())
    )
    aliases = [c for c in codes if c.alias is not None]
    schema_imports = _imports(
        ["import uuid"],
        [
            "from datetime import date, datetime"
            if "date" in kinds
            else "from datetime import datetime"
        ],
        ["from decimal import Decimal"] if "decimal" in kinds else [],
        ["from typing import Annotated"] if aliases else [],
        [f"from pydantic import {', '.join(pydantic)}"],
        [f"from {package}.core.fields import {', '.join(core_fields)}"] if core_fields else [],
        [f"from {domain}.constants import {', '.join(filter(None, [pattern_names, enum_names]))}"]
        if enums or patterns
        else [],
    )
    repository_imports = _imports(
        ["import uuid"],
        ["from datetime import date"] if any(c.python_type == "date" for c in uniques) else [],
        ["from datetime import datetime"]
        if any(c.python_type == "datetime" for c in uniques)
        else [],
        ["from decimal import Decimal"] if any(c.python_type == "Decimal" for c in uniques) else [],
        ["from sqlalchemy import select"] if uniques or refs else [],
        ["from sqlalchemy.ext.asyncio import AsyncSession"],
        [f"from {package}.core.db.reads import SchemaReads"],
        [f"from {domain}.constants import {', '.join(c.enum_class for c in enums)}"]
        if enums
        else [],
        [f"from {domain}.models import {model}"],
        [f"from {domain}.schemas import {model}Read"],
        [
            f"from {package}.domains.{c.field.target.plural}.models import {targets[c.name]}"
            for c in refs
            if c.field.target
        ],
    )
    errors = [f"{model}NotFoundError", f"{model}InUseError"]
    errors += [f"Duplicate{model}Error"] if uniques else []
    errors += [f"{model}ReferenceError"] if refs else []
    service_imports = _imports(
        ["import uuid"],
        ["from sqlalchemy.exc import IntegrityError"],
        [
            f"from {package}.core.cache import Cache",
            f"from {package}.core.pagination import PageParams, Paginated",
        ],
        [f"from {domain}.constants import {', '.join(c.enum_class for c in enums)}"]
        if enums
        else [],
        [f"from {domain}.exceptions import {', '.join(sorted(errors))}"],
        [
            f"from {domain}.models import {model}",
            f"from {domain}.repository import {model}Repository",
        ],
        [f"from {domain}.schemas import {model}Create, {model}Read, {model}Update"],
    )
    router_imports = _imports(
        ["import uuid", "from http import HTTPStatus"],
        ["from fastapi import APIRouter, Request, Response"],
        [
            f"from {package}.core.access import SCOPED_RESPONSES, SIGNED_IN_RESPONSES, scoped, signed_in"
        ],
        [f"from {package}.core.dependencies import PageParamsDep"],
        [f"from {package}.core.pagination import Page, Paginated"],
        [f"from {package}.core.problems import problem_responses"],
        [f"from {package}.core.routing import LOCATION_HEADER, location_of"],
        [f"from {package}.core.throttling import limited"],
        [f"from {domain}.constants import {enum_names}"] if enums else [],
        [f"from {domain}.dependencies import {model}ServiceDep"],
        [f"from {domain}.models import {model}"],
        [f"from {domain}.schemas import {model}Create, {model}Read, {model}Update"],
    )
    # Tests
    plain = [c for c in codes if c.field.kind != "ref"]
    payload_def = f"async def {names.singular}_payload" if refs else f"def {names.singular}_payload"
    payload_params = "session: AsyncSession, " if refs else ""

    def payload_call_with(overrides: str = "") -> str:
        if refs:
            return f"await {names.singular}_payload(session{', ' + overrides if overrides else ''})"
        return f"{names.singular}_payload({overrides})"

    round_trips = [c for c in codes if c.round_trips and c.field.kind != "ref"]
    patched = next(
        (c for c in round_trips if not c.field.unique), round_trips[0] if round_trips else None
    )
    test_factories = [
        f"from tests.domains.{c.field.target.plural}.factories import create_{c.field.target.singular}"
        for c in refs
        if c.field.target
    ]
    factory_imports = _imports(
        ["import itertools", "import json"],
        ["import uuid"] if "uuid" in kinds else [],
        ["from sqlalchemy.ext.asyncio import AsyncSession"],
        [f"from {domain}.constants import {pattern_names}"] if patterns else [],
        [f"from {domain}.models import {model}", f"from {domain}.schemas import {model}Create"],
        test_factories,
        ["from tests.core.samples import matching"] if patterns else [],
    )
    patched_pattern = patched is not None and patched.field.pattern is not None
    test_imports = _imports(
        ["import uuid"],
        ["from httpx import AsyncClient", "from sqlalchemy.ext.asyncio import AsyncSession"],
        [f"from {package}.core.access import SIGNED_IN_RESPONSES"],
        [f"from {domain}.constants import {patched.pattern_name}"]
        if patched is not None and patched_pattern
        else [],
        ["from tests.core.samples import matching"] if patched_pattern else [],
        [
            f"from tests.domains.{plural}.factories import create_{names.singular}, {names.singular}_payload"
        ],
    )
    filter_doc = (
        ", optionally only those with one " + " and one ".join(c.name for c in filters)
        if filters
        else ""
    )
    contract = _contract(codes)
    contract_imports = _imports(
        ["import json"] if contract["text_fields"] else [],
        ["import uuid"],
        ["import pytest", "from httpx import AsyncClient"],
        ["from sqlalchemy.ext.asyncio import AsyncSession"],
        [
            f"from tests.domains.{plural}.factories import create_{names.singular}, {names.singular}_payload"
        ],
    )
    nullable_fields = [c.name for c in codes if c.optional]
    required_field = next((c.name for c in codes if not c.optional), None)
    rules = ("uniqueness, " if uniques else "") + ("references, " if refs else "")
    unique_names = " and ".join(c.name for c in uniques)
    return {
        "package": package,
        "names": names,
        "Model": model,
        "Title": names.title.capitalize(),
        "Titles": names.titles.capitalize(),
        "a_title": _article(names.title),
        "A_title": _article(names.title).capitalize(),
        "id_name": names.id_param,
        "member": member,
        "fields": codes,
        "enums": enums,
        "patterns": patterns,
        "checks_sql": checks_sql,
        "uniques": uniques,
        "refs": refs,
        "filters": filters,
        "checks": checks,
        "aliases": aliases,
        "rules": rules,
        "create_rule": f"; its {unique_names} must be unused" if uniques else "",
        "create_route_rule": f"; its {unique_names} must be unique" if uniques else "",
        "null_rule": (
            f'`"{required_field}": null` is refused, an absent `{required_field}` is kept'
            if required_field
            else "a field sent as `null` is cleared, one left out is kept"
        ),
        "refs_rule": " or name what does not exist" if refs else "",
        "conflict_error": f"Duplicate{model}Error" if uniques else f"{model}ReferenceError",
        "conflict_argument": repr(", ".join(c.name for c in (uniques or refs))).replace("'", '"'),
        "filter_keywords": "".join(f"{typed(c)}, " for c in filters),
        "filter_defaults": "".join(f", {typed(c)} = None" for c in filters).replace(
            ", ", ", *, ", 1
        )
        if filters
        else "",
        "filter_passing": "".join(f"{c.name}={c.name}, " for c in filters),
        "filter_parameters": "".join(f", {typed(c)} = None" for c in filters),
        "filter_passing_list": "".join(f", {c.name}={c.name}" for c in filters),
        "filter_doc": filter_doc,
        "patch_statuses": "404, 409" if checks else "404",
        "patch_doc": f"; `null` clears {' or '.join(f'`{n}`' for n in nullable_fields)}"
        if nullable_fields
        else "",
        "imports": "",
        "model_imports": model_imports,
        "schema_imports": schema_imports,
        "repository_imports": repository_imports,
        "service_imports": service_imports,
        "router_imports": router_imports,
        "factory_imports": factory_imports,
        "test_imports": test_imports,
        "contract_imports": contract_imports,
        **contract,
        "URL": plural.upper(),
        "plain": plain,
        "payload_def": payload_def,
        "payload_params": payload_params,
        "payload_call": payload_call_with(),
        "payload_call_with": payload_call_with,
        "session_param": ", session: AsyncSession" if refs else "",
        "round_trips": round_trips,
        "unique": uniques[0] if uniques else None,
        "enum_filters": [c for c in enums if len(c.field.choices) > 1],
        "patched": patched,
        "nullable": next((c for c in codes if c.optional), None),
        "required": next((c for c in codes if not c.optional), None),
    }


_IMPORTS = {
    "models": "model_imports",
    "schemas": "schema_imports",
    "repository": "repository_imports",
    "service": "service_imports",
    "router": "router_imports",
    "factories": "factory_imports",
    "test_router": "test_imports",
    "test_contract": "contract_imports",
}


_INT_LIMITS = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


def _int_literal(value: int) -> str:
    """`value` as the tests spell it: a column's limit as a power of two."""
    for exponent in (31, 63):
        for spelled, limit in (
            (f"2**{exponent}", 2**exponent),
            (f"-(2**{exponent}) - 1", -(2**exponent) - 1),
        ):
            if value == limit:
                return spelled
    return str(value)


def _contract(codes: list[FieldCode]) -> dict[str, object]:
    """What the generated contract tests check, derived from the fields."""
    ints = [c for c in codes if c.field.kind in _INT_LIMITS]
    out_of_bounds: list[tuple[str, str]] = []
    for c in ints:
        low, high = _INT_LIMITS[c.field.kind]
        low = int(c.field.minimum) if c.field.minimum is not None else low
        high = int(c.field.maximum) if c.field.maximum is not None else high
        out_of_bounds += [(c.name, _int_literal(low - 1)), (c.name, _int_literal(high + 1))]
    invalid: list[tuple[str, str]] = []
    echo = ""
    text = next((c for c in codes if c.field.kind == "str"), None)
    if text is not None:
        echo = f'"Z" * {text.field.length + 1}'
        invalid.append((text.name, echo))
    if ints:
        invalid.append(out_of_bounds[0])
    date = next((c for c in codes if c.field.kind == "date"), None)
    if date is not None:
        invalid.append((date.name, '"not-a-date"'))
    literal_kinds = {"str", "text", "int", "bigint", "bool", "enum", "date", "email", "url"}
    defaults = [
        (c.name, "None" if c.field.default is None else _json_default(c))
        for c in codes
        if (c.field.default is not None and c.field.kind in literal_kinds)
        or (c.optional and c.field.default is None)
    ]
    first_int = ints[0] if ints else None
    seven = 7
    if first_int is not None:
        if first_int.field.minimum is not None:
            seven = max(seven, int(first_int.field.minimum))
        if first_int.field.maximum is not None:
            seven = min(seven, int(first_int.field.maximum))
    documented = next((c for c in codes if c.field.kind == "str" and not c.field.pattern), None)
    unique = next((c for c in codes if c.field.unique and c.python_type in {"str", "int"}), None)
    nullable = sorted(c.name for c in codes if c.optional)
    return {
        "text_fields": [c.name for c in codes if c.field.kind in {"str", "text"}],
        "integer": (first_int.name, str(seven)) if first_int else None,
        "out_of_bounds": out_of_bounds,
        "invalid": invalid,
        "echo": echo,
        "defaults": defaults,
        "date_fields": [c.name for c in codes if c.field.kind == "date"],
        "minimums": [(c.name, c.field.minimum) for c in ints if c.field.minimum is not None],
        "documented": (documented.name, documented.field.length) if documented else None,
        "contract_unique": unique,
        "unique_json": f"taken.{unique.name}" if unique else "",
        "nullable_set": "{" + ", ".join(f'"{n}"' for n in nullable) + "}" if nullable else "set()",
    }


def _json_default(c: FieldCode) -> str:
    """The JSON value a field's default comes back as, as a Python literal."""
    value = str(c.field.default)
    if c.field.kind in {"int", "bigint"}:
        return value
    if c.field.kind == "bool":
        return "True" if value == "true" else "False"
    return repr(value).replace("'", '"')


def _render(kind: str, module: str, context: dict[str, object]) -> str:
    # Python source, not HTML: there is nothing to escape.
    path = TEMPLATES / kind / f"{module}.py.mako"
    template = Template(filename=str(path), strict_undefined=True)  # noqa: S702
    values = dict(context, imports=context.get(_IMPORTS.get(module, ""), ""))
    return str(template.render(**values))


def plan_domain(project: Project, names: Names, fields: list[Field]) -> Plan:
    """Every file the domain writes and edits, or ScaffoldError before anything is written."""
    package_dir, tests_dir = project.domain(names.plural), project.tests(names.plural)
    for existing in (package_dir, tests_dir):
        if existing.exists():
            raise ScaffoldError(f"{existing} already exists: domain {names.plural} is taken")
    if not fields:
        raise ScaffoldError("a domain needs at least one field (--field name:type)")
    context = _context(project, names, fields)
    plan = Plan()
    for module in DOMAIN_MODULES:
        if module == "constants" and not (context["enums"] or context["patterns"]):
            continue
        plan.created[package_dir / f"{module}.py"] = _render("domain", module, context)
    for module in TEST_MODULES:
        plan.created[tests_dir / f"{module}.py"] = _render("tests", module, context)
    if not (project.root / "tests" / "domains" / "__init__.py").exists():
        plan.created[project.root / "tests" / "domains" / "__init__.py"] = ""
    plan.edited[project.source / "api.py"] = register_router(
        project.source / "api.py", project.package, names.plural
    )
    plan.edited[project.source / "models.py"] = register_models(
        project.source / "models.py", project.package, names.plural
    )
    admin = register_admin_view(
        project.source / "admin.py", project.package, names.plural, names.model
    )
    if admin is not None:
        plan.edited[project.source / "admin.py"] = admin
    pyproject = project.root / "pyproject.toml"
    contracts = add_to_import_contracts(pyproject, project.package, names.plural)
    if contracts is not None:
        plan.edited[pyproject] = contracts
    return plan


def write(project: Project, plan: Plan) -> None:
    """Write every file of `plan`, then lint and format the domain's new files with ruff."""
    for path, text in plan.created.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path, text in plan.edited.items():
        path.write_text(text, encoding="utf-8")
    created = [str(path) for path in plan.created]
    edited = [str(path) for path in plan.edited if path.suffix == ".py"]
    # Import order and layout come from the service's own ruff settings; the team's
    # extension points get only their imports sorted, nothing else of theirs changes.
    tidy(project.root, ["check", "--fix-only", "--quiet", *created])
    tidy(project.root, ["check", "--fix-only", "--quiet", "--select", "I", *edited])
    tidy(project.root, ["format", "--quiet", *created, *edited])


def tidy(root: Path, arguments: list[str]) -> None:
    """Run ruff from the service's environment; a service without ruff is left as written."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        return
    # ruff, found beside the interpreter or on PATH, with arguments built here.
    subprocess.run([ruff, *arguments], cwd=root, check=False)  # noqa: S603
