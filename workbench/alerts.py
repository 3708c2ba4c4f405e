"""Reminders and worklists (自动提醒): who to call today, and why.

Seed 001 asks the system to remind automatically: the customer's product is used up,
N days without follow-up, never followed up, N days since the last purchase, never
purchased. Seed 000 adds greetings on birthdays and holidays, a kanban of receivables
watched daily, and protection deadlines on opportunities.

Every reminder function is pure: frames and an explicit ``as_of`` in, one row per
customer (or contact, invoice, opportunity) out, with the canonical columns
``customer_id, kind, reason, days, due_date, owner`` plus kind-specific ones. All
thresholds live in :class:`AlertConfig`.

Day boundaries are inclusive and use calendar days: "more than 30 days without
follow-up" fires on day 31 (``days > threshold``); "from 14 days before run-out" fires
when ``run_out_date - as_of <= 14``.

Engines
-------
The order log may be big. Wherever a function reads ``orders`` (the customer summary, run-out
dates, repurchase rhythm, buyers, last salesperson), it takes any native frame narwhals reads:
a pandas DataFrame, a Polars DataFrame or LazyFrame, a DuckDB relation or a PySpark
DataFrame. The transaction-level work runs in that engine (pandas frames are handed to
Polars through Arrow, as in :mod:`workbench.metrics`) and only per-customer (or per
customer and product) rows come back to pandas; the order log itself is never collected.
The other tables (customers, follow-ups, contacts, receivables, opportunities) are pandas.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from workbench.labels import label
from workbench.metrics import MetricsInputError, _collect, _day_number, _to_lazy

__all__ = [
    "AlertConfig",
    "DEFAULT_CONFIG",
    "ALERT_KINDS",
    "used_up_products",
    "follow_up_overdue",
    "repurchase_overdue",
    "never_purchased",
    "greetings",
    "receivables_ageing",
    "receivables_kanban",
    "opportunity_deadlines",
    "worklist",
]

ALERT_KINDS = (
    "used_up",
    "follow_up_overdue",
    "never_followed_up",
    "repurchase_overdue",
    "never_purchased",
    "birthday",
    "holiday",
    "receivable_overdue",
    "opportunity_deadline",
    "opportunity_stale",
)

_ALERT_COLUMNS = ["customer_id", "kind", "reason", "days", "due_date", "owner"]


@dataclass(frozen=True)
class AlertConfig:
    """Every threshold of the reminders, with the defaults of the issue.

    Parameters
    ----------
    used_up_lead_days : int
        Remind from this many days before a product runs out.
    used_up_grace_days : int
        Stop reminding this many days after run-out (by then it is a repurchase question).
    used_up_match : {"product", "category"}
        A later purchase of the same product (or of any product of its category) cancels
        the reminder.
    follow_up_days : dict
        Days without follow-up allowed per lifecycle tier; ``"other"`` for the rest.
    new_customer_days : int
        A "new" customer gets the ``new`` threshold only during this many days after the
        first purchase; afterwards ``other``.
    repurchase_factor : float
        Remind when the days since the last purchase exceed ``factor`` times the customer's
        median gap between purchase days.
    repurchase_min_gaps : int
        Fewer gaps than this: use ``repurchase_default_days`` of the tier instead.
    repurchase_default_days : dict
        Default repurchase interval per tier; ``"other"`` for the rest.
    greeting_days : int
        Birthdays and public holidays within this many days (today included).
    holiday_tiers : tuple of str
        Lifecycle tiers whose customers get holiday greetings.
    deadline_days : int
        Opportunities whose protection deadline falls within this many days.
    stale_days : int
        Open opportunities created longer ago than this with no follow-up of the
        customer in the last ``stale_days`` are stale.
    ageing_buckets : tuple of int
        Upper bounds (days overdue) of the receivable buckets after "not due".
    """

    used_up_lead_days: int = 14
    used_up_grace_days: int = 60
    used_up_match: str = "product"
    follow_up_days: dict[str, int] = field(
        default_factory=lambda: {
            "loyal": 14,
            "mature": 30,
            "repeat": 30,
            "new": 7,
            "other": 90,
        }
    )
    new_customer_days: int = 30
    repurchase_factor: float = 1.5
    repurchase_min_gaps: int = 2
    repurchase_default_days: dict[str, int] = field(
        default_factory=lambda: {"new": 60, "repeat": 90, "mature": 60, "loyal": 45, "other": 120}
    )
    greeting_days: int = 7
    holiday_tiers: tuple[str, ...] = ("new", "repeat", "mature", "loyal")
    deadline_days: int = 14
    stale_days: int = 60
    ageing_buckets: tuple[int, ...] = (30, 60, 90)

    def replace(self, **changes: Any) -> AlertConfig:
        """Return a copy with ``changes`` applied (unknown names raise).

        Values given as strings (from the command line or report parameters) are
        converted to the field's type; dict fields take ``"tier=days,tier=days"``.

        Raises
        ------
        ValueError
            If a name is not a threshold; the message lists the valid names.
        """
        names = {f.name: f for f in dataclasses.fields(self)}
        out = {}
        for key, value in changes.items():
            if key not in names:
                raise ValueError(
                    f"unknown alert threshold {key!r}; valid names: {', '.join(names)}"
                )
            current = getattr(self, key)
            if isinstance(value, str):
                if isinstance(current, dict):
                    merged = dict(current)
                    for part in value.split(","):
                        tier, _, days = part.partition("=")
                        merged[tier.strip()] = int(days)
                    value = merged
                elif isinstance(current, tuple):
                    value = tuple(type(current[0])(v) for v in value.split(","))
                else:
                    value = type(current)(value)
            out[key] = value
        return dataclasses.replace(self, **out)


DEFAULT_CONFIG = AlertConfig()


def _ts(as_of: Any) -> pd.Timestamp:
    if as_of is None:
        raise ValueError("as_of is required: pass the date the reminders are for")
    return pd.Timestamp(as_of).normalize()


def _reason(kind: str, lang: str, **values: Any) -> str:
    """The reason text of a reminder, from the label table (``alert.reason.<kind>``)."""
    return label(f"alert.reason.{kind}", lang, **values)


def _empty(extra: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(columns=_ALERT_COLUMNS + (extra or []))


def _order_columns(orders: Any) -> list[str]:
    """Column names of a native order frame, without reading its rows."""
    if isinstance(orders, pd.DataFrame):
        return list(orders.columns)
    return list(nw.from_native(orders).collect_schema().names())


def _orders_lazy(
    orders: Any, columns: dict[str, str], params: dict[str, str] | None = None
) -> nw.LazyFrame:
    """The order columns ``{name in orders: canonical name}`` as a narwhals LazyFrame.

    A pandas frame goes to Polars through Arrow (only these columns); a lazy frame stays in
    its engine. ``params`` names the parameter that sets a column, for the error message.

    Raises
    ------
    workbench.metrics.MetricsInputError
        If a column is missing; the message names it, lists the columns and the fix.
    """
    have = _order_columns(orders)
    params = params or {}
    for col in columns:
        if col not in have:
            fix = (
                f"pass {params[col]}=<your column name> or rename the column"
                if col in params
                else "rename the column (see docs/data_model.md)"
            )
            raise MetricsInputError(f"orders has no column {col!r}; its columns are {have}: {fix}")
    lf, _ = _to_lazy(orders, list(columns), "auto")
    return lf.select(*[nw.col(src).alias(dst) for src, dst in columns.items()])


def _to_pandas(lf: nw.LazyFrame) -> pd.DataFrame:
    """Run a (small, per-customer) narwhals query and return pandas with a RangeIndex."""
    return _collect(lf).to_pandas().reset_index(drop=True)


def _owner_map(customers: pd.DataFrame | None, orders: Any) -> pd.Series:
    """Owner per customer: the customers table's ``owner``, else the last salesperson.

    The last salesperson is computed in the orders' engine (``orders`` is any native frame
    narwhals reads; see the module's Engines section) with a rule that does not depend on
    row order, since lazy engines have none: among the customer's lines that name a
    salesperson (not null, not empty), take those with the latest ``order_date``; among
    them, those with the greatest ``order_id`` (text ids compare character by character,
    so ``"O9"`` beats ``"O10"``), then the greatest ``line_no`` (each only if the column
    exists; lines with a null key lose the tie); if lines still tie, the greatest
    salesperson name. A non-empty ``owner`` in ``customers`` wins over the last
    salesperson. Like before, every order line counts, also those after ``as_of``.
    """
    owner = pd.Series(dtype=object)
    cols = _order_columns(orders) if orders is not None else []
    if {"customer_id", "order_date", "salesperson"} <= set(cols):
        keys = ["order_date"] + [k for k in ("order_id", "line_no") if k in cols]
        lf = _orders_lazy(orders, {k: k for k in ["customer_id", *keys, "salesperson"]})
        sp = nw.col("salesperson")
        lf = lf.filter(
            ~nw.col("customer_id").is_null(),
            ~nw.col("order_date").is_null(),
            ~sp.is_null(),
            sp.cast(nw.String) != "",
        )
        # the latest day by a group-by and semi-join, the other keys on its few lines
        latest = lf.group_by("customer_id").agg(nw.col("order_date").max())
        lf = lf.join(latest, on=["customer_id", "order_date"], how="semi")
        for key in keys[1:]:
            best = nw.col(key).max().over("customer_id")
            lf = lf.filter((nw.col(key) == best) | best.is_null())
        last = _to_pandas(lf.group_by("customer_id").agg(sp.max()))
        if len(last):
            owner = last.set_index("customer_id")["salesperson"].astype(object)
    if customers is not None and "owner" in customers.columns:
        own = customers.set_index("customer_id")["owner"].astype(object)
        own = own[own.notna() & (own.astype(str) != "")]
        owner = own.combine_first(owner)
    return owner


def _tier_of(ids: pd.Series, tiers: pd.DataFrame | None) -> pd.Series:
    if tiers is None or not len(tiers):
        return pd.Series("other", index=ids.index, dtype=object)
    m = tiers.set_index("customer_id")["lifecycle_tier"]
    return ids.map(m).fillna("other").astype(object)


def used_up_products(
    orders: Any,
    products: pd.DataFrame,
    *,
    as_of: Any,
    config: AlertConfig = DEFAULT_CONFIG,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    product_col: str = "product_id",
    quantity_col: str = "quantity",
    lang: str = "en",
) -> pd.DataFrame:
    """Customers whose product runs out soon (产品已经用完), with no later purchase.

    Run-out date = date of the last purchase of the product + units bought that day ×
    the product's ``usage_days``. The reminder shows from ``used_up_lead_days`` before
    run-out until ``used_up_grace_days`` after it. With ``used_up_match="category"`` a
    later purchase of any product of the same category cancels it. Products without
    ``usage_days`` never trigger. The aggregation runs over narwhals, so ``orders`` may
    be pandas, Polars (eager or lazy), a DuckDB relation or a PySpark DataFrame; one row
    per customer and product comes back.

    Parameters
    ----------
    orders : native frame
        Order lines with customer, date, product and quantity columns (any frame
        narwhals reads; see the module's Engines section).
    products : pandas.DataFrame
        ``product_id, category, usage_days``.
    as_of : date-like
        The day of the reminders.
    config : AlertConfig
        Thresholds.
    customer_col, date_col, product_col, quantity_col : str
        Column names in ``orders``.
    lang : {"en", "zh"}
        Language of the ``reason`` texts (every reminder function takes it).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind="used_up", reason, days`` (days until run-out, negative when
        past), ``due_date`` (run-out date), ``owner`` (None here; the worklist fills it),
        ``product_id, last_purchase, quantity``.

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["c1"], "order_date": pd.to_datetime(["2024-01-01"]),
    ...                   "product_id": ["p"], "quantity": [2.0]})
    >>> p = pd.DataFrame({"product_id": ["p"], "category": ["x"], "usage_days": [30.0]})
    >>> used_up_products(o, p, as_of="2024-03-02")[["customer_id", "days"]]
      customer_id  days
    0          c1    -1
    """
    as_of = _ts(as_of)
    extra = ["product_id", "last_purchase", "quantity"]
    prod = products[["product_id", "category", "usage_days"]].copy()
    prod = prod[prod["usage_days"].notna() & (prod["usage_days"] > 0)]
    if not len(prod):
        return _empty(extra)
    key = "product_id" if config.used_up_match == "product" else "category"
    if config.used_up_match not in ("product", "category"):
        raise ValueError(f"used_up_match={config.used_up_match!r}; use 'product' or 'category'")
    o = nw.from_native(orders)
    o = o.select(
        nw.col(customer_col).alias("customer_id"),
        nw.col(date_col).cast(nw.Datetime).alias("order_date"),
        nw.col(product_col).alias("product_id"),
        nw.col(quantity_col).cast(nw.Float64).alias("quantity"),
    ).filter((nw.col("order_date") <= as_of.to_pydatetime()) & (nw.col("quantity") > 0))
    # last purchase day per customer and product, and the units bought that day
    o = o.with_columns(
        nw.col("order_date").max().over("customer_id", "product_id").alias("_last")
    ).filter(nw.col("order_date") == nw.col("_last"))
    last = o.group_by("customer_id", "product_id").agg(
        nw.col("order_date").max().alias("last_purchase"), nw.col("quantity").sum()
    )
    last = last.lazy().collect().to_pandas() if hasattr(last, "lazy") else last.to_pandas()
    last = last.merge(prod, on="product_id", how="inner")
    if not len(last):
        return _empty(extra)
    last["due_date"] = last["last_purchase"] + pd.to_timedelta(
        np.round(last["quantity"] * last["usage_days"]), unit="D"
    )
    # a later purchase of the same product/category cancels the reminder
    latest_key = last.groupby(["customer_id", key])["last_purchase"].transform("max")
    last = last[last["last_purchase"] == latest_key]
    if key == "category":
        last = last.sort_values(["customer_id", "category", "due_date"]).drop_duplicates(
            ["customer_id", "category"], keep="last"
        )
    days = (last["due_date"] - as_of).dt.days
    hit = (days <= config.used_up_lead_days) & (days >= -config.used_up_grace_days)
    out = last[hit].copy()
    out["days"] = days[hit].astype(int)
    out["kind"] = "used_up"
    out["reason"] = [
        _reason("used_up", lang, product=p, date=d.date().isoformat())
        for p, d in zip(out["product_id"], out["due_date"])
    ]
    out["owner"] = None
    out = out.sort_values(["days", "customer_id", "product_id"]).reset_index(drop=True)
    return out[_ALERT_COLUMNS + extra]


def follow_up_overdue(
    customers: pd.DataFrame,
    follow_ups: pd.DataFrame | None,
    *,
    as_of: Any,
    tiers: pd.DataFrame | None = None,
    config: AlertConfig = DEFAULT_CONFIG,
    lang: str = "en",
) -> pd.DataFrame:
    """Customers not followed up for longer than their tier allows, or never (从未跟踪).

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` (and ``created_date`` if known: customers created after
        ``as_of`` are ignored).
    follow_ups : pandas.DataFrame or None
        ``customer_id, date``; None means no follow-up was ever recorded.
    as_of : date-like
        The day of the reminders.
    tiers : pandas.DataFrame, optional
        ``customer_id, lifecycle_tier`` (and ``first_purchase`` for the new-customer
        window); without it every customer gets the ``other`` threshold.
    config : AlertConfig
        Thresholds (``follow_up_days``, ``new_customer_days``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind, reason, days, due_date, owner, last_follow_up, threshold``;
        kind is ``follow_up_overdue`` (days since the last follow-up) or
        ``never_followed_up`` (days since the customer was created, if known).
    """
    as_of = _ts(as_of)
    cust = customers[["customer_id"]].copy()
    if "created_date" in customers.columns:
        created = pd.to_datetime(customers["created_date"])
        cust["created_date"] = created
        cust = cust[created.isna() | (created <= as_of)]
    else:
        cust["created_date"] = pd.NaT
    if follow_ups is not None and len(follow_ups):
        f = follow_ups[pd.to_datetime(follow_ups["date"]) <= as_of]
        lastf = f.groupby("customer_id")["date"].max()
    else:
        lastf = pd.Series(dtype="datetime64[ns]")
    cust["last_follow_up"] = pd.to_datetime(lastf.reindex(cust["customer_id"]).to_numpy())
    tier = _tier_of(cust["customer_id"], tiers)
    if tiers is not None and "first_purchase" in tiers.columns:
        first = cust["customer_id"].map(tiers.set_index("customer_id")["first_purchase"])
        age = (as_of - pd.to_datetime(first)).dt.days
        tier = tier.where(~((tier == "new") & (age > config.new_customer_days)), "other")
    days_map = config.follow_up_days
    cust["threshold"] = tier.map(lambda t: days_map.get(t, days_map["other"])).astype(int)
    never = cust["last_follow_up"].isna()
    cust["days"] = (as_of - cust["last_follow_up"]).dt.days
    cust.loc[never, "days"] = (as_of - cust.loc[never, "created_date"]).dt.days
    overdue = ~never & (cust["days"] > cust["threshold"])
    out = cust[overdue | never].copy()
    out["kind"] = np.where(out["last_follow_up"].isna(), "never_followed_up", "follow_up_overdue")
    out["due_date"] = out["last_follow_up"] + pd.to_timedelta(out["threshold"], unit="D")
    out["reason"] = [
        _reason("never_followed_up", lang)
        if k == "never_followed_up"
        else _reason("follow_up_overdue", lang, days=int(d), limit=t)
        for k, d, t in zip(out["kind"], out["days"], out["threshold"])
    ]
    out["owner"] = None
    out["days"] = out["days"].astype("Int64")
    out = out.sort_values(["kind", "days", "customer_id"], ascending=[True, False, True])
    return out.reset_index(drop=True)[_ALERT_COLUMNS + ["last_follow_up", "threshold"]]


def repurchase_overdue(
    orders: Any,
    *,
    as_of: Any,
    tiers: pd.DataFrame | None = None,
    config: AlertConfig = DEFAULT_CONFIG,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    lang: str = "en",
) -> pd.DataFrame:
    """Customers whose last purchase is longer ago than their own rhythm (已有多少天未再购买).

    The purchase days of a customer are the distinct calendar days of their order lines
    up to ``as_of`` (inclusive); a gap is the number of days between two consecutive
    purchase days. The expected interval is ``repurchase_factor`` × the median gap (the
    mean of the two middle gaps when their number is even) when the customer has at least
    ``repurchase_min_gaps`` gaps; else the tier's ``repurchase_default_days``.

    Parameters
    ----------
    orders : native frame
        Order lines with customer and date columns: a pandas or Polars DataFrame, a Polars
        LazyFrame, a DuckDB relation or a PySpark DataFrame. Days, gaps and the
        per-customer median are computed in that engine; only one row per customer comes
        back.
    as_of : date-like
        The day of the reminders.
    tiers : pandas.DataFrame, optional
        ``customer_id, lifecycle_tier`` (for the default intervals).
    config : AlertConfig
        Thresholds.
    customer_col, date_col : str
        Column names in ``orders``.
    lang : {"en", "zh"}
        Language of the ``reason`` texts.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind="repurchase_overdue", reason, days`` (since the last
        purchase), ``due_date`` (when the purchase was expected), ``owner``,
        ``last_purchase, interval``.

    Raises
    ------
    workbench.metrics.MetricsInputError
        If ``orders`` lacks ``customer_col`` or ``date_col`` (a ValueError).

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["a"] * 3,
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-21"])})
    >>> repurchase_overdue(o, as_of="2024-02-06")[["customer_id", "days", "interval"]]
      customer_id  days  interval
    0           a    16      15.0
    """
    as_of = _ts(as_of)
    extra = ["last_purchase", "interval"]
    lf = _orders_lazy(
        orders,
        {customer_col: "customer_id", date_col: "order_date"},
        {customer_col: "customer_col", date_col: "date_col"},
    )
    day = nw.col("order_date").cast(nw.Date)
    days = (
        lf.select("customer_id", day.alias("d"))
        .filter(
            ~nw.col("customer_id").is_null(),
            ~nw.col("d").is_null(),
            nw.col("d") <= nw.lit(as_of.date()),
        )
        .unique(["customer_id", "d"])
    )
    days = days.with_columns(_n=_day_number(nw.col("d"), days.implementation).cast(nw.Int64))
    days = days.with_columns(_gap=nw.col("_n").diff().over("customer_id", order_by="_n"))
    g = _to_pandas(
        days.group_by("customer_id").agg(
            nw.col("d").max().cast(nw.Datetime("us")).alias("last_purchase"),
            nw.col("_gap").median().cast(nw.Float64).alias("median_gap"),
            nw.col("_gap").count().cast(nw.Int64).alias("n_gaps"),
        )
    )
    if not len(g):
        return _empty(extra)
    g["last_purchase"] = pd.to_datetime(g["last_purchase"]).astype("datetime64[us]")
    tier = _tier_of(g["customer_id"], tiers)
    default = tier.map(
        lambda t: config.repurchase_default_days.get(t, config.repurchase_default_days["other"])
    ).astype(float)
    own = config.repurchase_factor * g["median_gap"]
    g["interval"] = np.where(g["n_gaps"] >= config.repurchase_min_gaps, own, default)
    g["days"] = (as_of - g["last_purchase"]).dt.days
    out = g[g["days"] > g["interval"]].copy()
    out["kind"] = "repurchase_overdue"
    out["due_date"] = out["last_purchase"] + pd.to_timedelta(np.ceil(out["interval"]), unit="D")
    out["reason"] = [
        _reason("repurchase_overdue", lang, days=d, interval=f"{i:.0f}")
        for d, i in zip(out["days"], out["interval"])
    ]
    out["owner"] = None
    out = out.sort_values(["days", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    return out[_ALERT_COLUMNS + extra]


def never_purchased(
    customers: pd.DataFrame,
    orders: Any,
    *,
    as_of: Any,
    lang: str = "en",
    man_variant: str = "000",
) -> pd.DataFrame:
    """Customers and prospects who never bought (从未购买过产品), with their MAN class.

    A buyer is a customer id with an order line dated up to ``as_of`` (by calendar day);
    the set of buyers is computed in the orders' engine and only the ids come back.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` and optionally ``created_date``, ``owner`` and the MAN attributes
        ``man_money, man_authority, man_need``.
    orders : native frame
        Order lines with ``customer_id, order_date``: a pandas or Polars DataFrame, a
        Polars LazyFrame, a DuckDB relation or a PySpark DataFrame.
    as_of : date-like
        The day of the reminders.
    lang : {"en", "zh"}
        Language of the ``reason`` and ``action`` texts.
    man_variant : str
        MAN action table (see :func:`workbench.tiers.man_actions`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind="never_purchased", reason, days`` (since created, if known),
        ``due_date`` (NaT), ``owner, man_class, action``; the action comes from the MAN
        action table when the customers carry MAN attributes.
    """
    as_of = _ts(as_of)
    lf = _orders_lazy(orders, {"customer_id": "customer_id", "order_date": "order_date"})
    buyers = _to_pandas(
        lf.filter(
            ~nw.col("customer_id").is_null(),
            nw.col("order_date").cast(nw.Date) <= nw.lit(as_of.date()),
        )
        .select("customer_id")
        .unique()
    )["customer_id"]
    # a hash lookup in the (unique) buyers: much faster than Series.isin on Arrow strings
    bought = pd.Index(buyers).get_indexer(customers["customer_id"]) >= 0
    c = customers[~bought].copy()
    if "created_date" in c.columns:
        created = pd.to_datetime(c["created_date"])
        c = c[created.isna() | (created <= as_of)]
        c["days"] = (as_of - pd.to_datetime(c["created_date"])).dt.days.astype("Int64")
    else:
        c["days"] = pd.array([pd.NA] * len(c), dtype="Int64")
    c["man_class"] = None
    c["action"] = None
    if {"man_money", "man_authority", "man_need"} <= set(c.columns) and len(c):
        from workbench import tiers as _tiers

        c["man_class"] = _tiers.man_class(c)["man_class"].to_numpy()
        actions = _tiers.man_actions(variant=man_variant, lang=lang)
        amap = actions.set_index("man_class")["action"]
        c["action"] = c["man_class"].map(amap)
    c["kind"] = "never_purchased"
    c["reason"] = [
        _reason("never_purchased_man", lang, man=m)
        if isinstance(m, str)
        else _reason("never_purchased", lang)
        for m in c["man_class"]
    ]
    c["due_date"] = pd.NaT
    c["owner"] = c["owner"] if "owner" in c.columns else None
    return c.reset_index(drop=True)[_ALERT_COLUMNS + ["man_class", "action"]]


def _next_birthday(birthday: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Next occurrence on or after ``as_of``; 29 February is kept on 28 February."""
    month = birthday.dt.month
    day = birthday.dt.day

    def occurrence(year: int) -> pd.Series:
        leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
        d = day.where(~((month == 2) & (day == 29)) | leap, 28)
        return pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": d}), errors="coerce"
        )

    this_year = occurrence(as_of.year)
    next_year = occurrence(as_of.year + 1)
    return this_year.where(this_year >= as_of, next_year)


def greetings(
    contacts: pd.DataFrame | None,
    *,
    as_of: Any,
    customers: pd.DataFrame | None = None,
    tiers: pd.DataFrame | None = None,
    config: AlertConfig = DEFAULT_CONFIG,
    lang: str = "en",
) -> pd.DataFrame:
    """Birthdays of contacts and Chinese public holidays in the next days (问候及祝贺).

    Birthdays: every contact whose next birthday falls in ``[as_of, as_of +
    greeting_days - 1]``; someone born on 29 February is greeted on 28 February in
    common years. Holidays: the public holidays of mainland China from the maintained
    ``holidays`` library in the same window, one row per customer of the tiers in
    ``holiday_tiers`` (addressed to their decision-maker, else leader, else any contact).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind ("birthday" | "holiday"), reason, days`` (until the day),
        ``due_date``, ``owner, contact_id, contact_name``.
    """
    import holidays as _holidays

    as_of = _ts(as_of)
    extra = ["contact_id", "contact_name"]
    window_end = as_of + pd.Timedelta(days=config.greeting_days - 1)
    rows = []
    if contacts is not None and len(contacts) and "birthday" in contacts.columns:
        c = contacts[contacts["birthday"].notna()].copy()
        c["due_date"] = _next_birthday(pd.to_datetime(c["birthday"]), as_of)
        c = c[c["due_date"] <= window_end]
        c["days"] = (c["due_date"] - as_of).dt.days
        c["kind"] = "birthday"
        c["reason"] = [
            _reason("birthday", lang, name=n, date=d.strftime("%m-%d"))
            for n, d in zip(c["name"], c["due_date"])
        ]
        c["contact_id"] = c["contact_id"]
        c["contact_name"] = c["name"]
        c["owner"] = None
        rows.append(c[_ALERT_COLUMNS + extra])
    years = range(as_of.year, window_end.year + 1)
    # English names tell the substituted working-day swaps ("Day off ...") apart
    cal_en = _holidays.China(years=years, language="en_US")
    cal = _holidays.China(years=years, language="zh_CN") if lang == "zh" else cal_en
    hol = sorted(
        (pd.Timestamp(d), cal[d])
        for d, name in cal_en.items()
        if as_of <= pd.Timestamp(d) <= window_end and not name.startswith("Day off")
    )
    # one greeting per holiday name (the first day of a multi-day holiday)
    seen: dict[str, pd.Timestamp] = {}
    for d, name in hol:
        seen.setdefault(name, d)
    if seen and customers is not None and len(customers):
        ids = customers["customer_id"]
        if tiers is not None:
            tier = _tier_of(ids, tiers)
            ids = ids[tier.isin(config.holiday_tiers).to_numpy()]
        else:
            ids = ids[
                ~customers.get("is_prospect", pd.Series(False, index=customers.index))
                .fillna(False)
                .astype(bool)
                .to_numpy()
            ]
        addressee = _addressee(contacts, ids)
        for name, d in sorted(seen.items(), key=lambda kv: kv[1]):
            h = pd.DataFrame({"customer_id": ids.to_numpy()})
            h["kind"] = "holiday"
            h["reason"] = _reason("holiday", lang, name=name, date=d.date().isoformat())
            h["days"] = (d - as_of).days
            h["due_date"] = d
            h["owner"] = None
            h = h.merge(addressee, on="customer_id", how="left")
            rows.append(h[_ALERT_COLUMNS + extra])
    if not rows:
        return _empty(extra)
    out = pd.concat(rows, ignore_index=True)
    out["days"] = out["days"].astype(int)
    return out.sort_values(["days", "kind", "customer_id"]).reset_index(drop=True)


def _addressee(contacts: pd.DataFrame | None, ids: pd.Series) -> pd.DataFrame:
    if contacts is None or not len(contacts):
        return pd.DataFrame(
            {"customer_id": ids.to_numpy(), "contact_id": None, "contact_name": None}
        )
    rank = {"decision_maker": 0, "leader": 1, "supporter": 2, "neutral": 3, "opponent": 4}
    c = contacts[contacts["customer_id"].isin(ids)].copy()
    role = c["role"] if "role" in c.columns else pd.Series(None, index=c.index)
    c["_rank"] = role.map(rank).fillna(9)
    c = c.sort_values(["customer_id", "_rank", "contact_id"]).drop_duplicates("customer_id")
    return c.rename(columns={"name": "contact_name"})[["customer_id", "contact_id", "contact_name"]]


def _bucket_labels(buckets: tuple[int, ...]) -> list[str]:
    out = ["not_due"]
    lo = 1
    for hi in buckets:
        out.append(f"{lo}-{hi}")
        lo = hi + 1
    out.append(f">{buckets[-1]}")
    return out


def receivables_kanban(
    receivables: pd.DataFrame,
    *,
    as_of: Any,
    config: AlertConfig = DEFAULT_CONFIG,
    lang: str = "en",
) -> pd.DataFrame:
    """Open invoices with their ageing bucket (应收账款看板).

    Open amount = ``amount - paid_amount`` (paid 0 when missing); fully paid invoices
    and those issued after ``as_of`` are left out. Buckets by days overdue
    (``as_of - due_date``): ``not_due`` (≤ 0), ``1-30``, ``31-60``, ``61-90``, ``>90``
    with the default ``ageing_buckets``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind="receivable_overdue", reason, days`` (overdue),
        ``due_date, owner, invoice_id, open_amount, bucket``; ``bucket`` is an ordered
        categorical.

    Examples
    --------
    >>> r = pd.DataFrame({"invoice_id": ["i"], "customer_id": ["c"],
    ...     "issue_date": pd.to_datetime(["2024-01-01"]),
    ...     "due_date": pd.to_datetime(["2024-01-31"]),
    ...     "amount": [100.0], "paid_amount": [40.0]})
    >>> receivables_kanban(r, as_of="2024-03-01")[["bucket", "open_amount", "days"]]
      bucket  open_amount  days
    0   1-30         60.0    30
    """
    as_of = _ts(as_of)
    r = receivables[pd.to_datetime(receivables["issue_date"]) <= as_of].copy()
    paid = r["paid_amount"].fillna(0.0) if "paid_amount" in r.columns else 0.0
    r["open_amount"] = (r["amount"] - paid).round(2)
    r = r[r["open_amount"] > 0]
    r["days"] = (as_of - pd.to_datetime(r["due_date"])).dt.days.astype(int)
    names = _bucket_labels(config.ageing_buckets)
    edges = [-np.inf, 0, *config.ageing_buckets, np.inf]
    r["bucket"] = pd.Categorical(
        pd.cut(r["days"], bins=edges, labels=names, right=True).astype(str),
        categories=names,
        ordered=True,
    )
    r["kind"] = "receivable_overdue"
    r["reason"] = [
        _reason("receivable_overdue", lang, amount=f"{a:,.2f}", days=d)
        for a, d in zip(r["open_amount"], r["days"])
    ]
    if "owner" not in r.columns:
        r["owner"] = None
    r = r.sort_values(["days", "invoice_id"], ascending=[False, True]).reset_index(drop=True)
    return r[_ALERT_COLUMNS + ["invoice_id", "open_amount", "bucket"]]


def receivables_ageing(
    receivables: pd.DataFrame,
    *,
    as_of: Any,
    by: str | list[str] | None = None,
    config: AlertConfig = DEFAULT_CONFIG,
) -> pd.DataFrame:
    """Open receivable totals by ageing bucket, overall or by customer/owner.

    Returns
    -------
    pandas.DataFrame
        ``[by...], bucket, amount, invoices, customers``, one row per bucket (all
        buckets present, zero when empty).
    """
    k = receivables_kanban(receivables, as_of=as_of, config=config)
    keys = ([by] if isinstance(by, str) else list(by or [])) + ["bucket"]
    g = k.groupby(keys, observed=False).agg(
        amount=("open_amount", "sum"),
        invoices=("invoice_id", "count"),
        customers=("customer_id", "nunique"),
    )
    return g.reset_index()


def opportunity_deadlines(
    opportunities: pd.DataFrame,
    *,
    as_of: Any,
    follow_ups: pd.DataFrame | None = None,
    config: AlertConfig = DEFAULT_CONFIG,
    lang: str = "en",
) -> pd.DataFrame:
    """Open opportunities near their protection deadline (机会保留底线), and stale ones.

    Open = stage not ``won``/``lost``. ``opportunity_deadline``: the deadline falls in
    ``[as_of, as_of + deadline_days]`` (``days`` until it; a deadline already passed is
    reported with negative days). ``opportunity_stale``: opened more than
    ``stale_days`` ago and no follow-up of the customer in the last ``stale_days``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, kind, reason, days, due_date, owner, opportunity_id, amount, stage``.
    """
    as_of = _ts(as_of)
    o = opportunities[pd.to_datetime(opportunities["created_date"]) <= as_of].copy()
    o = o[~o["stage"].isin(["won", "lost"])]
    if "owner" not in o.columns:
        o["owner"] = None
    if "amount" not in o.columns:
        o["amount"] = np.nan
    out = []
    if "protection_deadline" in o.columns:
        d = o[o["protection_deadline"].notna()].copy()
        d["due_date"] = pd.to_datetime(d["protection_deadline"])
        d["days"] = (d["due_date"] - as_of).dt.days
        d = d[d["days"] <= config.deadline_days]
        d["kind"] = "opportunity_deadline"
        d["reason"] = [
            _reason(
                "opportunity_deadline_passed" if n < 0 else "opportunity_deadline",
                lang,
                date=x.date().isoformat(),
            )
            for x, n in zip(d["due_date"], d["days"])
        ]
        out.append(d)
    age = (as_of - pd.to_datetime(o["created_date"])).dt.days
    s = o[age > config.stale_days].copy()
    if follow_ups is not None and len(follow_ups):
        f = follow_ups[pd.to_datetime(follow_ups["date"]) <= as_of]
        if len(f) and len(s):  # (pandas cannot map through an empty datetime Series)
            lastf = pd.to_datetime(s["customer_id"].map(f.groupby("customer_id")["date"].max()))
            s = s[lastf.isna() | ((as_of - lastf).dt.days > config.stale_days)]
    s["days"] = (as_of - pd.to_datetime(s["created_date"])).dt.days
    s["due_date"] = pd.NaT
    s["kind"] = "opportunity_stale"
    s["reason"] = [_reason("opportunity_stale", lang, days=n) for n in s["days"]]
    out.append(s)
    res = pd.concat(out, ignore_index=True) if out else _empty()
    cols = _ALERT_COLUMNS + ["opportunity_id", "amount", "stage"]
    res["days"] = res["days"].astype(int)
    return res.sort_values(["kind", "days", "opportunity_id"]).reset_index(drop=True)[cols]


def _all_alerts(
    dataset: Any, *, as_of: pd.Timestamp, tiers: pd.DataFrame, config: AlertConfig, lang: str
) -> pd.DataFrame:
    customers = dataset.customers
    orders = dataset.orders
    parts = []
    products = dataset.get("products")
    has_quantity = "quantity" in _order_columns(orders)
    if products is not None and "usage_days" in products.columns and has_quantity:
        parts.append(used_up_products(orders, products, as_of=as_of, config=config, lang=lang))
    parts.append(
        follow_up_overdue(
            customers,
            dataset.get("follow_ups"),
            as_of=as_of,
            tiers=tiers,
            config=config,
            lang=lang,
        )
    )
    parts.append(repurchase_overdue(orders, as_of=as_of, tiers=tiers, config=config, lang=lang))
    parts.append(never_purchased(customers, orders, as_of=as_of, lang=lang))
    parts.append(
        greetings(
            dataset.get("contacts"),
            as_of=as_of,
            customers=customers,
            tiers=tiers,
            config=config,
            lang=lang,
        )
    )
    if dataset.get("receivables") is not None:
        k = receivables_kanban(dataset.receivables, as_of=as_of, config=config, lang=lang)
        parts.append(k[k["days"] > 0])
    if dataset.get("opportunities") is not None:
        parts.append(
            opportunity_deadlines(
                dataset.opportunities,
                as_of=as_of,
                follow_ups=dataset.get("follow_ups"),
                config=config,
                lang=lang,
            )
        )
    parts = [p[_ALERT_COLUMNS] for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    owners = _owner_map(customers, orders)
    # an alert's own owner (invoice collector, opportunity owner) wins over the account's
    out["owner"] = out["owner"].where(out["owner"].notna(), out["customer_id"].map(owners))
    out["owner"] = out["owner"].fillna("(unassigned)")
    return out


def worklist(
    dataset: Any,
    *,
    as_of: Any,
    config: AlertConfig = DEFAULT_CONFIG,
    value: pd.Series | None = None,
    owner: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """The combined, de-duplicated worklist per salesperson for one day.

    Every reminder kind is computed (those whose optional table is missing are left
    out), each customer appears once per owner with all of their reasons, and the
    list is ranked by the value at stake: ``value`` (e.g. CLV per customer) when given,
    else the customer's historical revenue up to ``as_of``. Values are rounded to 6
    decimals, so that the order in which an engine adds up floats (it differs between
    engines and between runs) cannot reorder customers of equal value; equal values rank
    by ``customer_id``.

    Parameters
    ----------
    dataset : workbench.Dataset
        Needs ``customers`` and ``orders``; uses ``products``, ``follow_ups``,
        ``contacts``, ``receivables`` and ``opportunities`` when present. ``orders``
        may be any native frame (pandas, Polars, a DuckDB relation, a PySpark
        DataFrame): the transaction-level work runs in its engine and only
        per-customer rows are collected (see the module's Engines section); the other
        tables are pandas.
    as_of : date-like
        The day of the worklist.
    config : AlertConfig
        Thresholds.
    value : pandas.Series, optional
        Value at stake per customer id.
    owner : str, optional
        Keep only this salesperson's list.
    lang : {"en", "zh"}
        Language of the tier names and actions.

    Returns
    -------
    pandas.DataFrame
        ``owner, rank, customer_id, name, lifecycle_tier, value, n_alerts, kinds,
        reasons, action``; ``rank`` restarts at 1 for each owner.
    """
    from workbench.labels import labels as _labels
    from workbench.metrics import customer_summary
    from workbench.scan import collect
    from workbench.tiers import lifecycle_tiers, tier_actions

    as_of = _ts(as_of)
    summary = collect(customer_summary(dataset.orders, as_of=as_of))
    tiers = lifecycle_tiers(summary, dataset.customers)
    alerts = _all_alerts(dataset, as_of=as_of, tiers=tiers, config=config, lang=lang)
    if owner is not None:
        alerts = alerts[alerts["owner"] == owner]
    if value is None:
        value = summary.set_index("customer_id")["revenue"]
    # one row per (owner, customer) with every kind and reason, first-seen order kept
    # (Polars: string concatenation per group without a Python call per group)
    import polars as pl

    pa = pl.from_pandas(alerts[["owner", "customer_id", "kind", "reason"]].astype(str))
    wl = (
        pa.group_by(["owner", "customer_id"], maintain_order=True)
        .agg(
            pl.len().alias("n_alerts"),
            pl.col("kind").unique(maintain_order=True).str.join(", ").alias("kinds"),
            pl.col("reason").unique(maintain_order=True).str.join("; ").alias("reasons"),
        )
        .to_pandas()
    )
    wl["value"] = wl["customer_id"].map(value).fillna(0.0).astype(float).round(6)
    names = dataset.customers.set_index("customer_id")["name"]
    wl["name"] = wl["customer_id"].map(names)
    tier_id = wl["customer_id"].map(tiers.set_index("customer_id")["lifecycle_tier"])
    tier_names = _labels("tier", lang)
    wl["lifecycle_tier"] = tier_id.map(tier_names).fillna(tier_id)
    # the tier's first recommended action (seed 001); the seed names none for "repeat"
    items = tier_actions(lang, long=True)
    items = items[items["kind"] == "actions"].sort_values(["lifecycle_tier", "item"])
    wl["action"] = tier_id.map(items.groupby("lifecycle_tier")["text"].first())
    wl = wl.sort_values(["owner", "value", "customer_id"], ascending=[True, False, True])
    wl["rank"] = wl.groupby("owner").cumcount() + 1
    cols = [
        "owner",
        "rank",
        "customer_id",
        "name",
        "lifecycle_tier",
        "value",
        "n_alerts",
        "kinds",
        "reasons",
        "action",
    ]
    return wl[cols].reset_index(drop=True)
