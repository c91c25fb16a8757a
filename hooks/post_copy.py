"""Copy-time task: lock the new service's dependencies with uv.

Runs once, in the new project, right after `copier copy` (never on update, so
a tracked uv.lock is never regenerated under a team's feet). Stdlib only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys


def main() -> int:
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
