"""The servers some tests need: where they are, whether they answer, and how to start them.

Profiles with `database=postgresql` need PostgreSQL; `cache=redis` and any task queue
need Redis (`rate_limit` alone counts in process memory). Everything else runs on a
machine with only git, Python and uv.

TEMPLATE_POSTGRES_URL and TEMPLATE_REDIS_URL move them (or hide them, pointed at a
closed port). The generated projects' own Redis tests use their default address.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Server URL (no database name); each test appends a database of its own.
POSTGRES_URL = os.environ.get("TEMPLATE_POSTGRES_URL") or DEFAULT_POSTGRES_URL
REDIS_URL = os.environ.get("TEMPLATE_REDIS_URL") or DEFAULT_REDIS_URL
# What starts both on this machine when they are installed; .ci/run runs it too.
START_COMMAND = "bash .ci/services"


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    default_url: str

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or 0

    @property
    def where(self) -> str:
        host, port = self.address
        return f"{host}:{port}"

    def answers(self) -> bool:
        """True when something accepts a connection there (Redis must also answer PING)."""
        try:
            with socket.create_connection(self.address, timeout=2) as sock:
                if self.name != "Redis":
                    return True
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


POSTGRESQL = Server("PostgreSQL", POSTGRES_URL, DEFAULT_POSTGRES_URL)
REDIS = Server("Redis", REDIS_URL, DEFAULT_REDIS_URL)
BY_NAME = {server.name: server for server in (POSTGRESQL, REDIS)}


def servers_for(answers: Mapping[str, Any]) -> tuple[Server, ...]:
    """The servers a project rendered with `answers` needs for its gates."""
    needed = []
    if answers.get("database") == "postgresql":
        needed.append(POSTGRESQL)
    if answers.get("cache") == "redis" or answers.get("task_queue", "none") != "none":
        needed.append(REDIS)
    return tuple(needed)


def needs_servers(*profiles: Mapping[str, Any]) -> pytest.MarkDecorator:
    """The `servers` mark for a test that renders and gates projects with these answers."""
    names = dict.fromkeys(server.name for answers in profiles for server in servers_for(answers))
    return pytest.mark.servers(*names)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def start_local(servers: tuple[Server, ...]) -> None:
    """Run START_COMMAND once (a file lock keeps parallel workers from racing it).

    Only for servers at their default address: that is where the script starts them.
    """
    if not any(server.url == server.default_url for server in servers):
        return
    lock = Path(tempfile.gettempdir()) / "fastapi-template-services.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if all(server.answers() for server in servers):
            return  # another worker started them meanwhile
        subprocess.run(
            ["bash", str(REPO_ROOT / ".ci" / "services")],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
            check=False,
        )
