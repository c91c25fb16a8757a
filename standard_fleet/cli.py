"""The `standard-fleet` command line: `standard-fleet update --ref vX.Y.Z TARGET...`."""

from __future__ import annotations

import json
import shlex
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from standard_fleet.fleet import (
    CLEAN,
    COPIER,
    CURRENT,
    Options,
    Result,
    Target,
    Updater,
    working_copies,
)

app = typer.Typer(
    help="Update many services to a release of the service standard.", no_args_is_help=True
)


@app.callback()
def main() -> None:
    """Update many services to a release of the service standard."""


def _pairs(items: list[str], where: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name:
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE", param_hint=where)
        pairs[name] = value
    return pairs


def read_targets(arguments: list[str]) -> list[Target]:
    """Each argument is a git URL or a service directory, or a file listing them.

    A listing has one service a line, optionally followed by NAME=VALUE environment
    for its gates (e.g. its own DATABASE_URL); `#` starts a comment.
    """
    targets = []
    for argument in arguments:
        path = Path(argument)
        if not path.is_file():
            targets.append(Target(source=_source(argument)))
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                env = _pairs(words[1:], str(path))
                targets.append(Target(source=_source(words[0], path.parent), env=env))
    return targets


def _source(source: str, base: Path | None = None) -> str:
    """Directories become absolute (clones run elsewhere); URLs stay as written."""
    path = (base or Path.cwd()) / source
    return str(path.resolve()) if "://" not in source and path.is_dir() else source


def table(results: list[Result]) -> str:
    """One row per service: status, what needs a person, and where the time went."""
    header = ("service", "status", "version", "update s", "gates s", "total s", "details")
    rows = [
        (
            result.target.name,
            result.status,
            result.version,
            f"{result.update_seconds:.1f}",
            f"{result.gates_seconds:.1f}",
            f"{result.total_seconds:.1f}",
            ", ".join([*result.details, *([f"branch {result.branch}"] if result.branch else [])]),
        )
        for result in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


@app.command()
def update(
    targets: Annotated[
        list[str],
        typer.Argument(help="Git URLs or service directories, or files listing them."),
    ],
    ref: Annotated[
        str | None,
        typer.Option(help="Release to update to (vX.Y.Z) (default: the newest release)."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option(help="Where the working copies go (default: a new temporary directory)."),
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, help="Services updated at once.")] = 1,
    gates: Annotated[bool, typer.Option(help="Run each service's quality gates.")] = True,
    drift: Annotated[bool, typer.Option(help="Run the drift check before updating.")] = True,
    branch: Annotated[
        str | None,
        typer.Option(help="Commit a clean update on this new branch in each working copy."),
    ] = None,
    push: Annotated[bool, typer.Option(help="Push that branch to the service's origin.")] = False,
    env: Annotated[
        list[str] | None, typer.Option(help="NAME=VALUE for every service's gates (repeatable).")
    ] = None,
    copier: Annotated[str, typer.Option(help="The copier command.")] = COPIER,
    report: Annotated[
        Path | None, typer.Option(help="Also write the results as JSON to this file.")
    ] = None,
) -> None:
    """Update each service in a working copy of its own, run its gates, print a table.

    Exit status 0 when every service is clean or already current, 1 otherwise.
    """
    if push and not branch:
        raise typer.BadParameter("--push needs --branch", param_hint="--push")
    services = read_targets(targets)
    root = (workdir or Path(tempfile.mkdtemp(prefix="standard-fleet-"))).resolve()
    options = Options(
        ref=ref,
        workdir=root,
        copier=tuple(shlex.split(copier)),
        gates=gates,
        drift=drift,
        branch=branch,
        push=push,
        env=_pairs(env or [], "--env"),
    )
    copies = working_copies(services, root)
    typer.echo(f"standard-fleet: {len(services)} service(s), working copies in {root}", err=True)

    def one(index: int) -> Result:
        result = Updater(services[index], options, copies[index]).update()
        typer.echo(f"  {result.target.name}: {result.status}", err=True)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, range(len(services))))
    typer.echo(table(results))
    if report is not None:
        report.write_text(json.dumps([_as_json(r) for r in results], indent=2) + "\n", "utf-8")
    if any(result.status not in {CLEAN, CURRENT} for result in results):
        raise typer.Exit(1)


def _as_json(result: Result) -> dict[str, object]:
    return {
        "service": result.target.name,
        "source": result.target.source,
        "status": result.status,
        "version": result.version,
        "details": result.details,
        "update_seconds": round(result.update_seconds, 1),
        "gates_seconds": round(result.gates_seconds, 1),
        "total_seconds": round(result.total_seconds, 1),
        "workdir": str(result.workdir),
        "branch": result.branch,
    }
