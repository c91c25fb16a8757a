# Managed by the service standard (copier update): extend it from the modules beside core/.
"""The admin panel: what each page shows (views.py) and, with the `admin` answer, the panel itself."""
