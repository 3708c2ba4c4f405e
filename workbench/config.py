"""Paths and project-wide defaults, owned in one place.

Paths are relative to the project root (the folder holding ``pyproject.toml``) when the
package runs from a checkout, and to the current working directory otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "SAMPLE_DIR",
    "REPORTS_DIR",
    "NOTEBOOKS_DIR",
    "REPORT_NOTEBOOKS_DIR",
    "EXPLORE_NOTEBOOKS_DIR",
    "DEFAULT_LANG",
    "LANGS",
    "project_root",
]

LANGS = ("en", "zh")
DEFAULT_LANG = "en"


def project_root() -> Path:
    """Return the project root.

    ``WORKBENCH_ROOT`` wins; else the checkout holding this package (a folder with
    ``pyproject.toml`` and ``notebooks/``); else the current working directory.

    Returns
    -------
    pathlib.Path
        The absolute project root.
    """
    env = os.environ.get("WORKBENCH_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists() and (here / "notebooks").is_dir():
        return here
    return Path.cwd().resolve()


PROJECT_ROOT = project_root()
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORT_NOTEBOOKS_DIR = NOTEBOOKS_DIR / "reports"
EXPLORE_NOTEBOOKS_DIR = NOTEBOOKS_DIR / "explore"
