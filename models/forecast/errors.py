"""Errors and warnings raised while turning forecasts and configuration into an instance."""

from __future__ import annotations


class ForecastInputError(ValueError):
    """A forecast, configuration or workload input breaks a rule.

    The message names the file, the plant, key or row and the time where it
    applies, and the rule that was broken; the command line prints it and exits 2.
    """


class ForecastInputWarning(UserWarning):
    """An input was repaired (for example a short NaN gap interpolated)."""
