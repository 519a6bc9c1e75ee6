"""Suandian's Dagster code location (``pipelines.definitions.defs``).

Every computation lives in ``models/``; this package only wires it into
partitioned assets, checks, a job, a schedule and a sensor.
"""

import warnings

import dagster as dg

# Partitioned asset checks are a 1.13 preview; without partitions_def a check
# would load every partition of its asset.
warnings.filterwarnings(
    "ignore", category=dg.PreviewWarning, message=".*partitions_def on an AssetCheckSpec"
)
