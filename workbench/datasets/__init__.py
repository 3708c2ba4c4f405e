"""Reference data shipped with the workbench, for the CLV models and their tests.

* CDNOW 1/10th sample (Fader & Hardie; also shipped with ``lifetimes``, MIT): purchases
  of 2,357 customers, 1997-01 to 1998-06, and the per-customer calibration summary
  (weeks, calibration period up to 1997-09-30). See ``README_cdnow.md``.
* Donations (Fader, Hardie & Shang 2010): BG/BB patterns with counts.
  See ``README_donations.md``.
* A contract-retention cohort (Fader & Hardie 2007): active counts over 8 years.
  See ``README_retention.md``.

Examples
--------
>>> load_cdnow_summary().shape
(2357, 4)
>>> retention_cohort()["active"].tolist()[:3]
[1000, 631, 468]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = [
    "DATA_DIR",
    "CDNOW_START",
    "CDNOW_CALIBRATION_END",
    "CDNOW_END",
    "load_cdnow_transactions",
    "load_cdnow_summary",
    "load_donations",
    "retention_cohort",
]

DATA_DIR = Path(__file__).resolve().parent
#: first day of the CDNOW data
CDNOW_START = "1997-01-01"
#: last day of the calibration period of the published CDNOW fits
CDNOW_CALIBRATION_END = "1997-09-30"
#: last day of the CDNOW data (end of the holdout period)
CDNOW_END = "1998-06-30"


def load_cdnow_transactions() -> pd.DataFrame:
    """Load the CDNOW sample purchases, one row per purchase line.

    Returns
    -------
    pandas.DataFrame
        6,919 rows; columns ``customer_id`` (the sample id 1..2357 as a string),
        ``order_date`` (datetime64), ``quantity`` (CDs) and ``amount`` (dollars).

    Examples
    --------
    >>> tx = load_cdnow_transactions()
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    """
    raw = pd.read_csv(
        DATA_DIR / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["full_id", "customer_id", "order_date", "quantity", "amount"],
        dtype={"full_id": str, "customer_id": str, "order_date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].str.lstrip("0").astype("string"),
            "order_date": pd.to_datetime(raw["order_date"], format="%Y%m%d"),
            "quantity": raw["quantity"].astype("int64"),
            "amount": raw["amount"].astype("float64"),
        }
    )


def load_cdnow_summary() -> pd.DataFrame:
    """Load the published CDNOW calibration summary (weeks, up to 1997-09-30).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string); columns ``frequency`` (repeat purchase days),
        ``recency`` and ``T`` (weeks, 2 decimals) and ``monetary_value`` (mean value of
        the repeat purchase days, 0 when there is none).

    Examples
    --------
    >>> load_cdnow_summary().loc["1"].tolist()
    [2.0, 30.43, 38.86, 22.35]
    """
    raw = pd.read_csv(DATA_DIR / "cdnow_customers_summary_with_transactions.csv")
    out = pd.DataFrame(
        {
            "frequency": raw["x"].astype("int64"),
            "recency": raw["t_x"].astype("float64"),
            "T": raw["T"].astype("float64"),
            "monetary_value": raw["zbar"].astype("float64"),
        }
    )
    out.index = pd.Index(raw["ID"].astype(str), name="customer_id", dtype="string")
    return out


def load_donations() -> pd.DataFrame:
    """Load the donations data of the BG/BB paper, one row per history pattern.

    Returns
    -------
    pandas.DataFrame
        22 rows; columns ``frequency``, ``recency``, ``periods`` (6) and ``weights``
        (donors with the pattern; 11,104 in all).

    Examples
    --------
    >>> int(load_donations()["weights"].sum())
    11104
    """
    return pd.read_csv(DATA_DIR / "donations.csv").astype("int64")


def retention_cohort() -> pd.DataFrame:
    """Load the retention cohort of Fader & Hardie (2007): active customers per year.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (0..7) and ``active`` (customers active at the start of the
        period; 1,000 at period 0).

    Examples
    --------
    >>> retention_cohort().shape
    (8, 2)
    """
    return pd.read_csv(DATA_DIR / "retention.csv").astype("int64")
