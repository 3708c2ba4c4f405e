"""The narwhals metrics on PySpark DataFrames (local mode) equal the pandas results.

One local SparkSession (``local[2]``) per test session; the sample orders reach Spark three
ways: ``spark.createDataFrame``, a Parquet file through ``scan(..., engine="spark")`` and a
catalog table through ``scan("spark:orders")``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.load import SourceError
from workbench.metrics import cohort_retention, customer_summary, sales_report
from workbench.scan import collect, scan

pytestmark = pytest.mark.spark

AS_OF = "2026-06-30"
@pytest.fixture(scope="session")
def orders(sample):
    return sample.orders


@pytest.fixture(scope="session")
def spark_orders(spark, orders):
    return spark.createDataFrame(orders)


@pytest.fixture(scope="session")
def parquet_dir(orders, tmp_path_factory):
    d = tmp_path_factory.mktemp("spark-parquet")
    orders.to_parquet(d / "orders.parquet", index=False)
    return d


def test_spark_frame_holds_the_sample(spark_orders, orders):
    assert spark_orders.count() == len(orders)
    assert dict(spark_orders.dtypes)["order_date"] in ("timestamp", "timestamp_ntz")


def test_customer_summary_on_spark_equals_pandas(spark_orders, orders):
    from pyspark.sql import DataFrame

    lazy = customer_summary(spark_orders, as_of=AS_OF)
    assert isinstance(lazy, DataFrame)  # computed by Spark, still a Spark DataFrame
    want = customer_summary(orders, as_of=AS_OF)
    assert len(want) == orders.loc[orders["amount"] >= 0, "customer_id"].nunique()
    pd.testing.assert_frame_equal(collect(lazy), want)


def test_customer_summary_in_weeks_by_orders_equals_pandas(spark_orders, orders):
    kw = {"as_of": "2025-12-31", "frequency": "orders", "time_unit": "W"}
    pd.testing.assert_frame_equal(
        collect(customer_summary(spark_orders, **kw)), customer_summary(orders, **kw)
    )


@pytest.mark.parametrize(
    ("freq", "by"),
    [("M", None), ("Q", "department"), ("Y", ["company", "salesperson"])],
    ids=["month", "quarter-department", "year-company-salesperson"],
)
def test_sales_report_on_spark_equals_pandas(spark_orders, orders, freq, by):
    want = sales_report(orders, freq=freq, by=by)
    assert len(want) > 1
    pd.testing.assert_frame_equal(collect(sales_report(spark_orders, freq=freq, by=by)), want)


def test_cohort_retention_on_spark_equals_pandas(spark_orders, orders):
    pd.testing.assert_frame_equal(
        collect(cohort_retention(spark_orders, as_of=AS_OF, freq="Q")),
        cohort_retention(orders, as_of=AS_OF, freq="Q"),
    )


def test_scan_a_parquet_folder_with_spark(spark, parquet_dir, orders):
    df = scan(parquet_dir, engine="spark", spark=spark)
    pd.testing.assert_frame_equal(
        collect(customer_summary(df, as_of=AS_OF)), customer_summary(orders, as_of=AS_OF)
    )


def test_scan_a_spark_catalog_table(spark, spark_orders, orders):
    spark_orders.createOrReplaceTempView("orders")
    df = scan("spark:orders")  # the active session
    pd.testing.assert_frame_equal(
        collect(customer_summary(df, as_of=AS_OF)), customer_summary(orders, as_of=AS_OF)
    )


def test_unknown_spark_table_says_how_to_list_them(spark):
    with pytest.raises(SourceError, match=r"Spark has no table 'no_such_orders'.*listTables"):
        scan("spark:no_such_orders", spark=spark)


@pytest.mark.parametrize("by", [None, "department"], ids=["overall", "by-department"])
def test_period_kpis_on_spark_equal_pandas(spark_orders, orders, sample, by):
    from workbench.kpis import period_kpis

    kw = {"start": "2026-01-01", "end": "2026-03-31", "by": by}
    want = period_kpis(orders, sample.customers, **kw)
    assert want["new_customers"].sum() > 0 and want["lost_customers"].sum() > 0
    pd.testing.assert_frame_equal(period_kpis(spark_orders, sample.customers, **kw), want)


def test_workbench_rfm_on_spark_equals_pandas(spark, parquet_dir, orders, tmp_path):
    from workbench.cli import main
    from workbench.tiers import rfm_table

    out = tmp_path / "rfm.parquet"
    args = ["rfm", str(parquet_dir), "--as-of", AS_OF, "--out", str(out), "--engine", "spark"]
    assert main(args) == 0
    got = pd.read_parquet(out).sort_values("customer_id", ignore_index=True)
    expected = rfm_table(customer_summary(orders, as_of=AS_OF), lang="en")
    assert len(got) == len(expected)
    for col in ["rfm_frequency", "r_score", "f_score", "m_score", "abc_class", "lifecycle_tier"]:
        assert got[col].astype(str).tolist() == expected[col].astype(str).tolist(), col
