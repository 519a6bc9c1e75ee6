"""Fixtures of the pipeline tests (defined in ``pipeline_support``, a uniquely named module)."""

from pipeline_support import assemble_returns, dagster_home, runs_dir

__all__ = ["assemble_returns", "dagster_home", "runs_dir"]
