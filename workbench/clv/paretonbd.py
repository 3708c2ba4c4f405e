"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 implementation note).

Poisson purchases at a gamma(r, alpha) rate while alive; exponential lifetimes at a
gamma(s, beta) rate. The likelihood needs the Gaussian hypergeometric function
``2F1(r+s+x, b; r+s+x+1; z)``: it is evaluated with ``z = |alpha - beta| / (max + t)``
in ``[0, 1)`` (the parameter switch of the implementation note), and the difference of
the two hypergeometric terms is taken in log space, so the likelihood stays finite for
customers with hundreds of purchases.

The fit is fast because it works on what repeats: identical ``(x, t_x, T)`` histories
are fitted once with a weight, and the hypergeometric function, which depends on a
customer only through ``(x, t)`` at ``t = t_x`` and ``t = T``, is evaluated once per
distinct ``(x, t)`` pair (with data in days a few thousand pairs stand for hundreds of
thousands of customers). The gradient is analytic: the derivative of ``2F1`` in ``z``
is a contiguous ``2F1``, and its derivatives in the parameters ``a = r + s + x`` and
``b`` come from its power series (central differences of scipy's ``hyp2f1`` where the
series would need more than a few hundred terms).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from workbench.clv._base import PurchaseModel, _as_array, _compress, _dot

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


#: most terms of the power series used for the parameter derivatives of 2F1
_SERIES_MAX_TERMS = 400


def _series_grad(a, b, z, n_terms):
    """Parameter derivatives of ``log 2F1(a, b; a+1; z)`` from ``n_terms`` series terms."""
    aa, bb, zz = a[:, None], b[:, None], z[:, None]
    j = np.arange(n_terms - 1, dtype="float64")[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_step = np.where(zz > 0, np.log((bb + j) / (1.0 + j) * zz), -np.inf)
    zero = np.zeros((len(aa), 1))
    k = np.arange(n_terms, dtype="float64")[None, :]
    log_term = np.concatenate([zero, np.cumsum(log_step, axis=1)], axis=1)
    log_term += np.log(aa) - np.log(aa + k)
    weight = np.exp(log_term - log_term.max(axis=1, keepdims=True))
    weight /= weight.sum(axis=1, keepdims=True)
    psi_diff = np.concatenate([zero, np.cumsum(1.0 / (bb + j), axis=1)], axis=1)
    return np.sum(weight * k / (aa * (aa + k)), axis=1), np.sum(weight * psi_diff, axis=1)


def _log_hyp_grad(a, b, z):
    """Derivatives of ``log 2F1(a, b; a + 1; z)`` in ``a`` and ``b`` for ``0 <= z < 1``.

    With ``c = a + 1`` the series is ``sum_k a / (a + k) (b)_k / k! z^k``; each term's
    derivatives are the term times ``k / (a (a + k))`` and ``psi(b + k) - psi(b)``, so
    both derivatives are weighted means over the normalised terms (computed in log
    space). Where the series would need more than ``_SERIES_MAX_TERMS`` terms (``z``
    near 1 with a large ``b``), central differences of ``log hyp2f1`` are used.
    """
    a, b, z = np.broadcast_arrays(*_as_array(a, b, z))
    d_a = np.empty(a.shape)
    d_b = np.empty(a.shape)
    # terms needed for a relative error ~1e-13: up to where the term ratio
    # (b + k) z / (k + 1) falls below sqrt(z), then a geometric tail of ratio sqrt(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(z)
        start = np.maximum(0.0, (b * z - root) / (root - z))
        need = np.where(z > 0, np.ceil(start + 60.0 / -np.log(z) + 2.0), 1.0)
    series = need <= _SERIES_MAX_TERMS
    # one block per size class, so that small z (the usual case) costs a few terms
    for lo, hi in ((0, 16), (16, 48), (48, 128), (128, _SERIES_MAX_TERMS)):
        block = series & (need > lo) & (need <= hi)
        if np.any(block):
            d_a[block], d_b[block] = _series_grad(a[block], b[block], z[block], int(hi))
    rest = ~series
    if np.any(rest):
        ar, br, zr = a[rest], b[rest], z[rest]
        h_a, h_b = 1e-6 * np.maximum(1.0, ar), 1e-6 * np.maximum(1.0, br)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            d_a[rest] = (
                np.log(hyp2f1(ar + h_a, br, ar + h_a + 1.0, zr))
                - np.log(hyp2f1(ar - h_a, br, ar - h_a + 1.0, zr))
            ) / (2 * h_a)
            d_b[rest] = (
                np.log(hyp2f1(ar, br + h_b, ar + 1.0, zr))
                - np.log(hyp2f1(ar, br - h_b, ar + 1.0, zr))
            ) / (2 * h_b)
    return d_a, d_b


def _log_tail(r, alpha, s, beta, x, t, *, grad=False):
    """``H(t) = log 2F1(r+s+x, b; r+s+x+1; z_t) - (r+s+x) log(kappa + t)`` and its gradient.

    ``s / (r+s+x) * (exp H(t_x) - exp H(T))`` is ``∫_{t_x}^{T} s (beta+tau)^-(s+1)
    (alpha+tau)^-(r+x) dtau``. With ``grad=True`` also returns the derivatives of ``H``
    in ``(r, alpha, s, beta)``, an array of shape ``(4, len(t))``.
    """
    a = r + s + x
    if alpha >= beta:
        kappa, b2, num = alpha, s + 1.0 + 0.0 * x, alpha - beta
    else:
        kappa, b2, num = beta, r + x, beta - alpha
    kt = kappa + t
    z = num / kt
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hyp = hyp2f1(a, b2, a + 1.0, z)
        log_kt = np.log(kt)
        h = np.log(hyp) - a * log_kt
        if not grad:
            return h
        d_z = a * b2 / (a + 1.0) * hyp2f1(a + 1.0, b2 + 1.0, a + 2.0, z) / hyp
    d_a, d_b = _log_hyp_grad(a, b2, z)
    g = np.empty((4, len(t)))
    g[0] = d_a - log_kt  # r
    g[2] = d_a - log_kt  # s
    if alpha >= beta:  # z = (alpha - beta) / (alpha + t), b = s + 1
        g[2] += d_b
        g[1] = d_z * (beta + t) / kt**2 - a / kt
        g[3] = -d_z / kt
    else:  # z = (beta - alpha) / (beta + t), b = r + x
        g[0] += d_b
        g[1] = -d_z / kt
        g[3] = d_z * (alpha + t) / kt**2 - a / kt
    return h, g


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

    def _initial(self, x, T, w):
        # beta at the mean age keeps z = |alpha - beta| / (max + t) small from the start,
        # where the series of the gradient is short
        mean_rate = float(np.average(x[T > 0] / T[T > 0], weights=w[T > 0])) + 1e-6
        return [1.0, 1.0 / mean_rate, 1.0, float(np.average(T, weights=w))]

    def _setup(self, x, tx, T, w):
        n = len(x)
        # the hypergeometric part depends on (x, t) only: one evaluation per distinct pair
        (px, pt), _, inverse = _compress(np.concatenate([x, x]), np.concatenate([tx, T]))
        xs, x_inverse = np.unique(x, return_inverse=True)
        wx = np.bincount(x_inverse, weights=w)
        self._data = {
            "x": x,
            "T": T,
            "w": w,
            "pair_x": px,
            "pair_t": pt,
            "i_tx": inverse[:n],
            "i_T": inverse[n:],
            "xs": xs,
            "wx": wx,
        }

    def _nll(self, log_params):
        r, alpha, s, beta = np.exp(log_params)
        dd = self._data
        x, T, w = dd["x"], dd["T"], dd["w"]
        n_pairs = len(dd["pair_t"])
        h, dh = _log_tail(r, alpha, s, beta, dd["pair_x"], dd["pair_t"], grad=True)
        l1, l2 = h[dd["i_tx"]], h[dd["i_T"]]
        a = r + s + x
        log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
        alive = -(r + x) * log_aT - s * log_bT
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            q = np.minimum(np.exp(l2 - l1), 1.0)
            died = np.log(s) - np.log(a) + l1 + np.log1p(-q)
        total = np.logaddexp(alive, died)
        p_alive = np.exp(alive - total)
        w_died = w * (1.0 - p_alive)
        # log-likelihood: the frequency-only terms once per distinct frequency
        xs, wx = dd["xs"], dd["wx"]
        ll = np.sum(wx * gammaln(r + xs)) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        ll += _dot(w, total)
        # gradient in (r, alpha, s, beta)
        wa = w * p_alive
        g = np.array(
            [
                np.sum(wx * digamma(r + xs)) - digamma(r) + np.log(alpha),
                r / alpha,
                np.log(beta),
                s / beta,
            ]
        )
        g -= [
            _dot(wa, log_aT),
            _dot(wa, (r + x) / (alpha + T)),
            _dot(wa, log_bT),
            s * _dot(wa, 1.0 / (beta + T)),
        ]
        inv_a = _dot(w_died, 1.0 / a)
        g += [-inv_a, 0.0, w_died.sum() / s - inv_a, 0.0]
        # d/dtheta log(exp l1 - exp l2) = (dl1 - q dl2) / (1 - q), gathered per pair
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(q < 1.0, w_died / (1.0 - q), 0.0)
        per_pair = np.bincount(dd["i_tx"], weights=c, minlength=n_pairs) - np.bincount(
            dd["i_T"], weights=c * q, minlength=n_pairs
        )
        g += np.array([_dot(per_pair, dh[i]) for i in range(4)])
        return -float(ll), -g * np.array([r, alpha, s, beta])

    def _p_alive(self, params, x, tx, T):
        _, alive, died = self._terms(params, x, tx, T)
        return np.exp(alive - np.logaddexp(alive, died))

    def _expected_purchases_new(self, params, t):
        r, alpha, s, beta = params
        if abs(s - 1.0) < 1e-10:
            return r * beta / alpha * np.log1p(t / beta)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))

    def _expected_purchases(self, params, t, x, tx, T):
        r, alpha, s, beta = params
        if abs(s - 1.0) < 1e-10:
            per_alive = (r + x) * (beta + T) / (alpha + T) * np.log1p(t / (beta + T))
        else:
            per_alive = (
                (r + x)
                * (beta + T)
                / ((alpha + T) * (s - 1))
                * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
            )
        return per_alive * self._p_alive(params, x, tx, T)
