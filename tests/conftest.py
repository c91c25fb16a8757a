"""Session fixtures (one template snapshot per xdist worker, a renderer bound to it), and
the servers some tests need: started when they can be, else skipped and named at the end.

A test marked `servers("PostgreSQL", ...)` needs those servers (see `services`). When one
does not answer: outside CI, `.ci/services` is tried once; if that does not bring it up,
the test is skipped and the run's last lines say which profiles did not run and how to
run them. With CI=true a missing server fails each test that needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import services
from rendering import Project, Render, TemplateRepo, render_template, snapshot_working_tree

SKIP_PREFIX = "needs a server that is not running:"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needed = {
        services.BY_NAME[name]
        for item in items
        for mark in item.iter_markers("servers")
        for name in mark.args
    }
    missing = {server for server in needed if not server.answers()}
    if missing and not services.in_ci():
        services.start_local(tuple(missing))
        missing = {server for server in missing if not server.answers()}
    if not missing:
        return
    for item in items:
        down = sorted(
            {services.BY_NAME[name] for mark in item.iter_markers("servers") for name in mark.args}
            & missing,
            key=lambda server: server.name,
        )
        if not down:
            continue
        names = " and ".join(f"{server.name} at {server.where}" for server in down)
        if services.in_ci():
            item.add_marker(pytest.mark.servers_missing_in_ci(names))
        else:
            item.add_marker(pytest.mark.skip(reason=f"{SKIP_PREFIX} {names}"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    mark = item.get_closest_marker("servers_missing_in_ci")
    if mark is not None:
        pytest.fail(
            f"CI=true and {mark.args[0]} does not answer: CI must run every profile "
            f"(.ci/run starts them with `{services.START_COMMAND}`)",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any) -> Iterator[None]:
    """One line naming the profiles that did not run for want of a server, and the fix.

    A wrapper, so it comes after pytest's short summary, just above the final counts.
    """
    yield
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and SKIP_PREFIX in report.longrepr[2]
    ]
    if not skipped:
        return
    profiles = sorted({_profile(report.nodeid) for report in skipped})
    servers = sorted(
        {name for name in services.BY_NAME if any(name in r.longrepr[2] for r in skipped)}
    )
    terminalreporter.write_line(
        f"not run: {len(profiles)} profiles need {'/'.join(servers)} "
        f"({', '.join(profiles)}); start them with `{services.START_COMMAND}` "
        "(it names what to install), then run `uv run pytest` again",
        yellow=True,
        bold=True,
    )


def _profile(nodeid: str) -> str:
    """`tests/test_gates.py::test_copy_passes_gates[default]` -> `gates:default`."""
    match = re.match(r"tests/test_(\w+)\.py::\w+(?:\[(.+)\])?$", nodeid)
    if match is None:
        return nodeid
    module, param = match.groups()
    return f"{module}:{param}" if param else module


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> TemplateRepo:
    """This working tree, uncommitted edits included, as a repository copier can render."""
    return snapshot_working_tree(tmp_path_factory.mktemp("template") / "repo")


@pytest.fixture(scope="session")
def render(template_repo: TemplateRepo, tmp_path_factory: pytest.TempPathFactory) -> Render:
    """Render the template into `dst` (a new directory by default); `data` holds answers."""

    def _render(
        data: dict[str, Any] | None = None, *, dst: Path | None = None, skip_tasks: bool = False
    ) -> Project:
        if dst is None:
            dst = tmp_path_factory.mktemp("render") / "service"
        return render_template(template_repo, dst, data, skip_tasks=skip_tasks)

    return _render


@pytest.fixture(scope="session")
def default_project(render: Render) -> Project:
    """What `copier copy --defaults` produces; shared, so tests must not modify it."""
    return render()
