"""Shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).

Each customer renews at the end of every period with a constant probability
``1 - theta``; ``theta ~ beta(alpha, beta)`` across customers, so the retention rate of
the cohort rises over time as the likely churners leave. Data: the number of customers
of one cohort still active at the start of each period (``period`` 0, 1, 2, ...; the
row of period 0 is the cohort size).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import betaln, hyp2f1

from workbench.clv._base import BaseFitter, _as_array, _column, _dot

__all__ = ["ShiftedBetaGeoFitter"]


class ShiftedBetaGeoFitter(BaseFitter):
    """sBG model of retention: parameters ``alpha, beta`` of the churn probability.

    Examples
    --------
    >>> m = ShiftedBetaGeoFitter().fit_counts([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> m.params_.round(3).tolist()
    [0.704, 1.182]
    >>> m.survival([0, 1, 2]).round(3).tolist()
    [1.0, 0.627, 0.474]
    """

    _param_names = ("alpha", "beta")
    _model_name = "sBG"

    def fit(
        self,
        cohort: pd.DataFrame,
        *,
        period_col: str = "period",
        active_col: str = "active",
        initial_params: dict[str, float] | None = None,
    ) -> ShiftedBetaGeoFitter:
        """Fit to a table of cohort counts.

        Parameters
        ----------
        cohort : pandas.DataFrame
            One row per period ``0, 1, 2, ...`` (consecutive) with the number of
            customers still active at its start; the period-0 row is the cohort size.
        period_col, active_col : str
            Column names.
        initial_params : dict, optional
            Starting values by parameter name.

        Returns
        -------
        ShiftedBetaGeoFitter
            ``self``, fitted.

        Raises
        ------
        ValueError
            If the periods are not 0, 1, 2, ... or the counts rise.
        """
        period = _column(cohort, period_col, "period (0, 1, 2, ...)")
        active = _column(cohort, active_col, "active (customers still active)")
        order = np.argsort(period)
        period, active = period[order], active[order]
        if not np.array_equal(period, np.arange(len(period))):
            raise ValueError(
                f"column {period_col!r} must run 0, 1, 2, ... without gaps (found "
                f"{period.tolist()[:10]}); the period-0 row holds the cohort size"
            )
        return self.fit_counts(active, initial_params=initial_params)

    def fit_counts(
        self,
        active: Sequence[float] | np.ndarray,
        *,
        initial_params: dict[str, float] | None = None,
    ) -> ShiftedBetaGeoFitter:
        """Fit to the active counts at the start of periods 0, 1, 2, ...

        Parameters
        ----------
        active : sequence of int
            Customers still active; the first value is the cohort size.
        initial_params : dict, optional
            Starting values by parameter name.

        Returns
        -------
        ShiftedBetaGeoFitter
            ``self``, fitted.

        Raises
        ------
        ValueError
            If fewer than two counts are given, or they rise or are negative.
        """
        n = np.asarray(active, dtype="float64")
        if n.ndim != 1 or len(n) < 2:
            raise ValueError("need the active counts of at least two periods (0 and 1)")
        if np.any(n < 0) or np.any(np.diff(n) > 0):
            raise ValueError(
                f"active counts must be non-negative and never rise; found {n.tolist()[:10]}"
            )
        lost = -np.diff(n)
        self._data = {"lost": lost / n[0], "survivors": n[-1] / n[0], "t": np.arange(1, len(n))}
        x0 = (
            [1.0, 1.0] if initial_params is None else [initial_params[k] for k in self._param_names]
        )
        self._maximise(x0, float(n[0]))
        self._data = None
        return self

    @staticmethod
    def _log_churn(alpha, beta, t):
        """``log P(T = t)``: churn at the end of period ``t`` (t = 1, 2, ...)."""
        return betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)

    @staticmethod
    def _log_survival(alpha, beta, t):
        return betaln(alpha, beta + t) - betaln(alpha, beta)

    def _nll(self, log_params):
        alpha, beta = np.exp(log_params)
        d = self._data
        ll = _dot(d["lost"], self._log_churn(alpha, beta, d["t"]))
        ll += d["survivors"] * self._log_survival(alpha, beta, d["t"][-1])
        return -float(ll), None

    def survival(self, t: float | np.ndarray) -> np.ndarray:
        """Share of the cohort still active after ``t`` renewals, ``S(t)``.

        Parameters
        ----------
        t : int or array_like
            Periods since acquisition (0 gives 1).

        Returns
        -------
        numpy.ndarray
            ``S(t) = B(alpha, beta + t) / B(alpha, beta)``.
        """
        alpha, beta = self._require_fit()
        (t_,) = _as_array(t)
        return np.exp(self._log_survival(alpha, beta, t_))

    def retention_rate(self, t: float | np.ndarray) -> np.ndarray:
        """Retention rate of period ``t``: ``S(t) / S(t - 1)``.

        Equal to ``(beta + t - 1) / (alpha + beta + t - 1)``.

        Parameters
        ----------
        t : int or array_like
            Period, 1 for the first renewal.

        Returns
        -------
        numpy.ndarray
            ``r(t)``.
        """
        alpha, beta = self._require_fit()
        (t_,) = _as_array(t)
        return (beta + t_ - 1) / (alpha + beta + t_ - 1)

    def churn_probability(self, t: float | np.ndarray) -> np.ndarray:
        """Probability that a new customer churns at the end of period ``t``, ``P(T = t)``.

        Parameters
        ----------
        t : int or array_like
            Period, 1 for the first.

        Returns
        -------
        numpy.ndarray
            ``P(T = t)``.
        """
        alpha, beta = self._require_fit()
        (t_,) = _as_array(t)
        return np.exp(self._log_churn(alpha, beta, t_))

    def expected_remaining_lifetime(
        self, renewals: float | np.ndarray = 0, discount_rate: float = 0.0
    ) -> np.ndarray:
        """Discounted expected residual lifetime (DERL): expected future renewal payments.

        For a customer who has renewed ``renewals`` times and whose next renewal is
        coming up: ``sum_{k>=1} S(n + k) / S(n) / (1 + d)^(k - 1)`` with ``n = renewals``,
        the next payment undiscounted. Closed form (Fader & Hardie 2010, "Customer-Base
        Valuation in a Contractual Setting", with their ``n = renewals + 1``):
        ``(beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1;
        1 / (1 + d))``. Multiply by the margin per period for the residual value.
        Undiscounted (``d = 0``), it is ``(beta + n) / (alpha - 1)``, finite only when
        ``alpha > 1``.

        Parameters
        ----------
        renewals : int or array_like, default 0
            Renewals made so far (0 for a customer in the first period).
        discount_rate : float, default 0
            Discount rate per period.

        Returns
        -------
        numpy.ndarray
            Expected number of (discounted) future payments, ``inf`` where it diverges.
        """
        alpha, beta = self._require_fit()
        (n,) = _as_array(renewals)
        if discount_rate == 0 and alpha <= 1:
            return np.full(np.shape(n), np.inf)
        if discount_rate == 0:
            return (beta + n) / (alpha - 1)
        z = 1.0 / (1.0 + discount_rate)
        return (beta + n) / (alpha + beta + n) * hyp2f1(1.0, beta + n + 1, alpha + beta + n + 1, z)

    def predict(self, periods: int) -> pd.DataFrame:
        """Retention curve of a new cohort over ``periods`` periods.

        Parameters
        ----------
        periods : int
            Number of periods after acquisition.

        Returns
        -------
        pandas.DataFrame
            Index ``period`` 0..periods; columns ``survival`` (share still active),
            ``retention_rate`` (NaN for period 0) and ``churn_probability``.
        """
        t = np.arange(periods + 1, dtype="float64")
        ret = np.where(t > 0, self.retention_rate(np.maximum(t, 1)), np.nan)
        churn = np.where(t > 0, self.churn_probability(np.maximum(t, 1)), np.nan)
        return pd.DataFrame(
            {"survival": self.survival(t), "retention_rate": ret, "churn_probability": churn},
            index=pd.Index(t.astype(int), name="period"),
        )
