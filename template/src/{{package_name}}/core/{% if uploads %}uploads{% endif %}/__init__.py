# Managed by the service standard (copier update): extend it from the modules beside core/.
"""File uploads for the resources `uploads.py` lists: validated, streamed, stored (docs/standard/uploads.md)."""
