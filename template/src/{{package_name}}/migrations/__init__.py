# Managed by the service standard (copier update): your migrations go in versions/.
"""Alembic migrations: `env.py` belongs to the template, `versions/` to the team."""
