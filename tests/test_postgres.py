"""PostgreSQL as a live source, against a real server (``tests/pg_server.py``) on loopback.

The server is started once per session from Debian's binaries and loaded with the sample
dataset. Every result read from it is compared row for row with the same result read from
``data/sample/``; credentials come from ``PGPASSWORD`` or a ``PGPASSFILE`` and must never
show in ``Dataset.source``, CLI output or error messages.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import pandas as pd
import pytest

from workbench.load import SourceError, load
from workbench.metrics import customer_summary
from workbench.schema import TABLES

pytestmark = pytest.mark.postgres

AS_OF = "2026-06-30"
INSTALL = "apt-get install -y postgresql  (or: make sysdeps, as root)"


def _sorted(df: pd.DataFrame, table: str) -> pd.DataFrame:
    key = list(TABLES[table].key)
    return df.sort_values(key, kind="stable").reset_index(drop=True)


def _to_postgres(frames: dict[str, pd.DataFrame], server) -> None:
    """Create and fill every table; date-only columns become DATE, as in real databases."""
    import sqlalchemy as sa

    url = sa.engine.URL.create(
        "postgresql+psycopg",
        username=server.user,
        password=server.password,
        host="127.0.0.1",
        port=server.port,
        database=server.database,
    )
    engine = sa.create_engine(url)
    try:
        for name, df in frames.items():
            types = {}
            for col in TABLES[name].columns:
                s = df.get(col.name)
                if (
                    col.dtype == "date"
                    and s is not None
                    and (s.dropna() == s.dropna().dt.normalize()).all()
                ):
                    types[col.name] = sa.Date()
            df.to_sql(name, engine, index=False, dtype=types, chunksize=5000)
    finally:
        engine.dispose()


def _say(request, text: str) -> None:
    """Write one line to the terminal, past pytest's output capture."""
    capman = request.config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled():
        sys.stderr.write(f"\n[test_postgres] {text}\n")
        sys.stderr.flush()


@pytest.fixture(scope="session")
def pg(request, sample):
    """A running PostgreSQL server holding the sample dataset; PGPASSWORD set for the session."""
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        pytest.fail(
            "PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin); "
            f"install them with: {INSTALL}",
            pytrace=False,
        )
    from pg_server import PostgresServer  # tests/ is on sys.path (rootdir conftest)

    _say(request, "starting a PostgreSQL server on 127.0.0.1 ...")
    server = PostgresServer().start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PGPASSWORD", server.password)
            mp.delenv("PGPASSFILE", raising=False)
            _to_postgres(sample.tables, server)
            yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_ds(pg):
    return load(pg.url)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("table", list(TABLES), ids=list(TABLES))
def test_every_table_equals_the_folder_source(pg_ds, sample, table):
    assert table in pg_ds.tables, f"{table} was not read from PostgreSQL"
    pd.testing.assert_frame_equal(
        _sorted(pg_ds.tables[table], table), _sorted(sample.tables[table], table)
    )


def test_source_label_is_the_url_without_user(pg, pg_ds):
    assert pg_ds.source == f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
    assert f"{pg.user}@" not in pg_ds.source


# --------------------------------------------------------------------------- metrics


def test_customer_summary_equals_pandas(pg_ds, sample):
    got = customer_summary(pg_ds.orders, as_of=AS_OF)
    want = customer_summary(sample.orders, as_of=AS_OF)
    assert len(got) == sample.orders.loc[lambda o: o.amount >= 0, "customer_id"].nunique()
    pd.testing.assert_frame_equal(got, want)


def test_sales_report_equals_pandas(pg_ds, sample):
    from workbench.metrics import sales_report

    got = sales_report(pg_ds.orders, freq="M", by="department")
    want = sales_report(sample.orders, freq="M", by="department")
    assert len(want) > 12
    pd.testing.assert_frame_equal(got, want)


def test_period_kpis_equal_pandas(pg_ds, sample):
    from workbench.kpis import period_kpis

    kw = {"start": "2026-01-01", "end": "2026-06-30", "by": "department"}
    got = period_kpis(pg_ds.orders, pg_ds.get("customers"), **kw)
    want = period_kpis(sample.orders, sample.get("customers"), **kw)
    assert want["buyers"].sum() > 0
    pd.testing.assert_frame_equal(got, want)


# --------------------------------------------------------------------------- CLI and mapping


def test_cli_rfm_from_the_url_equals_the_folder(pg, sample_dir, tmp_path):
    from_pg, from_folder = tmp_path / "pg.parquet", tmp_path / "folder.parquet"
    r = _cli("rfm", pg.url, "--as-of", AS_OF, "--out", str(from_pg))
    assert r.returncode == 0, r.stderr
    r2 = _cli("rfm", str(sample_dir), "--as-of", AS_OF, "--out", str(from_folder))
    assert r2.returncode == 0, r2.stderr
    got, want = pd.read_parquet(from_pg), pd.read_parquet(from_folder)
    assert len(got) == len(want) > 1000
    pd.testing.assert_frame_equal(got, want)


def test_query_mapping_selects_and_renames(pg, sample, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        "[orders]\n"
        'query = """select order_id as "单号", customer_id as "客户", order_date, amount, '
        'line_no, cost, department, is_return from orders where department = \'华东大客户部\'"""\n'
        "[orders.columns]\n"
        '"单号" = "order_id"\n'
        '"客户" = "customer_id"\n',
        encoding="utf-8",
    )
    ds = load(pg.url, mapping=mapping, tables=["orders"])
    want = sample.orders.loc[
        sample.orders["department"] == "华东大客户部",
        [
            "order_id",
            "customer_id",
            "order_date",
            "amount",
            "line_no",
            "cost",
            "department",
            "is_return",
        ],
    ]
    assert 0 < len(want) < len(sample.orders)
    got = _sorted(ds.orders, "orders")
    pd.testing.assert_frame_equal(got[list(want.columns)], _sorted(want, "orders"))
    pd.testing.assert_frame_equal(
        customer_summary(ds.orders, as_of=AS_OF), customer_summary(want, as_of=AS_OF)
    )


def test_query_mapping_as_a_dict_of_sql(pg, sample):
    ds = load(
        pg.url, mapping={"orders": "select * from orders where amount < 0"}, tables=["orders"]
    )
    want = sample.orders.loc[sample.orders["amount"] < 0]
    assert 0 < len(want)
    pd.testing.assert_frame_equal(_sorted(ds.orders, "orders"), _sorted(want, "orders"))


# --------------------------------------------------------------------------- credentials


def test_pgpassfile_supplies_the_password(pg, sample, tmp_path, monkeypatch):
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    with pytest.raises(SourceError, match="password") as info:
        load(pg.url, tables=["orders"])
    assert pg.password not in str(info.value)
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg.port}:{pg.database}:{pg.user}:{pg.password}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    ds = load(pg.url, tables=["orders"])
    pd.testing.assert_frame_equal(_sorted(ds.orders, "orders"), _sorted(sample.orders, "orders"))


def _url_with(pg, password: str) -> str:
    return f"postgresql://{pg.user}:{password}@127.0.0.1:{pg.port}/{pg.database}"


def test_password_in_the_url_stays_out_of_source_and_cli_output(pg, tmp_path, monkeypatch):
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    url = _url_with(pg, pg.password)
    ds = load(url, tables=["orders"])
    assert len(ds.orders) > 0
    assert pg.password not in ds.source
    out = tmp_path / "rfm.csv"
    r = _cli("rfm", url, "--as-of", AS_OF, "--out", str(out), env={"PGPASSWORD": ""})
    assert r.returncode == 0, r.stderr.replace(pg.password, "<leaked>")
    assert pg.password not in r.stdout + r.stderr
    assert pg.password not in out.read_text(encoding="utf-8-sig")


def test_wrong_password_error_does_not_show_it(pg, tmp_path, monkeypatch):
    secret = "Wrong-Pa55-Xq7"
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    url = _url_with(pg, secret)
    with pytest.raises(SourceError, match=f"127.0.0.1:{pg.port}/{pg.database}") as info:
        load(url)
    assert secret not in str(info.value)
    r = _cli("rfm", url, "--as-of", AS_OF, "--out", str(tmp_path / "x.csv"))
    assert r.returncode == 1
    assert "password authentication failed" in r.stderr
    assert secret not in r.stdout + r.stderr


def test_failing_query_error_does_not_show_the_password(pg, tmp_path, monkeypatch):
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    url = _url_with(pg, pg.password)
    with pytest.raises(SourceError, match="no_such_table") as info:
        load(url, mapping={"orders": "select * from no_such_table"})
    assert pg.password not in str(info.value)


def test_the_management_report_renders_from_postgres(pg, sample, tmp_path):
    from workbench import report

    result = report.render("management", {"source": pg.url, "period": "2026-06"}, out_dir=tmp_path)
    o = sample.orders
    june = o[(o.order_date >= "2026-06-01") & (o.order_date <= "2026-06-30")]
    assert result.figures["revenue"] == pytest.approx(june.amount.sum(), abs=0.01)
    assert result.figures["buyers"] == june["customer_id"].nunique()  # any order line counts
    assert result.meta["parameters"]["source"] == pg.url  # no password in what is kept
    assert pg.password not in result.html.read_text(encoding="utf-8")
    assert pg.password not in result.notebook.read_text(encoding="utf-8")
