## Managed by the service standard (copier update): what it renders is the team's.
"""${Titles}: written by `new domain`, now the team's to change."""
