"""Tests of workbench.metrics: hand-computed cases, CDNOW, engines, properties, seeds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import metrics as M
from workbench import names as N

CDNOW = Path(__file__).resolve().parent / "data" / "cdnow"
AS_OF = "2024-03-31"


@pytest.fixture
def orders() -> pd.DataFrame:
    # a: 2 purchase days (two orders on Jan 1) and a return alone on Mar 1
    # b: one purchase; c: one purchase, and one line after as_of (ignored)
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6", "o7"],
            "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 17:30",
                    "2024-02-01",
                    "2024-03-01",
                    "2024-03-10",
                    "2024-02-15",
                    "2024-04-15",
                ],
                format="ISO8601",
            ),
            "amount": [100.0, 50.0, 200.0, -30.0, 80.0, 40.0, 999.0],
            "cost": [60.0, 20.0, 150.0, -20.0, 50.0, 10.0, 500.0],
        }
    )


# by hand: as_of 2024-03-31 (2024 is a leap year)
EXPECTED = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c"],
        "first_purchase": pd.to_datetime(["2024-01-01", "2024-03-10", "2024-02-15"]),
        "last_purchase": pd.to_datetime(["2024-02-01", "2024-03-10", "2024-02-15"]),
        "rfm_recency": [59.0, 21.0, 45.0],
        "rfm_frequency": [2, 1, 1],
        "rfm_monetary": [320.0, 80.0, 40.0],
        "frequency": [1, 0, 0],
        "recency": [31.0, 0.0, 0.0],
        "T": [90.0, 21.0, 45.0],
        "monetary_value": [200.0, 0.0, 0.0],
        "n_orders": [4, 1, 1],
        "revenue": [320.0, 80.0, 40.0],
        "avg_purchase_value": [160.0, 80.0, 40.0],
        "profit": [110.0, 30.0, 30.0],
        "active_quarters_4": [1, 1, 1],
    }
)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Comparable pandas frame: object ids, datetime64[us], sorted by customer."""
    out = df.copy()
    out["customer_id"] = out["customer_id"].astype(str)
    for col in ("first_purchase", "last_purchase"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
    return out.sort_values("customer_id").reset_index(drop=True)


# --- customer_summary: hand-computed ----------------------------------------------------------


@pytest.mark.parametrize("engine", ["auto", "polars", "duckdb", "pandas"])
def test_summary_by_hand(orders, engine):
    got = M.customer_summary(orders, as_of=AS_OF, engine=engine)
    assert list(got.columns) == list(M.SUMMARY_COLUMNS)
    pd.testing.assert_frame_equal(_plain(got), _plain(EXPECTED), check_dtype=False)
    assert got["rfm_frequency"].dtype == np.int64
    assert got["first_purchase"].dtype == "datetime64[us]"


def test_summary_does_not_modify_input(orders):
    before = orders.copy()
    M.customer_summary(orders, as_of=AS_OF)
    pd.testing.assert_frame_equal(orders, before)


def _variant(orders: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The by-hand orders with ids and dates in the other types a user may hand over."""
    o = orders.copy()
    if kind == "object ids":
        o["customer_id"] = o["customer_id"].astype(object)
        o["order_id"] = o["order_id"].astype(object)
    elif kind == "categorical ids":
        o["customer_id"] = o["customer_id"].astype("category")
    elif kind == "integer ids":
        o["customer_id"] = o["customer_id"].map({"a": 30, "b": 10, "c": 20})
        o["order_id"] = np.arange(len(o)) + 1
    elif kind == "missing values":
        extra = pd.DataFrame(
            {
                "order_id": ["o8", None],
                "customer_id": [None, "b"],
                "order_date": pd.to_datetime(["2024-01-03", None]),
                "amount": [500.0, 77.0],
                "cost": [1.0, 1.0],
            }
        )
        o = pd.concat([o, extra], ignore_index=True)
    elif kind == "nanosecond dates":
        o["order_date"] = o["order_date"].astype("datetime64[ns]")
    elif kind == "time zone":
        o["order_date"] = o["order_date"].dt.tz_localize("Asia/Shanghai")
    elif kind == "date objects":
        o["order_date"] = o["order_date"].dt.date
    return o


@pytest.mark.parametrize(
    "kind",
    [
        "str ids",
        "object ids",
        "categorical ids",
        "integer ids",
        "missing values",
        "nanosecond dates",
        "time zone",
        "date objects",
    ],
)
@pytest.mark.parametrize("frequency", ["days", "orders"])
def test_pandas_fast_path_matches_pandas_engine(orders, kind, frequency):
    # the default engine hands Polars an all-numeric copy (codes, hashes, day numbers);
    # pandas running the same plan on the frame itself must agree, ids and dtypes included
    o = _variant(orders, kind)
    got = M.customer_summary(o, as_of=AS_OF, frequency=frequency)
    ref = M.customer_summary(o, as_of=AS_OF, frequency=frequency, engine="pandas")
    pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-12)
    assert got[N.CUSTOMER_ID].dtype == o[N.CUSTOMER_ID].dtype or kind == "categorical ids"
    if kind == "str ids" and frequency == "days":
        pd.testing.assert_frame_equal(_plain(got), _plain(EXPECTED), check_dtype=False)
    if kind == "missing values":  # the line without a customer and the one without a date
        assert got[N.REVENUE].sum() == EXPECTED[N.REVENUE].sum()


def test_customer_hash_collision_falls_back_to_exact_codes(orders, monkeypatch):
    # make every customer id hash alike: the check must notice and use exact codes
    real = pl.Series.hash

    def colliding(self, seed=0, *args, **kwargs):
        out = real(self, seed, *args, **kwargs)
        return out * 0 if seed == 11 else out

    monkeypatch.setattr(pl.Series, "hash", colliding)
    got = M.customer_summary(orders, as_of=AS_OF)
    pd.testing.assert_frame_equal(_plain(got), _plain(EXPECTED), check_dtype=False)


def test_summary_by_orders(orders):
    got = M.customer_summary(orders, as_of=AS_OF, frequency="orders").set_index("customer_id")
    # a: orders o1 (100), o2 (50) on the first day, o3 (200); o4 is a return only
    assert got.loc["a", "rfm_frequency"] == 3
    assert got.loc["a", "frequency"] == 2
    # first purchase's value = mean of the first day's orders = 75; (350 - 75) / 2
    assert got.loc["a", "monetary_value"] == pytest.approx(137.5)
    assert got.loc["a", "avg_purchase_value"] == pytest.approx(320 / 3)


def test_summary_in_weeks(orders):
    got = M.customer_summary(orders, as_of=AS_OF, time_unit="W").set_index("customer_id")
    assert got.loc["a", "T"] == pytest.approx(90 / 7)
    assert got.loc["a", "recency"] == pytest.approx(31 / 7)
    assert got.loc["a", "rfm_recency"] == pytest.approx(59 / 7)


def test_summary_without_cost_and_order_columns(orders):
    got = M.customer_summary(orders.drop(columns=["cost", "order_id"]), as_of=AS_OF).set_index(
        "customer_id"
    )
    assert got["profit"].isna().all()
    assert got.loc["a", "n_orders"] == 4  # lines counted


def test_active_quarters_rolling_windows():
    days = ["2023-04-03", "2023-07-01", "2023-10-01", "2024-01-01", "2024-03-31"]
    o = pd.DataFrame(
        {"customer_id": ["x"] * 5, "order_date": pd.to_datetime(days), "amount": [1.0] * 5}
    )
    # ages from 2024-03-31: 363, 274, 182, 90, 0 -> quarters 3, 3, 2, 0, 0
    got = M.customer_summary(o, as_of=AS_OF, order_col=None, cost_col=None)
    assert got[M.ACTIVE_QUARTERS_4].tolist() == [3]
    got = M.customer_summary(o.iloc[:4], as_of="2024-03-30", order_col=None, cost_col=None)
    # ages 362, 273, 181, 89 -> quarters 3, 3, 1, 0
    assert got[M.ACTIVE_QUARTERS_4].tolist() == [3]


def test_summary_errors(orders):
    with pytest.raises(M.MetricsInputError, match="no column 'client'.*customer_col="):
        M.customer_summary(orders, as_of=AS_OF, customer_col="client")
    with pytest.raises(M.MetricsInputError, match="as_of is required"):
        M.customer_summary(orders, as_of=None)
    with pytest.raises(M.MetricsInputError, match="time_unit='M'"):
        M.customer_summary(orders, as_of=AS_OF, time_unit="M")
    with pytest.raises(M.MetricsInputError, match="cannot read a list"):
        M.customer_summary([1, 2], as_of=AS_OF)


# --- CDNOW: the published summaries, exactly ---------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_orders() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["full_id", "customer_id", "date", "cds", "amount"],
        dtype={"full_id": str, "customer_id": str, "date": str},
    )
    raw["order_date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "order_date", "amount"]]


def _cents(x: pd.Series) -> np.ndarray:
    """Round half-up to cents, as the published files are (x.xx5 goes up)."""
    return np.floor(x.to_numpy() * 100 + 0.5 + 1e-6) / 100


def test_cdnow_summary_reproduced(cdnow_orders):
    got = M.customer_summary(
        cdnow_orders, as_of="1997-09-30", time_unit="W", order_col=None, cost_col=None
    )
    ref = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    ref2 = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    got = got.assign(ID=got["customer_id"].astype(int)).set_index("ID").sort_index()
    ref = ref.set_index("ID").sort_index()
    ref2 = ref2.set_index("ID").sort_index()
    assert len(got) == len(ref) == 2357
    assert (got.index == ref.index).all()
    np.testing.assert_array_equal(got["frequency"], ref["x"])
    np.testing.assert_array_equal(got["frequency"], ref2["frequency"])
    # the files hold values rounded half-up to cents
    np.testing.assert_array_equal(_cents(got["recency"]), ref["t_x"])
    np.testing.assert_array_equal(_cents(got["T"]), ref["T"])
    np.testing.assert_array_equal(_cents(got["recency"]), ref2["recency"])
    np.testing.assert_array_equal(_cents(got["T"]), ref2["T"])
    np.testing.assert_array_equal(_cents(got["monetary_value"]), ref["zbar"])
    assert (got["frequency"] > 0).sum() == 946  # the Gamma-Gamma paper's repeat buyers


# --- engines ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_orders() -> pd.DataFrame:
    from workbench.sample import generate

    return generate(customers=300)["orders"]


def _engine_results(o: pd.DataFrame, as_of: str) -> dict[str, pd.DataFrame]:
    pol = pl.from_pandas(o)
    rel = duckdb.from_arrow(pol.to_arrow())
    return {
        "pandas-auto": M.customer_summary(o, as_of=as_of),
        "pandas-duckdb": M.customer_summary(o, as_of=as_of, engine="duckdb"),
        "pandas-pandas": M.customer_summary(o, as_of=as_of, engine="pandas"),
        "polars": M.customer_summary(pol, as_of=as_of).to_pandas(),
        "polars-lazy": M.customer_summary(pol.lazy(), as_of=as_of).collect().to_pandas(),
        "duckdb": M.customer_summary(rel, as_of=as_of).df(),
    }


def test_engines_identical(sample_orders):
    as_of = "2026-03-31"
    results = _engine_results(sample_orders, as_of)
    ref = _plain(results.pop("pandas-auto"))
    assert len(ref) > 100
    assert isinstance(
        M.customer_summary(pl.from_pandas(sample_orders).lazy(), as_of=as_of), pl.LazyFrame
    )
    for name, got in results.items():
        pd.testing.assert_frame_equal(
            _plain(got), ref, check_dtype=False, check_exact=False, rtol=1e-12, obj=name
        )


def test_engine_kind_preserved(orders):
    rel = duckdb.from_df(orders)
    assert isinstance(M.customer_summary(rel, as_of=AS_OF), duckdb.DuckDBPyRelation)
    assert isinstance(M.customer_summary(pl.from_pandas(orders), as_of=AS_OF), pl.DataFrame)


@pytest.mark.spark
def test_spark_identical(orders):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    sdf = spark.createDataFrame(orders)
    out = M.customer_summary(sdf, as_of=AS_OF)
    assert type(out).__name__ == "DataFrame" and hasattr(out, "toPandas")
    got = out.toPandas()
    pd.testing.assert_frame_equal(_plain(got), _plain(EXPECTED), check_dtype=False)
    rep = M.sales_report(sdf, freq="M").toPandas()
    assert rep["revenue"].tolist() == [150.0, 240.0, 50.0, 999.0]


# --- properties ------------------------------------------------------------------------------

_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(0, 400),
        st.floats(-50, 500, allow_nan=False).map(lambda x: round(x, 2)),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=40,
)


def _frame(rows) -> pd.DataFrame:
    cust, day, amount, order = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "order_id": [f"{c}{d}-{o}" for c, d, o in zip(cust, day, order, strict=True)],
            "customer_id": list(cust),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(list(day), unit="D"),
            "amount": list(amount),
            "cost": [a / 2 for a in amount],
        }
    )


@settings(max_examples=40, deadline=None)
@given(rows=_rows, seed=st.integers(0, 10_000))
def test_property_row_order_and_identities(rows, seed):
    df = _frame(rows)
    as_of = "2024-01-31"
    s = M.customer_summary(df, as_of=as_of)
    shuffled = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        M.customer_summary(shuffled, as_of=as_of), s, check_exact=False, rtol=1e-9, atol=1e-9
    )
    assert (s[N.RFM_FREQUENCY] == s[N.FREQUENCY] + 1).all()
    assert (s[N.RFM_RECENCY] == s[N.T] - s[N.RECENCY]).all()
    assert (s[N.RFM_FREQUENCY] >= 1).all()
    assert ((s[M.ACTIVE_QUARTERS_4] >= 0) & (s[M.ACTIVE_QUARTERS_4] <= 4)).all()


# --- sales report ----------------------------------------------------------------------------


def test_sales_report_by_hand(orders):
    rep = M.sales_report(orders, freq="M")
    assert rep["period"].tolist() == list(
        pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])
    )
    assert rep["revenue"].tolist() == [150.0, 240.0, 50.0, 999.0]
    assert rep["orders"].tolist() == [2, 2, 2, 1]
    assert rep["customers"].tolist() == [1, 2, 2, 1]
    assert rep["profit"].tolist() == [70.0, 80.0, 20.0, 499.0]
    assert rep["avg_order_value"].tolist() == [75.0, 120.0, 25.0, 999.0]
    np.testing.assert_allclose(rep["revenue_pop"], [np.nan, 0.6, 50 / 240 - 1, 999 / 50 - 1])
    assert rep["revenue_yoy"].isna().all()


def test_sales_report_by_dimension_and_yoy():
    o = pd.DataFrame(
        {
            "order_id": ["1", "2", "3", "4"],
            "customer_id": ["a", "b", "a", "b"],
            "order_date": pd.to_datetime(["2023-05-02", "2023-05-20", "2024-05-09", "2024-06-01"]),
            "amount": [100.0, 10.0, 150.0, 20.0],
            "outlet": ["N", "S", "N", "S"],
        }
    )
    rep = M.sales_report(o, by="outlet", freq="Q", start="2023-01-01", end="2024-12-31")
    assert rep.columns.tolist()[:2] == ["period", "outlet"]
    row = rep.loc[(rep["period"] == "2024-04-01") & (rep["outlet"] == "N")].iloc[0]
    assert row["revenue_yoy"] == pytest.approx(0.5)
    row = rep.loc[(rep["period"] == "2024-04-01") & (rep["outlet"] == "S")].iloc[0]
    assert row["revenue_yoy"] == pytest.approx(1.0)
    assert rep["profit"].isna().all()  # no cost column
    yearly = M.sales_report(o, freq="Y")
    assert yearly["revenue"].tolist() == [110.0, 170.0]
    assert yearly["revenue_pop"].tolist()[1] == pytest.approx(170 / 110 - 1)


def test_sales_report_weeks_start_monday():
    o = pd.DataFrame(
        {
            "order_id": ["1", "2", "3"],
            "customer_id": ["a", "a", "a"],
            # Sunday, Monday, Sunday
            "order_date": pd.to_datetime(["2024-01-07", "2024-01-08", "2024-01-14"]),
            "amount": [1.0, 2.0, 4.0],
        }
    )
    for engine in ("auto", "duckdb", "pandas"):
        rep = M.sales_report(o, freq="W", engine=engine)
        assert rep["period"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-01-08"]))
        assert rep["revenue"].tolist() == [1.0, 6.0]


def test_sales_report_engines_identical(sample_orders):
    a = M.sales_report(sample_orders, by="department", freq="Q")
    b = M.sales_report(sample_orders, by="department", freq="Q", engine="duckdb")
    c = M.sales_report(pl.from_pandas(sample_orders), by="department", freq="Q").to_pandas()
    for other in (b, c):
        pd.testing.assert_frame_equal(
            _norm_report(other), _norm_report(a), check_dtype=False, check_exact=False
        )


def _norm_report(df):
    out = df.copy()
    out["department"] = out["department"].astype(str)
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[us]")
    return out.reset_index(drop=True)


# --- cohorts ---------------------------------------------------------------------------------


def test_cohort_retention_by_hand():
    o = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b", "c", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-03", "2024-01-20", "2024-02-11", "2024-03-02", "2024-02-05", "2024-02-06"]
            ),
            "amount": [10.0, 20.0, 5.0, 7.0, 9.0, -9.0],
        }
    )
    got = M.cohort_retention(o, as_of="2024-03-31")
    assert got["cohort"].tolist() == list(pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01"]))
    assert got["period_index"].tolist() == [0, 1, 2, 0]
    assert got["customers"].tolist() == [2, 1, 1, 1]
    assert got["retention"].tolist() == [1.0, 0.5, 0.5, 1.0]
    q = M.cohort_retention(o, as_of="2024-03-31", freq="Q")
    assert q["customers"].tolist() == [3]
    # a return alone does not make a cohort
    only_return = o.iloc[[5]]
    assert len(M.cohort_retention(only_return, as_of="2024-03-31")) == 0


def test_cohort_retention_duckdb_matches(sample_orders):
    a = M.cohort_retention(sample_orders, as_of="2026-06-30", freq="Q")
    b = M.cohort_retention(sample_orders, as_of="2026-06-30", freq="Q", engine="duckdb")
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert (a.loc[a["period_index"] == 0, "retention"] == 1.0).all()


# --- value arithmetic: the seeds' numbers ----------------------------------------------------


def test_simple_clv_seed():
    assert M.simple_clv(75, 150, 3, 2) == 975


def test_growth_levers_seed():
    assert M.growth_levers(1000, 10_000, 2).revenue == 20_000_000
    g = M.growth_levers(1000, 50_000, 1, order_value_change=0.10)
    assert g.revenue == 50_000_000
    assert g.change == 5_000_000
    assert g.by_lever["order_value"] == 5_000_000
    both = M.growth_levers(100, 10, 1, customers_change=0.5, purchases_change=1.0)
    assert both.new_revenue == pytest.approx(150 * 10 * 2)


def test_referral_projection_seed():
    p = M.referral_projection(1000, 3, 3, 20_000)
    assert p.new_customers == 9_000
    assert p.value == 180_000_000
    assert M.referral_projection(10_000, 3, 0, 0).contacts == 30_000


def test_receivable_total_seed():
    assert M.receivable_total(count=100, amount_each=100_000) == 10_000_000
    table = pd.DataFrame({"amount": [100.0, 50.0, 70.0], "paid_amount": [40.0, 60.0, None]})
    assert M.receivable_total(table) == 60.0 + 0.0 + 70.0
    with pytest.raises(M.MetricsInputError, match="count and amount_each"):
        M.receivable_total(count=3)


def test_value_arithmetic_rejects_bad_numbers():
    with pytest.raises(M.MetricsInputError, match="years=-1"):
        M.simple_clv(75, 150, 3, -1)
    with pytest.raises(M.MetricsInputError, match="order_value change"):
        M.growth_levers(1, 1, order_value_change=-2)


# --- data-driven measures --------------------------------------------------------------------


def test_repurchase_by_complaint_by_hand():
    o = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c", "d", "e"],
            "order_date": pd.to_datetime(
                [
                    "2023-01-01",
                    "2023-06-01",  # a: no complaint, bought again within a year
                    "2023-01-01",
                    "2023-03-01",  # b: complaint on Jan 10 unresolved; Mar 1 is a return
                    "2023-01-01",
                    "2023-03-01",  # c: complaint resolved, bought again
                    "2023-02-01",  # d: no complaint, no repurchase
                    "2024-11-01",  # e: too recent for a full window
                ]
            ),
            "amount": [10.0, 10.0, 10.0, -10.0, 10.0, 10.0, 10.0, 10.0],
        }
    )
    k = pd.DataFrame(
        {
            "customer_id": ["b", "c"],
            "date": pd.to_datetime(["2023-01-10", "2023-01-15"]),
            "outcome": ["unresolved", "resolved"],
        }
    )
    got = M.repurchase_by_complaint(o, k, as_of="2024-12-31").set_index("group")
    # a's reference is its last purchase (2023-06-01), after which it did not buy: 0 of 2
    assert got.loc["no_complaint", "customers"] == 2
    assert got.loc["no_complaint", "repurchased"] == 0
    assert got.loc["unresolved", "repurchase_rate"] == 0.0
    assert got.loc["resolved", "repurchase_rate"] == 1.0
    assert list(got.index) == list(M.COMPLAINT_GROUPS)


def test_campaign_response_benchmarks():
    c = pd.DataFrame(
        {
            "channel": ["sms"] * 100 + ["email"] * 20,
            "approach": ["mass"] * 100 + ["differentiated"] * 20,
            "responded": [True] * 1 + [False] * 99 + [True] * 2 + [False] * 18,
        }
    )
    by_approach = M.campaign_response(c, by="approach", lang="zh").set_index("approach")
    assert by_approach.loc["mass", "response_rate"] == 0.01
    assert by_approach.loc["mass", "versus_benchmark"] == "below"
    assert by_approach.loc["differentiated", "versus_benchmark"] == "within"
    assert by_approach.loc["differentiated", "benchmark_low"] == 0.06
    assert by_approach.loc["differentiated", "benchmark_high"] == 0.15
    assert by_approach.loc["mass", "label"] == "传统大众营销"
    assert M.CAMPAIGN_BENCHMARKS["relationship"] == (0.18, 0.30)
    assert M.CAMPAIGN_BENCHMARKS["information"] == (0.01, 0.03)
    by_channel = M.campaign_response(c)
    assert by_channel["channel"].tolist() == ["sms", "email"]
    assert by_channel["response_rate"].tolist() == [0.01, 0.1]
    assert "benchmark_low" not in by_channel


def test_lost_reason_pareto_by_hand():
    lr = pd.DataFrame(
        {
            "reason": ["budget_short"] * 3 + ["poor_results"] * 2 + ["business_ended"],
            "win_back_attempted": [True, True, False, True, False, False],
            "won_back": [True, False, False, False, False, False],
        }
    )
    got = M.lost_reason_pareto(lr, lang="zh")
    assert got["reason"].tolist() == ["budget_short", "poor_results", "business_ended"]
    assert got["count"].tolist() == [3, 2, 1]
    np.testing.assert_allclose(got["cumulative_share"], [0.5, 5 / 6, 1.0])
    assert got["question"].iloc[0] == "我们是否介入得太晚？"
    assert got["win_back_rate"].iloc[0] == 0.5
    assert np.isnan(got["win_back_rate"].iloc[2])
    en = M.lost_reason_pareto(lr)
    assert en["question"].iloc[1] == "What did they really care about?"


def test_loyalty_measures_by_hand(orders):
    s = M.customer_summary(orders, as_of=AS_OF)
    got = M.loyalty_measures(s).set_index("measure")["value"]
    assert got["customers"] == 3
    assert got["repeat_customers"] == 1
    assert got["repeat_purchase_rate"] == pytest.approx(1 / 3)
    assert got["mean_purchases"] == pytest.approx(4 / 3)
    assert got["mean_interpurchase_interval"] == 31.0
    assert got["repeat_revenue_share"] == pytest.approx(320 / 440)
    assert set(M.LOYALTY_FIELDS_TO_KEEP) >= {"price_sensitivity", "share_of_need"}
