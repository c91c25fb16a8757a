"""Regenerate the products example with `new domain` and count how far it is from the template's.

Run by the generated project's own interpreter (its mako, its ruff, its scaffold):
    uv run python products_compare.py PROJECT_ROOT PACKAGE
It copies the project aside, removes the products domain and its tests, writes them
again with the generator from PRODUCT_FIELDS, and prints, as JSON, each file's number
of differing lines (a unified diff's + and - lines) against the rendered example.
"""

import difflib
import importlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

# The products example, as `new domain` fields.
PRODUCT_FIELDS = [
    "sku:str(32):unique",
    "name:str(200)",
    "description:text:optional",
    "price_cents:int",
    "currency:str(3)",
    "stock:int:default=0",
    "status:enum(draft|active|discontinued):default=draft",
    "released_on:date:optional",
]


def changed_lines(before: str, after: str) -> int:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return sum(1 for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))


def main(root: Path, package: str) -> dict[str, int]:
    domain = importlib.import_module(f"{package}.core.scaffold.domain")
    fields = importlib.import_module(f"{package}.core.scaffold.fields")
    names = importlib.import_module(f"{package}.core.scaffold.names")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "service"
        for part in ("src", "tests", "pyproject.toml"):
            source = root / part
            if source.is_dir():
                shutil.copytree(source, copy / part)
            else:
                shutil.copy(source, copy / part)
        example = {
            "domain": root / "src" / package / "domains" / "products",
            "tests": root / "tests" / "domains" / "products",
        }
        for directory in example.values():
            shutil.rmtree(copy / directory.relative_to(root))
        project = domain.Project(root=copy, package=package)
        # api.py and models.py already list products: plan against copies without them.
        for extension in ("api.py", "models.py"):
            path = copy / "src" / package / extension
            path.write_text(
                "\n".join(
                    line for line in path.read_text().splitlines() if "domains.products" not in line
                )
                .replace('"products", ', "")
                .replace(', "products"', "")
                .replace(", products_router", "")
                .replace("products_router", "")
                + "\n"
            )
        # admin.py declares the example's view: take it out as `remove-example` does.
        admin = copy / "src" / package / "admin.py"
        if admin.is_file():
            extension_points = importlib.import_module(f"{package}.core.scaffold.extension_points")
            admin.write_text(extension_points.unregister(admin, package, "products"))
        plan = domain.plan_domain(
            project, names.names_of("products"), fields.parse_fields(PRODUCT_FIELDS)
        )
        domain.write(project, plan)
        result: dict[str, int] = {}
        for kind, directory in example.items():
            written = copy / directory.relative_to(root)
            paths = {path.name for path in [*directory.glob("*.py"), *written.glob("*.py")]}
            for name in sorted(paths):
                ours, theirs = directory / name, written / name
                before = ours.read_text() if ours.is_file() else ""
                after = theirs.read_text() if theirs.is_file() else ""
                result[f"{kind}/{name}"] = changed_lines(before, after)
        return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2]), indent=1, sort_keys=True))
