"""Suandian domain code: instance contract, dispatch model, forecasts and plan tables.

Nothing here imports Dagster; ``pipelines`` wires these modules into assets.
"""
