"""Products: one resource in the standard's shape (docs/standard/adding-a-resource.md)."""
