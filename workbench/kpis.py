"""Customer-relationship KPIs over a period (domain.md §3.5, seed 004).

Seed 004 names four CRM indicators: new customers (新增客户量/率), lost customers
(流失客户量/率), upgraded customers (升级客户量/率) and average profitability per customer
(客户平均赢利能力). :func:`period_kpis` computes them over ``[start, end]``, overall or by any
dimension (department, salesperson, outlet, region...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from workbench import names as N
from workbench.scan import collect as _pandas
from workbench.tiers import LIFECYCLE_RULES, TIER_RANK, LifecycleRules, lifecycle_tiers

__all__ = ["KPI_COLUMNS", "period_kpis", "customer_dimension"]


def _lazy(orders: Any) -> nw.LazyFrame:
    """Any supported frame (pandas, Polars, DuckDB, PySpark) as a narwhals LazyFrame."""
    frame = nw.from_native(orders)
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


#: Output columns of :func:`period_kpis` after the group columns.
KPI_COLUMNS: tuple[str, ...] = (
    "customers_start",
    "active_start",
    "customers_end",
    "new_customers",
    "new_rate",
    "lost_customers",
    "lost_rate",
    "upgraded_customers",
    "upgraded_rate",
    "reactivated_customers",
    "buyers",
    "revenue",
    "profit",
    "avg_profit",
)


def customer_dimension(
    orders: Any,
    by: str,
    *,
    customer_col: str = N.CUSTOMER_ID,
    amount_col: str = N.AMOUNT,
) -> pd.Series:
    """Give each customer the value of ``by`` that holds most of their revenue.

    A customer served by two departments belongs to the one that sold them more; on equal
    revenue the value that sorts first wins (deterministic).

    Parameters
    ----------
    orders : DataFrame-like
        Order lines with ``customer_col``, ``amount_col`` and ``by``: pandas, Polars,
        DuckDB or PySpark (aggregated in its own engine).
    by : str
        Dimension column (``department``, ``salesperson``, ``outlet``...).
    customer_col, amount_col : str
        Columns.

    Returns
    -------
    pandas.Series
        Indexed by customer id, named ``by``.

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                   "department": ["x", "y", "y", "x"], "amount": [50.0, 30.0, 30.0, 5.0]})
    >>> customer_dimension(o, "department").to_dict()
    {'a': 'y', 'b': 'x'}
    """
    rev = _pandas(
        _lazy(orders)
        .with_columns(_v=nw.col(amount_col).cast(nw.Float64).fill_null(0.0))
        .group_by(customer_col, by)
        .agg(nw.col("_v").sum())
        .to_native()
    )
    rev = rev.sort_values([customer_col, "_v", by], ascending=[True, False, True], kind="stable")
    first = rev.drop_duplicates(customer_col)
    return pd.Series(first[by].to_numpy(), index=first[customer_col].to_numpy(), name=by)


def _state(
    orders: Any,
    customers: pd.DataFrame | None,
    as_of: pd.Timestamp,
    rules: LifecycleRules,
    cols: dict[str, str],
) -> pd.DataFrame:
    """Lifecycle tier of every customer at ``as_of`` from ``orders`` (already cut)."""
    from workbench.metrics import customer_summary

    cid = cols["customer_col"]
    summary = _pandas(customer_summary(orders, as_of=as_of, **cols))
    if len(summary):
        tiers = lifecycle_tiers(summary, customers, rules=rules, customer_col=cid)
    else:
        ids = customers[cid] if customers is not None else pd.Series([], dtype="string")
        tiers = pd.DataFrame({cid: ids.astype("string").drop_duplicates().to_numpy()})
        tiers[N.LIFECYCLE_TIER] = "potential"
    return tiers[[cid, N.LIFECYCLE_TIER]].astype({cid: "string", N.LIFECYCLE_TIER: "string"})


def period_kpis(
    orders: Any,
    customers: pd.DataFrame | None = None,
    *,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    by: str | Sequence[str] | None = None,
    rules: LifecycleRules = LIFECYCLE_RULES,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str = N.AMOUNT,
    cost_col: str = N.COST,
) -> pd.DataFrame:
    """Compute the CRM KPIs of seed 004 over the period ``[start, end]``.

    The lifecycle tier of each customer (:func:`workbench.tiers.lifecycle_tiers`) is taken
    twice: at ``start`` from the orders strictly before ``start``, and at ``end`` from the
    orders up to and including ``end`` (both via
    :func:`workbench.metrics.customer_summary`). Then:

    - ``customers_start``: customers with a purchase before ``start`` (any tier but
      potential, dormant included); ``active_start``: those not dormant;
    - ``customers_end``: customers with a purchase by ``end``;
    - **new**: first purchase inside the period; ``new_rate = new / customers_end``;
    - **lost**: active at start, dormant at end; ``lost_rate = lost / customers_start``;
    - **upgraded**: a customer at start whose tier at end ranks higher
      (new < repeat < mature < loyal; :data:`workbench.tiers.TIER_RANK`);
      ``upgraded_rate = upgraded / customers_start``. Potential → new counts as new, not
      as upgraded; dormant is outside the ladder, so a dormant customer who buys again
      counts as ``reactivated``, not upgraded;
    - ``buyers``: customers with an order in the period; ``revenue`` and ``profit``
      (amount − cost; missing without a cost column) of the period's orders;
      ``avg_profit = profit / buyers`` (average profitability per customer).

    With ``by``, each customer belongs to the value of each ``by`` column that holds most of
    their revenue up to ``end`` (:func:`customer_dimension`); a column only in
    ``customers`` (region, owner...) is taken from there.

    Parameters
    ----------
    orders : DataFrame-like
        Order lines (``customer_id, order_date, amount[, cost]`` and the ``by`` columns):
        pandas, Polars, a DuckDB relation or a PySpark DataFrame. The transaction-level
        work (both summaries, the period's money, the dimensions) runs in that engine
        through narwhals; only per-customer results come back to pandas.
    customers : pandas.DataFrame, optional
        The customers table (prospects appear as potential; customer dimensions).
    start, end : date-like
        First and last day of the period, inclusive.
    by : str or list of str, optional
        Dimension columns; None gives one overall row.
    rules : LifecycleRules
        Lifecycle thresholds.
    customer_col, date_col, amount_col, cost_col : str
        Order columns.

    Returns
    -------
    pandas.DataFrame
        One row per group (``by`` columns first) with :data:`KPI_COLUMNS`.

    Raises
    ------
    ValueError
        If ``end`` is before ``start`` or a ``by`` column exists in neither table.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise ValueError(f"the period ends ({end.date()}) before it starts ({start.date()})")
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    lf = _lazy(orders)
    names = lf.collect_schema().names()
    date = nw.col(date_col)
    s0, e0 = start.to_pydatetime(), end.to_pydatetime()
    cols = {
        "customer_col": customer_col,
        "date_col": date_col,
        "amount_col": amount_col,
        "cost_col": cost_col if cost_col in names else None,
    }
    at_start = _state(lf.filter(date < s0).to_native(), customers, start, rules, cols)
    at_end = _state(lf.filter(date <= e0).to_native(), customers, end, rules, cols)
    t = at_end.merge(at_start, on=customer_col, how="outer", suffixes=("_end", "_start"))
    t0 = t[f"{N.LIFECYCLE_TIER}_start"].fillna("potential")
    t1 = t[f"{N.LIFECYCLE_TIER}_end"].fillna("potential")
    r0, r1 = t0.map(TIER_RANK), t1.map(TIER_RANK)
    was_customer = (t0 != "potential").to_numpy()
    flags = pd.DataFrame(
        {
            customer_col: t[customer_col],
            "customers_start": was_customer,
            "active_start": (was_customer & (t0 != "dormant")).to_numpy(),
            "customers_end": (t1 != "potential").to_numpy(),
            "new_customers": (~was_customer & (t1 != "potential")).to_numpy(),
            "lost_customers": (was_customer & (t0 != "dormant") & (t1 == "dormant")).to_numpy(),
            "upgraded_customers": (was_customer & (r1 > r0).fillna(False)).to_numpy(),
            "reactivated_customers": ((t0 == "dormant") & (t1 != "dormant")).to_numpy(),
        }
    )
    # customers without a purchase by the end count in no KPI (and in no group)
    flags = flags[flags["customers_start"] | flags["customers_end"]]
    amount = nw.col(amount_col).cast(nw.Float64).fill_null(0.0)
    period = lf.filter((date >= s0) & (date <= e0)).with_columns(revenue=amount)
    aggs = [nw.col("revenue").sum()]
    if cols["cost_col"] is not None:
        period = period.with_columns(profit=amount - nw.col(cost_col).cast(nw.Float64))
        aggs += [nw.col("profit").sum(), nw.col("profit").count().alias("_n_profit")]
    money = _pandas(period.group_by(customer_col).agg(*aggs).to_native())
    if "profit" in money:
        money["profit"] = money["profit"].where(money.pop("_n_profit") > 0)
    else:
        money["profit"] = np.nan
    money[customer_col] = money[customer_col].astype("string")
    money = money.set_index(customer_col)
    money["buyers"] = 1
    flags = flags.merge(money, left_on=customer_col, right_index=True, how="left")
    flags["buyers"] = flags["buyers"].fillna(0).astype("int64")

    upto_end = lf.filter(date <= e0).to_native()
    for k in keys:
        if k in names:
            dim = customer_dimension(upto_end, k, customer_col=customer_col, amount_col=amount_col)
            dim.index = dim.index.astype("string")
        elif customers is not None and k in customers.columns:
            dim = customers.drop_duplicates(customer_col).set_index(customer_col)[k]
            dim.index = dim.index.astype("string")
        else:
            raise ValueError(
                f"cannot group KPIs by {k!r}: neither orders nor customers has that column"
            )
        flags[k] = flags[customer_col].map(dim).astype("string").fillna("(none)")

    group = keys or [pd.Series("all", index=flags.index, name="_all")]
    counts = [c for c in KPI_COLUMNS if c.endswith(("_start", "_end", "_customers"))] + ["buyers"]
    g = flags.groupby(group, sort=True)
    out = g[counts].sum().astype("int64")
    out["revenue"] = g["revenue"].sum()
    out["profit"] = g["profit"].sum(min_count=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["new_rate"] = out["new_customers"] / out["customers_end"].where(
            out["customers_end"] > 0
        )
        base = out["customers_start"].where(out["customers_start"] > 0)
        out["lost_rate"] = out["lost_customers"] / base
        out["upgraded_rate"] = out["upgraded_customers"] / base
        out["avg_profit"] = out["profit"] / out["buyers"].where(out["buyers"] > 0)
    out = out[list(KPI_COLUMNS)].reset_index()
    return out.drop(columns="_all") if not keys else out
