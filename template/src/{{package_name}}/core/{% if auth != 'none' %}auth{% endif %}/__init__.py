# Managed by the service standard (copier update): extend it from the modules beside core/.
"""Authentication and authorisation: who is calling, proved by any accepted scheme."""
