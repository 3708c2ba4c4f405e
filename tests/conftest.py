"""Shared fixtures: the committed sample dataset, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    path = ROOT / "data" / "sample"
    assert (path / "orders.csv").exists(), "data/sample/ is missing: run `make sample`"
    return path


@pytest.fixture(scope="session")
def sample(sample_dir):
    from workbench.load import load

    return load(sample_dir)
