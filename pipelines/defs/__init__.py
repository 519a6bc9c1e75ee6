"""Dagster definitions of the Suandian code location, one module per kind."""
