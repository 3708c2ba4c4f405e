"""Tests of workbench.clv against published estimates and independent computations.

Published numbers: /work/shared/data/*/README.md, copied to workbench/datasets/README_*.md.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from scipy.integrate import quad
from scipy.special import gammaln

from workbench.cli import main
from workbench.clv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    ConvergenceError,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
    ShiftedBetaGeoFitter,
    calibration_holdout,
    clv_abc,
    cumulative_repeat_purchases,
    customer_lifetime_value,
    holdout_comparison,
    plot_clv_distribution,
    plot_cumulative_repeat_purchases,
    plot_holdout_comparison,
    plot_p_alive_distribution,
    plot_retention_curve,
    simulate_bgnbd,
    simulate_paretonbd,
)
from workbench.datasets import (
    CDNOW_CALIBRATION_END,
    CDNOW_END,
    DATA_DIR,
    load_cdnow_summary,
    load_cdnow_transactions,
    load_donations,
    retention_cohort,
)
from workbench.labels import label


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary()


@pytest.fixture(scope="module")
def cal_holdout():
    return calibration_holdout(
        load_cdnow_transactions(),
        calibration_end=CDNOW_CALIBRATION_END,
        holdout_end=CDNOW_END,
    )


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return BetaGeoFitter().fit(cdnow)


def _published_bgnbd():
    return BetaGeoFitter().set_params(r=0.243, alpha=4.414, a=0.793, b=2.426)


# --- datasets ----------------------------------------------------------------------------


def test_datasets_shapes_and_totals():
    tx = load_cdnow_transactions()
    assert len(tx) == 6919 and tx["customer_id"].nunique() == 2357
    assert tx["order_date"].min() == pd.Timestamp("1997-01-01")
    s = load_cdnow_summary()
    assert s.shape == (2357, 4) and int((s["frequency"] > 0).sum()) == 946
    assert int(load_donations()["weights"].sum()) == 11104
    assert retention_cohort()["active"].tolist() == [1000, 631, 468, 382, 326, 289, 262, 241]
    for note in ("README_cdnow.md", "README_donations.md", "README_retention.md"):
        assert (DATA_DIR / note).is_file()


def test_raw_purchases_rebuild_the_published_summary_exactly(cdnow, cal_holdout):
    rebuilt = cal_holdout.reindex(cdnow.index)
    assert rebuilt["frequency"].tolist() == cdnow["frequency"].tolist()
    for col in ("recency", "T", "monetary_value"):
        half_up = np.floor(rebuilt[col].to_numpy() * 100 + 0.5 + 1e-9) / 100  # file rounding
        np.testing.assert_array_equal(half_up, cdnow[col].to_numpy(), err_msg=col)
    assert (cal_holdout["duration_holdout"] == 39.0).all()


# --- BG/NBD ------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["summary", "transactions"])
def test_bgnbd_cdnow_matches_published(source, cdnow, cal_holdout):
    m = BetaGeoFitter().fit(cdnow if source == "summary" else cal_holdout)
    assert m.params_.round(3).to_dict() == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(m.log_likelihood_, 1) == -9582.4
    assert m.n_customers_ == 2357


def test_bgnbd_standard_errors_match_lifetimes(bgnbd):
    # lifetimes 0.11.3 BetaGeoFitter on the same file (autograd Hessian), run once in
    # benchmarks/.venv-lifetimes: r 0.012557, alpha 0.378221, a 0.185719, b 0.705345
    expected = {"r": 0.012557, "alpha": 0.378221, "a": 0.185719, "b": 0.705345}
    for k, v in expected.items():
        assert bgnbd.standard_errors_[k] == pytest.approx(v, rel=2e-3), k


def test_bgnbd_published_predictions(bgnbd):
    pub = _published_bgnbd()
    assert pub.expected_purchases(39, 2, 30.43, 38.86)[()] == pytest.approx(1.226, abs=5e-4)
    assert pub.prob_no_purchases(39)[()] == pytest.approx(0.5737864, abs=1e-6)
    t = [0.1429, 1, 3, 31.8571, 32, 78]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    np.testing.assert_allclose(bgnbd.expected_purchases_new(t), published, atol=5e-4)


def test_bgnbd_p_alive_by_hand():
    m = _published_bgnbd()
    # one-time buyer: alive for sure; x=2: 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
    odds = 0.793 / (2.426 + 1) * ((4.414 + 38.86) / (4.414 + 30.43)) ** (0.243 + 2)
    np.testing.assert_allclose(m.p_alive([0, 2], [0, 30.43], [38.86, 38.86]), [1, 1 / (1 + odds)])


def test_likelihood_of_no_purchase_sums_with_the_rest_to_one():
    # P(X(t)=0) = (alpha/(alpha+t))^r for BG/NBD: independent closed form
    m = _published_bgnbd()
    assert m.prob_no_purchases(10)[()] == pytest.approx((4.414 / 14.414) ** 0.243, rel=1e-12)


# --- MBG/NBD -----------------------------------------------------------------------------


def test_mbgnbd_cdnow_matches_btydplus_and_lifetimes(cdnow):
    m = ModifiedBetaGeoFitter().fit(cdnow)
    # BTYDplus (issue 4): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
    assert m.params_.round(3).to_dict() == {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    # lifetimes 0.11.3 ModifiedBetaGeoFitter().fit(frequency, recency, T) on the same file,
    # run once in benchmarks/.venv-lifetimes (pandas 1.5)
    lifetimes = {"r": 0.5248377, "alpha": 6.1829885, "a": 0.8913563, "b": 1.6140000}
    for k, v in lifetimes.items():
        assert m.params_[k] == pytest.approx(v, rel=1e-4), k
    assert m.log_likelihood_ > BetaGeoFitter().fit(cdnow).log_likelihood_  # nests BG/NBD-like fit


def test_mbgnbd_one_time_buyers_can_be_dead():
    m = ModifiedBetaGeoFitter().set_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
    expected = 1 / (1 + 0.891 / 1.614 * ((6.183 + 39) / (6.183 + 0)) ** 0.525)
    assert m.p_alive(0, 0, 39)[()] == pytest.approx(expected, rel=1e-12)


# --- Pareto/NBD --------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["summary", "transactions"])
def test_paretonbd_cdnow_matches_published(source, cdnow, cal_holdout):
    m = ParetoNBDFitter().fit(cdnow if source == "summary" else cal_holdout)
    got = m.params_.round(3).to_dict()
    assert got == {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.668} or got == {
        "r": 0.553,
        "alpha": 10.578,
        "s": 0.606,
        "beta": 11.669,
    }
    assert m.params_["beta"] == pytest.approx(11.669, rel=1e-3)
    assert round(m.log_likelihood_, 1) == -9595.0


def test_paretonbd_published_predictions():
    m = ParetoNBDFitter().set_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
    assert m.p_alive(26, 30.86, 31)[()] == pytest.approx(0.9979, abs=5e-5)
    assert m.expected_purchases(52, 26, 30.86, 31)[()] == pytest.approx(25.46, abs=0.01)


@pytest.mark.parametrize(
    ("params", "x", "tx", "T"),
    [
        ((0.5534, 10.5802, 0.6061, 11.6562), 0, 0.0, 38.86),
        ((0.5534, 10.5802, 0.6061, 11.6562), 26, 30.86, 31.0),
        ((0.5534, 10.5802, 0.6061, 11.6562), 150, 2.0, 60.0),
        ((0.5534, 10.5802, 0.6061, 11.6562), 5, 1.0, 1000.0),
        ((2.0, 1.0, 0.6, 50.0), 20, 10.0, 39.0),  # alpha < beta branch
        ((2.0, 1.0, 0.6, 50.0), 200, 30.0, 39.0),
    ],
    ids=["one-timer", "published", "x150", "long-T", "alpha<beta", "alpha<beta-x200"],
)
def test_paretonbd_likelihood_equals_the_death_time_integral(params, x, tx, T):
    r, a, s, b = params
    base = gammaln(r + x) - gammaln(r) + r * np.log(a) + s * np.log(b)
    alive = np.exp(-(r + x) * np.log(a + T) - s * np.log(b + T))

    def density(tau):
        return s * (b + tau) ** (-(s + 1)) * (a + tau) ** (-(r + x))

    died = quad(density, tx, T, epsabs=0, epsrel=1e-12, limit=200)[0]
    m = ParetoNBDFitter().set_params(r=r, alpha=a, s=s, beta=b)
    assert m.log_likelihood(x, tx, T)[()] == pytest.approx(base + np.log(alive + died), rel=1e-10)


# --- Gamma-Gamma -------------------------------------------------------------------------


def test_gammagamma_matches_published(cdnow, cal_holdout):
    m = GammaGammaFitter().fit(cal_holdout)  # unrounded spends from the raw purchases
    assert m.params_.round(2).to_dict() == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    assert m.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-3)
    assert m.n_customers_ == 946
    from_file = GammaGammaFitter().fit(cdnow)  # spends rounded to cents
    assert from_file.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    got = from_file.predict(cdnow.head(10))["expected_spend"].to_numpy()
    np.testing.assert_allclose(got, published, atol=0.01)


def test_gammagamma_needs_repeat_buyers():
    few = pd.DataFrame({"frequency": [1, 0, 2], "monetary_value": [10.0, 0.0, 12.0]})
    with pytest.raises(ValueError, match="only 2 customers with repeat purchases"):
        GammaGammaFitter().fit(few)
    bad = pd.DataFrame({"frequency": [1] * 20, "monetary_value": [-1.0] + [5.0] * 19})
    with pytest.raises(ValueError, match="needs positive spend"):
        GammaGammaFitter().fit(bad)


# --- BG/BB -------------------------------------------------------------------------------


def test_bgbb_donations_match_published():
    m = BetaGeoBetaBinomFitter().fit(load_donations())
    assert m.params_.round(3).to_dict() == {
        "alpha": 1.204,
        "beta": 0.750,
        "gamma": 0.657,
        "delta": 2.783,
    }
    assert m.n_customers_ == 11104
    np.testing.assert_array_equal(m.p_alive([0, 2, 6], [0, 4, 6], 6).round(2), [0.11, 0.59, 0.93])


def test_bgbb_expected_purchases_match_lifetimes():
    # lifetimes 0.11.3 conditional_expected_number_of_purchases_up_to_time(5, ...) at the
    # published parameters, run once in benchmarks/.venv-lifetimes
    m = BetaGeoBetaBinomFitter().set_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    got = m.expected_purchases(5, [0, 2, 6], [0, 4, 6], 6)
    np.testing.assert_allclose(got, [0.072803, 1.057349, 3.752116], atol=2e-6)


def test_bgbb_weights_equal_repeated_rows():
    d = load_donations()
    weighted = BetaGeoBetaBinomFitter().fit(d)
    expanded = d.loc[d.index.repeat(d["weights"])].drop(columns="weights")
    plain = BetaGeoBetaBinomFitter().fit(expanded, weights_col=None)
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-5)


# --- sBG ---------------------------------------------------------------------------------


def test_sbg_retention_cohort_matches_published():
    m = ShiftedBetaGeoFitter().fit(retention_cohort())
    assert m.params_.round(3).to_dict() == {"alpha": 0.704, "beta": 1.182}
    assert round(m.log_likelihood_, 2) == -1680.27


def test_sbg_curves_by_hand():
    m = ShiftedBetaGeoFitter().set_params(alpha=0.704, beta=1.182)
    # S(1) = beta/(alpha+beta); S(2) = S(1) (beta+1)/(alpha+beta+1)
    s1 = 1.182 / 1.886
    np.testing.assert_allclose(m.survival([0, 1, 2]), [1, s1, s1 * 2.182 / 2.886])
    np.testing.assert_allclose(m.retention_rate([1, 2]), [s1, 2.182 / 2.886])
    curve = m.predict(7)
    assert curve["churn_probability"].iloc[1:].sum() == pytest.approx(
        1 - curve["survival"].iloc[-1]
    )


@pytest.mark.parametrize("renewals", [0, 3])
def test_sbg_derl_equals_the_discounted_sum(renewals):
    m = ShiftedBetaGeoFitter().set_params(alpha=0.704, beta=1.182)
    d, n = 0.1, renewals
    k = np.arange(1, 3000)
    direct = np.sum(m.survival(n + k) / m.survival(n) / (1 + d) ** (k - 1))
    assert m.expected_remaining_lifetime(n, d)[()] == pytest.approx(direct, rel=1e-8)
    undiscounted = ShiftedBetaGeoFitter().set_params(alpha=2.5, beta=1.5)
    assert undiscounted.expected_remaining_lifetime(n)[()] == pytest.approx((1.5 + n) / 1.5)
    assert np.isinf(m.expected_remaining_lifetime(n))


def test_sbg_rejects_rising_counts():
    with pytest.raises(ValueError, match="never rise"):
        ShiftedBetaGeoFitter().fit_counts([100, 80, 90])


# --- recovery from simulated data -------------------------------------------------------


def test_bgnbd_recovers_simulated_parameters():
    true = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(0).uniform(20, 52, 20000)
    m = BetaGeoFitter().fit(simulate_bgnbd(20000, T=T, seed=1, **true))
    z = (m.params_ - pd.Series(true)) / m.standard_errors_
    assert (z.abs() < 3.5).all(), z.to_dict()


def test_paretonbd_recovers_simulated_parameters():
    true = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    T = np.random.default_rng(0).uniform(20, 52, 20000)
    m = ParetoNBDFitter().fit(simulate_paretonbd(20000, T=T, seed=2, **true))
    z = (m.params_ - pd.Series(true)) / m.standard_errors_
    assert (z.abs() < 3.5).all(), z.to_dict()


def test_wrong_model_is_detected(cdnow):
    # BG/NBD parameters differ from the Pareto/NBD ones: the tests above discriminate
    m = BetaGeoFitter().fit(cdnow)
    assert m.log_likelihood_ != pytest.approx(-9595.0, abs=1)


# --- input errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        ({"frequency": [-1, 2], "recency": [0, 3.0], "T": [5.0, 5.0]}, "non-negative whole"),
        ({"frequency": [1.5, 2], "recency": [1, 3.0], "T": [5.0, 5.0]}, "non-negative whole"),
        ({"frequency": [1, 2], "recency": [6.0, 3.0], "T": [5.0, 5.0]}, "'recency' > 'T'"),
        ({"frequency": [0, 2], "recency": [1.0, 3.0], "T": [5.0, 5.0]}, "recency 0"),
        ({"frequency": [1, 2], "recency": [1.0, 3.0]}, "no column 'T'"),
    ],
    ids=["negative", "fraction", "recency>T", "one-timer-recency", "missing-T"],
)
def test_bad_summaries_are_rejected(frame, match):
    with pytest.raises(ValueError, match=match):
        BetaGeoFitter().fit(pd.DataFrame(frame))


def test_non_convergence_says_what_to_try():
    nobody_returns = pd.DataFrame({"frequency": [0] * 50, "recency": [0.0] * 50, "T": [10.0] * 50})
    with pytest.raises(ConvergenceError, match="did not converge.*too few repeat buyers.*Try"):
        BetaGeoFitter().fit(nobody_returns)
    # one repeat buyer among 50: the dropout parameters are not identified
    one = nobody_returns.copy()
    one.loc[0, ["frequency", "recency"]] = [1, 5.0]
    with pytest.raises(ConvergenceError, match="did not converge.*Try another time unit"):
        BetaGeoFitter().fit(one)
    assert issubclass(ConvergenceError, ValueError)


def test_unfitted_model_explains():
    with pytest.raises(ValueError, match="not fitted yet"):
        BetaGeoFitter().p_alive(1, 1, 2)


# --- holdout, CLV, tiers, figures ---------------------------------------------------------


def test_holdout_comparison_and_cumulative_curve(bgnbd, cal_holdout):
    table = holdout_comparison(bgnbd, cal_holdout)
    assert table.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["n_customers"].sum() == 2357
    assert table.loc["0", "n_customers"] == 1411
    # actual means counted independently of the function
    zero = cal_holdout["frequency"] == 0
    assert table.loc["0", "actual"] == pytest.approx(
        cal_holdout.loc[zero, "frequency_holdout"].mean()
    )
    assert table["predicted"].is_monotonic_increasing
    curve = cumulative_repeat_purchases(
        bgnbd,
        load_cdnow_transactions(),
        calibration_end=CDNOW_CALIBRATION_END,
        holdout_end=CDNOW_END,
    )
    assert len(curve) == 78 and curve["holdout"].sum() == 39
    # week 39 actual = all calibration repeat purchases = sum of frequency
    assert curve.loc[39, "actual"] == cal_holdout["frequency"].sum()
    assert (
        curve.loc[78, "actual"] - curve.loc[39, "actual"] == cal_holdout["frequency_holdout"].sum()
    )
    assert curve.loc[78, "expected"] == pytest.approx(curve.loc[78, "actual"], rel=0.06)


def test_clv_by_hand_and_abc():
    bg = _published_bgnbd()
    gg = GammaGammaFitter().set_params(p=6.25, q=3.74, gamma=15.44)
    s = pd.DataFrame(
        {
            "frequency": [2, 0, 10],
            "recency": [30.43, 0.0, 38.0],
            "T": [38.86, 38.86, 38.86],
            "monetary_value": [22.35, 0.0, 50.0],
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    out = customer_lifetime_value(bg, gg, s, horizon=2, margin=0.5, discount_rate=0.1)
    month = 365.25 / 12 / 7
    e1 = bg.expected_purchases(month, 2, 30.43, 38.86)[()]
    e2 = bg.expected_purchases(2 * month, 2, 30.43, 38.86)[()]
    spend = 6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1)
    assert out.loc["a", "clv"] == pytest.approx((e1 / 1.1 + (e2 - e1) / 1.21) * spend * 0.5)
    assert out.loc["a", "expected_purchases"] == pytest.approx(e2)
    # c alone holds more than 80 % of the CLV: c is A (it crosses 50 %), a and b are C
    assert out.loc["c", "clv"] / out["clv"].sum() > 0.8
    assert clv_abc(out)["abc_class"].tolist() == ["C", "C", "A"]
    # a and b with 60 and 30: a is A, b crosses 80 % (before it: 2/3 < 0.8) so B
    two = pd.DataFrame({"clv": [60.0, 30.0, 10.0]}, index=pd.Index(list("abx"), name="customer_id"))
    assert clv_abc(two)["abc_class"].tolist() == ["A", "B", "C"]


def test_clv_rejects_bad_horizon():
    with pytest.raises(ValueError, match="horizon must be a positive whole number"):
        customer_lifetime_value(_published_bgnbd(), None, pd.DataFrame(), horizon=0)


def test_figures_use_labels(bgnbd, cal_holdout):
    table = holdout_comparison(bgnbd, cal_holdout)
    fig = plot_holdout_comparison(table, lang="zh")
    assert isinstance(fig, go.Figure) and fig.layout.title.text == label("clv.title.holdout", "zh")
    values = customer_lifetime_value(bgnbd, None, cal_holdout)
    assert plot_p_alive_distribution(values).layout.title.text == label("clv.title.p_alive")
    fig = plot_clv_distribution(clv_abc(values), lang="zh")
    assert [t.name for t in fig.data] == [label(f"abc.{c}", "zh") for c in "ABC"]
    curve = pd.DataFrame(
        {"actual": [1, 2], "expected": [1.0, 2.0], "holdout": [False, True]},
        index=pd.Index([1, 2], name="period"),
    )
    assert len(plot_cumulative_repeat_purchases(curve).data) == 2
    sbg = ShiftedBetaGeoFitter().set_params(alpha=0.704, beta=1.182)
    assert len(plot_retention_curve(sbg.predict(7), observed=retention_cohort()).data) == 2


# --- command line ------------------------------------------------------------------------


def test_cli_fit_json_on_cdnow_summary(capsys):
    rc = main(
        [
            "clv",
            "fit",
            "--summary",
            str(DATA_DIR / "cdnow_customers_summary.csv"),
            "--model",
            "bgnbd",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "bgnbd" and out["n_customers"] == 2357
    assert {k: round(v, 3) for k, v in out["params"].items()} == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }
    assert round(out["log_likelihood"], 1) == -9582.4
    assert set(out["standard_errors"]) == {"r", "alpha", "a", "b"}


def test_cli_fit_transactions_with_holdout_and_mapping(tmp_path, capsys):
    tx = load_cdnow_transactions().rename(columns={"customer_id": "客户编号", "order_date": "日期"})
    path = tmp_path / "orders.csv"
    tx.to_csv(path, index=False)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[orders.columns]\n"客户编号" = "customer_id"\n"日期" = "order_date"\n', encoding="utf-8"
    )
    rc = main(
        [
            "clv",
            "fit",
            "--transactions",
            str(path),
            "--mapping",
            str(mapping),
            "--model",
            "paretonbd",
            "--calibration-end",
            "1997-09-30",
            "--holdout-end",
            "1998-06-30",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["params"]["alpha"], 3) == 10.578
    assert [row["frequency"] for row in out["holdout"]][-1] == "7+"
    assert sum(row["n_customers"] for row in out["holdout"]) == 2357


@pytest.mark.parametrize(
    ("model", "filename", "key", "value"),
    [("sbg", "retention.csv", "alpha", 0.704), ("bgbb", "donations.csv", "delta", 2.783)],
)
def test_cli_fit_other_models(model, filename, key, value, capsys):
    rc = main(["clv", "fit", "--summary", str(DATA_DIR / filename), "--model", model, "--json"])
    assert rc == 0
    assert round(json.loads(capsys.readouterr().out)["params"][key], 3) == value


def test_cli_score_writes_clv(tmp_path, capsys):
    tx = tmp_path / "orders.csv"
    load_cdnow_transactions().to_csv(tx, index=False)
    out = tmp_path / "scores.csv"
    rc = main(
        [
            "clv",
            "score",
            "--transactions",
            str(tx),
            "--calibration-end",
            "1997-09-30",
            "--horizon",
            "12",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"customer_id": str})
    assert len(table) == 2357
    assert {"p_alive", "expected_purchases", "expected_spend", "clv", "abc_class"} <= set(table)
    assert table["p_alive"].between(0, 1).all() and (table["clv"] >= 0).all()


def test_cli_usage_errors(capsys):
    assert main(["clv", "fit", "--model", "bgnbd"]) == 2
    assert "exactly one of" in capsys.readouterr().out
    assert (
        main(
            ["clv", "fit", "--summary", "x.csv", "--model", "bgnbd", "--holdout-end", "1998-01-01"]
        )
        == 2
    )
    assert main(["clv", "fit", "--summary", "missing.csv", "--model", "bgnbd"]) == 1
