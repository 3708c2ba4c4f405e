"""Lazy sources for order logs too big for pandas: DuckDB, Parquet and Spark.

:func:`workbench.load.load` reads a whole dataset into pandas, which is right for the
customers, contacts and other small tables, and for order logs of a few million lines. For
bigger logs, :func:`scan` returns the orders as a *lazy* native frame (a DuckDB relation, a
Polars LazyFrame or a PySpark DataFrame) that nothing has read yet. The narwhals functions of
:mod:`workbench.metrics` (``customer_summary``, ``sales_report``, ``cohort_retention``) take
such a frame, build their query on it and return another lazy frame; the engine runs the
whole transaction-level query, and only the per-customer (or per-period) result comes back
to Python with :func:`collect`::

    from workbench.metrics import customer_summary
    from workbench.scan import collect, scan

    orders = scan("warehouse/", memory_limit="6GB", temp_directory="/var/tmp/duckdb")
    summary = collect(customer_summary(orders, as_of="2026-06-30"))   # pandas, 1 row/customer

Sources
-------
``scan(source, table="orders", engine=...)``:

- a folder holding ``orders.parquet`` or a folder ``orders/`` of Parquet files (read with
  DuckDB's ``read_parquet``; hive-style partition folders such as ``orders/year=2025/`` are
  read as columns);
- one Parquet file, or a glob such as ``"logs/*.parquet"``;
- a DuckDB database file (``*.duckdb``): the table, attached read-only to an in-memory
  connection that carries the settings below;
- with ``engine="spark"``: the same Parquet folder, file or glob through ``spark.read.parquet``;
- ``"spark:NAME"``: the table ``NAME`` of the Spark catalog (Hive metastore, Unity, Glue...);
- with ``engine="polars"``: Parquet through ``polars.scan_parquet``.

The files must already use the data model's column names (``customer_id``, ``order_date``,
``amount``...; see ``docs/data_model.md``); otherwise pass ``customer_col=...`` and the other
``*_col`` parameters to the metrics.

Out of core
-----------
DuckDB runs the aggregation in parallel and spills to disk when it needs more than its
memory limit, so an order log larger than RAM still summarises. :func:`connect` makes the
connection with a ``memory_limit`` (default ``WORKBENCH_DUCKDB_MEMORY`` from the
environment, else DuckDB's own default of 80% of RAM), a ``temp_directory`` for the spill
files (default ``WORKBENCH_DUCKDB_TEMP``, else DuckDB's ``<database>.tmp``) and a number of
``threads`` (default ``WORKBENCH_DUCKDB_THREADS``, else one per core). Insertion order is
not preserved (the metrics sort their results), which lets DuckDB stream more.
"""

from __future__ import annotations

import glob as _glob
import os
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from workbench.load import SourceError

__all__ = [
    "ENV_MEMORY_LIMIT",
    "ENV_TEMP_DIRECTORY",
    "ENV_THREADS",
    "SPARK_PREFIX",
    "connect",
    "duckdb_settings",
    "scan",
    "collect",
]

#: Environment variable with the default DuckDB memory limit (``"6GB"``, ``"75%"``...).
ENV_MEMORY_LIMIT = "WORKBENCH_DUCKDB_MEMORY"
#: Environment variable with the default DuckDB spill folder.
ENV_TEMP_DIRECTORY = "WORKBENCH_DUCKDB_TEMP"
#: Environment variable with the default number of DuckDB threads.
ENV_THREADS = "WORKBENCH_DUCKDB_THREADS"
#: A source starting with this prefix names a table of the Spark catalog.
SPARK_PREFIX = "spark:"

_ENGINES = ("duckdb", "spark", "polars")


def connect(
    database: str | Path = ":memory:",
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
) -> Any:
    """Open a DuckDB connection set up for out-of-core work.

    Parameters
    ----------
    database : str or pathlib.Path, default ":memory:"
        A DuckDB database file, or ``":memory:"`` for Parquet sources.
    read_only : bool, default False
        Open the database file read-only (several processes may then read it at once).
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (``"6GB"``, ``"512MB"``, ``"50%"``). Beyond it, sorts,
        joins and aggregations spill to ``temp_directory``. Default: the environment
        variable ``WORKBENCH_DUCKDB_MEMORY``, else DuckDB's default (80% of RAM).
    temp_directory : str or pathlib.Path, optional
        Folder for spill files (created by DuckDB if missing). Default:
        ``WORKBENCH_DUCKDB_TEMP``, else DuckDB's default.
    threads : int, optional
        Worker threads. Default: ``WORKBENCH_DUCKDB_THREADS``, else one per core.

    Returns
    -------
    duckdb.DuckDBPyConnection
        The connection, with ``preserve_insertion_order`` off.

    Raises
    ------
    SourceError
        If the database file cannot be opened or a setting is invalid.

    Examples
    --------
    >>> con = connect(memory_limit="256MB", threads=1)
    >>> duckdb_settings(con)["threads"]
    '1'
    >>> con.close()
    """
    import duckdb

    config: dict[str, Any] = {"preserve_insertion_order": False}
    memory_limit = memory_limit or os.environ.get(ENV_MEMORY_LIMIT) or None
    temp_directory = temp_directory or os.environ.get(ENV_TEMP_DIRECTORY) or None
    threads = threads or int(os.environ.get(ENV_THREADS) or 0) or None
    if memory_limit:
        config["memory_limit"] = str(memory_limit)
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    if threads:
        config["threads"] = int(threads)
    try:
        return duckdb.connect(str(database), read_only=read_only, config=config)
    except duckdb.Error as exc:
        what = "DuckDB" if database == ":memory:" else f"DuckDB database {Path(database).name}"
        raise SourceError(
            f"cannot open {what} with {config}: {exc}; check the file and the settings "
            "(memory_limit like '6GB', threads a positive integer)"
        ) from None


def duckdb_settings(con: Any) -> dict[str, str]:
    """Return the out-of-core settings in force on a DuckDB connection.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection (from :func:`connect`, or the one behind a relation of :func:`scan`).

    Returns
    -------
    dict of str to str
        ``memory_limit``, ``temp_directory``, ``threads`` and ``preserve_insertion_order``
        as DuckDB reports them (``current_setting``).

    Examples
    --------
    >>> con = connect(memory_limit="1GB")
    >>> duckdb_settings(con)["memory_limit"]  # doctest: +SKIP
    '953.6 MiB'
    >>> con.close()
    """
    keys = ("memory_limit", "temp_directory", "threads", "preserve_insertion_order")
    row = con.execute(
        "select " + ", ".join(f"current_setting('{k}')::varchar" for k in keys)
    ).fetchone()
    return dict(zip(keys, row, strict=True))


def _parquet_paths(source: str | Path, table: str) -> str:
    """Resolve a folder, file or glob to what ``read_parquet`` takes; raise if nothing is there."""
    text = str(source)
    if any(ch in text for ch in "*?["):
        if not _glob.glob(text, recursive=True):
            raise SourceError(f"no Parquet file matches {text}; check the pattern")
        return text
    path = Path(source)
    if not path.exists():
        raise SourceError(
            f"source {path} does not exist; give a folder with {table}.parquet or {table}/, "
            "a Parquet file, a .duckdb file or spark:TABLE"
        )
    if path.is_file():
        if path.suffix.lower() != ".parquet":
            raise SourceError(
                f"{path.name} is not a Parquet file; scan() reads Parquet and DuckDB files "
                "(use workbench.load.load for CSV and Excel)"
            )
        return str(path)
    single, folder = path / f"{table}.parquet", path / table
    if single.is_file() and folder.is_dir():
        raise SourceError(
            f"table {table} is both {single.name} and the folder {table}/ in {path}; keep one"
        )
    if single.is_file():
        return str(single)
    if folder.is_dir():
        if not any(folder.rglob("*.parquet")):
            raise SourceError(f"{folder} holds no .parquet file; write the {table} there")
        return str(folder / "**" / "*.parquet")
    others = sorted(p.name for p in path.glob(f"{table}.*"))
    hint = (
        f'; {", ".join(others)} is not Parquet: convert it (e.g. duckdb -c "copy (from '
        f"'{others[0]}') to '{table}.parquet'\") or read it with workbench.load.load"
        if others
        else ""
    )
    raise SourceError(f"{path} has no {table}.parquet and no folder {table}/{hint}")


def _spark_session(spark: Any) -> Any:
    if spark is not None:
        return spark
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SourceError(
            "engine='spark' needs pyspark: pip install 'customer-workbench[spark]' "
            "(or pip install pyspark)"
        ) from exc
    return (
        SparkSession.getActiveSession() or SparkSession.builder.appName("workbench").getOrCreate()
    )


def _duckdb_table(
    path: Path,
    table: str,
    memory_limit: str | None,
    temp_directory: str | Path | None,
    threads: int | None,
    connection: Any,
) -> Any:
    """Attach a DuckDB file read-only to a fresh in-memory connection and return the table.

    Attaching (rather than opening the file itself) lets several scans of the same file in
    one process use different settings, which DuckDB refuses for two direct connections.
    """
    import duckdb

    if not path.is_file():
        raise SourceError(f"DuckDB database {path} does not exist")
    con = connection or connect(
        memory_limit=memory_limit, temp_directory=temp_directory, threads=threads
    )
    alias = "wb_source_" + format(abs(hash((str(path.resolve()), table))) % 10**8, "08d")
    quoted = str(path).replace("'", "''")
    try:
        con.execute(f"attach if not exists '{quoted}' as {alias} (read_only)")
    except duckdb.Error as exc:
        raise SourceError(f"{path.name} is not a readable DuckDB database: {exc}") from None
    listed = [
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "union all select view_name from duckdb_views() where database_name = ?",
            [alias, alias],
        ).fetchall()
    ]
    if table not in listed:
        raise SourceError(
            f"{path.name} has no table {table!r}; it has: {', '.join(sorted(listed)) or '(none)'}"
        )
    name = table.replace('"', '""')
    return con.table(f'{alias}.main."{name}"')


def scan(
    source: str | Path,
    *,
    table: str = "orders",
    engine: Literal["duckdb", "spark", "polars"] = "duckdb",
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
    connection: Any = None,
    spark: Any = None,
) -> Any:
    """Open one table of a big source as a lazy frame, without reading it.

    Parameters
    ----------
    source : str or pathlib.Path
        A folder with ``<table>.parquet`` or ``<table>/*.parquet``; a Parquet file or glob;
        a DuckDB file (``*.duckdb``); or ``"spark:NAME"`` for a table of the Spark catalog.
    table : str, default "orders"
        Table to open (the file or folder stem, or the DuckDB table name).
    engine : {"duckdb", "spark", "polars"}, default "duckdb"
        Engine for Parquet sources. A ``.duckdb`` file always uses DuckDB, a ``spark:``
        source always Spark.
    memory_limit, temp_directory, threads
        DuckDB out-of-core settings; see :func:`connect`. Ignored by the other engines
        (configure Spark through its session, e.g. ``spark.executor.memory``).
    connection : duckdb.DuckDBPyConnection, optional
        A DuckDB connection to read Parquet with instead of a new one (its settings stay).
    spark : pyspark.sql.SparkSession, optional
        The session for Spark sources (default: the active one, else a new local one).

    Returns
    -------
    duckdb.DuckDBPyRelation or polars.LazyFrame or pyspark.sql.DataFrame
        A lazy frame that narwhals accepts; :mod:`workbench.metrics` functions return
        the same kind. Nothing is read until :func:`collect` (or the engine's own
        ``.df()``, ``.collect()``, ``.toPandas()``).

    Raises
    ------
    SourceError
        If the source or the table does not exist, is not Parquet/DuckDB, or the engine
        is unknown.

    Examples
    --------
    >>> import tempfile
    >>> from workbench.sample import write_orders_parquet
    >>> from workbench.metrics import customer_summary
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = write_orders_parquet(Path(d) / "orders.parquet", 2000, seed=3)
    ...     lazy = customer_summary(scan(d, threads=1), as_of="2026-06-30")
    ...     summary = collect(lazy)
    >>> type(lazy).__name__, summary.columns[0], summary["customer_id"].is_unique
    ('DuckDBPyRelation', 'customer_id', True)
    """
    text = str(source)
    if text.startswith(SPARK_PREFIX):
        name = text[len(SPARK_PREFIX) :].strip()
        if not name:
            raise SourceError("spark: needs a table name, e.g. spark:sales.orders")
        session = _spark_session(spark)
        try:
            return session.table(name)
        except Exception as exc:  # AnalysisException: table or view not found
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(
                f"Spark has no table {name!r} ({first}); list them with "
                "spark.catalog.listTables() or give a Parquet path with engine='spark'"
            ) from None
    if engine not in _ENGINES:
        raise SourceError(f"engine={engine!r} is not one of {', '.join(map(repr, _ENGINES))}")
    path = Path(source)
    if path.suffix.lower() == ".duckdb":
        return _duckdb_table(path, table, memory_limit, temp_directory, threads, connection)
    paths = _parquet_paths(source, table)
    if engine == "spark":
        session = _spark_session(spark)
        if "**" in paths:  # Spark reads a folder recursively by itself
            paths = str(Path(paths).parent.parent)
        return session.read.parquet(paths)
    if engine == "polars":
        import polars as pl

        return pl.scan_parquet(paths, hive_partitioning="**" in paths)
    con = connection or connect(
        memory_limit=memory_limit, temp_directory=temp_directory, threads=threads
    )
    return con.read_parquet(paths, hive_partitioning="**" in paths)


def collect(frame: Any) -> pd.DataFrame:
    """Run a lazy frame and return the result as a pandas DataFrame.

    Call it on the (small) result of a metric, not on the order log itself.

    Parameters
    ----------
    frame : lazy or eager native frame
        A DuckDB relation, Polars LazyFrame/DataFrame, PySpark DataFrame or pandas
        DataFrame (returned as it is).

    Returns
    -------
    pandas.DataFrame
        The rows, with a fresh RangeIndex.

    Examples
    --------
    >>> import duckdb
    >>> collect(duckdb.sql("select 1 as x")).to_dict("list")
    {'x': [1]}
    """
    import narwhals as nw

    if isinstance(frame, pd.DataFrame):
        return frame
    nwf = nw.from_native(frame)
    if isinstance(nwf, nw.LazyFrame):
        nwf = nwf.collect(backend="pyarrow")
    return nwf.to_pandas().reset_index(drop=True)
