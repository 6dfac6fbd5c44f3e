"""Logic that is neither a model nor a view: one module per concern (see README)."""
