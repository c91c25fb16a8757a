## Managed by the service standard (copier update): what it renders is the team's.
"""${Model} rules: ${rules}partial updates, not-found; raises domain errors only."""

${imports}


class ${Model}Service:
    def __init__(self, repository: ${Model}Repository, cache: Cache) -> None:
        self.repository = repository
        self.cache = cache

    async def get(self, ${id_name}: uuid.UUID) -> ${Model}:
        """The ${names.title}, or ${Model}NotFoundError."""
        ${names.singular} = await self.repository.get(${id_name})
        if ${names.singular} is None:
            raise ${Model}NotFoundError(${id_name})
        return ${names.singular}

    async def read(self, ${id_name}: uuid.UUID) -> ${Model}Read:
        """The ${names.title} as the API shows it, from the cache when there is one."""

        async def load() -> ${Model}Read:
            ${names.singular} = await self.repository.read(${id_name})
            if ${names.singular} is None:
                raise ${Model}NotFoundError(${id_name})
            return ${names.singular}

        return await self.cache.fetch(_cache_key(${id_name}), ${Model}Read, load)

    async def list(
        self, page: PageParams${filter_defaults}
    ) -> Paginated[${Model}Read]:
        """One page of ${names.titles}, oldest first, with the total across pages."""
        items, total = await self.repository.read_page(
            ${filter_passing}limit=page.limit, offset=page.offset
        )
        return Paginated(items=items, total=total, limit=page.limit, offset=page.offset)

    async def create(self, data: ${Model}Create) -> ${Model}:
        """A new ${names.title}${create_rule}."""
% if checks:
        await self._check(data.model_dump())
% endif
        ${names.singular} = ${Model}(**data.model_dump())
% if checks:
        try:
            await self.repository.add(${names.singular})
        except IntegrityError as exc:  # a concurrent request got there first
            raise ${conflict_error}(${conflict_argument}) from exc
% else:
        await self.repository.add(${names.singular})
% endif
        return ${names.singular}

    async def update(self, ${id_name}: uuid.UUID, data: ${Model}Update) -> ${Model}:
        """Apply the fields the client sent; the rest stay as they are."""
        ${names.singular} = await self.get(${id_name})
        # Before the change: no reader may cache the old row once it commits.
        await self.cache.invalidate(_cache_key(${id_name}))
        changes = data.changes()
% if checks:
        await self._check(changes, ${names.singular})
% endif
        for field, value in changes.items():
            setattr(${names.singular}, field, value)
% if checks:
        try:
            await self.repository.flush()
        except IntegrityError as exc:
            raise ${conflict_error}(${conflict_argument}) from exc
% else:
        await self.repository.flush()
% endif
        return ${names.singular}

    async def delete(self, ${id_name}: uuid.UUID) -> None:
        """Remove the ${names.title}, or ${Model}NotFoundError, or ${Model}InUseError."""
        ${names.singular} = await self.get(${id_name})
        await self.cache.invalidate(_cache_key(${id_name}))
        try:
            await self.repository.delete(${names.singular})
        except IntegrityError as exc:  # another table's row still points to it
            raise ${Model}InUseError(${id_name}) from exc
% if checks:

    async def _check(self, values: dict[str, object], current: ${Model} | None = None) -> None:
        """Refuse values another ${names.title} holds${refs_rule}."""
% for f in uniques:
        ${f.name} = values.get("${f.name}")
        if (
            isinstance(${f.name}, ${f.runtime_type})
            and (current is None or ${f.name} != current.${f.name})
            and await self.repository.${f.name}_exists(${f.name})
        ):
            raise Duplicate${Model}Error("${f.name}")
% endfor
% for f in refs:
        ${f.name} = values.get("${f.name}")
        if isinstance(${f.name}, uuid.UUID) and not await self.repository.${f.field.target.singular}_exists(${f.name}):
            raise ${Model}ReferenceError("${f.name}")
% endfor
% endif


def _cache_key(${id_name}: uuid.UUID) -> str:
    return f"${names.plural}:{${id_name}}"
