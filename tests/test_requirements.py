"""Tests for workbench.requirements: classification, text analytics, roll-ups, niches."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest

from workbench import requirements as rq
from workbench.requirements import (
    DEFAULT_TAXONOMY,
    DEFAULT_TAXONOMY_TOML,
    RequirementError,
    Taxonomy,
    classify,
    decision_rollup,
    deduplicate,
    load_taxonomy,
    near_duplicates,
    niche_candidates,
    operations_rollup,
    status_flow,
    time_to_decision,
    tokenize,
    top_categories,
    top_terms,
    trend,
)


def _one(text: str, **kw) -> pd.Series:
    return classify(pd.DataFrame({"description": [text]}), **kw).iloc[0]


# --------------------------------------------------------------------------------------
# Classification: one test per rule
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "type_", "fired"),
    [
        ("供应商必须具备ISO 9001认证", "qualification", "restrictive", "keyword '认证'"),
        ("Must pass MLPS level 3 assessment", "qualification", "restrictive", "'mlps'"),
        ("需要按监理要求每周提交进度报告", "supervision", "restrictive", "keyword '监理'"),
        ("验收按国标执行", "acceptance", "restrictive", "keyword '验收'"),
        ("Purchases must go through public tender", "procurement", "restrictive", "'tender'"),
        ("数据必须存放在本地机房，不能上云", "security", "restrictive", "keyword '本地机房'"),
        ("报价能否再给些折扣", "pricing", "restrictive", "keyword '折扣'"),
        ("希望加入AI智能客服", "ai", "product", "keyword 'ai'"),
        ("希望系统支持移动端审批", "mobile", "product", "keyword '移动端'"),
        ("审批流程希望可以自己配置", "workflow", "product", "keyword '审批流程'"),
        ("需要和用友ERP对接", "integration", "product", "keyword '对接'"),
        ("Need SSO integration with our AD", "integration", "product", "keyword 'sso'"),
        ("海外子公司需要多币种核算", "finance", "product", "keyword '多币种'"),
        ("仓库需要支持条码扫描入库", "inventory", "product", "keyword '仓库'"),
        ("Need a dashboard for the branch managers", "reporting", "product", "'dashboard'"),
        ("Monthly REPORTS by branch", "reporting", "product", "keyword 'report'"),
        ("按角色控制权限", "permissions", "product", "keyword '权限'"),
        ("查询太慢，希望提升性能", "performance", "product", "keyword '性能'"),
        ("上线前安排一次培训", "training", "related", "keyword '培训'"),
        ("需要两台服务器", "hardware", "related", "keyword '服务器'"),
        ("支持国产化操作系统", "hardware", "related", "keyword '操作系统'"),
        ("数据库要用Oracle", "database", "related", "keyword '数据库'"),
        ("旧系统数据需要迁移到新系统", "consulting", "related", "keyword '迁移'"),
        ("送货时顺便带点茶叶", "special", "product", "no category rule matched"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isascii() and " " not in v else None,
)
def test_each_default_category_rule(text, category, type_, fired):
    row = _one(text)
    assert row["category"] == category
    assert row["type"] == type_
    assert row["classified_by"] == "rules"
    assert fired in row["rule"]


def test_latin_keywords_match_whole_words_only():
    # "app" must not fire inside "approval", "api" not inside "capital"
    row = _one("approval of capital expenses")
    assert row["category"] == "special"
    assert _one("a mobile app")["category"] == "mobile"


def test_more_hits_win_and_ties_go_to_the_earlier_category():
    # permissions (权限, 角色) 2 hits beats mobile (手机) 1 hit although mobile comes first
    row = _one("手机上按角色分配权限")
    assert row["category"] == "permissions"
    assert row["categories"] == "permissions|mobile"
    # restrictive categories come first: supervisor (1) beats report (1)
    row = _one("Weekly reports to the project supervisor required")
    assert (row["category"], row["type"]) == ("supervision", "restrictive")
    # a tie (1 hit each): training is listed before database in the taxonomy
    assert _one("需要数据库和培训服务")["category"] == "training"


def test_a_need_naming_database_and_training_lands_in_both_categories():
    row = _one("需要数据库和培训服务")
    assert set(row["categories"].split("|")) == {"database", "training"}
    assert row["type"] == "related"


def test_custom_taxonomy_patterns_and_type_rules():
    tx = Taxonomy.from_dict(
        {
            "default_type": "product",
            "types": {"restrictive": {"keywords": ["资质"]}, "related": {"keywords": ["咨询"]}},
            "categories": {
                "eggs": {"type": "product", "keywords": ["鸡蛋"], "patterns": [r"\beggs?\b"]}
            },
        }
    )
    reqs = pd.DataFrame(
        {"description": ["Fresh EGGS daily", "供应商必须具备资质", "需要咨询服务", "随便"]}
    )
    out = classify(reqs, taxonomy=tx)
    assert out["category"].tolist() == ["eggs", "special", "special", "special"]
    assert out["type"].tolist() == ["product", "restrictive", "related", "product"]
    assert "pattern '\\\\beggs?\\\\b'" in out.loc[0, "rule"]
    assert "type restrictive: keyword '资质'" in out.loc[1, "rule"]
    assert "type related: keyword '咨询'" in out.loc[2, "rule"]
    assert out.loc[3, "rule"].endswith("type product: default")


def test_user_classes_are_kept_unless_asked():
    reqs = pd.DataFrame(
        {
            "description": ["希望系统支持移动端审批", "希望系统支持移动端审批", "报表"],
            "category": ["pricing", None, "  "],
            "type": ["related", None, None],
        }
    )
    out = classify(reqs)
    assert out["category"].tolist() == ["pricing", "mobile", "reporting"]
    assert out["type"].tolist() == ["related", "product", "product"]
    assert out["classified_by"].tolist() == ["user", "rules", "rules"]
    assert out.loc[0, "rule"] == "category pricing: set by user; type related: set by user"
    again = classify(reqs, keep_user=False)
    assert again["category"].tolist() == ["mobile", "mobile", "reporting"]
    assert again["classified_by"].tolist() == ["rules"] * 3
    # the input is not modified
    assert reqs["category"].tolist()[0] == "pricing" and "rule" not in reqs


def test_user_category_without_type_gets_the_category_type():
    out = classify(pd.DataFrame({"description": ["x"], "category": ["qualification"]}))
    assert out.loc[0, "type"] == "restrictive"
    assert out.loc[0, "rule"].endswith("type restrictive: from category qualification")


def test_default_taxonomy_is_the_toml_text_and_round_trips(tmp_path):
    assert Taxonomy.from_dict(tomllib.loads(DEFAULT_TAXONOMY_TOML)) == DEFAULT_TAXONOMY
    assert Taxonomy.from_dict(DEFAULT_TAXONOMY.to_dict()) == DEFAULT_TAXONOMY
    path = tmp_path / "taxonomy.toml"
    path.write_text('[categories.eggs]\ntype = "related"\nkeywords = ["鸡蛋"]\n', encoding="utf-8")
    tx = load_taxonomy(path)
    assert tx.category_ids == ["eggs", "special"]
    assert classify(pd.DataFrame({"description": ["买鸡蛋"]}), taxonomy=path).loc[0, "type"] == (
        "related"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "non-empty 'categories'"),
        ({"categories": {"x": {"type": "urgent", "keywords": ["a"]}}}, "type 'urgent'"),
        ({"categories": {"x": {"keywords": []}}}, "'x' has no keywords or patterns"),
        ({"categories": {"x": {"patterns": ["(unclosed"]}}}, "not a valid regular"),
    ],
    ids=["empty", "bad-type", "no-rule", "bad-regex"],
)
def test_invalid_taxonomies_are_explained(data, message):
    with pytest.raises(RequirementError, match=message):
        Taxonomy.from_dict(data)


def test_missing_text_column_names_the_column():
    with pytest.raises(RequirementError, match="no column 'description'"):
        classify(pd.DataFrame({"text": ["a"]}))


# --------------------------------------------------------------------------------------
# Tokenisation
# --------------------------------------------------------------------------------------


def test_chinese_segmentation_of_known_sentences():
    assert tokenize("希望系统支持移动端审批") == ["移动端", "审批"]
    tokens = tokenize("需要数据库和培训服务")
    assert "数据库" in tokens and "培训" in tokens
    # a domain word stays whole even where the dictionary prefers another split
    assert tokenize("希望支持移动端的审批功能") == ["移动端", "审批"]
    assert tokenize("需要等保三级认证") == ["等保", "三级", "认证"]


def test_english_tokens_are_lower_case_stemmed_and_stop_words_go():
    assert tokenize("The Reports and Dashboards for mobile approvals") == [
        "report",
        "dashboard",
        "mobile",
        "approval",
    ]
    assert tokenize("Policies", stem=True) == ["policy"]
    assert tokenize("access status", stem=True) == ["access", "status"]
    assert tokenize("The Reports", stem=False) == ["reports"]


def test_mixed_text_and_stop_words():
    assert tokenize("报表导出到Excel") == ["报表", "导出", "excel"]
    # no stop word list: function words stay, one-character terms still go
    assert tokenize("the report", stop_words=()) == ["the", "report"]
    assert tokenize("希望系统", stop_words=()) == ["希望", "系统"]
    assert tokenize("") == [] and tokenize(None) == []


def test_jieba_loads_quietly_in_a_fresh_process():
    code = "from workbench.requirements import tokenize; print(tokenize('移动端审批'))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "['移动端', '审批']"
    assert done.stderr == ""


def test_top_terms_per_category_and_period():
    reqs = pd.DataFrame(
        {
            "category": ["mobile", "mobile", "mobile", "reporting"],
            "date": pd.to_datetime(["2025-01-03", "2025-01-20", "2025-02-01", "2025-02-11"]),
            "description": ["手机审批", "移动端审批流程", "移动端 审批 审批", "monthly report"],
        }
    )
    by_cat = top_terms(reqs, n=2)
    assert by_cat.to_numpy().tolist() == [
        ["mobile", "审批", 3, 1],  # once per need, not 4 times
        ["mobile", "移动端", 2, 2],
        ["reporting", "monthly", 1, 1],
        ["reporting", "report", 1, 2],
    ]
    by_month = top_terms(reqs, by="period", n=1)
    assert by_month["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02"]
    assert by_month["term"].tolist() == ["审批", "monthly"]
    overall = top_terms(reqs, by=None, n=1)
    assert overall.to_numpy().tolist() == [["审批", 3, 1]]


# --------------------------------------------------------------------------------------
# Near-duplicates
# --------------------------------------------------------------------------------------


@pytest.fixture
def needs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "requirement_id": [f"R{i}" for i in range(1, 9)],
            "customer_id": ["C1", "C2", "C3", "C1", "C4", "C2", "C5", "C3"],
            "date": pd.to_datetime(
                [
                    "2024-02-10",
                    "2024-08-01",
                    "2025-01-15",
                    "2025-03-01",
                    "2025-04-01",
                    "2025-05-20",
                    "2025-06-01",
                    "2025-06-10",
                ]
            ),
            "description": [
                "希望系统支持移动端审批",
                "希望支持移动端的审批功能",
                "Mobile approval of purchase orders",
                "报表导出到Excel",
                "需要等保三级认证",
                "移动端查看报表",
                "送货时顺便带点茶叶",
                "mobile approvals for purchase orders",
            ],
        }
    )


def test_two_phrasings_of_one_need_share_a_group(needs):
    out = near_duplicates(needs, 0.7)
    g = dict(zip(out["requirement_id"], out["need_group"], strict=True))
    assert g["R1"] == g["R2"]  # Chinese rewording, two customers
    assert g["R3"] == g["R8"]  # English inflection, same customer
    assert g["R6"] != g["R1"]  # shares 移动端 but asks for reports, not approvals
    assert len({g["R1"], g["R3"], g["R4"], g["R5"], g["R6"], g["R7"]}) == 6
    assert out["need_group"].tolist() == [1, 1, 2, 3, 4, 5, 6, 2]
    assert out.loc[0, "need_group_size"] == 2 and out.loc[0, "need_group_customers"] == 2
    assert out.loc[2, "need_group_size"] == 2 and out.loc[2, "need_group_customers"] == 1
    assert out.loc[4, "need_group_size"] == 1


def test_groups_do_not_chain_and_blank_needs_stay_apart():
    # A~B (0.64) and B~C (0.56) but A and C share little (0.27): no chain A-B-C
    reqs = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "description": [
                "apple banana cherry",
                "banana cherry durian",
                "cherry durian elderberry",
                "",
                "的 了",
                "",
            ],
        }
    )
    out = near_duplicates(reqs, 0.5)
    assert out["need_group"].tolist() == [1, 1, 2, 3, 4, 5]


def test_blocks_give_the_same_groups(needs):
    assert near_duplicates(needs, 0.7, block=3)["need_group"].tolist() == (
        near_duplicates(needs, 0.7)["need_group"].tolist()
    )


def test_threshold_is_checked(needs):
    with pytest.raises(RequirementError, match=r"threshold must be in \(0, 1\]"):
        near_duplicates(needs, 0)


def test_deduplicate_keeps_one_row_per_customer_and_need(needs):
    lib = deduplicate(near_duplicates(needs, 0.7))
    # R8 repeats C3's R3: merged; R1/R2 are two customers: both kept
    assert lib["requirement_id"].tolist() == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    row = lib.set_index("requirement_id").loc["R3"]
    assert row["duplicates"] == 2 and row["duplicate_ids"] == "R3;R8"
    assert row["need_group_size"] == 1


# --------------------------------------------------------------------------------------
# Roll-ups on a hand-computed library
# --------------------------------------------------------------------------------------


@pytest.fixture
def library() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "requirement_id": ["R1", "R2", "R3", "R4", "R5", "R6"],
            "customer_id": ["C1", "C2", "C3", "C1", "C4", "C4"],
            "date": pd.to_datetime(
                ["2025-01-10", "2025-01-20", "2025-02-05", "2025-02-15", "2025-03-01", "2025-03-03"]
            ),
            "description": ["a", "b", "c", "d", "e", "f"],
            "category": ["mobile", "mobile", "pricing", "special", "mobile", "pricing"],
            "classified_by": ["user", "rules", "user", "rules", "user", "rules"],
            "status": ["delivered", "accepted", "rejected", "new", "planned", "new"],
            "decided_date": pd.to_datetime(
                ["2025-01-20", "2025-02-19", "2025-02-10", None, "2025-03-31", None]
            ),
            "collected_by": ["Li", "Li", "Wang", "Wang", "Zhao", "Zhao"],
            "branch": ["North", "North", "North", "South", "South", "South"],
        }
    )


@pytest.fixture
def orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4", "O5"],
            "customer_id": ["C1", "C1", "C2", "C3", "C4"],
            "amount": [100.0, 50.0, 30.0, 200.0, 10.0],
        }
    )


def test_operations_rollup(library):
    out = operations_rollup(library)
    assert out.columns.tolist() == [
        "collected_by",
        "collected",
        "customers",
        "classified",
        "unclassified",
        "special",
        "open",
    ]
    assert out.to_numpy().tolist() == [
        ["Li", 2, 2, 1, 1, 0, 1],
        ["Wang", 2, 2, 1, 1, 1, 1],
        ["Zhao", 2, 1, 1, 1, 0, 2],
    ]


def test_branch_rollup_and_top_categories(library):
    out = rq.branch_rollup(library)
    assert out.to_numpy().tolist() == [
        ["North", 3, 3, 1, 1, 1, 0, "mobile", 2],
        ["South", 3, 2, 3, 0, 0, 1, "mobile", 1],  # mobile/pricing tie: alphabetical
    ]
    top = top_categories(library, n=5)
    # special needs are not ranked while a branch has real categories
    assert top[top["branch"] == "South"]["category"].tolist() == ["mobile", "pricing"]
    with_special = top_categories(library, n=5, include_special=True)
    assert len(with_special[with_special["branch"] == "South"]) == 3


def test_roll_up_counts_add_up_across_levels(library, orders):
    ops = operations_rollup(library)
    branches = rq.branch_rollup(library)
    company = decision_rollup(library, orders)
    assert ops["collected"].sum() == branches["needs"].sum() == company["needs"].sum() == 6
    assert ops["open"].sum() == branches["open"].sum() == 4
    assert ops["special"].sum() == branches["special"].sum() == 1


def test_trend_by_branch(library):
    out = trend(library, by="branch")
    assert out.assign(period=out["period"].dt.strftime("%Y-%m")).to_numpy().tolist() == [
        ["North", "2025-01", 2, 2],
        ["North", "2025-02", 1, 1],
        ["South", "2025-02", 1, 1],
        ["South", "2025-03", 2, 1],
    ]


def test_decision_rollup_ranks_by_customers_with_value_and_growth(library, orders):
    out = decision_rollup(library, orders, as_of="2025-03-31", months=2)
    # recent window (2025-01-31, 2025-03-31], previous (2024-11-30, 2025-01-31]
    assert out["category"].tolist() == ["mobile", "pricing", "special"]
    assert out["customers"].tolist() == [3, 2, 1]
    assert out["customer_value"].tolist() == [190.0, 210.0, 150.0]
    assert out["recent_customers"].tolist() == [1, 2, 1]
    assert out["previous_customers"].tolist() == [2, 0, 0]
    assert out.loc[0, "growth"] == pytest.approx(-0.5)
    assert math.isnan(out.loc[1, "growth"])
    # the library: 3 customers recently ({C1, C3, C4}) against 2 before: +50 %
    assert out.loc[0, "relative_growth"] == pytest.approx(0.5 / 1.5 - 1)
    assert out["rank"].tolist() == [1, 2, 3]
    no_value = decision_rollup(library, as_of="2025-03-31")
    assert no_value["customer_value"].isna().all()


def test_customer_values_from_frames_and_series(orders):
    assert rq.customer_values(orders).to_dict() == {
        "C1": 150.0,
        "C2": 30.0,
        "C3": 200.0,
        "C4": 10.0,
    }
    per_customer = pd.DataFrame({"customer_id": ["C1"], "revenue": [7.0], "amount": [1.0]})
    assert rq.customer_values(per_customer).to_dict() == {"C1": 7.0}
    assert rq.customer_values(pd.Series({"C9": 3})).to_dict() == {"C9": 3.0}
    with pytest.raises(RequirementError, match="pass value_col="):
        rq.customer_values(pd.DataFrame({"customer_id": ["C1"], "x": [1]}))


def test_niche_candidates_shared_or_growing(library, orders):
    out = niche_candidates(
        library, orders, as_of="2025-03-31", months=2, min_customers=3, min_recent=2
    )
    assert out["category"].tolist() == ["mobile", "pricing"]  # special is never a niche
    assert out["reason"].tolist() == ["shared", "growing"]
    assert out.loc[0, "customer_ids"] == ["C1", "C2", "C4"]  # most valuable first
    assert out.loc[1, "customer_ids"] == ["C3", "C4"]
    assert out.loc[1, "customer_value"] == 210.0
    stricter = niche_candidates(
        library, orders, as_of="2025-03-31", months=2, min_customers=3, min_recent=3
    )
    assert stricter["category"].tolist() == ["mobile"]


def test_growing_means_faster_than_the_library():
    rows = [("X", "C1", "2024-03-01"), ("Y", "C2", "2024-03-01")]
    rows += [("X", c, "2025-03-01") for c in ("C3", "C4")]  # x2
    rows += [("Y", c, "2025-03-01") for c in ("C5", "C6", "C7", "C8")]  # x4
    reqs = pd.DataFrame(rows, columns=["category", "customer_id", "date"])
    reqs["date"] = pd.to_datetime(reqs["date"])
    # the library grows from 2 to 6 customers (x3): X lags it, Y outgrows it
    ranked = decision_rollup(reqs, as_of="2025-06-30").set_index("category")
    assert ranked.loc["X", "growth"] == 1.0 and ranked.loc["Y", "growth"] == 3.0
    assert ranked.loc["X", "relative_growth"] == pytest.approx(2 / 3 - 1)
    assert ranked.loc["Y", "relative_growth"] == pytest.approx(4 / 3 - 1)
    out = niche_candidates(reqs, as_of="2025-06-30", min_customers=10, min_growth=0.3, min_recent=2)
    assert out["category"].tolist() == ["Y"] and out["reason"].tolist() == ["growing"]


def test_niche_ranking_on_need_groups():
    # need A: 4 customers, need B: 2 customers new in the last year, need C: 1 customer
    rows = [("A", f"C{i}", "2025-05-01", "希望系统支持移动端审批") for i in range(1, 5)]
    rows += [("B", "C5", "2026-01-10", "Need SSO login"), ("B", "C6", "2026-02-10", "SSO login")]
    rows += [("C", "C7", "2026-03-01", "送货时顺便带点茶叶")]
    reqs = pd.DataFrame(rows, columns=["want", "customer_id", "date", "description"])
    reqs["date"] = pd.to_datetime(reqs["date"])
    value = pd.Series({"C1": 1.0, "C2": 2.0, "C3": 3.0, "C4": 4.0, "C5": 50.0, "C6": 60.0})
    out = niche_candidates(
        reqs, value, by="need_group", min_customers=3, min_recent=2, as_of="2026-06-30"
    )
    assert out["need"].tolist() == ["希望系统支持移动端审批", "Need SSO login"]
    assert out["customers"].tolist() == [4, 2]
    assert out["reason"].tolist() == ["shared", "growing"]
    assert out.loc[0, "customer_ids"] == ["C4", "C3", "C2", "C1"]
    assert out["rank"].tolist() == [1, 2]


# --------------------------------------------------------------------------------------
# Status flow
# --------------------------------------------------------------------------------------


def test_status_flow(library):
    out = status_flow(library)
    assert out["status"].tolist() == ["new", "accepted", "planned", "delivered", "rejected"]
    assert out["needs"].tolist() == [2, 1, 1, 1, 1]
    assert out["share"].tolist() == pytest.approx([2 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6])
    per_branch = status_flow(library, by="branch")
    north = per_branch[per_branch["branch"] == "North"]
    assert north["needs"].tolist() == [0, 1, 0, 1, 1]
    with pytest.raises(RequirementError, match="unknown status done"):
        status_flow(library.assign(status="done"))


def test_time_to_decision(library):
    out = time_to_decision(library).set_index("category")
    assert out.loc["mobile", "decided"] == 3
    assert out.loc["mobile", "median_days"] == 30.0  # 10, 30, 30 days
    assert out.loc["mobile", "mean_days"] == pytest.approx(70 / 3)
    assert out.loc["pricing", "needs"] == 2 and out.loc["pricing", "median_days"] == 5.0
    assert np.isnan(out.loc["special", "median_days"])
    overall = time_to_decision(library, by=None)
    assert overall.loc[0, "decided"] == 4 and overall.loc[0, "median_days"] == 20.0


def test_decided_before_collected_is_an_error(library):
    bad = library.assign(decided_date=pd.to_datetime("2024-01-01"))
    with pytest.raises(RequirementError, match="R1, R2, R3, R4, R5, R6 were decided before"):
        time_to_decision(bad)


def test_rollups_need_the_classified_library(needs):
    with pytest.raises(RequirementError, match=r"no column 'category'.*run classify\(\) first"):
        rq.branch_rollup(needs.assign(branch="N"))


# --------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------


def _write_source(folder, needs: pd.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"customer_id": ["C1", "C2", "C3", "C4", "C5"], "name": ["A", "B", "C", "D", "E"]}
    ).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "customer_id": ["C1", "C2"],
            "order_date": ["2025-01-01", "2025-02-01"],
            "amount": [10.0, 20.0],
        }
    ).to_csv(folder / "orders.csv", index=False)
    needs.to_csv(folder / "requirements.csv", index=False)


def _cli_needs(needs: pd.DataFrame) -> pd.DataFrame:
    out = needs.copy()
    out.loc[3, "description"] = "=报表导出到Excel"  # a formula in a spreadsheet
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    return out


def test_cli_writes_the_classified_deduplicated_library(needs, tmp_path, capsys):
    from workbench.cli import main

    source = tmp_path / "needs.csv"
    _cli_needs(needs).to_csv(source, index=False)
    out = tmp_path / "out" / "library.csv"
    assert main(["requirements", str(source), "--out", str(out), "--threshold", "0.7"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    lib = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    # R8 repeats C3's R3 and is merged; everything else stays
    assert lib["requirement_id"].tolist() == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    row = lib.set_index("requirement_id")
    assert row.loc["R4", "description"] == "'=报表导出到Excel"
    assert row.loc["R4", "category"] == "reporting"
    assert row.loc["R3", "duplicate_ids"] == "R3;R8"
    assert row.loc["R7", "category"] == "special"
    assert row.loc["R1", "need_group"] == row.loc["R2", "need_group"]
    assert row.loc["R1", "date"] == "2024-02-10"
    for col in ("type", "rule", "classified_by", "need_group_customers", "duplicates"):
        assert col in lib.columns
    said = capsys.readouterr().out
    assert "7 needs (1 repeated needs merged)" in said and "1 special" in said


def test_cli_from_a_dataset_folder_to_parquet_keeping_duplicates(needs, tmp_path):
    from workbench.cli import main

    folder = tmp_path / "data"
    _write_source(folder, _cli_needs(needs))
    out = tmp_path / "library.parquet"
    code = main(
        ["requirements", str(folder), "--out", str(out), "--keep-duplicates", "--threshold", "0.7"]
    )
    assert code == 0
    lib = pd.read_parquet(out)
    assert len(lib) == 8  # nothing merged
    assert lib.set_index("requirement_id").loc["R5", "category"] == "qualification"
    # Parquet keeps the text as written (no spreadsheet escaping)
    assert lib.set_index("requirement_id").loc["R4", "description"] == "=报表导出到Excel"


def test_cli_custom_taxonomy_and_usage_errors(needs, tmp_path, capsys):
    from workbench.cli import main

    source = tmp_path / "needs.csv"
    _cli_needs(needs).to_csv(source, index=False)
    tax = tmp_path / "tax.toml"
    tax.write_text('[categories.tea]\nkeywords = ["茶叶"]\n', encoding="utf-8")
    out = tmp_path / "lib.csv"
    assert main(["requirements", str(source), "--out", str(out), "--taxonomy", str(tax)]) == 0
    lib = pd.read_csv(out, encoding="utf-8-sig", dtype=str).set_index("requirement_id")
    assert lib.loc["R7", "category"] == "tea" and lib.loc["R1", "category"] == "special"
    assert main(["requirements", str(source), "--out", str(tmp_path / "lib.xlsx")]) == 2
    assert main(["requirements", str(source)]) == 2
    assert "must end in .csv or .parquet" in capsys.readouterr().err


def test_cli_prints_the_default_taxonomy(capsys):
    from workbench.cli import main

    assert main(["requirements", "--print-taxonomy"]) == 0
    printed = capsys.readouterr().out
    assert Taxonomy.from_dict(tomllib.loads(printed)) == DEFAULT_TAXONOMY


# --------------------------------------------------------------------------------------
# The committed sample
# --------------------------------------------------------------------------------------

# Urgency and repetition endings the sample adds to a need (its near-duplicates).
_VARIANT = (
    r"(。|（客户多次提到）|，最好下个版本实现|，越快越好| \(raised again\)| ASAP"
    r"|, if possible in the next release|\.)$"
)


def test_rules_agree_with_the_users_categories_in_the_sample(sample):
    reqs = sample.requirements
    filed = reqs[reqs["category"].notna()]
    assert len(filed) > 1000 and reqs["category"].isna().mean() > 0.1
    again = classify(filed, keep_user=False)
    assert (again["category"] == filed["category"]).mean() >= 0.99
    assert (again["type"] == filed["type"]).mean() >= 0.99
    # the unfiled needs get a class, each explained
    out = classify(reqs)
    assert out["category"].notna().all() and out["rule"].str.startswith("category ").all()
    assert (out["classified_by"] == "user").sum() == len(filed)


def test_sample_variants_of_a_need_share_one_group(sample):
    reqs = sample.requirements
    out = near_duplicates(reqs)
    base = reqs["description"].str.replace(_VARIANT, "", regex=True)
    groups_per_need = pd.Series(out["need_group"].to_numpy()).groupby(base.to_numpy()).nunique()
    assert (groups_per_need == 1).all(), groups_per_need[groups_per_need > 1]
    by_text = dict(zip(reqs["description"], out["need_group"], strict=False))
    assert (
        by_text["The project is supervised by an external supervisor"]
        != by_text["Weekly reports to the project supervisor required"]
    )
    assert out["need_group"].nunique() < base.nunique()  # rewordings merge too


def test_sample_rollups_add_up(sample):
    lib = classify(sample.requirements)
    n = len(lib)
    assert operations_rollup(lib)["collected"].sum() == n
    assert rq.branch_rollup(lib)["needs"].sum() == n
    company = decision_rollup(lib, sample.orders)
    assert company["needs"].sum() == n
    assert status_flow(lib)["needs"].sum() == n
    niches = niche_candidates(lib, sample.orders)
    assert not niches.empty and (niches["customers"] >= 5).any()
    assert (niches["customer_value"] > 0).all()


def test_cli_on_the_sample(sample_dir, tmp_path):
    from workbench.cli import main

    out = tmp_path / "library.csv"
    assert main(["requirements", str(sample_dir), "--out", str(out)]) == 0
    lib = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    reqs = pd.read_csv(sample_dir / "requirements.csv", dtype=str)
    assert len(lib) < len(reqs)  # repeated needs merged
    merged = lib["duplicates"].astype(int).sum()
    assert merged == len(reqs)
    assert lib["category"].notna().all()
