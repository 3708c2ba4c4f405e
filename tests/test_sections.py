"""Tests of workbench.sections: the builders of the report sections, called directly (no
papermill), their headline figures compared with independent pandas counts on the sample."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from workbench import report, sections
from workbench.alerts import AlertConfig, worklist

AS_OF = "2026-06-30"


# --------------------------------------------------------------------------- building blocks


def test_revenue_by_period_by_hand():
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["a", "b", "a", "c", "b"],
            "order_date": pd.to_datetime(
                ["2024-12-31", "2025-01-05", "2025-01-20 15:30", "2025-03-31 23:00", "2025-04-01"],
                format="ISO8601",
            ),
            "amount": [100.0, 10.0, 5.0, 7.0, 1000.0],
        }
    )
    got = sections.revenue_by_period(orders, report.resolve_period("2025-Q1"), history=1)
    assert got["bucket"].dt.strftime("%Y-%m").tolist() == [
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    assert got["revenue"].tolist() == [100.0, 15.0, 0.0, 7.0]
    assert got["in_period"].tolist() == [False, True, True, True]
    q = sections.revenue_by_period(
        orders, report.resolve_period("2025-Q1"), granularity="quarter", history=1
    )
    assert q["revenue"].tolist() == [100.0, 22.0]


def test_table_escapes_and_formats():
    html = str(
        sections.table(pd.DataFrame({"name": ["<img src=x onerror=alert(1)>"], "n": [1234567]}))
    )
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<td class="wb-num">1,234,567</td>' in html


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: sections.format_number(1234567.891), "1,234,568"),
        (lambda: sections.format_number(float("nan")), "–"),
        (lambda: sections.format_money(-80, "¥"), "-¥80"),
        (lambda: sections.format_money(1234.5, "CNY", 2), "CNY 1,234.50"),
        (lambda: sections.format_percent(0.1234), "12.3%"),
        (lambda: sections.format_percent(0.05, signed=True), "+5.0%"),
        (lambda: sections.format_percent(float("inf")), "–"),
    ],
    ids=["thousands", "nan", "negative-money", "currency-code", "percent", "signed", "inf"],
)
def test_formatting(call, expected):
    assert call() == expected


def test_cards_and_text_escape_markup():
    html = str(sections.cards([("<b>x</b>", "1 < 2")]))
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "1 &lt; 2" in html
    assert "<b>" not in html


def test_capture_figures_collects_records():
    with report.capture_figures() as figures:
        report.record("a", 1)
        report.record("when", pd.Timestamp("2026-06-30"))
    report.record("b", 2)  # outside the block: not captured
    assert figures == {"a": 1, "when": "2026-06-30"}


# --------------------------------------------------------------------------- thresholds


def test_alert_config_applies_overrides():
    cfg = sections.alert_config({"greeting_days": "3", "follow_up_days": {"loyal": 10}})
    assert cfg.greeting_days == 3
    # a dict updates the tiers it names and keeps the others
    assert cfg.follow_up_days == {"loyal": 10, "mature": 30, "repeat": 30, "new": 7, "other": 90}
    text = sections.alert_config({"follow_up_days": "new=3", "ageing_buckets": [15, 45]})
    assert text.follow_up_days["new"] == 3 and text.follow_up_days["loyal"] == 14
    assert text.ageing_buckets == (15, 45)
    assert sections.alert_config(None) == AlertConfig()


@pytest.mark.parametrize(
    ("thresholds", "error", "message"),
    [
        ({"greting_days": 3}, ValueError, "unknown alert threshold 'greting_days'"),
        ({"greeting_days": "soon"}, ValueError, "invalid literal"),
        ("greeting_days=3", TypeError, "thresholds must be a dict"),
    ],
    ids=["typo", "not-a-number", "not-a-dict"],
)
def test_alert_config_errors(thresholds, error, message):
    with pytest.raises(error, match=message):
        sections.alert_config(thresholds)


# --------------------------------------------------------------------------- management


@pytest.fixture(scope="module")
def ctx(sample_dir):
    return sections.context(str(sample_dir), period="last-month", currency="¥")


@pytest.fixture(scope="module")
def reminders(ctx):
    with report.capture_figures() as figures:
        html = str(sections.reminders(ctx))
    return figures, html


def test_reminders_receivables_match_an_independent_count(reminders, sample):
    fig, html = reminders
    as_of = pd.Timestamp(AS_OF)
    r = sample.receivables
    r = r[r["issue_date"] <= as_of]
    open_ = r["amount"] - r["paid_amount"].fillna(0.0)
    keep = open_.round(2) > 0
    r, open_ = r[keep], open_[keep]
    overdue_days = (as_of - r["due_date"]).dt.days
    assert fig["receivables_open"] == pytest.approx(open_.sum())
    assert fig["receivables_overdue"] == pytest.approx(open_[overdue_days > 0].sum())
    assert fig["receivables_overdue_customers"] == r.loc[overdue_days > 0, "customer_id"].nunique()
    by_hand = {
        "not_due": open_[overdue_days <= 0].sum(),
        "1-30": open_[(overdue_days >= 1) & (overdue_days <= 30)].sum(),
        "31-60": open_[(overdue_days >= 31) & (overdue_days <= 60)].sum(),
        "61-90": open_[(overdue_days >= 61) & (overdue_days <= 90)].sum(),
        ">90": open_[overdue_days > 90].sum(),
    }
    assert fig["receivables_by_bucket"] == pytest.approx(by_hand)
    # every bucket has open money on the sample, so the test can tell buckets apart
    assert all(v > 0 for v in by_hand.values())


def test_reminders_worklist_figures(reminders, sample):
    fig, html = reminders
    wl = worklist(sample, as_of=AS_OF)
    assert fig["worklist_customers"] == wl["customer_id"].nunique()
    assert fig["worklist_alerts"] == wl["n_alerts"].sum()
    assert fig["worklist_owners"] == wl["owner"].nunique() == sample.customers["owner"].nunique()
    # per kind: distinct customers whose reasons include it, counted from the worklist text
    for kind, n in fig["alerts_by_kind"].items():
        has = wl["kinds"].str.split(", ").map(lambda ks, k=kind: k in ks)
        assert n == wl.loc[has, "customer_id"].nunique(), kind
    # never purchased, counted by hand: customers with no order up to as_of
    as_of = pd.Timestamp(AS_OF)
    buyers = set(sample.orders.loc[sample.orders["order_date"] <= as_of, "customer_id"])
    c = sample.customers
    never = c[~c["customer_id"].isin(buyers) & ~(c["created_date"] > as_of)]
    assert fig["alerts_by_kind"]["never_purchased"] == len(never) > 0
    # value at stake: revenue to date of the customers on the worklist
    revenue = sample.orders[sample.orders["order_date"] <= as_of].groupby("customer_id")["amount"]
    expected = revenue.sum().reindex(wl["customer_id"].unique()).fillna(0.0).sum()
    assert fig["value_at_stake"] == pytest.approx(expected)
    assert '<h2 id="reminders">' in html and "Receivable overdue" in html


def test_reminders_in_chinese_use_the_labels(sample_dir):
    zh = sections.context(str(sample_dir), lang="zh")
    html = str(sections.reminders(zh)) + str(sections.requirement_highlights(zh))
    assert "提醒与应收账款" in html and "应收逾期" in html and "需求库要点" in html
    assert "Receivable overdue" not in html and "Needs by status" not in html


def test_receivables_chart_has_every_bucket(ctx, reminders):
    fig, _ = reminders
    chart = sections.receivables_chart(ctx)
    bar = chart.data[0]
    assert list(bar.y) == pytest.approx(list(fig["receivables_by_bucket"].values()))
    assert list(bar.x)[0] == "Not yet due"


@pytest.fixture(scope="module")
def highlights(ctx):
    with report.capture_figures() as figures:
        html = str(sections.requirement_highlights(ctx))
    return figures, html


def test_requirement_highlights_match_an_independent_count(highlights, ctx, sample):
    from workbench.requirements import classify

    fig, html = highlights
    as_of = pd.Timestamp(AS_OF)
    reqs = sample.requirements[sample.requirements["date"] <= as_of]
    assert fig["req_needs"] == len(reqs)
    assert fig["req_customers"] == reqs["customer_id"].nunique()
    start, end = ctx.period.start, ctx.period.end
    in_period = (reqs["date"] >= start) & (reqs["date"] < end + pd.Timedelta(days=1))
    assert fig["req_period_needs"] == in_period.sum() > 0
    status = reqs["status"].fillna("new").replace("", "new").value_counts()
    assert fig["req_status"] == {s: int(status.get(s, 0)) for s in fig["req_status"]}
    assert sum(fig["req_status"].values()) == len(reqs)
    assert fig["req_open"] == status.reindex(["new", "accepted", "planned"]).fillna(0).sum()
    # top categories by distinct customers (classes from classify, counting by pandas)
    classified = classify(reqs.reset_index(drop=True))
    customers = classified.groupby("category")["customer_id"].nunique()
    top = customers.sort_values(ascending=False).head(5)
    assert fig["req_top_categories"] == top.to_dict()
    assert list(fig["req_top_categories"]) == list(top.index)


def test_requirement_niches_by_hand(highlights, sample):
    from workbench.requirements import classify

    fig, html = highlights
    as_of = pd.Timestamp(AS_OF)
    reqs = classify(sample.requirements[sample.requirements["date"] <= as_of].reset_index())
    recent = reqs[reqs["date"] > as_of - pd.DateOffset(months=12)]
    previous = reqs[
        (reqs["date"] > as_of - pd.DateOffset(months=24))
        & (reqs["date"] <= as_of - pd.DateOffset(months=12))
    ]
    library = recent["customer_id"].nunique() / previous["customer_id"].nunique()
    rec = recent.groupby("category")["customer_id"].nunique()
    prev = previous.groupby("category")["customer_id"].nunique()
    growing = set()
    for cat, n in rec.items():
        if cat in ("special", "unclassified") or n < 3:
            continue
        ratio = n / prev[cat] if prev.get(cat, 0) else float("inf")
        if ratio / library - 1 >= 0.5:
            growing.add(cat)
    assert growing, "the sample should hold a fast-growing category"
    assert set(fig["req_niches"]) == growing
    assert growing < set(reqs["category"])  # and some that do not grow fast


def test_requirements_chart_bars(ctx, highlights):
    fig, _ = highlights
    chart = sections.requirements_chart(ctx, top=5)
    recent = chart.data[1]
    assert len(recent.y) == 5 and recent.name == "Last 12 months"
    assert sum(recent.x) <= sum(fig["req_top_categories"].values())


# --------------------------------------------------------------------------- worklist


@pytest.fixture(scope="module")
def full_worklist(sample):
    return worklist(sample, as_of=AS_OF)


@pytest.fixture(scope="module")
def summary_ctx(sample_dir):
    return sections.worklist_context(str(sample_dir), as_of=AS_OF)


def _ids_in(html: str) -> list[str]:
    return re.findall(r"<td>(C\d{5})</td>", html)


def test_owner_worklist_lists_exactly_their_customers(sample_dir, sample):
    owners = sorted(sample.customers["owner"].dropna().unique())
    owner = owners[3]
    ctx = sections.worklist_context(str(sample_dir), as_of=AS_OF, owner=owner)
    with report.capture_figures() as fig:
        html = str(sections.worklist_table(ctx))
        cards = str(sections.worklist_cards(ctx))
    expected = worklist(sample, as_of=AS_OF, owner=owner)
    assert len(expected) > 5
    assert _ids_in(html) == expected["customer_id"].tolist() == fig["customer_ids"]
    assert fig["worklist_customers"] == len(expected)
    assert fig["worklist_alerts"] == expected["n_alerts"].sum()
    assert fig["worklist_owners"] == 1
    # the owner's receivables: their invoices, or their customers' invoices without an owner
    r = sample.receivables
    account = r["customer_id"].map(sample.customers.set_index("customer_id")["owner"])
    mine = r[r["owner"].fillna(account) == owner]
    mine = mine[mine["issue_date"] <= pd.Timestamp(AS_OF)]
    open_ = mine["amount"] - mine["paid_amount"].fillna(0.0)
    assert fig["receivables_open"] == pytest.approx(open_[open_.round(2) > 0].sum())
    assert "Customers to act on" in cards


def test_summary_totals_equal_the_worklist(summary_ctx, full_worklist):
    wl = full_worklist
    with report.capture_figures() as fig:
        cards = str(sections.worklist_cards(summary_ctx))
        by_owner = str(sections.worklist_by_owner(summary_ctx))
        top = str(sections.worklist_table(summary_ctx))
    assert fig["worklist_customers"] == len(wl)
    assert fig["owner_customers"] == wl.groupby("owner").size().to_dict()
    assert sum(fig["owner_customers"].values()) == len(wl)
    exploded = wl.assign(kind=wl["kinds"].str.split(", ")).explode("kind")
    grid = exploded.groupby(["owner", "kind"]).size()
    assert {(o, k): n for o, ks in fig["owner_kind"].items() for k, n in ks.items()} == (
        grid.to_dict()
    )
    # the "Total" row of the table adds up to the worklist
    total = re.search(r"<td>Total</td><td class=\"wb-num\">([\d,]+)</td>", by_owner)
    assert total and int(total[1].replace(",", "")) == len(wl)
    best = wl.sort_values(["value", "owner", "customer_id"], ascending=[False, True, True])
    assert fig["top_at_stake"] == best["customer_id"].head(20).tolist() == _ids_in(top)
    assert "Salespeople" in cards


def test_summary_chart_stacks_every_reminder(summary_ctx, full_worklist):
    chart = sections.worklist_chart(summary_ctx)
    total = sum(sum(trace.x) for trace in chart.data)
    n_kinds = full_worklist["kinds"].str.split(", ").map(len).sum()
    assert total == n_kinds
    assert len(chart.data[0].y) == full_worklist["owner"].nunique()


def test_owner_report_has_no_charts(sample_dir, sample):
    owner = sorted(sample.customers["owner"].dropna().unique())[0]
    ctx = sections.worklist_context(str(sample_dir), as_of=AS_OF, owner=owner)
    assert sections.worklist_chart(ctx) is None
    assert sections.worklist_receivables_chart(ctx) is None


def test_thresholds_reach_the_worklist(sample_dir, sample):
    ctx = sections.worklist_context(
        str(sample_dir), as_of=AS_OF, thresholds={"greeting_days": 30, "stale_days": "200"}
    )
    assert ctx.config.greeting_days == 30 and ctx.config.stale_days == 200
    expected = worklist(
        sample, as_of=AS_OF, config=AlertConfig().replace(greeting_days=30, stale_days=200)
    )
    pd.testing.assert_frame_equal(ctx.worklist, expected)
    default = worklist(sample, as_of=AS_OF)

    def n(wl, kind):
        return wl["kinds"].str.contains(kind).sum()

    assert n(ctx.worklist, "birthday") > n(default, "birthday")
    assert n(ctx.worklist, "opportunity_stale") < n(default, "opportunity_stale")
    html = str(sections.thresholds_table(ctx))
    assert "<td>greeting_days</td><td>30</td>" in html


def test_unknown_owner_names_the_owners(sample_dir):
    with pytest.raises(report.ParameterError, match="owner 'Nobody' has no customer.*owners: "):
        sections.worklist_context(str(sample_dir), as_of=AS_OF, owner="Nobody")


def test_worklist_owners_are_those_on_the_worklist(sample_dir, full_worklist):
    got = sections.each_values("owner", {"source": str(sample_dir), "as_of": AS_OF})
    assert got == sorted(full_worklist["owner"].unique())
    with pytest.raises(report.ParameterError, match="cannot list the values of 'lang'"):
        sections.each_values("lang", {"source": str(sample_dir)})


# --------------------------------------------------------------------------- lazy sources


@pytest.fixture(scope="module")
def parquet_lake(sample, tmp_path_factory):
    """The sample's tables as Parquet files in one folder (a source for the lazy engines)."""
    folder = tmp_path_factory.mktemp("lake")
    for name, frame in sample.tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
@pytest.mark.parametrize(
    ("period", "scope"),
    [("2026-06", "company"), ("2025-Q4", "company"), ("2026-Q2", "department:华东行业销售部")],
    ids=["month", "quarter", "department"],
)
def test_management_sections_with_orders_in_an_engine_equal_pandas(
    parquet_lake, engine, period, scope
):
    """Every section, chart and figure with the orders kept in DuckDB or Polars equals pandas."""
    from report_compare import assert_same, render_sections

    lazy = sections.context(str(parquet_lake), period=period, scope=scope, engine=engine)
    assert not isinstance(lazy.ds.orders, pd.DataFrame)
    eager = sections.context(str(parquet_lake), period=period, scope=scope, engine="pandas")
    got, want = render_sections(lazy), render_sections(eager)
    assert got[1]["revenue"] > 0
    assert_same(got, want)


def test_worklist_with_orders_in_duckdb_equals_pandas(parquet_lake):
    from report_compare import WORKLIST_SECTIONS, assert_same, render_sections

    owner = sections.worklist_owners(str(parquet_lake), engine="duckdb")[0]
    assert owner == sections.worklist_owners(str(parquet_lake))[0]
    for who in ("", owner):
        lazy = sections.worklist_context(str(parquet_lake), owner=who, engine="duckdb")
        eager = sections.worklist_context(str(parquet_lake), owner=who)
        assert_same(
            render_sections(lazy, WORKLIST_SECTIONS), render_sections(eager, WORKLIST_SECTIONS)
        )


def test_engine_parameter_is_checked_before_anything_runs():
    with pytest.raises(report.ParameterError, match=r"engine = 'spak'; use one of auto, pandas"):
        report.check_parameters({"engine": "spak"}, {"engine": "auto", "source": "x"})
    with pytest.raises(report.ParameterError, match=r"is a Spark database: use engine 'spark'"):
        sections.load_data("spark:sales", engine="pandas")


def test_value_says_when_the_models_cannot_be_fitted(sample_dir):
    """No repeat purchase at all (every later line a 1-yuan refund): BG/NBD cannot be fitted;
    the section says why, the chart is left out, and the failed fit is not run twice."""
    ctx = sections.context(str(sample_dir), period="2026-06")
    orders = ctx.ds.orders.copy()
    later = orders["order_date"] > orders.groupby("customer_id")["order_date"].transform("min")
    orders.loc[later, "amount"] = -1.0
    ctx.ds.tables["orders"] = orders
    shown = str(sections.value(ctx))
    assert "could not be fitted" in shown and "no customer has a repeat purchase" in shown
    assert isinstance(ctx._cache["clv:12"], ValueError)
    assert sections.clv_chart(ctx) is None
