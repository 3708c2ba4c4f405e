"""Interactive explorers for JupyterLab and Voilà: segments, customer 360, growth levers.

Each factory returns a widget (an :class:`ipywidgets.VBox` subclass) that holds its
controls, figures and tables as attributes, so a notebook displays it and a test drives
it by setting values::

    ex = segment_explorer(dataset, lang="zh")
    ex.segment.value = "champions"
    ex.table            # the customers shown, a DataFrame
    ex.figures["rfm"]   # the plotly Figure drawn in ex.charts["rfm"]

The explorers compute no metric themselves: the per-customer table comes from
:func:`workbench.metrics.customer_summary` and :mod:`workbench.tiers`, once per as-of date
and cached; filters are boolean masks over that table (and over the order lines, coded
once), so a change of filter on 200,000 customers redraws in a fraction of a second
(``benchmarks/bench_widgets.py``). The one sum they do themselves is the revenue of the
selected order lines per period for the trend (a ``bincount`` over the cached codes, equal
to :func:`workbench.metrics.sales_report` on those lines; a test checks it). Figures come
from :mod:`workbench.plots`.

Each chart is an :class:`ipywidgets.Output` whose one output is the figure as plotly's
MIME bundle (``application/vnd.plotly.v1+json``), drawn by plotly's JupyterLab extension
(``jupyterlab-plotly``) in JupyterLab and in Voilà; the current :class:`plotly.graph_objects.Figure`
of each chart is kept in ``figures``. Not plotly's ``FigureWidget``: it is an anywidget
that sends the 5 MB plotly.js bundle as each widget's module, and anywidget gives up on a
model whose module takes more than 2 s to load (anywidget 0.11): on a busy machine some
of five charts then never redraw in the browser. The MIME renderer loads plotly.js once.
"""

from __future__ import annotations

import base64
import html
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench import names as N
from workbench import plots
from workbench.dataset import Dataset
from workbench.labels import check_lang, label, labels

__all__ = [
    "FILTER_DIMENSIONS",
    "PERIODS",
    "TREND_FREQS",
    "SegmentExplorer",
    "Customer360",
    "GrowthLevers",
    "segment_explorer",
    "customer_360",
    "growth_levers",
    "target_list_csv",
    "GROWTH_EXAMPLES",
]

#: Order attributes the segment explorer filters on (``category`` via the products table).
FILTER_DIMENSIONS: tuple[str, ...] = ("department", "salesperson", "outlet", "category")
#: Look-back windows of the segment explorer, in months (0 = all history): customers
#: shown are those who bought in the window (all customers, prospects too, for 0); the
#: scores and tiers always use the whole history up to the as-of date.
PERIODS: dict[str, int] = {"all": 0, "12": 12, "24": 24, "36": 36}
#: Granularities of the sales trend.
TREND_FREQS: tuple[str, ...] = ("D", "W", "M", "Q", "Y")

_TABLE_ROWS = 50
_ALL = ""


# --- small helpers -------------------------------------------------------------------------


# Charts: ``_chart`` and ``_draw`` also draw the trend of ``workbench.requirements_widget``.
_PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _chart(**layout: Any) -> W.Output:
    """An empty chart: an Output widget that :func:`_draw` fills with a figure."""
    return W.Output(layout=W.Layout(**layout))


def _draw(chart: W.Output, fig: go.Figure) -> None:
    """Show ``fig`` in ``chart`` as plotly's MIME bundle, replacing what it showed.

    Setting the Output widget's ``outputs`` (not capturing a ``display`` call) works in
    callbacks, in Voilà and without a kernel (tests).
    """
    title = fig.layout.title.text or ""
    bundle = {_PLOTLY_MIME: json.loads(fig.to_json()), "text/plain": f"<Figure: {title}>"}
    chart.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def _html_table(frame: pd.DataFrame, lang: str, max_rows: int = _TABLE_ROWS) -> str:
    """Render the first rows of ``frame`` as an HTML table with translated headers."""
    shown = frame.head(max_rows).copy()
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(shown[col]):
            values = shown[col].dropna()
            digits = 0 if (values == values.round()).all() else 2
            shown[col] = [("" if pd.isna(v) else f"{v:,.{digits}f}") for v in shown[col]]
    headers = labels("widget.col", lang)
    shown.columns = [headers.get(str(c), str(c)) for c in shown.columns]
    return shown.to_html(index=False, escape=True, border=0, classes="wb-table", na_rep="")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _options(values: dict[str, str], lang: str) -> list[tuple[str, str]]:
    return [(label("widget.all", lang), _ALL)] + [(text, key) for key, text in values.items()]


def _as_timestamp(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def target_list_csv(frame: pd.DataFrame) -> bytes:
    r"""Encode a target list as CSV bytes that Excel opens safely.

    Text cells starting with ``=``, ``+``, ``-``, ``@`` (or tab, carriage return) are
    neutralised with a leading ``'`` (:func:`workbench.export.excel_safe`); the bytes are
    UTF-8 with a byte-order mark, so Excel shows Chinese names; lines end in CRLF.

    Parameters
    ----------
    frame : pandas.DataFrame
        The target list, one row per customer.

    Returns
    -------
    bytes
        The CSV file's content.

    Examples
    --------
    >>> target_list_csv(pd.DataFrame({"name": ["=cmd", "张三"]})).decode("utf-8-sig")
    "name\r\n'=cmd\r\n张三\r\n"
    """
    from workbench.export import excel_safe

    text = excel_safe(frame).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


# --- the per-customer model of the segment explorer ---------------------------------------


@dataclass
class _Prepared:
    """Everything computed once per as-of date: the customer table and order codes."""

    customers: pd.DataFrame
    order_customer: np.ndarray  # row of ``customers`` per order line in the window
    order_codes: dict[str, np.ndarray]  # per filter dimension, code per order line
    order_amount: np.ndarray
    order_date: pd.Series
    as_of: pd.Timestamp
    abc_value: str = N.PROFIT
    masks: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    periods: dict[str, tuple[np.ndarray, list[Any]]] = field(default_factory=dict)
    categories: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def equals(self, col: str, value: str) -> np.ndarray:
        """Customers whose ``col`` is ``value``, through cached category codes."""
        if col not in self.categories:
            cat = pd.Categorical(self.customers[col])
            self.categories[col] = (np.asarray(cat.codes), [str(c) for c in cat.categories])
        codes, cats = self.categories[col]
        if value not in cats:
            return np.zeros(len(codes), dtype=bool)
        return codes == cats.index(value)

    def customer_mask(self, dim: str, code: int) -> np.ndarray:
        """Customers with at least one order line whose ``dim`` has ``code`` (cached)."""
        key = (dim, code)
        if key not in self.masks:
            mask = np.zeros(len(self.customers) + 1, dtype=bool)
            mask[self.order_customer[self.order_codes[dim] == code]] = True
            mask[-1] = False
            self.masks[key] = mask[:-1]
        return self.masks[key]

    def period_codes(self, freq: str) -> tuple[np.ndarray, list[Any]]:
        """Period code of each order line and the periods, for ``freq`` (cached)."""
        if freq not in self.periods:
            per = self.order_date.dt.to_period(freq)
            codes, uniques = pd.factorize(per, sort=True)
            self.periods[freq] = (codes, list(uniques))
        return self.periods[freq]


class _SegmentModel:
    """Scores the customers of a dataset at an as-of date, with a cache per as-of date."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        orders = dataset.orders
        products = dataset.get("products")
        if "product_id" in orders.columns and products is not None and "category" in products:
            category = orders["product_id"].map(products.set_index("product_id")["category"])
            orders = orders.assign(category=category)
        self.orders = orders.reset_index(drop=True)
        self.dim_values: dict[str, list[str]] = {}
        self.dim_codes: dict[str, np.ndarray] = {}
        for dim in FILTER_DIMENSIONS:
            if dim in self.orders.columns:
                codes, uniques = pd.factorize(self.orders[dim], sort=True)
                self.dim_values[dim] = [str(u) for u in uniques]
                self.dim_codes[dim] = codes
        self.dates = pd.to_datetime(self.orders[N.ORDER_DATE])
        # customer of each order line as a code into ``customer_ids`` (hashed once)
        codes, uniques = pd.factorize(self.orders[N.CUSTOMER_ID].astype(str))
        self.customer_codes, self.customer_ids = codes, pd.Index(uniques)
        self._cache: dict[pd.Timestamp, _Prepared] = {}

    def default_as_of(self) -> pd.Timestamp:
        if self.dataset.as_of is not None:
            return _as_timestamp(self.dataset.as_of)
        return _as_timestamp(self.dates.max())

    def prepared(self, as_of: pd.Timestamp) -> _Prepared:
        if as_of not in self._cache:
            self._cache[as_of] = self._prepare(as_of)
        return self._cache[as_of]

    def _prepare(self, as_of: pd.Timestamp) -> _Prepared:
        from workbench.metrics import customer_summary
        from workbench.tiers import abc_classes, lifecycle_tiers, rfm_scores, rfm_segments

        end = as_of + pd.Timedelta(days=1)
        in_window = (self.dates < end).to_numpy()
        window = self.orders[in_window]
        summary = customer_summary(window, as_of=as_of)
        value_col = N.PROFIT if summary[N.PROFIT].notna().all() else N.REVENUE
        if len(summary):
            scored = rfm_segments(rfm_scores(summary))
            scored = abc_classes(scored, value_col=value_col, method="cumulative")
            by_count = abc_classes(summary, value_col=value_col, method="count")
            scored["abc_count"] = by_count[N.ABC_CLASS].to_numpy()
            scored = scored.rename(columns={N.ABC_CLASS: "abc_value"})
        else:
            scored = summary
        customers = self.dataset.customers
        active = customers
        if "created_date" in customers.columns:
            created = pd.to_datetime(customers["created_date"])
            active = customers[created.isna() | (created < end)]
        table = lifecycle_tiers(scored, active[[N.CUSTOMER_ID]])
        keep = [c for c in ("name", "owner", "region", "department") if c in customers.columns]
        extra = customers[[N.CUSTOMER_ID, *keep]].drop_duplicates(N.CUSTOMER_ID)
        table = table.merge(extra, on=N.CUSTOMER_ID, how="left", suffixes=("", "_customer"))
        # largest value first, so that every selection is already in table order
        table = table.sort_values(
            [N.RFM_MONETARY, N.CUSTOMER_ID], ascending=[False, True], na_position="last"
        ).reset_index(drop=True)
        row_of = pd.Index(table[N.CUSTOMER_ID].astype(str)).get_indexer(self.customer_ids)
        row_of = np.where(row_of < 0, len(table), row_of)
        order_customer = row_of[self.customer_codes[in_window]]
        return _Prepared(
            customers=table,
            order_customer=order_customer,
            order_codes={dim: codes[in_window] for dim, codes in self.dim_codes.items()},
            order_amount=window[N.AMOUNT].to_numpy(dtype=float),
            order_date=self.dates[in_window].reset_index(drop=True),
            as_of=as_of,
            abc_value=value_col,
        )


# --- segment explorer ----------------------------------------------------------------------


class SegmentExplorer(W.VBox):
    """Explore RFM segments and tiers, filter them, export a target list.

    Build it with :func:`segment_explorer`. Controls (``ipywidgets``): ``as_of``,
    ``period``, ``freq``, ``scheme``, ``tier_method``, ``department``, ``salesperson``,
    ``outlet``, ``category``, ``segment``, ``tier``, ``trend_by``, ``export_button``.
    Figures (``plotly.graph_objects.Figure``, drawn in the Output widgets ``charts`` of
    the same names) in ``figures``: ``"rfm"`` (R × F heatmap of the selected customers),
    ``"segments"`` (treemap of the filtered customers), ``"tiers"`` (lifecycle funnel or
    ABC bars), ``"pareto"`` and ``"trend"`` (sales of the selected customers by period).

    Attributes
    ----------
    table : pandas.DataFrame
        The selected customers (filters, segment and tier applied), largest value first.
    customers : pandas.DataFrame
        Every scored customer at the current as-of date (prospects included).
    """

    def __init__(self, dataset: Dataset, *, as_of: Any = None, lang: str = "en") -> None:
        check_lang(lang)
        self.lang = lang
        self._model = _SegmentModel(dataset)
        self._busy = False
        start = _as_timestamp(as_of) if as_of is not None else self._model.default_as_of()
        style = {"description_width": "initial"}
        self.as_of = W.DatePicker(
            value=start.date(), description=label("widget.as_of", lang), style=style
        )
        self.period = W.Dropdown(
            options=[(label(f"widget.period_{k}", lang), k) for k in PERIODS],
            value="all",
            description=label("widget.period", lang),
            style=style,
        )
        self.freq = W.Dropdown(
            options=[(label(f"widget.freq_{f}", lang), f) for f in TREND_FREQS],
            value="M",
            description=label("widget.freq", lang),
            style=style,
        )
        self.scheme = W.Dropdown(
            options=[(label(f"widget.scheme_{s}", lang), s) for s in ("en", "zh")],
            value="en",
            description=label("widget.scheme", lang),
            style=style,
        )
        self.tier_method = W.Dropdown(
            options=[
                (label(f"widget.tier_{m}", lang), m)
                for m in ("lifecycle", "abc_value", "abc_count")
            ],
            value="lifecycle",
            description=label("widget.tier_method", lang),
            style=style,
        )
        self.filters: dict[str, W.Dropdown] = {}
        for dim in FILTER_DIMENSIONS:
            values = self._model.dim_values.get(dim, [])
            box = W.Dropdown(
                options=_options({v: v for v in values}, lang),
                value=_ALL,
                description=_capitalised(label(f"plot.dim.{dim}", lang)),
                disabled=not values,
                style=style,
            )
            self.filters[dim] = box
            setattr(self, dim, box)
        self.segment = W.Dropdown(description=label("widget.segment", lang), style=style)
        self.tier = W.Dropdown(description=label("widget.tier", lang), style=style)
        trend_dims = [d for d in FILTER_DIMENSIONS if d in self._model.dim_values]
        self.trend_by = W.Dropdown(
            options=[(label("widget.none", lang), _ALL)]
            + [(_capitalised(label(f"plot.dim.{d}", lang)), d) for d in trend_dims],
            value=_ALL,
            description=label("widget.trend_by", lang),
            style=style,
        )
        self.export_button = W.Button(
            description=label("widget.export", lang),
            icon="download",
            button_style="primary",
            layout=W.Layout(width="auto"),
        )
        self.status = W.HTML()
        self.download = W.HTML()
        self.table_view = W.HTML()
        half = {"flex": "1 1 0", "min_width": "420px"}
        self.charts: dict[str, W.Output] = {
            name: _chart(**half) for name in ("rfm", "segments", "tiers", "pareto")
        }
        self.charts["trend"] = _chart(width="100%")
        self.figures: dict[str, go.Figure] = {name: go.Figure() for name in self.charts}
        self.table = pd.DataFrame()
        self.customers = pd.DataFrame()
        self._set_choices()
        self._refresh()
        for control in (
            self.as_of,
            self.period,
            self.freq,
            self.scheme,
            self.tier_method,
            self.segment,
            self.tier,
            self.trend_by,
            *self.filters.values(),
        ):
            control.observe(self._on_change, names="value")
        self.export_button.on_click(lambda _: self._export_clicked())
        controls = W.VBox(
            [
                W.HBox([self.as_of, self.period, self.freq]),
                W.HBox([self.scheme, self.tier_method, self.trend_by]),
                W.HBox([self.filters[d] for d in FILTER_DIMENSIONS]),
                W.HBox([self.segment, self.tier, self.export_button]),
                W.HBox([self.status, self.download]),
            ]
        )
        row = W.Layout(width="100%", flex_flow="row wrap")
        charts = W.VBox(
            [
                W.HBox([self.charts["segments"], self.charts["rfm"]], layout=row),
                W.HBox([self.charts["tiers"], self.charts["pareto"]], layout=row),
                self.charts["trend"],
            ]
        )
        super().__init__([controls, charts, self.table_view])

    # -- state ---------------------------------------------------------------------------

    def _prepared(self) -> _Prepared:
        return self._model.prepared(_as_timestamp(self.as_of.value))

    def _window_start(self) -> pd.Timestamp | None:
        months = PERIODS[self.period.value]
        if not months:
            return None
        return _as_timestamp(self.as_of.value) + pd.Timedelta(days=1) - pd.DateOffset(months=months)

    def _segment_col(self) -> str:
        return N.SEGMENT_EN if self.scheme.value == "en" else N.SEGMENT_ZH

    def _tier_col(self) -> str:
        return N.LIFECYCLE_TIER if self.tier_method.value == "lifecycle" else self.tier_method.value

    def _set_choices(self) -> None:
        """Fill the segment and tier menus for the current scheme, tier method and data."""
        self._busy = True
        try:
            cust = self._prepared().customers
            seg_col = self._segment_col()
            present = cust[seg_col].dropna().astype(str) if seg_col in cust else pd.Series([])
            counts = present.value_counts()
            segs = {s: f"{plots.segment_label(s, self.lang)} ({n:,})" for s, n in counts.items()}
            keep = self.segment.value if self.segment.value in segs else _ALL
            self.segment.options = _options(segs, self.lang)
            self.segment.value = keep
            tier_col = self._tier_col()
            tiers = plots.TIER_ORDER if tier_col == N.LIFECYCLE_TIER else ("A", "B", "C")
            t_opts = {t: plots.tier_label(t, self.lang) for t in tiers}
            keep = self.tier.value if self.tier.value in t_opts else _ALL
            self.tier.options = _options(t_opts, self.lang)
            self.tier.value = keep
        finally:
            self._busy = False

    def _on_change(self, change: dict) -> None:
        if self._busy:
            return
        if change["owner"] in (self.as_of, self.scheme, self.tier_method):
            self._set_choices()
        self._refresh()

    def _filter_masks(self, prep: _Prepared) -> tuple[np.ndarray, np.ndarray]:
        """Return (customer mask, order-line mask) of the department... filters."""
        n = len(prep.customers)
        cust = np.ones(n, dtype=bool)
        lines = np.ones(len(prep.order_customer), dtype=bool)
        for dim, box in self.filters.items():
            if box.value == _ALL or dim not in prep.order_codes:
                continue
            code = self._model.dim_values[dim].index(box.value)
            cust &= prep.customer_mask(dim, code)
            lines &= prep.order_codes[dim] == code
        return cust, lines

    def _refresh(self) -> None:
        """Recompute the selection and redraw every figure and the table."""
        lang = self.lang
        prep = self._prepared()
        cust = prep.customers
        self.customers = cust
        base, lines = self._filter_masks(prep)
        start = self._window_start()
        if start is not None:
            base &= (cust[N.LAST_PURCHASE] >= start).fillna(False).to_numpy(dtype=bool)
            lines &= (prep.order_date >= start).to_numpy()
        seg_col, tier_col = self._segment_col(), self._tier_col()
        seg_sel, tier_sel = base.copy(), base.copy()
        if self.segment.value != _ALL and seg_col in cust:
            seg_sel &= prep.equals(seg_col, self.segment.value)
        if self.tier.value != _ALL and tier_col in cust:
            tier_sel &= prep.equals(tier_col, self.tier.value)
        selected = seg_sel & tier_sel
        bought = cust[N.RFM_FREQUENCY].notna().to_numpy() if N.RFM_FREQUENCY in cust else base
        chosen = cust[selected]
        scored = cust[selected & bought]
        self.table = chosen.reset_index(drop=True)
        # figures
        cols = [N.R_SCORE, N.F_SCORE, N.RFM_MONETARY]
        self._draw("rfm", plots.rfm_heatmap(scored.reindex(columns=cols).dropna(), lang=lang))
        tree_rows = cust.loc[tier_sel & bought, [seg_col, N.RFM_MONETARY]]
        self._draw(
            "segments", plots.segment_treemap(tree_rows, scheme=self.scheme.value, lang=lang)
        )
        if tier_col == N.LIFECYCLE_TIER:
            tier_fig = plots.lifecycle_funnel(cust.loc[seg_sel, [tier_col]], lang=lang)
        else:
            rows = cust.loc[seg_sel & bought, [tier_col, prep.abc_value]]
            tier_fig = plots.abc_bars(rows, class_col=tier_col, value_col=prep.abc_value, lang=lang)
        self._draw("tiers", tier_fig)
        self._draw("pareto", self._pareto(scored))
        self._draw("trend", self._trend(prep, selected, lines))
        self.status.value = html.escape(
            label("widget.shown", lang, shown=f"{len(chosen):,}", total=f"{len(cust):,}")
        )
        view_cols = [
            N.CUSTOMER_ID,
            "name",
            "owner",
            seg_col,
            N.LIFECYCLE_TIER,
            "abc_value",
            N.RFM_RECENCY,
            N.RFM_FREQUENCY,
            N.RFM_MONETARY,
            N.LAST_PURCHASE,
        ]
        view = self.table.reindex(columns=[c for c in view_cols if c in self.table])
        view = self._translate(view.head(_TABLE_ROWS))
        view = view.rename(columns={seg_col: "segment", "abc_value": N.ABC_CLASS})
        self.table_view.value = _html_table(view, lang)

    def _draw(self, name: str, fig: go.Figure) -> None:
        self.figures[name] = fig
        _draw(self.charts[name], fig)

    def _translate(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for col in (N.SEGMENT_EN, N.SEGMENT_ZH):
            if col in out:
                out[col] = [plots.segment_label(v, self.lang) for v in out[col].astype(object)]
        for col in (N.LIFECYCLE_TIER, "abc_value", "abc_count"):
            if col in out:
                out[col] = [plots.tier_label(v, self.lang) for v in out[col].astype(object)]
        return out

    def _pareto(self, scored: pd.DataFrame) -> go.Figure:
        from workbench.tiers import pareto_summary

        values = scored[[N.RFM_MONETARY]]
        if len(values) == 0 or float(values[N.RFM_MONETARY].clip(lower=0).sum()) <= 0:
            empty = pd.DataFrame({"customer_share": [0.0, 1.0], "value_share": [0.0, 1.0]})
            return plots.pareto_curve(empty, lang=self.lang)
        summary = pareto_summary(values, N.RFM_MONETARY)
        return plots.pareto_curve(summary.lorenz, gini=summary.gini, lang=self.lang)

    def _trend(self, prep: _Prepared, selected: np.ndarray, lines: np.ndarray) -> go.Figure:
        """Sales of the selected customers' order lines (filters applied), per period."""
        freq = self.freq.value
        by = self.trend_by.value or None
        codes, periods = prep.period_codes(freq)
        keep = np.r_[selected, False][prep.order_customer] & lines
        if by is not None and by in prep.order_codes:
            series = prep.order_codes[by]
            names = self._model.dim_values[by]
            keep &= series >= 0
        else:
            series, names, by = np.zeros(len(codes), dtype=np.int64), [""], None
        n_series = len(names)
        key = codes[keep].astype(np.int64) * n_series + series[keep]
        total = np.bincount(key, weights=prep.order_amount[keep], minlength=len(periods) * n_series)
        count = np.bincount(key, minlength=len(periods) * n_series)
        cells = np.flatnonzero(count)
        report = pd.DataFrame(
            {
                "period": pd.PeriodIndex([periods[i] for i in cells // n_series], freq=freq)
                if len(cells)
                else pd.PeriodIndex([], freq=freq),
                N.REVENUE: total[cells],
            }
        )
        if by is not None:
            report[by] = [names[i] for i in cells % n_series]
        return plots.sales_trend(report, by=by, lang=self.lang)

    # -- export --------------------------------------------------------------------------

    def target_list(self) -> pd.DataFrame:
        """Return the selected customers as a target list with each tier's actions.

        Returns
        -------
        pandas.DataFrame
            One row per selected customer, largest value first: ``customer_id, name,
            owner, segment, lifecycle_tier, abc_class, rfm_recency, rfm_frequency,
            rfm_monetary, last_purchase, action`` with segment and tier names in the
            explorer's language and ``action`` the recommended actions of the customer's
            lifecycle tier (:func:`workbench.tiers.tier_actions`).
        """
        from workbench.tiers import tier_actions

        actions = tier_actions(self.lang).set_index("lifecycle_tier")["actions"]
        seg_col = self._segment_col()
        cols = [
            N.CUSTOMER_ID,
            "name",
            "owner",
            seg_col,
            N.LIFECYCLE_TIER,
            "abc_value",
            N.RFM_RECENCY,
            N.RFM_FREQUENCY,
            N.RFM_MONETARY,
            N.LAST_PURCHASE,
        ]
        out = self.table.reindex(columns=[c for c in cols if c in self.table]).copy()
        action = out[N.LIFECYCLE_TIER].astype(object).map(actions).fillna("")
        out = self._translate(out)
        out["action"] = action.to_numpy()
        if N.LAST_PURCHASE in out:
            out[N.LAST_PURCHASE] = pd.to_datetime(out[N.LAST_PURCHASE]).dt.strftime("%Y-%m-%d")
        return out.rename(columns={seg_col: "segment", "abc_value": N.ABC_CLASS})

    def export(self, path: str | Path | None = None) -> Path:
        """Write the target list as an Excel-safe CSV (UTF-8 with BOM).

        Parameters
        ----------
        path : str or pathlib.Path, optional
            File or folder; default ``target_list_<segment>_<as_of>.csv`` in the
            current folder.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        name = f"target_list_{self.segment.value or 'all'}_{self.as_of.value:%Y%m%d}.csv"
        target = Path(path) if path is not None else Path.cwd() / name
        if target.is_dir():
            target = target / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(target_list_csv(self.target_list()))
        return target

    def _export_clicked(self) -> None:
        frame = self.target_list()
        data = base64.b64encode(target_list_csv(frame)).decode("ascii")
        name = f"target_list_{self.segment.value or 'all'}_{self.as_of.value:%Y%m%d}.csv"
        text = html.escape(label("widget.download", self.lang, name=name))
        self.download.value = (
            f'<a download="{name}" href="data:text/csv;base64,{data}">{text}</a> ({len(frame):,})'
        )


def segment_explorer(dataset: Dataset, *, as_of: Any = None, lang: str = "en") -> SegmentExplorer:
    """Build the segment explorer for a dataset.

    Parameters
    ----------
    dataset : workbench.Dataset
        Needs ``customers`` and ``orders``; ``products`` adds the category filter.
    as_of : date-like, optional
        Initial as-of date; default the dataset's ``as_of`` or its last order date.
    lang : {"en", "zh"}
        Language of every text.

    Returns
    -------
    SegmentExplorer
        The widget; display it, or set its controls' values and read ``table`` and
        ``figures``.
    """
    return SegmentExplorer(dataset, as_of=as_of, lang=lang)


# --- customer 360 -------------------------------------------------------------------------


def _normalise(text: Any) -> str:
    """Fold width and case so that ＡＢＣ, abc and ABC (and full-width digits) match."""
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


class Customer360(W.VBox):
    """One customer on one page: profile, purchases, follow-ups, contacts, needs, money.

    Build it with :func:`customer_360`. Type an id or part of a name (Chinese too) in
    ``search``; ``results`` lists the matches and selecting one fills ``tables`` and
    ``figures``.

    Attributes
    ----------
    table : pandas.DataFrame
        The customers matching the search.
    tables : dict of str to pandas.DataFrame
        For the selected customer: ``profile``, ``purchases``, ``follow_ups``,
        ``contacts`` (with role names), ``requirements``, ``receivables`` (open amount,
        days overdue), ``tier_history`` (lifecycle tier at the last quarter ends) and
        ``alerts`` (the worklist's reasons), each empty when the table is absent.
    figures : dict of str to plotly.graph_objects.Figure
        ``"purchases"``: revenue per month, drawn in the Output widget
        ``charts["purchases"]``.
    """

    SECTIONS = (
        "profile",
        "purchases",
        "follow_ups",
        "contacts",
        "requirements",
        "receivables",
        "tier_history",
        "alerts",
    )

    def __init__(self, dataset: Dataset, *, as_of: Any = None, lang: str = "en") -> None:
        check_lang(lang)
        self.lang = lang
        self.dataset = dataset
        orders = dataset.orders
        dates = pd.to_datetime(orders[N.ORDER_DATE])
        if as_of is not None:
            self.as_of = _as_timestamp(as_of)
        elif dataset.as_of is not None:
            self.as_of = _as_timestamp(dataset.as_of)
        else:
            self.as_of = _as_timestamp(dates.max())
        customers = dataset.customers
        self._customers = customers.reset_index(drop=True)
        self._keys = (
            self._customers[N.CUSTOMER_ID].map(_normalise)
            + "\x00"
            + self._customers.get("name", pd.Series("", index=self._customers.index)).map(
                _normalise
            )
        )
        self._alerts: pd.DataFrame | None = None
        self.search = W.Text(
            description=label("widget.search", lang),
            placeholder=label("widget.search_hint", lang),
            continuous_update=False,
        )
        self.results = W.Select(description=label("widget.matches", lang), rows=6)
        self.message = W.HTML()
        self.charts = {"purchases": _chart(width="100%")}
        self.figures = {"purchases": go.Figure()}
        self.tables: dict[str, pd.DataFrame] = {s: pd.DataFrame() for s in self.SECTIONS}
        self.views = {s: W.HTML() for s in self.SECTIONS}
        titles = {
            "profile": label("widget.profile", lang),
            "purchases": label("table.orders", lang),
            "follow_ups": label("table.follow_ups", lang),
            "contacts": label("table.contacts", lang),
            "requirements": label("table.requirements", lang),
            "receivables": label("table.receivables", lang),
            "tier_history": label("widget.tier_history", lang),
            "alerts": label("widget.alerts", lang),
        }
        self.tabs = W.Tab(children=[self.views[s] for s in self.SECTIONS])
        for i, s in enumerate(self.SECTIONS):
            self.tabs.set_title(i, titles[s])
        self.table = self._customers.iloc[0:0]
        self.search.observe(lambda _: self._on_search(), names="value")
        self.results.observe(lambda _: self._show(), names="value")
        super().__init__(
            [
                W.HBox([self.search, self.results]),
                self.message,
                self.tabs,
                self.charts["purchases"],
            ]
        )

    @property
    def customer_id(self) -> str | None:
        """The selected customer's id, or None."""
        return self.results.value

    def find(self, query: str) -> pd.DataFrame:
        """Return the customers whose id or name contains ``query`` (exact id first).

        Parameters
        ----------
        query : str
            Part of an id or a name; case and full/half width are ignored.

        Returns
        -------
        pandas.DataFrame
            Matching rows of the customers table.
        """
        q = _normalise(query)
        if not q:
            return self._customers.iloc[0:0]
        hit = self._keys.str.contains(q, regex=False).to_numpy()
        exact = (self._customers[N.CUSTOMER_ID].map(_normalise) == q).to_numpy()
        order = np.r_[np.flatnonzero(exact & hit), np.flatnonzero(hit & ~exact)]
        return self._customers.iloc[order].reset_index(drop=True)

    def _on_search(self) -> None:
        self.table = self.find(self.search.value)
        names = self.table.get("name", self.table[N.CUSTOMER_ID])
        self.results.options = [
            (f"{cid} · {name}", str(cid))
            for cid, name in zip(self.table[N.CUSTOMER_ID], names, strict=True)
        ][:200]
        if len(self.table):
            self.message.value = ""
            self.results.value = str(self.table[N.CUSTOMER_ID].iloc[0])
        else:
            self.message.value = html.escape(
                label("widget.no_match", self.lang, query=self.search.value)
            )
            self.results.value = None
            self._show()

    def _rows(self, name: str, cid: str, sort: str | None = None) -> pd.DataFrame:
        frame = self.dataset.get(name)
        if frame is None or N.CUSTOMER_ID not in frame:
            return pd.DataFrame()
        rows = frame[frame[N.CUSTOMER_ID].astype(str) == cid]
        if sort and sort in rows:
            rows = rows.sort_values(sort, ascending=False, kind="stable")
        return rows.reset_index(drop=True)

    def _show(self) -> None:
        cid = self.results.value
        lang = self.lang
        if cid is None:
            self.tables = {s: pd.DataFrame() for s in self.SECTIONS}
        else:
            self.tables = self._collect(str(cid))
        for section, frame in self.tables.items():
            if section == "profile" and len(frame):
                items = "".join(
                    f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in zip(frame["field"], frame["value"], strict=True)
                )
                self.views[section].value = f"<table class='wb-table'>{items}</table>"
            elif len(frame):
                self.views[section].value = _html_table(frame, lang, max_rows=200)
            else:
                self.views[section].value = html.escape(self._empty_text(section))
        purchases = self.tables["purchases"]
        self.figures["purchases"] = self._purchase_figure(purchases)
        _draw(self.charts["purchases"], self.figures["purchases"])

    def _empty_text(self, section: str) -> str:
        table = {"purchases": "orders"}.get(section, section)
        if section == "alerts":
            return label("widget.no_alerts", self.lang)
        if f"table.{table}" in _known_labels() and self.dataset.get(table) is None:
            return label(
                "widget.missing_table", self.lang, table=label(f"table.{table}", self.lang)
            )
        return "—"

    def _purchase_figure(self, purchases: pd.DataFrame) -> go.Figure:
        from workbench.metrics import sales_report

        if len(purchases) == 0:
            empty = pd.DataFrame({"period": pd.PeriodIndex([], freq="M"), N.REVENUE: []})
            return plots.sales_trend(empty, lang=self.lang)
        report = sales_report(purchases, freq="M")
        return plots.sales_trend(report, lang=self.lang)

    def _collect(self, cid: str) -> dict[str, pd.DataFrame]:
        from workbench.alerts import receivables_kanban

        lang = self.lang
        out: dict[str, pd.DataFrame] = {}
        orders = self._rows("orders", cid, sort=N.ORDER_DATE)
        orders = orders[pd.to_datetime(orders[N.ORDER_DATE]) <= self.as_of]
        products = self.dataset.get("products")
        if products is not None and "product_id" in orders:
            names = products.set_index("product_id")["name"]
            orders = orders.assign(product=orders["product_id"].map(names))
        out["purchases"] = orders.reset_index(drop=True)
        out["follow_ups"] = self._rows("follow_ups", cid, sort="date")
        contacts = self._rows("contacts", cid)
        if "role" in contacts:
            roles = labels("widget.role", lang)
            contacts = contacts.assign(role=contacts["role"].map(lambda r: roles.get(r, r)))
        out["contacts"] = contacts
        out["requirements"] = self._rows("requirements", cid, sort="date")
        invoices = self._rows("receivables", cid)
        if len(invoices):
            open_items = receivables_kanban(invoices, as_of=self.as_of)
            keep = ["invoice_id", "due_date", "open_amount", "days", "bucket"]
            out["receivables"] = open_items[[c for c in keep if c in open_items]]
        else:
            out["receivables"] = pd.DataFrame()
        history = self._tier_history(orders)
        out["tier_history"] = history
        out["alerts"] = self._alerts_for(cid)
        out["profile"] = self._profile(cid, orders, history)
        return out

    def _profile(self, cid: str, orders: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
        row = self._customers[self._customers[N.CUSTOMER_ID].astype(str) == cid]
        fields: list[tuple[str, Any]] = []
        if len(row):
            for col, value in row.iloc[0].items():
                if pd.notna(value) and value != "":
                    fields.append((str(col), value))
        if len(history):
            fields.append(
                (label("widget.col.lifecycle_tier", self.lang), history["lifecycle_tier"].iloc[-1])
            )
        if len(orders):
            fields.append((label("word.orders", self.lang), orders[N.ORDER_ID].nunique()))
            fields.append((label("word.revenue", self.lang), f"{orders[N.AMOUNT].sum():,.2f}"))
        return pd.DataFrame(fields, columns=["field", "value"])

    def _tier_history(self, orders: pd.DataFrame, quarters: int = 8) -> pd.DataFrame:
        """Lifecycle tier at the end of each of the last ``quarters`` quarters and at as_of."""
        from workbench.metrics import customer_summary
        from workbench.tiers import lifecycle_tiers

        ends = pd.period_range(end=self.as_of.to_period("Q"), periods=quarters + 1, freq="Q")
        dates = [p.end_time.normalize() for p in ends[:-1]] + [self.as_of]
        cid = None if orders.empty else orders[N.CUSTOMER_ID].iloc[0]
        rows = []
        for day in dates:
            if orders.empty:
                break
            summary = customer_summary(orders, as_of=day)
            ids = pd.DataFrame({N.CUSTOMER_ID: [cid]})
            tier = lifecycle_tiers(summary, ids)[N.LIFECYCLE_TIER].astype(str).iloc[0]
            rows.append((day.date(), plots.tier_label(tier, self.lang)))
        return pd.DataFrame(rows, columns=["date", "lifecycle_tier"])

    def _alerts_for(self, cid: str) -> pd.DataFrame:
        try:
            from workbench.alerts import worklist
        except ImportError:  # pragma: no cover - the alerts module ships with the package
            return pd.DataFrame()
        if self._alerts is None:
            self._alerts = worklist(self.dataset, as_of=self.as_of, lang=self.lang)
        rows = self._alerts[self._alerts[N.CUSTOMER_ID].astype(str) == cid]
        keep = ["owner", "kinds", "reasons", "action"]
        return rows[[c for c in keep if c in rows]].reset_index(drop=True)


def _known_labels() -> set[str]:
    from workbench.labels import all_labels

    return set(all_labels())


def customer_360(
    dataset: Dataset, *, as_of: Any = None, lang: str = "en", query: str = ""
) -> Customer360:
    """Build the customer 360 view for a dataset.

    Parameters
    ----------
    dataset : workbench.Dataset
        Needs ``customers`` and ``orders``; shows ``contacts``, ``follow_ups``,
        ``requirements`` and ``receivables`` when present.
    as_of : date-like, optional
        The date the view looks from; default the dataset's ``as_of`` or last order date.
    lang : {"en", "zh"}
        Language of every text.
    query : str, optional
        Search to run at once (an id or part of a name).

    Returns
    -------
    Customer360
        The widget; set ``search.value`` and read ``table`` and ``tables``.
    """
    view = Customer360(dataset, as_of=as_of, lang=lang)
    if query:
        view.search.value = query
    return view


# --- growth levers -------------------------------------------------------------------------

#: The seeds' worked examples (domain.md §4): slider values, and for ``order_value`` the
#: baseline the scenario is compared with.
GROWTH_EXAMPLES: dict[str, dict[str, dict[str, float]]] = {
    "three_sources": {
        "baseline": {"customers": 1000, "purchases": 2, "order_value": 10_000},
        "scenario": {"customers": 1000, "purchases": 2, "order_value": 10_000},
    },
    "order_value": {
        "baseline": {"customers": 1000, "purchases": 1, "order_value": 50_000},
        "scenario": {"customers": 1000, "purchases": 1, "order_value": 55_000},
    },
    "referrals": {
        "baseline": {"customers": 1000, "purchases": 2, "order_value": 10_000},
        "scenario": {
            "customers": 1000,
            "purchases": 2,
            "order_value": 10_000,
            "users": 3,
            "referrals": 3,
        },
    },
}

_LEVER_DEFAULTS = {
    "customers": 1000,
    "purchases": 2.0,
    "order_value": 10_000,
    "retention": 1.0,
    "years": 1,
    "users": 0,
    "referrals": 0,
}


class GrowthLevers(W.VBox):
    """What-if sliders over the three sources of growth, retention and referrals.

    Build it with :func:`growth_levers`. Sliders: ``customers``, ``purchases`` (per
    customer a year), ``order_value``, ``retention`` (share kept each year), ``years``,
    ``users`` (per customer) and ``referrals`` (per user). ``example`` and
    ``load_button`` load one of the seeds' worked examples (:data:`GROWTH_EXAMPLES`),
    which also sets the baseline; ``baseline_button`` keeps the current values as the
    baseline.

    Attributes
    ----------
    result : dict
        ``revenue`` (a year), ``baseline_revenue``, ``change``, ``horizon_revenue`` (over
        ``years`` with retention), ``referred_customers`` and ``referral_revenue``, from
        :func:`workbench.metrics.growth_levers` and
        :func:`workbench.metrics.referral_projection`.
    figures : dict of str to plotly.graph_objects.Figure
        ``"revenue"``: baseline, scenario and referral revenue, drawn in the Output
        widget ``charts["revenue"]``.
    """

    def __init__(self, *, lang: str = "en") -> None:
        check_lang(lang)
        self.lang = lang
        style = {"description_width": "14em"}
        layout = W.Layout(width="36em")

        def text(key: str) -> str:
            return label(f"widget.growth.{key}", lang)

        self.customers = W.IntSlider(
            value=1000, min=0, max=20_000, step=100, description=text("customers"),
            style=style, layout=layout,
        )  # fmt: skip
        self.purchases = W.FloatSlider(
            value=2.0, min=0.0, max=24.0, step=0.5, description=text("purchases"),
            style=style, layout=layout,
        )  # fmt: skip
        self.order_value = W.IntSlider(
            value=10_000, min=0, max=200_000, step=500, description=text("order_value"),
            style=style, layout=layout,
        )  # fmt: skip
        self.retention = W.FloatSlider(
            value=1.0, min=0.0, max=1.0, step=0.05, description=text("retention"),
            readout_format=".0%", style=style, layout=layout,
        )  # fmt: skip
        self.years = W.IntSlider(
            value=1, min=1, max=20, description=text("years"), style=style, layout=layout
        )
        self.users = W.IntSlider(
            value=0, min=0, max=10, description=text("users"), style=style, layout=layout
        )
        self.referrals = W.IntSlider(
            value=0, min=0, max=10, description=text("referrals"), style=style, layout=layout
        )
        self.example = W.Dropdown(
            options=[(text(f"example_{k}"), k) for k in GROWTH_EXAMPLES],
            description=text("examples"),
            style={"description_width": "initial"},
            layout=W.Layout(width="52em"),
        )
        self.load_button = W.Button(description=text("example"), button_style="primary")
        self.baseline_button = W.Button(description=text("set_baseline"))
        self.summary = W.HTML()
        self.charts = {"revenue": _chart(width="100%")}
        self.figures = {"revenue": go.Figure()}
        self.result: dict[str, float] = {}
        self._baseline = {k: _LEVER_DEFAULTS[k] for k in ("customers", "purchases", "order_value")}
        self._busy = False
        self._sliders = [
            self.customers,
            self.purchases,
            self.order_value,
            self.retention,
            self.years,
            self.users,
            self.referrals,
        ]
        for slider in self._sliders:
            slider.observe(lambda _: self._refresh(), names="value")
        self.load_button.on_click(lambda _: self.load_example(self.example.value))
        self.baseline_button.on_click(lambda _: self.set_baseline())
        self._refresh()
        super().__init__(
            [
                W.HTML(f"<h3>{html.escape(text('title'))}</h3>"),
                W.HBox([self.example, self.load_button]),
                W.HBox(
                    [
                        W.VBox(self._sliders + [self.baseline_button]),
                        self.summary,
                    ]
                ),
                self.charts["revenue"],
            ]
        )

    def set_baseline(self) -> None:
        """Keep the current customers, purchases and order value as the baseline."""
        self._baseline = {
            "customers": self.customers.value,
            "purchases": self.purchases.value,
            "order_value": self.order_value.value,
        }
        self._refresh()

    def load_example(self, name: str) -> None:
        """Set the sliders (and the baseline) to one of :data:`GROWTH_EXAMPLES`.

        Parameters
        ----------
        name : str
            ``"three_sources"``, ``"order_value"`` or ``"referrals"``.

        Raises
        ------
        ValueError
            If the example is unknown.
        """
        if name not in GROWTH_EXAMPLES:
            raise ValueError(f"unknown example {name!r}; use one of {', '.join(GROWTH_EXAMPLES)}")
        example = GROWTH_EXAMPLES[name]
        values = {**_LEVER_DEFAULTS, **example["scenario"]}
        self._busy = True
        try:
            self._baseline = dict(example["baseline"])
            for key, value in values.items():
                getattr(self, key).value = value
        finally:
            self._busy = False
        self._refresh()

    def _refresh(self) -> None:
        if self._busy:
            return
        from workbench.metrics import growth_levers as lever_arithmetic
        from workbench.metrics import referral_projection

        base = self._baseline
        now = lever_arithmetic(self.customers.value, self.order_value.value, self.purchases.value)
        before = lever_arithmetic(base["customers"], base["order_value"], base["purchases"])
        referred = referral_projection(
            self.customers.value,
            self.users.value,
            self.referrals.value,
            self.purchases.value * self.order_value.value,
        )
        revenue = float(now.revenue)
        keep = self.retention.value
        horizon = revenue * sum(keep**t for t in range(self.years.value))
        self.result = {
            "revenue": revenue,
            "baseline_revenue": float(before.revenue),
            "change": revenue - float(before.revenue),
            "horizon_revenue": horizon,
            "referred_customers": float(referred.new_customers),
            "referral_revenue": float(referred.value),
        }
        self._show()

    def _show(self) -> None:
        lang = self.lang
        r = self.result

        def text(key: str) -> str:
            return html.escape(label(f"widget.growth.{key}", lang))

        rows = [
            (text("revenue"), r["revenue"]),
            (text("baseline"), r["baseline_revenue"]),
            (text("change"), r["change"]),
            (text("horizon_revenue"), r["horizon_revenue"]),
            (text("referred"), r["referred_customers"]),
            (text("referral_revenue"), r["referral_revenue"]),
        ]
        formula = (
            f"{self.customers.value:,} × {self.purchases.value:,g} × "
            f"{self.order_value.value:,} = {r['revenue']:,.0f}"
        )
        body = "".join(f"<tr><th>{k}</th><td>{v:+,.0f}</td></tr>" if k == text("change")
                       else f"<tr><th>{k}</th><td>{v:,.0f}</td></tr>" for k, v in rows)  # fmt: skip
        self.summary.value = (
            f"<p style='font-size:1.3em'><b>{html.escape(formula)}</b></p>"
            f"<table class='wb-table'>{body}</table>"
        )
        bars = pd.DataFrame(
            {
                "item": ["baseline", "scenario", "referral_revenue"],
                "revenue": [r["baseline_revenue"], r["revenue"], r["referral_revenue"]],
            }
        )
        self.figures["revenue"] = plots.growth_bars(bars, lang=lang)
        _draw(self.charts["revenue"], self.figures["revenue"])


def growth_levers(lang: str = "en") -> GrowthLevers:
    """Build the growth-levers what-if widget.

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of every text.

    Returns
    -------
    GrowthLevers
        The widget; set its sliders' values or call ``load_example`` and read ``result``.
    """
    return GrowthLevers(lang=lang)
