## Managed by the service standard (copier update): what it renders is the team's.
# A run that fails is retried (core/tasks) and a delivery can repeat: keep the work
# idempotent. Arguments travel as JSON, so the id is a string.
@task("${task_name}", retries=3)
async def ${function}(session: AsyncSession, ${id_name}: str) -> None:
    """The task's work on one ${title}; one deleted meanwhile is skipped."""
    ${names.singular} = await ${Model}Repository(session).get(uuid.UUID(${id_name}))
    if ${names.singular} is None:
        logger.info("${task_name}_skipped", ${id_name}=${id_name})
        return
    # The work goes here, in this run's own transaction (committed when it returns).
    logger.info("${task_name}", ${id_name}=${id_name})
