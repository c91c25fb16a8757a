## Managed by the service standard (copier update): what it renders is the team's.
"""The `${task_name}` task: run in-process, and by a real worker from the real broker.

The worker test needs the broker on loopback and fails without it; it is skipped,
with the reason, when the service has no task queue (no worker to run).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs
from structlog.typing import EventDict

from ${package}.core.db.engine import create_engine
from ${package}.core.tasks.queue import TaskQueue
from ${package}.domains.${names.plural}.tasks import ${function}
from ${package}.settings import Settings
from tests.core.fixtures import RunningWorker
from tests.domains.${names.plural}.factories import create_${names.singular}


def _runs(logs: list[EventDict]) -> list[tuple[str, str]]:
    """What each run of the task logged: its event and the ${title} it was for."""
    return [
        (log["event"], log["${id_name}"])
        for log in logs
        if log["event"] in {"${task_name}", "${task_name}_skipped"}
    ]


async def test_${function}_runs_for_${article_title}(
    session: AsyncSession, task_queue: TaskQueue
) -> None:
    ${names.singular} = await create_${names.singular}(session)
    task_queue.enqueue(${function}, str(${names.singular}.id))

    with capture_logs() as logs:
        await task_queue.send()

    assert _runs(logs) == [("${task_name}", str(${names.singular}.id))]


async def test_${function}_skips_${article_title}_deleted_meanwhile(task_queue: TaskQueue) -> None:
    missing = str(uuid.uuid4())
    task_queue.enqueue(${function}, missing)

    with capture_logs() as logs:
        await task_queue.send()

    assert _runs(logs) == [("${task_name}_skipped", missing)]


async def test_a_real_worker_runs_${function}_from_the_broker(
    worker_settings: Settings, worker: RunningWorker, worker_queue: TaskQueue
) -> None:
    engine = create_engine(worker_settings)
    try:  # committed: the worker is another process
        async with async_sessionmaker(engine, expire_on_commit=False).begin() as session:
            ${names.singular} = await create_${names.singular}(session)
    finally:
        await engine.dispose()

    worker_queue.enqueue(${function}, str(${names.singular}.id))
    await worker_queue.send()
    line = await worker.wait_for('"${task_name}"')
    exit_code = await worker.stop()

    assert str(${names.singular}.id) in line, worker.log
    assert exit_code == 0, worker.log
