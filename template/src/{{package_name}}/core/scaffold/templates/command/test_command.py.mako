## Managed by the service standard (copier update): what it renders is the team's.
"""`${command}`, the service's own command, run through the service's CLI."""

from typer.testing import CliRunner

from ${package}.core.cli import cli

runner = CliRunner()


def test_${function}_runs_and_says_it_is_done() -> None:
    result = runner.invoke(cli, ["${command}"])

    assert result.exit_code == 0, result.output
    assert "${command}: done" in result.output
