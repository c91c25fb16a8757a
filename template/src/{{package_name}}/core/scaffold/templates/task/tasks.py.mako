## Managed by the service standard (copier update): what it renders is the team's.
"""${names.titles.capitalize()}' background tasks, declared once for any backend (core/tasks).

`core/tasks` runs them: on the service's worker with a task queue, or in the API
process after the response when the service has none. Send one from a service or a
dependency with `TaskQueueDep`: `queue.enqueue(${function}, str(${names.singular}.id))`.
"""

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ${package}.core.tasks.task import task
from ${package}.domains.${names.plural}.repository import ${Model}Repository

logger = structlog.get_logger(__name__)
