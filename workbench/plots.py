"""Plotly figures of metrics results, in English or Chinese.

Every builder takes the frame a ``workbench.metrics`` or ``workbench.tiers`` function
returns (canonical column names, see :mod:`workbench.names`), returns a
:class:`plotly.graph_objects.Figure` and never displays it. Builders only arrange
results for the eye (group counts into a grid, order categories, thin a long curve);
they compute no metric.

All figures use the registered plotly template ``"workbench"`` (colour-blind-safe
Okabe-Ito palette, cividis for continuous scales, fonts that read on a laptop and
show Chinese). The template is set on each figure; plotly's global default is left
alone. Every user-facing text comes from the label table (:mod:`workbench.labels`).

Examples
--------
>>> import pandas as pd
>>> tiers = pd.DataFrame({"lifecycle_tier": ["new", "new", "loyal"]})
>>> fig = lifecycle_funnel(tiers, lang="zh")
>>> fig.data[0].y[1], fig.data[0].x[1]
('新客户', 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from workbench import names as N
from workbench.labels import all_labels, check_lang, label

__all__ = [
    "TEMPLATE",
    "PALETTE",
    "TIER_ORDER",
    "TIER_COLORS",
    "ABC_COLORS",
    "register_template",
    "tier_label",
    "segment_label",
    "rfm_heatmap",
    "segment_treemap",
    "pareto_curve",
    "abc_bars",
    "lifecycle_funnel",
    "tier_migration_sankey",
    "cohort_heatmap",
    "sales_trend",
    "receivables_ageing",
    "man_matrix",
    "growth_bars",
]

TEMPLATE = "workbench"

#: Okabe & Ito (2008), safe for the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
    "#999999",  # grey
)

#: Lifecycle tiers in the order a customer climbs them (domain §3.1), dormant last.
TIER_ORDER: tuple[str, ...] = ("potential", "new", "repeat", "mature", "loyal", "dormant")

TIER_COLORS: dict[str, str] = {
    "potential": "#999999",
    "new": "#56B4E9",
    "repeat": "#009E73",
    "mature": "#0072B2",
    "loyal": "#E69F00",
    "dormant": "#D55E00",
}

ABC_COLORS: dict[str, str] = {"A": "#D55E00", "B": "#E69F00", "C": "#56B4E9"}

_FONT = "Noto Sans, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Arial, sans-serif"
_MAX_CURVE_POINTS = 501


def register_template() -> go.layout.Template:
    """Register (or refresh) the ``"workbench"`` plotly template and return it.

    The template is added to ``plotly.io.templates`` under ``"workbench"``; plotly's
    default template is not changed. Builders in this module set it per figure.

    Returns
    -------
    plotly.graph_objects.layout.Template
        The template: Okabe-Ito colourway, cividis continuous scale, 14 px text.

    Examples
    --------
    >>> register_template().layout.colorway[0]
    '#0072B2'
    """
    # A light template (the look of plotly_white without its defaults for every trace type
    # and 3-D scene): plotly copies the template into each figure, and a lean one keeps an
    # explorer's redraw fast.
    grid = "#E5ECF6"
    axis = {
        "gridcolor": grid,
        "linecolor": grid,
        "zerolinecolor": grid,
        "ticks": "",
        "automargin": True,
        "title": {"standoff": 12},
    }
    template = go.layout.Template(
        layout={
            "colorway": list(PALETTE),
            "font": {"family": _FONT, "size": 14, "color": "#222222"},
            "title": {"font": {"size": 18}, "x": 0.0, "xanchor": "left"},
            "legend": {"font": {"size": 13}},
            "hoverlabel": {"font": {"size": 13, "family": _FONT}, "align": "left"},
            "hovermode": "closest",
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": axis,
            "yaxis": axis,
            "colorscale": {"sequential": "cividis", "sequentialminus": "cividis"},
            "margin": {"l": 70, "r": 30, "t": 70, "b": 60},
            "height": 460,
        }
    )
    pio.templates[TEMPLATE] = template
    return template


register_template()


# --- helpers -------------------------------------------------------------------------


def _check(frame: pd.DataFrame, columns: Iterable[str], what: str, producer: str) -> None:
    """Raise a ValueError naming the missing columns, the columns found and the producer.

    The one input check of the figure builders, here and in :mod:`workbench.clv.plotting`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(
            f"{what} needs a pandas DataFrame, got {type(frame).__name__}; "
            f"convert it with .to_pandas() first"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {', '.join(map(repr, missing))}, which the frame "
            f"does not have (it has {', '.join(map(str, frame.columns)) or 'none'}); "
            f"pass the result of {producer}"
        )


def _has(key: str) -> bool:
    return key in all_labels()


def _label_or(key: str, lang: str, default: str) -> str:
    return label(key, lang) if _has(key) else default


def tier_label(tier: object, lang: str = "en") -> str:
    """Return the display name of a lifecycle tier or ABC class.

    Parameters
    ----------
    tier : object
        A tier id (``"loyal"``) or ABC class (``"A"``); anything else is shown as is.
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
        The label, e.g. ``"忠诚客户"``.

    Examples
    --------
    >>> tier_label("loyal", "zh"), tier_label("A"), tier_label("gold")
    ('忠诚客户', 'A key', 'gold')
    """
    text = str(tier)
    for key in (f"tier.{text}", f"abc.{text}"):
        if _has(key):
            return label(key, lang)
    return text


def segment_label(segment: object, lang: str = "en") -> str:
    """Return the display name of an RFM segment id.

    Looks the id up in the label table under ``segment_en.*`` and ``segment_zh.*``
    (the tiers module's keys); an id with no label is shown as is.

    Parameters
    ----------
    segment : object
        Segment id as the tiers module writes it (``"champions"``).
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> segment_label("champions", "zh"), segment_label("important_value", "en")
    ('冠军客户', 'Important value')
    """
    text = str(segment)
    for prefix in ("segment_en", "segment_zh"):
        key = f"{prefix}.{text}"
        if _has(key):
            return label(key, lang)
    return text


def _segment_colour(segment: str) -> str:
    """A colour per segment id that stays the same whatever the filter (black left out)."""
    from workbench.tiers import SEGMENT_EN_IDS, SEGMENT_ZH_IDS

    colours = [c for c in PALETTE if c != "#000000"]
    for ids in (SEGMENT_EN_IDS, SEGMENT_ZH_IDS):
        if segment in ids:
            return colours[ids.index(segment) % len(colours)]
    return colours[sum(map(ord, segment)) % len(colours)]


def _finish(fig: go.Figure, title: str, **layout: object) -> go.Figure:
    """Apply the workbench template, the title and any other layout keys; return ``fig``."""
    fig.update_layout(template=TEMPLATE, title={"text": title}, **layout)
    return fig


def _tier_order(values: Iterable[object]) -> list[str]:
    seen = [str(v) for v in pd.unique(pd.Series(list(values), dtype=object).dropna())]
    known = [t for t in TIER_ORDER if t in seen]
    known += [t for t in ("A", "B", "C") if t in seen]
    return known + sorted(t for t in seen if t not in known)


def _count_and_sum(
    keys: pd.Series, values: pd.Series | None = None
) -> tuple[pd.Series, pd.Series | None]:
    """Count rows (and sum ``values``) per key, keys as text; fast on categoricals."""
    counts = keys.value_counts(sort=False, dropna=True)
    counts.index = counts.index.astype(str)
    counts = counts.groupby(level=0, sort=False).sum()
    sums = None
    if values is not None:
        sums = values.groupby(keys, sort=False, observed=True, dropna=True).sum()
        sums.index = sums.index.astype(str)
        sums = sums.groupby(level=0, sort=False).sum()
    return counts, sums


def _period_axis(values: pd.Series) -> pd.Series:
    """Turn periods (Period, Timestamp, str) into values plotly draws on a date axis."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.start_time
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return values.astype(str)


# --- builders --------------------------------------------------------------------------


def rfm_heatmap(
    scores: pd.DataFrame,
    *,
    value: str = "monetary",
    lang: str = "en",
    r_col: str = N.R_SCORE,
    f_col: str = N.F_SCORE,
    monetary_col: str = N.RFM_MONETARY,
) -> go.Figure:
    """Draw customers on the R × F score grid, coloured by mean spend or count.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per customer with ``r_score`` and ``f_score`` (1-5) and, for
        ``value="monetary"``, ``rfm_monetary``: the result of
        ``workbench.tiers.rfm_scores``.
    value : {"monetary", "count"}
        Colour by the mean ``rfm_monetary`` of the cell or by its number of customers.
    lang : {"en", "zh"}
        Language of the texts.
    r_col, f_col, monetary_col : str
        Column names, canonical by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``heatmap`` trace: ``x`` = R score 1-5, ``y`` = F score 1-5, ``z[f-1][r-1]``
        the cell's value (NaN for an empty cell when ``value="monetary"``).

    Raises
    ------
    ValueError
        If a column is missing or ``value`` is unknown.

    Examples
    --------
    >>> s = pd.DataFrame({"r_score": [5, 5, 1], "f_score": [5, 5, 1], "rfm_monetary": [10, 30, 5]})
    >>> fig = rfm_heatmap(s)
    >>> fig.data[0].z[4][4], fig.data[0].z[0][0]
    (20.0, 5.0)
    """
    check_lang(lang)
    if value not in ("monetary", "count"):
        raise ValueError(f"value={value!r} is not known; use 'monetary' or 'count'")
    needed = [r_col, f_col] + ([monetary_col] if value == "monetary" else [])
    _check(scores, needed, "rfm_heatmap", "workbench.tiers.rfm_scores")
    r = scores[r_col].to_numpy(dtype="int64") - 1
    f = scores[f_col].to_numpy(dtype="int64") - 1
    if len(r) and (r.min() < 0 or r.max() > 4 or f.min() < 0 or f.max() > 4):
        raise ValueError(f"rfm_heatmap needs scores from 1 to 5 in {r_col!r} and {f_col!r}")
    cell = f * 5 + r
    count = np.bincount(cell, minlength=25).astype(float)
    if value == "count":
        z = count
        colorbar = label("plot.count", lang)
        title = label("plot.title.rfm_count", lang)
    else:
        total = np.bincount(cell, weights=scores[monetary_col].to_numpy(float), minlength=25)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
        colorbar = label("plot.axis.mean_monetary", lang)
        title = label("plot.title.rfm_monetary", lang)
    z = z.reshape(5, 5)
    ticks = [1, 2, 3, 4, 5]
    fig = go.Figure(
        go.Heatmap(
            x=ticks,
            y=ticks,
            z=z.tolist(),
            customdata=count.reshape(5, 5).astype(int).tolist(),
            colorscale="cividis",
            colorbar={"title": {"text": colorbar}},
            texttemplate="%{z:,.0f}",
            hovertemplate=(
                "R %{x} · F %{y}<br>"
                + colorbar
                + ": %{z:,.0f}<br>"
                + label("plot.count", lang)
                + ": %{customdata:,}<extra></extra>"
            ),
        )
    )
    return _finish(
        fig,
        title,
        xaxis={"title": {"text": label("plot.axis.r_score", lang)}, "tickvals": ticks},
        yaxis={"title": {"text": label("plot.axis.f_score", lang)}, "tickvals": ticks},
    )


def segment_treemap(
    segments: pd.DataFrame,
    *,
    scheme: str = "en",
    value: str = "customers",
    lang: str = "en",
    segment_col: str | None = None,
    monetary_col: str = N.RFM_MONETARY,
) -> go.Figure:
    """Draw RFM segments as a treemap sized by customers or by value.

    Parameters
    ----------
    segments : pandas.DataFrame
        One row per customer with ``segment_en`` or ``segment_zh`` (the result of
        ``workbench.tiers.rfm_segments``) and ``rfm_monetary`` for ``value="revenue"``.
    scheme : {"en", "zh"}
        Which segment column to draw: ``segment_en`` (R ``rfm`` scheme) or
        ``segment_zh`` (Chinese 8 classes). Independent of ``lang``.
    value : {"customers", "revenue"}
        Size tiles by number of customers or by summed ``rfm_monetary``.
    lang : {"en", "zh"}
        Language of the texts.
    segment_col : str, optional
        Override the segment column.
    monetary_col : str
        Column summed for ``value="revenue"``.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``treemap`` trace; ``ids`` are the segment ids (largest first), ``labels``
        their names in ``lang``, ``values`` the sizes.

    Raises
    ------
    ValueError
        If a column is missing or ``scheme``/``value`` is unknown.

    Examples
    --------
    >>> s = pd.DataFrame({"segment_en": ["lost", "lost", "champions"]})
    >>> fig = segment_treemap(s)
    >>> list(fig.data[0].ids), list(fig.data[0].values)
    (['lost', 'champions'], [2, 1])
    """
    check_lang(lang)
    if scheme not in ("en", "zh"):
        raise ValueError(f"scheme={scheme!r} is not known; use 'en' or 'zh'")
    if value not in ("customers", "revenue"):
        raise ValueError(f"value={value!r} is not known; use 'customers' or 'revenue'")
    col = segment_col or (N.SEGMENT_EN if scheme == "en" else N.SEGMENT_ZH)
    needed = [col] + ([monetary_col] if value == "revenue" else [])
    _check(segments, needed, "segment_treemap", "workbench.tiers.rfm_segments")
    counts, sums = _count_and_sum(
        segments[col], segments[monetary_col] if value == "revenue" else None
    )
    sizes = counts if sums is None else sums
    sizes = sizes[sizes > 0].sort_values(ascending=False, kind="stable")
    ids = [str(i) for i in sizes.index]
    word = label("plot.count", lang) if value == "customers" else label("word.revenue", lang)
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=[segment_label(i, lang) for i in ids],
            parents=[""] * len(ids),
            values=[v.item() if hasattr(v, "item") else v for v in sizes.to_numpy()],
            customdata=ids,
            marker={"colors": [_segment_colour(i) for i in ids]},
            textinfo="label+value+percent root",
            hovertemplate="%{label}<br>" + word + ": %{value:,}<extra></extra>",
        )
    )
    return _finish(fig, label("plot.title.segments", lang), margin={"t": 60, "l": 10, "r": 10})


def _thin_curve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``_MAX_CURVE_POINTS`` points of a monotone curve, ends included."""
    if len(x) <= _MAX_CURVE_POINTS:
        return x, y
    grid = np.linspace(0.0, 1.0, _MAX_CURVE_POINTS)
    return grid, np.interp(grid, x, y)


def pareto_curve(
    lorenz: pd.DataFrame,
    *,
    gini: float | None = None,
    lang: str = "en",
    customer_col: str = "customer_share",
    value_col: str = "value_share",
) -> go.Figure:
    """Draw the Pareto (concentration) curve with the 80/20 marks.

    The curve runs from the largest customers to the smallest: at ``x`` = share of
    customers, ``y`` = share of value they bring. A Lorenz curve given from the
    smallest customers up (below the diagonal) is turned round first, so both
    conventions draw the same picture. The top-20% mark reads the curve at 0.2.

    Parameters
    ----------
    lorenz : pandas.DataFrame
        Points ``customer_share`` and ``value_share`` in [0, 1], ordered along the
        curve: the Lorenz points of ``workbench.tiers.pareto_summary``.
    gini : float, optional
        Gini coefficient, shown in the title when given.
    lang : {"en", "zh"}
        Language of the texts.
    customer_col, value_col : str
        Column names.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: the curve (``scatter``, at most 501 points, from (0, 0) to (1, 1)),
        the equality diagonal; layout shapes for the 20% and 80% lines and an
        annotation with the value share of the top 20%.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> pts = pd.DataFrame({"customer_share": [0.2, 1.0], "value_share": [0.8, 1.0]})
    >>> fig = pareto_curve(pts)
    >>> list(fig.data[0].x), list(fig.data[0].y)
    ([0.0, 0.2, 1.0], [0.0, 0.8, 1.0])
    """
    check_lang(lang)
    _check(lorenz, [customer_col, value_col], "pareto_curve", "workbench.tiers.pareto_summary")
    x = lorenz[customer_col].to_numpy(float)
    y = lorenz[value_col].to_numpy(float)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if len(x) and np.trapezoid(y, x) < 0.5 * (x[-1] ** 2 - x[0] ** 2) - 1e-12:
        # bottom-up Lorenz curve: look at it from the largest customers instead
        x, y = (1.0 - x)[::-1], (1.0 - y)[::-1]
    if not len(x) or x[0] > 0:
        x, y = np.r_[0.0, x], np.r_[0.0, y]
    if x[-1] < 1:
        x, y = np.r_[x, 1.0], np.r_[y, 1.0]
    x, y = _thin_curve(x, y)
    top20 = float(np.interp(0.2, x, y))
    title = label("plot.title.pareto", lang)
    if gini is not None:
        title += " · " + label("plot.mark.gini", lang, gini=gini)
    fig = go.Figure(
        [
            go.Scatter(
                x=x.tolist(),
                y=y.tolist(),
                mode="lines",
                name=label("plot.legend.curve", lang),
                line={"width": 3, "color": PALETTE[0]},
                hovertemplate="%{x:.1%} → %{y:.1%}<extra></extra>",
            ),
            go.Scatter(
                x=[0.0, 1.0],
                y=[0.0, 1.0],
                mode="lines",
                name=label("plot.legend.equality", lang),
                line={"dash": "dot", "color": PALETTE[8]},
                hoverinfo="skip",
            ),
        ]
    )
    mark = {"color": PALETTE[3], "dash": "dash", "width": 1.5}
    shapes = [
        {"type": "line", "x0": 0.2, "x1": 0.2, "y0": 0, "y1": top20, "line": mark},
        {"type": "line", "x0": 0, "x1": 0.2, "y0": top20, "y1": top20, "line": mark},
        {"type": "line", "x0": 0, "x1": 1, "y0": 0.8, "y1": 0.8, "line": {**mark, "dash": "dot"}},
    ]
    note = {
        "x": 0.2,
        "y": top20,
        "text": label("plot.mark.top20", lang, share=top20),
        "showarrow": True,
        "arrowhead": 2,
        "ax": 60,
        "ay": 40,
        "xanchor": "left",
        "font": {"size": 14},
    }
    return _finish(
        fig,
        title,
        shapes=shapes,
        annotations=[note],
        xaxis={
            "title": {"text": label("plot.axis.customer_share", lang)},
            "tickformat": ".0%",
            "range": [0, 1],
        },
        yaxis={
            "title": {"text": label("plot.axis.value_share", lang)},
            "tickformat": ".0%",
            "range": [0, 1.02],
        },
        legend={"x": 0.98, "y": 0.05, "xanchor": "right", "yanchor": "bottom"},
    )


#: The documents' rule of thumb for the ABC classes (domain §3.2), shares.
_ABC_REFERENCE = {"A": (0.05, 0.50), "B": (0.15, 0.30), "C": (0.80, 0.20)}


def abc_bars(
    classes: pd.DataFrame,
    *,
    value_col: str = N.REVENUE,
    lang: str = "en",
    class_col: str = N.ABC_CLASS,
    reference: bool = True,
) -> go.Figure:
    """Draw each ABC class's share of customers and share of value side by side.

    Parameters
    ----------
    classes : pandas.DataFrame
        One row per customer with ``abc_class`` (``"A"``, ``"B"``, ``"C"``) and the
        value the classes were cut on: the result of ``workbench.tiers.abc_classes``.
    value_col : str
        The value column (``revenue`` by default; ``profit`` when tiered on profit).
    lang : {"en", "zh"}
        Language of the texts.
    class_col : str
        Column holding the class.
    reference : bool
        Also mark the documents' rule of thumb (A 5% / 50%, B 15% / 30%, C 80% / 20%).

    Returns
    -------
    plotly.graph_objects.Figure
        Two ``bar`` traces (share of customers, share of value; ``y`` in [0, 1], one
        bar per class in A, B, C order) and, with ``reference``, a ``scatter`` trace of
        the rule-of-thumb value shares.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> c = pd.DataFrame({"abc_class": ["A", "C", "C", "C"], "revenue": [70.0, 10, 10, 10]})
    >>> fig = abc_bars(c, reference=False)
    >>> list(fig.data[0].y), list(fig.data[1].y)
    ([0.25, 0.75], [0.7, 0.3])
    """
    check_lang(lang)
    _check(classes, [class_col, value_col], "abc_bars", "workbench.tiers.abc_classes")
    counts, values = _count_and_sum(classes[class_col], classes[value_col])
    order = _tier_order(counts.index)
    counts = counts.reindex(order, fill_value=0)
    values = values.reindex(order, fill_value=0.0)
    n, total = counts.sum(), values.sum()
    cust_share = (counts / n if n else counts * 0.0).astype(float).round(12)
    value_share = (values / total if total else values * 0.0).astype(float).round(12)
    names = [tier_label(c, lang) for c in order]
    colors = [ABC_COLORS.get(c, PALETTE[8]) for c in order]
    traces = [
        go.Bar(
            x=names,
            y=cust_share.tolist(),
            name=label("plot.legend.customer_share", lang),
            marker={"color": colors, "opacity": 0.55, "line": {"color": colors, "width": 2}},
            text=[f"{v:.0%}" for v in cust_share],
            textposition="outside",
            customdata=counts.tolist(),
            hovertemplate="%{x}: %{y:.1%} (%{customdata:,})<extra></extra>",
        ),
        go.Bar(
            x=names,
            y=value_share.tolist(),
            name=label("plot.legend.value_share", lang),
            marker={"color": colors},
            text=[f"{v:.0%}" for v in value_share],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        ),
    ]
    if reference:
        ref = [c for c in order if c in _ABC_REFERENCE]
        traces.append(
            go.Scatter(
                x=[tier_label(c, lang) for c in ref],
                y=[_ABC_REFERENCE[c][1] for c in ref],
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 40, "color": "#000000"},
                name=label("plot.legend.reference", lang),
                hovertemplate="%{y:.0%}<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    return _finish(
        fig,
        label("plot.title.abc", lang),
        barmode="group",
        xaxis={"title": {"text": label("plot.axis.class", lang)}},
        yaxis={
            "title": {"text": label("plot.axis.share", lang)},
            "tickformat": ".0%",
            "range": [0, 1.1],
        },
    )


def lifecycle_funnel(
    tiers: pd.DataFrame,
    *,
    lang: str = "en",
    tier_col: str = N.LIFECYCLE_TIER,
) -> go.Figure:
    """Draw the customers of each lifecycle tier as a funnel, potential to loyal.

    Parameters
    ----------
    tiers : pandas.DataFrame
        One row per customer with ``lifecycle_tier``: the result of
        ``workbench.tiers.lifecycle_tiers``.
    lang : {"en", "zh"}
        Language of the texts.
    tier_col : str
        Column holding the tier.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``funnel`` trace: ``y`` the six tiers in ladder order (potential, new,
        repeat, mature, loyal, then dormant, then any unknown tier), ``x`` the counts
        (0 for an empty tier); ``customdata`` holds the tier ids.

    Raises
    ------
    ValueError
        If the column is missing.

    Examples
    --------
    >>> t = pd.DataFrame({"lifecycle_tier": ["dormant", "new", "new"]})
    >>> list(lifecycle_funnel(t).data[0].x)
    [0, 2, 0, 0, 0, 1]
    """
    check_lang(lang)
    _check(tiers, [tier_col], "lifecycle_funnel", "workbench.tiers.lifecycle_tiers")
    counts, _ = _count_and_sum(tiers[tier_col])
    order = list(TIER_ORDER) + [t for t in _tier_order(counts.index) if t not in TIER_ORDER]
    counts = counts.reindex(order, fill_value=0)
    fig = go.Figure(
        go.Funnel(
            y=[tier_label(t, lang) for t in order],
            x=[int(v) for v in counts],
            customdata=order,
            marker={"color": [TIER_COLORS.get(t, PALETTE[7]) for t in order]},
            textinfo="value+percent total",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    return _finish(fig, label("plot.title.lifecycle", lang))


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def tier_migration_sankey(
    migration: pd.DataFrame,
    *,
    start: object = None,
    end: object = None,
    lang: str = "en",
    from_col: str = "from_tier",
    to_col: str = "to_tier",
    count_col: str = "customers",
) -> go.Figure:
    """Draw how customers moved between tiers from one date to another.

    Parameters
    ----------
    migration : pandas.DataFrame
        One row per (from tier, to tier) with the number of customers: the result of
        ``workbench.tiers.tier_migration``.
    start, end : date-like, optional
        The two dates compared, shown in the title and node names.
    lang : {"en", "zh"}
        Language of the texts.
    from_col, to_col, count_col : str
        Column names.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``sankey`` trace: nodes are the start tiers (left) then the end tiers
        (right), each in ladder order; links ``source``/``target`` index the nodes
        and ``value`` is the number of customers (rows with 0 are dropped).

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> m = pd.DataFrame({"from_tier": ["new", "new"], "to_tier": ["repeat", "dormant"],
    ...                   "customers": [3, 1]})
    >>> s = tier_migration_sankey(m).data[0]
    >>> list(s.link.source), list(s.link.target), list(s.link.value)
    ([0, 0], [1, 2], [3, 1])
    """
    check_lang(lang)
    _check(
        migration,
        [from_col, to_col, count_col],
        "tier_migration_sankey",
        "workbench.tiers.tier_migration",
    )
    flows = migration[migration[count_col] > 0]
    left = _tier_order(flows[from_col])
    right = _tier_order(flows[to_col])
    start_word = str(pd.Timestamp(start).date()) if start is not None else label("plot.start", lang)
    end_word = str(pd.Timestamp(end).date()) if end is not None else label("plot.end", lang)
    node_labels = [f"{tier_label(t, lang)} ({start_word})" for t in left] + [
        f"{tier_label(t, lang)} ({end_word})" for t in right
    ]
    node_colors = [TIER_COLORS.get(t, ABC_COLORS.get(t, PALETTE[8])) for t in left + right]
    index_left = {t: i for i, t in enumerate(left)}
    index_right = {t: len(left) + i for i, t in enumerate(right)}
    source = [index_left[str(t)] for t in flows[from_col]]
    target = [index_right[str(t)] for t in flows[to_col]]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": node_labels,
                "color": node_colors,
                "pad": 18,
                "thickness": 18,
                "customdata": left + right,
            },
            link={
                "source": source,
                "target": target,
                "value": [int(v) for v in flows[count_col]],
                "color": [_rgba(node_colors[s], 0.35) for s in source],
            },
        )
    )
    title = label("plot.title.migration", lang)
    if start is not None and end is not None:
        title += f" · {start_word} → {end_word}"
    return _finish(fig, title)


def cohort_heatmap(
    retention: pd.DataFrame,
    *,
    lang: str = "en",
    cohort_col: str = "cohort",
    index_col: str = "period_index",
    retention_col: str = "retention",
    count_col: str = "customers",
) -> go.Figure:
    """Draw cohort retention as a heatmap, oldest cohort on top.

    Parameters
    ----------
    retention : pandas.DataFrame
        Long form, one row per (cohort, period index) with ``customers`` active and
        ``retention`` in [0, 1]: the result of ``workbench.metrics.cohort_retention``.
    lang : {"en", "zh"}
        Language of the texts.
    cohort_col, index_col, retention_col, count_col : str
        Column names.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``heatmap`` trace: ``y`` the cohorts as text (sorted), ``x`` the period
        indexes, ``z`` retention (NaN where a cohort has no such period yet),
        ``customdata`` the active customers.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> r = pd.DataFrame({"cohort": ["2024-01", "2024-01", "2024-02"], "period_index": [0, 1, 0],
    ...                   "customers": [4, 2, 5], "retention": [1.0, 0.5, 1.0]})
    >>> h = cohort_heatmap(r).data[0]
    >>> list(h.y), h.z[0], h.z[1][0]
    (['2024-01', '2024-02'], [1.0, 0.5], 1.0)
    """
    check_lang(lang)
    _check(
        retention,
        [cohort_col, index_col, retention_col, count_col],
        "cohort_heatmap",
        "workbench.metrics.cohort_retention",
    )
    frame = retention[[cohort_col, index_col, retention_col, count_col]].copy()
    frame["_cohort"] = frame[cohort_col].astype(str)
    z = frame.pivot_table(
        index="_cohort", columns=index_col, values=retention_col, aggfunc="first", sort=True
    )
    n = frame.pivot_table(
        index="_cohort", columns=index_col, values=count_col, aggfunc="first", sort=True
    ).reindex_like(z)
    z_list = [[None if pd.isna(v) else float(v) for v in row] for row in z.to_numpy()]
    n_list = [[0 if pd.isna(v) else int(v) for v in row] for row in n.to_numpy()]
    fig = go.Figure(
        go.Heatmap(
            x=[int(c) for c in z.columns],
            y=list(z.index),
            z=z_list,
            customdata=n_list,
            zmin=0,
            zmax=1,
            colorscale="cividis",
            colorbar={"title": {"text": label("plot.axis.retention", lang)}, "tickformat": ".0%"},
            texttemplate="%{z:.0%}",
            hovertemplate=(
                "%{y} · +%{x}<br>%{z:.1%}<br>"
                + label("plot.count", lang)
                + ": %{customdata:,}<extra></extra>"
            ),
        )
    )
    return _finish(
        fig,
        label("plot.title.cohort", lang),
        xaxis={"title": {"text": label("plot.axis.period_index", lang)}, "dtick": 1},
        yaxis={
            "title": {"text": label("plot.axis.cohort", lang)},
            "autorange": "reversed",
            "type": "category",
        },
    )


def _value_label(value: str, lang: str) -> str:
    for key in (f"word.{value}", f"plot.axis.{value}"):
        if _has(key):
            return label(key, lang)
    return value


def sales_trend(
    report: pd.DataFrame,
    *,
    by: str | None = None,
    value: str = N.REVENUE,
    lang: str = "en",
    max_series: int = 8,
    period_col: str = "period",
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Draw a sales measure over time, one line per value of a dimension.

    Parameters
    ----------
    report : pandas.DataFrame
        Long form with ``period``, the dimension column ``by`` (if any) and ``value``:
        the result of ``workbench.metrics.sales_report``.
    by : str, optional
        Dimension column (``department``, ``salesperson``, ``outlet``, ``product_id``,
        ``category``...). None draws one total line.
    value : str
        Measure to draw: ``revenue``, ``orders``, ``customers``, ``profit``,
        ``avg_order_value``...
    lang : {"en", "zh"}
        Language of the texts.
    max_series : int
        Lines drawn at most; the dimension values beyond the largest ``max_series - 1``
        (by total) are summed into one "Other" line (only for additive measures:
        revenue, orders, profit; otherwise they are left out).
    period_col : str
        Period column (pandas Period, Timestamp or text).
    names : mapping, optional
        Display names for the dimension's values (e.g. product id to name).

    Returns
    -------
    plotly.graph_objects.Figure
        One ``scatter`` (lines+markers) trace per series, named after its dimension
        value, largest total first; ``x`` the periods (start timestamps for Periods),
        ``y`` the measure.

    Raises
    ------
    ValueError
        If a column is missing or ``max_series`` is below 1.

    Examples
    --------
    >>> rep = pd.DataFrame({"period": ["2024-01", "2024-02", "2024-01"],
    ...                     "department": ["East", "East", "West"], "revenue": [5.0, 7, 9]})
    >>> fig = sales_trend(rep, by="department")
    >>> [(t.name, list(t.y)) for t in fig.data]
    [('East', [5.0, 7.0]), ('West', [9.0])]
    """
    check_lang(lang)
    if max_series < 1:
        raise ValueError(f"max_series={max_series} must be at least 1")
    cols = [period_col, value] + ([by] if by else [])
    _check(report, cols, "sales_trend", "workbench.metrics.sales_report")
    frame = report[cols].copy()
    value_text = _value_label(value, lang)
    traces: list[go.Scatter] = []
    if by is None:
        frame = frame.sort_values(period_col, kind="stable")
        series = [(label("plot.legend.total", lang), frame)]
    else:
        frame["_key"] = frame[by].astype(object).where(frame[by].notna(), "")
        totals = frame.groupby("_key", sort=False)[value].sum().sort_values(ascending=False)
        keep = list(totals.index)
        additive = value in (N.REVENUE, "orders", N.PROFIT, "quantity")
        other = []
        if len(keep) > max_series:
            cut = max_series - 1 if additive else max_series
            keep, other = keep[:cut], keep[cut:]
        series = []
        for key in keep:
            part = frame[frame["_key"] == key].sort_values(period_col, kind="stable")
            series.append((str((names or {}).get(key, key)), part))
        if other and additive:
            rest = frame[frame["_key"].isin(other)]
            rest = rest.groupby(period_col, sort=True, observed=True)[value].sum().reset_index()
            series.append((label("plot.other", lang), rest))
    for i, (name, part) in enumerate(series):
        traces.append(
            go.Scatter(
                x=_period_axis(part[period_col]).tolist(),
                y=part[value].astype(float).tolist(),
                name=name,
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                hovertemplate=f"{name}<br>%{{x}}<br>{value_text}: %{{y:,.0f}}<extra></extra>",
            )
        )
    if by is None:
        title = label("plot.title.sales_total", lang, value=value_text)
    else:
        by_text = _label_or(f"plot.dim.{by}", lang, by)
        title = label("plot.title.sales_trend", lang, value=value_text, by=by_text)
    fig = go.Figure(traces)
    return _finish(
        fig,
        title,
        xaxis={"title": {"text": label("plot.axis.period", lang)}},
        yaxis={"title": {"text": value_text}, "rangemode": "tozero"},
        hovermode="x unified" if by else "closest",
    )


def receivables_ageing(
    ageing: pd.DataFrame,
    *,
    lang: str = "en",
    bucket_col: str = "bucket",
    amount_col: str = "amount",
    count_col: str = "customers",
) -> go.Figure:
    """Draw open receivables by days overdue.

    Parameters
    ----------
    ageing : pandas.DataFrame
        One row per ageing bucket, in the order to draw (or an ordered categorical),
        with the open ``amount`` and the number of ``customers`` owing.
    lang : {"en", "zh"}
        Language of the texts.
    bucket_col, amount_col, count_col : str
        Column names.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``bar`` trace: ``x`` the bucket names (labelled when the label table
        knows the bucket id, e.g. ``"90+"``), ``y`` the amounts, ``customdata`` the
        customers; colours run from blue (not due) to vermillion (oldest).

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> a = pd.DataFrame({"bucket": ["1-30", ">90"], "amount": [5.0, 2.0], "customers": [3, 1]})
    >>> b = receivables_ageing(a, lang="zh").data[0]
    >>> list(b.x), list(b.y)
    (['1-30 天', '90 天以上'], [5.0, 2.0])
    """
    check_lang(lang)
    _check(ageing, [bucket_col, amount_col, count_col], "receivables_ageing", "an ageing table")
    frame = ageing
    if isinstance(frame[bucket_col].dtype, pd.CategoricalDtype):
        frame = frame.sort_values(bucket_col, kind="stable")
    buckets = [str(b) for b in frame[bucket_col]]
    ramp = ["#56B4E9", "#009E73", "#F0E442", "#E69F00", "#D55E00", "#CC79A7", "#000000"]
    colors = [ramp[min(i, len(ramp) - 1)] for i in range(len(buckets))]
    amount_text = label("plot.axis.amount", lang)
    fig = go.Figure(
        go.Bar(
            x=[_label_or(f"plot.ageing.{b}", lang, b) for b in buckets],
            y=frame[amount_col].astype(float).tolist(),
            customdata=[int(v) for v in frame[count_col]],
            marker={"color": colors},
            text=[f"{v:,.0f}" for v in frame[amount_col]],
            textposition="outside",
            hovertemplate=(
                "%{x}<br>"
                + amount_text
                + ": %{y:,.0f}<br>"
                + label("plot.count", lang)
                + ": %{customdata:,}<extra></extra>"
            ),
        )
    )
    return _finish(
        fig,
        label("plot.title.receivables", lang),
        xaxis={"title": {"text": label("plot.axis.bucket", lang)}},
        yaxis={"title": {"text": amount_text}, "rangemode": "tozero"},
    )


_MAN_COLUMNS = ("AN", "An", "aN", "an")


def _man_code(frame: pd.DataFrame, class_col: str) -> pd.Series:
    """Return the MAN code ``"M+A+N"``... of each row, from a class or three booleans."""
    if class_col in frame.columns:
        raw = frame[class_col].astype(str).str.replace(r"[\s+]", "", regex=True)
        return raw.str[0] + "+" + raw.str[1] + "+" + raw.str[2]
    cols = ["man_money", "man_authority", "man_need"]
    _check(frame, cols, "man_matrix", "workbench.tiers.man_class (or the customers table)")
    m = np.where(frame["man_money"].fillna(False).astype(bool), "M", "m")
    a = np.where(frame["man_authority"].fillna(False).astype(bool), "A", "a")
    n = np.where(frame["man_need"].fillna(False).astype(bool), "N", "n")
    return pd.Series([f"{x}+{y}+{z}" for x, y, z in zip(m, a, n, strict=True)], index=frame.index)


def man_matrix(
    leads: pd.DataFrame,
    *,
    actions: Mapping[str, str] | None = None,
    lang: str = "en",
    class_col: str = "man_class",
) -> go.Figure:
    """Draw leads on the MAN grid (money × authority and need), with the action per cell.

    Parameters
    ----------
    leads : pandas.DataFrame
        One row per lead with ``man_class`` (``"M+A+N"``, ``"m+a+n"``...; the result
        of ``workbench.tiers.man_class``) or the booleans ``man_money``,
        ``man_authority``, ``man_need`` of the customers table.
    actions : mapping, optional
        Action text per combination (``{"M+A+N": "sell now"}``), shown in each cell's
        hover; the tiers module's MAN table in the chosen language.
    lang : {"en", "zh"}
        Language of the texts.
    class_col : str
        Column holding the MAN class.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``heatmap`` trace, 2 rows (M, m) × 4 columns (A+N, A+n, a+N, a+n); ``z`` the
        number of leads, ``text`` the combination codes, ``customdata`` the actions.

    Raises
    ------
    ValueError
        If neither ``man_class`` nor the three booleans are present.

    Examples
    --------
    >>> leads = pd.DataFrame({"man_class": ["M+A+N", "M+A+N", "m+a+n"]})
    >>> man_matrix(leads).data[0].z
    ([2, 0, 0, 0], [0, 0, 0, 1])
    """
    check_lang(lang)
    codes = _man_code(leads, class_col)
    counts = codes.value_counts()
    rows = ("M", "m")
    z, text, hover = [], [], []
    for m in rows:
        z_row, t_row, h_row = [], [], []
        for an in _MAN_COLUMNS:
            code = f"{m}+{an[0]}+{an[1]}"
            z_row.append(int(counts.get(code, 0)))
            t_row.append(code)
            h_row.append((actions or {}).get(code, ""))
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    count_text = label("plot.count", lang)
    fig = go.Figure(
        go.Heatmap(
            x=[label(f"plot.man.{c}", lang) for c in _MAN_COLUMNS],
            y=[label("plot.man.money_yes", lang), label("plot.man.money_no", lang)],
            z=z,
            text=text,
            customdata=hover,
            colorscale="cividis",
            texttemplate="%{text}<br>%{z:,}",
            colorbar={"title": {"text": count_text}},
            hovertemplate="%{text}: %{z:,}<br>%{customdata}<extra></extra>",
            xgap=3,
            ygap=3,
        )
    )
    return _finish(
        fig,
        label("plot.title.man", lang),
        yaxis={"autorange": "reversed"},
        xaxis={"side": "top"},
        margin={"t": 110},
    )


def growth_bars(
    levers: pd.DataFrame,
    *,
    lang: str = "en",
    item_col: str = "item",
    revenue_col: str = "revenue",
) -> go.Figure:
    """Draw the revenue of growth scenarios side by side (the growth-levers what-if).

    Parameters
    ----------
    levers : pandas.DataFrame
        One row per item with its ``revenue``; items ``baseline``, ``scenario``,
        ``referral_revenue`` (or any id, shown as is) as the growth-levers widget builds them
        from :func:`workbench.metrics.growth_levers` and
        :func:`workbench.metrics.referral_projection`.
    lang : {"en", "zh"}
        Language of the texts.
    item_col, revenue_col : str
        Column names.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``bar`` trace: ``x`` the item names, ``y`` the revenues, ``customdata`` the
        item ids.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> g = pd.DataFrame({"item": ["baseline", "scenario"], "revenue": [20e6, 22e6]})
    >>> list(growth_bars(g, lang="zh").data[0].x)
    ['基准', '假设']
    """
    check_lang(lang)
    _check(levers, [item_col, revenue_col], "growth_bars", "workbench.metrics.growth_levers")
    items = [str(i) for i in levers[item_col]]
    colours = {"baseline": PALETTE[8], "scenario": PALETTE[0], "referral_revenue": PALETTE[2]}
    fig = go.Figure(
        go.Bar(
            x=[_label_or(f"widget.growth.{i}", lang, i) for i in items],
            y=levers[revenue_col].astype(float).tolist(),
            customdata=items,
            marker={"color": [colours.get(i, PALETTE[1]) for i in items]},
            text=[f"{v:,.0f}" for v in levers[revenue_col]],
            textposition="outside",
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    return _finish(
        fig,
        label("plot.title.growth", lang),
        yaxis={"title": {"text": label("word.revenue", lang)}, "rangemode": "tozero"},
    )
