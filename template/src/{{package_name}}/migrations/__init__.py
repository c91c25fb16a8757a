"""Alembic migrations: `env.py` belongs to the template, `versions/` to the team."""
