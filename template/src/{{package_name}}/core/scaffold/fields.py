# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Field specs (`name:type[:option,...]`) and what each type becomes in every layer."""

import re
from dataclasses import dataclass
from decimal import Decimal

from .errors import ScaffoldError
from .names import Names, identifier, names_of

TYPES = (
    "str", "text", "int", "bigint", "bool", "decimal", "date", "datetime", "uuid",
    "email", "url", "json", "enum", "ref",
)  # fmt: skip
SPEC_HELP = (
    "name:type[:option,...] with type one of str (or str(80)), text, int, bigint, bool, "
    "decimal(10,2), date, datetime, uuid, email, url, json, enum(a|b|c), ref(other_domain); "
    "options optional, unique, index, default=VALUE, min=N and max=N (int, bigint), "
    "pattern=REGEX (str, text; last, as it may hold commas)"
)
# Types whose default a column can hold as a plain server default.
DEFAULTABLE = frozenset(
    {"str", "text", "int", "bigint", "bool", "decimal", "date", "email", "url", "enum"}
)
# Attributes every table already has, and names pydantic or SQLAlchemy claim.
TAKEN = frozenset({"id", "created_at", "updated_at", "metadata", "registry", "model_config"})
_TYPE = re.compile(r"^(?P<kind>[a-z]+)(?:\((?P<args>[^()]*)\))?$")
_ENUM_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
# A decimal travels as a JSON string, whose schema cannot say "at least 0": no bounds.
_BOUNDED = frozenset({"int", "bigint"})
_PATTERNED = frozenset({"str", "text"})


@dataclass(frozen=True)
class Field:
    """One field of a resource, as the spec gave it."""

    name: str  # the attribute and column: `customer_id` for `customer:ref(customers)`
    kind: str
    optional: bool = False
    unique: bool = False
    index: bool = False
    default: str | None = None
    length: int = 0  # str, email, url
    precision: int = 0  # decimal
    scale: int = 0
    choices: tuple[str, ...] = ()  # enum
    target: Names | None = None  # ref
    minimum: str | None = None  # int, bigint: the smallest value accepted
    maximum: str | None = None
    pattern: str | None = None  # str, text: a regular expression the value must match

    @property
    def pascal(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def filterable(self) -> bool:
        """Enum and ref fields are list filters (`?status=paid`, `?customer_id=...`)."""
        return self.kind in {"enum", "ref"}


def _bad(spec: str, why: str) -> ScaffoldError:
    return ScaffoldError(f"field {spec!r}: {why} (expected {SPEC_HELP})")


def _number(spec: str, text: str, what: str) -> int:
    if not text.strip().isdigit():
        raise _bad(spec, f"{what} must be a whole number, not {text.strip()!r}")
    return int(text)


def parse_field(spec: str) -> Field:
    """The field `spec` describes, or ScaffoldError saying what is wrong with it."""
    parts = spec.split(":", 2)
    if len(parts) < 2 or not parts[1]:
        raise _bad(spec, "no type")
    name = identifier(parts[0], "field name")
    match = _TYPE.fullmatch(parts[1].strip().replace(" ", ""))
    if match is None or match["kind"] not in TYPES:
        raise _bad(spec, f"unknown type {parts[1]!r}")
    kind, args = match["kind"], match["args"]
    options: dict[str, str | bool] = {}
    # pattern= comes last and keeps the rest of the spec: a regex may hold commas.
    listed, marker, pattern = (parts[2] if len(parts) > 2 else "").partition("pattern=")
    if marker and not pattern:
        raise _bad(spec, "pattern= needs a regular expression")
    if marker and listed and not listed.endswith(","):
        raise _bad(spec, "pattern= is an option of its own, after a comma")
    for option in filter(None, listed.split(",")):
        key, _, value = option.strip().partition("=")
        if key in {"optional", "unique", "index"} and not value:
            options[key] = True
        elif key in {"default", "min", "max"} and value:
            options[key] = value
        else:
            raise _bad(spec, f"unknown option {option!r}")
    if args is not None and kind not in {"str", "decimal", "enum", "ref"}:
        raise _bad(spec, f"{kind} takes no arguments")
    length = {"email": 320, "url": 2048}.get(kind, 0)
    precision = scale = 0
    choices: tuple[str, ...] = ()
    target: Names | None = None
    if kind == "str":
        length = _number(spec, args, "the length") if args else 200
        if not 1 <= length <= 10_000:
            raise _bad(spec, "a str length is between 1 and 10000 (use text for longer)")
    elif kind == "decimal":
        digits, _, places = (args or "").partition(",")
        if not args or not places:
            raise _bad(spec, "decimal needs its precision and scale: decimal(10,2)")
        precision = _number(spec, digits, "the precision")
        scale = _number(spec, places, "the scale")
        if not 0 <= scale < precision <= 38:
            raise _bad(spec, "decimal(precision,scale) needs 0 <= scale < precision <= 38")
    elif kind == "enum":
        choices = tuple(value.strip() for value in (args or "").split("|"))
        if not args or not all(_ENUM_VALUE.fullmatch(choice) for choice in choices):
            raise _bad(spec, "enum values are lower-case names: enum(new|paid|shipped)")
        if len(set(choices)) != len(choices):
            raise _bad(spec, "an enum value is listed twice")
    elif kind == "ref":
        if not args:
            raise _bad(spec, "ref names the domain it points to: ref(customers)")
        target = names_of(args)
        if not name.endswith("_id"):
            name = f"{name}_id"
    if name in TAKEN:
        raise _bad(spec, f"{name} is a column every table already has")
    minimum, maximum = _bounds(spec, kind, options.get("min"), options.get("max"))
    if pattern:
        _check_pattern(spec, kind, pattern)
    default = options.get("default")
    if isinstance(default, str):
        _check_default(spec, kind, default, length=length, choices=choices)
        _check_within(spec, default, minimum, maximum, pattern)
    return Field(
        name=name,
        kind=kind,
        optional=options.get("optional") is True,
        unique=options.get("unique") is True,
        index=options.get("index") is True,
        default=default if isinstance(default, str) else None,
        length=length,
        precision=precision,
        scale=scale,
        choices=choices,
        target=target,
        minimum=minimum,
        maximum=maximum,
        pattern=pattern or None,
    )


def _bounds(
    spec: str, kind: str, low: str | bool | None, high: str | bool | None
) -> tuple[str | None, str | None]:
    """min= and max= of an integer field, checked: integers of its type, in order."""
    bounds = [value for value in (low, high) if isinstance(value, str)]
    if bounds and kind not in _BOUNDED:
        raise _bad(spec, f"min= and max= bound integers (int, bigint), not {kind}")
    for value in bounds:
        limits = _INT32 if kind == "int" else _INT64
        if not re.fullmatch(r"-?\d+", value) or not limits[0] <= int(value) <= limits[1]:
            raise _bad(spec, f"bound {value!r} is not {_article(kind)}")
    if isinstance(low, str) and isinstance(high, str) and Decimal(low) > Decimal(high):
        raise _bad(spec, f"min={low} is above max={high}")
    return (low if isinstance(low, str) else None, high if isinstance(high, str) else None)


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _check_pattern(spec: str, kind: str, pattern: str) -> None:
    if kind not in _PATTERNED:
        raise _bad(spec, f"pattern= constrains text (str, text), not {kind}")
    # Written into the code as r"...": a quote or a final backslash would end it early.
    if '"' in pattern or pattern.endswith("\\") or "\n" in pattern:
        raise _bad(spec, "a pattern holds no double quote, newline or final backslash")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise _bad(spec, f"pattern {pattern!r} is not a regular expression ({exc})") from exc


def _check_within(
    spec: str, default: str, minimum: str | None, maximum: str | None, pattern: str
) -> None:
    """The default obeys the field's own bounds and pattern."""
    if minimum is not None and Decimal(default) < Decimal(minimum):
        raise _bad(spec, f"default {default!r} is below min={minimum}")
    if maximum is not None and Decimal(default) > Decimal(maximum):
        raise _bad(spec, f"default {default!r} is above max={maximum}")
    if pattern and re.search(pattern, default) is None:
        raise _bad(spec, f"default {default!r} does not match the pattern")


def _check_default(
    spec: str, kind: str, value: str, *, length: int, choices: tuple[str, ...]
) -> None:
    if kind not in DEFAULTABLE:
        raise _bad(spec, f"a {kind} field takes no default")
    if kind in {"int", "bigint"}:
        low, high = _INT32 if kind == "int" else _INT64
        if not re.fullmatch(r"-?\d+", value) or not low <= int(value) <= high:
            raise _bad(spec, f"default {value!r} is not a {kind}")
    elif kind == "bool" and value not in {"true", "false"}:
        raise _bad(spec, "a bool default is true or false")
    elif kind == "decimal" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise _bad(spec, f"default {value!r} is not a decimal")
    elif kind == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _bad(spec, "a date default is YYYY-MM-DD")
    elif kind == "enum" and value not in choices:
        raise _bad(spec, f"default {value!r} is not one of the enum's values")
    elif kind in {"str", "email", "url"} and len(value) > length:
        raise _bad(spec, "the default is longer than the field")


def parse_fields(specs: list[str]) -> list[Field]:
    """Every field, or ScaffoldError for the first bad spec or a name given twice."""
    fields = [parse_field(spec) for spec in specs]
    seen: set[str] = set()
    for parsed in fields:
        if parsed.name in seen:
            raise ScaffoldError(f"field {parsed.name!r} is given twice")
        seen.add(parsed.name)
    return fields
