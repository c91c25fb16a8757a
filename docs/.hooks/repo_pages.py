"""MkDocs hook: the repository's README, CHANGELOG and bench/README.md as site pages.

They live outside docs/, and docs/ links to them (`../CHANGELOG.md`) as GitHub shows
them; the site serves them as pages and rewrites links between all of these files, so
one set of Markdown reads right in both places.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
# Repository path -> page path in the site, for files outside docs/.
EXTRA_PAGES = {
    "README.md": "repository.md",
    "CHANGELOG.md": "changelog.md",
    "bench/README.md": "bench.md",
}
SOURCE = {page: source for source, page in EXTRA_PAGES.items()}
LINK = re.compile(r"(\]\()([^)\s#]+\.md)(#[^)\s]*)?(\))")


def on_files(files: Files, config: Any) -> Files:
    for source, page in EXTRA_PAGES.items():
        content = (ROOT / source).read_text(encoding="utf-8")
        files.append(File.generated(config, page, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Rewrite each relative `.md` link by where it points in the repository."""
    page_path = page.file.src_uri
    repo_path = SOURCE.get(page_path, f"docs/{page_path}")

    def rewrite(match: re.Match[str]) -> str:
        target = match.group(2)
        if "://" in target:
            return match.group(0)
        in_repo = posixpath.normpath(posixpath.join(posixpath.dirname(repo_path), target))
        if in_repo in EXTRA_PAGES:
            site_target = EXTRA_PAGES[in_repo]
        elif in_repo.startswith("docs/"):
            site_target = in_repo.removeprefix("docs/")
        else:
            return match.group(0)  # left for MkDocs to report
        relative = posixpath.relpath(site_target, posixpath.dirname(page_path) or ".")
        return f"{match.group(1)}{relative}{match.group(3) or ''}{match.group(4)}"

    return LINK.sub(rewrite, markdown)
