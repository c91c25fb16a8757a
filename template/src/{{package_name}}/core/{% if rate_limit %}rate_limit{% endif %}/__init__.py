# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Per-client request limits: the limiter (app-scoped) and the dependencies enforcing it."""
