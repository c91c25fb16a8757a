# Managed by the service standard (copier update): extend it from the modules beside core/.
"""`new domain`: writes a resource in the standard's shape; what it writes is the team's."""
