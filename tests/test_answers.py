"""What a user typing answers sees: bad answers are refused before anything is written."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from rendering import Render

# (answer, value) pairs copier must refuse; the error must name the answer and the value.
INVALID_ANSWERS = [
    ("project_slug", "Bad Slug"),
    ("project_slug", "1abc"),
    ("project_slug", "a--b"),
    ("package_name", "class"),
    ("package_name", "1pkg"),
    ("package_name", "has-dash"),
    ("author_email", "nope"),
    ("python_version", "3.9"),
]


@pytest.mark.parametrize(
    ("question", "value"),
    INVALID_ANSWERS,
    ids=[f"{question}={value}" for question, value in INVALID_ANSWERS],
)
def test_copy_refuses_invalid_answer(
    render: Render, tmp_path: Path, question: str, value: str
) -> None:
    dst = tmp_path / "service"

    # Copier's API reports failed validators and invalid choices as ValueError.
    with pytest.raises(ValueError, match=re.escape(question)) as refused:
        render({question: value}, dst=dst)

    assert value in str(refused.value), f"the error does not quote the answer: {refused.value}"
    assert not dst.exists() or not any(dst.iterdir()), "files were written for a refused answer"


@pytest.mark.parametrize("auth", ["none", "api_key"])
def test_copy_refuses_admin_without_users(render: Render, tmp_path: Path, auth: str) -> None:
    """The panel's sign-in is the users table's: an auth answer without one is refused."""
    dst = tmp_path / "service"

    with pytest.raises(ValueError, match=r"admin needs the users table") as refused:
        render({"admin": True, "auth": auth}, dst=dst)

    assert f"auth={auth}" in str(refused.value)
    assert not dst.exists() or not any(dst.iterdir()), "files were written for a refused answer"


def test_copy_derives_slug_and_package_from_project_name(render: Render) -> None:
    project = render({"project_name": "Acme Orders"}, skip_tasks=True)

    assert project.answers["project_slug"] == "acme-orders"
    assert project.answers["package_name"] == "acme_orders"
    assert (project.path / "src" / "acme_orders" / "__init__.py").is_file()
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == "acme-orders"
    assert "acme-orders" in pyproject["project"]["scripts"]
