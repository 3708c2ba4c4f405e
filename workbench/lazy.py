"""Datasets whose order log stays in an engine: DuckDB, Polars or Spark.

:func:`workbench.load.load` reads every table into pandas. :func:`open_dataset` builds the
same :class:`workbench.dataset.Dataset` for order logs too big for that: the order log
stays in its engine as a lazy frame (a DuckDB relation, a Polars LazyFrame or a PySpark
DataFrame) and only the small tables (customers, products, follow-ups...) come into
pandas::

    from workbench.lazy import open_dataset
    from workbench.metrics import customer_summary
    from workbench.scan import collect

    ds = open_dataset("spark:sales", engine="spark")          # sales.orders, sales.customers...
    summary = collect(customer_summary(ds.orders, as_of="2026-06-30"))

Validation
----------
The small tables are validated by :func:`workbench.validate.check` exactly as ``load``
validates them (policy ``"quarantine"``). The orders are validated in the engine, with one
narwhals code path for the three engines:

1. the schema first: the required columns (``order_id``, ``customer_id``, ``order_date``,
   ``amount``) must be there, dates must be dates or timestamps, amounts, costs and
   quantities numbers, ``is_return`` a boolean, ``line_no`` whole numbers. Integer ids
   become text; ``line_no`` defaults to 1 and ``is_return`` to False when absent. Text
   is not parsed in the engine: a date or number stored as text stops with
   :class:`workbench.validate.ValidationError` naming the column and the fix.
2. the row rules, as engine expressions: a required value missing
   (``missing_value``), a repeated (``order_id``, ``line_no``) (``duplicate_key``), a
   negative quantity or amount on a line not marked as a return (``negative_not_return``),
   an order after ``as_of`` (``future_date``), a ``customer_id`` that is not a *valid*
   customer (``unknown_customer``), a ``product_id`` that is not a valid product when the
   source has products (``unknown_reference``). The valid ids go to the engine: up to
   10,000 as an ``is_in`` list, more as a frame joined there (a temporary table on the
   DuckDB connection of the orders, ``spark.createDataFrame``, a Polars LazyFrame).
3. the rejected lines (expected to be few) are collected, once, into
   ``Dataset.quarantine["orders"]`` with ``_row`` (null: a table in an engine has no row
   numbers) and ``_problem`` (``column: what; fix`` as ``load`` writes it), and each
   is reported as a :class:`workbench.validate.Problem` naming the order and line
   instead of a row (100 per column and rule, then one summing up the rest, as
   ``load`` does).
4. ``Dataset.orders`` is the lazy frame of the lines that pass every rule: nothing of it
   is collected, and every query on it runs the rules again. To keep that cheap it does
   not repeat the window that finds repeated keys: it anti-joins the repeated keys found
   in step 3, so the source must not change while the dataset is in use.

Differences from ``load``: an engine keeps no row order, so *every* line of a repeated
(``order_id``, ``line_no``) is set aside (``load`` keeps the first); when the orders have
no ``line_no`` every line gets 1 (``load`` numbers the lines of an order 1..n in file
order), so (``order_id``, ``line_no``) is then not checked for repeats, as in ``load``;
ids are not trimmed (trimming every id of a big log doubles the cost of each query), so
an id with stray spaces is an unknown customer, shown with its spaces; text dates and
numbers are not parsed. The quarantined lines show the values after normalisation (ids
as text, ``order_date`` as a timestamp), not the raw text of a file. A small table of a
Spark database is read sorted by its key (a Spark table has no row order), and record
numbers in its problems count in that order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import narwhals as nw
import numpy as np
import pandas as pd

from workbench.dataset import Dataset
from workbench.load import SourceError, _apply_mapping, _duckdb_tables, _folder_tables
from workbench.mapping import as_mapping
from workbench.scan import SPARK_PREFIX, _spark_session, connect, scan
from workbench.schema import TABLES
from workbench.validate import (
    _CAP,
    RULES,
    Origin,
    Problem,
    ValidationError,
    _table_problem,
    check,
)

__all__ = [
    "ENGINES",
    "open_dataset",
    "is_lazy",
    "columns",
    "n_rows",
    "to_engine",
    "last_order_date",
]

#: The engines an order log can stay in.
ENGINES = ("duckdb", "polars", "spark")

_ORDERS = TABLES["orders"]
_KEY = list(_ORDERS.key)  # order_id, line_no
_SMALL = [name for name in TABLES if name != "orders"]
_BAD = "_wb_bad"
_IN_LIST_MAX = 10_000  # valid ids sent as an is_in list; more are joined


class _NoBar:
    """Stands in for the progress bar the loaders update."""

    def set_postfix_str(self, text: str) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass


@dataclass(frozen=True)
class _Rule:
    flag: str  # boolean column in the engine
    column: str  # column named in the problem
    rule: str  # id in RULES
    joined: bool = False  # needs a window or a join, not just the line


# --------------------------------------------------------------------------- helpers


def is_lazy(frame: Any) -> bool:
    """Whether ``frame`` is an engine's frame rather than a pandas DataFrame.

    Parameters
    ----------
    frame : object
        A table of a :class:`~workbench.dataset.Dataset`.

    Returns
    -------
    bool
        True for anything that is not a :class:`pandas.DataFrame` (a DuckDB relation, a
        Polars LazyFrame or DataFrame, a PySpark DataFrame).

    Examples
    --------
    >>> import duckdb
    >>> is_lazy(pd.DataFrame({"x": [1]})), is_lazy(duckdb.sql("select 1 as x"))
    (False, True)
    """
    return not isinstance(frame, pd.DataFrame)


def columns(frame: Any) -> list[str]:
    """Column names of a pandas or engine frame, without reading any row.

    Parameters
    ----------
    frame : pandas.DataFrame or lazy frame
        A pandas DataFrame, DuckDB relation, Polars (Lazy)Frame or PySpark DataFrame.

    Returns
    -------
    list of str
        The names, in order.

    Examples
    --------
    >>> import polars as pl
    >>> columns(pl.LazyFrame({"order_id": ["O1"], "amount": [2.0]}))
    ['order_id', 'amount']
    >>> columns(pd.DataFrame({"customer_id": ["C1"]}))
    ['customer_id']
    """
    if isinstance(frame, pd.DataFrame):
        return [str(c) for c in frame.columns]
    return list(nw.from_native(frame).collect_schema().names())


def n_rows(frame: Any) -> int:
    """Number of rows: ``len`` for pandas, a count run in the engine otherwise.

    Parameters
    ----------
    frame : pandas.DataFrame or lazy frame
        A pandas DataFrame, DuckDB relation, Polars (Lazy)Frame or PySpark DataFrame.

    Returns
    -------
    int
        The rows. For a lazy frame this runs its whole query (e.g. the validation of
        :func:`open_dataset`) and brings back one number.

    Examples
    --------
    >>> import duckdb
    >>> n_rows(duckdb.sql("select * from range(5)")), n_rows(pd.DataFrame({"x": [1, 2]}))
    (5, 2)
    """
    if isinstance(frame, pd.DataFrame):
        return len(frame)
    nwf = nw.from_native(frame)
    if isinstance(nwf, nw.DataFrame):
        return len(nwf)
    return int(nwf.select(nw.len()).collect().item())


def _duckdb_connection(relation: Any) -> Any:
    """The connection a DuckDB relation runs on (DuckDB has no public accessor)."""
    con = getattr(relation, "_con", None)
    if con is None:
        raise TypeError(
            "cannot find the DuckDB connection of this relation (this duckdb version does "
            "not expose it); pass connection=... to to_engine"
        )
    return con


def to_engine(frame: pd.DataFrame, *, like: Any, connection: Any = None) -> Any:
    """Send a small pandas frame to the engine of ``like``, to join it there.

    Parameters
    ----------
    frame : pandas.DataFrame
        A small table (product categories, valid customer ids...).
    like : pandas.DataFrame or lazy frame
        A frame of the engine to send it to: a DuckDB relation (the frame lands on the
        same connection, as a temporary table), a Polars LazyFrame, a PySpark DataFrame
        (``like.sparkSession.createDataFrame``), or a pandas DataFrame (``frame`` is
        returned as it is).
    connection : duckdb.DuckDBPyConnection, optional
        For DuckDB: the connection of ``like``, if known (default: found from ``like``).

    Returns
    -------
    pandas.DataFrame or lazy frame
        ``frame`` as a frame of that engine, which narwhals can join with ``like``.

    Examples
    --------
    >>> import duckdb
    >>> orders = duckdb.connect().sql("select 'P1' as product_id, 2.5::double as amount")
    >>> cats = pd.DataFrame({"product_id": ["P1"], "category": ["toner"]})
    >>> joined = nw.from_native(orders).join(
    ...     nw.from_native(to_engine(cats, like=orders)), on="product_id")
    >>> joined.collect().to_pandas().to_dict("records")
    [{'product_id': 'P1', 'amount': 2.5, 'category': 'toner'}]
    """
    if isinstance(like, pd.DataFrame):
        return frame
    impl = nw.from_native(like).implementation
    if impl.is_duckdb():
        import pyarrow as pa

        con = connection if connection is not None else _duckdb_connection(like)
        name = "_wb_" + uuid.uuid4().hex[:16]
        con.register(name + "_in", pa.Table.from_pandas(frame, preserve_index=False))
        try:
            # a temporary table: never written into the user's database file
            con.execute(f"create temp table {name} as select * from {name}_in")
        finally:
            con.unregister(name + "_in")
        return con.table(name)
    if impl.is_polars():
        import polars as pl

        return pl.from_pandas(frame).lazy()
    if impl.is_pyspark() or impl.is_pyspark_connect():
        session = like.sparkSession
        plain = frame.copy()
        for col in plain.columns:  # plain Python strings for every Spark conversion path
            if pd.api.types.is_string_dtype(plain[col].dtype):
                plain[col] = plain[col].astype(object).where(plain[col].notna(), None)
        return session.createDataFrame(plain, schema=_spark_schema(frame))
    raise TypeError(f"to_engine: cannot send a frame to the engine of {type(like).__name__}")


def _spark_schema(frame: pd.DataFrame) -> str:
    """A Spark DDL schema for a small pandas frame (so empty frames keep their types)."""
    out = []
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kind = "boolean"
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "bigint"
        elif pd.api.types.is_float_dtype(dtype):
            kind = "double"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kind = "timestamp_ntz"
        else:
            kind = "string"
        out.append(f"`{str(col).replace('`', '``')}` {kind}")
    return ", ".join(out)


# --------------------------------------------------------------------------- sources


def _spark_tables(db: str, session: Any) -> dict[str, str]:
    """Data-model table -> Spark name, for the tables database ``db`` has ("" = current)."""
    catalog = session.catalog
    if db:
        if not catalog.databaseExists(db):
            raise SourceError(
                f"Spark has no database {db!r}; list them with spark.catalog.listDatabases(), "
                f"or write the tables there (df.write.saveAsTable('{db}.orders'))"
            )
        listed = catalog.listTables(db)
    else:
        listed = catalog.listTables()
    found: dict[str, str] = {}
    for t in listed:
        namespace = list(getattr(t, "namespace", None) or [])
        if db and t.isTemporary and (not namespace or namespace[-1] != db):
            continue  # a session's temporary view, not a table of db
        name = t.name.lower()
        if name in TABLES and name not in found:
            found[name] = f"{db}.{t.name}" if db else t.name
    return found


def _spark_source(
    db: str, spark: Any
) -> tuple[Any, dict[str, pd.DataFrame], dict[str, Origin], str, str]:
    session = _spark_session(spark)
    label = f"{SPARK_PREFIX}{db}"
    where = f"Spark database {db!r}" if db else "the current Spark database"
    found = _spark_tables(db, session)
    for required in ("orders", "customers"):
        if required not in found:
            has = ", ".join(sorted(found)) or "no table of the data model"
            raise SourceError(
                f"{where} has no {required} table (required; it has: {has}); write it there, "
                f"e.g. df.write.saveAsTable('{db + '.' if db else ''}{required}')"
            )
    orders = scan(SPARK_PREFIX + found["orders"], spark=session)
    m = as_mapping(None)
    raw, origins = {}, {}
    for name in _SMALL:
        if name not in found:
            continue
        table = session.table(found[name])
        key = list(TABLES[name].key)
        if {k.lower() for k in key} <= {c.lower() for c in table.columns}:
            table = table.orderBy(*key)  # a Spark table has no row order: number it by key
        df = table.toPandas()
        file = SPARK_PREFIX + found[name]
        origins[name] = Origin(file, "record", None, None, tuple(map(str, df.columns)))
        raw[name] = _apply_mapping(df, m.get(name), file, m.origin)
    return orders, raw, origins, label, SPARK_PREFIX + found["orders"]


# --------------------------------------------------------------------------- schema


def _schema_problem(where: str, column: str, rule: str, what: str, fix: str) -> Problem:
    return _table_problem("orders", Origin(where, "record"), rule, column, what, fix)


def _text_expr(name: str) -> Any:
    """The column as text with empty strings as missing, as load reads blanks.

    Unlike ``load``, ids are not trimmed: trimming every id of a big log doubles the cost
    of each query on it. An id with stray spaces then matches no customer or product and
    is reported (``unknown_customer``) with its value quoted, spaces shown.
    """
    return nw.when(nw.col(name) != "").then(nw.col(name)).alias(name)


def _normalise(lf: nw.LazyFrame, where: str) -> tuple[nw.LazyFrame, bool]:
    """Check the orders' schema and give them the data model's names and types.

    Returns the normalised frame and whether ``line_no`` was defaulted.
    """
    names = list(lf.collect_schema().names())
    ours = {c.lower(): c for c in _ORDERS.column_names}
    renames: dict[str, str] = {}
    for name in names:
        target = ours.get(name.strip().lower())
        if target and target != name:
            if target in names or target in renames.values():
                raise SourceError(
                    f"{where}: columns {name!r} and {target!r} both give column {target} of "
                    "orders; drop or rename one of them"
                )
            renames[name] = target
    if renames:
        lf = lf.rename(renames)
    schema = lf.collect_schema()
    names = list(schema.names())
    absent = [c for c in _ORDERS.required_columns if c not in names]
    if absent:
        found = ", ".join(names) or "(none)"
        raise ValidationError(
            _schema_problem(
                where,
                col,
                "missing_column",
                f"required column {col} is missing (the columns are: {found})",
                f"add the column {col} to the order log, or rename the column holding it to {col}",
            )
            for col in absent
        )
    exprs, problems = [], []
    for col in _ORDERS.columns:
        if col.name not in names:
            continue
        dtype, c = schema[col.name], nw.col(col.name)
        shown = f"is stored as {dtype}"
        if col.dtype == "str":
            if dtype == nw.String:
                exprs.append(_text_expr(col.name))
            elif dtype.is_integer() or dtype in (nw.Categorical, nw.Enum, nw.Unknown):
                exprs.append(c.cast(nw.String).alias(col.name))
            else:
                problems.append(
                    _schema_problem(
                        where,
                        col.name,
                        "unparseable_number",
                        f"{shown}, not text",
                        f"store {col.name} as text (or whole numbers) in the order log",
                    )
                )
        elif col.dtype == "date":
            if dtype == nw.Date:
                exprs.append(c.cast(nw.Datetime("us")).alias(col.name))
            elif isinstance(dtype, nw.Datetime):
                if dtype.time_zone is not None:
                    c = c.dt.replace_time_zone(None)
                exprs.append(c.cast(nw.Datetime("us")).alias(col.name))
            else:
                problems.append(
                    _schema_problem(
                        where,
                        col.name,
                        "unparseable_date",
                        f"{shown}, not as dates: the engine does not parse text",
                        f"store {col.name} as a date or timestamp column (e.g. in DuckDB: "
                        f"copy (select * replace (cast({col.name} as date) as {col.name}) "
                        "from 'orders.parquet') to 'orders_typed.parquet'), or read the data "
                        "with workbench.load.load, which parses text dates",
                    )
                )
        elif col.dtype == "float":
            if dtype.is_numeric():
                number = c.cast(nw.Float64)
                exprs.append(nw.when(~number.is_nan()).then(number).alias(col.name))
            else:
                problems.append(
                    _schema_problem(
                        where,
                        col.name,
                        "unparseable_number",
                        f"{shown}, not as numbers: the engine does not parse text",
                        f"store {col.name} as a numeric column (double or decimal), or read "
                        "the data with workbench.load.load, which parses text numbers",
                    )
                )
        elif col.dtype == "int":
            if dtype.is_integer():
                exprs.append(c.cast(nw.Int64).alias(col.name))
            else:
                problems.append(
                    _schema_problem(
                        where,
                        col.name,
                        "unparseable_number",
                        f"{shown}, not as whole numbers",
                        f"store {col.name} as an integer column (1, 2, 3 per line of an order)",
                    )
                )
        elif col.dtype == "bool":
            if dtype == nw.Boolean:
                exprs.append(c.fill_null(False).alias(col.name))
            else:
                problems.append(
                    _schema_problem(
                        where,
                        col.name,
                        "unparseable_bool",
                        f"{shown}, not as true/false",
                        f"store {col.name} as a boolean column (true for a return line)",
                    )
                )
    if problems:
        raise ValidationError(problems)
    defaulted = "line_no" not in names
    if defaulted:
        exprs.append(nw.lit(1, dtype=nw.Int64).alias("line_no"))
    if "is_return" not in names:
        exprs.append(nw.lit(False, dtype=nw.Boolean).alias("is_return"))
    lf = lf.with_columns(*exprs)
    present = list(lf.collect_schema().names())
    order = [c for c in _ORDERS.column_names if c in present]
    return lf.select(order + [c for c in present if c not in order]), defaulted


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class _Known:
    """The valid ids of a reference column: a list (few) or an engine frame (many)."""

    column: str
    ids: list[str]
    frame: nw.LazyFrame | None  # with the marker column ``_wb_known_<column>``

    @property
    def marker(self) -> str:
        return f"_wb_known_{self.column}"

    def unknown(self) -> Any:
        """True where the column holds an id that is not valid (null is not unknown)."""
        col = nw.col(self.column)
        if self.frame is None:
            return ~col.is_null() & ~col.is_in(self.ids)
        return ~col.is_null() & nw.col(self.marker).is_null()


def _known(valid: pd.DataFrame, col: str, like: Any, connection: Any) -> _Known:
    """The valid ids of ``col``: an ``is_in`` list up to ``_IN_LIST_MAX``, else joined."""
    ids = valid[col].dropna().astype("str").drop_duplicates().tolist()
    if len(ids) <= _IN_LIST_MAX:
        return _Known(col, ids, None)
    frame = pd.DataFrame({col: pd.Series(ids, dtype="str"), f"_wb_known_{col}": True})
    return _Known(col, ids, nw.from_native(to_engine(frame, like=like, connection=connection)))


def _rules(
    names: list[str], *, defaulted: bool, as_of: pd.Timestamp | None, known: list[_Known]
) -> list[tuple[_Rule, Any]]:
    """Every rule with its engine expression (true: the line breaks it), in validate's order.

    ``duplicate_key`` needs a window over the log, a reference with many valid ids the
    join :func:`_flagged` adds (``_Rule.joined``); the other rules look at the line alone.
    """
    out: list[tuple[_Rule, Any]] = []
    for col in _ORDERS.required_columns:
        out.append((_Rule(f"_wb_missing_{col}", col, "missing_value"), nw.col(col).is_null()))
    if not defaulted:
        complete = ~nw.col("order_id").is_null() & ~nw.col("line_no").is_null()
        repeated = nw.col("order_id").count().over(*_KEY) > 1
        rule = _Rule("_wb_duplicate_key", ", ".join(_KEY), "duplicate_key", joined=True)
        out.append((rule, complete & repeated))
    not_return = ~nw.col("is_return")
    earlier = None
    for col in ("quantity", "amount"):
        if col not in names:
            continue
        neg = ((nw.col(col) < 0) & not_return).fill_null(False)
        if earlier is not None:  # one problem per line: the quantity's, else the amount's
            neg = neg & ~earlier
        out.append((_Rule(f"_wb_negative_{col}", col, "negative_not_return"), neg))
        earlier = neg if earlier is None else earlier | neg
    if as_of is not None:
        # a date literal cast in the engine: no time zone of the driver gets in the way
        limit = (as_of.normalize() + pd.Timedelta(days=1)).date()
        late = nw.col("order_date") >= nw.lit(limit, dtype=nw.Date).cast(nw.Datetime("us"))
        out.append((_Rule("_wb_future_order_date", "order_date", "future_date"), late))
    for k in known:
        rule = "unknown_customer" if k.column == "customer_id" else "unknown_reference"
        flag = _Rule(f"_wb_unknown_{k.column}", k.column, rule, joined=k.frame is not None)
        out.append((flag, k.unknown()))
    return [(r, e.fill_null(False)) for r, e in out]


def _flagged(lf: nw.LazyFrame, rules: list[tuple[_Rule, Any]], known: list[_Known]) -> nw.LazyFrame:
    """``lf`` with one boolean column per rule and ``_wb_bad`` (any of them)."""
    for k in known:
        if k.frame is not None:
            lf = lf.join(k.frame, on=k.column, how="left")
    lf = lf.with_columns(*(e.alias(r.flag) for r, e in rules))
    return lf.with_columns(
        nw.any_horizontal(*(r.flag for r, _ in rules), ignore_nulls=True).alias(_BAD)
    )


def _valid(
    lf: nw.LazyFrame,
    rules: list[tuple[_Rule, Any]],
    known: list[_Known],
    repeated_keys: Any | None,
) -> nw.LazyFrame:
    """The lines passing every rule, by a plan cheaper than :func:`_flagged`'s.

    Every query on the dataset runs this plan again, so it avoids the window over the
    whole log: every line of a repeated key is rejected, so an anti-join on the repeated
    keys (few, found when the dataset was opened) removes exactly them. The rules of a
    line alone become one filter; a reference with many valid ids a join (a semi-join for
    ``customer_id``, never null after the filter).
    """
    local = [e for r, e in rules if not r.joined]
    out = lf.filter(~nw.any_horizontal(*local, ignore_nulls=True)) if local else lf
    for k in known:
        if k.frame is None:
            continue
        if k.column == "customer_id":
            out = out.join(k.frame.select(k.column), on=k.column, how="semi")
        else:  # may be blank
            out = out.join(k.frame, on=k.column, how="left")
            out = out.filter(nw.col(k.column).is_null() | ~nw.col(k.marker).is_null())
            out = out.drop(k.marker)
    if repeated_keys is not None:
        out = out.join(repeated_keys, on=_KEY, how="anti")
    return out


def _set_aside(quarantine: pd.DataFrame | None, col: str) -> dict[str, int]:
    """Map each id of a customer (product) set aside by validation to its row."""
    if quarantine is None or col not in quarantine.columns or not len(quarantine):
        return {}
    ids = quarantine[col].astype("str").str.strip()
    rows = pd.Series(quarantine["_row"].to_numpy(), index=ids.to_numpy())
    rows = rows[~rows.index.duplicated() & rows.index.notna()]
    return {str(k): int(v) for k, v in rows.items() if pd.notna(v)}


def _show(values: pd.Series) -> pd.Series:
    """Quote each value for a message, as validate does: ``'-5.0'``."""
    return "'" + values.astype(object).map(str).astype("str") + "'"


def _reports(
    rejected: pd.DataFrame,
    rules: list[_Rule],
    *,
    where: str,
    as_of: pd.Timestamp | None,
    checked: Any,
    origins: dict[str, Origin],
) -> tuple[pd.Series, list[Problem]]:
    """The ``_problem`` text per rejected line and the problems, in validate's words."""
    idx = rejected.index
    oid = rejected["order_id"].astype(object).map(lambda v: "(blank)" if pd.isna(v) else str(v))
    line = rejected["line_no"].astype(object).map(lambda v: "(blank)" if pd.isna(v) else str(v))
    at = where + " order " + oid.astype("str") + " line " + line.astype("str")
    text = pd.Series("", index=idx, dtype="str")
    problems: list[Problem] = []
    repeats = None
    if any(r.rule == "duplicate_key" for r in rules):
        repeats = rejected.groupby(_KEY, dropna=False)["order_id"].transform("size")
    for r in rules:
        hit = rejected[r.flag].to_numpy(dtype=bool)
        if not hit.any():
            continue
        sub = rejected.loc[hit]
        fix = RULES[r.rule]
        values: pd.Series | None = None
        if r.rule == "missing_value":
            fix = fix.format(table="orders", column=r.column)
            short = pd.Series(f"column {r.column} is blank; {fix}", index=sub.index, dtype="str")
        else:
            if r.rule == "duplicate_key":
                values = oid[hit] + " / " + line[hit]
                n = repeats[hit].astype("int64").astype("str")
                what = (
                    "is the key of "
                    + n
                    + " lines: every one is set aside (an engine keeps no row order to tell "
                    "the first)"
                )
                fix = fix.format(column=", ".join(_KEY))
            elif r.rule == "negative_not_return":
                values = sub[r.column]
                what = pd.Series(
                    "is negative but the line is not marked as a return", index=sub.index
                )
            elif r.rule == "future_date":
                values = sub[r.column]
                what = pd.Series(f"is after as_of {as_of:%Y-%m-%d}", index=sub.index)
            else:  # unknown_customer / unknown_reference
                target = "customers" if r.column == "customer_id" else "products"
                origin = origins.get(target, Origin(target, "record"))
                noun = target.rstrip("s")
                values = sub[r.column]
                aside = _set_aside(checked.quarantine.get(target), r.column)
                rows = values.astype("str").map(aside)
                what = pd.Series(f"is not in {origin.file}", index=sub.index, dtype="str")
                found = rows.notna()
                if found.any():
                    what[found] = (
                        f"is a {noun} set aside by validation ({origin.file} {origin.kind} "
                        + rows[found].astype("int64").astype("str")
                        + ")"
                    )
                fix = fix.format(target=origin.file, column=r.column)
            short = f"column {r.column}: " + _show(values) + " " + what.astype("str") + "; " + fix
        joined = np.where(text[hit] == "", short, text[hit] + " | " + short)
        text[hit] = joined
        full = at[hit] + ", " + short
        n_hit = int(hit.sum())
        for i in range(min(n_hit, _CAP)):
            value = None if values is None else values.iloc[i]
            if value is not None and pd.isna(value):
                value = None
            if isinstance(value, np.generic):
                value = value.item()
            problems.append(
                Problem("orders", where, None, r.column, value, r.rule, full.iloc[i], fix)
            )
        if n_hit > _CAP:
            problems.append(
                Problem(
                    "orders",
                    where,
                    None,
                    r.column,
                    None,
                    r.rule,
                    f"{where}, column {r.column}: {n_hit - _CAP} more lines like "
                    f"{at[hit].iloc[0].removeprefix(where + ' ')} ({r.rule}); {fix}",
                    fix,
                    count=n_hit - _CAP,
                )
            )
    return text, problems


# --------------------------------------------------------------------------- open


def open_dataset(
    source: str | Path,
    *,
    engine: Literal["duckdb", "polars", "spark"],
    as_of: Any = None,
    spark: Any = None,
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
) -> Dataset:
    r"""Open a dataset whose order log stays in an engine, validated there.

    Parameters
    ----------
    source : str or pathlib.Path
        - a folder holding ``orders.parquet`` or a folder ``orders/`` of Parquet files,
          and the other tables beside it as CSV, Parquet or Excel files (as for
          :func:`workbench.load.load`);
        - a DuckDB file (``*.duckdb``): the orders table read in DuckDB whatever
          ``engine`` says, the other tables read into pandas;
        - ``"spark:DB"``: the tables of the Spark catalog database ``DB``
          (``DB.orders``, ``DB.customers`` and whichever others exist); ``"spark:"``
          alone is the current database (its temporary views included). Spark whatever
          ``engine`` says. A Spark table has no row order: the small tables are read
          sorted by their key, and a problem's record number counts in that order.
    engine : {"duckdb", "polars", "spark"}
        The engine for a folder's Parquet orders.
    as_of : date-like, optional
        No order may lie after this date (rule ``future_date``); kept as
        ``Dataset.as_of``.
    spark : pyspark.sql.SparkSession, optional
        The session for Spark (default: the active one, else a new local one).
    memory_limit, temp_directory, threads
        DuckDB's out-of-core settings (see :func:`workbench.scan.connect`); ignored by
        the other engines.

    Returns
    -------
    Dataset
        ``tables["orders"]`` is a lazy frame of the valid order lines (a DuckDB relation,
        Polars LazyFrame or PySpark DataFrame, normalised to the data model: ids as text,
        ``order_date`` a timestamp, ``line_no`` and ``is_return`` present); the other
        tables are pandas frames as ``load`` gives them. ``quarantine["orders"]`` holds
        the rejected lines (``_row`` null, ``_problem``), ``problems`` every problem of
        every table. ``source`` names the source without credentials.

    Raises
    ------
    SourceError
        The source, its orders or its customers are missing, or the engine is unknown.
    ValidationError
        The orders lack a required column or store one in an unusable type (text dates,
        text amounts...), naming the column and the fix; or a small table cannot load
        (as with ``load``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "customers.csv").write_text("customer_id,name\nC1,Acme\n")
    >>> pd.DataFrame({"order_id": ["O1", "O2"], "customer_id": ["C1", "C9"],
    ...               "order_date": pd.to_datetime(["2024-01-05", "2024-02-01"]),
    ...               "amount": [12.5, 3.0]}).to_parquet(folder / "orders.parquet")
    >>> ds = open_dataset(folder, engine="polars")
    >>> type(ds.orders).__name__, n_rows(ds.orders), ds.quarantine["orders"]["order_id"].tolist()
    ('LazyFrame', 1, ['O2'])
    >>> ds.problems[0].message[:63]
    "orders.parquet order O2 line 1, column customer_id: 'C9' is not"
    """
    if engine not in ENGINES:
        raise SourceError(f"engine={engine!r} is not one of {', '.join(map(repr, ENGINES))}")
    as_of = None if as_of is None else pd.Timestamp(as_of)
    text = str(source)
    con = None
    if text.startswith(SPARK_PREFIX):
        db = text[len(SPARK_PREFIX) :].strip()
        orders, raw, origins, label, where = _spark_source(db, spark)
    else:
        path = Path(source)
        label = str(path)
        if not path.exists():
            raise SourceError(
                f"source {path} does not exist; give a folder holding orders.parquet (or "
                "orders/) and the other tables, a .duckdb file, or spark:DATABASE"
            )
        m = as_mapping(None)
        if path.is_dir():
            raw, origins = _folder_tables(path, _SMALL, m, None, _NoBar())
            where = "orders.parquet" if (path / "orders.parquet").is_file() else "orders/"
            if engine == "duckdb":
                con = connect(
                    memory_limit=memory_limit, temp_directory=temp_directory, threads=threads
                )
            orders = scan(path, engine=engine, connection=con, spark=spark)
        elif path.suffix.lower() == ".duckdb":
            raw, origins = _duckdb_tables(path, _SMALL, m, _NoBar())
            where = f"{path.name} table orders"
            con = connect(memory_limit=memory_limit, temp_directory=temp_directory, threads=threads)
            orders = scan(path, connection=con)
        else:
            raise SourceError(
                f"source {path} is neither a folder nor a .duckdb file; give a folder holding "
                "orders.parquet (or orders/), a .duckdb file, or spark:DATABASE (use "
                "workbench.load.load for other sources)"
            )
        if "customers" not in raw:
            raise SourceError(
                f"{path} has no customers table (required); add customers.csv (or .parquet/"
                ".xlsx) beside the orders"
                if path.is_dir()
                else f"{path.name} has no customers table (required); create it in the database"
            )
    lf, defaulted = _normalise(nw.from_native(orders), where)
    checked = check(
        raw, policy="quarantine", as_of=as_of, files=origins, checked_elsewhere=("orders",)
    )
    known = [_known(checked.tables["customers"], "customer_id", orders, con)]
    if "products" in checked.tables and "product_id" in lf.collect_schema().names():
        known.append(_known(checked.tables["products"], "product_id", orders, con))
    out_cols = list(lf.collect_schema().names())
    rules = _rules(out_cols, defaulted=defaulted, as_of=as_of, known=known)
    flagged = _flagged(lf, rules, known)
    rejected = (
        flagged.filter(nw.col(_BAD))
        .select(*out_cols, *(r.flag for r, _ in rules))
        .collect(backend="pyarrow")
        .to_native()
        .to_pandas(date_as_object=False)
        .sort_values(_KEY, kind="stable", na_position="first", ignore_index=True)
    )
    repeated = None
    if "_wb_duplicate_key" in rejected.columns and rejected["_wb_duplicate_key"].any():
        keys = rejected.loc[rejected["_wb_duplicate_key"], _KEY].drop_duplicates()
        repeated = nw.from_native(to_engine(keys, like=orders, connection=con))
    valid = _valid(lf, rules, known, repeated).to_native()
    if nw.from_native(valid).implementation.is_pyspark():
        # a report runs dozens of queries on the valid lines: keep them on the executors
        # (memory, spilling to disk) instead of reading and validating the source each time
        from pyspark import StorageLevel

        valid = valid.persist(StorageLevel.MEMORY_AND_DISK)
    quarantine = dict(checked.quarantine)
    problems = list(checked.problems)
    if len(rejected):
        reasons, found = _reports(
            rejected,
            [r for r, _ in rules],
            where=where,
            as_of=as_of,
            checked=checked,
            origins=origins,
        )
        q = rejected[out_cols].copy()
        q.insert(0, "_problem", reasons.to_numpy())
        q.insert(0, "_row", pd.array([None] * len(q), dtype="Int64"))
        quarantine["orders"] = q
        problems += found
    tables = {"customers": checked.tables["customers"], "orders": valid}
    tables.update({n: df for n, df in checked.tables.items() if n not in tables})
    tables = {n: tables[n] for n in TABLES if n in tables}
    return Dataset(
        tables=tables, source=label, quarantine=quarantine, problems=problems, as_of=as_of
    )


def last_order_date(
    source: str | Path,
    *,
    engine: Literal["duckdb", "polars", "spark"],
    spark: Any = None,
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
) -> pd.Timestamp:
    """The date of the last valid order of a source, found in the engine.

    Parameters
    ----------
    source : str or pathlib.Path
        As for :func:`open_dataset`.
    engine : {"duckdb", "polars", "spark"}
        As for :func:`open_dataset`.
    spark, memory_limit, temp_directory, threads
        As for :func:`open_dataset`.

    Returns
    -------
    pandas.Timestamp
        The latest ``order_date`` among the lines that pass validation (``NaT`` when none
        does), as ``load`` would give it; the default ``as_of`` of a report.
    """
    ds = open_dataset(
        source,
        engine=engine,
        spark=spark,
        memory_limit=memory_limit,
        temp_directory=temp_directory,
        threads=threads,
    )
    got = nw.from_native(ds.orders).select(nw.col("order_date").max()).collect().item()
    return pd.NaT if got is None else pd.Timestamp(got)
