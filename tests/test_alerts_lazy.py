"""Reminders on a lazy order log: DuckDB, Polars and Spark give the pandas answers.

The orders of the committed sample go to each engine (a DuckDB relation over a Parquet file
opened with ``workbench.scan.scan``, a Polars LazyFrame and DataFrame, a PySpark DataFrame);
the other tables stay pandas. ``worklist`` and the functions that read the order log must
return exactly what they return for the pandas orders. Two small cases computed by hand pin
the median gap of the repurchase rhythm and the tie rule of the last salesperson.
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd
import polars as pl
import pytest

from workbench.alerts import _owner_map, never_purchased, repurchase_overdue, worklist
from workbench.metrics import MetricsInputError
from workbench.scan import scan

AS_OFS = ["2026-06-30", "2025-11-15"]

ENGINES = [
    "duckdb",
    "polars-lazy",
    "polars-eager",
    pytest.param("spark", marks=pytest.mark.spark),
]


def _native(engine: str, orders: pd.DataFrame, request, tmp_path) -> object:
    """``orders`` as the native frame of ``engine``."""
    if engine == "duckdb":
        orders.to_parquet(tmp_path / "orders.parquet", index=False)
        return scan(tmp_path, threads=1)
    if engine == "duckdb-relation":
        return duckdb.connect().from_df(orders)
    if engine == "polars-lazy":
        return pl.from_pandas(orders).lazy()
    if engine == "polars-eager":
        return pl.from_pandas(orders)
    assert engine == "spark"
    return request.getfixturevalue("spark").createDataFrame(orders)


# --- the sample, pandas against each engine ------------------------------------------------


@pytest.fixture(scope="module")
def expected(sample):
    """The pandas answers, per as_of."""
    return {
        as_of: {
            "worklist": worklist(sample, as_of=as_of),
            "repurchase": repurchase_overdue(sample.orders, as_of=as_of),
            "never": never_purchased(sample.customers, sample.orders, as_of=as_of),
        }
        for as_of in AS_OFS
    }


@pytest.fixture(scope="module", params=ENGINES)
def lazy_sample(request, sample, tmp_path_factory):
    """The sample Dataset with its orders in one engine (other tables pandas)."""
    tmp = tmp_path_factory.mktemp(f"orders-{request.param}")
    orders = _native(request.param, sample.orders, request, tmp)
    assert not isinstance(orders, pd.DataFrame)
    return dataclasses.replace(sample, tables={**sample.tables, "orders": orders})


@pytest.mark.parametrize("as_of", AS_OFS)
def test_worklist_on_a_lazy_order_log_equals_pandas(lazy_sample, expected, as_of):
    got = worklist(lazy_sample, as_of=as_of)
    pd.testing.assert_frame_equal(got, expected[as_of]["worklist"])
    assert len(got) > 100  # the comparison is about a real list


@pytest.mark.parametrize("as_of", AS_OFS)
def test_repurchase_and_never_purchased_on_a_lazy_order_log(lazy_sample, expected, as_of):
    orders, customers = lazy_sample.orders, lazy_sample.customers
    got = repurchase_overdue(orders, as_of=as_of)
    pd.testing.assert_frame_equal(got, expected[as_of]["repurchase"])
    assert len(got) > 0
    got = never_purchased(customers, orders, as_of=as_of)
    pd.testing.assert_frame_equal(got, expected[as_of]["never"])
    assert len(got) > 0


def test_last_salesperson_on_a_lazy_order_log(lazy_sample, sample):
    want = _owner_map(sample.customers, sample.orders).sort_index()
    got = _owner_map(lazy_sample.customers, lazy_sample.orders).sort_index()
    pd.testing.assert_series_equal(got, want)
    # every customer with an order has an owner; the sample's customers table names some
    assert set(sample.orders["customer_id"]) <= set(got.index)


# --- hand-computed cases ---------------------------------------------------------------------
# Repurchase rhythm. a: purchase days 01-01, 01-11 (two lines), 01-31, 03-11 of 2024 -> gaps
# 10, 20, 40 -> median 20 -> interval 1.5 * 20 = 30; the line of 2025 is after as_of.
# b: gaps 10, 20, 40, 50 -> median (20 + 40) / 2 = 30 -> interval 45. c: one gap (4 days) is
# fewer than repurchase_min_gaps=2 -> the default of tier "other", 120 days.
# As of 2024-12-31 (2024 is a leap year, day 366): a's last purchase 03-11 is day 71 -> 295
# days ago; b's 04-30 is day 121 -> 245 days; c's 01-05 -> 361 days.
RHYTHM = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "a", "a"] + ["b", "b", "b", "b", "b"] + ["c", "c"],
        "order_date": pd.to_datetime(
            ["2024-01-01", "2024-01-11", "2024-01-11", "2024-01-31", "2024-03-11", "2025-01-15"]
            + ["2024-01-01", "2024-01-11", "2024-01-31", "2024-03-11", "2024-04-30"]
            + ["2024-01-01", "2024-01-05"]
        ),
    }
)

ENGINES_AND_PANDAS = ["pandas", "duckdb-relation", "polars-lazy", *ENGINES[3:]]


def _orders_in(engine, frame, request, tmp_path):
    return frame if engine == "pandas" else _native(engine, frame, request, tmp_path)


@pytest.mark.parametrize("engine", ENGINES_AND_PANDAS)
def test_median_gap_by_hand(engine, request, tmp_path):
    orders = _orders_in(engine, RHYTHM, request, tmp_path)
    out = repurchase_overdue(orders, as_of="2024-12-31").set_index("customer_id")
    assert out["interval"].to_dict() == {"a": 30.0, "b": 45.0, "c": 120.0}
    assert out["days"].to_dict() == {"a": 295, "b": 245, "c": 361}
    assert out.loc["a", "last_purchase"] == pd.Timestamp("2024-03-11")
    assert out.loc["a", "due_date"] == pd.Timestamp("2024-04-10")  # 03-11 + 30 days
    # a's boundary: 30 days after the last purchase is not overdue, 31 days is
    assert "a" not in set(repurchase_overdue(orders, as_of="2024-04-10")["customer_id"])
    assert "a" in set(repurchase_overdue(orders, as_of="2024-04-11")["customer_id"])


# Last salesperson. Rows are deliberately not in (date, order_id, line_no) order, so that the
# old "last row after a stable sort by date" rule would answer differently.
# c1: two orders on its last day 03-01: O7 (Li) and O9 (Wang) -> the greatest order_id, O9.
# c2: one order on its last day with lines 2 (Zhou) and 1 (Li) -> the greatest line_no, Zhou.
# c3: its last line names no salesperson -> the last line that does, Zhao.
# c4: O10 (Li) and O9 (Wang) on the same day -> order ids compare as text: "O9" > "O10".
# c5: the customers table names an owner, Boss, who wins over the last salesperson.
OWNERS = pd.DataFrame(
    [
        ("c1", "2024-01-05", "O1", 1, "Zhao"),
        ("c1", "2024-03-01", "O9", 1, "Wang"),
        ("c1", "2024-03-01", "O7", 1, "Li"),
        ("c2", "2024-02-01", "O5", 2, "Zhou"),
        ("c2", "2024-02-01", "O5", 1, "Li"),
        ("c2", "2024-01-01", "O2", 1, "Wang"),
        ("c3", "2024-01-01", "O3", 1, "Zhao"),
        ("c3", "2024-05-01", "O8", 1, None),
        ("c4", "2024-02-02", "O9", 1, "Wang"),
        ("c4", "2024-02-02", "O10", 1, "Li"),
        ("c5", "2024-02-02", "O6", 1, "Li"),
    ],
    columns=["customer_id", "order_date", "order_id", "line_no", "salesperson"],
).assign(order_date=lambda d: pd.to_datetime(d["order_date"]))
CUSTOMERS = pd.DataFrame(
    {"customer_id": ["c1", "c2", "c3", "c4", "c5"], "owner": [None, "", None, None, "Boss"]}
)


@pytest.mark.parametrize("engine", ENGINES_AND_PANDAS)
def test_last_salesperson_tie_rule_by_hand(engine, request, tmp_path):
    orders = _orders_in(engine, OWNERS, request, tmp_path)
    got = _owner_map(CUSTOMERS, orders)
    assert got.to_dict() == {"c1": "Wang", "c2": "Zhou", "c3": "Zhao", "c4": "Wang", "c5": "Boss"}


def test_missing_order_column_names_the_parameter():
    orders = pl.from_pandas(RHYTHM).lazy().rename({"order_date": "day"})
    with pytest.raises(MetricsInputError, match="no column 'order_date'.*pass date_col="):
        repurchase_overdue(orders, as_of="2024-12-31")
    assert len(repurchase_overdue(orders, as_of="2024-12-31", date_col="day")) == 3


def test_equal_values_rank_by_customer_id_whatever_the_float_sum():
    # 0.1 + 0.2 is 0.30000000000000004 in floats: an engine adding in another order may get
    # 0.3. Both are the value 0.3, so the tie goes to the smaller id, "a", then "b".
    from workbench.dataset import Dataset

    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["a", "b"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [10.0, 10.0],
            "salesperson": ["Li", "Li"],
        }
    )
    customers = pd.DataFrame({"customer_id": ["a", "b"], "name": ["A", "B"]})
    ds = Dataset(tables={"orders": orders, "customers": customers}, source="test")
    wl = worklist(ds, as_of="2024-06-30", value=pd.Series({"a": 0.3, "b": 0.1 + 0.2}))
    assert list(wl["customer_id"]) == ["a", "b"]
    assert list(wl["rank"]) == [1, 2]
    assert list(wl["value"]) == [0.3, 0.3]
