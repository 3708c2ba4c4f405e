"""Tests of workbench.export: Excel-safe CSV and Parquet output."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.export import excel_safe, write_table


def test_excel_safe_neutralises_formula_cells_only():
    df = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")', "+86 10 1234", "-2+3", "@SUM(A1)", "Acme", None],
            "note": ["\tcmd", "\rx", "a=b", "", "中文", "ok"],
            "amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "segment": pd.Categorical(["=bad", "good", "good", "good", "good", "good"]),
        }
    )
    before = df.copy()
    out = excel_safe(df)
    assert out["name"].tolist()[:5] == [
        '\'=HYPERLINK("http://x")',
        "'+86 10 1234",
        "'-2+3",
        "'@SUM(A1)",
        "Acme",
    ]
    assert pd.isna(out["name"].iloc[5])
    assert out["note"].tolist() == ["'\tcmd", "'\rx", "a=b", "", "中文", "ok"]
    assert out["amount"].tolist() == df["amount"].tolist()  # numbers are not formulas
    assert out["segment"].astype(str).tolist()[:2] == ["'=bad", "good"]
    pd.testing.assert_frame_equal(df, before)  # input untouched


def test_write_csv_has_bom_and_round_trips_chinese(tmp_path):
    df = pd.DataFrame({"segment_zh": ["重要价值客户", "=1+1"], "n": [1, 2]})
    path = write_table(df, tmp_path / "sub" / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["segment_zh"].tolist() == ["重要价值客户", "'=1+1"]


def test_write_parquet_keeps_values_and_rejects_other_extensions(tmp_path):
    df = pd.DataFrame({"name": ["=1+1"], "n": [1]})
    back = pd.read_parquet(write_table(df, tmp_path / "out.parquet"))
    assert back["name"].tolist() == ["=1+1"]  # Parquet is data, not a spreadsheet
    with pytest.raises(ValueError, match="name the file .csv or .parquet"):
        write_table(df, tmp_path / "out.xlsx")


def test_write_csv_dates_bools_and_mixed_columns(tmp_path):
    df = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-06-30", None]),
            "at": pd.to_datetime(["2026-06-30 08:15", "2026-07-01 00:00"]),
            "flag": [True, False],
        }
    )
    text = write_table(df, tmp_path / "d.csv").read_text(encoding="utf-8-sig")
    first = text.splitlines()[1]
    assert first.startswith("2026-06-30,2026-06-30 08:15:00")  # a date stays a date
    mixed = pd.DataFrame({"v": [1, "=x", 2.5]}, dtype=object)  # Arrow cannot type it
    path = write_table(mixed, tmp_path / "m.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(path, encoding="utf-8-sig")["v"].tolist() == ["1", "'=x", "2.5"]
