"""Shared fixtures: the committed sample dataset, loaded once per session."""

from __future__ import annotations

import os
import shutil
import sys
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


# --------------------------------------------------------------------------- Spark

SPARK_INSTALL = "apt-get install -y openjdk-17-jre-headless  (or: make sysdeps, as root)"


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def _say(request, text: str) -> None:
    """Write one line to the terminal, past pytest's output capture."""
    capman = request.config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled():
        sys.stderr.write(f"\n[spark] {text}\n")
        sys.stderr.flush()


@pytest.fixture(scope="session")
def spark(request, tmp_path_factory):
    """A local SparkSession on loopback, quiet, UTC, started once per test session.

    Its catalog's warehouse (tables written with ``saveAsTable``) is a temporary folder.
    """
    if _java() is None:
        pytest.fail(f"Spark needs Java, which is missing; install: {SPARK_INSTALL}", pytrace=False)
    from pyspark.sql import SparkSession

    _say(request, "starting a local Spark session (local[2]) ...")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("workbench-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
