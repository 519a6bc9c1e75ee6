"""Where the shipped configuration is read from and where local files go.

In a checkout (also an editable install) the default configuration is the
repository's ``data/`` folder (``qingyang.toml``, ``workloads/``) and run
outputs and the inbox live beside it, in ``data/runs/`` and ``data/inbox/``
(git-ignored). A regular ``pip install .`` has no repository: the wheel carries
the same configuration as the package data ``models/_data/`` (pyproject maps
``data/`` there, so git keeps one copy), and local files go under ``./data/``
of the current directory unless the ``SUANDIAN_*`` settings move them.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: the package-data folder the wheel ships ``data/`` as (see ``[tool.setuptools.package-dir]``)
PACKAGE_DATA = "_data"


def checkout() -> Path | None:
    """The repository the running code belongs to, or None for an installed wheel.

    A checkout is recognised by its ``pyproject.toml`` beside the ``models``
    package; site-packages has none.
    """
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def shipped_data() -> Path:
    """The folder of the default configuration: ``qingyang.toml`` and ``workloads/``.

    The checkout's ``data/`` wins, so edits there take effect without a
    re-install; otherwise the wheel's package data, read through
    ``importlib.resources`` (pip unpacks wheels, so it is a real folder and the
    configuration's relative paths resolve against it).
    """
    root = checkout()
    if root is not None:
        return root / "data"
    return Path(files("models").joinpath(PACKAGE_DATA))


def local_data() -> Path:
    """The folder run outputs (``runs/``) and the inbox (``inbox/``) default to.

    The checkout's ``data/``; for an installed wheel ``data/`` under the
    current directory (Dagster's run workers inherit it from the process that
    loads the code location), as an absolute path.
    """
    root = checkout()
    return root / "data" if root is not None else Path.cwd() / "data"
