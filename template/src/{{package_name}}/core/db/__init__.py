"""Database plumbing: declarative base, engine, sessions and column types."""
