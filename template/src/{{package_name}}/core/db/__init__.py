# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Database plumbing: declarative base, engine, sessions and column types."""
