"""Simulate customer summaries from known parameters (tests of recovery, benchmarks)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import names as N

__all__ = ["simulate_bgnbd", "simulate_paretonbd"]


def _ages(n: int, T: float | np.ndarray) -> np.ndarray:
    """Broadcast ``T`` to one age per customer (a writable copy)."""
    return np.broadcast_to(np.asarray(T, dtype="float64"), (n,)).copy()


def simulate_bgnbd(
    n: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate BG/NBD customers and return their summary.

    Parameters
    ----------
    n : int
        Number of customers.
    r, alpha, a, b : float
        BG/NBD parameters.
    T : float or array of length n
        Age of each customer at the end of the period.
    seed : int, default 0
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T``.

    Examples
    --------
    >>> simulate_bgnbd(3, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0).shape
    (3, 3)
    """
    rng = np.random.default_rng(seed)
    T_ = _ages(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n, dtype=np.int64)
    tx = np.zeros(n)
    t = np.zeros(n)
    active = np.arange(n)
    while active.size:
        t[active] += rng.exponential(1.0, active.size) / lam[active]
        alive = t[active] <= T_[active]
        active = active[alive]
        x[active] += 1
        tx[active] = t[active]
        dies = rng.random(active.size) < p[active]
        active = active[~dies]
    return pd.DataFrame({N.FREQUENCY: x, N.RECENCY: tx, N.T: T_})


def simulate_paretonbd(
    n: int,
    *,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: float | np.ndarray,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate Pareto/NBD customers and return their summary.

    Parameters
    ----------
    n : int
        Number of customers.
    r, alpha, s, beta : float
        Pareto/NBD parameters.
    T : float or array of length n
        Age of each customer at the end of the period.
    seed : int, default 0
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T``.

    Examples
    --------
    >>> simulate_paretonbd(3, r=0.55, alpha=10.6, s=0.6, beta=11.7, T=39.0).shape
    (3, 3)
    """
    rng = np.random.default_rng(seed)
    T_ = _ages(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    life = rng.exponential(1.0, n) / mu
    span = np.minimum(life, T_)
    x = rng.poisson(lam * span)
    with np.errstate(divide="ignore"):
        tx = np.where(x > 0, span * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    return pd.DataFrame({N.FREQUENCY: x.astype(np.int64), N.RECENCY: tx, N.T: T_})
