"""Tests of ``workbench rfm`` on a small folder source written by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.cli import main


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    pd.DataFrame(
        {"customer_id": ["a", "b", "c", "p"], "name": ["=cmd|' /C calc'!A0", "乙公司", "C", "P"]}
    ).to_csv(folder / "customers.csv", index=False)
    rows = [("a", "2026-06-01", 100.0, 40.0)] * 1 + [
        ("b", f"2025-{m:02d}-10", 10.0, 5.0) for m in range(1, 13)
    ]
    rows += [("c", "2024-01-05", 30.0, 40.0)]
    o = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "cost"])
    o.insert(0, "order_id", [f"o{i}" for i in range(len(o))])
    o.to_csv(folder / "orders.csv", index=False)
    return folder


def test_rfm_writes_one_row_per_customer_csv(source, tmp_path):
    out = tmp_path / "rfm.csv"
    assert (
        main(["rfm", str(source), "--as-of", "2026-06-30", "--out", str(out), "--lang", "zh"]) == 0
    )
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    t = pd.read_csv(out, encoding="utf-8-sig", dtype={"customer_id": str, "rfm_cell": str})
    assert t["customer_id"].tolist() == ["a", "b", "c"]  # customers who bought
    t = t.set_index("customer_id")
    for col in ("rfm_cell", "segment_en", "segment_zh", "abc_class", "lifecycle_tier"):
        assert t[col].notna().all(), col
    # a: 1 purchase 29 days ago -> new; b: 12 purchases, last 2025-12-10 (202 days, quarters
    # bought in 2 of the last 4 91-day quarters) -> mature; c: last purchase 2024 -> dormant
    assert t["lifecycle_tier"].tolist() == ["新客户", "老客户", "沉睡客户"]
    assert t.loc["a", "abc_class"] == "A" and t.loc["c", "abc_class"] == "C"  # c: profit -10


def test_rfm_parquet_and_usage_errors(source, tmp_path):
    out = tmp_path / "rfm.parquet"
    argv = ["rfm", str(source), "--as-of", "2026-06-30", "--out", str(out)]
    assert main(argv + ["--split", "mean_score"]) == 0
    t = pd.read_parquet(out)
    assert len(t) == 3 and set(t["segment_en"]) <= {
        "Champions", "Potential Loyalist", "Loyal Customers", "Promising", "New Customers",
        "Can't Lose Them", "At Risk", "Need Attention", "About To Sleep", "Lost", "Others",
    }  # fmt: skip
    assert (
        main(["rfm", str(source), "--as-of", "2026-06-30", "--out", str(tmp_path / "x.txt")]) == 2
    )
    assert main(["rfm", str(source), "--as-of", "not-a-date", "--out", str(out)]) == 2
    assert main(["rfm", str(tmp_path / "missing"), "--as-of", "2026-06-30", "--out", str(out)]) == 1
