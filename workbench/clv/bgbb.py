"""BG/BB model for discrete purchase opportunities (Fader, Hardie & Shang 2010).

Each period (a year of donations, an annual order) a customer buys with probability
``p ~ beta(alpha, beta)`` while alive, and dies between periods with probability
``theta ~ beta(gamma, delta)``. Data are usually aggregated to one row per
``(frequency, recency, periods)`` pattern with the number of customers in ``weights``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln, logsumexp

from workbench.clv._base import (
    BaseFitter,
    _as_array,
    _check_whole,
    _column,
    _compress,
    _dot,
    _offending,
)

__all__ = ["BetaGeoBetaBinomFitter"]


class BetaGeoBetaBinomFitter(BaseFitter):
    """BG/BB model: parameters ``alpha, beta`` (purchase) and ``gamma, delta`` (dropout).

    ``frequency`` is the number of repeat transactions in the ``periods`` opportunities
    after the first, ``recency`` the opportunity of the last one (0 if none).

    Examples
    --------
    >>> m = BetaGeoBetaBinomFitter().set_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    >>> m.p_alive([0, 2, 6], [0, 4, 6], 6).round(2).tolist()
    [0.11, 0.59, 0.93]
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _model_name = "BG/BB"

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        periods_col: str = "periods",
        weights_col: str | None = "weights",
        initial_params: dict[str, float] | None = None,
    ) -> BetaGeoBetaBinomFitter:
        """Fit by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer or per pattern, with whole numbers ``frequency <=
            recency <= periods`` (``recency`` 0 when ``frequency`` is 0).
        frequency_col, recency_col, periods_col : str
            Column names.
        weights_col : str or None
            Column with the number of customers per row; ``None`` or a missing column
            means one customer per row.
        initial_params : dict, optional
            Starting values by parameter name.

        Returns
        -------
        BetaGeoBetaBinomFitter
            ``self``, fitted.

        Raises
        ------
        ValueError
            If the columns are missing or inconsistent.
        ConvergenceError
            If the maximisation does not converge.
        """
        x = _column(summary, frequency_col, "frequency (repeat transactions)")
        tx = _column(summary, recency_col, "recency (period of the last transaction)")
        n = _column(summary, periods_col, "periods (transaction opportunities)")
        if weights_col is not None and weights_col in summary.columns:
            w = _column(summary, weights_col, "weights (customers per row)")
        else:
            w = np.ones(len(x))
        for arr, col, what in (
            (x, frequency_col, "repeat transactions"),
            (tx, recency_col, "period of the last transaction"),
            (n, periods_col, "transaction opportunities"),
        ):
            _check_whole(
                arr, col, what, "BG/BB counts whole periods (years, campaigns): round the data"
            )
        bad = (x > tx) | (tx > n) | ((x == 0) & (tx > 0))
        if np.any(bad):
            raise ValueError(
                f"each row needs {frequency_col} <= {recency_col} <= {periods_col}, and "
                f"{recency_col} = 0 when {frequency_col} = 0; found "
                f"{_offending(bad, x, tx, n)} ({frequency_col}, {recency_col}, {periods_col}): "
                f"recount the periods with a transaction"
            )
        (x, tx, n), w, _ = _compress(x, tx, n, weights=w)
        self._data = {"x": x, "tx": tx, "n": n, "w": w / w.sum()}
        x0 = (
            [1.0, 1.0, 1.0, 1.0]
            if initial_params is None
            else [initial_params[k] for k in self._param_names]
        )
        self._maximise(x0, float(w.sum()))
        self._data = None
        return self

    @staticmethod
    def _loglik_params(params, x, tx, n):
        alpha, beta, gamma, delta = params
        x, tx, n = np.broadcast_arrays(*_as_array(x, tx, n))
        first = (
            betaln(alpha + x, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + n)
            - betaln(gamma, delta)
        )
        kmax = int(np.max(n - tx)) if x.size else 0
        if kmax <= 0:
            return first
        i = np.arange(kmax)[None, :]
        xx, txx, nn = x.reshape(-1, 1), tx.reshape(-1, 1), n.reshape(-1, 1)
        terms = (
            betaln(alpha + xx, beta + txx - xx + i)
            - betaln(alpha, beta)
            + betaln(gamma + 1, delta + txx + i)
            - betaln(gamma, delta)
        )
        terms = np.where(i < nn - txx, terms, -np.inf)
        stacked = np.concatenate([first.reshape(-1, 1), terms], axis=1)
        return logsumexp(stacked, axis=1).reshape(x.shape)

    def _nll(self, log_params):
        d = self._data
        ll = self._loglik_params(np.exp(log_params), d["x"], d["tx"], d["n"])
        return -float(_dot(d["w"], ll)), None

    def log_likelihood(
        self, frequency: int | np.ndarray, recency: int | np.ndarray, periods: int | np.ndarray
    ) -> np.ndarray:
        """Per-customer log-likelihood at the fitted (or set) parameters.

        Parameters
        ----------
        frequency, recency, periods : int or array_like
            Repeat transactions, period of the last one, number of opportunities.

        Returns
        -------
        numpy.ndarray
            ``log L`` per customer.
        """
        return self._loglik_params(self._require_fit(), frequency, recency, periods)

    def p_alive(
        self,
        frequency: int | np.ndarray,
        recency: int | np.ndarray,
        periods: int | np.ndarray,
        future: int = 1,
    ) -> np.ndarray:
        """Probability of being alive at opportunity ``periods + future``.

        Parameters
        ----------
        frequency, recency, periods : int or array_like
            The customer's history.
        future : int, default 1
            How many opportunities ahead (1 = the next one, as in the paper's tables).

        Returns
        -------
        numpy.ndarray
            ``P(alive at n + future | x, t_x, n)``.
        """
        alpha, beta, gamma, delta = params = self._require_fit()
        x, tx, n = _as_array(frequency, recency, periods)
        num = (
            betaln(alpha + x, beta + n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + n + future)
            - betaln(gamma, delta)
        )
        return np.exp(num - self._loglik_params(params, x, tx, n))

    def expected_purchases(
        self,
        m_periods: int | np.ndarray,
        frequency: int | np.ndarray,
        recency: int | np.ndarray,
        periods: int | np.ndarray,
    ) -> np.ndarray:
        """Expected transactions in the next ``m_periods`` opportunities.

        Parameters
        ----------
        m_periods : int or array_like
            Number of future opportunities.
        frequency, recency, periods : int or array_like
            The customer's history.

        Returns
        -------
        numpy.ndarray
            ``E[X(n, n + m) | x, t_x, n]`` (Fader, Hardie & Shang 2010, eq. 13).
        """
        alpha, beta, gamma, delta = params = self._require_fit()
        m, x, tx, n = _as_array(m_periods, frequency, recency, periods)
        log_l = self._loglik_params(params, x, tx, n)
        p2 = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        p3 = delta / (gamma - 1) * np.exp(gammaln(gamma + delta) - gammaln(1 + delta))
        p4 = np.exp(gammaln(1 + delta + n) - gammaln(gamma + delta + n))
        p5 = np.exp(gammaln(1 + delta + n + m) - gammaln(gamma + delta + n + m))
        return np.exp(p2 - log_l) * p3 * (p4 - p5)

    def expected_purchases_new(self, n_periods: int | np.ndarray) -> np.ndarray:
        """Expected repeat transactions of a new customer in the first ``n_periods`` opportunities.

        Parameters
        ----------
        n_periods : int or array_like
            Number of opportunities.

        Returns
        -------
        numpy.ndarray
            ``E[X(n)]``.
        """
        alpha, beta, gamma, delta = self._require_fit()
        (n,) = _as_array(n_periods)
        ratio = np.exp(
            gammaln(gamma + delta)
            - gammaln(gamma + delta + n)
            + gammaln(1 + delta + n)
            - gammaln(1 + delta)
        )
        return alpha / (alpha + beta) * delta / (gamma - 1) * (1 - ratio)

    def predict(
        self,
        summary: pd.DataFrame,
        m_periods: int,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        periods_col: str = "periods",
    ) -> pd.DataFrame:
        """Per-row probability alive and expected transactions in the next ``m_periods``.

        Parameters
        ----------
        summary : pandas.DataFrame
            Rows with frequency, recency and periods.
        m_periods : int
            Number of future opportunities.
        frequency_col, recency_col, periods_col : str
            Column names.

        Returns
        -------
        pandas.DataFrame
            Same index; columns ``p_alive`` and ``expected_purchases``.
        """
        x = _column(summary, frequency_col, "frequency")
        tx = _column(summary, recency_col, "recency")
        n = _column(summary, periods_col, "periods")
        return pd.DataFrame(
            {
                "p_alive": self.p_alive(x, tx, n),
                "expected_purchases": self.expected_purchases(m_periods, x, tx, n),
            },
            index=summary.index,
        )
