# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Work that must follow a unit of work's commit, such as forgetting cached rows."""

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

logger = structlog.get_logger(__name__)

_KEY = "after_commit"

AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once `session` has committed; never if it rolls back."""
    session.info.setdefault(_KEY, []).append(callback)


async def run_after_commit(session: AsyncSession) -> None:
    """Call after `commit()`: each callback runs once; a failing one is logged, not raised."""
    callbacks: list[AfterCommit] = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            # The data is committed: nobody is left to tell but the logs.
            logger.exception("after commit callback failed", callback=repr(callback))
