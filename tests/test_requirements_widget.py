"""Tests for the requirement-library browser: drive its filters, check table and figure."""

from __future__ import annotations

import ipywidgets
import pandas as pd
import plotly.graph_objects as go
import pytest

from workbench.config import REPORTS_DIR
from workbench.requirements import RequirementError
from workbench.requirements_widget import (
    RequirementBrowser,
    category_trend_figure,
    requirement_browser,
)


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    reqs = pd.DataFrame(
        {
            "requirement_id": ["R1", "R2", "R3", "R4", "R5", "R6", "R7"],
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C1"],
            "date": pd.to_datetime(
                [
                    "2025-01-05",
                    "2025-01-20",
                    "2025-02-03",
                    "2025-02-15",
                    "2025-03-01",
                    "2025-03-09",
                    "2025-03-20",
                ]
            ),
            "description": [
                "希望系统支持移动端审批",
                "希望支持移动端的审批功能",
                "Mobile approval of purchase orders",
                "报表导出到Excel",
                "=HYPERLINK(1) 需要等保三级认证",
                "Monthly sales report by branch",
                "送货时顺便带点茶叶",
            ],
            "source": ["sales", "service", "sales", "implementation", "sales", "other", "sales"],
            "status": ["new", "accepted", "new", "delivered", "new", "planned", "rejected"],
            "branch": ["North", "South", "North", "North", "South", "South", "North"],
            "collected_by": ["Li", "Wang", "Li", "Li", "Wang", "Wang", "Li"],
        }
    )
    orders = pd.DataFrame(
        {"customer_id": ["C1", "C2", "C3", "C4"], "amount": [100.0, 20.0, 5.0, 1.0]}
    )
    return {"requirements": reqs, "orders": orders}


@pytest.fixture
def browser(frames, tmp_path) -> RequirementBrowser:
    return requirement_browser(frames, out_dir=tmp_path, min_customers=3, min_recent=3)


def _ids(b: RequirementBrowser) -> list[str]:
    return sorted(b.table_frame["requirement_id"])


def _trend(b: RequirementBrowser) -> dict[str, int]:
    return {t.meta: sum(t.y) for t in b.trend.data}


def _shown(chart: ipywidgets.Output) -> dict:
    """The plotly figure an Output chart sends to the browser (its one MIME bundle)."""
    (output,) = chart.outputs
    assert output["output_type"] == "display_data"
    return output["data"]["application/vnd.plotly.v1+json"]


def test_initial_view_shows_every_need(browser):
    assert _ids(browser) == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    assert "7 needs from 6 customers" in browser.table.value
    assert _trend(browser) == {"mobile": 3, "reporting": 2, "qualification": 1, "special": 1}
    assert isinstance(browser.trend, go.Figure)
    assert not isinstance(browser.trend, go.FigureWidget)  # see docs/explorers.md
    assert browser.trend_chart in browser.children[4].children  # the trend tab
    # months Jan-Mar 2025, no gap
    assert [x.strftime("%Y-%m") for x in browser.trend.data[0].x] == [
        "2025-01",
        "2025-02",
        "2025-03",
    ]


def test_category_filter(browser):
    browser.filters["category"].value = ("mobile",)
    assert _ids(browser) == ["R1", "R2", "R3"]
    assert _trend(browser) == {"mobile": 3}
    assert list(browser.trend.data[0].y) == [2, 1]


def test_filter_change_sends_the_redrawn_trend_to_the_browser(browser):
    shown = _shown(browser.trend_chart)
    assert {t["meta"]: sum(t["y"]) for t in shown["data"]} == {
        "mobile": 3,
        "reporting": 2,
        "qualification": 1,
        "special": 1,
    }
    browser.filters["branch"].value = ("South",)  # R2 mobile, R5 qualification, R6 reporting
    shown = _shown(browser.trend_chart)
    lines = {t["meta"]: t["y"] for t in shown["data"]}
    assert lines == {"mobile": [1, 0, 0], "qualification": [0, 0, 1], "reporting": [0, 0, 1]}
    assert shown["data"][0]["x"][0].startswith("2025-01")
    assert shown["layout"]["title"]["text"] == "Needs per month by category"
    browser.filters["status"].value = ("delivered",)  # only R4, in the North
    assert _shown(browser.trend_chart)["data"] == []


def test_filters_combine(browser):
    browser.filters["source"].value = ("sales",)
    browser.filters["branch"].value = ("North",)
    assert _ids(browser) == ["R1", "R3", "R7"]
    browser.filters["status"].value = ("new",)
    assert _ids(browser) == ["R1", "R3"]
    browser.filters["type"].value = ("restrictive",)
    assert _ids(browser) == []
    assert browser.trend.data == ()
    assert "0 needs from 0 customers" in browser.table.value


def test_period_filter(browser):
    options = browser.filters["period"].options
    feb, mar = options[1][1], options[2][1]
    browser.filters["period"].value = (feb, mar)
    assert _ids(browser) == ["R3", "R4", "R5", "R6", "R7"]
    browser.filters["period"].value = (feb, feb)
    assert _ids(browser) == ["R3", "R4"]


def test_search_in_both_languages(browser):
    browser.filters["search"].value = "审批"
    assert _ids(browser) == ["R1", "R2"]
    # an English word finds the Chinese needs of the category it names
    browser.filters["search"].value = "mobile"
    assert _ids(browser) == ["R1", "R2", "R3"]
    browser.filters["search"].value = "报表分析"  # the Chinese label of reporting
    assert _ids(browser) == ["R4", "R6"]
    browser.filters["search"].value = "REPORT branch"  # every word must match
    assert _ids(browser) == ["R6"]


def test_niches_follow_the_selection(browser):
    # every need is new in the 12 months to March 2025: mobile (3 customers) is shared and
    # growing; reporting (2 customers) is below both min_customers and min_recent
    assert browser.niche_frame["category"].tolist() == ["mobile"]
    assert browser.niche_frame["reason"].tolist() == ["shared+growing"]
    assert browser.niche_frame.loc[0, "customer_ids"] == ["C1", "C2", "C3"]
    assert "C1, C2, C3" in browser.niches.value
    browser.filters["branch"].value = ("South",)
    assert browser.niche_frame.empty
    assert "No category is shared" in browser.niches.value


def test_export_shows_no_machine_path(browser, tmp_path):
    assert browser.export_path.value == "requirements_selection.csv"
    browser.export_path.value = "mine/needs.parquet"  # relative to out_dir
    assert browser.export() == tmp_path / "mine" / "needs.parquet"
    assert browser.status.value == f"Wrote 7 needs to {tmp_path.name}/mine/needs.parquet"
    assert len(pd.read_parquet(tmp_path / "mine" / "needs.parquet")) == 7


def test_export_default_folder_is_reports(frames):
    b = requirement_browser(frames)
    assert b.out_dir == REPORTS_DIR
    assert b.export_path.value == "requirements_selection.csv"


def test_export_writes_the_selection_excel_safe(browser, tmp_path):
    browser.filters["source"].value = ("sales",)
    path = browser.export()
    assert path == tmp_path / "requirements_selection.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert sorted(back["requirement_id"]) == ["R1", "R3", "R5", "R7"]
    assert back.set_index("requirement_id").loc["R5", "description"].startswith("'=HYPERLINK")
    assert "Wrote 4 needs" in browser.status.value
    browser.export_button.click()  # the button does the same
    assert path.exists()


def test_chinese_labels(frames, tmp_path):
    b = requirement_browser(frames, lang="zh", out_dir=tmp_path)
    assert "6 个客户的 7 条需求" in b.table.value
    assert "需求描述" in b.table.value and "移动端" in b.table.value
    names = {t.name for t in b.trend.data}
    assert names == {"移动端", "报表分析", "资质与认证", "特殊需求"}
    assert b.trend.layout.title.text == "各业务分类每月需求数"
    assert dict(b.filters["source"].options)["销售过程"] == "sales"


def test_browser_accepts_a_frame_and_checks_input(frames):
    b = requirement_browser(frames["requirements"])
    assert b.niche_frame.empty or b.niche_frame["customer_value"].isna().all()
    with pytest.raises(RequirementError, match="no 'requirements' table"):
        requirement_browser({"orders": frames["orders"]})
    with pytest.raises(RequirementError, match="no column 'description'"):
        requirement_browser(frames["requirements"].drop(columns="description"))
    with pytest.raises(RequirementError, match="no dated need to browse"):
        requirement_browser(frames["requirements"].iloc[:0])


def test_category_trend_figure_fills_missing_months():
    t = pd.DataFrame(
        {
            "category": ["mobile", "mobile", "pricing"],
            "period": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-02-01"]),
            "needs": [2, 1, 4],
        }
    )
    fig = category_trend_figure(t)
    assert [tr.meta for tr in fig.data] == ["pricing", "mobile"]  # most needs first
    assert list(fig.data[1].y) == [2, 0, 1]
    assert list(fig.data[0].y) == [0, 4, 0]
    with pytest.raises(RequirementError, match="no column needs"):
        category_trend_figure(t.drop(columns="needs"))


def test_browser_over_the_sample_dataset(sample, tmp_path):
    from workbench.requirements import classify

    b = requirement_browser(sample, lang="zh", out_dir=tmp_path)
    expected = classify(sample.requirements)
    assert len(b.selection) == len(expected)
    b.filters["category"].value = ("mobile",)
    b.filters["branch"].value = (expected["branch"].iloc[0],)
    want = expected[
        (expected["category"] == "mobile") & (expected["branch"] == b.filters["branch"].value[0])
    ]
    assert sorted(b.selection["requirement_id"]) == sorted(want["requirement_id"])
    assert sum(sum(t.y) for t in b.trend.data) == len(want)
    # value comes from the dataset's orders
    assert not b.niche_frame.empty and (b.niche_frame["customer_value"] > 0).all()
