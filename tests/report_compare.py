"""Compare the sections of a report built from two sources (tests/test_spark.py, test_sections.py).

A report built with the order log in an engine (DuckDB, Polars, Spark) must equal the one
built in pandas: the same HTML, the same charts, the same headline figures.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

#: The management report's builders, in the order of notebooks/reports/management.ipynb.
MANAGEMENT_SECTIONS = (
    "title_block",
    "overview",
    "kpis",
    "revenue_chart",
    "movement",
    "migration_chart",
    "lifecycle",
    "lifecycle_chart",
    "abc",
    "abc_chart",
    "pareto_chart",
    "rfm",
    "rfm_chart",
    "value",
    "clv_chart",
    "sales",
    "sales_chart",
    "reminders",
    "receivables_chart",
    "requirement_highlights",
    "requirements_chart",
    "quality",
)


def render_sections(ctx, names=MANAGEMENT_SECTIONS) -> tuple[dict, dict]:
    """Every section of the management report: {name: html or figure dict}, and the figures."""
    from workbench import sections
    from workbench.report import capture_figures

    out = {}
    with capture_figures() as figures:
        for name in names:
            got = getattr(sections, name)(ctx)
            out[name] = plain(got.to_dict()) if hasattr(got, "to_dict") else str(got)
    return out, plain(figures)


def plain(value):
    """JSON-like lists, dicts, numbers and text (numpy arrays as lists, dates as text)."""

    def default(obj):
        return obj.tolist() if hasattr(obj, "tolist") else str(obj)

    def decode(obj):  # plotly keeps numeric arrays as {"dtype", "bdata"} (base64)
        if isinstance(obj, dict) and {"dtype", "bdata"} <= obj.keys():
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"])
            return arr.reshape(obj["shape"]).tolist() if "shape" in obj else arr.tolist()
        if isinstance(obj, dict):
            return {k: decode(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [decode(v) for v in obj]
        return obj

    return decode(json.loads(json.dumps(value, default=default)))


def assert_same(got, want, where: str = "") -> None:
    """Equal JSON-like values; floats to 1e-6 relative (sums run in another order)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            assert_same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list | tuple):
        assert isinstance(got, list | tuple) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(got, str):
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9), where
    elif isinstance(want, str) and isinstance(got, str) and got != want:
        i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(
            f"{where}: first difference at character {i}: "
            f"{got[max(i - 120, 0) : i + 120]!r} != {want[max(i - 120, 0) : i + 120]!r}"
        )
    else:
        assert got == want, where


#: The worklist report's builders (notebooks/reports/worklist.ipynb).
WORKLIST_SECTIONS = (
    "worklist_title",
    "worklist_cards",
    "worklist_table",
    "worklist_by_owner",
    "worklist_chart",
    "worklist_receivables",
    "worklist_receivables_chart",
    "thresholds_table",
)
