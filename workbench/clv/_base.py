"""Shared machinery of the CLV models: validation, maximum likelihood, standard errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize

__all__ = ["ConvergenceError", "BaseFitter", "PurchaseModel"]


#: |log parameter| beyond which a fit is taken to have run off to a boundary (e^15 ~ 3.3e6)
_EDGE = 15.0
#: BFGS on log-parameters (unconstrained). scipy's L-BFGS-B calls BLAS on every
#: iteration, which with a multi-threaded OpenBLAS costs ~10 ms a call on a busy machine.
_METHOD = "BFGS"


class ConvergenceError(ValueError):
    """The likelihood maximisation did not converge.

    The message says what was tried and what to try next (another time unit, other
    starting values, more data).
    """


def _column(frame: pd.DataFrame, col: str, what: str) -> np.ndarray:
    """Return ``frame[col]`` as float64, or raise naming the column and the fix."""
    if not isinstance(frame, pd.DataFrame):
        kind = f"{type(frame).__module__}.{type(frame).__name__}"
        raise TypeError(
            f"expected a pandas DataFrame with a {col!r} column, got {kind}: call "
            f".to_pandas() on a Polars frame (.toPandas() on Spark, .df() on DuckDB), or "
            f"summarise an orders table with workbench.metrics.customer_summary first"
        )
    if col not in frame.columns:
        raise ValueError(
            f"the customer summary has no column {col!r} ({what}); found "
            f"{list(frame.columns)}: pass {what.split()[0]}_col=... to name yours"
        )
    try:
        values = pd.to_numeric(frame[col], errors="raise").to_numpy(dtype="float64")
    except (TypeError, ValueError):
        raise ValueError(
            f"column {col!r} ({what}) must be numeric; found values like "
            f"{frame[col].head(3).tolist()}"
        ) from None
    if not np.all(np.isfinite(values)):
        bad = int((~np.isfinite(values)).sum())
        raise ValueError(f"column {col!r} ({what}) has {bad} missing or infinite values; drop them")
    return values


def _offending(mask: np.ndarray, *values: np.ndarray) -> str:
    """Describe the first offending rows: ``'row 3 (-1.0), row 7 (2.5)'``.

    Rows are positions in the frame (0-based), which ``summary.iloc[...]`` finds.
    """
    rows = np.flatnonzero(mask)[:3]
    parts = []
    for i in rows:
        vals = ", ".join(f"{v[i]:g}" for v in values)
        parts.append(f"row {int(i)} ({vals})")
    more = f" and {int(mask.sum()) - len(rows)} more" if mask.sum() > len(rows) else ""
    return ", ".join(parts) + more


def _check_whole(values: np.ndarray, col: str, what: str, fix: str) -> None:
    """Raise unless ``values`` are non-negative whole numbers, naming rows and the fix."""
    bad = (values < 0) | (values != np.round(values))
    if np.any(bad):
        raise ValueError(
            f"column {col!r} must hold non-negative whole numbers ({what}); found "
            f"{_offending(bad, values)} (positions in the frame): {fix}"
        )


def _check_btyd(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, *, cols: Sequence[str]
) -> None:
    """Validate a (frequency, recency, T) summary; raise ValueError naming the problem."""
    fcol, rcol, tcol = cols
    _check_whole(
        frequency,
        fcol,
        "repeat purchases",
        "frequency counts purchases after the first, one per purchase day (a one-time "
        "buyer has 0); rebuild the summary with workbench.clv.customer_summary_btyd or "
        "workbench.metrics.customer_summary instead of averaging or scaling it",
    )
    for values, col in ((recency, rcol), (T, tcol)):
        neg = values < 0
        if np.any(neg):
            raise ValueError(
                f"column {col!r} must be >= 0 (an age of the customer, counted from the first "
                f"purchase); found {_offending(neg, values)}: check that dates are not "
                f"swapped and that as_of is after every purchase"
            )
    over = recency > T * (1 + 1e-9) + 1e-12
    if np.any(over):
        raise ValueError(
            f"{int(over.sum())} customers have {rcol!r} > {tcol!r}: "
            f"{_offending(over, recency, T)}; recency is the age at the last purchase and "
            f"cannot exceed the age T at the end of the calibration period: rebuild the "
            f"summary with the same as_of for both, in the same time unit"
        )
    zero_rec = (frequency == 0) & (recency > 0)
    if np.any(zero_rec):
        raise ValueError(
            f"{int(zero_rec.sum())} customers have {fcol!r} = 0 but {rcol!r} > 0: "
            f"{_offending(zero_rec, frequency, recency)}; a customer without repeat purchases "
            f"has recency 0. {rcol!r} may hold the RFM recency (time since the last purchase, "
            f"rfm_recency): use the buy-till-you-die summary (age at the last purchase)"
        )


def _btyd_columns(
    summary: pd.DataFrame, frequency_col: str, recency_col: str, T_col: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read and validate the (frequency, recency, T) columns of a buy-till-you-die summary.

    Raises the errors of :func:`_column` and :func:`_check_btyd`, naming the column and
    the fix.
    """
    x = _column(summary, frequency_col, "frequency (repeat purchases)")
    tx = _column(summary, recency_col, "recency (age at last purchase)")
    T = _column(summary, T_col, "T (age at the end of the period)")
    _check_btyd(x, tx, T, cols=(frequency_col, recency_col, T_col))
    return x, tx, T


def _compress(
    *columns: np.ndarray, weights: np.ndarray | None = None
) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """Collapse identical rows into one row with a summed weight.

    The same grouping as ``np.unique(np.column_stack(columns), axis=0,
    return_inverse=True)``, done with one ``np.lexsort`` (several times faster than
    ``np.unique`` along an axis). With data in days or rounded weeks most histories
    repeat, so the likelihood is evaluated once per distinct row.

    Returns
    -------
    tuple
        ``(unique_columns, weights, inverse)``: the distinct rows (sorted), the summed
        weight of each, and for every input row the index of its distinct row.
    """
    cols = [np.asarray(c, dtype="float64") for c in columns]
    n = len(cols[0])
    w = np.ones(n) if weights is None else np.asarray(weights, dtype="float64")
    if n == 0:
        return tuple(cols), w, np.zeros(0, dtype=np.intp)
    order = np.lexsort(cols[::-1])
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for c in cols:
        cs = c[order]
        new[1:] |= cs[1:] != cs[:-1]
    group = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = group
    first = order[new]
    return tuple(c[first] for c in cols), np.bincount(inverse, weights=w), inverse


class BaseFitter:
    """Common parts of the maximum-likelihood fitters.

    Subclasses define ``_param_names`` and ``_nll(log_params) -> (value, gradient or None)``
    on data stored by ``fit``; the optimisation runs on log-parameters.

    Attributes
    ----------
    params_ : pandas.Series
        The estimates, indexed by the published parameter names.
    log_likelihood_ : float
        The log-likelihood at the estimates, summed over customers.
    standard_errors_ : pandas.Series
        Asymptotic standard errors from the inverse Hessian of the negative log-likelihood.
    n_customers_ : int
        Number of customers (sum of the weights) the model was fitted on.
    """

    _param_names: tuple[str, ...] = ()
    _model_name = ""

    def __init__(self) -> None:
        self.params_: pd.Series | None = None
        self.log_likelihood_: float | None = None
        self.standard_errors_: pd.Series | None = None
        self.n_customers_: int | None = None
        self.n_iterations_: int | None = None

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"{type(self).__name__}()"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{type(self).__name__}: {ps}, log-likelihood {self.log_likelihood_:.2f}>"

    # -- to be set by subclasses -------------------------------------------------------
    def _nll(self, log_params: np.ndarray) -> tuple[float, np.ndarray | None]:  # pragma: no cover
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------
    def _require_fit(self) -> np.ndarray:
        if self.params_ is None:
            raise ValueError(
                f"{type(self).__name__} is not fitted yet: call .fit(summary) first, or "
                f".set_params(...) with known parameters"
            )
        return self.params_.to_numpy(dtype="float64")

    def set_params(self, **params: float) -> BaseFitter:
        """Use known parameters instead of fitting (for predictions with published values).

        Parameters
        ----------
        **params : float
            Every parameter by its published name.

        Returns
        -------
        BaseFitter
            ``self``.

        Raises
        ------
        ValueError
            If a name is missing, unknown, or a value is not positive.
        """
        names = set(self._param_names)
        if set(params) != names:
            raise ValueError(
                f"{type(self).__name__} takes exactly the parameters "
                f"{', '.join(self._param_names)}; got {', '.join(params)}"
            )
        if any(not (float(v) > 0) for v in params.values()):
            raise ValueError(f"parameters must be positive; got {params}")
        self.params_ = pd.Series({k: float(params[k]) for k in self._param_names}, dtype="float64")
        return self

    def _objective(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = self._nll(log_params)
        if grad is None:
            grad = self._numeric_gradient(log_params, value)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(log_params)
        return value, grad

    def _numeric_gradient(self, log_params: np.ndarray, value: float) -> np.ndarray:
        grad = np.empty_like(log_params)
        for i in range(len(log_params)):
            h = 1e-7 * max(1.0, abs(log_params[i]))
            step = log_params.copy()
            step[i] += h
            grad[i] = (self._nll(step)[0] - value) / h
        return grad

    def _maximise(self, x0: Sequence[float], total_weight: float) -> None:
        """Minimise the mean negative log-likelihood over log-parameters and store results."""
        start = np.log(np.asarray(x0, dtype="float64"))
        tries = [start, np.zeros_like(start), start + 0.5, start - 0.5]
        best = None
        for x_init in tries:
            with np.errstate(all="ignore"):
                res = minimize(
                    self._objective,
                    x_init,
                    jac=True,
                    method=_METHOD,
                    options={"maxiter": 2000, "gtol": 1e-8},
                )
            ok = np.isfinite(res.fun) and res.fun < 1e299
            grad_ok = ok and np.max(np.abs(res.jac)) < 1e-4
            at_bound = np.any(np.abs(res.x) >= _EDGE)
            if ok and (res.success or grad_ok) and not at_bound:
                best = res
                break
            if best is None or (ok and res.fun < best.fun):
                best = res
        res = best
        if (
            not np.isfinite(res.fun)
            or res.fun >= 1e299
            or np.any(np.abs(res.x) >= _EDGE)
            or not (res.success or np.max(np.abs(res.jac)) < 1e-4)
        ):
            raise ConvergenceError(
                f"the {self._model_name} fit did not converge ({res.message}); parameters reached "
                f"{ {k: float(f'{v:.6g}') for k, v in zip(self._param_names, np.exp(res.x))} } "
                f"(a value near 0 or in the millions means the data cannot pin it down, e.g. "
                f"too few repeat buyers). {self._what_to_try()}"
            )
        self.n_iterations_ = int(res.nit)
        params = np.exp(res.x)
        self.params_ = pd.Series(dict(zip(self._param_names, params, strict=True)), dtype="float64")
        self.log_likelihood_ = float(-self._nll(res.x)[0] * total_weight)
        self.n_customers_ = int(round(total_weight))
        self.standard_errors_ = self._standard_errors(res.x, total_weight)
        rel = (self.standard_errors_ / self.params_).to_numpy()
        if not np.all(np.isfinite(rel)) or np.any(rel > 1e3):
            worst = self._param_names[int(np.nanargmax(np.where(np.isfinite(rel), rel, np.inf)))]
            self.params_ = self.log_likelihood_ = self.standard_errors_ = None
            raise ConvergenceError(
                f"the {self._model_name} fit did not converge to a usable optimum: the "
                f"likelihood is flat in {worst!r} (standard error more than 1000 times the "
                f"estimate; the data cannot pin it down, e.g. too few repeat buyers). "
                f"{self._what_to_try()}"
            )

    def _what_to_try(self) -> str:
        """The advice of every ConvergenceError: what the analyst can change."""
        names = ", ".join(f"{k}=..." for k in self._param_names)
        return (
            "Try: (1) rescale the time unit (weeks instead of days: recency and T divided "
            "by 7, or --time-unit week); (2) other starting values, "
            f"fit(..., initial_params=dict({names})); (3) check for extreme outliers (e.g. "
            "summary.nlargest(5, 'frequency'): wholesalers, test accounts, merged ids) and "
            "drop them; (4) a longer calibration period or more customers; and check the "
            "summary is in the model's sense (frequency = repeat purchases, recency = age "
            "at the last purchase)"
        )

    def _standard_errors(self, log_params: np.ndarray, total_weight: float) -> pd.Series:
        """Standard errors from a central-difference Hessian in log-parameters.

        At the optimum the gradient is zero, so the covariance of the natural
        parameters is ``D C D`` with ``D = diag(theta)`` and ``C`` the inverse Hessian
        in log-parameters.
        """
        k = len(log_params)
        hess = np.empty((k, k))
        h = 1e-4
        for i in range(k):
            up = log_params.copy()
            dn = log_params.copy()
            up[i] += h
            dn[i] -= h
            hess[i] = (self._objective(up)[1] - self._objective(dn)[1]) / (2 * h)
        hess = 0.5 * (hess + hess.T) * total_weight
        try:
            cov = np.linalg.inv(hess)
            se = np.exp(log_params) * np.sqrt(np.clip(np.diag(cov), 0, None))
        except np.linalg.LinAlgError:
            se = np.full(k, np.nan)
        return pd.Series(dict(zip(self._param_names, se, strict=True)), dtype="float64")

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals, one row per parameter.

        Returns
        -------
        pandas.DataFrame
            Columns ``coef``, ``se``, ``lower_95``, ``upper_95``.
        """
        params = self._require_fit()
        se = (
            self.standard_errors_.to_numpy()
            if self.standard_errors_ is not None
            else np.full(len(params), np.nan)
        )
        return pd.DataFrame(
            {
                "coef": params,
                "se": se,
                "lower_95": params - 1.959964 * se,
                "upper_95": params + 1.959964 * se,
            },
            index=pd.Index(self._param_names, name="param"),
        )


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS.

    ``np.dot`` of long vectors calls a multi-threaded BLAS, whose threads spin against
    each other on a busy 2-core machine (10x slower fits); the plain sum does not.
    """
    return float(np.sum(np.multiply(a, b)))


def _as_array(*values: float | np.ndarray | pd.Series) -> list[np.ndarray]:
    """Broadcast scalars, arrays and Series to float arrays."""
    return [np.asarray(v, dtype="float64") for v in values]


class PurchaseModel(BaseFitter):
    """Base of the continuous-time purchase models (BG/NBD, MBG/NBD, Pareto/NBD).

    Subclasses implement, on float arrays and the fitted parameters ``params``:
    ``_loglik(params, x, tx, T)`` (per-customer log-likelihood), ``_setup(x, tx, T, w)``,
    ``_p_alive(params, x, tx, T)``, ``_expected_purchases(params, t, x, tx, T)`` and
    ``_expected_purchases_new(params, t)``; the public methods here check the fit and
    convert their inputs.
    """

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
        weights_col: str | None = None,
        initial_params: dict[str, float] | None = None,
    ) -> PurchaseModel:
        """Fit the model by maximum likelihood to a per-customer summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer (or per identical history with ``weights_col``), with
            the repeat purchases, the age at the last purchase and the age at the end of
            the calibration period, in any one time unit.
        frequency_col, recency_col, T_col : str
            Column names (buy-till-you-die meanings, see ``workbench.names``).
        weights_col : str, optional
            Number of customers each row stands for.
        initial_params : dict, optional
            Starting values by parameter name.

        Returns
        -------
        PurchaseModel
            ``self``, with ``params_``, ``log_likelihood_``, ``standard_errors_``.

        Raises
        ------
        ValueError
            If a column is missing or the summary is inconsistent.
        ConvergenceError
            If the maximisation does not converge.
        """
        x, tx, T = _btyd_columns(summary, frequency_col, recency_col, T_col)
        w = None if weights_col is None else _column(summary, weights_col, "weights")
        if len(x) == 0:
            raise ValueError("the customer summary is empty: nothing to fit")
        if not np.any(x > 0):
            raise ConvergenceError(
                f"the {self._model_name} fit did not converge: no customer has a repeat "
                f"purchase ({frequency_col} > 0), so too few repeat buyers to estimate the "
                f"purchase rate. {self._what_to_try()}"
            )
        (x, tx, T), w, _ = _compress(x, tx, T, weights=w)
        total = float(w.sum())
        self._setup(x, tx, T, w / total)
        x0 = (
            self._initial(x, T, w)
            if initial_params is None
            else [initial_params[k] for k in self._param_names]
        )
        self._maximise(x0, total)
        self._data = None
        return self

    def _initial(self, x: np.ndarray, T: np.ndarray, w: np.ndarray) -> list[float]:
        mean_rate = float(np.average(x[T > 0] / T[T > 0], weights=w[T > 0])) + 1e-6
        return [1.0, 1.0 / mean_rate] + [1.0] * (len(self._param_names) - 2)

    def log_likelihood(
        self,
        frequency: float | np.ndarray,
        recency: float | np.ndarray,
        T: float | np.ndarray,
    ) -> np.ndarray:
        """Per-customer log-likelihood at the fitted (or set) parameters.

        Parameters
        ----------
        frequency, recency, T : float or array_like
            Repeat purchases, age at the last purchase, age at the end of the period.

        Returns
        -------
        numpy.ndarray
            ``log L`` per customer.
        """
        x, tx, T_ = _as_array(frequency, recency, T)
        return self._loglik(self._require_fit(), x, tx, T_)

    def prob_no_purchases(self, t: float | np.ndarray) -> np.ndarray:
        """Probability that a new customer makes no repeat purchase in ``(0, t]``.

        This is the likelihood of the history ``(0, 0, t)``.

        Parameters
        ----------
        t : float or array_like
            Length of the period after the first purchase.

        Returns
        -------
        numpy.ndarray
            ``P(X(t) = 0)``.
        """
        (t_,) = _as_array(t)
        zero = np.zeros_like(t_)
        return np.exp(self._loglik(self._require_fit(), zero, zero, t_))

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
        return self._p_alive(self._require_fit(), x, tx, T_)

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
        params = self._require_fit()
        (t_,) = _as_array(t)
        return self._expected_purchases_new(params, t_)

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
        params = self._require_fit()
        t_, x, tx, T_ = _as_array(t, frequency, recency, T)
        return self._expected_purchases(params, t_, x, tx, T_)

    def predict(
        self,
        summary: pd.DataFrame,
        t: float | np.ndarray,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> pd.DataFrame:
        """Per-customer probability alive and expected purchases in the next ``t``.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with frequency, recency and T (as for ``fit``).
        t : float or array_like
            Horizon, in the time unit of the summary (one value, or one per customer).
        frequency_col, recency_col, T_col : str
            Column names.

        Returns
        -------
        pandas.DataFrame
            Same index as ``summary``; columns ``p_alive`` and ``expected_purchases``.
            Each distinct history is evaluated once.
        """
        x, tx, T = _btyd_columns(summary, frequency_col, recency_col, T_col)
        # evaluated once per distinct history, then handed back to every customer
        horizon = np.broadcast_to(np.asarray(t, dtype="float64"), x.shape)
        (xu, txu, Tu, tu), _, inverse = _compress(x, tx, T, horizon)
        return pd.DataFrame(
            {
                "p_alive": self.p_alive(xu, txu, Tu)[inverse],
                "expected_purchases": self.expected_purchases(tu, xu, txu, Tu)[inverse],
            },
            index=summary.index,
        )
