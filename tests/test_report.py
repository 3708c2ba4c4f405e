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


def test_output_stem_of_a_daily_report_per_owner():
    assert report.output_stem("2026-06-30") == "2026-06-30"
    assert report.output_stem("2026-06-30", owner="张伟", lang="zh") == "2026-06-30_张伟_zh"
    assert report.output_stem("2026-06-30", owner="../../x y") == "2026-06-30_x-y"


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


def test_dotted_parameters_fill_a_dict_parameter():
    declared = {"thresholds": {}, "lang": "en"}
    got = report.check_parameters(
        {"thresholds": '{"stale_days": 90}', "thresholds.greeting_days": "3"}, declared
    )
    assert got == {"thresholds": {"stale_days": 90, "greeting_days": "3"}}
    with pytest.raises(report.ParameterError, match="unknown alert threshold 'greting_days'"):
        report.check_parameters({"thresholds.greting_days": "3"}, declared)
    with pytest.raises(report.ParameterError, match="lang = 'en' is not one"):
        report.check_parameters({"lang.x": "3"}, declared)
    with pytest.raises(report.ParameterError, match="unknown parameter colour.x"):
        report.check_parameters({"colour.x": "3"}, declared)


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
    for section in (
        "kpis",
        "revenue",
        "sales",
        "structure",
        "movement",
        "value",
        "reminders",
        "requirements",
        "quality",
    ):
        assert f"#{section}" in tags.toc_links
    assert page.count('class="plotly-graph-div"') >= 8
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


def test_management_reminders_and_requirements_in_the_json(management, sample):
    _, result = management
    fig = result.figures
    as_of = pd.Timestamp(result.meta["parameters"]["as_of"])
    reqs = sample.requirements
    assert fig["req_needs"] == (reqs["date"] <= as_of).sum()
    r = sample.receivables[sample.receivables["issue_date"] <= as_of]
    open_ = r["amount"] - r["paid_amount"].fillna(0.0)
    assert fig["receivables_open"] == pytest.approx(open_[open_.round(2) > 0].sum())
    assert fig["worklist_customers"] > 0 and sum(fig["alerts_by_kind"].values()) > 0
    index = report.build_index(result.html.parent.parent)
    assert "Customers to act on: " in index and "Overdue receivables: " in index


# --------------------------------------------------------------------------- worklist

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def worklists(sample_dir, sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("worklist")
    owners = sorted(sample.customers["owner"].dropna().unique())[:2]
    results = report.render_each(
        "worklist",
        "owner",
        {"source": str(sample_dir), "as_of": AS_OF},
        values=owners,
        out_dir=out,
    )
    return out, owners, results


def _column(page: str, header: str) -> list[str]:
    """The cells of the first table column headed ``header``."""
    parser = _Table(header)
    parser.feed(page)
    return parser.cells


class _Table(HTMLParser):
    def __init__(self, header: str) -> None:
        super().__init__()
        self.header, self.cells = header, []
        self._col = None
        self._i = -1
        self._cell = None
        self._done = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "tr":
            self._i = -1
        if tag in ("th", "td"):
            self._i += 1
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if self._done or tag not in ("th", "td") or self._cell is None:
            if tag == "table" and self._col is not None:
                self._done = True
            return
        if tag == "th" and self._cell.strip() == self.header and self._col is None:
            self._col = self._i
        elif tag == "td" and self._col is not None and self._i == self._col:
            self.cells.append(self._cell.strip())
        self._cell = None


def test_worklist_files_are_named_by_day_and_owner(worklists):
    out, owners, results = worklists
    names = [r.html.name for r in results]
    assert names == [f"{AS_OF}.html"] + [f"{AS_OF}_{report.slugify(o)}.html" for o in owners]
    assert all(r.html.parent == out / "worklist" for r in results)
    assert results[1].meta["owner"] == owners[0] and results[0].meta["owner"] == ""
    assert results[0].meta["period"] == AS_OF


def test_each_owner_report_lists_exactly_their_customers(worklists, sample):
    from workbench.alerts import worklist

    _, owners, results = worklists
    for owner, result in zip(owners, results[1:], strict=True):
        expected = worklist(sample, as_of=AS_OF, owner=owner)["customer_id"].tolist()
        page = result.html.read_text(encoding="utf-8")
        assert _column(page, "Customer id") == expected, owner
        assert result.figures["customer_ids"] == expected
        assert result.figures["worklist_customers"] == len(expected) > 0
        tags = _tags(page)
        # no chart, so no plotly.js: a light page per salesperson
        assert 'class="plotly-graph-div"' not in page and not PLOTLY_BANNER.search(page)
        assert not {"jp-InputArea", "jp-InputPrompt"} & tags.classes
        assert tags.external == [] and tags.toc_links


def test_manager_summary_totals_equal_the_worklist(worklists, sample):
    from workbench.alerts import worklist

    _, _, results = worklists
    wl = worklist(sample, as_of=AS_OF)
    fig = results[0].figures
    assert fig["worklist_customers"] == len(wl)
    assert fig["worklist_alerts"] == wl["n_alerts"].sum()
    assert fig["owner_customers"] == wl.groupby("owner").size().to_dict()
    page = results[0].html.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert page.count('class="plotly-graph-div"') == 2
    owners_in_table = _column(page, "Salesperson")
    assert owners_in_table[:-1] == list(fig["owner_customers"])
    assert owners_in_table[-1] == "Total"
    customers = [int(v.replace(",", "")) for v in _column(page, "Customers")]
    assert customers[-1] == sum(customers[:-1]) == len(wl)


def test_worklist_cli_each_checks_before_running(tmp_path, capsys):
    base = ["report", "worklist", "--out", str(tmp_path)]
    assert main(base + ["--each", "colour"]) == 2
    assert "has no parameter 'colour'" in capsys.readouterr().err
    assert main(base + ["--each", "owner", "-p", "owner", "张伟"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(base + ["--each", "lang"]) == 2
    assert "values of 'lang' are not known" in capsys.readouterr().err
    assert main(base + ["-p", "thresholds.greting_days", "3"]) == 2
    assert "unknown alert threshold 'greting_days'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_worklist_in_chinese_with_thresholds(sample_dir, sample, tmp_path):
    from workbench.alerts import AlertConfig, worklist

    owner = sorted(sample.customers["owner"].dropna().unique())[-1]
    code = main(
        ["report", "worklist", "--out", str(tmp_path), "-p", "source", str(sample_dir)]
        + ["-p", "as_of", AS_OF, "-p", "owner", owner, "-p", "lang", "zh"]
        + ["-p", "thresholds.greeting_days", "30"]
    )
    assert code == 0
    html = tmp_path / "worklist" / f"{AS_OF}_{report.slugify(owner)}_zh.html"
    page = html.read_text(encoding="utf-8")
    assert "每日工作清单" in page and "今日待跟进客户" in page
    cfg = AlertConfig().replace(greeting_days=30)
    expected = worklist(sample, as_of=AS_OF, owner=owner, config=cfg, lang="zh")
    assert _column(page, "客户编号") == expected["customer_id"].tolist()
    meta = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["parameters"]["thresholds"] == {"greeting_days": "30"}


def test_a_database_url_with_a_password_is_refused_before_anything_runs():
    from workbench.report import ParameterError, resolve_source

    with pytest.raises(
        ParameterError, match=r"postgresql://127\.0\.0\.1:5432/shop carries a password.*PGPASSWORD"
    ):
        resolve_source("postgresql://bob:s3cret@127.0.0.1:5432/shop")
    assert resolve_source("postgresql://127.0.0.1:5432/shop") == "postgresql://127.0.0.1:5432/shop"
