"""The narwhals metrics on PySpark DataFrames (local mode) equal the pandas results.

One local SparkSession (``local[2]``) per test session; the sample orders reach Spark three
ways: ``spark.createDataFrame``, a Parquet file through ``scan(..., engine="spark")`` and a
catalog table through ``scan("spark:orders")``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from report_compare import assert_same, render_sections

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


# --------------------------------------------------------------------------- reports


@pytest.fixture(scope="session")
def spark_database(spark, sample):
    """The sample's tables in the Spark catalog database ``wb_report``."""
    spark.sql("create database if not exists wb_report")
    for name, frame in sample.tables.items():
        spark.createDataFrame(frame).write.mode("overwrite").saveAsTable(f"wb_report.{name}")
    return "spark:wb_report"


def test_management_report_from_a_spark_database_equals_pandas(
    spark, spark_database, sample_dir, orders
):
    """Every section built from ``spark:DATABASE`` equals the one built in pandas."""
    from pyspark.sql import DataFrame

    from workbench import sections

    period = "2026-06"
    lazy = sections.context(spark_database, period=period, lang="zh", currency="¥")
    assert isinstance(lazy.ds.orders, DataFrame)  # the order log stayed in Spark
    eager = sections.context(str(sample_dir), period=period, lang="zh", currency="¥")
    assert isinstance(eager.ds.orders, pd.DataFrame)
    assert lazy.as_of == eager.as_of == pd.Timestamp(AS_OF)
    got, got_figures = render_sections(lazy)
    want, want_figures = render_sections(eager)
    assert got_figures["revenue"] > 0 and got_figures["orders_rows"] == len(orders)
    assert_same(got_figures, want_figures, "figures")
    assert "spark:wb_report" in got.pop("title_block")  # the source note names the source
    want.pop("title_block")
    for name in got:
        assert_same(got[name], want[name], name)


def test_management_report_scoped_to_a_department_on_spark(
    spark, spark_database, sample_dir, orders
):
    from workbench import sections

    scope = "department:" + sorted(orders["department"].dropna().unique())[0]
    lazy = sections.context(spark_database, period="2026-Q2", scope=scope)
    eager = sections.context(str(sample_dir), period="2026-Q2", scope=scope)
    assert_same(render_sections(lazy)[1], render_sections(eager)[1])


def test_unknown_scope_on_spark_lists_the_known_values(spark, spark_database):
    from workbench import sections
    from workbench.report import ParameterError

    with pytest.raises(ParameterError, match=r"no order has department 'Nowhere'; known values: "):
        sections.context(spark_database, period="2026-06", scope="department:Nowhere")


def test_management_report_renders_with_papermill_on_spark(sample, tmp_path):
    """``workbench report management -p engine spark`` on a Parquet folder: real papermill,
    a Spark session in the report's own kernel, the same figures as the pandas report."""
    from workbench.report import render

    data = tmp_path / "lake"
    data.mkdir()
    for name, frame in sample.tables.items():
        frame.to_parquet(data / f"{name}.parquet", index=False)
    params = {"source": str(data), "period": "2026-06", "lang": "en"}
    spark_run = render("management", {**params, "engine": "spark"}, out_dir=tmp_path / "spark")
    pandas_run = render("management", params, out_dir=tmp_path / "pandas")
    html = spark_run.html.read_text(encoding="utf-8")
    assert "Traceback" not in html
    figures = dict(spark_run.figures)
    want = dict(pandas_run.figures)
    assert figures["orders_rows"] == len(sample.orders) and figures["revenue"] > 0
    assert_same(figures, want, "figures")


def test_worklist_from_a_spark_database_equals_pandas(spark, spark_database, sample_dir):
    """The manager's worklist summary built from ``spark:DATABASE`` equals the pandas one."""
    from report_compare import WORKLIST_SECTIONS

    from workbench import sections

    lazy = sections.worklist_context(spark_database, lang="zh")
    eager = sections.worklist_context(str(sample_dir), lang="zh")
    got = render_sections(lazy, WORKLIST_SECTIONS)
    want = render_sections(eager, WORKLIST_SECTIONS)
    assert got[1]["worklist_customers"] > 0
    assert "wb_report" in got[0].pop("worklist_title") and want[0].pop("worklist_title")
    assert_same(got, want)
