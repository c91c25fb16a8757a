## Managed by the service standard (copier update): what it renders is the team's.
"""${Model} queries; returns ORM objects and leaves transactions to the unit of work."""

${imports}


def filtered(${filter_signature}) -> Select[${Model}]:
    statement = select(${Model})
% for f in filters:
    if ${f.name} is not None:
        statement = statement.where(${Model}.${f.name} == ${f.name})
% endfor
    return statement


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

    async def page(
        self, *, ${filter_keywords}limit: int, offset: int
    ) -> tuple[Sequence[${Model}], int]:
        statement = filtered(${filter_arguments})
        count = select(func.count()).select_from(statement.subquery())
        # The total rides along with the page: one statement, one round trip. It is a
        # scalar subquery, which the database computes once, as it would on its own.
        rows = (
            await self.session.execute(
                statement.add_columns(count.scalar_subquery())
                .order_by(${Model}.created_at, ${Model}.id)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        if rows:
            return [row[0] for row in rows], rows[0][1]
        return [], await self.session.scalar(count) or 0  # past the last page

    async def add(self, ${names.singular}: ${Model}) -> None:
        self.session.add(${names.singular})
        await self.session.flush()

    async def delete(self, ${names.singular}: ${Model}) -> None:
        await self.session.delete(${names.singular})
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()
