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

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Strict, StringConstraints
from pydantic_core import PydanticCustomError

# Matching any pattern also refuses lone surrogates (the text is checked as UTF-8
# first); a narrower pattern, such as a SKU's, replaces this one and does both.
STORABLE_TEXT_PATTERN = r"^[^\x00]*$"
# Deliberately loose: one @, no spaces; whether the mailbox exists is the mail's business.
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"
URL_PATTERN = r"^https?://[^\s/?#\x00]+[^\s\x00]*$"


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
