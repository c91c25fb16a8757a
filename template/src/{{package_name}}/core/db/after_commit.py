# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Work that must follow a unit of work's end: after its commit, or instead of one.

After the commit: forgetting cached rows, deleting files of deleted rows. After a
rollback: undoing what the transaction cannot, such as a file written for a row
that was never committed.
"""

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

logger = structlog.get_logger(__name__)

_KEY = "after_commit"
_ROLLBACK_KEY = "after_rollback"

AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once `session` has committed; never if it rolls back."""
    session.info.setdefault(_KEY, []).append(callback)


def after_rollback(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` if `session`'s unit of work ends without committing; never after a commit."""
    session.info.setdefault(_ROLLBACK_KEY, []).append(callback)


async def run_after_commit(session: AsyncSession) -> None:
    """Call after `commit()`: each callback runs once; a failing one is logged, not raised."""
    session.info.pop(_ROLLBACK_KEY, None)
    await _run(session.info.pop(_KEY, []), "after commit callback failed")


async def run_after_rollback(session: AsyncSession) -> None:
    """Call when the unit of work failed: its rollback callbacks run once, commit ones never."""
    session.info.pop(_KEY, None)
    await _run(session.info.pop(_ROLLBACK_KEY, []), "after rollback callback failed")


async def _run(callbacks: list[AfterCommit], failure: str) -> None:
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            # Nobody is left to tell but the logs.
            logger.exception(failure, callback=repr(callback))
