# Managed by the service standard (copier update): extend it from the modules beside core/.
"""What each field type becomes in the model, the schemas and the tests, as source text."""

from dataclasses import dataclass

from .fields import Field
from .names import Names

# type -> (Python type of the attribute, SQLAlchemy column type or "" for the default)
_STORED: dict[str, tuple[str, str]] = {
    "str": ("str", "String({length})"),
    "text": ("str", "Text"),
    "int": ("int", ""),
    "bigint": ("int", "BigInteger"),
    "bool": ("bool", ""),
    "decimal": ("Decimal", "Numeric({precision}, {scale})"),
    "date": ("date", ""),
    "datetime": ("datetime", "UTCDateTime()"),
    "uuid": ("uuid.UUID", ""),
    "email": ("str", "String({length})"),
    "url": ("str", "String({length})"),
    "json": ("dict[str, JsonValue]", "JSON(none_as_null=True)"),
}
# type -> the request schema's type (core.fields and pydantic), when no alias is needed
_ACCEPTED = {
    "text": "Text",
    "bool": "Boolean",
    "date": "IsoDate",
    "datetime": "AwareDatetime",
    "uuid": "uuid.UUID",
    "email": "Email",
    "url": "Url",
    "json": "dict[str, JsonValue]",
    "ref": "uuid.UUID",
}


# Names schemas.py imports or defines: an alias must not shadow one.
_SCHEMA_NAMES = frozenset(
    {
        "Annotated", "AwareDatetime", "BaseModel", "Boolean", "ConfigDict", "Decimal",
        "DecimalText", "Email", "Field", "IsoDate", "JsonInteger", "JsonValue", "MISSING",
        "StringConstraints", "Text", "Url", "date", "datetime", "uuid",
    }
)  # fmt: skip


@dataclass(frozen=True)
class FieldCode:
    """One field of one resource, as each generated module spells it."""

    field: Field
    names: Names
    target_model: str = ""  # ref: the ORM class it points to, `Customer`

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def optional(self) -> bool:
        return self.field.optional

    @property
    def enum_class(self) -> str:
        return f"{self.names.model}{self.field.pascal}"

    @property
    def enum_type_name(self) -> str:
        return f"{self.names.singular}_{self.field.name}"

    @property
    def python_type(self) -> str:
        if self.field.kind == "enum":
            return self.enum_class
        if self.field.kind == "ref":
            return "uuid.UUID"
        return _STORED[self.field.kind][0]

    @property
    def runtime_type(self) -> str:
        """The class an `isinstance` check names."""
        return "dict" if self.field.kind == "json" else self.python_type

    @property
    def pattern_name(self) -> str:
        """The constant holding the field's `pattern=`: `SKU_PATTERN`."""
        return f"{self.field.name.upper()}_PATTERN"

    def _nullable(self, text: str) -> str:
        return f"{text} | None" if self.field.optional else text

    # --- models.py ---------------------------------------------------------------
    @property
    def column_type(self) -> str:
        f = self.field
        if f.kind == "enum":
            return "enum"  # spelled out by the template, over several lines
        if f.kind == "ref" and f.target is not None:
            # A required reference keeps its row alive; an optional one lets go of it.
            policy = "SET NULL" if f.optional else "RESTRICT"
            return f'ForeignKey("{f.target.plural}.id", ondelete="{policy}")'
        return _STORED[f.kind][1].format(length=f.length, precision=f.precision, scale=f.scale)

    @property
    def column_options(self) -> list[str]:
        f = self.field
        options = []
        if f.unique:
            options.append("unique=True")
        elif f.index or f.kind == "ref":
            options.append("index=True")
        if f.default is not None:
            options.append(f"server_default={self.server_default}")
        return options

    @property
    def server_default(self) -> str:
        f = self.field
        if f.kind == "enum":
            return f"{self.enum_class}.{member(str(f.default))}.value"
        if f.kind == "bool":
            return f"{f.default}()"
        return repr(f.default)

    @property
    def checks(self) -> list[str]:
        """The table's CHECK constraints for the field's min= and max=, as source text."""
        f = self.field
        bounds = [(">=", f.minimum, "min"), ("<=", f.maximum, "max")]
        return [
            f'CheckConstraint("{f.name} {op} {value}", name="{f.name}_{suffix}")'
            for op, value, suffix in bounds
            if value is not None
        ]

    @property
    def annotation(self) -> str:
        return f"Mapped[{self._nullable(self.python_type)}]"

    @property
    def model_line(self) -> str:
        """The model's attribute; ruff format wraps it as it needs."""
        column = self.column_type
        if column == "enum":
            column = (
                f'Enum({self.enum_class}, name="{self.enum_type_name}", '
                "values_callable=lambda members: [member.value for member in members], "
                "validate_strings=True)"
            )
        arguments = ([column] if column else []) + self.column_options
        if not arguments:
            return f"{self.name}: {self.annotation}"
        return f"{self.name}: {self.annotation} = mapped_column({', '.join(arguments)})"

    # --- schemas.py --------------------------------------------------------------
    @property
    def alias(self) -> str | None:
        """`Name = Annotated[...]`: the constrained type both Create and Update take."""
        f = self.field
        pattern = f"pattern={self.pattern_name}" if f.pattern else ""
        if f.kind == "str":
            limits = ", ".join(filter(None, [f"max_length={f.length}", pattern]))
            return f"Annotated[Text, StringConstraints({limits})]"
        if f.kind == "text" and pattern:
            return f"Annotated[Text, StringConstraints({pattern})]"
        if f.kind in {"int", "bigint"}:
            low, high = ("-(2**31)", "2**31 - 1") if f.kind == "int" else ("-(2**63)", "2**63 - 1")
            low, high = f.minimum or low, f.maximum or high
            return f"Annotated[int, Field(ge={low}, le={high}), JsonInteger]"
        if f.kind == "decimal":
            return f"Annotated[Decimal, DecimalText({f.precision}, {f.scale})]"
        return None

    @property
    def alias_name(self) -> str:
        """`Sku`, or `SkuValue` where the plain name is taken by an import or the model."""
        pascal = self.field.pascal
        taken = _SCHEMA_NAMES | {self.names.model, self.enum_class}
        return (
            f"{pascal}Value" if pascal in taken or pascal.startswith(self.names.model) else pascal
        )

    @property
    def accepted(self) -> str:
        """The type the request schemas take."""
        if self.alias is not None:
            return self.alias_name
        if self.field.kind == "enum":
            return self.enum_class
        return _ACCEPTED[self.field.kind]

    @property
    def create_line(self) -> str:
        f = self.field
        line = f"{f.name}: {self._nullable(self.accepted)}"
        if f.default is not None:
            return f"{line} = {self.default_literal}"
        return f"{line} = None" if f.optional else line

    @property
    def default_literal(self) -> str:
        f = self.field
        value = str(f.default)
        if f.kind == "enum":
            return f"{self.enum_class}.{member(value)}"
        if f.kind == "bool":
            return "True" if value == "true" else "False"
        if f.kind in {"int", "bigint"}:
            return value
        if f.kind == "decimal":
            return f'Decimal("{value}")'
        if f.kind == "date":
            return f"date.fromisoformat({value!r})"
        return repr(value)

    @property
    def update_line(self) -> str:
        nullable = " | None" if self.field.optional else ""
        return f"{self.field.name}: {self.accepted} | MISSING{nullable} = MISSING"

    @property
    def read_line(self) -> str:
        return f"{self.field.name}: {self._nullable(self.python_type)}"

    # --- tests -------------------------------------------------------------------
    def sample(self, n: str = "n") -> str:
        """A Python expression for a valid JSON value, distinct for each `n`."""
        f = self.field
        if f.pattern:
            return f"matching({self.pattern_name}, {n})"
        if f.kind in {"int", "bigint"} and not _counts_within(f):
            low = int(f.minimum) if f.minimum else int(str(f.maximum)) - 10**6
            high = int(f.maximum) if f.maximum else low + 10**6
            return f"{low} + {n} % {min(high - low + 1, 10**6)}" if low else f"{n} % {high + 1}"
        if f.kind in {"str", "text"}:
            if f.kind == "text" or f.length >= len(f.name) + 8:
                return f'f"{f.name}-{{{n}}}"'
            return f'f"{{{n}:0{f.length}d}}"[-{f.length}:]'
        if f.kind == "int":
            return n
        if f.kind == "bigint":
            return f"2**40 + {n}"
        if f.kind == "bool":
            return "True"
        if f.kind == "decimal":
            if f.scale == 0:
                return f"str({n} % 10 ** min({f.precision}, 6))"
            places = "5".ljust(f.scale, "0")
            return f'f"{{{n} % 10 ** min({f.precision - f.scale}, 6)}}.{places}"'
        if f.kind == "date":
            return '"2026-01-15"'
        if f.kind == "datetime":
            return '"2026-01-15T10:30:00Z"'
        if f.kind == "uuid":
            return "str(uuid.uuid4())"
        if f.kind == "email":
            return f'f"{f.name}-{{{n}}}@example.com"'
        if f.kind == "url":
            return f'f"https://example.com/{f.name}/{{{n}}}"'
        if f.kind == "json":
            return f'{{"n": {n}}}'
        if f.kind == "enum":
            return repr(f.choices[0])
        raise AssertionError(f.kind)  # ref: the factory creates the row it points to

    @property
    def changed(self) -> str:
        """A literal JSON value unequal to any `sample()`, for a PATCH test."""
        f = self.field
        literals = {
            "int": "4242",
            "bigint": "2**41",
            "bool": "False",
            "date": '"2026-02-20"',
            "email": f'"{f.name}-changed@example.com"',
            "url": '"https://example.com/changed"',
            "json": '{"changed": True}',
        }
        if f.kind == "enum":
            return repr(f.choices[-1])
        if f.pattern:
            return f"matching({self.pattern_name}, 4242)"
        if f.kind in {"int", "bigint"} and (f.minimum or f.maximum):
            low = int(f.minimum) if f.minimum else -(10**6)
            high = int(f.maximum) if f.maximum else 10**6
            return str(max(low, min(high, 4242)))
        return literals.get(f.kind) or repr(f"{f.name}-changed"[: f.length or None])

    @property
    def round_trips(self) -> bool:
        """Whether the API returns the JSON value sent unchanged (a PATCH test compares it)."""
        f = self.field
        changes = f.kind != "enum" or len(f.choices) > 1
        return changes and f.kind in {
            "str",
            "text",
            "int",
            "bigint",
            "bool",
            "date",
            "email",
            "url",
            "json",
            "enum",
        }


def _counts_within(f: Field) -> bool:
    """Whether the counter `n` a factory uses (1, 2, ... far below a million) fits the bounds."""
    return (f.minimum is None or int(f.minimum) <= 1) and (
        f.maximum is None or int(f.maximum) >= 10**6
    )


def member(value: str) -> str:
    """The enum member for `value`: `in_transit` -> `IN_TRANSIT`."""
    return value.upper()
