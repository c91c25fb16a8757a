"""Fixtures for the whole suite (owned by the team).

The platform's fixtures (`settings`, `app`, `client`, `session`, ...) come from
`tests/core/fixtures.py`; add the service's own below.
"""

pytest_plugins = ["tests.core.fixtures"]
