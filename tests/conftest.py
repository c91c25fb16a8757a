"""Session fixtures: one template snapshot per xdist worker, and a renderer bound to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rendering import Project, Render, TemplateRepo, render_template, snapshot_working_tree


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
