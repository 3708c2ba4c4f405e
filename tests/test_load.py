"""Loading from every kind of source, encodings, mapping files, and the validate command."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from workbench.cli import main
from workbench.load import SourceError, detect_encoding, load, safe_url
from workbench.mapping import MappingError, read_mapping
from workbench.schema import TABLES
from workbench.validate import ValidationError, check

DATA = Path(__file__).parent / "data"


# --------------------------------------------------------------------------- a dataset


def _hand_made() -> dict[str, pd.DataFrame]:
    """Four rows of every table of the schema, every column filled, with tricky values."""
    n = 4
    ids = {
        "customers": ["007", "010", "C-3", "20240101"],  # look numeric: must stay strings
        "contacts": [f"K{i}" for i in range(n)],
        "products": ["P1", "P2", "P3", "P4"],
        "follow_ups": [f"F{i}" for i in range(n)],
        "requirements": [f"R{i}" for i in range(n)],
        "opportunities": [f"OP{i}" for i in range(n)],
        "receivables": [f"I{i}" for i in range(n)],
        "complaints": [f"CP{i}" for i in range(n)],
        "campaigns": ["M1", "M1", "M2", "M2"],
        "lost_reasons": ["007", "010", "C-3", "20240101"],
    }
    out = {}
    for name, spec in TABLES.items():
        cols = {}
        for j, c in enumerate(spec.columns):
            if c.name == spec.key[0] and name in ids:
                vals = ids[name]
            elif c.name == "customer_id":
                vals = ids["customers"]
            elif c.name == "product_id":
                vals = ["P1", "P2", "P2", "P4"]
            elif c.name == "referrer_id":
                vals = [None, "007", "007", None]
            elif c.name == "order_id":
                vals = ["O1", "O1", "O2", "O3"]
            elif c.name == "line_no":
                vals = np.array([1, 2, 1, 1], dtype="int64")
            elif c.name == "is_return":
                vals = np.array([False, False, False, True])
            elif c.name in ("quantity", "amount") and name == "orders":
                vals = (
                    [2.0, 1.0, 3.5, -1.0] if c.name == "quantity" else [1280.5, 99.0, 0.1, -140.25]
                )
            elif c.values:
                vals = [c.values[i % len(c.values)] for i in range(n)]
            elif c.dtype == "str":
                vals = [f"文本{j}-{i}" if i % 2 else f"text {j} {i}" for i in range(n)]
                if not c.required:
                    vals[2] = None
            elif c.dtype == "date":
                vals = pd.to_datetime(["2023-01-05", "2023-07-31", "2024-02-29", "2024-06-01"])
                if not c.required:
                    vals = vals.where([True, True, False, True])
                vals = vals.astype("datetime64[us]")
            elif c.dtype == "float":
                vals = [1234.56, 0.1, np.nan, -7.25] if not c.required else [1.5, 2.0, 3.25, 4.0]
            elif c.dtype == "int":
                vals = pd.array([12, 0, None, 3000], dtype="Int64")
            elif c.dtype == "bool":
                vals = pd.array([True, False, None, True], dtype="boolean")
            cols[c.name] = vals
        out[name] = pd.DataFrame(cols)
    return out


def _write_folder(tables: dict[str, pd.DataFrame], folder: Path, fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if fmt == "csv":
            df.to_csv(folder / f"{name}.csv", index=False)
        elif fmt == "parquet":
            df.to_parquet(folder / f"{name}.parquet", index=False)
        elif fmt == "xlsx":
            df.to_excel(folder / f"{name}.xlsx", index=False)
    return folder


def _write_duckdb(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    con = duckdb.connect(str(path))
    for name, df in tables.items():
        con.register("frame", df)
        con.execute(f"create table {name} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def _write_sqlite(tables: dict[str, pd.DataFrame], path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    for name, df in tables.items():
        df.to_sql(name, engine, index=False)
    engine.dispose()
    return url


def _round_trip(tables, tmp_path):
    expected = check(tables).tables
    sources = {
        "csv": _write_folder(tables, tmp_path / "csv", "csv"),
        "parquet": _write_folder(tables, tmp_path / "parquet", "parquet"),
        "xlsx": _write_folder(tables, tmp_path / "xlsx", "xlsx"),
        "duckdb": _write_duckdb(tables, tmp_path / "shop.duckdb"),
        "sqlite": _write_sqlite(tables, tmp_path / "shop.sqlite"),
    }
    for fmt, source in sources.items():
        ds = load(source)
        assert sorted(ds.tables) == sorted(tables), fmt
        for name in tables:
            pd.testing.assert_frame_equal(ds.tables[name], expected[name], obj=f"{fmt} {name}")


def test_round_trip_of_every_table_through_every_format(tmp_path):
    tables = _hand_made()
    assert set(tables) == set(TABLES)
    _round_trip(tables, tmp_path)
    # the tricky values survived, not just "equal to each other"
    ds = load(tmp_path / "xlsx")
    assert ds.customers["customer_id"].tolist() == ["007", "010", "C-3", "20240101"]
    assert ds.orders["amount"].tolist() == [1280.5, 99.0, 0.1, -140.25]
    assert ds.orders["order_date"].dtype == "datetime64[us]"
    assert ds.customers["employees"].dtype == "Int64"
    assert ds.orders["line_no"].dtype == "int64"


def test_round_trip_of_the_sample(tmp_path):
    from workbench.sample import generate

    tables = generate(customers=150, years=2)
    _round_trip(tables, tmp_path)
    ds = load(tmp_path / "parquet")
    for name, df in tables.items():
        # the generator writes "" for a missing text; a CSV cannot tell "" from missing,
        # so the loader reads blanks as missing everywhere
        blank_as_na = df.apply(lambda s: s.mask(s == "") if s.dtype == "str" else s)
        pd.testing.assert_frame_equal(ds.tables[name], blank_as_na, obj=name)


# --------------------------------------------------------------------------- encodings, mapping


def test_gbk_file_with_chinese_headers_through_toml_mapping(tmp_path):
    src = DATA / "gbk"
    assert detect_encoding(src / "销售明细.csv") == "gb18030"
    ds = load(src, mapping=src / "mapping.toml")
    c, o = ds.customers, ds.orders
    assert c["customer_id"].tolist() == ["0001", "0002", "0003"]
    assert c["name"].tolist()[0] == "上海明远贸易有限公司"
    assert c["is_prospect"].tolist() == [False, False, True]
    assert o["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05",
        "2024-01-05",
        "2024-02-18",
        "2024-03-02",
    ]
    assert o["amount"].tolist() == [1280.5, 99.0, 560.0, -140.0]
    assert o["is_return"].tolist() == [False, False, False, True]
    assert o["备注"].tolist()[0] == "春节前备货"  # unknown extra column kept
    assert list(o.columns[:4]) == ["order_id", "customer_id", "order_date", "amount"]


def test_gbk_folder_without_mapping_fails_with_the_missing_columns():
    src = DATA / "gbk"
    with pytest.raises(ValidationError, match="the source has no orders table"):
        load(src)


def test_yaml_mapping_and_utf8_bom(tmp_path):
    (tmp_path / "customers.csv").write_text("编号,名称\nA1,甲\n", encoding="utf-8-sig")
    (tmp_path / "orders.csv").write_text(
        "单号,编号,日期,金额\nX1,A1,2024-05-01,10\n", encoding="utf-8-sig"
    )
    (tmp_path / "m.yaml").write_text(
        "customers:\n  columns: {编号: customer_id, 名称: name}\n"
        "orders:\n  columns: {单号: order_id, 编号: customer_id, 日期: order_date, 金额: amount}\n",
        encoding="utf-8",
    )
    assert detect_encoding(tmp_path / "orders.csv") == "utf-8-sig"
    ds = load(tmp_path, mapping=tmp_path / "m.yaml")
    assert ds.customers.columns.tolist() == ["customer_id", "name"]
    assert ds.orders["amount"].tolist() == [10.0]


def test_named_encoding_that_does_not_fit(tmp_path):
    shutil.copy(DATA / "gbk" / "销售明细.csv", tmp_path / "orders.csv")
    (tmp_path / "customers.csv").write_text("customer_id,name\n1,a\n")
    with pytest.raises(SourceError, match=r"orders\.csv is not utf-8 text .*encoding = \"gbk\""):
        load(tmp_path, encoding="utf-8")


def test_mapping_with_unknown_table_or_column(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[order.columns]\n"金额" = "amount"\n', encoding="utf-8")
    with pytest.raises(
        MappingError,
        match=r"bad\.toml: \[order\]: unknown table 'order'; "
        r"valid names are: customers, contacts",
    ):
        read_mapping(bad)
    bad.write_text('[orders.columns]\n"金额" = "amout"\n', encoding="utf-8")
    with pytest.raises(
        MappingError,
        match=r'bad\.toml: \[orders\.columns\] "金额" = "amout": table '
        r"orders has no column 'amout'; valid names are: order_id, customer_id",
    ):
        read_mapping(bad)
    bad.write_text('[orders]\nfiel = "x.csv"\n', encoding="utf-8")
    with pytest.raises(MappingError, match=r"unknown setting 'fiel'; valid names are: columns"):
        read_mapping(bad)


def test_value_mapping_translates_categorical_values(tmp_path):
    _write_folder(
        {k: v for k, v in _hand_made().items() if k in ("customers", "orders")}, tmp_path, "csv"
    )
    (tmp_path / "contacts.csv").write_text(
        "contact_id,customer_id,name,role\nK1,007,王,决策者\n", encoding="utf-8"
    )
    mapping = {"contacts": {"values": {"role": {"决策者": "decision_maker"}}}}
    assert load(tmp_path, mapping=mapping).contacts["role"].tolist() == ["decision_maker"]


def test_two_headers_for_one_column(tmp_path):
    (tmp_path / "customers.csv").write_text("customer_id,客户编号,name\n1,1,a\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n", encoding="utf-8"
    )
    with pytest.raises(MappingError, match="headers 'customer_id' and '客户编号' both give column"):
        load(tmp_path, mapping={"customers": {"columns": {"客户编号": "customer_id"}}})


# --------------------------------------------------------------------------- folder rules


def _minimal(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "customers.csv").write_text("customer_id,name\n001,a\n002,b\n", encoding="utf-8")
    (folder / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n"
        "10,001,2024-01-01,5\n10,001,2024-01-01,6\n\n11,002,2024-01-02,7\n",
        encoding="utf-8",
    )
    return folder


def test_optional_tables_absent_and_defaults(tmp_path):
    ds = load(_minimal(tmp_path))
    assert sorted(ds.tables) == ["customers", "orders"]
    assert ds.get("contacts") is None
    assert ds.orders["order_id"].tolist() == ["10", "10", "11"]
    assert ds.orders["line_no"].tolist() == [1, 2, 1]
    assert ds.orders["is_return"].tolist() == [False, False, False]
    assert ds.source == str(tmp_path)


def test_row_numbers_count_blank_lines(tmp_path):
    _minimal(tmp_path)
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n10,001,2024-01-01,5\n\n11,009,2024-01-02,7\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="orders.csv row 4, column customer_id: '009'"):
        load(tmp_path)


def test_excel_rows_and_parquet_records(tmp_path):
    tables = {k: v for k, v in _hand_made().items() if k in ("customers", "orders")}
    tables["orders"] = tables["orders"].assign(customer_id=["007", "010", "nobody", "007"])
    _write_folder(tables, tmp_path / "x", "xlsx")
    with pytest.raises(ValidationError, match="orders.xlsx row 4, column customer_id: 'nobody'"):
        load(tmp_path / "x")
    _write_folder(tables, tmp_path / "p", "parquet")
    with pytest.raises(
        ValidationError, match=r"orders.parquet record 3 \(1-based\), column customer_id: 'nobody'"
    ):
        load(tmp_path / "p")


def test_parquet_text_columns_of_any_arrow_type(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"customer_id": pa.array(["001", "002"], pa.large_string()), "name": ["A", "B"]}),
        tmp_path / "customers.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "order_id": pa.array(["7", "8"]).dictionary_encode(),
                "customer_id": pa.array(["001", None], pa.string()),
                "order_date": pa.array([dt.date(2024, 1, 5), dt.date(2024, 1, 6)]),
                "amount": [12.5, 3.0],
            }
        ),
        tmp_path / "orders.parquet",
    )
    ds = load(tmp_path, policy="quarantine")
    assert ds.orders["order_id"].tolist() == ["7"]
    assert ds.orders["customer_id"].dtype == "str"
    assert ds.orders["customer_id"].tolist() == ["001"]
    assert ds.quarantine["orders"]["_row"].tolist() == [2]  # the line without a customer


def test_table_in_two_formats_is_an_error(tmp_path):
    _minimal(tmp_path)
    pd.read_csv(tmp_path / "orders.csv").to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(
        SourceError, match="table orders is in 2 files: orders.csv and orders.parquet"
    ):
        load(tmp_path)


def test_missing_source_and_unknown_table(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        load(tmp_path / "nope")
    with pytest.raises(ValueError, match="unknown table"):
        load(_minimal(tmp_path), tables=["order"])


def test_quarantine_policy_through_load(tmp_path):
    _minimal(tmp_path)
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n1,001,2024-01-01,5\n2,001,2024-99-01,6\n"
        "3,002,2024-01-03,7\n",
        encoding="utf-8",
    )
    ds = load(tmp_path, policy="quarantine", as_of="2024-12-31")
    assert ds.orders["order_id"].tolist() == ["1", "3"]
    assert ds.quarantine["orders"]["_row"].tolist() == [3]
    assert ds.n_quarantined == 1
    assert [p.rule for p in ds.problems] == ["unparseable_date"]
    assert ds.as_of == pd.Timestamp("2024-12-31")


# --------------------------------------------------------------------------- databases


def test_duckdb_table_and_query_mapping(tmp_path):
    tables = {k: v for k, v in _hand_made().items() if k in ("customers", "orders")}
    path = tmp_path / "shop.duckdb"
    _write_duckdb({"customers": tables["customers"], "sales": tables["orders"]}, path)
    ds = load(path, mapping={"orders": {"table": "sales"}})
    assert len(ds.orders) == 4
    ds = load(path, mapping={"orders": "select * from sales where amount > 0"})
    assert ds.orders["amount"].tolist() == [1280.5, 99.0, 0.1]


def test_sqlalchemy_url_with_query(tmp_path):
    tables = {k: v for k, v in _hand_made().items() if k in ("customers", "orders")}
    url = _write_sqlite(tables, tmp_path / "shop.sqlite")
    ds = load(url, mapping={"orders": "select * from orders where order_id = 'O1'"})
    assert ds.orders["line_no"].tolist() == [1, 2]
    assert ds.source == url


def test_credentials_never_shown(tmp_path, caplog):
    assert safe_url("postgresql://bob:s3cret@127.0.0.1:1/shop?password=x") == (
        "postgresql://127.0.0.1:1/shop"
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as info:
        load("postgresql://bob:s3cret@127.0.0.1:1/shop")
    assert "s3cret" not in str(info.value) and "bob" not in str(info.value)
    assert "postgresql://127.0.0.1:1/shop" in str(info.value)
    assert "s3cret" not in caplog.text
    assert info.value.__cause__ is None


# --------------------------------------------------------------------------- command line


def test_validate_command_exit_codes(tmp_path, capsys):
    good = _minimal(tmp_path / "good")
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "valid: no problems found" in out and "orders" in out

    bad = _minimal(tmp_path / "bad")
    (bad / "orders.csv").write_text(
        "order_id,customer_id,order_date,amount\n1,001,2024-01-01,-5\n", encoding="utf-8"
    )
    qdir = tmp_path / "q"
    assert main(["validate", str(bad), "--as-of", "2024-06-30", "--quarantine", str(qdir)]) == 1
    out = capsys.readouterr().out
    assert "orders.csv row 2, column amount: '-5' is negative" in out
    assert (qdir / "orders.quarantine.csv").exists()

    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad_map = tmp_path / "m.toml"
    bad_map.write_text('[orders.columns]\n"x" = "nope"\n', encoding="utf-8")
    assert main(["validate", str(good), "--mapping", str(bad_map)]) == 2
    assert "has no column 'nope'" in capsys.readouterr().err
    assert main(["validate", str(good), "--as-of", "soon"]) == 2


def test_validate_command_with_mapping_and_missing_table(tmp_path, capsys):
    src = DATA / "gbk"
    assert main(["validate", str(src), "--mapping", str(src / "mapping.toml")]) == 0
    assert main(["validate", str(src)]) == 1
    assert "the source has no orders table" in capsys.readouterr().out
