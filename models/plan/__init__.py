"""Plan tables, key figures, independent checks and the plan folder's files."""
