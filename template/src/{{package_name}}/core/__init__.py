"""The platform: owned and updated by the template. Local changes go in the extension modules."""
