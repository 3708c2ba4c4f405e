"""Plotly figures of the CLV checks and results; builders return figures, never show them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.labels import check_lang, label
from workbench.plots import ABC_COLORS, PALETTE, _check, _finish

__all__ = [
    "plot_holdout_comparison",
    "plot_cumulative_repeat_purchases",
    "plot_p_alive_distribution",
    "plot_clv_distribution",
    "plot_retention_curve",
]


def plot_holdout_comparison(table: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Bars of actual and predicted mean holdout purchases by calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`workbench.clv.holdout_comparison`.
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (actual, model).

    Examples
    --------
    >>> t = pd.DataFrame({"n_customers": [5, 2], "actual": [0.2, 1.0],
    ...                   "predicted": [0.25, 0.9]}, index=pd.Index(["0", "1+"]))
    >>> len(plot_holdout_comparison(t).data)
    2
    """
    check_lang(lang)
    _check(
        table,
        ["actual", "predicted"],
        "plot_holdout_comparison",
        "workbench.clv.holdout_comparison",
    )
    x = [str(i) for i in table.index]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=table["actual"],
                name=label("clv.series.actual", lang),
                marker_color=PALETTE[0],
            ),
            go.Bar(
                x=x,
                y=table["predicted"],
                name=label("clv.series.model", lang),
                marker_color=PALETTE[1],
            ),
        ]
    )
    fig.update_layout(barmode="group")
    return _finish(
        fig,
        label("clv.title.holdout", lang),
        xaxis_title=label("clv.axis.calibration_frequency", lang),
        yaxis_title=label("clv.axis.holdout_mean", lang),
    )


def plot_cumulative_repeat_purchases(curve: pd.DataFrame, *, lang: str = "en") -> go.Figure:
    """Lines of actual and expected cumulative repeat purchases, with the calibration end.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`workbench.clv.cumulative_repeat_purchases`.
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    plotly.graph_objects.Figure
        Two line traces; a dashed vertical line at the last calibration period.
    """
    check_lang(lang)
    _check(
        curve,
        ["actual", "expected"],
        "plot_cumulative_repeat_purchases",
        "workbench.clv.cumulative_repeat_purchases",
    )
    x = np.asarray(curve.index)
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=curve["actual"],
                mode="lines",
                name=label("clv.series.actual", lang),
                line={"color": PALETTE[0]},
            ),
            go.Scatter(
                x=x,
                y=curve["expected"],
                mode="lines",
                name=label("clv.series.model", lang),
                line={"color": PALETTE[1], "dash": "dash"},
            ),
        ]
    )
    if "holdout" in curve.columns and bool(curve["holdout"].any()):
        last_cal = x[~curve["holdout"].to_numpy()][-1] if (~curve["holdout"]).any() else x[0]
        fig.add_vline(
            x=float(last_cal),
            line_dash="dot",
            line_color=PALETTE[8],
            annotation_text=label("clv.series.end_of_calibration", lang),
        )
    return _finish(
        fig,
        label("clv.title.cumulative", lang),
        xaxis_title=label("clv.axis.period", lang),
        yaxis_title=label("clv.axis.cumulative", lang),
    )


def plot_p_alive_distribution(
    frame: pd.DataFrame, *, p_alive_col: str = "p_alive", bins: int = 20, lang: str = "en"
) -> go.Figure:
    """Histogram of the customers' probability of being alive.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer (from ``model.predict`` or ``customer_lifetime_value``).
    p_alive_col : str, default "p_alive"
        Column name.
    bins : int, default 20
        Number of bins over [0, 1].
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    plotly.graph_objects.Figure
        One histogram trace.
    """
    check_lang(lang)
    _check(
        frame,
        [p_alive_col],
        "plot_p_alive_distribution",
        "workbench.clv.customer_lifetime_value",
    )
    fig = go.Figure(
        go.Histogram(
            x=frame[p_alive_col],
            xbins={"start": 0.0, "end": 1.0, "size": 1.0 / bins},
            marker_color=PALETTE[0],
            name=label("clv.axis.p_alive", lang),
        )
    )
    return _finish(
        fig,
        label("clv.title.p_alive", lang),
        xaxis_title=label("clv.axis.p_alive", lang),
        yaxis_title=label("word.customers", lang),
    )


def plot_clv_distribution(
    frame: pd.DataFrame,
    *,
    clv_col: str = "clv",
    horizon: int = 12,
    abc_col: str = "abc_class",
    lang: str = "en",
) -> go.Figure:
    """Histogram of CLV, one colour per ABC class when the frame has ``abc_class``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of ``customer_lifetime_value`` (optionally through ``clv_abc``).
    clv_col : str, default "clv"
        Column name.
    horizon : int, default 12
        Months of the CLV, for the title.
    abc_col : str, default "abc_class"
        ABC column used for the colours when present.
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    plotly.graph_objects.Figure
        One histogram trace per ABC class (or one in all).
    """
    check_lang(lang)
    _check(frame, [clv_col], "plot_clv_distribution", "workbench.clv.customer_lifetime_value")
    if abc_col in frame.columns:
        traces = [
            go.Histogram(
                x=frame.loc[frame[abc_col] == c, clv_col],
                name=label(f"abc.{c}", lang),
                marker_color=ABC_COLORS[c],
            )
            for c in ("A", "B", "C")
        ]
    else:
        traces = [
            go.Histogram(
                x=frame[clv_col], marker_color=PALETTE[0], name=label("clv.axis.clv", lang)
            )
        ]
    fig = go.Figure(traces)
    fig.update_layout(barmode="stack")
    return _finish(
        fig,
        label("clv.title.clv", lang, horizon=horizon),
        xaxis_title=label("clv.axis.clv", lang),
        yaxis_title=label("word.customers", lang),
    )


def plot_retention_curve(
    curve: pd.DataFrame, *, observed: pd.DataFrame | None = None, lang: str = "en"
) -> go.Figure:
    """Survival curve of an sBG model, with the observed cohort when given.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :meth:`ShiftedBetaGeoFitter.predict` (index ``period``, ``survival``).
    observed : pandas.DataFrame, optional
        Cohort counts with ``period`` and ``active`` columns.
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    plotly.graph_objects.Figure
        Model line, plus observed markers.

    Raises
    ------
    ValueError
        If ``curve`` or ``observed`` lacks a column it needs.

    Examples
    --------
    >>> from workbench.clv import ShiftedBetaGeoFitter
    >>> from workbench.datasets import retention_cohort
    >>> sbg = ShiftedBetaGeoFitter().set_params(alpha=0.704, beta=1.182)
    >>> len(plot_retention_curve(sbg.predict(7), observed=retention_cohort()).data)
    2
    """
    check_lang(lang)
    _check(
        curve,
        ["survival"],
        "plot_retention_curve",
        "workbench.clv.ShiftedBetaGeoFitter.predict",
    )
    if observed is not None:
        _check(
            observed,
            ["period", "active"],
            "plot_retention_curve(observed=...)",
            "workbench.datasets.retention_cohort() (or any cohort table with one row "
            "per period and its customers still active)",
        )
    fig = go.Figure(
        go.Scatter(
            x=np.asarray(curve.index),
            y=curve["survival"],
            mode="lines",
            name=label("clv.series.model", lang),
            line={"color": PALETTE[1]},
        )
    )
    if observed is not None:
        share = observed["active"] / observed["active"].iloc[0]
        fig.add_trace(
            go.Scatter(
                x=observed["period"],
                y=share,
                mode="markers",
                name=label("clv.series.actual", lang),
                marker={"color": PALETTE[0]},
            )
        )
    return _finish(
        fig,
        label("clv.title.retention", lang),
        xaxis_title=label("clv.axis.renewal_period", lang),
        yaxis_title=label("clv.axis.survival", lang),
    )
