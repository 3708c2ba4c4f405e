"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").

The value of a customer's transactions is gamma(p, nu) distributed around the
customer's mean, and nu is gamma(q, gamma) distributed across customers. The model is
fitted on repeat buyers only: their number of repeat purchases and the mean value of
those purchases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from workbench.clv._base import (
    BaseFitter,
    _as_array,
    _check_whole,
    _column,
    _compress,
    _dot,
    _offending,
)

__all__ = ["GammaGammaFitter", "MIN_REPEAT_BUYERS"]

#: fewest repeat buyers the spend model is fitted on
MIN_REPEAT_BUYERS = 10


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma model of the mean spend per transaction: parameters ``p, q, gamma``.

    Examples
    --------
    >>> m = GammaGammaFitter().set_params(p=6.25, q=3.74, gamma=15.44)
    >>> m.expected_spend([2, 0], [22.35, 0.0]).round(2).tolist()
    [24.66, 35.22]
    """

    _param_names = ("p", "q", "gamma")
    _model_name = "Gamma-Gamma"

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = "frequency",
        monetary_value_col: str = "monetary_value",
        weights_col: str | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> GammaGammaFitter:
        """Fit on the repeat buyers of a per-customer summary.

        Customers with ``frequency == 0`` are ignored (they have no repeat spend).

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with the number of repeat purchases and their mean value.
        frequency_col, monetary_value_col : str
            Column names.
        weights_col : str, optional
            Number of customers each row stands for.
        initial_params : dict, optional
            Starting values by parameter name.

        Returns
        -------
        GammaGammaFitter
            ``self``, with ``params_``, ``log_likelihood_``, ``standard_errors_``.

        Raises
        ------
        ValueError
            If a repeat buyer has a non-positive mean spend, or there are fewer than
            ``MIN_REPEAT_BUYERS`` repeat buyers.
        ConvergenceError
            If the maximisation does not converge.
        """
        x = _column(summary, frequency_col, "frequency (repeat purchases)")
        m = _column(summary, monetary_value_col, "monetary_value (mean repeat spend)")
        w = (
            np.ones(len(x))
            if weights_col is None
            else _column(summary, weights_col, "weights (customers per row)")
        )
        _check_whole(
            x,
            frequency_col,
            "repeat purchases",
            "frequency counts purchases after the first; rebuild the summary with "
            "workbench.clv.customer_summary_btyd",
        )
        keep = x > 0
        bad = keep & (m <= 0)
        if np.any(bad):
            raise ValueError(
                f"{int(bad.sum())} repeat buyers have {monetary_value_col!r} <= 0: "
                f"{_offending(bad, m)}; the Gamma-Gamma model needs positive spend: drop "
                f"returns/refund-only customers or fit on gross values"
            )
        n_repeat = float(w[keep].sum())
        if n_repeat < MIN_REPEAT_BUYERS:
            raise ValueError(
                f"only {n_repeat:g} customers with repeat purchases ({frequency_col!r} > 0) "
                f"among {len(x)} rows; the Gamma-Gamma spend model needs at least "
                f"{MIN_REPEAT_BUYERS}: use a longer calibration period, or value customers "
                f"with the average spend (historical value) instead"
            )
        (xk, mk), wk, _ = _compress(x[keep], m[keep], weights=w[keep])
        self._data = {"x": xk, "m": mk, "w": wk / wk.sum()}
        mean_m = float(np.average(mk, weights=wk))
        x0 = (
            [1.0, 1.0, mean_m]
            if initial_params is None
            else [initial_params[k] for k in self._param_names]
        )
        self._maximise(x0, float(wk.sum()))
        self._data = None
        return self

    def _nll(self, log_params):
        p, q, g = np.exp(log_params)
        x, m, w = self._data["x"], self._data["m"], self._data["w"]
        px = p * x
        lgm = np.log(g + m * x)
        logm, logx = np.log(m), np.log(x)
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(g)
            + (px - 1) * logm
            + px * logx
            - (px + q) * lgm
        )
        psi = digamma(px + q)
        g_p = _dot(w, x * (psi - digamma(px) + logm + logx - lgm))
        g_q = _dot(w, psi - lgm) - digamma(q) + np.log(g)
        g_g = q / g - _dot(w, (px + q) / (g + m * x))
        return -float(_dot(w, ll)), -np.array([g_p * p, g_q * q, g_g * g])

    def expected_spend(
        self,
        frequency: float | np.ndarray,
        monetary_value: float | np.ndarray,
    ) -> np.ndarray:
        """Expected mean spend per transaction given the repeat history.

        A customer without repeat purchases gets the population mean ``p gamma / (q - 1)``.

        Parameters
        ----------
        frequency : float or array_like
            Repeat purchases.
        monetary_value : float or array_like
            Mean value of the repeat purchases (ignored where ``frequency == 0``).

        Returns
        -------
        numpy.ndarray
            ``E[M | p, q, gamma, x, mbar]``.

        Raises
        ------
        ValueError
            If ``p x + q <= 1`` for a customer (``q <= 1``: infinite expected spend).
        """
        p, q, g = self._require_fit()
        x, m = _as_array(frequency, monetary_value)
        m = np.where(x > 0, m, 0.0)
        denominator = p * x + q - 1
        if np.any(denominator <= 0):
            few = np.atleast_1d(denominator <= 0)
            raise ValueError(
                f"the Gamma-Gamma model has q = {q:.3g} <= 1, so its expected spend is "
                f"infinite for customers with frequency <= {(1 - q) / p:.3g} "
                f"({int(few.sum())} here, e.g. {_offending(few, np.atleast_1d(x))}): the "
                f"spend differs too much between customers for the model's population "
                f"mean. Value those customers apart (e.g. summary[summary['frequency'] > "
                f"0]), use spend_model=None (each customer's own mean spend), or fit on "
                f"a more homogeneous group (one segment or channel)"
            )
        return p * (g + x * m) / denominator

    def predict(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = "frequency",
        monetary_value_col: str = "monetary_value",
    ) -> pd.DataFrame:
        """Per-customer expected spend per transaction.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer.
        frequency_col, monetary_value_col : str
            Column names.

        Returns
        -------
        pandas.DataFrame
            Same index as ``summary``; column ``expected_spend``.
        """
        x = _column(summary, frequency_col, "frequency (repeat purchases)")
        m = _column(summary, monetary_value_col, "monetary_value (mean repeat spend)")
        return pd.DataFrame({"expected_spend": self.expected_spend(x, m)}, index=summary.index)
