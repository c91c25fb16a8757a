## Managed by the service standard (copier update): what it renders is the team's.
"""Typed dependencies the ${names.titles} router asks for."""

from typing import Annotated

from fastapi import Depends

from ${package}.core.dependencies import CacheDep, SessionDep
from ${package}.domains.${names.plural}.repository import ${Model}Repository
from ${package}.domains.${names.plural}.service import ${Model}Service


async def get_${names.singular}_service(session: SessionDep, cache: CacheDep) -> ${Model}Service:
    return ${Model}Service(${Model}Repository(session), cache)


${Model}ServiceDep = Annotated[${Model}Service, Depends(get_${names.singular}_service)]
