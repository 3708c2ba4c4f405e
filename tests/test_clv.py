"""Tests of workbench.clv against published estimates and independent computations.

Published numbers: /work/shared/data/*/README.md, copied to workbench/datasets/README_*.md.
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from scipy.integrate import quad
from scipy.special import gammaln, hyp2f1

from workbench import clv
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
    unit_days,
)
from workbench.clv._base import _compress
from workbench.clv.paretonbd import _log_hyp_grad
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


def _fitted_on(model, summary):
    """A model holding the compressed, normalised data of ``summary`` for its objective."""
    cols = [summary[c].to_numpy(float) for c in ("frequency", "recency", "T")]
    (x, tx, T), w, _ = _compress(*cols)
    model._setup(x, tx, T, w / w.sum())
    return model


def _central_gradient(model, log_params, h=1e-6):
    return np.array(
        [
            (model._nll(log_params + e)[0] - model._nll(log_params - e)[0]) / (2 * h)
            for e in np.eye(len(log_params)) * h
        ]
    )


@pytest.mark.parametrize(
    "params",
    [
        (0.55, 10.6, 0.6, 11.7),  # near the CDNOW optimum: z ~ 0.1
        (1.0, 20.0, 1.0, 1.0),  # alpha >> beta: z up to 0.95
        (0.5, 1.0, 2.0, 200.0),  # alpha << beta: b = r + x, z up to 0.995 (differences)
        (3.0, 5.0, 0.2, 5.0),  # alpha == beta: z = 0
    ],
    ids=["optimum", "alpha>>beta", "alpha<<beta", "alpha=beta"],
)
def test_paretonbd_analytic_gradient_matches_finite_differences(cdnow, params):
    model = _fitted_on(ParetoNBDFitter(), cdnow)
    lp = np.log(params)
    value, grad = model._nll(lp)
    # the objective is the mean log-likelihood of the per-customer formula
    direct = model.set_params(**dict(zip("r alpha s beta".split(), params)))
    direct = direct.log_likelihood(cdnow["frequency"], cdnow["recency"], cdnow["T"]).mean()
    assert value == pytest.approx(-direct, rel=1e-13)
    np.testing.assert_allclose(grad, _central_gradient(model, lp), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "params", [(0.24, 4.4, 0.79, 2.4), (2.0, 1.0, 3.0, 0.5)], ids=["optimum", "far"]
)
@pytest.mark.parametrize("model", [BetaGeoFitter, ModifiedBetaGeoFitter], ids=["bg", "mbg"])
def test_bgnbd_analytic_gradient_matches_finite_differences(cdnow, model, params):
    m = _fitted_on(model(), cdnow)
    lp = np.log(params)
    np.testing.assert_allclose(m._nll(lp)[1], _central_gradient(m, lp), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("a", "b", "z"),
    [
        (5.0, 2.0, 0.05),
        (3.0, 4.0, 0.5),
        (40.0, 10.0, 0.6),
        (1.2, 1.5, 0.8),
        (20.0, 40.0, 0.95),
        (2.0, 30.0, 0.9),
    ],
    # series blocks of up to 48, 128, 400 terms; the last two need differences of hyp2f1
    ids=["z.05", "z.5", "b10-z.6", "z.8", "b40-z.95", "b30-z.9"],
)
def test_parameter_derivatives_of_log_2f1(a, b, z):
    # independent reference: Euler's integral 2F1(a, b; a+1; z) = a ∫ u^(a-1) (1-zu)^-b du,
    # differentiated under the integral sign and integrated by quad
    def integral(f):
        return quad(lambda u: f(u) * u ** (a - 1) * (1 - z * u) ** -b, 0, 1, epsrel=1e-13)[0]

    value = a * integral(lambda u: 1.0)
    assert value == pytest.approx(hyp2f1(a, b, a + 1, z), rel=1e-9)
    d_a = (integral(lambda u: 1.0) + a * integral(np.log)) / value
    d_b = -a * integral(lambda u: np.log1p(-z * u)) / value
    got_a, got_b = _log_hyp_grad(np.array([a]), np.array([b]), np.array([z]))
    np.testing.assert_allclose([got_a[0], got_b[0]], [d_a, d_b], rtol=1e-7)


def test_compressed_fit_equals_the_expanded_fit(cdnow):
    # rows with identical (frequency, recency, T) are fitted once with a weight: the same
    # optimum as the fit on every row, and predictions stay per customer
    rounded = cdnow.assign(recency=cdnow["recency"].round(0), T=cdnow["T"].round(0))
    counts = rounded.groupby(["frequency", "recency", "T"]).size().rename("n").reset_index()
    assert len(counts) < len(rounded) / 2
    for model in (BetaGeoFitter, ParetoNBDFitter):
        full = model().fit(rounded)
        weighted = model().fit(counts, weights_col="n")
        np.testing.assert_allclose(full.params_, weighted.params_, rtol=1e-5)
        assert full.log_likelihood_ == pytest.approx(weighted.log_likelihood_, rel=1e-10)
        assert full.n_customers_ == weighted.n_customers_ == 2357
        pred = full.predict(rounded, 39.0)
        assert pred.index.equals(rounded.index)
        by_hand = full.expected_purchases(
            39.0, *(rounded[c] for c in ("frequency", "recency", "T"))
        )
        np.testing.assert_allclose(pred["expected_purchases"], by_hand, rtol=1e-12)
    (u, v), w, inverse = _compress(np.array([2.0, 1, 2, 1]), np.array([5.0, 3, 5, 4]))
    assert (u.tolist(), v.tolist(), w.tolist()) == ([1, 1, 2], [3, 4, 5], [1, 1, 2])
    assert inverse.tolist() == [2, 0, 2, 1]


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


_FIX_SUMMARY = "rebuild the summary with workbench.clv.customer_summary_btyd"


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (
            {"frequency": [2, -1], "recency": [3.0, 0], "T": [5.0, 5.0]},
            r"column 'frequency' must hold non-negative whole numbers .*row 1 \(-1\).*"
            + _FIX_SUMMARY,
        ),
        (
            {"frequency": [1.5, 2], "recency": [1, 3.0], "T": [5.0, 5.0]},
            r"'frequency' must hold non-negative whole.*row 0 \(1\.5\).*" + _FIX_SUMMARY,
        ),
        (
            {"frequency": [1, 2], "recency": [3.0, 6.0], "T": [5.0, 5.0]},
            r"1 customers have 'recency' > 'T': row 1 \(6, 5\).*same as_of",
        ),
        (
            {"frequency": [1, 2], "recency": [1.0, -3.0], "T": [5.0, 5.0]},
            r"column 'recency' must be >= 0.*row 1 \(-3\).*dates are not swapped",
        ),
        (
            {"frequency": [0, 2], "recency": [1.0, 3.0], "T": [5.0, 5.0]},
            r"'frequency' = 0 but 'recency' > 0: row 0 \(0, 1\).*has recency 0.*rfm_recency",
        ),
        ({"frequency": [1, 2], "recency": [1.0, 3.0]}, "no column 'T'.*pass T_col="),
    ],
    ids=["negative", "fraction", "recency>T", "negative-recency", "one-timer-recency", "no-T"],
)
@pytest.mark.parametrize("model", [BetaGeoFitter, ParetoNBDFitter], ids=["bgnbd", "paretonbd"])
def test_bad_summaries_are_rejected(model, frame, match):
    with pytest.raises(ValueError, match=match):
        model().fit(pd.DataFrame(frame))


def test_bad_spend_and_period_data_are_rejected():
    frac = pd.DataFrame({"frequency": [1, 2.5] * 10, "monetary_value": [5.0] * 20})
    with pytest.raises(ValueError, match=r"'frequency'.*whole numbers.*row 1 \(2\.5\)"):
        GammaGammaFitter().fit(frac)
    refund = pd.DataFrame({"frequency": [1] * 20, "monetary_value": [5.0] * 19 + [-2.0]})
    with pytest.raises(ValueError, match=r"'monetary_value' <= 0: row 19 \(-2\).*gross values"):
        GammaGammaFitter().fit(refund)
    periods = pd.DataFrame({"frequency": [1, 3], "recency": [2, 2], "periods": [6, 6]})
    with pytest.raises(ValueError, match=r"frequency <= recency <= periods.*row 1 \(3, 2, 6\)"):
        BetaGeoBetaBinomFitter().fit(periods)


def test_infinite_expected_spend_is_explained():
    # q <= 1: E[M] = p (gamma + x m) / (p x + q - 1) has no positive value for x = 0
    gg = GammaGammaFitter().set_params(p=3.5, q=0.48, gamma=90.0)
    assert gg.expected_spend(2, 100.0)[()] == pytest.approx(3.5 * 290 / 6.48)
    with pytest.raises(ValueError, match=r"q = 0\.48 <= 1.*frequency <= 0\.149.*row 1 \(0\)"):
        gg.expected_spend([2, 0], [100.0, 0.0])


def test_non_convergence_says_what_to_try():
    nobody_returns = pd.DataFrame({"frequency": [0] * 50, "recency": [0.0] * 50, "T": [10.0] * 50})
    advice = "rescale the time unit.*initial_params=dict.*extreme outliers"
    with pytest.raises(
        ConvergenceError, match="did not converge.*too few repeat buyers.*" + advice
    ):
        BetaGeoFitter().fit(nobody_returns)
    with pytest.raises(ConvergenceError, match="too few repeat buyers"):
        ParetoNBDFitter().fit(nobody_returns)
    # one repeat buyer among 50: the dropout parameters are not identified
    one = nobody_returns.copy()
    one.loc[0, ["frequency", "recency"]] = [1, 5.0]
    with pytest.raises(ConvergenceError, match=r"did not converge.*initial_params=dict\(r=\.\.\."):
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


def test_figure_errors_name_missing_and_found_columns():
    partial = pd.DataFrame({"n_customers": [5], "actual": [0.2]})
    with pytest.raises(
        ValueError,
        match=r"'predicted'.*it has n_customers, actual.*workbench\.clv\.holdout_comparison",
    ):
        plot_holdout_comparison(partial)
    sbg = ShiftedBetaGeoFitter().set_params(alpha=0.704, beta=1.182)
    wrong = retention_cohort().rename(columns={"active": "alive"})
    with pytest.raises(
        ValueError, match=r"observed.*'active'.*it has period, alive.*retention_cohort"
    ):
        plot_retention_curve(sbg.predict(7), observed=wrong)


def test_cumulative_curve_without_calibration_customers_says_so():
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        }
    )
    with pytest.raises(
        ValueError,
        match=r"no customer.*on or before calibration_end 2023-06-30.*first order is on "
        r"2024-01-01.*later calibration_end",
    ):
        cumulative_repeat_purchases(
            _published_bgnbd(), orders, calibration_end="2023-06-30", holdout_end="2024-06-30"
        )


def test_non_pandas_summary_error_gives_the_fix():
    import polars as pl

    frame = pl.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]})
    with pytest.raises(TypeError, match=r"polars.*\.to_pandas\(\).*metrics\.customer_summary"):
        BetaGeoFitter().fit(frame)


def test_time_units_extend_the_tiers_table():
    from workbench.tiers import UNIT_DAYS

    assert {u: unit_days(u) for u in UNIT_DAYS} == dict(UNIT_DAYS)
    assert unit_days("month") == pytest.approx(365.25 / 12)


@pytest.mark.parametrize("name", clv.__all__)
def test_public_functions_are_fully_typed(name):
    obj = getattr(clv, name)
    funcs = [obj] if inspect.isfunction(obj) else []
    if inspect.isclass(obj):
        funcs = [f for n, f in vars(obj).items() if inspect.isfunction(f) and n[0] != "_"]
    for func in funcs:
        sig = inspect.signature(func)
        untyped = [
            p.name for p in sig.parameters.values() if p.name != "self" and p.annotation is p.empty
        ]
        assert not untyped, f"{func.__qualname__}: {untyped}"
        assert sig.return_annotation is not sig.empty, func.__qualname__


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
