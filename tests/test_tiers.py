"""Tests of workbench.tiers: hand-computed cases, the seeds' numbers, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import tiers as T
from workbench.tiers import (
    LifecycleRules,
    SegmentRule,
    TierInputError,
    abc_classes,
    lifecycle_tiers,
    man_actions,
    man_class,
    opportunities_past_deadline,
    opportunity_pipeline,
    pareto_summary,
    rfm_scores,
    rfm_segments,
    rfm_table,
    tier_actions,
    tier_migration,
    value_pyramid,
)


def summary(r, f, m, ids=None, **extra) -> pd.DataFrame:
    n = len(r)
    ids = ids if ids is not None else [f"c{i:02d}" for i in range(n)]
    return pd.DataFrame(
        {"customer_id": ids, "rfm_recency": r, "rfm_frequency": f, "rfm_monetary": m, **extra}
    )


# --- RFM scores -----------------------------------------------------------------------------


def test_scores_distinct_values_equal_bins():
    s = summary(list(range(10)), list(range(1, 11)), [10.0 * i for i in range(10)])
    out = rfm_scores(s)
    # recency 0,1 are the most recent two of ten: score 5; 8,9 score 1
    assert out["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert out["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["m_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["rfm_cell"].astype(str).tolist()[0] == "511"
    assert out["rfm_cell"].astype(str).tolist()[-1] == "155"


def test_scores_ties_by_value_keep_one_time_buyers_together():
    # six one-time buyers of ten: all F=1; F=2 is better than 6 of 10 -> 1 + floor(5*0.6) = 4
    s = summary([5] * 10, [1, 1, 1, 1, 1, 1, 2, 2, 3, 9], list(range(10)))
    out = rfm_scores(s)
    assert out["f_score"].tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    # everyone bought on the same day: no information, the lowest score for all
    assert out["r_score"].tolist() == [1] * 10


def test_scores_ties_first_split_by_customer_id_like_ntile():
    ids = ["c9", "c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1", "c0"]
    s = summary([5] * 10, [1, 1, 1, 1, 1, 1, 2, 2, 3, 9], list(range(10)), ids=ids)
    out = rfm_scores(s, ties="first")
    # F=1 customers ranked by id c4 < c5 < ... < c9: ranks 0..5 -> 1,1,2,2,3,3
    expected = {"c4": 1, "c5": 1, "c6": 2, "c7": 2, "c8": 3, "c9": 3}
    assert dict(zip(out["customer_id"][:6], out["f_score"][:6], strict=True)) == expected
    assert out["f_score"].tolist()[6:] == [4, 4, 5, 5]


def test_recency_small_is_recent_and_scores_high():
    s = summary([0, 30, 30, 400], [1, 1, 1, 1], [1, 1, 1, 1])
    # n=4: thresholds need 1,2,3,4 customers worse; 0 days beats 3 -> 4; 30 beats 1 -> 2
    assert rfm_scores(s)["r_score"].tolist() == [4, 2, 2, 1]


def test_scores_other_bin_counts_and_cell_format():
    s = summary(list(range(12)), list(range(12)), list(range(12)))
    out3 = rfm_scores(s, bins=3)
    assert set(out3["r_score"]) == {1, 2, 3}
    assert out3["rfm_cell"].astype(str).iloc[0] == "311"
    out10 = rfm_scores(s, bins=10)
    assert out10["rfm_cell"].astype(str).iloc[-1] == "1-10-10"


def test_scores_do_not_modify_input_and_keep_index():
    s = summary([1, 2, 3], [1, 2, 3], [1, 2, 3]).set_index(pd.Index([10, 20, 30]))
    before = s.copy()
    out = rfm_scores(s)
    pd.testing.assert_frame_equal(s, before)
    assert list(out.index) == [10, 20, 30]


def test_scores_errors_name_the_column():
    s = summary([1, 2], [1, 2], [1, 2]).drop(columns="rfm_monetary")
    with pytest.raises(TierInputError, match="no column 'rfm_monetary'"):
        rfm_scores(s)
    s = summary([1, np.nan], [1, 2], [1, 2])
    with pytest.raises(TierInputError, match="'rfm_recency' has 1 missing"):
        rfm_scores(s)
    with pytest.raises(ValueError, match="bins must be an integer of at least 2"):
        rfm_scores(summary([1], [1], [1]), bins=1)


def test_125_distinct_cells_on_rich_data():
    rng = np.random.default_rng(42)
    n = 5000
    s = summary(
        rng.integers(0, 730, n).astype(float), rng.gamma(2.0, 3.0, n), rng.lognormal(6, 1, n)
    )
    out = rfm_scores(s)
    assert out["rfm_cell"].nunique() == 125
    # equal-count bins: each score holds a fifth of the customers
    assert set(out["m_score"].value_counts()) == {1000}


scores_data = st.lists(
    st.tuples(
        st.integers(0, 50),
        st.integers(1, 6),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(rows=scores_data, bins=st.integers(2, 9), seed=st.integers(0, 1000))
def test_scores_in_range_and_independent_of_row_order(rows, bins, seed):
    r, f, m = (list(x) for x in zip(*rows, strict=True))
    s = summary(r, f, m)
    for ties in ("value", "first"):
        out = rfm_scores(s, bins=bins, ties=ties)
        for c in ("r_score", "f_score", "m_score"):
            assert out[c].between(1, bins).all()
        shuffled = rfm_scores(s.sample(frac=1, random_state=seed), bins=bins, ties=ties)
        pd.testing.assert_frame_equal(shuffled.sort_index(), out)
    out = rfm_scores(s, bins=bins)
    # monotone: more purchases never score lower, more recent never scores lower
    o = out.sort_values("rfm_frequency")
    assert o.groupby("rfm_frequency")["f_score"].nunique().max() == 1
    assert o["f_score"].is_monotonic_increasing
    assert out.sort_values("rfm_recency")["r_score"].is_monotonic_decreasing


# --- segments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rfm", "segment"),
    [
        ((5, 5, 5), "champions"),  # also matches potential_loyalist: first wins
        ((3, 3, 3), "potential_loyalist"),  # also loyal_customers
        ((2, 3, 4), "loyal_customers"),  # also need_attention
        ((2, 2, 2), "loyal_customers"),
        ((3, 1, 3), "promising"),
        ((4, 1, 1), "new_customers"),
        ((1, 3, 4), "cant_lose_them"),  # also at_risk
        ((1, 5, 5), "at_risk"),
        ((1, 5, 3), "need_attention"),
        ((2, 1, 2), "about_to_sleep"),
        ((1, 1, 5), "lost"),
        ((2, 5, 1), "others"),
        ((3, 5, 1), "others"),
    ],
    ids=lambda x: str(x),
)
def test_segment_en_table(rfm, segment):
    s = summary([1], [1], [1], r_score=[rfm[0]], f_score=[rfm[1]], m_score=[rfm[2]])
    assert rfm_segments(s)["segment_en"].iloc[0] == segment


def test_segment_en_first_match_wins_and_rules_are_replaceable():
    s = summary([1], [1], [1], r_score=[5], f_score=[5], m_score=[5])
    rules = (
        SegmentRule("wide", (1, 5), (1, 5), (1, 5)),
        SegmentRule("top", (5, 5), (5, 5), (5, 5)),
    )
    assert rfm_segments(s, scheme_en=rules)["segment_en"].iloc[0] == "wide"
    assert rfm_segments(s, scheme_en=rules[::-1])["segment_en"].iloc[0] == "top"
    assert rfm_segments(s, scheme_en=rules[1:], lang="en")["segment_en"].iloc[0] == "top"


def test_segment_labels():
    s = summary([1, 1], [1, 1], [1, 1], r_score=[5, 1], f_score=[5, 1], m_score=[5, 1])
    zh = rfm_segments(s, lang="zh")
    assert zh["segment_en"].tolist() == ["冠军客户", "已流失客户"]
    en = rfm_segments(s, lang="en")
    assert en["segment_en"].tolist() == ["Champions", "Lost"]


def test_segment_zh_mean_raw_recency_below_mean_is_recent():
    # recency mean 132.5: the first two are recent; F mean 5.5; M mean 752.5
    s = summary(
        [10, 20, 200, 300],
        [10, 1, 10, 1],
        [1000, 1000, 1000, 10],
        r_score=[5, 4, 2, 1],
        f_score=[5, 1, 5, 1],
        m_score=[5, 5, 5, 1],
    )
    out = rfm_segments(s)
    assert out["segment_zh"].tolist() == [
        "important_value",  # recent, frequent, high
        "important_development",  # recent, infrequent, high: 重要发展, not 挽留
        "important_retention",  # far, frequent, high
        "general_winback",  # far, infrequent, low
    ]
    assert rfm_segments(s, lang="zh")["segment_zh"].tolist()[1] == "重要发展客户"


def test_segment_zh_cutoffs_are_inclusive_on_the_good_side_and_cover_8_classes():
    combos = [(a, b, c) for a in (True, False) for b in (True, False) for c in (True, False)]
    r = [30 if a else 31 for a, _, _ in combos]  # recency <= 30 is recent
    f = [3 if b else 2 for _, b, _ in combos]  # 3+ purchases is frequent
    m = [100 if c else 99 for _, _, c in combos]  # 100+ is high
    s = summary(r, f, m, r_score=[1] * 8, f_score=[1] * 8, m_score=[1] * 8)
    out = rfm_segments(s, split={"recency": 30, "frequency": 3, "monetary": 100}, lang="zh")
    assert out["segment_zh"].tolist() == [
        "重要价值客户",
        "一般价值客户",
        "重要发展客户",
        "一般发展客户",
        "重要保持客户",
        "一般保持客户",
        "重要挽留客户",
        "一般挽留客户",
    ]


def test_segment_zh_mean_score_split():
    # score means: R 3, F 2, M 3; high means strictly above the mean
    s = summary(
        [0, 0, 0], [0, 0, 0], [0, 0, 0], r_score=[5, 3, 1], f_score=[3, 2, 1], m_score=[4, 3, 2]
    )
    out = rfm_segments(s, split="mean_score")
    assert out["segment_zh"].tolist() == ["important_value", "general_winback", "general_winback"]


def test_segment_errors():
    s = summary([1], [1], [1], r_score=[5], f_score=[5], m_score=[5])
    with pytest.raises(ValueError, match="unknown split 'median'"):
        rfm_segments(s, split="median")
    with pytest.raises(ValueError, match="lack monetary"):
        rfm_segments(s, split={"recency": 1, "frequency": 1})
    with pytest.raises(TierInputError, match="run rfm_scores"):
        rfm_segments(summary([1], [1], [1]))


# --- ABC, pyramid, Pareto ---------------------------------------------------------------------


def abc_dataset(seed: int = 0) -> pd.DataFrame:
    """100 customers built to the seeds' shape: 5 % hold 50 %, 15 % hold 30 %, 80 % hold 20 %."""
    profit = [100.0] * 5 + [20.0] * 15 + [2.5] * 80  # 500 + 300 + 200 = 1000
    expected = ["A"] * 5 + ["B"] * 15 + ["C"] * 80
    df = pd.DataFrame(
        {"customer_id": [f"k{i:03d}" for i in range(100)], "profit": profit, "expected": expected}
    )
    return df.sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("method", ["cumulative", "count"])
def test_abc_seed_shape_5_15_80_holds_50_30_20(method):
    df = abc_dataset()
    out = abc_classes(df, method=method)
    assert (out["abc_class"].astype(str) == out["expected"]).all()
    counts = out["abc_class"].value_counts()
    assert (counts["A"], counts["B"], counts["C"]) == (5, 15, 80)
    share = out.groupby("abc_class", observed=True)["profit"].sum() / out["profit"].sum()
    assert share.round(12).to_dict() == {"A": 0.5, "B": 0.3, "C": 0.2}


def test_abc_crossing_customer_belongs_to_a():
    df = pd.DataFrame({"customer_id": ["x", "y", "z"], "profit": [40.0, 40.0, 20.0]})
    # x: 0 % before -> A; y: 40 % before, crosses 50 % -> A; z: 80 % before -> C
    assert abc_classes(df)["abc_class"].tolist() == ["A", "A", "C"]


def test_abc_ties_broken_by_id_and_nonpositive_values_are_c():
    df = pd.DataFrame({"customer_id": ["b", "a"], "revenue": [50.0, 50.0]})
    out = abc_classes(df, value_col="revenue", method="count")
    assert out["abc_class"].tolist() == ["C", "A"]
    df = pd.DataFrame({"customer_id": list("abc"), "profit": [10.0, 0.0, -5.0]})
    assert abc_classes(df)["abc_class"].tolist() == ["A", "C", "C"]


def test_abc_custom_cutoffs_and_errors():
    df = pd.DataFrame({"customer_id": list("abcd"), "profit": [40.0, 30.0, 20.0, 10.0]})
    assert abc_classes(df, cutoffs=(0.3, 0.6))["abc_class"].tolist() == ["A", "B", "C", "C"]
    with pytest.raises(ValueError, match="cutoffs must increase"):
        abc_classes(df, cutoffs=(0.8, 0.5))
    with pytest.raises(ValueError, match="method must be"):
        abc_classes(df, method="pareto")
    with pytest.raises(TierInputError, match="no column 'margin'"):
        abc_classes(df, value_col="margin")


abc_values = st.lists(st.integers(-20, 200), min_size=1, max_size=80)


@settings(max_examples=60, deadline=None)
@given(
    values=abc_values, seed=st.integers(0, 1000), method=st.sampled_from(["cumulative", "count"])
)
def test_abc_monotone_and_row_order_free(values, seed, method):
    df = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(len(values))], "profit": np.array(values, float)}
    )
    out = abc_classes(df, method=method)
    means = out.groupby("abc_class", observed=True)["profit"].agg(["mean", "min", "max"])
    classes = list(means.index)
    for hi, lo in zip(classes, classes[1:], strict=False):
        assert means.loc[hi, "mean"] >= means.loc[lo, "mean"]
        assert means.loc[hi, "min"] >= means.loc[lo, "max"]
    shuffled = abc_classes(df.sample(frac=1, random_state=seed), method=method).sort_index()
    pd.testing.assert_frame_equal(shuffled, out)
    pyr = value_pyramid(df, method=method)
    assert pyr["pyramid"].notna().all()
    assert ((pyr["pyramid"] == "invalid") == (df["profit"] <= 0)).all()


def test_pyramid_hand_case_and_count_method():
    df = pd.DataFrame({"customer_id": list("abcdef"), "profit": [50.0, 30.0, 10.0, 5.0, 5.0, 0.0]})
    # cumulative over 100: a 0 % -> key, b 50 % -> major, c 80 % -> general, d 90 % -> general,
    # e 95 % -> maintained, f zero profit -> invalid
    out = value_pyramid(df)
    assert out["pyramid"].tolist() == [
        "key",
        "major",
        "general",
        "general",
        "maintained",
        "invalid",
    ]
    # count (0.05, 0.2, 0.5) of 6: a (0/6 < .05) key; b (1/6 < .2) major; c (2/6 < .5) general
    out = value_pyramid(df, method="count")
    assert out["pyramid"].tolist() == [
        "key",
        "major",
        "general",
        "maintained",
        "maintained",
        "invalid",
    ]


def test_pareto_summary_hand_cases():
    p = pareto_summary(pd.DataFrame({"profit": [0.0, 0.0, 0.0, 1.0]}), top=0.25)
    assert (p.top_customers, p.top_share, p.gini) == (1, 1.0, 0.75)
    p = pareto_summary(pd.DataFrame({"profit": [2.0, 2.0, 2.0, 2.0]}))
    assert p.gini == 0.0
    assert p.top_customers == 1  # ceil(0.2 * 4)
    assert p.top_share == 0.25
    assert p.lorenz["value_share"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_pareto_seed_shape_and_gini_against_mean_difference():
    df = abc_dataset()
    p = pareto_summary(df, "profit")
    assert p.top_customers == 20 and p.top_share == pytest.approx(0.8)
    x = df["profit"].to_numpy()
    gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert p.gini == pytest.approx(gini)
    lz = p.lorenz
    assert lz.iloc[0].tolist() == [0.0, 0.0] and lz.iloc[-1].tolist() == [1.0, 1.0]
    assert lz["value_share"].is_monotonic_increasing and len(lz) == 101
    # the poorest 80 % hold 20 %
    assert lz.loc[lz["customer_share"] == 0.8, "value_share"].item() == pytest.approx(0.2)
    with pytest.raises(TierInputError, match="needs a positive total"):
        pareto_summary(pd.DataFrame({"profit": [0.0, -1.0]}))


# --- lifecycle --------------------------------------------------------------------------------


def lifecycle_frame():
    rows = [
        # id, purchases, days since last, active quarters, expected tier, permanent
        ("p0", 0, np.nan, 0, "potential", False),
        ("n1", 1, 10, 1, "new", False),
        ("r2", 2, 10, 1, "repeat", False),
        ("r9", 9, 10, 4, "repeat", False),
        ("m10", 10, 10, 3, "mature", False),
        ("l10", 10, 10, 4, "loyal", False),
        ("a364", 3, 364, 1, "repeat", False),
        ("d365", 3, 365, 0, "dormant", False),
        ("d729", 12, 729, 0, "dormant", False),
        ("d730", 1, 730, 0, "dormant", True),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "rfm_frequency",
            "rfm_recency",
            "active_quarters_4",
            "tier",
            "permanent",
        ],
    )
    return df


def test_lifecycle_hand_cases_and_boundaries():
    df = lifecycle_frame()
    out = lifecycle_tiers(df)
    assert out["lifecycle_tier"].astype(str).tolist() == df["tier"].tolist()
    assert out["dormant_permanent"].tolist() == df["permanent"].tolist()
    assert list(out["lifecycle_tier"].cat.categories) == list(T.TIER_ORDER)


def test_lifecycle_prospects_from_customers_table():
    s = lifecycle_frame().iloc[1:3]
    customers = pd.DataFrame({"customer_id": ["n1", "r2", "x1", "x2", "x1"]})
    out = lifecycle_tiers(s, customers)
    assert out["customer_id"].tolist() == ["n1", "r2", "x1", "x2"]
    assert out["lifecycle_tier"].astype(str).tolist() == ["new", "repeat", "potential", "potential"]


def test_lifecycle_rules_are_data_and_weeks():
    df = lifecycle_frame()
    rules = LifecycleRules(dormant_days=180, permanent_days=365, mature_min=5, loyal_min=5)
    out = lifecycle_tiers(df, rules=rules)
    got = dict(zip(out["customer_id"], out["lifecycle_tier"].astype(str), strict=True))
    assert got["r9"] == "loyal" and got["a364"] == "dormant" and got["m10"] == "mature"
    permanent = out.set_index("customer_id")["dormant_permanent"]
    assert permanent["d365"] and not permanent["a364"]  # 365 >= permanent_days, 364 not
    weeks = df.assign(rfm_recency=[np.nan, 1, 1, 1, 1, 1, 52, 53, 1, 1])
    got = lifecycle_tiers(weeks, time_unit="W").set_index("customer_id")["lifecycle_tier"]
    assert got["a364"] == "repeat" and got["d365"] == "dormant"  # 52 w = 364 d; 53 w = 371 d
    with pytest.raises(ValueError, match="repeat_min <= mature_min"):
        LifecycleRules(repeat_min=12)
    with pytest.raises(TierInputError, match="active_quarters_4"):
        lifecycle_tiers(df.drop(columns="active_quarters_4"))


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 1000), st.integers(0, 4)),
        min_size=1,
        max_size=50,
    ),
    seed=st.integers(0, 1000),
)
def test_each_customer_in_exactly_one_tier(rows, seed):
    f, r, a = (list(x) for x in zip(*rows, strict=True))
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(f))],
            "rfm_frequency": f,
            "rfm_recency": r,
            "active_quarters_4": a,
        }
    )
    out = lifecycle_tiers(df, pd.DataFrame({"customer_id": ["prospect"]}))
    assert out["customer_id"].is_unique and len(out) == len(df) + 1
    assert out["lifecycle_tier"].notna().all()
    assert set(out["lifecycle_tier"].astype(str)) <= set(T.TIER_ORDER)
    shuffled = lifecycle_tiers(df.sample(frac=1, random_state=seed)).sort_index()
    pd.testing.assert_frame_equal(shuffled, lifecycle_tiers(df))


def test_tier_migration_long_and_wide():
    a = pd.DataFrame(
        {"customer_id": ["u", "v", "w", "x"], "lifecycle_tier": ["new", "new", "repeat", "mature"]}
    )
    b = pd.DataFrame(
        {
            "customer_id": ["u", "v", "w", "x", "y"],
            "lifecycle_tier": ["repeat", "dormant", "repeat", "loyal", "new"],
        }
    )
    long = tier_migration(a, b)
    assert long.astype({"from_tier": str, "to_tier": str}).values.tolist() == [
        ["potential", "new", 1],
        ["new", "repeat", 1],
        ["new", "dormant", 1],
        ["repeat", "repeat", 1],
        ["mature", "loyal", 1],
    ]
    wide = tier_migration(a, b, wide=True)
    assert wide.shape == (6, 6) and int(wide.to_numpy().sum()) == 5
    assert wide.loc["new", "dormant"] == 1 and wide.loc["loyal", "loyal"] == 0


def test_tier_actions_follow_seed_001():
    zh = tier_actions("zh", long=True)
    n = zh.groupby(["lifecycle_tier", "kind"]).size()
    # seed 001 enumerates: potential 3 problems / 3 actions, new 2/3, mature 1/2,
    # loyal 0/2, dormant 3/2; it does not describe the repeat tier
    assert (n["potential", "problems"], n["potential", "actions"]) == (3, 3)
    assert (n["new", "problems"], n["new", "actions"]) == (2, 3)
    assert (n["mature", "problems"], n["mature", "actions"]) == (1, 2)
    assert ("loyal", "problems") not in n.index and n["loyal", "actions"] == 2
    assert (n["dormant", "problems"], n["dormant", "actions"]) == (3, 2)
    wide = tier_actions("zh").set_index("lifecycle_tier")
    assert "鼓励其尽快地购买多笔" in wide.loc["new", "actions"]
    assert "以老带新" in wide.loc["dormant", "actions"]
    assert wide.loc["repeat", "actions"] == ""
    en = tier_actions("en").set_index("lifecycle_tier")
    assert en.loc["dormant", "tier_label"] == "Dormant"
    assert "referral" in en.loc["dormant", "actions"]
    assert list(en.index) == list(T.TIER_ORDER)


# --- MAN and the pipeline -----------------------------------------------------------------------

MAN_COMBOS = [(m, a, n) for m in (True, False) for a in (True, False) for n in (True, False)]


def test_man_class_all_eight_combinations_with_actions():
    c = pd.DataFrame(
        {
            "customer_id": [f"p{i}" for i in range(8)],
            "man_money": [x[0] for x in MAN_COMBOS],
            "man_authority": [x[1] for x in MAN_COMBOS],
            "man_need": [x[2] for x in MAN_COMBOS],
        }
    )
    out = man_class(c)
    assert out["man_class"].astype(str).tolist() == [
        "M+A+N", "M+A+n", "M+a+N", "M+a+n", "m+A+N", "m+A+n", "m+a+N", "m+a+n",
    ]  # fmt: skip
    acts = out.merge(man_actions("000", "zh"), on="man_class").set_index("man_class")["action"]
    assert acts["M+A+N"] == "是有望客户,理想的销售对象"
    assert "找到具有A之人" in acts["M+a+N"]
    assert "融资" in acts["m+A+N"]
    assert acts["m+a+N"] == acts["m+A+n"] == acts["M+a+n"]
    assert acts["m+a+n"] == "非客户,停止接触"
    v003 = man_actions("003", "zh").set_index("man_class")["action"]
    assert v003["m+a+n"] == "放弃吧!不要浪费自己的时间"
    assert "等待时机成熟" in v003["m+A+N"]
    assert "等待有了M" in v003["m+A+n"]
    en = man_actions("000", "en").set_index("man_class")
    assert len(en) == 8 and en.loc["m+a+n", "action"] == "Not a customer: stop contact."
    assert en.loc["M+a+N", ["money", "authority", "need"]].tolist() == [True, False, True]


def test_man_class_parses_text_and_leaves_unassessed_missing():
    c = pd.DataFrame(
        {
            "man_money": ["yes", "0", None],
            "man_authority": ["1", "no", "1"],
            "man_need": ["是", "否", "1"],
        }
    )
    assert man_class(c)["man_class"].astype(object).tolist()[:2] == ["M+A+N", "m+a+n"]
    assert pd.isna(man_class(c)["man_class"].iloc[2])
    with pytest.raises(TierInputError, match="'man_need' holds 'maybe'"):
        man_class(c.assign(man_need=["maybe", "1", "1"]))
    with pytest.raises(TierInputError, match="add the MAN columns"):
        man_class(c.drop(columns="man_need"))


def test_man_actions_editable_table():
    mine = {"M+A+N": {"en": "Call today", "zh": "今天打电话"}}
    assert man_actions(mine, "zh")["action"].tolist() == ["今天打电话"]
    with pytest.raises(ValueError, match="unknown MAN variant"):
        man_actions("001")


def pipeline_data():
    opp = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
            "customer_id": ["a", "a", "b", "b", "c", "c"],
            "stage": ["won", "lost", "proposal", "won", "lead", "won"],
            "amount": [100.0, 50.0, 30.0, 70.0, 20.0, 999.0],
            "owner": ["li", "li", "wang", "wang", "li", "li"],
            "created_date": pd.to_datetime(
                ["2025-01-01", "2025-02-01", "2025-03-01", "2025-01-10", "2025-04-01", "2025-08-01"]
            ),
            "closed_date": pd.to_datetime(
                ["2025-01-31", "2025-02-11", None, "2025-07-10", None, "2025-08-05"]
            ),
            "protection_deadline": pd.to_datetime(
                ["2025-03-01", "2025-03-01", "2025-05-01", "2025-06-01", "2025-06-20", None]
            ),
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "man_money": [True, True, False],
            "man_authority": [True, False, False],
            "man_need": [True, True, False],
        }
    )
    return opp, customers


def test_opportunity_pipeline_hand_case():
    opp, customers = pipeline_data()
    # as of 2025-06-30: o6 not created yet; o4 is recorded won but closes after as_of: open
    all_ = opportunity_pipeline(opp, as_of="2025-06-30").iloc[0]
    assert (all_["opportunities"], all_["won"], all_["lost"], all_["open"]) == (5, 1, 1, 3)
    assert all_["amount"] == 270.0 and all_["amount_won"] == 100.0 and all_["amount_open"] == 120.0
    assert all_["win_rate"] == 0.5
    assert all_["cycle_days_mean"] == 20.0  # (30 + 10) / 2
    assert (all_["n_won"], all_["n_lost"], all_["n_proposal"], all_["n_lead"]) == (2, 1, 1, 1)
    by_owner = opportunity_pipeline(opp, as_of="2025-12-31", by="owner").set_index("owner")
    assert by_owner.loc["wang", "won"] == 1 and by_owner.loc["wang", "cycle_days_mean"] == 181.0
    assert by_owner.loc["li", "opportunities"] == 4 and by_owner.loc["li", "win_rate"] == 2 / 3
    by_man = opportunity_pipeline(opp, customers, as_of="2025-12-31", by="man_class")
    by_man = by_man.set_index("man_class")
    assert by_man.loc["M+A+N", "opportunities"] == 2 and by_man.loc["M+a+N", "won"] == 1
    assert by_man.loc["m+a+n", "amount"] == 1019.0
    with pytest.raises(TierInputError, match="needs the customers table"):
        opportunity_pipeline(opp, as_of="2025-12-31", by="man_class")


def test_opportunities_past_deadline():
    opp, _ = pipeline_data()
    late = opportunities_past_deadline(opp, as_of="2025-06-30")
    # o3 (open, 60 days late), o4 (won after as_of so still open, 29 days), o5 (10 days)
    assert late["opportunity_id"].tolist() == ["o3", "o4", "o5"]
    assert late["days_past_deadline"].tolist() == [60, 29, 10]
    with pytest.raises(TierInputError, match="protection_deadline"):
        opportunities_past_deadline(opp.drop(columns="protection_deadline"), as_of="2025-06-30")


def test_opportunity_dates_as_text_blanks_allowed_unreadable_refused():
    opp, _ = pipeline_data()
    as_text = opp.assign(
        created_date=opp["created_date"].dt.strftime("%Y-%m-%d"),
        closed_date=["2025-01-31", "2025-02-11", "", "2025-07-10", " ", "2025-08-05"],
    )
    # blank closing dates are open opportunities: same answer as the datetime table
    pd.testing.assert_frame_equal(
        opportunity_pipeline(as_text, as_of="2025-06-30"),
        opportunity_pipeline(opp, as_of="2025-06-30"),
    )
    bad = as_text.assign(closed_date=["2025-01-31", "soon", "", "31.02.2025", None, "x"])
    with pytest.raises(
        TierInputError,
        match=r"opportunities table column 'closed_date' has 3 values that are not dates "
        r"\(rows 1, 3, 5: 'soon', '31\.02\.2025', 'x'\).*YYYY-MM-DD.*blank",
    ):
        opportunity_pipeline(bad, as_of="2025-06-30")
    late = opp.assign(protection_deadline=["2025-03-01", "n/a", "", None, "2025-06-20", ""])
    with pytest.raises(TierInputError, match=r"'protection_deadline'.*row 1: 'n/a'"):
        opportunities_past_deadline(late, as_of="2025-06-30")


# --- the combined table -------------------------------------------------------------------------


def test_rfm_table_one_row_per_customer_with_every_column():
    rng = np.random.default_rng(1)
    n = 300
    s = summary(
        rng.integers(0, 900, n),
        rng.integers(1, 20, n),
        rng.gamma(2, 100, n),
        profit=rng.normal(50, 40, n),
        active_quarters_4=rng.integers(0, 5, n),
    )
    out = rfm_table(s, lang="zh")
    assert len(out) == n and out["customer_id"].is_unique
    for col in ("r_score", "rfm_cell", "segment_en", "segment_zh", "abc_class", "lifecycle_tier"):
        assert out[col].notna().all(), col
    assert set(out["lifecycle_tier"].astype(str)) <= {
        "新客户",
        "常客户",
        "老客户",
        "忠诚客户",
        "沉睡客户",
    }
    no_cost = s.assign(profit=np.nan)
    assert rfm_table(no_cost)["abc_class"].notna().all()  # falls back to revenue-like value
