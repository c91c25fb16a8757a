# Managed by the service standard (copier update): add your own test helpers outside tests/core/.
"""Test values for fields with a `pattern=`: the n-th of many distinct strings it matches.

The factories `new domain` writes call `matching(SKU_PATTERN, n)`: the pattern stays
in one place (the domain's constants.py) and each call with another `n` gives another
value, while there are enough: every character class and `.` counts `n` in its own
digit. Covers what field patterns use: literals, classes, `\\d`/`\\w`, `.`, repeats
(at their minimum, one for `*`), groups, alternatives (the first) and anchors.
"""

import importlib
import re
import string
from typing import Any

# re's parser, public in all but name (sre_parse re-exports it with a warning).
_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")

_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_SPACE": " ",
}
_ANY = string.ascii_letters + string.digits


def matching(pattern: str, n: int) -> str:
    """A string `pattern` matches, distinct for each `n` up to the count it can spell."""
    counter = [n]
    text = "".join(_spell(_parser.parse(pattern), counter))
    if re.search(pattern, text) is None:
        raise ValueError(f"cannot spell a sample for {pattern!r}; pass the value explicitly")
    return text


def _pick(choices: str, counter: list[int]) -> str:
    counter[0], index = divmod(counter[0], len(choices))
    return choices[index]


def _class(items: list[tuple[Any, Any]]) -> str:
    """The characters a `[...]` accepts, in order (a negated class: letters it leaves)."""
    chars: list[str] = []
    negated = False
    for op, value in items:
        name = str(op)
        if name == "NEGATE":
            negated = True
        elif name == "LITERAL":
            chars.append(chr(value))
        elif name == "RANGE":
            chars.extend(chr(code) for code in range(value[0], value[1] + 1))
        elif name == "CATEGORY":
            chars.extend(_CATEGORIES.get(str(value), ""))
    if negated:
        return "".join(char for char in _ANY if char not in chars)
    return "".join(dict.fromkeys(chars))


def _spell(parsed: Any, counter: list[int]) -> list[str]:
    out: list[str] = []
    for op, value in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(value))
        elif name == "IN":
            out.append(_pick(_class(value), counter))
        elif name == "ANY":
            out.append(_pick(_ANY, counter))
        elif name in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            low, _, body = value
            for _ in range(max(low, 1) if low < _constants.MAXREPEAT else 1):
                out.extend(_spell(body, counter))
        elif name == "SUBPATTERN":
            out.extend(_spell(value[-1], counter))
        elif name == "BRANCH":
            out.extend(_spell(value[1][0], counter))
        elif name == "CATEGORY":
            out.append(_pick(_CATEGORIES.get(str(value), "a"), counter))
        # AT (anchors) and anything else spell nothing.
    return out
