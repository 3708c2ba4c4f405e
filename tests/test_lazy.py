"""Datasets whose order log stays in DuckDB, Polars or Spark, validated there.

The committed sample reaches each engine as a Parquet folder, a DuckDB file and a Spark
catalog database; the lazy dataset must give back the pandas loader's tables and counts.
A hand-made order log with one line per broken rule must lose exactly those lines, on
every engine, and the lines the pandas loader rejects must be among them.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from workbench.dataset import Dataset
from workbench.lazy import columns, is_lazy, last_order_date, n_rows, open_dataset, to_engine
from workbench.load import SourceError, load
from workbench.scan import collect
from workbench.validate import ValidationError

KEY = ["order_id", "line_no"]
NATIVE = {"duckdb": "DuckDBPyRelation", "polars": "LazyFrame", "spark": "DataFrame"}


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY, kind="stable", ignore_index=True)


def _write_parquet(tables: dict[str, pd.DataFrame], folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def _write_duckdb(tables: dict[str, pd.DataFrame], path):
    con = duckdb.connect(str(path))
    for name, df in tables.items():
        con.register("frame", df)
        con.execute(f"create table {name} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def _spark_database(spark, tables: dict[str, pd.DataFrame], db: str, location) -> str:
    """Save ``tables`` as tables of a Spark catalog database kept under ``location``."""
    spark.sql(f"drop database if exists {db} cascade")
    spark.sql(f"create database {db} location '{location}'")
    for name, df in tables.items():
        spark.createDataFrame(df).write.mode("overwrite").saveAsTable(f"{db}.{name}")
    return db


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_parquet(sample, tmp_path_factory):
    return _write_parquet(sample.tables, tmp_path_factory.mktemp("lazy-sample") / "pq")


@pytest.fixture(scope="module")
def sample_duckdb(sample, tmp_path_factory):
    return _write_duckdb(sample.tables, tmp_path_factory.mktemp("lazy-sample") / "shop.duckdb")


@pytest.fixture(scope="module")
def sample_spark_db(spark, sample, tmp_path_factory):
    where = tmp_path_factory.mktemp("lazy-spark-sample")
    return _spark_database(spark, sample.tables, "wb_lazy_sample", where)


def _assert_same_as_pandas(ds: Dataset, sample: Dataset, native: str) -> None:
    orders = ds.tables["orders"]
    assert is_lazy(orders) and type(orders).__name__ == native
    assert columns(orders) == list(sample.orders.columns)
    pd.testing.assert_frame_equal(_sorted(collect(orders)), _sorted(sample.orders))
    assert list(ds.tables) == list(sample.tables)
    for name, df in sample.tables.items():
        if name != "orders":
            pd.testing.assert_frame_equal(ds.tables[name], df, obj=name)
    pd.testing.assert_frame_equal(ds.counts(), sample.counts())
    assert ds.n_quarantined == 0 and ds.problems == [] and ds.quarantine == {}


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_sample_parquet_folder_equals_the_pandas_load(sample_parquet, sample, engine):
    ds = open_dataset(sample_parquet, engine=engine, threads=1)
    assert ds.source == str(sample_parquet)
    _assert_same_as_pandas(ds, sample, NATIVE[engine])


def test_sample_orders_folder_of_parquet_files(sample, sample_parquet, tmp_path):
    folder = tmp_path / "lake"
    (folder / "orders").mkdir(parents=True)
    for name in sample.tables:
        if name != "orders":
            (folder / f"{name}.parquet").write_bytes(
                (sample_parquet / f"{name}.parquet").read_bytes()
            )
    half = len(sample.orders) // 2
    sample.orders.iloc[:half].to_parquet(folder / "orders" / "part-0.parquet", index=False)
    sample.orders.iloc[half:].to_parquet(folder / "orders" / "part-1.parquet", index=False)
    _assert_same_as_pandas(open_dataset(folder, engine="duckdb"), sample, "DuckDBPyRelation")


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_sample_duckdb_file_equals_the_pandas_load(sample_duckdb, sample, engine):
    ds = open_dataset(sample_duckdb, engine=engine, memory_limit="512MB")
    # a DuckDB file is read by DuckDB whatever the engine
    _assert_same_as_pandas(ds, sample, "DuckDBPyRelation")


@pytest.mark.spark
def test_sample_spark_database_equals_the_pandas_load(spark, sample_spark_db, sample):
    ds = open_dataset(f"spark:{sample_spark_db}", engine="spark", spark=spark)
    assert ds.source == f"spark:{sample_spark_db}"
    _assert_same_as_pandas(ds, sample, "DataFrame")


@pytest.mark.spark
def test_sample_parquet_folder_with_spark(spark, sample_parquet, sample):
    _assert_same_as_pandas(
        open_dataset(sample_parquet, engine="spark", spark=spark), sample, "DataFrame"
    )


@pytest.mark.spark
def test_current_spark_database_is_spark_colon(spark, sample_spark_db, sample):
    before = spark.catalog.currentDatabase()
    spark.catalog.setCurrentDatabase(sample_spark_db)
    try:
        ds = open_dataset("spark:", engine="spark", spark=spark)
    finally:
        spark.catalog.setCurrentDatabase(before)
    assert n_rows(ds.orders) == len(sample.orders)
    assert sorted(ds.tables) == sorted(sample.tables)


# --------------------------------------------------------------------------- bad data


def _bad_tables() -> dict[str, pd.DataFrame]:
    """One order line per broken rule, beside lines that are fine (hand-made)."""
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "name": ["Acme", "Bolt", "Crane", None],  # C4 (record 4) has no name
        }
    )
    products = pd.DataFrame({"product_id": ["P1", "P2"], "name": ["Toner", "Paper"]})
    rows = [
        # order, line, customer, product, amount, return, date
        ("O1", 1, "C1", "P1", 100.0, False, "2024-01-05"),  # fine
        ("O1", 2, "C1", "P2", 50.0, False, "2024-01-05"),  # fine
        ("O2", 1, None, "P1", 10.0, False, "2024-01-06"),  # missing customer_id
        ("O3", 1, "C9", "P1", 20.0, False, "2024-01-07"),  # unknown customer
        ("O4", 1, "C2", "P1", -20.0, False, "2024-01-08"),  # negative, not a return
        ("O5", 1, "C2", "P2", 30.0, False, "2024-01-09"),  # key O5/1 ...
        ("O5", 1, "C3", "P2", 31.0, False, "2024-01-09"),  # ... repeated
        ("O6", 1, "C3", "P9", 40.0, False, "2024-01-10"),  # unknown product
        ("O7", 1, "C4", "P1", 45.0, False, "2024-01-11"),  # customer set aside
        ("O8", 1, "C1", "P1", -30.0, True, "2024-01-12"),  # a return: fine
        ("O9", 1, "C2", None, 60.0, False, "2024-01-13"),  # no product: fine
        ("O10", 1, "C1", "P2", 70.0, False, "2024-05-02"),  # after as_of
    ]
    orders = pd.DataFrame(
        rows,
        columns=["order_id", "line_no", "customer_id", "product_id", "amount", "is_return", "d"],
    )
    orders.insert(2, "order_date", pd.to_datetime(orders.pop("d")).astype("datetime64[us]"))
    return {"customers": customers, "products": products, "orders": orders}


AS_OF = "2024-04-30"
# (order_id, customer_id) -> the rule that sets the line aside, and words of its _problem
EXPECTED = {
    ("O2", None): ("missing_value", "column customer_id is blank; fill in customer_id"),
    ("O3", "C9"): ("unknown_customer", "column customer_id: 'C9' is not in {customers}"),
    ("O4", "C2"): ("negative_not_return", "column amount: '-20.0' is negative"),
    ("O5", "C2"): ("duplicate_key", "column order_id, line_no: 'O5 / 1' is the key of 2 lines"),
    ("O5", "C3"): ("duplicate_key", "column order_id, line_no: 'O5 / 1' is the key of 2 lines"),
    ("O6", "C3"): ("unknown_reference", "column product_id: 'P9' is not in {products}"),
    ("O7", "C4"): (
        "unknown_customer",
        "'C4' is a customer set aside by validation ({customers} record 4)",
    ),
    ("O10", "C1"): ("future_date", "column order_date: '2024-05-02 00:00:00' is after as_of"),
}
VALID = ["O1", "O1", "O8", "O9"]


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    return _write_parquet(_bad_tables(), tmp_path_factory.mktemp("lazy-bad") / "pq")


@pytest.fixture(scope="module")
def bad_pandas(bad_folder):
    return load(bad_folder, policy="quarantine", as_of=AS_OF)


@pytest.fixture(scope="module")
def bad_spark_db(spark, tmp_path_factory):
    where = tmp_path_factory.mktemp("lazy-spark-bad")
    tables = _bad_tables()
    tables["customers"]["name"] = tables["customers"]["name"].astype(object)
    return _spark_database(spark, tables, "wb_lazy_bad", where)


def _key(df: pd.DataFrame) -> list[tuple]:
    ids = df["customer_id"].astype(object).where(df["customer_id"].notna(), None)
    return sorted(zip(df["order_id"], ids, strict=True), key=str)


def _assert_bad_lines_set_aside(ds: Dataset, pandas_ds: Dataset, files: dict[str, str]) -> None:
    """``files``: how the source names the orders, customers and products tables."""
    file = files["orders"]
    q = ds.quarantine["orders"]
    assert _key(q) == sorted(EXPECTED, key=str)
    for order_id, customer_id, problem in zip(
        q["order_id"], q["customer_id"], q["_problem"], strict=True
    ):
        customer_id = None if pd.isna(customer_id) else customer_id
        rule, words = EXPECTED[(order_id, customer_id)]
        assert words.format(**files) in problem, (order_id, problem)
    assert q["_row"].isna().all()
    assert ds.n_quarantined == len(EXPECTED) + 1  # and the customer without a name
    assert ds.quarantine["customers"]["customer_id"].tolist() == ["C4"]
    # the valid lines stay lazy and are the rest
    assert is_lazy(ds.orders)
    assert sorted(collect(ds.orders)["order_id"]) == sorted(VALID)
    counts = ds.counts().set_index("table")
    assert counts.loc["orders"].tolist() == [len(VALID), len(EXPECTED)]
    assert counts.loc["customers"].tolist() == [3, 1]
    # one problem per rejected line, naming the order and line instead of a row
    found = [p for p in ds.problems if p.table == "orders"]
    assert sorted((p.message.split(",")[0], p.rule) for p in found) == sorted(
        (f"{file} order {o} line 1", rule) for (o, _), (rule, _) in EXPECTED.items()
    )
    assert all(p.row is None and p.file == file for p in found)
    # pandas rejects the same lines but keeps the first line of a repeated key
    ours, theirs = _key(q), _key(pandas_ds.quarantine["orders"])
    assert set(theirs) <= set(ours)
    assert sorted(set(ours) - set(theirs)) == [("O5", "C2")]


PARQUET_FILES = {t: f"{t}.parquet" for t in ("orders", "customers", "products")}


@pytest.fixture(params=["in-list", "joined"])
def references(request, monkeypatch):
    """Valid ids reach the engine as an is_in list (few), or as a frame joined there (many)."""
    if request.param == "joined":
        monkeypatch.setattr("workbench.lazy._IN_LIST_MAX", 0)
    return request.param


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_bad_lines_are_set_aside_in_the_engine(bad_folder, bad_pandas, engine, references):
    ds = open_dataset(bad_folder, engine=engine, as_of=AS_OF)
    _assert_bad_lines_set_aside(ds, bad_pandas, PARQUET_FILES)
    assert ds.as_of == pd.Timestamp(AS_OF)


def test_bad_lines_in_a_duckdb_file(tmp_path, references):
    path = _write_duckdb(_bad_tables(), tmp_path / "bad.duckdb")
    ds = open_dataset(path, engine="duckdb", as_of=AS_OF)
    files = {t: f"bad.duckdb table {t}" for t in ("orders", "customers", "products")}
    _assert_bad_lines_set_aside(ds, load(path, policy="quarantine", as_of=AS_OF), files)


@pytest.mark.spark
def test_bad_lines_are_set_aside_by_spark(spark, bad_folder, bad_pandas, references):
    ds = open_dataset(bad_folder, engine="spark", as_of=AS_OF, spark=spark)
    _assert_bad_lines_set_aside(ds, bad_pandas, PARQUET_FILES)


@pytest.mark.spark
def test_bad_lines_in_a_spark_database(spark, bad_spark_db, bad_pandas):
    ds = open_dataset(f"spark:{bad_spark_db}", engine="spark", as_of=AS_OF, spark=spark)
    files = {t: f"spark:{bad_spark_db}.{t}" for t in ("orders", "customers", "products")}
    _assert_bad_lines_set_aside(ds, bad_pandas, files)


def test_without_as_of_a_late_order_is_valid(bad_folder):
    ds = open_dataset(bad_folder, engine="polars")
    assert "O10" in collect(ds.orders)["order_id"].tolist()
    assert len(ds.quarantine["orders"]) == len(EXPECTED) - 1


def test_problem_message_names_the_order_line_column_and_fix(bad_folder):
    ds = open_dataset(bad_folder, engine="duckdb", as_of=AS_OF)
    (p,) = [p for p in ds.problems if p.rule == "negative_not_return"]
    assert (p.column, p.value, p.row) == ("amount", -20.0, None)
    assert p.message == (
        "orders.parquet order O4 line 1, column amount: '-20.0' is negative but the line is "
        "not marked as a return; mark the line as a return (is_return = true) or correct "
        "the sign"
    )


def test_negative_quantity_is_reported_once_per_line(tmp_path):
    tables = _bad_tables()
    orders = tables["orders"].iloc[[0, 1]].copy()
    orders["quantity"] = [-2.0, 3.0]
    orders.loc[orders.index[0], "amount"] = -100.0  # both negative: one problem (quantity)
    tables["orders"] = orders
    ds = open_dataset(_write_parquet(tables, tmp_path / "pq"), engine="polars")
    assert [(p.column, p.rule) for p in ds.problems if p.table == "orders"] == [
        ("quantity", "negative_not_return")
    ]
    pandas_ds = load(tmp_path / "pq", policy="quarantine")
    assert [(p.column, p.rule) for p in pandas_ds.problems if p.table == "orders"] == [
        ("quantity", "negative_not_return")
    ]


# --------------------------------------------------------------------------- types


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_integer_ids_date_column_and_defaults(tmp_path, engine):
    pd.DataFrame({"customer_id": ["7", "8"], "name": ["A", "B"]}).to_parquet(
        tmp_path / "customers.parquet"
    )
    pd.DataFrame(
        {
            "Order_ID": [1, 2, 2],  # header case as exported; ids as integers
            "customer_id": [7, 8, 8],
            "order_date": [dt.date(2024, 1, 5), dt.date(2024, 1, 6), dt.date(2024, 1, 6)],
            "amount": [10, 20, 5],  # integers
        }
    ).to_parquet(tmp_path / "orders.parquet")
    ds = open_dataset(tmp_path, engine=engine)
    got = _sorted(collect(ds.orders))
    want = pd.DataFrame(
        {
            "order_id": ["1", "2", "2"],
            "customer_id": ["7", "8", "8"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-06"]).astype(
                "datetime64[us]"
            ),
            "amount": [10.0, 20.0, 5.0],
            "line_no": [1, 1, 1],  # default 1: order 2's two lines are not repeats
            "is_return": [False, False, False],
        }
    )
    pd.testing.assert_frame_equal(got, want)
    assert "orders" not in ds.quarantine


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_missing_amount_column_says_which_and_the_fix(bad_folder, tmp_path, engine):
    for name in ("customers", "products"):
        (tmp_path / f"{name}.parquet").write_bytes((bad_folder / f"{name}.parquet").read_bytes())
    _bad_tables()["orders"].drop(columns="amount").to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(
        ValidationError,
        match=r"orders\.parquet, column amount: required column amount is missing .*; "
        r"add the column amount to the order log",
    ):
        open_dataset(tmp_path, engine=engine)


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_text_dates_say_store_them_as_dates(bad_folder, tmp_path, engine):
    for name in ("customers", "products"):
        (tmp_path / f"{name}.parquet").write_bytes((bad_folder / f"{name}.parquet").read_bytes())
    orders = _bad_tables()["orders"]
    orders["order_date"] = orders["order_date"].dt.strftime("%Y-%m-%d")
    orders.to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(
        ValidationError,
        match=r"column order_date: is stored as String, not as dates.*store order_date as a "
        r"date or timestamp column",
    ):
        open_dataset(tmp_path, engine=engine)


@pytest.mark.spark
def test_text_amounts_stop_spark_too(spark, bad_folder, tmp_path):
    for name in ("customers", "products"):
        (tmp_path / f"{name}.parquet").write_bytes((bad_folder / f"{name}.parquet").read_bytes())
    orders = _bad_tables()["orders"]
    orders["amount"] = orders["amount"].astype("str")
    orders.to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(ValidationError, match=r"column amount: is stored as String.*numeric"):
        open_dataset(tmp_path, engine="spark", spark=spark)


# --------------------------------------------------------------------------- sources


@pytest.mark.spark
@pytest.mark.parametrize("lacking", ["orders", "customers"])
def test_spark_database_without_a_required_table_says_which(spark, tmp_path, lacking):
    tables = {k: v for k, v in _bad_tables().items() if k != lacking}
    db = _spark_database(spark, tables, f"wb_lazy_no_{lacking}", tmp_path)
    with pytest.raises(SourceError, match=rf"Spark database '{db}' has no {lacking} table"):
        open_dataset(f"spark:{db}", engine="spark", spark=spark)


@pytest.mark.spark
def test_unknown_spark_database(spark):
    with pytest.raises(SourceError, match=r"Spark has no database 'wb_no_such_db'.*listDatabases"):
        open_dataset("spark:wb_no_such_db", engine="spark", spark=spark)


def test_folder_without_customers(bad_folder, tmp_path):
    (tmp_path / "orders.parquet").write_bytes((bad_folder / "orders.parquet").read_bytes())
    with pytest.raises(SourceError, match=r"no customers table \(required\); add customers\.csv"):
        open_dataset(tmp_path, engine="duckdb")


def test_folder_with_csv_orders_only_says_convert(sample_dir):
    with pytest.raises(SourceError, match=r"orders\.csv is not Parquet: convert it"):
        open_dataset(sample_dir, engine="duckdb")


def test_unknown_engine(bad_folder):
    with pytest.raises(SourceError, match=r"engine='pandas' is not one of"):
        open_dataset(bad_folder, engine="pandas")


# --------------------------------------------------------------------------- helpers


def test_helpers_on_pandas_and_engine_frames(bad_folder):
    import polars as pl

    df = pd.DataFrame({"order_id": ["O1", "O2", "O3"], "amount": [1.0, 2.0, 3.0]})
    rel = duckdb.connect().from_df(df)
    for frame in (rel, pl.from_pandas(df).lazy(), pl.from_pandas(df)):
        assert is_lazy(frame)
        assert columns(frame) == ["order_id", "amount"]
        assert n_rows(frame) == 3
    assert not is_lazy(df) and columns(df) == ["order_id", "amount"] and n_rows(df) == 3


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_to_engine_joins_a_small_frame_in_the_engine(bad_folder, engine):
    import narwhals as nw

    ds = open_dataset(bad_folder, engine=engine)
    cats = pd.DataFrame({"product_id": ["P1", "P2"], "category": ["toner", "paper"]})
    joined = nw.from_native(ds.orders).join(
        nw.from_native(to_engine(cats, like=ds.orders)), on="product_id", how="left"
    )
    got = collect(joined.to_native()).set_index(KEY)["category"]
    assert got.loc[("O1", 1)] == "toner" and got.loc[("O1", 2)] == "paper"
    assert pd.isna(got.loc[("O9", 1)])


def test_ids_are_not_trimmed_in_the_engine(tmp_path):
    # load trims ids; the engine does not (it would double the cost of every query), so a
    # padded id is rejected with its spaces shown instead of being matched
    tables = _bad_tables()
    orders = tables["orders"].iloc[[0, 1]].copy()
    orders["customer_id"] = ["C1 ", "C1"]
    tables["orders"] = orders
    folder = _write_parquet(tables, tmp_path / "pq")
    ds = open_dataset(folder, engine="duckdb")
    assert ds.quarantine["orders"]["_problem"].tolist() == [
        "column customer_id: 'C1 ' is not in customers.parquet; add the customer to "
        "customers, or correct customer_id"
    ]
    assert "orders" not in load(folder, policy="quarantine").quarantine


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_last_order_date_is_that_of_the_last_valid_line(bad_folder, engine):
    # valid without as_of: O1, O8, O9 and O10 (2024-05-02); O3 (2024-01-07) is not valid
    assert last_order_date(bad_folder, engine=engine) == pd.Timestamp("2024-05-02")


@pytest.mark.spark
def test_to_engine_on_spark(spark, bad_folder):
    import narwhals as nw

    ds = open_dataset(bad_folder, engine="spark", spark=spark)
    cats = pd.DataFrame({"product_id": ["P1", "P2"], "category": ["toner", "paper"]})
    joined = nw.from_native(ds.orders).join(
        nw.from_native(to_engine(cats, like=ds.orders)), on="product_id", how="left"
    )
    got = collect(joined.to_native()).set_index(KEY)["category"]
    assert got.loc[("O1", 1)] == "toner" and got.loc[("O1", 2)] == "paper"
    assert pd.isna(got.loc[("O9", 1)])
    assert last_order_date(bad_folder, engine="spark", spark=spark) == pd.Timestamp("2024-05-02")
