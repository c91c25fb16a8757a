# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Field types every request schema builds on: text any database stores, strict JSON scalars.

A body that does not fit is a 422 from validation, never a 500 from the driver.
PostgreSQL cannot store NUL, and no database stores a lone surrogate (UTF-8 has
no encoding for it): `Text` refuses both, everywhere, so the contract is the same
on every database. Numbers and booleans take JSON's own types: `true` is not 1,
`"1"` is not an integer, and a number is not a date; `1.0` is an integer, as
JSON Schema defines one. Query and path parameters arrive as text, so they keep
pydantic's usual parsing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, GetCoreSchemaHandler, Strict, StringConstraints
from pydantic_core import PydanticCustomError, core_schema

# Matching any pattern also refuses lone surrogates (the text is checked as UTF-8
# first); a narrower pattern, such as a SKU's, replaces this one and does both.
STORABLE_TEXT_PATTERN = r"^[^\x00]*$"
# Deliberately loose: one @, no spaces; whether the mailbox exists is the mail's business.
# A space, not \s: Python's \s and JSON Schema's (ECMAScript's) disagree on U+0085.
EMAIL_PATTERN = r"^[^@ \x00]+@[^@ \x00]+\.[^@ \x00]+$"
URL_PATTERN = r"^https?://[^ /?#\x00]+[^ \x00]*$"


def _json_integer(value: object) -> object:
    # Lax ints would read true as 1 and "1" as 1; 1.0 stays allowed (and becomes 1).
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _not_a_number(value: object) -> object:
    # A lax date reads 0 as 1970-01-01; in JSON, a date is ISO 8601 text.
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "Input should be an ISO 8601 date string")
    return value


# Every string field of a request schema is Text, narrowed as it needs:
# `Annotated[Text, StringConstraints(max_length=200)]`.
Text = Annotated[str, StringConstraints(pattern=STORABLE_TEXT_PATTERN)]
# An integer field ends with JsonInteger, after its bounds (pydantic documents the
# bounds only of the type a validator wraps): `Annotated[int, Field(ge=0), JsonInteger]`.
JsonInteger = BeforeValidator(_json_integer)
Integer = Annotated[int, JsonInteger]
Boolean = Annotated[bool, Strict()]
IsoDate = Annotated[date, BeforeValidator(_not_a_number)]
# Text with a shape: an e-mail address (RFC 5321's 320 characters at most) and an
# http(s) URL, kept as the text the client sent.
Email = Annotated[str, StringConstraints(max_length=320, pattern=EMAIL_PATTERN)]
Url = Annotated[str, StringConstraints(max_length=2048, pattern=URL_PATTERN)]


@dataclass(frozen=True, slots=True)
class DecimalText:
    """A decimal with `precision` digits, `scale` of them after the point, sent as JSON text.

    `Annotated[Decimal, DecimalText(10, 2)]` takes "12.50" and refuses 12.5: a JSON
    number is a float on its way in, and a float cannot hold every decimal. The
    OpenAPI schema is the same pattern, so a client can check a value before sending it.
    """

    precision: int
    scale: int

    @property
    def pattern(self) -> str:
        whole = rf"^-?\d{{1,{self.precision - self.scale}}}"
        return whole + (rf"(\.\d{{1,{self.scale}}})?$" if self.scale else "$")

    def __get_pydantic_core_schema__(
        self, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.no_info_after_validator_function(
            Decimal, core_schema.str_schema(pattern=self.pattern)
        )
        return core_schema.json_or_python_schema(
            json_schema=text,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(Decimal), text]),
            serialization=core_schema.to_string_ser_schema(),
        )
