# Managed by the service standard (copier update): extend it from the modules beside core/.
"""How a resource's name becomes its package, table, class and route names.

The rule (docs/standard/adding-a-resource.md): the name is lower-cased and `-`
becomes `_`; a name that ends in `s` (not `ss`, `us` or `is`) is read as plural,
anything else as singular, and the other form follows English's regular rules:
`-ies` <-> `-y` after a consonant, `-es` after s, x, z, ch and sh, else `-s`.
`orders` and `order` both give the package `orders` and the class `Order`.
"""

import keyword
import re
from dataclasses import dataclass

from .errors import ScaffoldError

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
# Names the package, its modules or SQL would trip over.
RESERVED = frozenset(
    {
        "api", "core", "domains", "migrations", "models", "tests", "settings", "tasks",
        "commands", "resources", "main", "middleware", "test", "typing", "enum", "uuid",
        "datetime", "decimal", "json", "sqlalchemy", "pydantic", "fastapi", "alembic",
        "user", "users", "group", "order_by", "select", "table", "index", "id", "self",
        "cls", "type", "object", "list", "dict", "str", "int", "bool", "bytes", "metadata",
        "query", "session", "sessions",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Names:
    singular: str  # order, order_item
    plural: str  # orders, order_items: the package, the table, the URL segment

    @property
    def model(self) -> str:
        """The ORM class: `OrderItem`."""
        return "".join(part.capitalize() for part in self.singular.split("_"))

    @property
    def title(self) -> str:
        """For prose: `order item`."""
        return self.singular.replace("_", " ")

    @property
    def titles(self) -> str:
        return self.plural.replace("_", " ")

    @property
    def id_param(self) -> str:
        return f"{self.singular}_id"

    @property
    def url(self) -> str:
        return "/" + self.plural.replace("_", "-")

    @property
    def service(self) -> str:
        return f"{self.model}Service"


def _is_plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def singular_of(word: str) -> str:
    if not _is_plural(word):
        return word
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def plural_of(word: str) -> str:
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def identifier(text: str, what: str) -> str:
    """`text` as a lower-case Python identifier, or ScaffoldError saying why it is not one."""
    name = text.strip().lower().replace("-", "_")
    if not IDENTIFIER.fullmatch(name):
        raise ScaffoldError(
            f"{what} {text!r} is not a name: use letters, digits and _ (a letter first)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"{what} {text!r} is a Python keyword")
    return name


def names_of(text: str) -> Names:
    """The names of resource `text` (singular or plural), or ScaffoldError."""
    name = identifier(text, "domain name")
    last = name.rsplit("_", 1)[-1]
    if _is_plural(last):
        singular, plural = name[: -len(last)] + singular_of(last), name
    else:
        singular, plural = name, name[: -len(last)] + plural_of(last)
    for form in (singular, plural):
        if form in RESERVED or keyword.iskeyword(form) or keyword.issoftkeyword(form):
            raise ScaffoldError(
                f"domain name {text!r} is reserved ({form} names part of the service)"
            )
    return Names(singular=singular, plural=plural)
