"""Transaction-level metrics: the customer summary, sales reports, cohorts, value arithmetic.

Every function is pure: a frame (or numbers) in, a new frame (or number) out, ``as_of``
explicit. The per-customer scoring and tiering built on :func:`customer_summary` (RFM
scores and segments, ABC, lifecycle tiers, MAN, KPIs) live in :mod:`workbench.tiers`.

Engines
-------
:func:`customer_summary`, :func:`sales_report` and :func:`cohort_retention` are written once
over `narwhals <https://narwhals-dev.github.io/narwhals/>`_: they take a pandas DataFrame
(the default), a Polars DataFrame or LazyFrame, a DuckDB relation or a PySpark DataFrame and
return the same kind (lazy in, lazy out). A pandas frame is not aggregated by pandas: an
all-numeric copy of the columns it needs (ids as hashes or codes read from the Arrow buffers,
dates as day numbers; no text copied) goes to Polars, which runs the same narwhals expressions
in its streaming engine, and the small result comes back as pandas (``engine="auto"``).

Overview
--------
``customer_summary``        one row per customer: RFM and buy-till-you-die fields, revenue,
                            profit, active quarters.
``sales_report``            revenue, orders, customers, profit, average order value per period
                            and dimension, with period-over-period and year-over-year change.
``cohort_retention``        share of each first-purchase cohort buying again k periods later.
``simple_clv``, ``growth_levers``, ``referral_projection``, ``receivable_total``
                            the seeds' value arithmetic (domain.md §4).
``repurchase_by_complaint``, ``campaign_response``, ``lost_reason_pareto``,
``loyalty_measures``        data-driven value and loyalty measures.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import narwhals as nw
import numpy as np
import pandas as pd
from pandas.api import types as pdt

from workbench import names as N
from workbench.labels import check_lang, label, labels

__all__ = [
    "ACTIVE_QUARTERS_4",
    "QUARTER_DAYS",
    "SUMMARY_COLUMNS",
    "MetricsInputError",
    "customer_summary",
    "SALES_METRICS",
    "sales_report",
    "cohort_retention",
    "simple_clv",
    "GrowthLevers",
    "growth_levers",
    "ReferralProjection",
    "referral_projection",
    "receivable_total",
    "repurchase_by_complaint",
    "CAMPAIGN_BENCHMARKS",
    "campaign_response",
    "lost_reason_pareto",
    "loyalty_measures",
    "LOYALTY_FIELDS_TO_KEEP",
    "COMPLAINT_GROUPS",
]

#: Number of the last four rolling 91-day "quarters" before ``as_of`` with a purchase.
ACTIVE_QUARTERS_4 = N.ACTIVE_QUARTERS_4
#: Length of one rolling quarter, in days (4 x 91 = 364 days look-back).
QUARTER_DAYS = 91

#: Columns of :func:`customer_summary`, in order.
SUMMARY_COLUMNS = (
    N.CUSTOMER_ID,
    N.FIRST_PURCHASE,
    N.LAST_PURCHASE,
    N.RFM_RECENCY,
    N.RFM_FREQUENCY,
    N.RFM_MONETARY,
    N.FREQUENCY,
    N.RECENCY,
    N.T,
    N.MONETARY_VALUE,
    N.N_ORDERS,
    N.REVENUE,
    N.AVG_PURCHASE_VALUE,
    N.PROFIT,
    ACTIVE_QUARTERS_4,
)

#: Polars engine that runs the summary plan (its streaming engine aggregates by hash).
_POLARS_ENGINE = "streaming"
_UNIT_DAYS = {"D": 1, "W": 7}
_EPOCH = dt.date(1970, 1, 1)


class MetricsInputError(ValueError):
    """A metric's input lacks a column or holds a value it cannot use.

    The message names the table, the column, what was found and the fix.
    """


# ---------------------------------------------------------------------------------------------
# helpers shared by the narwhals functions


def _require_columns(columns: Iterable[str], needed: Mapping[str, str], table: str) -> None:
    """Raise :class:`MetricsInputError` if a needed column is absent.

    ``needed`` maps the column name to the parameter that names it.
    """
    have = list(columns)
    for col, param in needed.items():
        if col not in have:
            raise MetricsInputError(
                f"{table} has no column {col!r} ({param}); its columns are {have}. "
                f"Pass {param}=<your column name> or rename the column."
            )


def _as_date(value: Any, what: str = "as_of") -> dt.date:
    """Return ``value`` (str, date, datetime, Timestamp) as a :class:`datetime.date`."""
    if value is None:
        raise MetricsInputError(f"{what} is required (a date such as '2026-06-30'); never today()")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise MetricsInputError(f"{what}={value!r} is not a date; use e.g. '2026-06-30'") from exc
    if pd.isna(ts):
        raise MetricsInputError(f"{what} is missing (NaT); pass a date such as '2026-06-30'")
    return ts.date()


def _choice(value: str, allowed: Sequence[str], param: str) -> str:
    if value not in allowed:
        raise MetricsInputError(f"{param}={value!r} is not one of {', '.join(map(repr, allowed))}")
    return value


def _is_pandas(native: Any) -> bool:
    return isinstance(native, pd.DataFrame)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _pick_engine(engine: str) -> str:
    """Resolve ``engine`` for a pandas input: the fastest engine installed by default."""
    _choice(engine, ("auto", "polars", "duckdb", "pandas"), "engine")
    if engine == "auto":
        return "polars" if _has("polars") else "duckdb" if _has("duckdb") else "pandas"
    return engine


def _pandas_to_lazy(df: pd.DataFrame, cols: Sequence[str], engine: str) -> nw.LazyFrame:
    """Hand the columns ``cols`` of a pandas frame to ``engine`` as a narwhals LazyFrame.

    Polars gets the columns through Arrow (zero-copy for numbers and dates, one pass for
    strings); categorical columns arrive as dictionary-encoded ones.
    """
    sub = df.loc[:, list(cols)]
    if engine == "polars":
        import polars as pl
        import pyarrow as pa

        return nw.from_native(pl.from_arrow(pa.Table.from_pandas(sub, preserve_index=False)).lazy())
    if engine == "duckdb":
        return nw.from_native(sub).lazy(backend="duckdb")
    return nw.from_native(sub).lazy()


def _to_lazy(native: Any, cols: Sequence[str], engine: str) -> tuple[nw.LazyFrame, str]:
    """Wrap any supported native frame as a narwhals LazyFrame; also return its kind."""
    if _is_pandas(native):
        return _pandas_to_lazy(native, cols, _pick_engine(engine)), "pandas"
    try:
        frame = nw.from_native(native)
    except TypeError as exc:
        raise MetricsInputError(
            f"cannot read a {type(native).__name__}; pass a pandas or Polars DataFrame, a Polars "
            "LazyFrame, a DuckDB relation or a PySpark DataFrame"
        ) from exc
    if isinstance(frame, nw.DataFrame):
        return frame.lazy(), "eager"
    return frame, "lazy"


def _from_lazy(result: nw.LazyFrame, kind: str) -> Any:
    """Return ``result`` in the caller's kind (pandas, the eager native, or lazy)."""
    if kind == "pandas":
        out = result.collect()
        native = out.to_native()
        return native if _is_pandas(native) else out.to_pandas()
    if kind == "eager":
        return result.collect().to_native()
    return result.to_native()


def _impl(lf: nw.LazyFrame) -> nw.Implementation:
    return lf.implementation


def _collect(lf: nw.LazyFrame) -> nw.DataFrame:
    """Collect ``lf``; Polars runs its streaming engine (hash aggregation, much faster here)."""
    if lf.implementation is nw.Implementation.POLARS:
        return lf.collect(engine=_POLARS_ENGINE)
    return lf.collect()


def _day_number(expr: nw.Expr, impl: nw.Implementation) -> nw.Expr:
    """Days since 1970-01-01 of a Date expression, as an integer, on any backend.

    Polars and pandas cast a date to its day number directly; DuckDB subtracts the epoch;
    Spark (which has no duration accessors in narwhals) uses the civil-calendar formula.
    """
    if impl in (nw.Implementation.POLARS, nw.Implementation.PANDAS):
        return expr.cast(nw.Int32)
    if impl is nw.Implementation.DUCKDB:
        as_ts = expr.cast(nw.Datetime("us"))
        return (as_ts - nw.lit(dt.datetime(1970, 1, 1))).dt.total_seconds() // 86400
    # days_from_civil (H. Hinnant): exact for the proleptic Gregorian calendar
    y = expr.dt.year() - (expr.dt.month() <= 2).cast(nw.Int64)
    m = expr.dt.month()
    era = y // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + expr.dt.day() - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


# ---------------------------------------------------------------------------------------------
# customer summary


def _summary_lazy(
    lf: nw.LazyFrame,
    *,
    as_of: dt.date,
    customer_col: str,
    date_col: str,
    amount_col: str,
    cost_col: str | None,
    order_col: str | None,
    frequency: str,
    unit_days: int,
    carry: Sequence[tuple[str, str, str]] = (),
    sort: bool = True,
    materialise: bool = False,
) -> nw.LazyFrame:
    """The summary as narwhals expressions.

    Three steps, each a plain group-by so that every backend runs it well: (1) one row per
    (customer, purchase unit), the unit being a day or an order; (2) one row per customer;
    (3) the first purchase's value, by a semi-join of step 1 on (customer, first day).
    ``carry`` holds ``(column, "min"|"max", alias)`` aggregations kept through steps 1-2.
    ``materialise`` computes step 1 once (Polars: steps 2 and 3 both read it; a lazy plan
    would compute it twice).
    """
    impl = _impl(lf)
    as_of_day = (as_of - _EPOCH).days
    c = customer_col
    lf = lf.with_columns(_date=nw.col(date_col).cast(nw.Date)).filter(
        nw.col("_date") <= nw.lit(as_of), ~nw.col(c).is_null(), ~nw.col("_date").is_null()
    )
    cols: dict[str, nw.Expr] = {"_pos": (nw.col(amount_col) >= 0).cast(nw.Int8)}
    if cost_col is not None:
        cols["_profit"] = nw.col(amount_col) - nw.col(cost_col)
    lf = lf.with_columns(**cols)
    aggs = [nw.col(amount_col).sum().alias("_v"), nw.col("_pos").max().alias("_buy")]
    if cost_col is not None:
        aggs.append(nw.col("_profit").sum().alias("_p"))
    aggs += [getattr(nw.col(src), how)().alias(alias) for src, how, alias in carry]
    if frequency == "days":
        # (1) one row per (customer, purchase day)
        aggs.append(nw.col(order_col).n_unique().alias("_n") if order_col else nw.len().alias("_n"))
        a = lf.group_by(c, "_date").agg(*aggs)
    else:
        # (1) one row per (customer, order); an order's day is its earliest line's day
        aggs.append(nw.col("_date").min().alias("_date"))
        a = lf.group_by(c, order_col).agg(*aggs).drop(order_col).with_columns(_n=nw.lit(1))
    buy = nw.col("_buy") == 1
    # rolling quarter k holds the days d with as_of - d in [91k, 91k + 91): date comparisons
    # with literals, so that no day number is computed on the (large) step-1 result
    bounds = [as_of - dt.timedelta(days=k * QUARTER_DAYS) for k in range(5)]
    a = a.with_columns(
        _bdate=nw.when(buy).then(nw.col("_date")),
        _bv=nw.when(buy).then(nw.col("_v")).otherwise(nw.lit(0.0)),
        **{
            f"_q{k}": (
                buy
                & (nw.col("_date") <= nw.lit(bounds[k]))
                & (nw.col("_date") > nw.lit(bounds[k + 1]))
            ).cast(nw.Int8)
            for k in range(4)
        },
    )
    if materialise:
        a = _collect(a).lazy()
    # (2) one row per customer
    b_aggs = [
        nw.col("_bdate").min().alias(N.FIRST_PURCHASE),
        nw.col("_bdate").max().alias(N.LAST_PURCHASE),
        nw.col("_buy").sum().alias(N.RFM_FREQUENCY),
        nw.col("_v").sum().alias(N.REVENUE),
        nw.col("_bv").sum().alias("_bv"),
        nw.col("_n").sum().alias(N.N_ORDERS),
        *[nw.col(f"_q{k}").max().alias(f"_q{k}") for k in range(4)],
        *[getattr(nw.col(alias), how)().alias(alias) for _, how, alias in carry],
    ]
    if cost_col is not None:
        b_aggs.append(nw.col("_p").sum().alias(N.PROFIT))
    b = a.group_by(c).agg(*b_aggs).filter(nw.col(N.RFM_FREQUENCY) > 0)
    # (3) value of the first purchase: the first day's value, or the mean of its orders
    on_first = b.select(c, nw.col(N.FIRST_PURCHASE).alias("_date"))
    first = a.filter(buy).join(on_first, on=[c, "_date"], how="semi")
    if frequency == "days":
        first = first.select(c, nw.col("_v").alias("_fv"))
    else:
        first = first.group_by(c).agg(nw.col("_v").mean().alias("_fv"))
    b = b.join(first, on=c, how="left").with_columns(
        _f=_day_number(nw.col(N.FIRST_PURCHASE), impl),
        _l=_day_number(nw.col(N.LAST_PURCHASE), impl),
    )
    u = float(unit_days)
    freq = nw.col(N.RFM_FREQUENCY) - 1
    b = b.with_columns(
        **{
            N.RFM_RECENCY: (as_of_day - nw.col("_l")).cast(nw.Float64) / u,
            N.FREQUENCY: freq.cast(nw.Int64),
            N.RECENCY: (nw.col("_l") - nw.col("_f")).cast(nw.Float64) / u,
            N.T: (as_of_day - nw.col("_f")).cast(nw.Float64) / u,
            N.MONETARY_VALUE: nw.when(freq > 0)
            .then((nw.col("_bv") - nw.col("_fv")) / freq)
            .otherwise(nw.lit(0.0)),
            N.RFM_MONETARY: nw.col(N.REVENUE),
            N.AVG_PURCHASE_VALUE: nw.col(N.REVENUE) / nw.col(N.RFM_FREQUENCY),
            ACTIVE_QUARTERS_4: nw.sum_horizontal(*[nw.col(f"_q{k}") for k in range(4)]).cast(
                nw.Int64
            ),
            N.FIRST_PURCHASE: nw.col(N.FIRST_PURCHASE).cast(nw.Datetime("us")),
            N.LAST_PURCHASE: nw.col(N.LAST_PURCHASE).cast(nw.Datetime("us")),
            N.RFM_FREQUENCY: nw.col(N.RFM_FREQUENCY).cast(nw.Int64),
            N.N_ORDERS: nw.col(N.N_ORDERS).cast(nw.Int64),
        }
    )
    if cost_col is None:
        b = b.with_columns(**{N.PROFIT: nw.lit(None, dtype=nw.Float64)})
    b = b.select(c, *SUMMARY_COLUMNS[1:], *[alias for _, _, alias in carry])
    return b.sort(c) if sort else b


def customer_summary(
    orders: Any,
    *,
    as_of: Any,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str = N.AMOUNT,
    cost_col: str | None = N.COST,
    order_col: str | None = N.ORDER_ID,
    frequency: Literal["days", "orders"] = "days",
    time_unit: Literal["D", "W"] = "D",
    engine: Literal["auto", "polars", "duckdb", "pandas"] = "auto",
) -> Any:
    """Summarise order lines into one row per customer.

    A *purchase* is a distinct purchase day (``frequency="days"``, the default, as in the
    buy-till-you-die literature and the CDNOW summaries) or a distinct order
    (``frequency="orders"``). Only lines with ``order_date <= as_of`` (compared by calendar
    day) count. Returns (negative amounts) reduce revenue and profit; a day (or order) holding
    only negative lines is not a purchase, so it counts in no frequency and in no mean.
    Customers with no purchase up to ``as_of`` are left out.

    Columns (see :mod:`workbench.names`), durations in ``time_unit``:

    - ``first_purchase``, ``last_purchase``: dates (datetime64) of the first and last purchase;
    - ``rfm_recency`` = as_of - last purchase; ``rfm_frequency`` = purchases;
      ``rfm_monetary`` = ``revenue``;
    - ``frequency`` = purchases - 1 (repeat purchases); ``recency`` = last - first purchase;
      ``T`` = as_of - first purchase; ``monetary_value`` = mean value of the repeat
      purchases (a purchase day's value is the day's total; the first purchase excluded; 0
      without repeat purchases). With ``frequency="orders"`` and several orders on the first
      day, the first purchase's value is their mean, so the result does not depend on order
      ids or row order. These are ``lifetimes.utils.summary_data_from_transaction_data``
      with ``freq="D"`` (and ``freq_multiplier=7`` for weeks), which is how the published
      CDNOW summaries are made: ``time_unit="W"`` divides day counts by 7, it does not count
      calendar weeks;
    - ``n_orders``: distinct values of ``order_col`` (lines when ``order_col=None``);
    - ``revenue``: sum of amounts, returns included; ``avg_purchase_value`` = revenue /
      ``rfm_frequency``; ``profit`` = sum of amount - cost (null without ``cost_col``);
    - ``active_quarters_4``: in how many of the last four rolling 91-day quarters before
      ``as_of`` the customer bought (quarter *k* holds the days with ``as_of - day`` in
      ``[91k, 91k + 91)``, so the four cover the 364 days up to and including ``as_of``).
      Rolling windows rather than calendar quarters, so that a customer's count does not
      jump when ``as_of`` crosses a quarter boundary. The lifecycle tier ``loyal`` needs 4.

    Parameters
    ----------
    orders : DataFrame-like
        Order lines: pandas (default) or Polars DataFrame, Polars LazyFrame, DuckDB relation
        or PySpark DataFrame. Never modified.
    as_of : date-like
        The observation date (``T`` and ``rfm_recency`` are measured to it). Required.
    customer_col, date_col, amount_col : str
        Customer id, order date (date or datetime) and line amount columns.
    cost_col : str or None, default "cost"
        Line cost column for ``profit``; None (or an absent column) gives a null profit.
    order_col : str or None, default "order_id"
        Order id column for ``n_orders`` and ``frequency="orders"``; None counts lines.
    frequency : {"days", "orders"}, default "days"
        What one purchase is.
    time_unit : {"D", "W"}, default "D"
        Unit of ``rfm_recency``, ``recency`` and ``T`` (days, or days / 7).
    engine : {"auto", "polars", "duckdb", "pandas"}, default "auto"
        Engine for a pandas input (others run in their own engine). "auto" takes Polars,
        else DuckDB, else pandas.

    Returns
    -------
    DataFrame-like
        Same kind as ``orders`` (lazy in, lazy out), one row per customer, sorted by
        customer, with the columns of :data:`SUMMARY_COLUMNS` (the customer column keeps
        its name).

    Raises
    ------
    MetricsInputError
        If a column is missing, ``as_of`` is not a date, or a choice is unknown.

    Examples
    --------
    >>> orders = pd.DataFrame({
    ...     "order_id": ["o1", "o2", "o3", "o4"],
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11",
    ...                                   "2024-01-21"]),
    ...     "amount": [10.0, 5.0, 30.0, 8.0],
    ...     "cost": [6.0, 3.0, 20.0, 4.0],
    ... })
    >>> s = customer_summary(orders, as_of="2024-01-31")
    >>> s[["customer_id", "rfm_recency", "rfm_frequency", "frequency", "recency", "T"]]
      customer_id  rfm_recency  rfm_frequency  frequency  recency     T
    0           a         20.0              2          1     10.0  30.0
    1           b         10.0              1          0      0.0  10.0
    >>> s[["customer_id", "monetary_value", "n_orders", "revenue", "profit"]]
      customer_id  monetary_value  n_orders  revenue  profit
    0           a            30.0         3     45.0    16.0
    1           b             0.0         1      8.0     4.0
    """
    as_of_d = _as_date(as_of)
    _choice(frequency, ("days", "orders"), "frequency")
    _choice(time_unit, tuple(_UNIT_DAYS), "time_unit")
    columns = _columns_of(orders)
    needed = {customer_col: "customer_col", date_col: "date_col", amount_col: "amount_col"}
    if frequency == "orders":
        if order_col is None:
            raise MetricsInputError("frequency='orders' needs order_col (the order id column)")
        needed[order_col] = "order_col"
    _require_columns(columns, needed, "orders")
    if cost_col is not None and cost_col not in columns:
        cost_col = None
    if order_col is not None and order_col not in columns:
        order_col = None
    use = list(dict.fromkeys(c for c in [*needed, cost_col, order_col] if c))
    kw = dict(
        as_of=as_of_d,
        date_col=date_col,
        amount_col=amount_col,
        cost_col=cost_col,
        frequency=frequency,
        unit_days=_UNIT_DAYS[time_unit],
    )
    if _is_pandas(orders) and _pick_engine(engine) == "polars":
        return _summary_pandas_coded(orders, customer_col, order_col, **kw)
    lf, kind = _to_lazy(orders, use, engine)
    out = None
    if kind != "lazy" and lf.implementation is nw.Implementation.POLARS:
        out = _summary_polars_hashed(lf.to_native(), customer_col, order_col, **kw)
    if out is not None:
        out = out.to_pandas() if kind == "pandas" else out
    else:
        result = _summary_lazy(lf, customer_col=customer_col, order_col=order_col, **kw)
        out = _from_lazy(result, kind)
    if kind == "pandas":
        out = _pandas_finish(_normalise_pandas(out), orders, customer_col)
    return out


def _summary_polars_hashed(
    plf: Any, customer_col: str, order_col: str | None, **kw: Any
) -> Any | None:
    """Run :func:`_summary_lazy` in Polars on 64-bit hashes of string ids, then map back.

    Grouping on a hash (one pass, no string comparisons) instead of the strings roughly
    halves the work. Exactness: each customer group also carries a second, independently
    seeded hash's min and max; if any group holds two different ids (a collision of the
    first hash) the function returns None and the caller groups on the strings. The id of
    each group is read back from its first row. Order ids are hashed for ``n_orders``
    only; two orders of one customer on one day would have to collide to be miscounted.

    Returns None when the customer column is not a string column (nothing to gain).
    """
    import polars as pl

    df = plf.collect() if isinstance(plf, pl.LazyFrame) else plf
    if df.schema[customer_col] != pl.String:
        return None
    c = customer_col
    hashed = df.lazy().with_row_index("_row").filter(pl.col(c).is_not_null())
    extra = [pl.col(c).hash(seed=11).alias("_key"), pl.col(c).hash(seed=29).alias("_key2")]
    okey = order_col
    if order_col is not None and kw["frequency"] == "days" and df.schema[order_col] == pl.String:
        extra.append(pl.col(order_col).hash(seed=7).alias("_okey"))
        okey = "_okey"
    hashed = hashed.with_columns(extra)
    carry = [("_row", "min", "_row"), ("_key2", "min", "_k2min"), ("_key2", "max", "_k2max")]
    res = (
        _summary_lazy(
            nw.from_native(hashed),
            customer_col="_key",
            order_col=okey,
            carry=carry,
            sort=False,
            materialise=True,
            **kw,
        )
        .to_native()
        .collect(engine=_POLARS_ENGINE)
    )
    if (res["_k2min"] != res["_k2max"]).any():
        return None
    ids = df[c].gather(res["_row"])
    return (
        res.with_columns(ids.alias("_key"))
        .rename({"_key": c})
        .drop("_row", "_k2min", "_k2max")
        .sort(c)
    )


_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _day_series(s: pd.Series) -> Any:
    """Calendar day of a pandas date column as a Polars Date series.

    A tz-naive ``datetime64`` column becomes day numbers by one integer division of its
    buffer (no string or object pass); anything else (tz-aware, Arrow timestamps, dates as
    objects) goes through Arrow and is cast to Date by :func:`_summary_lazy`.
    """
    import polars as pl

    if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
        unit = np.datetime_data(s.dtype)[0]
        if unit in _PER_DAY:
            raw = s.to_numpy()
            days = pl.Series(s.name, (raw.view("i8") // _PER_DAY[unit]).astype(np.int32))
            nat = np.isnat(raw)
            if nat.any():
                days = days.scatter(np.flatnonzero(nat), None)
            return days.cast(pl.Date)
    return pl.from_pandas(s.to_frame()).to_series()


def _number_series(s: pd.Series) -> Any:
    """A numeric pandas column as a Polars series (zero-copy for float64; NaN is missing)."""
    import polars as pl

    return pl.from_pandas(s.to_frame(), nan_to_null=True).to_series()


def _code_series(name: str, s: pd.Series) -> tuple[Any, Any]:
    """Exact integer codes of ``s`` (missing stays missing) and the uniques they index."""
    import polars as pl

    if s.dtype != object and pdt.is_string_dtype(s.dtype) and hasattr(s.array, "__arrow_array__"):
        import pyarrow as pa
        import pyarrow.compute as pc

        # dictionary-encode the Arrow buffers in place (pandas.factorize would combine them)
        enc = pc.dictionary_encode(s.array.__arrow_array__())
        chunks = enc.chunks if isinstance(enc, pa.ChunkedArray) else [enc]
        if chunks and all(ch.dictionary.equals(chunks[0].dictionary) for ch in chunks[1:]):
            codes = pl.from_arrow(pa.chunked_array([ch.indices for ch in chunks])).alias(name)
            return codes, s.dtype.__from_arrow__(chunks[0].dictionary)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    small = codes.astype(np.int32) if len(uniques) < 2**31 - 1 else codes
    series = pl.Series(name, small)
    missing = codes < 0
    if missing.any():
        series = series.scatter(np.flatnonzero(missing), None)
    return series, uniques


def _customer_keys(name: str, s: pd.Series) -> tuple[Any, Callable[[np.ndarray], Any]]:
    """Customer ids as numbers to group on, and the function that turns keys back into ids.

    Arrow-backed strings are hashed straight from their Arrow buffers (no text copied). The
    hash is checked: one pass groups the rows by it and takes the min and max of a second,
    independently seeded hash (equal when every group holds one id) and each group's first
    row (where its id is read back). If two ids share a hash (about 1 in 10^8 for 350,000
    ids, and undetected only if they also share the second one, about 1 in 10^27), the
    exact codes of :func:`_code_series` are used instead. Other columns get exact codes.
    """
    import polars as pl

    if s.dtype != object and pdt.is_string_dtype(s.dtype) and hasattr(s.array, "__arrow_array__"):
        text = pl.from_arrow(s.array.__arrow_array__())
        keys = text.hash(seed=11).alias(name)
        if text.null_count():
            keys = keys.set(text.is_null(), None)
        groups = (
            pl.DataFrame({"_k": keys, "_k2": text.hash(seed=29)})
            .lazy()
            .with_row_index("_row")
            .group_by("_k")
            .agg(
                pl.col("_k2").min().alias("_lo"),
                pl.col("_k2").max().alias("_hi"),
                pl.col("_row").min(),
            )
            .collect(engine=_POLARS_ENGINE)
        )
        if (groups["_lo"] == groups["_hi"]).all():

            def lookup(found: np.ndarray) -> Any:
                want = pl.DataFrame({"_k": pl.Series(found, dtype=pl.UInt64)})
                rows = want.join(groups, on="_k", how="left", maintain_order="left")["_row"]
                return s.array.take(rows.to_numpy())

            return keys, lookup
    codes, uniques = _code_series(name, s)
    return codes, uniques.take


def _argsort(ids: Any) -> np.ndarray:
    """Stable ascending order of ``ids`` (ids of mixed types: by their text)."""
    try:
        if isinstance(ids, np.ndarray):
            return np.argsort(ids, kind="stable")
        return np.asarray(ids.argsort(kind="stable"))
    except TypeError:
        return np.argsort(np.asarray(ids, dtype=str), kind="stable")


def _order_key(name: str, s: pd.Series, exact: bool) -> Any:
    """Order ids as numbers for counting distinct orders.

    Arrow-backed strings are hashed straight from their Arrow buffers (64 bits, no copy of
    the text) unless ``exact``; other strings get exact codes; numbers stay numbers.
    """
    import polars as pl

    if pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype):
        return _number_series(s).alias(name)
    if not exact and pdt.is_string_dtype(s.dtype) and hasattr(s.array, "__arrow_array__"):
        text = pl.from_arrow(s.array.__arrow_array__())
        hashed = text.hash(seed=7).alias(name)
        return hashed.set(text.is_null(), None) if text.null_count() else hashed
    return _code_series(name, s)[0]


def _summary_pandas_coded(
    orders: pd.DataFrame, customer_col: str, order_col: str | None, **kw: Any
) -> pd.DataFrame:
    """:func:`_summary_lazy` in Polars for a pandas frame, on an all-numeric copy of it.

    Pre-processing, no aggregation: customer ids become exact integer codes
    (``pandas.factorize``, which dictionary-encodes Arrow strings in place: no text is
    copied and no collision is possible), order dates become day numbers straight from the
    ``datetime64`` buffer, amounts and costs are handed over without a copy, and order ids
    (used for ``n_orders`` only, with ``frequency="days"``) are 64-bit hashes of their Arrow
    buffers. The aggregation is the same narwhals plan as for every other engine, run by
    Polars' streaming engine. The ~350,000-row result gets its ids back by indexing the
    uniques with the codes and is sorted by id.

    Hashing order ids means that two different order ids of one customer on one day with
    the same 64-bit hash would count as one order: with 10 million lines the chance that
    this happens anywhere is about 1e-12. ``frequency="orders"`` groups by the order id, so
    there the ids get exact codes.
    """
    import polars as pl

    c = customer_col
    frequency = kw["frequency"]
    date_col, amount_col, cost_col = kw["date_col"], kw["amount_col"], kw["cost_col"]
    keys, ids_of = _customer_keys(c, orders[c])
    cols = [keys, _day_series(orders[date_col]), _number_series(orders[amount_col])]
    if cost_col is not None:
        cols.append(_number_series(orders[cost_col]))
    okey = None
    if order_col is not None:
        okey = "_okey"
        cols.append(_order_key(okey, orders[order_col], exact=frequency == "orders"))
    frame = pl.DataFrame(cols)
    lazy = _summary_lazy(
        nw.from_native(frame.lazy()),
        customer_col=c,
        order_col=okey,
        sort=False,
        materialise=True,
        **kw,
    )
    res = lazy.to_native().collect(engine=_POLARS_ENGINE)
    ids = ids_of(res[c].to_numpy())
    if isinstance(ids.dtype, pd.CategoricalDtype):  # only the categories that occur
        ids = pd.Categorical(ids).remove_unused_categories()
        dtype = ids.dtype
    else:
        dtype = orders[c].dtype
    order = _argsort(ids)
    out = res.drop(c)[order].to_pandas()
    out.insert(0, c, pd.Series(ids.take(order), dtype=dtype))
    return _normalise_pandas(out)


def _columns_of(native: Any) -> list[str]:
    if _is_pandas(native):
        return list(native.columns)
    try:
        return list(nw.from_native(native).collect_schema().names())
    except TypeError as exc:
        raise MetricsInputError(
            f"cannot read a {type(native).__name__}; pass a pandas or Polars DataFrame, a Polars "
            "LazyFrame, a DuckDB relation or a PySpark DataFrame"
        ) from exc


def _pandas_finish(out: pd.DataFrame, orders: pd.DataFrame, customer_col: str) -> pd.DataFrame:
    """Give the customer column its input dtype back and a fresh RangeIndex."""
    src = orders[customer_col].dtype
    if out[customer_col].dtype != src and not isinstance(src, pd.CategoricalDtype):
        try:
            out[customer_col] = out[customer_col].astype(src)
        except (TypeError, ValueError):
            pass
    return out.reset_index(drop=True)


def _normalise_pandas(out: pd.DataFrame) -> pd.DataFrame:
    """Turn Arrow-backed result columns into the usual NumPy dtypes (a pandas engine result)."""
    for col in out.columns:
        dtype = out[col].dtype
        if isinstance(dtype, pd.ArrowDtype):
            kind = dtype.pyarrow_dtype
            import pyarrow as pa

            if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
                out[col] = out[col].astype("datetime64[us]")
            elif pa.types.is_floating(kind):
                out[col] = out[col].astype("float64")
            elif pa.types.is_integer(kind):
                out[col] = out[col].astype("float64" if out[col].isna().any() else "int64")
    return out


# ---------------------------------------------------------------------------------------------
# sales report

#: Metrics of :func:`sales_report`, in order.
SALES_METRICS = ("revenue", "orders", "customers", "profit", "avg_order_value")
_FREQ_TRUNCATE = {"Y": "1y", "Q": "1q", "M": "1mo", "D": "1d"}
_FREQ_STEP = {"Y": "1y", "Q": "1q", "M": "1mo", "W": "7d", "D": "1d"}


def _period_start(expr: nw.Expr, freq: str, impl: nw.Implementation) -> nw.Expr:
    """Start of the period of a datetime expression (naive, microseconds); weeks start on Monday.

    The cast back to a naive datetime matters on Spark, whose ``date_trunc`` returns a
    session-time-zone timestamp.
    """
    return _period_start_raw(expr, freq, impl).cast(nw.Datetime("us"))


def _period_start_raw(expr: nw.Expr, freq: str, impl: nw.Implementation) -> nw.Expr:
    if freq != "W":
        return expr.dt.truncate(_FREQ_TRUNCATE[freq])
    if impl in (nw.Implementation.POLARS, nw.Implementation.PANDAS):
        # 1970-01-01 was a Thursday: shift so that 7-day buckets start on Mondays
        return expr.dt.offset_by("3d").dt.truncate("7d").dt.offset_by("-3d")
    # engines without 7-day truncation: back to Monday by the weekday (1 = Monday)
    day = expr.dt.truncate("1d")
    out = nw.when(day.dt.weekday() == 1).then(day)
    for k in range(2, 8):
        out = out.when(day.dt.weekday() == k).then(day.dt.offset_by(f"-{k - 1}d"))
    return out


def sales_report(
    orders: Any,
    *,
    by: str | Sequence[str] | None = None,
    freq: Literal["Y", "Q", "M", "W", "D"] = "M",
    start: Any = None,
    end: Any = None,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str = N.AMOUNT,
    cost_col: str | None = N.COST,
    order_col: str = N.ORDER_ID,
    engine: Literal["auto", "polars", "duckdb", "pandas"] = "auto",
) -> Any:
    """Sales per period (and per dimension), with period-over-period and year-over-year change.

    Step 2 of the method (domain.md §1): reports for any year, quarter, month, week or day,
    by company, department, salesperson, outlet or product. Returns count (negative lines
    reduce revenue and profit).

    Parameters
    ----------
    orders : DataFrame-like
        Order lines (pandas, Polars, DuckDB or PySpark; see :func:`customer_summary`).
    by : str or list of str, optional
        Dimension columns (``company``, ``department``, ``salesperson``, ``outlet``,
        ``product_id``, a product ``category`` joined in beforehand...). None: totals only.
    freq : {"Y", "Q", "M", "W", "D"}, default "M"
        Period length; weeks start on Monday.
    start, end : date-like, optional
        Keep lines with ``start <= order_date <= end`` (calendar days).
    customer_col, date_col, amount_col, cost_col, order_col : str
        Input columns; ``cost_col`` None (or absent) gives a null profit.
    engine : {"auto", "polars", "duckdb", "pandas"}, default "auto"
        Engine for a pandas input.

    Returns
    -------
    DataFrame-like
        Long form, same kind as ``orders``, sorted by period then dimensions: ``period``
        (period start, datetime), the ``by`` columns, ``revenue``, ``orders`` (distinct
        order ids), ``customers`` (distinct), ``profit``, ``avg_order_value`` (revenue /
        orders), ``revenue_pop`` (revenue / previous period's revenue of the same dimension
        values - 1; null when that period had no sales or no revenue) and ``revenue_yoy``
        (the same against the period one year earlier).

    Raises
    ------
    MetricsInputError
        If a column is missing or ``freq`` is unknown.

    Examples
    --------
    >>> orders = pd.DataFrame({
    ...     "order_id": ["o1", "o2", "o3"], "customer_id": ["a", "b", "a"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03"]),
    ...     "amount": [100.0, 50.0, 300.0], "cost": [60.0, 30.0, 200.0]})
    >>> sales_report(orders, freq="M")[["period", "revenue", "orders", "revenue_pop"]]
          period  revenue  orders  revenue_pop
    0 2024-01-01    150.0       2          NaN
    1 2024-02-01    300.0       1          1.0
    """
    _choice(freq, tuple(_FREQ_STEP), "freq")
    dims = [by] if isinstance(by, str) else list(by or [])
    columns = _columns_of(orders)
    needed = {customer_col: "customer_col", date_col: "date_col", amount_col: "amount_col"}
    needed[order_col] = "order_col"
    needed.update({d: "by" for d in dims})
    _require_columns(columns, needed, "orders")
    if cost_col is not None and cost_col not in columns:
        cost_col = None
    use = list(dict.fromkeys([*needed, *([cost_col] if cost_col else [])]))
    lf, kind = _to_lazy(orders, use, engine)
    lf = lf.with_columns(_date=nw.col(date_col).cast(nw.Date))
    if start is not None:
        lf = lf.filter(nw.col("_date") >= nw.lit(_as_date(start, "start")))
    if end is not None:
        lf = lf.filter(nw.col("_date") <= nw.lit(_as_date(end, "end")))
    lf = lf.with_columns(
        period=_period_start(nw.col("_date").cast(nw.Datetime("us")), freq, _impl(lf))
    )
    if cost_col is not None:
        lf = lf.with_columns(_profit=nw.col(amount_col) - nw.col(cost_col))
    aggs = [
        nw.col(amount_col).sum().alias("revenue"),
        nw.col(order_col).n_unique().alias("orders"),
        nw.col(customer_col).n_unique().alias("customers"),
    ]
    if cost_col is not None:
        aggs.append(nw.col("_profit").sum().alias("profit"))
    rep = lf.group_by("period", *dims).agg(*aggs)
    if cost_col is None:
        rep = rep.with_columns(profit=nw.lit(None, dtype=nw.Float64))
    rep = rep.with_columns(
        nw.col("orders").cast(nw.Int64),
        nw.col("customers").cast(nw.Int64),
        avg_order_value=nw.col("revenue") / nw.col("orders"),
        _prev=nw.col("period").dt.offset_by("-" + _FREQ_STEP[freq]),
        _prev_year=(
            # the same week one year earlier is 52 weeks back (keeps the Monday)
            nw.col("period").dt.offset_by("-364d")
            if freq == "W"
            else nw.col("period").dt.offset_by("-1y")
        ),
    )
    for key, name in (("_prev", "revenue_pop"), ("_prev_year", "revenue_yoy")):
        base = rep.select(nw.col("period").alias(key), *dims, nw.col("revenue").alias("_base"))
        rep = rep.join(base, on=[key, *dims], how="left").with_columns(
            nw.when(nw.col("_base") != 0)
            .then(nw.col("revenue") / nw.col("_base") - 1)
            .otherwise(nw.lit(None, dtype=nw.Float64))
            .alias(name)
        )
        rep = rep.drop("_base")
    rep = rep.select("period", *dims, *SALES_METRICS, "revenue_pop", "revenue_yoy").sort(
        "period", *dims
    )
    out = _from_lazy(rep, kind)
    if kind == "pandas":
        out = _normalise_pandas(out).reset_index(drop=True)
    return out


# ---------------------------------------------------------------------------------------------
# cohorts


def cohort_retention(
    orders: Any,
    *,
    as_of: Any,
    freq: Literal["Y", "Q", "M", "W"] = "M",
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str | None = N.AMOUNT,
    engine: Literal["auto", "polars", "duckdb", "pandas"] = "auto",
) -> Any:
    """Share of each first-purchase cohort that buys again ``k`` periods later.

    A customer belongs to the cohort of the period of their first purchase (lines with a
    negative amount are returns, not purchases) and is *active* in a period with at least
    one purchase. Only lines up to ``as_of`` count.

    Parameters
    ----------
    orders : DataFrame-like
        Order lines (pandas, Polars, DuckDB or PySpark).
    as_of : date-like
        Last day counted.
    freq : {"Y", "Q", "M", "W"}, default "M"
        Cohort and period length; weeks start on Monday.
    customer_col, date_col : str
        Customer and date columns.
    amount_col : str or None, default "amount"
        Line amount, used to leave returns out; None counts every line.
    engine : {"auto", "polars", "duckdb", "pandas"}, default "auto"
        Engine for a pandas input.

    Returns
    -------
    DataFrame-like
        Long form, same kind as ``orders``: ``cohort`` (period start), ``period_index``
        (0 = the cohort's own period), ``customers`` (active customers of the cohort) and
        ``retention`` (customers / cohort size), sorted by cohort and period index.

    Examples
    --------
    >>> orders = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-11",
    ...                                   "2024-03-02", "2024-02-05"]),
    ...     "amount": [10.0, 20.0, 5.0, 7.0, 9.0]})
    >>> cohort_retention(orders, as_of="2024-03-31")
          cohort  period_index  customers  retention
    0 2024-01-01             0          2        1.0
    1 2024-01-01             1          1        0.5
    2 2024-01-01             2          1        0.5
    3 2024-02-01             0          1        1.0
    """
    _choice(freq, ("Y", "Q", "M", "W"), "freq")
    as_of_d = _as_date(as_of)
    columns = _columns_of(orders)
    needed = {customer_col: "customer_col", date_col: "date_col"}
    if amount_col is not None:
        needed[amount_col] = "amount_col"
    _require_columns(columns, needed, "orders")
    lf, kind = _to_lazy(orders, list(needed), engine)
    lf = lf.with_columns(_date=nw.col(date_col).cast(nw.Date)).filter(
        nw.col("_date") <= nw.lit(as_of_d), ~nw.col(customer_col).is_null()
    )
    if amount_col is not None:
        lf = lf.filter(nw.col(amount_col) >= 0)
    per = _period_start(nw.col("_date").cast(nw.Datetime("us")), freq, _impl(lf))
    if freq == "W":
        index = _day_number(nw.col("_p").cast(nw.Date), _impl(lf)) // 7
    elif freq == "Y":
        index = nw.col("_p").dt.year()
    elif freq == "Q":
        index = nw.col("_p").dt.year() * 4 + (nw.col("_p").dt.month() - 1) // 3
    else:
        index = nw.col("_p").dt.year() * 12 + nw.col("_p").dt.month() - 1
    act = lf.select(customer_col, _p=per).unique().with_columns(_i=index)
    first = act.group_by(customer_col).agg(
        nw.col("_p").min().alias("cohort"), nw.col("_i").min().alias("_i0")
    )
    act = act.join(first, on=customer_col, how="inner").with_columns(
        period_index=(nw.col("_i") - nw.col("_i0")).cast(nw.Int64)
    )
    res = act.group_by("cohort", "period_index").agg(nw.len().alias("customers"))
    size = res.filter(nw.col("period_index") == 0).select("cohort", nw.col("customers").alias("_n"))
    res = (
        res.join(size, on="cohort", how="left")
        .with_columns(
            nw.col("customers").cast(nw.Int64),
            retention=nw.col("customers").cast(nw.Float64) / nw.col("_n"),
        )
        .select("cohort", "period_index", "customers", "retention")
        .sort("cohort", "period_index")
    )
    out = _from_lazy(res, kind)
    if kind == "pandas":
        out = _normalise_pandas(out).reset_index(drop=True)
    return out


# ---------------------------------------------------------------------------------------------
# value arithmetic (domain.md §4)


def _number(value: Any, name: str, *, positive: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise MetricsInputError(f"{name}={value!r} is not a number") from exc
    if not np.isfinite(x) or x < 0 or (positive and x == 0):
        need = "positive" if positive else "zero or positive"
        raise MetricsInputError(f"{name}={value!r} must be a finite {need} number")
    return x


def simple_clv(
    first_profit: float, repeat_profit: float, purchases_per_year: float, years: float
) -> float:
    """Customer lifetime value the simple way (seed 000 §二.1): first profit plus repeats.

    ``CLV = first_profit + repeat_profit * purchases_per_year * years``; it is the most one
    may spend to win the customer and break even (undiscounted; see :mod:`workbench.clv` for
    the probabilistic models).

    Parameters
    ----------
    first_profit : float
        Profit of the first sale.
    repeat_profit : float
        Profit of one repeat purchase.
    purchases_per_year : float
        Repeat purchases a year.
    years : float
        Years the customer stays.

    Returns
    -------
    float
        The lifetime value.

    Examples
    --------
    >>> simple_clv(75, 150, 3, 2)
    975.0
    """
    args = (first_profit, repeat_profit, purchases_per_year, years)
    names = ("first_profit", "repeat_profit", "purchases_per_year", "years")
    f, r, n, y = (_number(v, k) for v, k in zip(args, names, strict=True))
    return f + r * n * y


@dataclass(frozen=True)
class GrowthLevers:
    """Revenue from the three sources of growth (seed 000 §一.2-4), now and after changes.

    Attributes
    ----------
    customers, order_value, purchases_per_year : float
        The baseline.
    revenue : float
        ``customers * order_value * purchases_per_year``.
    new_customers, new_order_value, new_purchases_per_year : float
        After the what-if changes.
    new_revenue, change : float
        Revenue after the changes and the difference to ``revenue``.
    by_lever : dict
        The change each lever alone brings (``customers``, ``order_value``,
        ``purchases_per_year``).
    """

    customers: float
    order_value: float
    purchases_per_year: float
    revenue: float
    new_customers: float
    new_order_value: float
    new_purchases_per_year: float
    new_revenue: float
    change: float
    by_lever: Mapping[str, float]


def growth_levers(
    customers: float,
    order_value: float,
    purchases_per_year: float = 1.0,
    *,
    customers_change: float = 0.0,
    order_value_change: float = 0.0,
    purchases_change: float = 0.0,
) -> GrowthLevers:
    """Revenue = customers x order value x purchases a year, and what-if changes to each.

    Parameters
    ----------
    customers : float
        Number of customers (or orders a year with ``purchases_per_year=1``).
    order_value : float
        Value of one purchase.
    purchases_per_year : float, default 1
        Purchases per customer a year.
    customers_change, order_value_change, purchases_change : float, default 0
        Relative changes, e.g. ``0.1`` for +10 %.

    Returns
    -------
    GrowthLevers
        Baseline, new revenue, the change and each lever's own contribution.

    Examples
    --------
    >>> growth_levers(1000, 10_000, 2).revenue
    20000000.0
    >>> growth_levers(1000, 50_000, order_value_change=0.10).change
    5000000.0
    """
    c = _number(customers, "customers")
    v = _number(order_value, "order_value")
    n = _number(purchases_per_year, "purchases_per_year")
    changes = {"customers": customers_change, "order_value": order_value_change}
    changes["purchases_per_year"] = purchases_change
    for key, val in changes.items():
        if not np.isfinite(float(val)) or float(val) < -1:
            raise MetricsInputError(f"{key} change {val!r} must be a fraction >= -1 (e.g. 0.1)")
    nc, nv, nn = (
        c * (1 + customers_change),
        v * (1 + order_value_change),
        n * (1 + purchases_change),
    )
    base = c * v * n
    a, b, d = customers_change, order_value_change, purchases_change
    by_lever = {"customers": base * a, "order_value": base * b, "purchases_per_year": base * d}
    # expanded product, so that one lever alone gives exactly base * change
    change = base * (a + b + d + a * b + a * d + b * d + a * b * d)
    return GrowthLevers(c, v, n, base, nc, nv, nn, base + change, change, by_lever)


@dataclass(frozen=True)
class ReferralProjection:
    """New customers and value expected from referrals (seed 000 §一.5).

    Attributes
    ----------
    contacts : float
        Users reached: ``customers * users_per_customer``.
    new_customers : float
        ``contacts * referrals_per_user``.
    value : float
        ``new_customers * value_per_customer``.
    """

    contacts: float
    new_customers: float
    value: float


def referral_projection(
    customers: float,
    users_per_customer: float,
    referrals_per_user: float,
    value_per_customer: float,
) -> ReferralProjection:
    """Project referrals: every customer's users each bring new customers.

    Parameters
    ----------
    customers : float
        Current customers.
    users_per_customer : float
        People using the product at each customer (contacts).
    referrals_per_user : float
        New customers each user refers.
    value_per_customer : float
        Value of one new customer.

    Returns
    -------
    ReferralProjection
        Contacts, new customers and their value.

    Examples
    --------
    >>> p = referral_projection(1000, 3, 3, 20_000)
    >>> p.new_customers, p.value
    (9000.0, 180000000.0)
    """
    c = _number(customers, "customers")
    u = _number(users_per_customer, "users_per_customer")
    r = _number(referrals_per_user, "referrals_per_user")
    v = _number(value_per_customer, "value_per_customer")
    return ReferralProjection(c * u, c * u * r, c * u * r * v)


def receivable_total(
    receivables: Any = None,
    *,
    count: float | None = None,
    amount_each: float | None = None,
    amount_col: str = "amount",
    paid_col: str = "paid_amount",
) -> float:
    """Total open receivables: from a receivables table, or count x amount (seed 000 §一.7).

    Parameters
    ----------
    receivables : pandas.DataFrame, optional
        The ``receivables`` table; open amount = ``amount - paid_amount`` (missing paid = 0),
        only positive open amounts count.
    count, amount_each : float, optional
        Without a table: number of open tails and the amount of each.
    amount_col, paid_col : str
        Columns of the table.

    Returns
    -------
    float
        The total open amount.

    Raises
    ------
    MetricsInputError
        If neither a table nor ``count`` and ``amount_each`` are given, or a column is missing.

    Examples
    --------
    >>> receivable_total(count=100, amount_each=100_000)
    10000000.0
    >>> receivable_total(pd.DataFrame({"amount": [100.0, 50.0], "paid_amount": [40.0, 50.0]}))
    60.0
    """
    if receivables is None:
        if count is None or amount_each is None:
            raise MetricsInputError(
                "receivable_total needs the receivables table or both count and amount_each"
            )
        return _number(count, "count") * _number(amount_each, "amount_each")
    _require_columns(receivables.columns, {amount_col: "amount_col"}, "receivables")
    amount = pd.to_numeric(receivables[amount_col], errors="coerce").fillna(0.0)
    paid = (
        pd.to_numeric(receivables[paid_col], errors="coerce").fillna(0.0)
        if paid_col in receivables.columns
        else 0.0
    )
    open_ = (amount - paid).clip(lower=0.0)
    return float(open_.sum())


# ---------------------------------------------------------------------------------------------
# data-driven value and loyalty measures

COMPLAINT_GROUPS = ("no_complaint", "unresolved", "resolved")


def _pandas_input(frame: Any, table: str) -> pd.DataFrame:
    if _is_pandas(frame):
        return frame
    try:
        nwf = nw.from_native(frame)
    except TypeError as exc:
        raise MetricsInputError(f"{table}: pass a pandas DataFrame") from exc
    if isinstance(nwf, nw.LazyFrame):
        nwf = nwf.collect()
    return nwf.to_pandas()


def repurchase_by_complaint(
    orders: Any,
    complaints: Any,
    *,
    as_of: Any,
    window_days: int = 365,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str = N.AMOUNT,
    complaint_date_col: str = "date",
    outcome_col: str = "outcome",
) -> pd.DataFrame:
    """Repurchase rate of customers without complaint, with an unresolved and a resolved one.

    Seed 004: customers whose complaint was resolved buy again more than those whose
    complaint was not, and "95 % of unhappy customers never complain". Each customer gets a
    reference date and counts as repurchased if they bought within ``window_days`` after it:

    - a customer with complaints: their last complaint dated at least ``window_days`` before
      ``as_of`` (so the whole window is observed); the group is that complaint's outcome
      (``resolved``; anything else, missing included, is ``unresolved``);
    - a customer with no complaint up to ``as_of``: their last purchase at least
      ``window_days`` before ``as_of``.

    Customers without such a reference date are left out. Returns (negative lines) are not
    purchases.

    Parameters
    ----------
    orders, complaints : pandas.DataFrame
        The ``orders`` and ``complaints`` tables.
    as_of : date-like
        Observation date.
    window_days : int, default 365
        Days after the reference date in which a purchase counts.
    customer_col, date_col, amount_col : str
        Order columns.
    complaint_date_col, outcome_col : str
        Complaint columns.

    Returns
    -------
    pandas.DataFrame
        One row per group (``no_complaint``, ``unresolved``, ``resolved``): ``group``,
        ``customers``, ``repurchased``, ``repurchase_rate`` (NaN for an empty group).

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c", "d"],
    ...     "order_date": pd.to_datetime(["2023-01-01", "2023-06-01", "2023-01-01",
    ...                                   "2023-01-01", "2023-03-01", "2023-02-01"]),
    ...     "amount": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0]})
    >>> complaints = pd.DataFrame({"customer_id": ["b", "c"],
    ...     "date": pd.to_datetime(["2023-01-10", "2023-01-15"]),
    ...     "outcome": ["unresolved", "resolved"]})
    >>> repurchase_by_complaint(orders, complaints, as_of="2024-12-31")
              group  customers  repurchased  repurchase_rate
    0  no_complaint          2            0              0.0
    1    unresolved          1            0              0.0
    2      resolved          1            1              1.0
    """
    o = _pandas_input(orders, "orders")
    k = _pandas_input(complaints, "complaints")
    _require_columns(
        o.columns,
        {customer_col: "customer_col", date_col: "date_col", amount_col: "amount_col"},
        "orders",
    )
    _require_columns(
        k.columns,
        {customer_col: "customer_col", complaint_date_col: "complaint_date_col"},
        "complaints",
    )
    as_of_ts = pd.Timestamp(_as_date(as_of))
    window = pd.Timedelta(days=int(window_days))
    cutoff = as_of_ts - window
    buys = o.loc[pd.to_numeric(o[amount_col], errors="coerce") >= 0, [customer_col, date_col]]
    buys = buys.assign(_d=pd.to_datetime(buys[date_col]).dt.normalize())
    buys = buys.loc[buys["_d"] <= as_of_ts, [customer_col, "_d"]]
    comp = k.assign(_d=pd.to_datetime(k[complaint_date_col]).dt.normalize())
    comp = comp.loc[comp["_d"] <= as_of_ts]
    outcome = comp[outcome_col] if outcome_col in comp.columns else pd.Series("", index=comp.index)
    comp = comp.assign(
        _g=np.where(outcome.astype("string") == "resolved", "resolved", "unresolved")
    )
    eligible = comp.loc[comp["_d"] <= cutoff].sort_values("_d", kind="stable")
    ref_c = eligible.groupby(customer_col, sort=False).tail(1)[[customer_col, "_d", "_g"]]
    complainers = set(comp[customer_col])
    quiet = buys.loc[(buys["_d"] <= cutoff) & ~buys[customer_col].isin(complainers)]
    ref_q = quiet.groupby(customer_col, as_index=False)["_d"].max().assign(_g="no_complaint")
    ref = pd.concat([ref_c, ref_q], ignore_index=True).rename(columns={"_d": "_ref"})
    hit = buys.merge(ref[[customer_col, "_ref"]], on=customer_col)
    hit = hit.loc[(hit["_d"] > hit["_ref"]) & (hit["_d"] <= hit["_ref"] + window), customer_col]
    ref = ref.assign(_r=ref[customer_col].isin(set(hit)))
    rows = []
    for g in COMPLAINT_GROUPS:
        sel = ref.loc[ref["_g"] == g, "_r"]
        n, r = int(sel.size), int(sel.sum())
        rows.append((g, n, r, r / n if n else np.nan))
    return pd.DataFrame(rows, columns=["group", "customers", "repurchased", "repurchase_rate"])


#: Response-rate benchmarks by marketing approach (seed 004), as fractions (low, high).
CAMPAIGN_BENCHMARKS: Mapping[str, tuple[float, float]] = {
    "mass": (0.02, 0.05),
    "information": (0.01, 0.03),
    "differentiated": (0.06, 0.15),
    "relationship": (0.18, 0.30),
}


def campaign_response(
    campaigns: Any,
    *,
    by: str = "channel",
    responded_col: str = "responded",
    approach_col: str = "approach",
    benchmarks: Mapping[str, tuple[float, float]] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Response rate per channel or approach, beside the seed's benchmark ranges.

    Parameters
    ----------
    campaigns : pandas.DataFrame
        The ``campaigns`` table: one row per customer reached.
    by : str, default "channel"
        Grouping column (``channel``, ``approach``, ``campaign_id``...).
    responded_col : str, default "responded"
        Whether the customer responded (bool; missing = no).
    approach_col : str, default "approach"
        Approach column, for the benchmarks when ``by`` is it.
    benchmarks : mapping, optional
        ``{approach: (low, high)}``; default :data:`CAMPAIGN_BENCHMARKS` (seed 004).
    lang : {"en", "zh"}, default "en"
        Language of the ``label`` column.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by reach: ``by``, ``label``, ``reached``, ``responded``,
        ``response_rate``, and when grouped by approach ``benchmark_low``,
        ``benchmark_high`` and ``versus_benchmark`` (``below``, ``within``, ``above``).

    Examples
    --------
    >>> c = pd.DataFrame({"approach": ["mass"] * 50 + ["relationship"] * 10,
    ...                   "responded": [True] * 2 + [False] * 48 + [True] * 4 + [False] * 6})
    >>> campaign_response(c, by="approach")[["approach", "response_rate", "versus_benchmark"]]
           approach  response_rate versus_benchmark
    0          mass           0.04           within
    1  relationship           0.40            above
    """
    check_lang(lang)
    c = _pandas_input(campaigns, "campaigns")
    _require_columns(c.columns, {by: "by", responded_col: "responded_col"}, "campaigns")
    resp = c[responded_col].astype("boolean").fillna(False).astype(bool)
    g = (
        pd.DataFrame({by: c[by].astype("string").fillna("(missing)"), "_r": resp})
        .groupby(by, sort=True)["_r"]
        .agg(reached="size", responded="sum")
        .reset_index()
    )
    g["responded"] = g["responded"].astype("int64")
    g["response_rate"] = g["responded"] / g["reached"]
    key = "campaign_approach" if by == approach_col else None
    known = labels(key, lang) if key else {}
    g.insert(1, "label", [known.get(v, v) for v in g[by]])
    if by == approach_col:
        bench = dict(CAMPAIGN_BENCHMARKS if benchmarks is None else benchmarks)
        low = g[by].map(lambda v: bench.get(v, (np.nan, np.nan))[0]).astype("float64")
        high = g[by].map(lambda v: bench.get(v, (np.nan, np.nan))[1]).astype("float64")
        g["benchmark_low"], g["benchmark_high"] = low, high
        rate = g["response_rate"]
        verdict = np.where(rate < low, "below", np.where(rate > high, "above", "within"))
        g["versus_benchmark"] = pd.Series(verdict, index=g.index).where(low.notna())
    g = g.sort_values(["reached", by], ascending=[False, True], kind="stable")
    return g.reset_index(drop=True)


def lost_reason_pareto(
    lost_reasons: Any,
    *,
    reason_col: str = "reason",
    lang: str = "en",
) -> pd.DataFrame:
    """Pareto of lost-customer reasons with each reason's diagnostic question (seed 003).

    Parameters
    ----------
    lost_reasons : pandas.DataFrame
        The ``lost_reasons`` table (one row per lost customer).
    reason_col : str, default "reason"
        Reason column (ids of ``workbench.schema.LOST_REASONS``; others are kept as given).
    lang : {"en", "zh"}, default "en"
        Language of ``label`` and ``question``.

    Returns
    -------
    pandas.DataFrame
        One row per reason, most frequent first (ties by reason id): ``reason``, ``label``,
        ``question``, ``count``, ``share``, ``cumulative_share``, and when the table has
        them ``win_back_attempted``, ``won_back`` and ``win_back_rate`` (won back / attempted).

    Examples
    --------
    >>> lr = pd.DataFrame({"reason": ["budget_short", "poor_results", "budget_short",
    ...                               "budget_short"]})
    >>> lost_reason_pareto(lr)[["reason", "count", "share", "cumulative_share"]]
             reason  count  share  cumulative_share
    0  budget_short      3   0.75              0.75
    1  poor_results      1   0.25               1.0
    """
    check_lang(lang)
    lr = _pandas_input(lost_reasons, "lost_reasons")
    _require_columns(lr.columns, {reason_col: "reason_col"}, "lost_reasons")
    reason = lr[reason_col].astype("string").fillna("(missing)")
    df = pd.DataFrame({"reason": reason})
    extra = {}
    for col in ("win_back_attempted", "won_back"):
        if col in lr.columns:
            df[col] = lr[col].astype("boolean").fillna(False).astype("int64")
            extra[col] = (col, "sum")
    out = df.groupby("reason", sort=True).agg(count=("reason", "size"), **extra).reset_index()
    out = out.sort_values(["count", "reason"], ascending=[False, True], kind="stable")
    total = out["count"].sum()
    out["share"] = out["count"] / total
    out["cumulative_share"] = out["count"].cumsum() / total
    if {"win_back_attempted", "won_back"} <= set(out.columns):
        att = out["win_back_attempted"]
        out["win_back_rate"] = (out["won_back"] / att).where(att > 0)
    names = labels("lost_reason", lang)
    questions = labels("lost_reason_question", lang)
    out.insert(1, "label", [names.get(r, r) for r in out["reason"]])
    out.insert(2, "question", [questions.get(r, "") for r in out["reason"]])
    return out.reset_index(drop=True)


#: Loyalty measures of seed 004 that order data cannot give: fields the database should keep.
LOYALTY_FIELDS_TO_KEEP = (
    "share_of_need",
    "brand_attention",
    "time_to_choose",
    "price_sensitivity",
    "attitude_to_competitors",
    "quality_incident_tolerance",
)


def loyalty_measures(summary: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Loyalty measures of seed 004 that a customer summary supports.

    Measures (``measure`` ids, labels ``metric.<id>``): ``customers``; ``repeat_customers``
    (``frequency >= 1``); ``repeat_purchase_rate`` (their share); ``mean_purchases``
    (``rfm_frequency`` per customer); ``mean_interpurchase_interval`` and
    ``median_interpurchase_interval`` (``recency / frequency`` of repeat customers, in the
    summary's time unit); ``repeat_revenue_share`` (share of revenue from repeat customers).
    The other measures of seed 004 (share of the customer's need, attention to the brand,
    time taken to choose, price sensitivity, attitude to competitors, tolerance of quality
    incidents) need fields the database should keep: :data:`LOYALTY_FIELDS_TO_KEEP`.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`customer_summary`.
    lang : {"en", "zh"}, default "en"
        Language of the ``label`` column.

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``label``, ``value``.

    Examples
    --------
    >>> s = pd.DataFrame({"rfm_frequency": [1, 3, 2], "frequency": [0, 2, 1],
    ...                   "recency": [0.0, 20.0, 30.0], "revenue": [10.0, 60.0, 30.0]})
    >>> loyalty_measures(s).set_index("measure")["value"].round(3).to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'customers': 3.0, 'repeat_customers': 2.0, 'repeat_purchase_rate': 0.667,
     'mean_purchases': 2.0, 'mean_interpurchase_interval': 20.0,
     'median_interpurchase_interval': 20.0, 'repeat_revenue_share': 0.9}
    """
    check_lang(lang)
    s = _pandas_input(summary, "the customer summary")
    cols = {N.RFM_FREQUENCY: "rfm_frequency", N.FREQUENCY: "frequency", N.RECENCY: "recency"}
    cols[N.REVENUE] = "revenue"
    _require_columns(s.columns, cols, "the customer summary")
    n = len(s)
    rep = s[N.FREQUENCY].to_numpy() >= 1
    interval = s.loc[rep, N.RECENCY].to_numpy(float) / s.loc[rep, N.FREQUENCY].to_numpy(float)
    revenue = s[N.REVENUE].to_numpy(float)
    total = revenue.sum()
    values = {
        "customers": float(n),
        "repeat_customers": float(rep.sum()),
        "repeat_purchase_rate": rep.mean() if n else np.nan,
        "mean_purchases": float(s[N.RFM_FREQUENCY].mean()) if n else np.nan,
        "mean_interpurchase_interval": interval.mean() if interval.size else np.nan,
        "median_interpurchase_interval": float(np.median(interval)) if interval.size else np.nan,
        "repeat_revenue_share": revenue[rep].sum() / total if total else np.nan,
    }
    return pd.DataFrame(
        {
            "measure": list(values),
            "label": [label(f"metric.{k}", lang) for k in values],
            "value": [float(v) for v in values.values()],
        }
    )
