"""Plan tables, key figures, independent checks and atomic output writing."""
