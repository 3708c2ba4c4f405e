"""BG/NBD (Fader, Hardie & Lee 2005) and modified BG/NBD (Batislam et al. 2007).

Both models share one likelihood core: Poisson purchases at a gamma(r, alpha)
distributed rate, and a beta(a, b) distributed probability of dropping out after each
purchase (BG/NBD) or also right after the first one (MBG/NBD). The fit uses analytic
gradients; terms that depend only on the frequency are evaluated once per distinct
frequency.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from workbench.clv._base import PurchaseModel, _dot

__all__ = ["BetaGeoFitter", "ModifiedBetaGeoFitter"]


class _BetaGeoCore(PurchaseModel):
    """Likelihood shared by BG/NBD (``_offset = 0``) and MBG/NBD (``_offset = 1``)."""

    _param_names = ("r", "alpha", "a", "b")
    _offset = 0

    def _loglik(self, params, x, tx, T):
        r, alpha, a, b = params
        o = self._offset
        ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        ll = ll + betaln(a, b + x + o) - betaln(a, b) - (r + x) * np.log(alpha + T)
        mask = (x > 0) if o == 0 else np.ones(np.shape(x), dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (
                np.log(a)
                - np.log(b + x + o - 1)
                + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
        return ll + np.where(mask, np.logaddexp(0.0, np.where(mask, d, 0.0)), 0.0)

    def _setup(self, x, tx, T, w):
        xs, inv = np.unique(x, return_inverse=True)
        wx = np.bincount(inv, weights=w)
        mask = (x > 0) if self._offset == 0 else np.ones(len(x), dtype=bool)
        self._data = {
            "xs": xs,
            "wx": wx,
            "x": x,
            "T": T,
            "w": w,
            "xm": x[mask],
            "txm": tx[mask],
            "Tm": T[mask],
            "wm": w[mask],
        }

    def _nll(self, log_params):
        r, alpha, a, b = np.exp(log_params)
        o = self._offset
        dd = self._data
        xs, wx = dd["xs"], dd["wx"]
        # terms of the frequency only
        f = np.sum(wx * (gammaln(r + xs) + betaln(a, b + xs + o))) - gammaln(r) - betaln(a, b)
        f += r * np.log(alpha)
        g_r = np.sum(wx * digamma(r + xs)) - digamma(r) + np.log(alpha)
        g_alpha = r / alpha
        psi_ab = digamma(a + b)
        psi_abx = np.sum(wx * digamma(a + b + xs + o))
        g_a = psi_ab - psi_abx
        g_b = np.sum(wx * digamma(b + xs + o)) - psi_abx - digamma(b) + psi_ab
        # per-customer terms
        x, T, w = dd["x"], dd["T"], dd["w"]
        log_aT = np.log(alpha + T)
        f -= _dot(w * (r + x), log_aT)
        g_r -= _dot(w, log_aT)
        g_alpha -= _dot(w, (r + x) / (alpha + T))
        xm, txm, Tm, wm = dd["xm"], dd["txm"], dd["Tm"], dd["wm"]
        if len(xm):
            lr = np.log(alpha + Tm) - np.log(alpha + txm)
            d = np.log(a) - np.log(b + xm + o - 1) + (r + xm) * lr
            f += _dot(wm, np.logaddexp(0.0, d))
            pw = wm * expit(d)
            g_r += _dot(pw, lr)
            g_alpha += _dot(pw * (r + xm), 1.0 / (alpha + Tm) - 1.0 / (alpha + txm))
            g_a += pw.sum() / a
            g_b -= np.sum(pw / (b + xm + o - 1))
        grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
        return -f, -grad

    def _odds_dead(self, params, x, tx, T):
        """``a / (b + x + o - 1) * ((alpha + T) / (alpha + t_x))^(r + x)``, 0 if not applicable."""
        r, alpha, a, b = params
        o = self._offset
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            odds = np.exp(
                np.log(a)
                - np.log(b + x + o - 1)
                + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
        if o == 0:
            odds = np.where(x > 0, odds, 0.0)
        return odds

    def _p_alive(self, params, x, tx, T):
        return 1.0 / (1.0 + self._odds_dead(params, x, tx, T))


class BetaGeoFitter(_BetaGeoCore):
    """BG/NBD purchase model: parameters ``r, alpha`` (purchase rate), ``a, b`` (dropout).

    Examples
    --------
    >>> m = BetaGeoFitter().set_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)[()]), 3)
    1.226
    >>> round(float(m.prob_no_purchases(39)[()]), 4)
    0.5738
    """

    _model_name = "BG/NBD"
    _offset = 0

    def _expected_purchases_new(self, params, t):
        r, alpha, a, b = params
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

    def _expected_purchases(self, params, t, x, tx, T):
        r, alpha, a, b = params
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        return num / (1.0 + self._odds_dead(params, x, tx, T))


class ModifiedBetaGeoFitter(_BetaGeoCore):
    """Modified BG/NBD: like BG/NBD, but customers may also drop out after the first purchase.

    Parameters ``r, alpha, a, b`` as for BG/NBD (Batislam, Denizel & Filiztekin 2007).

    Examples
    --------
    >>> m = ModifiedBetaGeoFitter().set_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
    >>> float(m.p_alive(0, 0, 39)[()]) < 1.0
    True
    """

    _model_name = "MBG/NBD"
    _offset = 1

    def _expected_purchases_new(self, params, t):
        r, alpha, a, b = params
        hyp = hyp2f1(r, b + 1, a + b, t / (alpha + t))
        return b / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)

    def _expected_purchases(self, params, t, x, tx, T):
        r, alpha, a, b = params
        hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
        num = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x))
        return num / (1.0 + self._odds_dead(params, x, tx, T))
