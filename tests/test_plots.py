"""Figure builders: data placed where a reader expects it, texts in en and zh."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from workbench import plots
from workbench.labels import label

# --- tiny hand-made metrics results ------------------------------------------------

SCORES = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "r_score": [5, 5, 1, 3],
        "f_score": [5, 5, 1, 2],
        "rfm_monetary": [100.0, 300.0, 10.0, 50.0],
    }
)

SEGMENTS = pd.DataFrame(
    {
        "customer_id": list("abcdef"),
        "segment_en": ["lost", "lost", "lost", "champions", "champions", "at_risk"],
        "segment_zh": ["一般挽留", "一般挽留", "重要价值", "重要价值", "重要价值", "重要保持"],
        "rfm_monetary": [1.0, 2.0, 3.0, 100.0, 200.0, 50.0],
    }
)

# 10 customers, values 10 x 55 = 550 total; largest first: 100, 90, ...
VALUES = np.arange(10, 0, -1) * 10.0
LORENZ_TOP = pd.DataFrame(
    {
        "customer_share": np.arange(1, 11) / 10,
        "value_share": np.cumsum(VALUES) / VALUES.sum(),
    }
)


def _titles(fig: go.Figure) -> str:
    return fig.layout.title.text


# --- template --------------------------------------------------------------------------


def test_template_is_registered_but_not_made_the_default():
    assert plots.TEMPLATE in pio.templates
    assert pio.templates.default != plots.TEMPLATE
    tmpl = pio.templates[plots.TEMPLATE]
    assert list(tmpl.layout.colorway[:3]) == ["#0072B2", "#E69F00", "#009E73"]
    assert tmpl.layout.font.size >= 13


@pytest.mark.parametrize(
    "build",
    [
        lambda lang: plots.rfm_heatmap(SCORES, lang=lang),
        lambda lang: plots.segment_treemap(SEGMENTS, lang=lang),
        lambda lang: plots.pareto_curve(LORENZ_TOP, lang=lang),
        lambda lang: plots.lifecycle_funnel(pd.DataFrame({"lifecycle_tier": ["new"]}), lang=lang),
    ],
    ids=["rfm", "treemap", "pareto", "funnel"],
)
def test_each_figure_carries_the_workbench_template(build):
    fig = build("en")
    assert fig.layout.template.layout.colorway == pio.templates[plots.TEMPLATE].layout.colorway
    assert fig.layout.template.layout.font.family.startswith("Noto Sans")


# --- RFM heatmap -------------------------------------------------------------------------


def test_rfm_heatmap_mean_monetary_per_cell():
    fig = plots.rfm_heatmap(SCORES, lang="en")
    (trace,) = fig.data
    assert trace.type == "heatmap"
    assert list(trace.x) == [1, 2, 3, 4, 5] and list(trace.y) == [1, 2, 3, 4, 5]
    z = np.array(trace.z, dtype=float)
    assert z[4, 4] == 200.0  # R5 F5: (100 + 300) / 2
    assert z[0, 0] == 10.0  # R1 F1
    assert z[1, 2] == 50.0  # F2 (row 1), R3 (column 2)
    assert np.isnan(z[2, 2])  # nobody in R3 F3
    assert trace.customdata[4][4] == 2
    assert _titles(fig) == "Mean spend by recency and frequency score"
    assert fig.layout.xaxis.title.text.startswith("Recency score")


def test_rfm_heatmap_count_in_chinese():
    fig = plots.rfm_heatmap(SCORES, value="count", lang="zh")
    z = np.array(fig.data[0].z)
    assert z.sum() == 4 and z[4, 4] == 2 and z[2, 2] == 0
    assert _titles(fig) == "按最近消费与消费频率评分的客户数"
    assert fig.layout.yaxis.title.text == "消费频率评分(5 = 最频繁)"


def test_rfm_heatmap_names_the_missing_column_and_its_producer():
    with pytest.raises(ValueError, match=r"'f_score'.*workbench.tiers.rfm_scores"):
        plots.rfm_heatmap(SCORES.drop(columns="f_score"))
    with pytest.raises(ValueError, match="scores from 1 to 5"):
        plots.rfm_heatmap(SCORES.assign(r_score=[6, 5, 1, 3]))
    with pytest.raises(ValueError, match="value='mean'"):
        plots.rfm_heatmap(SCORES, value="mean")


# --- segment treemap -----------------------------------------------------------------


def test_segment_treemap_counts_customers_largest_first():
    fig = plots.segment_treemap(SEGMENTS, lang="en")
    (trace,) = fig.data
    assert trace.type == "treemap"
    assert list(trace.ids) == ["lost", "champions", "at_risk"]
    assert list(trace.values) == [3, 2, 1]
    assert list(trace.parents) == ["", "", ""]
    assert _titles(fig) == "Customer segments"


def test_segment_treemap_by_revenue_for_the_chinese_scheme():
    fig = plots.segment_treemap(SEGMENTS, scheme="zh", value="revenue", lang="zh")
    trace = fig.data[0]
    assert list(trace.ids) == ["重要价值", "重要保持", "一般挽留"]
    assert list(trace.values) == [303.0, 50.0, 3.0]
    assert _titles(fig) == "客户细分"


def test_segment_treemap_rejects_unknown_scheme():
    with pytest.raises(ValueError, match="scheme='fr'"):
        plots.segment_treemap(SEGMENTS, scheme="fr")


# --- Pareto curve ------------------------------------------------------------------------


def test_pareto_curve_reads_top_20_percent_share():
    fig = plots.pareto_curve(LORENZ_TOP, gini=0.3, lang="en")
    curve, diagonal = fig.data
    assert curve.type == "scatter" and diagonal.type == "scatter"
    assert curve.x[0] == 0.0 and curve.y[0] == 0.0 and curve.x[-1] == 1.0
    assert math.isclose(curve.y[-1], 1.0)
    # top 2 of 10 customers: (100 + 90) / 550
    expected = 190 / 550
    annotation = fig.layout.annotations[0]
    assert annotation.y == pytest.approx(expected)
    assert annotation.text == f"Top 20% of customers: {expected:.0%} of value"
    vertical = [s for s in fig.layout.shapes if s.x0 == 0.2 and s.x1 == 0.2]
    assert vertical and vertical[0].y1 == pytest.approx(expected)
    assert any(s.y0 == 0.8 and s.y1 == 0.8 for s in fig.layout.shapes)
    assert "Gini 0.30" in _titles(fig)


def test_pareto_curve_turns_a_bottom_up_lorenz_curve_round():
    ascending = np.sort(VALUES)
    bottom_up = pd.DataFrame(
        {
            "customer_share": np.arange(1, 11) / 10,
            "value_share": np.cumsum(ascending) / ascending.sum(),
        }
    )
    fig = plots.pareto_curve(bottom_up, lang="zh")
    assert fig.layout.annotations[0].y == pytest.approx(190 / 550)
    assert fig.layout.annotations[0].text == "前 20% 的客户贡献 35% 的价值"
    assert _titles(fig) == "价值集中度(帕累托曲线)"


def test_pareto_curve_thins_long_curves():
    n = 200_000
    values = np.sort(np.random.default_rng(1).pareto(1.5, n))[::-1]
    pts = pd.DataFrame(
        {"customer_share": np.arange(1, n + 1) / n, "value_share": np.cumsum(values) / values.sum()}
    )
    fig = plots.pareto_curve(pts)
    assert len(fig.data[0].x) <= 501
    top = np.cumsum(values)[n // 5 - 1] / values.sum()
    assert fig.layout.annotations[0].y == pytest.approx(top, abs=1e-3)


# --- ABC bars ------------------------------------------------------------------------


def test_abc_bars_shares_of_customers_and_value():
    classes = pd.DataFrame(
        {
            "abc_class": ["A", "B", "B", "C", "C", "C", "C", "C", "C", "C"],
            "revenue": [50.0, 15, 15, 4, 4, 4, 2, 2, 2, 2],
        }
    )
    fig = plots.abc_bars(classes, lang="en")
    cust, value, ref = fig.data
    assert cust.type == "bar" and value.type == "bar" and ref.type == "scatter"
    assert list(cust.x) == ["A key", "B major", "C ordinary"]
    assert list(cust.y) == [0.1, 0.2, 0.7]
    assert list(value.y) == [0.5, 0.3, 0.2]
    assert list(ref.y) == [0.5, 0.3, 0.2]
    assert fig.layout.barmode == "group"
    zh = plots.abc_bars(classes, lang="zh")
    assert list(zh.data[0].x) == ["关键客户", "主要客户", "普通客户"]
    assert _titles(zh) == label("plot.title.abc", "zh")


# --- lifecycle funnel ----------------------------------------------------------------


def test_lifecycle_funnel_orders_the_ladder():
    tiers = pd.DataFrame({"lifecycle_tier": ["loyal", "new", "new", "dormant", "repeat", "new"]})
    fig = plots.lifecycle_funnel(tiers, lang="en")
    (trace,) = fig.data
    assert trace.type == "funnel"
    assert list(trace.y) == ["Potential", "New", "Repeat", "Mature", "Loyal", "Dormant"]
    assert list(trace.x) == [0, 3, 1, 0, 1, 1]
    zh = plots.lifecycle_funnel(tiers, lang="zh")
    assert list(zh.data[0].y)[-1] == "沉睡客户"
    assert _titles(zh) == "客户生命周期分级"


# --- tier migration ------------------------------------------------------------------


def test_tier_migration_sankey_links_start_to_end():
    migration = pd.DataFrame(
        {
            "from_tier": ["new", "new", "repeat", "repeat"],
            "to_tier": ["repeat", "dormant", "repeat", "loyal"],
            "customers": [5, 2, 4, 0],
        }
    )
    fig = plots.tier_migration_sankey(migration, start="2025-06-30", end="2026-06-30")
    (trace,) = fig.data
    assert trace.type == "sankey"
    assert list(trace.node.label) == [
        "New (2025-06-30)",
        "Repeat (2025-06-30)",
        "Repeat (2026-06-30)",
        "Dormant (2026-06-30)",
    ]
    assert list(trace.link.source) == [0, 0, 1]
    assert list(trace.link.target) == [2, 3, 2]
    assert list(trace.link.value) == [5, 2, 4]
    assert _titles(fig) == "Tier migration · 2025-06-30 → 2026-06-30"
    zh = plots.tier_migration_sankey(migration, lang="zh")
    assert zh.data[0].node.label[0] == "新客户 (期初)"
    assert _titles(zh) == "客户等级迁移"


# --- cohort retention ------------------------------------------------------------------


def test_cohort_heatmap_pivots_long_form():
    retention = pd.DataFrame(
        {
            "cohort": pd.PeriodIndex(["2024-01"] * 3 + ["2024-02"] * 2, freq="M"),
            "period_index": [0, 1, 2, 0, 1],
            "customers": [10, 6, 3, 8, 2],
            "retention": [1.0, 0.6, 0.3, 1.0, 0.25],
        }
    )
    fig = plots.cohort_heatmap(retention, lang="en")
    (trace,) = fig.data
    assert trace.type == "heatmap"
    assert list(trace.y) == ["2024-01", "2024-02"]
    assert list(trace.x) == [0, 1, 2]
    assert trace.z[0] == [1.0, 0.6, 0.3]
    assert trace.z[1][:2] == [1.0, 0.25] and trace.z[1][2] is None
    assert trace.customdata[0] == [10, 6, 3]
    assert fig.layout.yaxis.autorange == "reversed"
    assert _titles(fig) == "Cohort retention"
    assert _titles(plots.cohort_heatmap(retention, lang="zh")) == "同期群留存率"


# --- sales trend -----------------------------------------------------------------------


def _report() -> pd.DataFrame:
    periods = pd.PeriodIndex(["2024-01", "2024-02"], freq="M")
    rows = []
    for dept, base in [("East", 100.0), ("West", 50.0), ("North", 20.0), ("South", 10.0)]:
        for i, p in enumerate(periods):
            rows.append({"period": p, "department": dept, "revenue": base + i, "orders": 1})
    return pd.DataFrame(rows)


def test_sales_trend_one_line_per_department():
    fig = plots.sales_trend(_report(), by="department", lang="en")
    assert [t.name for t in fig.data] == ["East", "West", "North", "South"]
    east = fig.data[0]
    assert east.type == "scatter"
    assert list(east.y) == [100.0, 101.0]
    assert [pd.Timestamp(x) for x in east.x] == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-02-01"),
    ]
    assert _titles(fig) == "Revenue by department"
    assert _titles(plots.sales_trend(_report(), by="department", lang="zh")) == "按部门统计的销售额"


def test_sales_trend_folds_small_series_into_other():
    fig = plots.sales_trend(_report(), by="department", max_series=3, lang="en")
    assert [t.name for t in fig.data] == ["East", "West", "Other"]
    assert list(fig.data[2].y) == [30.0, 32.0]  # North + South


def test_sales_trend_total_line():
    total = _report().groupby("period", as_index=False)["revenue"].sum()
    fig = plots.sales_trend(total, lang="zh")
    assert len(fig.data) == 1 and list(fig.data[0].y) == [180.0, 184.0]
    assert fig.data[0].name == "合计"
    assert _titles(fig) == "销售额趋势"


# --- receivables ageing ------------------------------------------------------------


def test_receivables_ageing_keeps_bucket_order():
    names = ["not_due", "1-30", "31-60", "61-90", ">90"]
    ageing = pd.DataFrame(
        {
            "bucket": pd.Categorical([">90", "not_due", "1-30", "31-60", "61-90"], names, True),
            "amount": [1_000_000.0, 50.0, 40.0, 30.0, 20.0],
            "customers": [10, 5, 4, 3, 2],
        }
    )
    fig = plots.receivables_ageing(ageing, lang="en")
    (trace,) = fig.data
    assert trace.type == "bar"
    assert list(trace.x) == ["Not yet due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"]
    assert list(trace.y) == [50.0, 40.0, 30.0, 20.0, 1_000_000.0]
    assert list(trace.customdata) == [5, 4, 3, 2, 10]
    assert _titles(fig) == "Receivables ageing"
    zh = plots.receivables_ageing(ageing, lang="zh")
    assert zh.data[0].x[-1] == "90 天以上" and _titles(zh) == "应收账款账龄"


# --- MAN matrix -------------------------------------------------------------------------


def test_man_matrix_from_classes_with_actions():
    leads = pd.DataFrame({"man_class": ["M+A+N", "M+A+N", "m+a+n", "M+a+N", "m+A+n"]})
    actions = {"M+A+N": "sell now", "m+a+n": "stop"}
    fig = plots.man_matrix(leads, actions=actions, lang="en")
    (trace,) = fig.data
    assert trace.type == "heatmap"
    assert [list(r) for r in trace.z] == [[2, 0, 1, 0], [0, 1, 0, 1]]
    assert trace.text[0][0] == "M+A+N" and trace.text[1][3] == "m+a+n"
    assert trace.customdata[0][0] == "sell now" and trace.customdata[1][3] == "stop"
    assert list(trace.y) == ["Has money (M)", "No money (m)"]
    assert _titles(fig) == "Leads by MAN qualification"


def test_man_matrix_from_customer_booleans_in_chinese():
    customers = pd.DataFrame(
        {
            "man_money": [True, False, None],
            "man_authority": [True, True, False],
            "man_need": [False, True, False],
        }
    )
    fig = plots.man_matrix(customers, lang="zh")
    assert [list(r) for r in fig.data[0].z] == [[0, 1, 0, 0], [1, 0, 0, 1]]
    assert fig.data[0].x[0] == "有决定权 + 有需求(A+N)"
    assert _titles(fig) == "MAN 线索资格矩阵"


def test_man_matrix_without_columns_says_what_to_pass():
    with pytest.raises(ValueError, match="man_money"):
        plots.man_matrix(pd.DataFrame({"x": [1]}))


# --- labels --------------------------------------------------------------------------


def test_tier_and_segment_labels_fall_back_to_the_id():
    assert plots.tier_label("dormant", "zh") == "沉睡客户"
    assert plots.tier_label("B", "zh") == "主要客户"
    assert plots.segment_label("no_such_segment", "zh") == "no_such_segment"


def test_language_is_checked():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        plots.lifecycle_funnel(pd.DataFrame({"lifecycle_tier": ["new"]}), lang="fr")


# --- growth levers -------------------------------------------------------------------


def test_growth_bars_baseline_scenario_referrals():
    levers = pd.DataFrame(
        {"item": ["baseline", "scenario", "referral_revenue"], "revenue": [50e6, 55e6, 180e6]}
    )
    fig = plots.growth_bars(levers, lang="en")
    (bar,) = fig.data
    assert bar.type == "bar"
    assert list(bar.x) == ["Baseline", "Scenario", "Revenue from referred customers"]
    assert list(bar.y) == [50e6, 55e6, 180e6]
    assert _titles(fig) == "Revenue a year: baseline, scenario and referrals"
    assert _titles(plots.growth_bars(levers, lang="zh")) == "年销售额:基准、假设与转介绍"


def test_segment_colours_do_not_depend_on_what_else_is_shown():
    one = plots.segment_treemap(SEGMENTS)
    two = plots.segment_treemap(SEGMENTS[SEGMENTS["segment_en"] != "lost"])
    colour = dict(zip(one.data[0].ids, one.data[0].marker.colors, strict=True))
    assert dict(zip(two.data[0].ids, two.data[0].marker.colors, strict=True)) == {
        "champions": colour["champions"],
        "at_risk": colour["at_risk"],
    }
    assert colour["champions"] != colour["lost"]
