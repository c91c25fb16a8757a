"""The CLI yardstick: a bare Typer app with a `db current`-like command, nothing imported.

<project>/.venv/bin/python bench/startup_bare_cli.py --help
"""

import typer

cli = typer.Typer(no_args_is_help=True)
db = typer.Typer(no_args_is_help=True)
cli.add_typer(db, name="db")


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API."""


@db.command()
def current() -> None:
    """Show the database's current revision."""
    typer.echo("head")


if __name__ == "__main__":
    cli()
