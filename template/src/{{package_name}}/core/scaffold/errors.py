# Managed by the service standard (copier update): extend it from the modules beside core/.
"""The one error the generator raises: bad input, found before anything is written."""


class ScaffoldError(ValueError):
    """What is wrong with the command's input; the CLI prints it and exits 2."""
