## Managed by the service standard (copier update): what it renders is the team's.
"""${Model} queries: ORM objects to change, API schemas to read; the unit of work commits."""

${imports}

# Reads build ${Model}Read from rows, without ORM objects (core/db/reads.py).
reads = SchemaReads(${Model}, ${Model}Read, order_by=(${Model}.created_at, ${Model}.id))


class ${Model}Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, ${id_name}: uuid.UUID) -> ${Model} | None:
        return await self.session.get(${Model}, ${id_name})
% for f in uniques:

    async def ${f.name}_exists(self, ${f.name}: ${f.python_type}) -> bool:
        found = await self.session.scalar(select(${Model}.id).where(${Model}.${f.name} == ${f.name}))
        return found is not None
% endfor
% for f in refs:

    async def ${f.field.target.singular}_exists(self, ${f.name}: uuid.UUID) -> bool:
        found = await self.session.scalar(select(${f.target_model}.id).where(${f.target_model}.id == ${f.name}))
        return found is not None
% endfor

    async def read(self, ${id_name}: uuid.UUID) -> ${Model}Read | None:
        return await reads.get(self.session, ${id_name})

    async def read_page(
        self, *, ${filter_keywords}limit: int, offset: int
    ) -> tuple[list[${Model}Read], int]:
        return await reads.page(self.session, limit=limit, offset=offset${filter_passing_list})

    async def add(self, ${names.singular}: ${Model}) -> None:
        self.session.add(${names.singular})
        await self.session.flush()

    async def delete(self, ${names.singular}: ${Model}) -> None:
        await self.session.delete(${names.singular})
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
