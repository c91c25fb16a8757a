"""Copy-time task: give the checkout its own signing key, and lock dependencies with uv.

Runs once, in the new project, right after `copier copy` (never on update, so
a tracked uv.lock is never regenerated under a team's feet). Stdlib only.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ENV_FILE = Path(".env")


def write_local_secret() -> None:
    """A random SECRET_KEY in the git-ignored .env: tokens signed here verify nowhere else."""
    if ENV_FILE.exists():
        return
    ENV_FILE.write_text(
        "# Written by `copier copy` for this checkout only; git ignores this file.\n"
        f"SECRET_KEY={secrets.token_urlsafe(48)}\n",
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)
    print("post_copy: wrote a random SECRET_KEY to .env (git-ignored)")


def main() -> int:
    write_local_secret()
    uv = shutil.which("uv")
    if uv is None:
        print("post_copy: uv not found on PATH; run `uv lock` yourself before the first commit.")
        return 0
    print("post_copy: locking dependencies (uv lock)")
    result = subprocess.run([uv, "lock", "--quiet"], check=False)
    if result.returncode != 0:
        print("post_copy: `uv lock` failed; the service still works, run `uv lock` once it can.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
