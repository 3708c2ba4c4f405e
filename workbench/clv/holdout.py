"""Calibration/holdout split of transactions and the holdout checks of a purchase model.

The split turns an order table into the per-customer calibration summary
(``frequency, recency, T, monetary_value``) at ``calibration_end`` plus what each
customer actually did in ``(calibration_end, holdout_end]``. Purchases are counted per
day (several orders on one day are one purchase, their amounts summed), as in the
published CDNOW analyses. The calibration summary comes from
:func:`workbench.metrics.customer_summary` (days and weeks; a compact local aggregation
for months or without amounts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import names as N
from workbench.clv._base import PurchaseModel
from workbench.tiers import UNIT_DAYS

__all__ = [
    "TIME_UNITS",
    "unit_days",
    "customer_summary_btyd",
    "calibration_holdout",
    "holdout_comparison",
    "cumulative_repeat_purchases",
]

#: Time units of the summaries, in days: the tiers' units (:data:`workbench.tiers.UNIT_DAYS`,
#: those of ``customer_summary``) plus the month of the models (365.25 / 12 days).
TIME_UNITS: dict[str, float] = {**UNIT_DAYS, "M": 365.25 / 12}
_UNIT_ALIASES = {"day": "D", "days": "D", "week": "W", "weeks": "W", "month": "M", "months": "M"}


def unit_days(time_unit: str) -> float:
    """Return the length of ``time_unit`` in days.

    Parameters
    ----------
    time_unit : {"D", "W", "M"} or "day", "week", "month"
        Time unit.

    Returns
    -------
    float
        Days per unit.

    Raises
    ------
    ValueError
        If the unit is unknown.

    Examples
    --------
    >>> unit_days("week")
    7.0
    """
    key = _UNIT_ALIASES.get(str(time_unit).lower(), str(time_unit).upper())
    if key not in TIME_UNITS:
        raise ValueError(
            f"unknown time unit {time_unit!r}; use one of D (day), W (week), M (month)"
        )
    return TIME_UNITS[key]


def _order_dates(transactions: pd.DataFrame, date_col: str) -> pd.Series:
    """The order dates as datetimes; raise naming the column if any is missing or unreadable."""
    dates = pd.to_datetime(transactions[date_col], errors="coerce")
    if dates.isna().any():
        raise ValueError(
            f"column {date_col!r} has {int(dates.isna().sum())} missing or unreadable dates; "
            f"fix or drop those orders"
        )
    return dates


def _daily(
    transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None
) -> pd.DataFrame:
    """One row per customer and purchase day, with the day's summed amount."""
    if hasattr(transactions, "to_pandas") and not isinstance(transactions, pd.DataFrame):
        transactions = transactions.to_pandas()
    needed = [customer_col, date_col] + ([amount_col] if amount_col else [])
    missing = [c for c in needed if c not in transactions.columns]
    if missing:
        raise ValueError(
            f"the orders table has no column {', '.join(map(repr, missing))}; found "
            f"{list(transactions.columns)}: pass customer_col=, date_col=, amount_col= "
            f"(or a mapping file on the command line)"
        )
    dates = _order_dates(transactions, date_col)
    frame = pd.DataFrame(
        {
            "c": transactions[customer_col].astype("string").to_numpy(),
            "d": dates.dt.normalize().to_numpy(),
            "v": (
                pd.to_numeric(transactions[amount_col], errors="raise").to_numpy("float64")
                if amount_col
                else np.zeros(len(transactions))
            ),
        }
    )
    daily = frame.groupby(["c", "d"], sort=True, observed=True)["v"].agg(["sum", "max"])
    # a day holding only negative lines (returns) is not a purchase, as in workbench.metrics
    daily = daily[daily["max"] >= 0].reset_index()
    return daily.rename(columns={"sum": "v"}).drop(columns="max")


def _calibration_summary(
    transactions: pd.DataFrame,
    end: pd.Timestamp,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    time_unit: str,
) -> pd.DataFrame:
    """The BTYD summary at ``end``, computed by :func:`workbench.metrics.customer_summary`.

    The summary is taken in days and divided by the unit's length, so months (and any
    unit of :data:`TIME_UNITS`) use the one transaction-level aggregation of the project;
    without an amount column the amounts are zero (``monetary_value`` 0).
    """
    from workbench.metrics import customer_summary

    days = unit_days(time_unit)
    if hasattr(transactions, "to_pandas") and not isinstance(transactions, pd.DataFrame):
        transactions = transactions.to_pandas()
    _daily(transactions.head(0), customer_col, date_col, amount_col)  # column check
    amounts = (
        pd.to_numeric(transactions[amount_col], errors="raise")
        if amount_col
        else pd.Series(0.0, index=transactions.index)
    )
    orders = pd.DataFrame(
        {
            N.CUSTOMER_ID: transactions[customer_col].astype("string"),
            N.ORDER_DATE: _order_dates(transactions, date_col),
            N.AMOUNT: amounts,
        }
    )
    full = customer_summary(
        orders, as_of=end, cost_col=None, order_col=None, frequency="days", time_unit="D"
    )
    out = full.set_index(N.CUSTOMER_ID)[
        [N.FREQUENCY, N.RECENCY, N.T, N.MONETARY_VALUE, N.FIRST_PURCHASE]
    ]
    out.index = pd.Index(out.index.astype("string"), name=N.CUSTOMER_ID)
    out[N.FREQUENCY] = out[N.FREQUENCY].astype("int64")
    out[N.RECENCY] = out[N.RECENCY] / days
    out[N.T] = out[N.T] / days
    return out.sort_index()


def customer_summary_btyd(
    transactions: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str | None = N.AMOUNT,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Per-customer buy-till-you-die summary at ``as_of`` (purchases counted per day).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order with customer, date and amount.
    as_of : str or pandas.Timestamp
        Last day of the observation period (inclusive).
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` gives ``monetary_value`` 0.
    time_unit : {"D", "W", "M"}, default "W"
        Unit of ``recency`` and ``T``.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id``; columns ``frequency`` (repeat purchase days), ``recency``,
        ``T``, ``monetary_value`` (mean value of the repeat purchase days) and
        ``first_purchase``. Customers whose first purchase is after ``as_of`` are left out.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "order_date": ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-08"],
    ...     "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> customer_summary_btyd(tx, as_of="2024-01-15")[["frequency", "recency", "T",
    ...     "monetary_value"]].to_numpy().tolist()
    [[2.0, 2.0, 2.0, 30.0], [0.0, 0.0, 1.0, 0.0]]
    """
    return _calibration_summary(
        transactions,
        pd.Timestamp(as_of),
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        time_unit=time_unit,
    )


def calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    holdout_end: str | pd.Timestamp,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    amount_col: str | None = N.AMOUNT,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Split transactions into the calibration summary and the holdout actuals.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order with customer, date and amount.
    calibration_end : str or pandas.Timestamp
        Last day of the calibration period (inclusive).
    holdout_end : str or pandas.Timestamp
        Last day of the holdout period (inclusive); after ``calibration_end``.
    customer_col, date_col, amount_col : str
        Column names.
    time_unit : {"D", "W", "M"}, default "W"
        Unit of ``recency``, ``T`` and ``duration_holdout``.

    Returns
    -------
    pandas.DataFrame
        One row per customer whose first purchase is in the calibration period
        (index ``customer_id``): ``frequency, recency, T, monetary_value,
        first_purchase`` at ``calibration_end``, and ``frequency_holdout`` (purchase
        days in the holdout), ``monetary_value_holdout`` (their mean value, 0 if none),
        ``duration_holdout`` (length of the holdout in ``time_unit``).

    Raises
    ------
    ValueError
        If ``holdout_end`` is not after ``calibration_end``, a column is missing, or
        no customer bought in the calibration period.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "order_date": ["2024-01-01", "2024-01-08", "2024-01-22", "2024-01-08"],
    ...     "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> ch = calibration_holdout(tx, calibration_end="2024-01-15", holdout_end="2024-01-29")
    >>> ch[["frequency", "T", "frequency_holdout", "duration_holdout"]].to_numpy().tolist()
    [[1.0, 2.0, 1.0, 2.0], [0.0, 1.0, 0.0, 2.0]]
    """
    cal_end, hold_end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    if hold_end <= cal_end:
        raise ValueError(
            f"holdout_end ({hold_end.date()}) must be after calibration_end ({cal_end.date()})"
        )
    days = unit_days(time_unit)
    daily = _daily(transactions, customer_col, date_col, amount_col)
    cal = _calibration_summary(
        transactions,
        cal_end,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        time_unit=time_unit,
    )
    if cal.empty:
        raise ValueError(
            f"no purchase on or before calibration_end {cal_end.date()}: choose a later "
            f"calibration end (the orders start {daily['d'].min().date()})"
        )
    hold = daily[(daily["d"] > cal_end) & (daily["d"] <= hold_end)]
    g = hold.groupby("c", observed=True)["v"]
    n_hold = g.size().reindex(cal.index, fill_value=0)
    mean_hold = g.mean().reindex(cal.index, fill_value=0.0)
    return cal.assign(
        frequency_holdout=n_hold.to_numpy().astype("int64"),
        monetary_value_holdout=mean_hold.to_numpy(dtype="float64"),
        duration_holdout=(hold_end - cal_end).days / days,
    )


def holdout_comparison(
    model: PurchaseModel,
    cal_holdout: pd.DataFrame,
    *,
    max_frequency: int = 7,
    frequency_col: str = N.FREQUENCY,
    recency_col: str = N.RECENCY,
    T_col: str = N.T,
    frequency_holdout_col: str = "frequency_holdout",
    duration_holdout_col: str = "duration_holdout",
) -> pd.DataFrame:
    """Actual and predicted mean holdout purchases by calibration frequency.

    Parameters
    ----------
    model : PurchaseModel
        A fitted BG/NBD, MBG/NBD or Pareto/NBD model.
    cal_holdout : pandas.DataFrame
        The output of :func:`calibration_holdout` (or the same columns).
    max_frequency : int, default 7
        Calibration frequencies from this value up are pooled into one row ``"7+"``.
    frequency_col, recency_col, T_col, frequency_holdout_col, duration_holdout_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (``"0"``, ``"1"``, ..., ``"7+"``); columns ``n_customers``,
        ``actual`` and ``predicted`` (mean purchases per customer in the holdout).
    """
    pred = model.predict(
        cal_holdout.rename(
            columns={frequency_col: N.FREQUENCY, recency_col: N.RECENCY, T_col: N.T}
        ),
        t=cal_holdout[duration_holdout_col].to_numpy(dtype="float64"),
    )["expected_purchases"]
    freq = cal_holdout[frequency_col].to_numpy().astype(int)
    key = np.minimum(freq, max_frequency)
    frame = pd.DataFrame(
        {
            "k": key,
            "actual": cal_holdout[frequency_holdout_col].to_numpy(dtype="float64"),
            "predicted": pred.to_numpy(),
        }
    )
    out = frame.groupby("k").agg(
        n_customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    out = out.reindex(range(max_frequency + 1))
    out["n_customers"] = out["n_customers"].fillna(0).astype("int64")
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    out.index = pd.Index(labels, name=N.FREQUENCY)
    return out


def cumulative_repeat_purchases(
    model: PurchaseModel,
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    holdout_end: str | pd.Timestamp,
    customer_col: str = N.CUSTOMER_ID,
    date_col: str = N.ORDER_DATE,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Cumulative repeat purchases over time, actual and expected by the model.

    Customers are those whose first purchase is on or before ``calibration_end``; time
    runs in whole units from the first purchase in the data. The expectation sums the
    unconditional ``E[X(t - s_i)]`` of every customer ``i`` acquired at ``s_i``.

    Parameters
    ----------
    model : PurchaseModel
        A fitted purchase model with ``expected_purchases_new``.
    transactions : pandas.DataFrame
        One row per order.
    calibration_end, holdout_end : str or pandas.Timestamp
        Ends of the calibration and the holdout periods (inclusive).
    customer_col, date_col : str
        Column names.
    time_unit : {"D", "W", "M"}, default "W"
        Step of the curve; must be the unit the model was fitted in.

    Returns
    -------
    pandas.DataFrame
        Index ``period`` (1, 2, ...); columns ``date`` (last day of the period),
        ``actual`` and ``expected`` (cumulative repeat purchase days) and
        ``holdout`` (True after ``calibration_end``).

    Raises
    ------
    ValueError
        If no customer has an order on or before ``calibration_end``, or the time unit
        is unknown.
    """
    days = unit_days(time_unit)
    cal_end, hold_end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    daily = _daily(transactions, customer_col, date_col, None)
    daily = daily[daily["d"] <= hold_end]
    first = daily.groupby("c", observed=True)["d"].transform("min")
    keep_c = first <= cal_end
    if not keep_c.any():
        found = (
            f"the first order is on {daily['d'].min().date()}"
            if len(daily)
            else f"no order is on or before holdout_end {hold_end.date()}"
        )
        raise ValueError(
            f"no customer has an order on or before calibration_end {cal_end.date()} "
            f"({found}): choose a later calibration_end, the same as in calibration_holdout"
        )
    daily, first = daily[keep_c], first[keep_c]
    start = daily["d"].min()
    n_periods = int(np.floor(((hold_end - start).days + 1) / days))
    ends = start + pd.to_timedelta(np.arange(1, n_periods + 1) * days - 1, unit="D")
    ends = ends.normalize()
    repeat_days = np.sort(daily.loc[daily["d"] > first, "d"].to_numpy())
    actual = np.searchsorted(repeat_days, ends.to_numpy(), side="right")
    firsts = daily.groupby("c", observed=True)["d"].min()
    first_dates, counts = np.unique(firsts.to_numpy(), return_counts=True)
    age = (ends.to_numpy()[:, None] - first_dates[None, :]) / np.timedelta64(1, "D") / days
    expected = np.where(age > 0, model.expected_purchases_new(np.maximum(age, 0.0)), 0.0)
    expected = (expected * counts[None, :]).sum(axis=1)
    return pd.DataFrame(
        {
            "date": ends,
            "actual": actual.astype("int64"),
            "expected": expected,
            "holdout": ends > cal_end,
        },
        index=pd.Index(np.arange(1, n_periods + 1), name="period"),
    )
