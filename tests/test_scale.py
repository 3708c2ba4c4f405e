"""Big order logs: :mod:`workbench.scan` runs the metrics inside DuckDB, out of core.

A few hundred thousand generated order lines are written to Parquet (one file, a folder of
files) and to a DuckDB database; the per-customer summary, the sales report and the cohort
matrix computed inside DuckDB must equal the pandas results row for row, under a memory
limit small enough to make DuckDB plan for spilling.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench.load import SourceError
from workbench.metrics import cohort_retention, customer_summary, sales_report
from workbench.sample import write_orders_parquet
from workbench.scan import collect, connect, duckdb_settings, scan

AS_OF = "2026-06-30"
N_ORDERS = 300_000
LIMIT = "128MB"


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """300,000 order lines as ``orders.parquet``, ``parts/orders/*.parquet`` and a .duckdb file."""
    root = tmp_path_factory.mktemp("big")
    single = root / "single"
    path = write_orders_parquet(single / "orders.parquet", N_ORDERS, seed=11, chunk_rows=100_000)
    table = pq.read_table(path)
    parts = root / "parts" / "orders"
    parts.mkdir(parents=True)
    step = N_ORDERS // 3
    for i in range(3):
        pq.write_table(table.slice(i * step, step if i < 2 else None), parts / f"part-{i}.parquet")
    db = root / "shop.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"create table orders as select * from read_parquet('{path}')")
    con.close()
    return {
        "single": single,
        "parts": root / "parts",
        "db": db,
        "tmp": root / "spill",
        "pandas": table.to_pandas(),
    }


@pytest.fixture(scope="module")
def want(big):
    return customer_summary(big["pandas"], as_of=AS_OF)


def _scan(big, source):
    return scan(source, memory_limit=LIMIT, temp_directory=big["tmp"], threads=2)


def test_generated_log_has_the_size_and_many_customers(big, want):
    assert len(big["pandas"]) == N_ORDERS
    assert len(want) > 5_000


def test_summary_from_a_parquet_folder_equals_pandas(big, want):
    rel = _scan(big, big["single"])
    lazy = customer_summary(rel, as_of=AS_OF)
    assert isinstance(lazy, duckdb.DuckDBPyRelation)  # still lazy: nothing came back yet
    got = collect(lazy)
    pd.testing.assert_frame_equal(got, want)


def test_summary_totals_agree_with_a_plain_sum(big, want):
    o = big["pandas"]
    buyers = o.loc[o["amount"] >= 0, "customer_id"].unique()
    got = collect(customer_summary(_scan(big, big["single"]), as_of=AS_OF))
    kept = o[o["customer_id"].isin(buyers)]
    assert got["revenue"].sum() == pytest.approx(kept["amount"].sum(), rel=1e-9)
    assert got["n_orders"].sum() == kept["order_id"].nunique()
    assert set(got["customer_id"]) == set(buyers)


def test_summary_from_a_folder_of_parquet_files_equals_pandas(big, want):
    pd.testing.assert_frame_equal(
        collect(customer_summary(_scan(big, big["parts"]), as_of=AS_OF)), want
    )


def test_summary_from_a_duckdb_file_equals_pandas(big, want):
    rel = _scan(big, big["db"])
    pd.testing.assert_frame_equal(collect(customer_summary(rel, as_of=AS_OF)), want)


def test_sales_report_and_cohorts_run_in_duckdb_and_equal_pandas(big):
    rel = _scan(big, big["single"])
    o = big["pandas"]
    pd.testing.assert_frame_equal(
        collect(sales_report(rel, freq="Q", by="company")),
        sales_report(o, freq="Q", by="company"),
    )
    pd.testing.assert_frame_equal(
        collect(cohort_retention(rel, as_of=AS_OF, freq="Q")),
        cohort_retention(o, as_of=AS_OF, freq="Q"),
    )


@pytest.mark.parametrize("which", ["single", "db"], ids=["parquet", "duckdb-file"])
def test_memory_limit_threads_and_spill_folder_are_applied(big, which):
    rel = _scan(big, big[which])
    limit, temp, threads = rel.query(
        "t",
        "select current_setting('memory_limit'), current_setting('temp_directory'), "
        "current_setting('threads') from t limit 1",
    ).fetchall()[0]
    assert limit == "122.0 MiB"  # DuckDB shows 128 MB (10^6 bytes) in MiB
    assert temp == str(big["tmp"])
    assert threads == 2


def test_environment_gives_the_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("WORKBENCH_DUCKDB_TEMP", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_DUCKDB_THREADS", "1")
    con = connect()
    s = duckdb_settings(con)
    con.close()
    assert s["memory_limit"] == "953.6 MiB"
    assert s["temp_directory"] == str(tmp_path)
    assert s["threads"] == "1"
    assert s["preserve_insertion_order"] == "false"


def test_duckdb_file_is_read_only_and_scans_twice_with_other_settings(big, want):
    before = big["db"].read_bytes()
    first = _scan(big, big["db"])
    second = scan(big["db"], memory_limit="256MB", threads=1)  # same file, other settings
    attached = first.query(
        "t", "select path, readonly from duckdb_databases() where path is not null"
    ).fetchall()
    assert attached == [(str(big["db"]), True)]
    pd.testing.assert_frame_equal(collect(customer_summary(second, as_of=AS_OF)), want)
    pd.testing.assert_frame_equal(collect(customer_summary(first, as_of=AS_OF)), want)
    assert big["db"].read_bytes() == before


def test_polars_engine_equals_pandas(big, want):
    import polars as pl

    lazy = customer_summary(scan(big["single"], engine="polars"), as_of=AS_OF)
    assert isinstance(lazy, pl.LazyFrame)
    pd.testing.assert_frame_equal(collect(lazy), want)


def test_missing_source_names_what_to_give(tmp_path):
    with pytest.raises(SourceError, match=r"does not exist; give a folder with orders\.parquet"):
        scan(tmp_path / "nowhere")


def test_csv_only_folder_says_how_to_convert(tmp_path):
    (tmp_path / "orders.csv").write_text("order_id\n1\n")
    with pytest.raises(SourceError, match=r"orders\.csv is not Parquet: convert it"):
        scan(tmp_path)


def test_table_both_as_file_and_folder_is_an_error(big, tmp_path):
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders.parquet").write_bytes(b"")
    with pytest.raises(SourceError, match="both orders.parquet and the folder orders/"):
        scan(tmp_path)


def test_duckdb_file_without_the_table_lists_its_tables(big):
    with pytest.raises(SourceError, match="has no table 'sales'; it has: orders"):
        scan(big["db"], table="sales")


def test_unknown_engine_is_refused(big):
    with pytest.raises(SourceError, match="engine='pandas' is not one of"):
        scan(big["single"], engine="pandas")


def test_period_kpis_run_in_duckdb_and_polars_and_equal_pandas(sample):
    import duckdb
    import polars as pl

    from workbench.kpis import period_kpis

    kw = {"start": "2025-07-01", "end": "2025-12-31", "by": "salesperson"}
    want = period_kpis(sample.orders, sample.customers, **kw)
    assert want["upgraded_customers"].sum() > 0
    rel = duckdb.from_arrow(pl.from_pandas(sample.orders).to_arrow())
    pd.testing.assert_frame_equal(period_kpis(rel, sample.customers, **kw), want)
    lazy = pl.from_pandas(sample.orders).lazy()
    pd.testing.assert_frame_equal(period_kpis(lazy, sample.customers, **kw), want)


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_workbench_rfm_with_a_lazy_engine_equals_the_pandas_scores(big, want, engine, tmp_path):
    from workbench.cli import main
    from workbench.tiers import rfm_table

    out = tmp_path / f"rfm_{engine}.parquet"
    source = str(big["single"])
    assert main(["rfm", source, "--as-of", AS_OF, "--out", str(out), "--engine", engine]) == 0
    got = pd.read_parquet(out).sort_values("customer_id", ignore_index=True)
    expected = rfm_table(want, lang="en")  # the CLI writes labels
    assert len(got) == len(expected) == len(want)
    for col in ["rfm_frequency", "r_score", "f_score", "m_score", "abc_class", "lifecycle_tier"]:
        assert got[col].astype(str).tolist() == expected[col].astype(str).tolist(), col
