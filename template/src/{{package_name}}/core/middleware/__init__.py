# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Pure ASGI middleware, one module each; `stack.platform_middleware` orders them.

Nothing is imported here: `core.problems` imports `request_id`, and the modules
that answer with problems import `core.problems`.
"""
