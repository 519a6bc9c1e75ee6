"""Stable random streams: the same (date, name) always gives the same numbers.

Python's ``hash()`` is salted per process, so seeds come from SHA-256 instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np


def stable_seed(day: dt.date, *names: str) -> int:
    """A 64-bit seed from the ISO date and names (plant id, data-centre id, ...)."""
    text = "|".join([day.isoformat(), *names])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")


def stable_rng(day: dt.date, *names: str) -> np.random.Generator:
    """A NumPy generator seeded by :func:`stable_seed`."""
    return np.random.default_rng(stable_seed(day, *names))


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary AR(1) path of unit variance: ``x[t] = phi*x[t-1] + sqrt(1-phi²)*e[t]``."""
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    scale = np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + scale * e[t]
    return x
