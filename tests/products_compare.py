"""Write the products example again with the generator's commands; compare it with the template's.

Run by the generated project's own interpreter (its mako, its ruff, its scaffold):
    uv run python products_compare.py PROJECT_ROOT PACKAGE
It copies the project aside, removes the products domain, its tests and its lines in
api.py, models.py and tasks.py, runs PRODUCTS_COMMANDS there through the service's
own CLI, and prints, as JSON, each file's number of differing lines (a unified diff's
+ and - lines) against the rendered example, and the diff itself. The registries are
the team's lists of every domain, not the example's: they are not compared.

The migration is not compared: the example's is hand-written with a fixed revision
id ("0001") and date, where `db revision` writes a random id and today's date; the
service's `db check` proves that it matches the models.
"""

import difflib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The products example, as the commands that write it (docs/adding-a-resource.md).
PRODUCTS_COMMANDS = (
    (
        "new", "domain", "products", "--no-migration",
        "--field=sku:str(32):unique,pattern=^[A-Z0-9][A-Z0-9-]{2,31}$",
        "--field=name:str(200)",
        "--field=description:text:optional",
        "--field=price_cents:int:min=0",
        "--field=currency:str(3):pattern=^[A-Z]{3}$",
        "--field=stock:int:default=0,min=0,max=1000000000",
        "--field=status:enum(draft|active|discontinued):default=draft",
        "--field=released_on:date:optional",
    ),
    ("new", "task", "products", "record_created"),
)  # fmt: skip
REGISTRIES = ("api.py", "models.py", "tasks.py", "admin.py", "uploads.py")


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _files(root: Path, package: str) -> dict[str, Path]:
    """The example's files under `root`, by their path from the root."""
    source = root / "src" / package
    found = [
        *(source / "domains" / "products").glob("*.py"),
        *(root / "tests" / "domains" / "products").glob("*.py"),
    ]
    return {str(path.relative_to(root)): path for path in found if path.is_file()}


def main(root: Path, package: str) -> dict[str, object]:
    unregister = importlib.import_module(f"{package}.core.scaffold.extension_points").unregister
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "service"
        for part in ("src", "tests", "pyproject.toml"):
            source = root / part
            if source.is_dir():
                shutil.copytree(source, copy / part)
            else:
                shutil.copy(source, copy / part)
        shutil.rmtree(copy / "src" / package / "domains" / "products")
        shutil.rmtree(copy / "tests" / "domains" / "products")
        for name in REGISTRIES:
            path = copy / "src" / package / name
            path.write_text(unregister(path, package, "products"))
        # The copy's package first on the path: the commands write into the copy.
        env = os.environ | {"PYTHONPATH": str(copy / "src"), "NO_COLOR": "1"}
        for command in PRODUCTS_COMMANDS:
            subprocess.run(
                [sys.executable, "-m", package, *command],
                cwd=copy,
                env=env,
                stdin=subprocess.DEVNULL,
                check=True,
                capture_output=True,
            )
        ours, theirs = _files(root, package), _files(copy, package)
        differences: dict[str, int] = {}
        diff: list[str] = []
        for name in sorted({*ours, *theirs}):
            before = ours[name].read_text() if name in ours else ""
            after = theirs[name].read_text() if name in theirs else ""
            differences[name] = len(changed_lines(before, after))
            if before != after:
                diff += difflib.unified_diff(
                    before.splitlines(), after.splitlines(), f"example/{name}", f"generated/{name}",
                    lineterm="",
                )  # fmt: skip
        return {"differences": differences, "diff": "\n".join(diff)}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2]), indent=1, sort_keys=True))
