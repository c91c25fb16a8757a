## Managed by the service standard (copier update): what it renders is the team's.
"""What can go wrong with ${names.titles}, in domain terms."""

import uuid

from ${package}.core.errors import ConflictError, NotFoundError


class ${Model}NotFoundError(NotFoundError):
    def __init__(self, ${id_name}: uuid.UUID) -> None:
        super().__init__(f"${Title} {${id_name}} does not exist.")
% if uniques:


class Duplicate${Model}Error(ConflictError):
    def __init__(self, field: str) -> None:
        super().__init__(f"Another ${names.title} already has this {field}.")
% endif
% if refs:


class ${Model}ReferenceError(ConflictError):
    def __init__(self, field: str) -> None:
        super().__init__(f"The {field} of this ${names.title} names nothing that exists.")
% endif


class ${Model}InUseError(ConflictError):
    def __init__(self, ${id_name}: uuid.UUID) -> None:
        super().__init__(f"${Title} {${id_name}} is still referred to, so it stays.")
