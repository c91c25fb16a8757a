# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Borrowing an idle pooled connection without a trip through a greenlet.

SQLAlchemy's pool is synchronous: under asyncio, whatever may do I/O (opening,
reopening or closing a connection) runs in a greenlet, and on a request's deep
ASGI call stack a read's two trips through one (check-out, check-in) cost about a
tenth of its CPU.
Handing out an idle connection that is open and current, and taking one back
into a pool with room for it, do no I/O: the reads (reads.py) do those two
directly, and everything else through a greenlet, as SQLAlchemy does.

"Open and current" comes from the pool's public events. Once any connection is
invalidated (the server closed it, or a statement failed with a disconnect,
after which SQLAlchemy reopens every older connection at its next check-out),
the shortcut is off until each pooled connection has been opened, or handed out
through a greenlet, since. A check-out that finds a closed connection
invalidates it and leaves the rest to the greenlet.
"""

from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, QueuePool

# Set while a connection is taken without a greenlet: the check-out listeners
# then leave a closed connection to check_out_at_once.
_taking_at_once: ContextVar[bool] = ContextVar("taking_at_once", default=False)


def taking_at_once() -> bool:
    """Whether the check-out under way is one without a greenlet."""
    return _taking_at_once.get()


class _Connections:
    """Which of an engine's pooled connections may be handed out without I/O."""

    def __init__(self) -> None:
        self.known: WeakSet[ConnectionPoolEntry] = WeakSet()
        # Those that may need reopening: none, until a connection is invalidated.
        self.suspect: WeakSet[ConnectionPoolEntry] = WeakSet()

    def opened(self, record: ConnectionPoolEntry) -> None:
        self.known.add(record)
        self.suspect.discard(record)

    def handed_out(self, record: ConnectionPoolEntry) -> None:
        # Through a greenlet, SQLAlchemy reopened it first if it had to.
        if not _taking_at_once.get():
            self.suspect.discard(record)

    def invalidated(self) -> None:
        # After a disconnect SQLAlchemy may invalidate the whole pool: every one.
        self.suspect = WeakSet(self.known)


_tracked: WeakKeyDictionary[Engine, _Connections] = WeakKeyDictionary()


def track_idle_connections(engine: AsyncEngine) -> None:
    """Let reads take and give back `engine`'s idle connections without a greenlet."""
    sync_engine = engine.sync_engine
    connections = _tracked[sync_engine] = _Connections()

    @event.listens_for(sync_engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        connections.opened(record)

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        connections.handed_out(record)

    @event.listens_for(sync_engine, "invalidate")
    @event.listens_for(sync_engine, "soft_invalidate")
    def _on_invalidate(_dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        connections.invalidated()


def check_out_at_once(engine: Engine) -> PoolProxiedConnection | None:
    """An idle, open and current pooled connection, or None (then check out in a greenlet)."""
    connections = _tracked.get(engine)
    pool = engine.pool
    if (
        connections is None
        or connections.suspect
        or not isinstance(pool, QueuePool)
        or pool.checkedin() == 0  # none idle: waiting for one, or opening one, is I/O
    ):
        return None
    token = _taking_at_once.set(True)
    try:
        pooled = engine.raw_connection()
    except MissingGreenlet:
        # It had to be reopened after all: SQLAlchemy took it back, invalidated.
        return None
    finally:
        _taking_at_once.reset(token)
    driver = pooled.driver_connection
    if driver is None or driver.is_closed():
        # The server closed it. Invalidating it needs no I/O; reopening it does.
        pooled.invalidate()
        return None
    return pooled


def check_in_at_once(engine: Engine, pooled: PoolProxiedConnection) -> bool:
    """Give `pooled` back without a greenlet when that needs no I/O; False if not done."""
    pool = engine.pool
    # A full pool closes an overflow connection instead of keeping it: I/O.
    if engine not in _tracked or not isinstance(pool, QueuePool) or pool.checkedin() >= pool.size():
        return False
    # Nothing else on the way back talks to the server: a read opens no
    # transaction (autocommit, engine.py), so the reset-on-return rollback sends nothing.
    pooled.close()
    return True
