"""Products: the example domain. Copy its shape for each new resource."""
