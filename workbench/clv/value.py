"""Customer lifetime value from a purchase model and a spend model, and CLV tiers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench import names as N
from workbench.clv._base import PurchaseModel, _btyd_columns, _column
from workbench.clv.gammagamma import GammaGammaFitter
from workbench.clv.holdout import unit_days

__all__ = [
    "P_ALIVE",
    "EXPECTED_PURCHASES",
    "EXPECTED_SPEND",
    "CLV",
    "customer_lifetime_value",
    "clv_abc",
]

# output columns, documented with the others in workbench.names
P_ALIVE = N.P_ALIVE
EXPECTED_PURCHASES = N.EXPECTED_PURCHASES
EXPECTED_SPEND = N.EXPECTED_SPEND
CLV = N.CLV


def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: GammaGammaFitter | None,
    summary: pd.DataFrame,
    *,
    horizon: int = 12,
    margin: float = 1.0,
    discount_rate: float = 0.01,
    time_unit: str = "W",
    frequency_col: str = N.FREQUENCY,
    recency_col: str = N.RECENCY,
    T_col: str = N.T,
    monetary_value_col: str = N.MONETARY_VALUE,
) -> pd.DataFrame:
    """Discounted CLV over the next ``horizon`` months, per customer.

    ``CLV = sum_{k=1..horizon} (E[purchases in month k]) * E[spend] * margin /
    (1 + discount_rate)^k``, the expected purchases of month ``k`` being the difference of
    the conditional expectations at the ends of months ``k`` and ``k - 1`` (a month is
    365.25 / 12 days, converted to the summary's ``time_unit``).

    Parameters
    ----------
    purchase_model : PurchaseModel
        Fitted BG/NBD, MBG/NBD or Pareto/NBD model (in ``time_unit``).
    spend_model : GammaGammaFitter or None
        Fitted spend model; ``None`` uses ``monetary_value`` as the spend per purchase.
    summary : pandas.DataFrame
        One row per customer with frequency, recency, T and monetary_value.
    horizon : int, default 12
        Months ahead.
    margin : float, default 1.0
        Profit margin on the spend (1.0 gives revenue).
    discount_rate : float, default 0.01
        Discount rate per month.
    time_unit : {"D", "W", "M"}, default "W"
        Unit of ``recency`` and ``T`` in the summary.
    frequency_col, recency_col, T_col, monetary_value_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Same index as ``summary``; columns ``p_alive``, ``expected_purchases`` (over the
        horizon), ``expected_spend`` and ``clv``.

    Raises
    ------
    ValueError
        If ``horizon`` is not a positive whole number or a rate is negative.

    Examples
    --------
    >>> from workbench.clv import BetaGeoFitter, GammaGammaFitter
    >>> bg = BetaGeoFitter().set_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGammaFitter().set_params(p=6.25, q=3.74, gamma=15.44)
    >>> s = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86],
    ...                   "monetary_value": [22.35, 0.0]})
    >>> out = customer_lifetime_value(bg, gg, s, horizon=12, discount_rate=0.0)
    >>> bool(out["clv"].iloc[0] > out["clv"].iloc[1])
    True
    """
    if int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon must be a positive whole number of months, got {horizon}")
    if discount_rate < 0 or margin < 0:
        raise ValueError("margin and discount_rate must be non-negative")
    x, tx, T = _btyd_columns(summary, frequency_col, recency_col, T_col)
    m = _column(summary, monetary_value_col, "monetary_value (mean repeat spend)")
    spend = m if spend_model is None else spend_model.expected_spend(x, m)
    month = unit_days("M") / unit_days(time_unit)
    value = np.zeros(len(x))
    prev = np.zeros(len(x))
    for k in range(1, int(horizon) + 1):
        cum = purchase_model.expected_purchases(k * month, x, tx, T)
        value += (cum - prev) / (1.0 + discount_rate) ** k
        prev = cum
    return pd.DataFrame(
        {
            P_ALIVE: purchase_model.p_alive(x, tx, T),
            EXPECTED_PURCHASES: prev,
            EXPECTED_SPEND: spend,
            CLV: value * spend * margin,
        },
        index=summary.index,
    )


def clv_abc(
    clv_frame: pd.DataFrame,
    *,
    clv_col: str = CLV,
    cutoffs: Sequence[float] = (0.5, 0.8),
    customer_col: str = N.CUSTOMER_ID,
) -> pd.DataFrame:
    """ABC tiers by CLV: A until 50 % of the total CLV, B until 80 %, then C.

    The rule is :func:`workbench.tiers.abc_classes` with ``method="cumulative"``: the
    customer who crosses a cut-off belongs to the higher class; ties by customer id.

    Parameters
    ----------
    clv_frame : pandas.DataFrame
        One row per customer with a CLV column; the customer id is a column
        ``customer_col`` or the index.
    clv_col : str, default "clv"
        Value to rank by.
    cutoffs : tuple of float, default (0.5, 0.8)
        Cumulative shares ending A and B.
    customer_col : str, default "customer_id"
        Customer id column (or index name).

    Returns
    -------
    pandas.DataFrame
        ``clv_frame`` with a categorical ``abc_class`` (``"A"``, ``"B"``, ``"C"``); the
        labels are ``abc.A`` ... in :mod:`workbench.labels`.

    Examples
    --------
    >>> f = pd.DataFrame({"clv": [60.0, 25.0, 10.0, 5.0]},
    ...                  index=pd.Index(list("abcd"), name="customer_id"))
    >>> clv_abc(f)["abc_class"].tolist()
    ['A', 'B', 'C', 'C']
    """
    from workbench.tiers import abc_classes

    if clv_col not in clv_frame.columns:
        raise ValueError(
            f"the CLV table has no column {clv_col!r}; found {list(clv_frame.columns)}: "
            f"compute it with customer_lifetime_value() or pass clv_col="
        )
    frame = clv_frame
    from_index = customer_col not in frame.columns
    if from_index:
        ids = pd.Series(frame.index.astype(str), index=frame.index)
        frame = frame.assign(**{customer_col: ids})
    out = abc_classes(
        frame,
        value_col=clv_col,
        method="cumulative",
        cutoffs=tuple(cutoffs),
        customer_col=customer_col,
    )
    return out.drop(columns=customer_col) if from_index else out
