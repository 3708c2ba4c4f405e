"""Customer lifetime value: the buy-till-you-die model family, validated on published data.

Purchase models (continuous time, fitted on ``frequency, recency, T``):
:class:`BetaGeoFitter` (BG/NBD), :class:`ModifiedBetaGeoFitter` (MBG/NBD),
:class:`ParetoNBDFitter` (Pareto/NBD). Spend model: :class:`GammaGammaFitter`.
Discrete periods: :class:`BetaGeoBetaBinomFitter` (BG/BB). Contract renewals:
:class:`ShiftedBetaGeoFitter` (sBG). Every fitter has ``fit(...)`` returning itself, the
fitted attributes ``params_`` (published names), ``log_likelihood_``,
``standard_errors_``, ``n_customers_``, and ``set_params(...)`` for known values.

Around them: :func:`calibration_holdout` (split orders), :func:`holdout_comparison`,
:func:`cumulative_repeat_purchases`, :func:`customer_lifetime_value`, :func:`clv_abc`
and the ``plot_*`` figures.

Examples
--------
>>> from workbench.datasets import load_cdnow_summary
>>> bg = BetaGeoFitter().fit(load_cdnow_summary())
>>> bg.params_.round(3).tolist()
[0.243, 4.414, 0.793, 2.426]
>>> round(bg.log_likelihood_, 1)
-9582.4
"""

from __future__ import annotations

from workbench.clv._base import BaseFitter, ConvergenceError, PurchaseModel
from workbench.clv.bgbb import BetaGeoBetaBinomFitter
from workbench.clv.bgnbd import BetaGeoFitter, ModifiedBetaGeoFitter
from workbench.clv.gammagamma import MIN_REPEAT_BUYERS, GammaGammaFitter
from workbench.clv.holdout import (
    TIME_UNITS,
    calibration_holdout,
    cumulative_repeat_purchases,
    customer_summary_btyd,
    holdout_comparison,
    unit_days,
)
from workbench.clv.paretonbd import ParetoNBDFitter
from workbench.clv.plotting import (
    plot_clv_distribution,
    plot_cumulative_repeat_purchases,
    plot_holdout_comparison,
    plot_p_alive_distribution,
    plot_retention_curve,
)
from workbench.clv.sbg import ShiftedBetaGeoFitter
from workbench.clv.simulate import simulate_bgnbd, simulate_paretonbd
from workbench.clv.value import (
    CLV,
    EXPECTED_PURCHASES,
    EXPECTED_SPEND,
    P_ALIVE,
    clv_abc,
    customer_lifetime_value,
)

__all__ = [
    "MODELS",
    "ConvergenceError",
    "BaseFitter",
    "PurchaseModel",
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "BetaGeoBetaBinomFitter",
    "ShiftedBetaGeoFitter",
    "MIN_REPEAT_BUYERS",
    "TIME_UNITS",
    "unit_days",
    "customer_summary_btyd",
    "calibration_holdout",
    "holdout_comparison",
    "cumulative_repeat_purchases",
    "customer_lifetime_value",
    "clv_abc",
    "P_ALIVE",
    "EXPECTED_PURCHASES",
    "EXPECTED_SPEND",
    "CLV",
    "plot_holdout_comparison",
    "plot_cumulative_repeat_purchases",
    "plot_p_alive_distribution",
    "plot_clv_distribution",
    "plot_retention_curve",
    "simulate_bgnbd",
    "simulate_paretonbd",
]

#: Model ids of the command line and the reports -> fitter class.
MODELS: dict[str, type[BaseFitter]] = {
    "bgnbd": BetaGeoFitter,
    "paretonbd": ParetoNBDFitter,
    "gammagamma": GammaGammaFitter,
    "mbgnbd": ModifiedBetaGeoFitter,
    "bgbb": BetaGeoBetaBinomFitter,
    "sbg": ShiftedBetaGeoFitter,
}
