## Managed by the service standard (copier update): what it renders is the team's.
"""${Titles}: one resource in the standard's shape (docs/standard/adding-a-resource.md)."""
