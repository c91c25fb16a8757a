# Managed by the service standard (copier update): the platform's own migrations.
"""The platform's tables, each feature on its own Alembic branch beside the service's."""
