"""Tests of workbench.report: real papermill and nbconvert on a tiny notebook and on the
management report of the sample data."""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from workbench import report
from workbench.cli import main

ROOT = Path(__file__).resolve().parent.parent
TINY_DIR = ROOT / "tests" / "data" / "notebooks"
PLOTLY_BANNER = re.compile(r"\* plotly\.js v\d+\.\d+\.\d+")


class _Tags(HTMLParser):
    """Collect the tags, ids and anchors of a page (script bodies are not parsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.ids: set[str] = set()
        self.toc_links: list[str] = []
        self.scripts_with_src = 0
        self.classes: set[str] = set()
        self._in_toc = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        self.classes.update((a.get("class") or "").split())
        if tag == "nav" and a.get("id") == "toc":
            self._in_toc = True
        for key in ("src", "href"):
            value = a.get(key) or ""
            if tag in ("script", "link", "img", "iframe") and re.match(r"(https?:)?//", value):
                self.external.append(f"<{tag} {key}={value}>")
        if tag == "script" and a.get("src"):
            self.scripts_with_src += 1
        if tag == "a" and self._in_toc:
            self.toc_links.append(a.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_toc = False


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def assert_self_contained(page: str) -> _Tags:
    """The checks every report page must pass."""
    tags = _tags(page)
    assert tags.external == []
    assert tags.scripts_with_src == 0
    assert len(PLOTLY_BANNER.findall(page)) == 1, "plotly.js must be embedded exactly once"
    assert not {"jp-InputArea", "jp-InputPrompt", "jp-InputArea-editor"} & tags.classes
    assert "jp-OutputArea" in tags.classes
    assert tags.toc_links, "no table of contents"
    for href in tags.toc_links:
        assert href.startswith("#") and href[1:] in tags.ids, href
    return tags


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = report.render(
        "tiny", {"values": "2,3,4.5", "period": "2024-Q3"}, out_dir=out, notebooks_dir=TINY_DIR
    )
    return out, result


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "as_of", "label", "start", "end"),
    [
        ("2025", None, "2025", "2025-01-01", "2025-12-31"),
        ("2024-Q3", None, "2024-Q3", "2024-07-01", "2024-09-30"),
        ("2025-02", None, "2025-02", "2025-02-01", "2025-02-28"),
        ("2024-02", None, "2024-02", "2024-02-01", "2024-02-29"),
        ("last-month", "2026-06-30", "2026-06", "2026-06-01", "2026-06-30"),
        ("last-month", "2026-06-29", "2026-05", "2026-05-01", "2026-05-31"),
        ("last-month", "2026-01-10", "2025-12", "2025-12-01", "2025-12-31"),
        ("last-quarter", "2026-05-15", "2026-Q1", "2026-01-01", "2026-03-31"),
        ("last-year", "2026-12-31", "2026", "2026-01-01", "2026-12-31"),
        ("last-year", "2026-06-30", "2025", "2025-01-01", "2025-12-31"),
    ],
    ids=lambda v: str(v),
)
def test_resolve_period(period, as_of, label, start, end):
    p = report.resolve_period(period, as_of=as_of)
    assert (p.label, f"{p.start:%Y-%m-%d}", f"{p.end:%Y-%m-%d}") == (label, start, end)


def test_previous_and_last_year_periods():
    p = report.resolve_period("2025-03")
    assert p.previous().label == "2025-02"
    assert p.last_year().label == "2024-03"
    q = report.resolve_period("2025-Q1")
    assert q.previous().label == "2024-Q4"
    d = report.resolve_period(start="2025-03-01", end="2025-03-10")
    assert d.days == 10
    assert (d.previous().start, d.previous().end) == (
        pd.Timestamp("2025-02-19"),
        pd.Timestamp("2025-02-28"),
    )
    assert d.last_year().label == "2024-03-01_2024-03-10"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "last-month"}, "relative: give as_of"),
        ({"period": "2025-13"}, "unknown period"),
        ({"period": "../../etc"}, "unknown period"),
        ({"start": "2025-03-01"}, "both start and end"),
        ({"start": "2025-03-10", "end": "2025-03-01"}, "before start"),
        ({"start": "yesterday-ish", "end": "2025-03-01"}, "not a date"),
    ],
    ids=["relative-no-as-of", "month-13", "traversal", "start-only", "reversed", "bad-date"],
)
def test_resolve_period_errors(kwargs, message):
    with pytest.raises(report.ParameterError, match=message):
        report.resolve_period(**kwargs)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("../../etc", "etc"),
        ("Sales East", "sales-east"),
        ("华东 / 销售部", "华东-销售部"),
        ("a_b..c", "a-b-c"),
        ("///", "x"),
    ],
)
def test_slugify(text, slug):
    assert report.slugify(text) == slug


def test_output_stem_is_safe():
    period = report.resolve_period("2025-03")
    stem = report.output_stem(period, "department:../../etc/passwd", "zh")
    assert stem == "2025-03_department-etc-passwd_zh"
    assert "/" not in stem and ".." not in stem


def test_notebook_name_cannot_traverse():
    with pytest.raises(report.ParameterError, match="plain name"):
        report.notebook_path("../tiny", TINY_DIR)
    with pytest.raises(report.ParameterError, match="reports there: tiny"):
        report.notebook_path("nope", TINY_DIR)


# --------------------------------------------------------------------------- parameters


def test_check_parameters_converts_and_rejects():
    declared = report.notebook_parameters(TINY_DIR / "tiny.ipynb")
    assert declared["fail"] is False and declared["period"] == "2025-03"
    assert report.check_parameters({"fail": "yes"}, declared) == {"fail": True}
    with pytest.raises(report.ParameterError, match="unknown parameter colour; this report"):
        report.check_parameters({"colour": "red"}, declared)
    with pytest.raises(report.ParameterError, match="fail = 'maybe' is not a bool"):
        report.check_parameters({"fail": "maybe"}, declared)
    with pytest.raises(report.ParameterError, match="unknown language 'fr'"):
        report.check_parameters({"lang": "fr"}, declared)
    with pytest.raises(report.ParameterError, match="unknown scope"):
        report.check_parameters({"scope": "team:x"}, declared)


def test_bad_parameter_fails_before_running(tmp_path, capsys):
    code = main(
        ["report", "tiny", "--notebooks", str(TINY_DIR), "--out", str(tmp_path)]
        + ["-p", "valuez", "1"]
    )
    assert code == 2
    assert "unknown parameter valuez" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- figures


def test_record_outside_a_kernel_is_silent_and_collect_reads_outputs():
    assert report.record("x", 1) is None
    nb = {
        "cells": [
            {"cell_type": "code", "outputs": [{"data": {report.RECORD_MIME: {"a": 1}}}]},
            {"cell_type": "markdown"},
            {"cell_type": "code", "outputs": [{"data": {report.RECORD_MIME: {"a": 2, "b": "x"}}}]},
        ]
    }
    assert report.collect_figures(nb) == {"a": 2, "b": "x"}
    with pytest.raises(TypeError, match="record"):
        report.record("bad", object())


# --------------------------------------------------------------------------- rendering


def test_render_writes_html_notebook_and_json(tiny):
    out, result = tiny
    assert result.html == out / "tiny" / "2024-Q3.html"
    assert result.notebook.exists() and result.figures_path.exists()
    meta = json.loads(result.figures_path.read_text(encoding="utf-8"))
    # the notebook sums the values parameter: 2 + 3 + 4.5
    assert meta["figures"]["total"] == pytest.approx(9.5)
    assert meta["figures"]["period"] == "2024-Q3"
    # the kernel runs on this interpreter (the .venv's), whatever kernelspecs exist
    assert meta["figures"]["python"] == sys.executable
    assert meta["status"] == "ok" and meta["period"] == "2024-Q3"
    executed = nbformat.read(result.notebook, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'values = "2,3,4.5"' in injected[0].source
    assert not list((out / "tiny").glob(".tmp-*"))


def test_kernel_is_this_interpreter_even_with_a_foreign_kernelspec(tmp_path, monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/nonexistent/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "someone else's python",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    result = report.render("tiny", {}, out_dir=tmp_path / "out", notebooks_dir=TINY_DIR)
    assert result.figures["python"] == sys.executable


def test_html_is_single_file_with_plotly_once_no_code_and_a_toc(tiny):
    _, result = tiny
    page = result.html.read_text(encoding="utf-8")
    tags = assert_self_contained(page)
    assert tags.toc_links == ["#overview", "#revenue"]
    assert page.count('class="plotly-graph-div"') == 2
    # the code of the cells is not in the page
    assert "numbers = [float(v)" not in page and "import plotly" not in page
    # the template-note cell is for analysts only
    assert "fails on demand" not in page
    # a name with markup is shown as text
    assert "<script>alert(1)</script>" not in page.split("</head>", 1)[1].replace(
        "\\u003cscript\\u003e", ""
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_failed_run_keeps_previous_report(tmp_path, capsys):
    args = ["report", "tiny", "--notebooks", str(TINY_DIR), "--out", str(tmp_path)]
    assert main(args) == 0
    good = tmp_path / "tiny" / "2025-03.html"
    assert capsys.readouterr().out.strip() == str(good)
    before = good.read_bytes()
    before_json = (tmp_path / "tiny" / "2025-03.json").read_bytes()

    assert main(args + ["-p", "fail", "true", "-p", "values", "7"]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: failing on purpose" in err and "is untouched" in err
    assert good.read_bytes() == before
    assert (tmp_path / "tiny" / "2025-03.json").read_bytes() == before_json
    failed = nbformat.read(tmp_path / "tiny" / "failed" / "2025-03.ipynb", as_version=4)
    errors = [o for c in failed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "failing on purpose"
    assert not list((tmp_path / "tiny").glob(".tmp-*"))

    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "failed (previous report kept)" in index
    assert 'href="tiny/2025-03.html"' in index

    # a later good run replaces the report and clears the failure
    assert main(args + ["-p", "values", "1,1"]) == 0
    assert not (tmp_path / "tiny" / "failed" / "2025-03.json").exists()
    meta = json.loads((tmp_path / "tiny" / "2025-03.json").read_text(encoding="utf-8"))
    assert meta["figures"]["total"] == 2.0


def test_scope_parameter_cannot_escape_reports(tmp_path):
    result = report.render(
        "tiny", {"scope": "department:../../../etc"}, out_dir=tmp_path, notebooks_dir=TINY_DIR
    )
    assert result.html.resolve().parent == (tmp_path / "tiny").resolve()
    assert result.html.name == "2025-03_department-etc.html"
    files = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    assert all(tmp_path.resolve() in p.parents for p in files)


def test_index_lists_reports(tiny):
    out, _ = tiny
    page = report.build_index(out)
    assert 'href="tiny/2024-Q3.html"' in page
    assert "2024-Q3" in page and ">ok<" in page
    assert "total: 9.50" in page and "2024-Q3" in page
    zh = report.build_index(out, lang="zh")
    assert "报告列表" in zh and "成功" in zh


# --------------------------------------------------------------------------- sections


def test_revenue_by_period_by_hand():
    orders = pd.DataFrame(
        {
            "order_date": pd.to_datetime(
                ["2024-12-31", "2025-01-05", "2025-01-20 15:30", "2025-03-31 23:00", "2025-04-01"],
                format="ISO8601",
            ),
            "amount": [100.0, 10.0, 5.0, 7.0, 1000.0],
        }
    )
    got = report.revenue_by_period(orders, report.resolve_period("2025-Q1"), history=1)
    assert got["bucket"].dt.strftime("%Y-%m").tolist() == [
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    assert got["revenue"].tolist() == [100.0, 15.0, 0.0, 7.0]
    assert got["in_period"].tolist() == [False, True, True, True]
    q = report.revenue_by_period(
        orders, report.resolve_period("2025-Q1"), granularity="quarter", history=1
    )
    assert q["revenue"].tolist() == [100.0, 22.0]


def test_table_escapes_and_formats():
    html = str(
        report.table(pd.DataFrame({"name": ["<img src=x onerror=alert(1)>"], "n": [1234567]}))
    )
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<td class="wb-num">1,234,567</td>' in html


# --------------------------------------------------------------------------- management


@pytest.fixture(scope="module")
def management(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("management")
    result = report.render("management", {"source": str(sample_dir)}, out_dir=out)
    return out, result


def _daily(orders: pd.DataFrame) -> pd.DataFrame:
    """Purchase days: a customer's positive total on a day."""
    day = orders.assign(day=orders["order_date"].dt.normalize())
    totals = day.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    return totals[totals["amount"] > 0]


def test_management_report_figures_match_the_sample(management, sample):
    _, result = management
    fig = result.figures
    orders = sample.orders
    last = orders["order_date"].max()
    # the default period is the last complete month on or before the last order date
    month = last.to_period("M")
    if last.normalize() != month.end_time.normalize():
        month -= 1
    assert result.meta["period"] == fig["period"] == str(month)
    assert result.html.name == f"{month}.html"

    def in_month(p):
        d = orders["order_date"]
        return orders[(d >= p.start_time) & (d <= p.end_time)]

    cur = in_month(month)
    assert fig["revenue"] == pytest.approx(cur["amount"].sum())
    assert fig["profit"] == pytest.approx((cur["amount"] - cur["cost"]).sum())
    assert fig["buyers"] == cur["customer_id"].nunique()
    assert fig["revenue_previous"] == pytest.approx(in_month(month - 1)["amount"].sum())
    assert fig["revenue_last_year"] == pytest.approx(in_month(month - 12)["amount"].sum())
    assert fig["orders_rows"] == len(orders)
    assert fig["first_order"] == f"{orders['order_date'].min():%Y-%m-%d}"
    assert fig["last_order"] == f"{last:%Y-%m-%d}"
    assert fig["rows_quarantined"] == sample.n_quarantined

    upto = orders[orders["order_date"] <= month.end_time]
    daily = _daily(upto)
    first_day = daily.groupby("customer_id")["day"].min()
    new = ((first_day >= month.start_time) & (first_day <= month.end_time)).sum()
    assert fig["new_customers"] == new
    assert fig["customers_with_purchase"] == daily["customer_id"].nunique()
    everyone = set(sample.customers["customer_id"]) | set(upto["customer_id"])
    tiers = [k for k in fig if k.startswith("tier_")]
    assert len(tiers) == 6 and sum(fig[k] for k in tiers) == len(everyone)

    profit = (
        upto.assign(p=upto["amount"] - upto["cost"])
        .groupby("customer_id")["p"]
        .sum()
        .loc[lambda s: s.index.isin(daily["customer_id"])]
        .sort_values(ascending=False)
    )
    k = -(-len(profit) * 2 // 10)  # ceil(20 %)
    assert fig["top20_share"] == pytest.approx(profit.iloc[:k].sum() / profit.sum())


def test_management_html_is_self_contained(management):
    _, result = management
    page = result.html.read_text(encoding="utf-8")
    tags = assert_self_contained(page)
    for section in ("kpis", "revenue", "sales", "structure", "movement", "value", "quality"):
        assert f"#{section}" in tags.toc_links
    assert page.count('class="plotly-graph-div"') >= 6
    assert "report.context(" not in page
    assert len(page.encode("utf-8")) < 8 * 1024 * 1024


def test_management_sales_by_department(management, sample):
    _, result = management
    start, end = pd.Timestamp(result.meta["start"]), pd.Timestamp(result.meta["end"])
    o = sample.orders
    cur = o[(o["order_date"] >= start) & (o["order_date"] <= end)]
    expected = cur.groupby("department")["amount"].sum()
    got = pd.Series(result.figures["revenue_by_department"])
    assert sorted(got.index) == sorted(expected.index)
    assert got.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())
    assert list(got.index) == list(expected.sort_values(ascending=False).index)
    assert got.sum() == pytest.approx(result.figures["revenue"])


def test_management_value_section(management, sample):
    _, result = management
    fig = result.figures
    end = pd.Timestamp(result.meta["end"])
    upto = sample.orders[sample.orders["order_date"] <= end]
    margin = (upto["amount"] - upto["cost"]).sum() / upto["amount"].sum()
    assert fig["clv_margin"] == pytest.approx(margin)
    assert 0 < fig["p_alive_mean"] < 1
    assert fig["clv_total"] > 0
    assert "#value" in result.html.read_text(encoding="utf-8")


def test_management_report_in_chinese(sample_dir, tmp_path):
    result = report.render(
        "management",
        {"source": str(sample_dir), "lang": "zh", "period": "2025-Q3", "currency": "CNY"},
        out_dir=tmp_path,
    )
    assert result.html.name == "2025-Q3_zh.html"
    page = result.html.read_text(encoding="utf-8")
    assert '<html lang="zh">' in page and "经营管理报告" in page and "核心指标" in page
    assert "Headline KPIs" not in page and "CNY " in page
    assert result.figures["start"] == "2025-07-01" and result.figures["end"] == "2025-09-30"
