"""The standard's documentation site builds with `mkdocs build --strict`.

Strict mode turns every warning into a failure: a link to a missing page or
anchor, a page left out of the nav. The generated service's own docs/standard/
pages are checked for dead links too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from rendering import REPO_ROOT, Project

PAGES = (
    "getting-started",
    "questions",
    "complaints",
    "architecture-at-a-glance",
    "architecture",
    "updating",
    "releasing",
    "changelog",
    "performance",
    "bench",
    "decisions",
)


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    paths = ["--config-file", str(config), "--site-dir", str(site)]
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *paths],
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"

    result = build(REPO_ROOT / "mkdocs.yml", site)

    assert result.returncode == 0, result.stderr
    for page in PAGES:
        assert (site / page / "index.html").is_file(), page
    diagrams = (site / "architecture-at-a-glance" / "index.html").read_text(encoding="utf-8")
    assert diagrams.count('class="mermaid"') == 2  # the request path, the ownership split
    # Links to the repository's own files are rewritten to their pages in the site.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="changelog/"' in home
    assert "../CHANGELOG.md" not in home


def _copy_of_the_site_sources(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "docs", copy / "docs")
    for name in ("mkdocs.yml", "README.md", "CHANGELOG.md"):
        shutil.copy2(REPO_ROOT / name, copy / name)
    (copy / "bench").mkdir()
    shutil.copy2(REPO_ROOT / "bench" / "README.md", copy / "bench" / "README.md")
    return copy


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    copy = _copy_of_the_site_sources(tmp_path)
    with (copy / "docs" / "questions.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [the removed page](no-such-page.md).\n")

    result = build(copy / "mkdocs.yml", tmp_path / "site")

    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr


def test_a_broken_anchor_fails_the_strict_build(tmp_path: Path) -> None:
    copy = _copy_of_the_site_sources(tmp_path)
    with (copy / "docs" / "questions.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [a section](architecture.md#no-such-section).\n")

    result = build(copy / "mkdocs.yml", tmp_path / "site")

    assert result.returncode != 0
    assert "no-such-section" in result.stderr


MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)\s]*)?\)")


def test_generated_service_docs_link_only_to_files_it_has(default_project: Project) -> None:
    pages = sorted((default_project.path / "docs" / "standard").glob("*.md"))
    readme = default_project.path / "README.md"

    assert {page.name for page in pages} >= {
        "README.md",
        "architecture.md",
        "adding-a-resource.md",
        "updating.md",
    }
    dead = [
        f"{page.relative_to(default_project.path)}: {target}"
        for page in [*pages, readme]
        for target in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert dead == []
    assert "docs/standard/README.md" in readme.read_text(encoding="utf-8")
