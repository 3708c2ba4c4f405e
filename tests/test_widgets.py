"""Explorers driven as a user would: set widget values, read the figures and tables.

The hand-made dataset below has five buyers whose scores were worked out by hand
(as of 2025-06-30, quintile scores with ties by value, R ``rfm`` segment rules):

====  ========  =====  ==========  =========  ===========================  ===============
id    recency   purch  revenue     R F M      segment_en                   segment_zh
====  ========  =====  ==========  =========  ===========================  ===============
c1    5         5      1500        5 5 5      champions                    important_value
c2    29        4      200         3 4 3      potential_loyalist           general_value
c3    333       3      90          2 3 2      loyal_customers              general_winback
c4    536       1      20          1 1 1      lost                         general_winback
c5    10        2      800         4 2 4      loyal_customers              important_development
====  ========  =====  ==========  =========  ===========================  ===============

c6 is a prospect (no order). Lifecycle: c4 dormant (536 days), c6 potential, the others
repeat. ABC by cumulative profit (half the revenue): c1 A, c5 B, the rest C.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from workbench import widgets
from workbench.dataset import Dataset
from workbench.labels import label
from workbench.tiers import tier_actions

AS_OF = "2025-06-30"

_ORDERS = [
    # customer, date, amount, department, salesperson, product
    *[("c1", d, 300.0, "East", "Li", "p1") for d in
      ("2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-25")],
    *[("c2", d, 50.0, "West", "Wang", "p2") for d in
      ("2024-10-01", "2024-12-01", "2025-02-01", "2025-06-01")],
    *[("c3", d, 30.0, "East", "Li", "p2") for d in ("2024-06-01", "2024-07-01", "2024-08-01")],
    ("c4", "2023-01-10", 20.0, "West", "Wang", "p1"),
    ("c5", "2025-06-10", 400.0, "West", "Wang", "p1"),
    ("c5", "2025-06-20", 400.0, "East", "Li", "p2"),
]  # fmt: skip


def _dataset() -> Dataset:
    orders = pd.DataFrame(
        _ORDERS,
        columns=["customer_id", "order_date", "amount", "department", "salesperson", "product_id"],
    )
    orders.insert(0, "order_id", [f"o{i}" for i in range(len(orders))])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    orders["cost"] = orders["amount"] / 2
    orders["quantity"] = 1.0
    customers = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "name": ["Acme Ltd", "Beta Co", "张三贸易有限公司", '=HYPERLINK("http://x","y")',
                     "Ｅｃｈｏ Trading", "Foxtrot"],
            "owner": ["Li", "Wang", "Li", "@ops", "Wang", "Li"],
        }
    )  # fmt: skip
    products = pd.DataFrame(
        {"product_id": ["p1", "p2"], "name": ["Widget", "Gadget"], "category": ["Tools", "Toys"]}
    )
    contacts = pd.DataFrame(
        {
            "contact_id": ["k1", "k2", "k3"],
            "customer_id": ["c3", "c3", "c1"],
            "name": ["张伟", "李娜", "Ann"],
            "role": ["decision_maker", "opponent", "supporter"],
        }
    )
    follow_ups = pd.DataFrame(
        {
            "follow_up_id": ["f1", "f2"],
            "customer_id": ["c3", "c3"],
            "date": pd.to_datetime(["2025-01-05", "2025-03-05"]),
            "channel": ["phone", "visit"],
        }
    )
    requirements = pd.DataFrame(
        {
            "requirement_id": ["r1"],
            "customer_id": ["c3"],
            "date": pd.to_datetime(["2025-02-01"]),
            "description": ["希望缩短交货周期"],
        }
    )
    receivables = pd.DataFrame(
        {
            "invoice_id": ["i1", "i2"],
            "customer_id": ["c3", "c3"],
            "issue_date": pd.to_datetime(["2025-01-01", "2025-06-01"]),
            "due_date": pd.to_datetime(["2025-03-31", "2025-07-31"]),
            "amount": [1000.0, 500.0],
            "paid_amount": [400.0, 0.0],
        }
    )
    tables = {
        "customers": customers,
        "orders": orders,
        "products": products,
        "contacts": contacts,
        "follow_ups": follow_ups,
        "requirements": requirements,
        "receivables": receivables,
    }
    return Dataset(tables, source="hand-made")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return _dataset()


@pytest.fixture()
def ex(dataset):
    return widgets.segment_explorer(dataset, as_of=AS_OF, lang="en")


def _ids(frame: pd.DataFrame) -> list[str]:
    return frame["customer_id"].astype(str).tolist()


def _trend(fig) -> dict[str, dict[str, float]]:
    return {
        t.name: {pd.Timestamp(x).strftime("%Y-%m"): y for x, y in zip(t.x, t.y, strict=True)}
        for t in fig.data
    }


# --- segment explorer ------------------------------------------------------------------


def test_segment_explorer_scores_match_the_hand_worked_table(ex):
    cust = ex.customers.set_index("customer_id")
    assert cust.loc["c1", "rfm_cell"] == "555"
    assert cust.loc["c5", "rfm_cell"] == "424"
    seg = cust["segment_en"].astype(object).dropna().to_dict()
    assert seg == {
        "c1": "champions",
        "c2": "potential_loyalist",
        "c3": "loyal_customers",
        "c4": "lost",
        "c5": "loyal_customers",
    }
    assert cust["lifecycle_tier"].astype(str).to_dict() == {
        "c1": "repeat",
        "c2": "repeat",
        "c3": "repeat",
        "c4": "dormant",
        "c5": "repeat",
        "c6": "potential",
    }
    # every customer shown, largest spend first, the prospect last
    assert _ids(ex.table) == ["c1", "c5", "c2", "c3", "c4", "c6"]


def test_initial_figures_show_everybody(ex):
    funnel = ex.figures["tiers"].data[0]
    assert funnel.type == "funnel" and list(funnel.x) == [1, 0, 4, 0, 0, 1]
    tree = ex.figures["segments"].data[0]
    assert dict(zip(tree.ids, tree.values, strict=True)) == {
        "loyal_customers": 2,
        "champions": 1,
        "potential_loyalist": 1,
        "lost": 1,
    }
    z = np.array(ex.figures["rfm"].data[0].z, dtype=float)
    assert z[4, 4] == 1500.0 and z[1, 3] == 800.0 and z[3, 2] == 200.0  # z[F-1][R-1]
    assert np.isfinite(z).sum() == 5
    pareto = ex.figures["pareto"]
    # top 20% of 5 buyers is c1: 1500 of 2610
    assert pareto.layout.annotations[0].y == pytest.approx(1500 / 2610)


def test_department_filter_redraws_table_trend_and_heatmap(ex):
    ex.freq.value = "Y"
    ex.department.value = "West"
    # customers with at least one West order line, largest spend first
    assert _ids(ex.table) == ["c5", "c2", "c4"]
    # the trend adds up the West lines only: c4 2023, c2 2 x 50 in 2024, c2 2 x 50 + c5 400
    (line,) = ex.figures["trend"].data
    assert [pd.Timestamp(x).year for x in line.x] == [2023, 2024, 2025]
    assert list(line.y) == [20.0, 100.0, 500.0]
    z = np.array(ex.figures["rfm"].data[0].z, dtype=float)
    assert np.isfinite(z).sum() == 3 and z[1, 3] == 800.0 and np.isnan(z[4, 4])
    assert "3 of 6" in ex.status.value
    ex.department.value = ""
    assert len(ex.table) == 6


def test_segment_and_filter_combine(ex):
    ex.segment.value = "loyal_customers"
    assert _ids(ex.table) == ["c5", "c3"]
    ex.salesperson.value = "Wang"
    assert _ids(ex.table) == ["c5"]
    ex.freq.value = "M"
    assert _trend(ex.figures["trend"]) == {"Total": {"2025-06": 400.0}}
    # the treemap keeps every segment of the filtered customers (for choosing another)
    tree = ex.figures["segments"].data[0]
    assert sorted(tree.ids) == ["lost", "loyal_customers", "potential_loyalist"]
    # the funnel follows the segment: c5 is a repeat customer
    assert list(ex.figures["tiers"].data[0].x) == [0, 0, 1, 0, 0, 0]


def _shown(chart) -> dict:
    """The plotly figure an Output chart sends to the browser (its one MIME bundle)."""
    (output,) = chart.outputs
    assert output["output_type"] == "display_data"
    return output["data"]["application/vnd.plotly.v1+json"]


def test_charts_send_the_redrawn_figure_to_the_browser(ex):
    assert _shown(ex.charts["tiers"])["data"][0]["x"] == [1, 0, 4, 0, 0, 1]
    ex.salesperson.value = "Wang"  # c2, c4, c5: repeat, dormant, repeat
    shown = _shown(ex.charts["tiers"])
    assert shown["data"][0]["type"] == "funnel"
    assert shown["data"][0]["x"] == [0, 0, 2, 0, 0, 1]
    assert shown["layout"]["title"]["text"] == ex.figures["tiers"].layout.title.text
    tree = _shown(ex.charts["segments"])["data"][0]
    assert sorted(tree["ids"]) == ["lost", "loyal_customers", "potential_loyalist"]


def test_category_filter_goes_through_the_products_table(ex):
    ex.category.value = "Toys"  # product p2: c2, c3 and one line of c5
    assert _ids(ex.table) == ["c5", "c2", "c3"]
    ex.freq.value = "Y"
    assert list(ex.figures["trend"].data[0].y) == [30.0 * 3 + 50 * 2, 50.0 * 2 + 400]


def test_trend_lines_by_dimension(ex):
    ex.freq.value = "Y"
    ex.trend_by.value = "department"
    lines = {t.name: list(t.y) for t in ex.figures["trend"].data}
    assert lines == {"East": [90.0, 1900.0], "West": [20.0, 100.0, 500.0]}
    assert ex.figures["trend"].layout.title.text == "Revenue by department"


def test_chinese_scheme_and_abc_tiers(ex):
    ex.scheme.value = "zh"
    values = [v for _, v in ex.segment.options]
    assert "general_winback" in values and "champions" not in values
    ex.segment.value = "general_winback"
    assert _ids(ex.table) == ["c3", "c4"]
    ex.segment.value = ""
    ex.tier_method.value = "abc_value"
    bars = ex.figures["tiers"].data
    assert bars[0].type == "bar"
    assert list(bars[0].y) == [0.2, 0.2, 0.6]
    assert list(bars[1].y) == pytest.approx([1500 / 2610, 800 / 2610, 310 / 2610])
    ex.tier.value = "B"
    assert _ids(ex.table) == ["c5"]


def test_period_keeps_customers_who_bought_in_the_window(ex):
    ex.period.value = "12"  # from 2024-07-01
    assert _ids(ex.table) == ["c1", "c5", "c2", "c3"]
    ex.freq.value = "Y"
    assert list(ex.figures["trend"].data[0].y) == [30.0 * 2 + 50 * 2, 1500.0 + 800 + 100]
    # scores still come from the whole history: c3 bought 3 times
    assert ex.table.set_index("customer_id").loc["c3", "rfm_frequency"] == 3


def test_as_of_recomputes_tiers(ex):
    ex.as_of.value = dt.date(2024, 12, 31)
    cust = ex.customers.set_index("customer_id")["lifecycle_tier"].astype(str)
    assert cust.to_dict() == {
        "c2": "repeat",
        "c3": "repeat",
        "c4": "dormant",
        "c1": "potential",
        "c5": "potential",
        "c6": "potential",
    }
    assert list(ex.figures["tiers"].data[0].x) == [3, 0, 2, 0, 0, 1]
    ex.as_of.value = dt.date(2025, 6, 30)
    assert ex.customers.set_index("customer_id").loc["c1", "lifecycle_tier"] == "repeat"


def test_chinese_texts(dataset):
    ex = widgets.segment_explorer(dataset, as_of=AS_OF, lang="zh")
    assert ex.department.description == "部门"
    assert ex.figures["tiers"].layout.title.text == "客户生命周期分级"
    labels = dict(ex.segment.options)
    assert "冠军客户 (1)" in labels
    assert "最近消费" in ex.figures["rfm"].layout.xaxis.title.text


# --- export ----------------------------------------------------------------------------


def test_target_list_has_the_tier_action(ex):
    ex.segment.value = "lost"
    target = ex.target_list()
    assert _ids(target) == ["c4"]
    dormant = tier_actions("en").set_index("lifecycle_tier").loc["dormant", "actions"]
    assert dormant and target["action"].iloc[0] == dormant
    assert target["segment"].iloc[0] == label("segment_en.lost", "en")
    assert target["lifecycle_tier"].iloc[0] == "Dormant"


def test_export_writes_an_excel_safe_csv_with_bom(ex, tmp_path):
    ex.segment.value = "lost"
    path = ex.export(tmp_path)
    assert path.name == "target_list_lost_20250630.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    row = back.iloc[0]
    assert row["name"] == "'" + '=HYPERLINK("http://x","y")'
    assert row["owner"] == "'@ops"
    assert row["customer_id"] == "c4"


def test_export_button_offers_a_download_link(ex):
    ex.segment.value = "champions"
    ex.export_button.click()
    assert 'download="target_list_champions_20250630.csv"' in ex.download.value
    payload = ex.download.value.split("base64,")[1].split('"')[0]
    import base64

    text = base64.b64decode(payload).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("c1,Acme Ltd,Li,")


def test_target_list_csv_neutralises_every_formula_prefix():
    frame = pd.DataFrame(
        {"name": ["=1+1", "+1", "-1", "@A1", "\tx", "ok", "张三"], "value": [-5.0] * 7}
    )
    text = widgets.target_list_csv(frame).decode("utf-8-sig")
    cells = [line.split(",")[0] for line in text.split("\r\n")[1:-1]]
    assert cells == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "ok", "张三"]
    assert text.split("\r\n")[1].endswith(",-5.0")  # numbers stay numbers


# --- customer 360 ------------------------------------------------------------------------


@pytest.fixture()
def c360(dataset):
    return widgets.customer_360(dataset, as_of=AS_OF, lang="zh")


def test_customer_360_finds_by_chinese_name_and_by_id(c360):
    c360.search.value = "张三"
    assert _ids(c360.table) == ["c3"]
    assert c360.customer_id == "c3"
    c360.search.value = "C5"  # case folded
    assert _ids(c360.table) == ["c5"]
    c360.search.value = "echo"  # full-width letters in the name
    assert _ids(c360.table) == ["c5"]
    c360.search.value = "O"  # Beta Co, Ｅｃｈｏ Trading, Foxtrot
    assert _ids(c360.table) == ["c2", "c5", "c6"]
    assert [v for _, v in c360.results.options] == ["c2", "c5", "c6"]


def test_customer_360_says_when_nothing_matches(c360):
    c360.search.value = "不存在"
    assert c360.table.empty and c360.customer_id is None
    assert "没有匹配" in c360.message.value
    assert all(frame.empty for frame in c360.tables.values())


def test_customer_360_collects_every_section(c360):
    c360.search.value = "c3"
    t = c360.tables
    assert t["purchases"]["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-08-01",
        "2024-07-01",
        "2024-06-01",
    ]
    assert t["purchases"]["product"].tolist() == ["Gadget"] * 3
    assert t["follow_ups"]["follow_up_id"].tolist() == ["f2", "f1"]
    assert dict(zip(t["contacts"]["name"], t["contacts"]["role"], strict=True)) == {
        "张伟": "决策者",
        "李娜": "反对者",
    }
    assert t["requirements"]["description"].tolist() == ["希望缩短交货周期"]
    # i1: 1000 - 400 open, due 2025-03-31, 91 days overdue; i2 not yet due
    rec = t["receivables"].set_index("invoice_id")
    assert rec.loc["i1", "open_amount"] == 600.0 and rec.loc["i1", "days"] == 91
    assert rec.loc["i2", "open_amount"] == 500.0 and rec.loc["i2", "days"] < 0
    # tier history: new after the first purchase (2024-06-01), repeat from Q3 2024
    hist = dict(zip(t["tier_history"]["date"].astype(str), t["tier_history"]["lifecycle_tier"],
                    strict=True))  # fmt: skip
    assert hist["2024-03-31"] == "潜在客户"
    assert hist["2024-06-30"] == "新客户"
    assert hist["2024-09-30"] == "常客户"
    assert hist["2025-06-30"] == "常客户"
    assert "张三贸易有限公司" in t["profile"]["value"].astype(str).tolist()
    # purchases per month in the figure
    (line,) = c360.figures["purchases"].data
    by_month = {pd.Timestamp(x).strftime("%Y-%m"): y for x, y in zip(line.x, line.y, strict=True)}
    assert by_month == {"2024-06": 30.0, "2024-07": 30.0, "2024-08": 30.0}


def test_customer_360_alerts_come_from_the_worklist(c360, dataset):
    from workbench.alerts import worklist

    c360.search.value = "c3"
    expected = worklist(dataset, as_of=AS_OF, lang="zh")
    expected = expected[expected["customer_id"] == "c3"]
    assert c360.tables["alerts"]["reasons"].tolist() == expected["reasons"].tolist()
    assert len(expected) >= 1  # an overdue invoice at least


def test_customer_360_without_optional_tables(dataset):
    small = Dataset({k: dataset.tables[k] for k in ("customers", "orders")}, source="x")
    view = widgets.customer_360(small, as_of=AS_OF, lang="en")
    view.search.value = "Acme"
    assert view.tables["contacts"].empty
    assert "No Contacts table" in view.views["contacts"].value
    assert len(view.tables["purchases"]) == 5


def test_customer_360_query_argument_runs_the_search(dataset):
    view = widgets.customer_360(dataset, as_of=AS_OF, lang="en", query="Acme")
    assert view.customer_id == "c1"
    assert len(view.tables["purchases"]) == 5


# --- growth levers -----------------------------------------------------------------------


def test_growth_levers_worked_example_three_sources():
    g = widgets.growth_levers(lang="en")
    g.load_example("three_sources")
    assert (g.customers.value, g.order_value.value, g.purchases.value) == (1000, 10_000, 2)
    assert g.result["revenue"] == 20_000_000
    assert "1,000 × 2 × 10,000 = 20,000,000" in g.summary.value
    bars = g.figures["revenue"].data[0]
    assert list(bars.y)[:2] == [20_000_000, 20_000_000]


def test_growth_levers_order_value_plus_ten_percent():
    g = widgets.growth_levers(lang="zh")
    g.example.value = "order_value"
    g.load_button.click()
    assert g.result["baseline_revenue"] == 50_000_000
    assert g.result["revenue"] == 55_000_000
    assert g.result["change"] == 5_000_000
    g.order_value.value = 60_000  # a slider move is compared with the same baseline
    assert g.result["change"] == 10_000_000
    assert g.figures["revenue"].layout.title.text == "年销售额:基准、假设与转介绍"


def test_growth_levers_referrals_and_retention():
    g = widgets.growth_levers(lang="en")
    g.load_example("referrals")
    assert g.result["referred_customers"] == 9_000
    assert g.result["referral_revenue"] == 180_000_000
    assert list(g.figures["revenue"].data[0].y)[2] == 180_000_000
    g.years.value = 3
    g.retention.value = 0.5  # 20M + 10M + 5M
    assert g.result["horizon_revenue"] == pytest.approx(35_000_000)
    g.set_baseline()
    assert g.result["change"] == 0


def test_growth_levers_rejects_unknown_example():
    with pytest.raises(ValueError, match="unknown example 'moon'"):
        widgets.growth_levers().load_example("moon")


def test_trend_agrees_with_the_sales_report(ex, dataset):
    from workbench.metrics import sales_report

    ex.freq.value = "M"
    ex.trend_by.value = "department"
    report = sales_report(dataset.orders, by="department", freq="M")
    expected = {
        (d, pd.Timestamp(p).strftime("%Y-%m")): r
        for d, p, r in zip(report["department"], report["period"], report["revenue"], strict=True)
    }
    shown = {
        (name, month): y for name, cells in _trend(ex.figures["trend"]).items()
        for month, y in cells.items()
    }  # fmt: skip
    assert shown == expected
