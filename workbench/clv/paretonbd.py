"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 implementation note).

Poisson purchases at a gamma(r, alpha) rate while alive; exponential lifetimes at a
gamma(s, beta) rate. The likelihood needs the Gaussian hypergeometric function
``2F1(r+s+x, b; r+s+x+1; z)``: it is evaluated with ``z = |alpha - beta| / (max + t)``
in ``[0, 1)`` (the parameter switch of the implementation note), and the difference of
the two hypergeometric terms is taken in log space, so the likelihood stays finite for
customers with hundreds of purchases.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1

from workbench.clv._base import PurchaseModel, _as_array, _dot

__all__ = ["ParetoNBDFitter"]


def _log_a0(r, alpha, s, beta, x, tx, T):
    """``log(s / (r+s+x) * A0)``: the log of the probability mass of dying in ``(t_x, T]``.

    Equal to ``log ∫_{t_x}^{T} s beta^-s (beta+tau)^-(s+1) (alpha+tau)^-(r+x) dtau`` up to
    the factor ``beta^s`` that the caller adds.
    """
    rsx = r + s + x
    if alpha >= beta:
        kappa, b2 = alpha, s + 1.0
        num = alpha - beta
    else:
        kappa, b2 = beta, r + x
        num = beta - alpha
    z_tx = num / (kappa + tx)
    z_T = num / (kappa + T)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        l1 = np.log(hyp2f1(rsx, b2, rsx + 1.0, z_tx)) - rsx * np.log(kappa + tx)
        l2 = np.log(hyp2f1(rsx, b2, rsx + 1.0, z_T)) - rsx * np.log(kappa + T)
        diff = np.exp(l2 - l1)
        log_a0 = l1 + np.log1p(-np.minimum(diff, 1.0))
    return np.log(s) - np.log(rsx) + log_a0


class ParetoNBDFitter(PurchaseModel):
    """Pareto/NBD purchase model: parameters ``r, alpha`` (purchase rate), ``s, beta`` (lifetime).

    Examples
    --------
    >>> m = ParetoNBDFitter().set_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
    >>> round(float(m.p_alive(26, 30.86, 31)[()]), 4)
    0.9979
    >>> round(float(m.expected_purchases(52, 26, 30.86, 31)[()]), 1)
    25.5
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "Pareto/NBD"

    def _terms(self, params, x, tx, T):
        """Return the common factor and the two log terms (alive at T, died in (t_x, T])."""
        r, alpha, s, beta = params
        base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        died = _log_a0(r, alpha, s, beta, x, tx, T)
        return base, alive, died

    def _loglik(self, params, x, tx, T):
        base, alive, died = self._terms(params, x, tx, T)
        return base + np.logaddexp(alive, died)

    def _setup(self, x, tx, T, w):
        self._data = {"x": x, "tx": tx, "T": T, "w": w}

    def _nll(self, log_params):
        dd = self._data
        ll = self._loglik(np.exp(log_params), dd["x"], dd["tx"], dd["T"])
        return -float(_dot(dd["w"], ll)), None

    def p_alive(
        self,
        frequency: float | np.ndarray,
        recency: float | np.ndarray,
        T: float | np.ndarray,
    ) -> np.ndarray:
        """Probability that a customer with history ``(x, t_x, T)`` is still alive at ``T``.

        Parameters
        ----------
        frequency, recency, T : float or array_like
            Repeat purchases, age at the last purchase, age at the end of the period.

        Returns
        -------
        numpy.ndarray
            ``P(alive | x, t_x, T)``.
        """
        x, tx, T_ = _as_array(frequency, recency, T)
        _, alive, died = self._terms(self._require_fit(), x, tx, T_)
        return np.exp(alive - np.logaddexp(alive, died))

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases of a new customer in ``(0, t]``, ``E[X(t)]``.

        Parameters
        ----------
        t : float or array_like
            Time since the first purchase.

        Returns
        -------
        numpy.ndarray
            ``E[X(t)]``.
        """
        r, alpha, s, beta = self._require_fit()
        (t_,) = _as_array(t)
        if abs(s - 1.0) < 1e-10:
            return r * beta / alpha * np.log1p(t_ / beta)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t_)) ** (s - 1))

    def expected_purchases(
        self,
        t: float | np.ndarray,
        frequency: float | np.ndarray,
        recency: float | np.ndarray,
        T: float | np.ndarray,
    ) -> np.ndarray:
        """Expected purchases in ``(T, T + t]`` of a customer with history ``(x, t_x, T)``.

        Parameters
        ----------
        t : float or array_like
            Horizon after the end of the calibration period.
        frequency, recency, T : float or array_like
            Repeat purchases, age at the last purchase, age at the end of the period.

        Returns
        -------
        numpy.ndarray
            ``E[Y(t) | x, t_x, T]``.
        """
        r, alpha, s, beta = self._require_fit()
        t_, x, tx, T_ = _as_array(t, frequency, recency, T)
        if abs(s - 1.0) < 1e-10:
            per_alive = (r + x) * (beta + T_) / (alpha + T_) * np.log1p(t_ / (beta + T_))
        else:
            per_alive = (
                (r + x)
                * (beta + T_)
                / ((alpha + T_) * (s - 1))
                * (1 - ((beta + T_) / (beta + T_ + t_)) ** (s - 1))
            )
        return per_alive * self.p_alive(x, tx, T_)
