# Managed by the service standard (copier update): extend it from the modules beside core/.
"""The platform: owned and updated by the template. Local changes go in the extension modules."""
