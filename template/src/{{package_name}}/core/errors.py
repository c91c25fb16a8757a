# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Domain exception bases; `core.exception_handlers` maps each to an HTTP status.

Services raise these (or subclasses) and never `HTTPException`, so domain code
stays free of the web layer.
"""


class DomainError(Exception):
    """A failure the caller can act on; `detail` is safe to show to clients."""

    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class AuthenticationError(DomainError):
    """No accepted credential was supplied; `challenges` name the schemes that would be."""

    def __init__(self, detail: str, challenges: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.challenges = challenges


class NotFoundError(DomainError):
    title = "Not found"


class ConflictError(DomainError):
    title = "Conflict"


class PermissionDeniedError(DomainError):
    title = "Forbidden"


class UnavailableError(DomainError):
    title = "Service unavailable"
