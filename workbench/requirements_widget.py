"""An interactive browser over the requirement library (需求库), for JupyterLab.

:func:`requirement_browser` returns a widget: filters for period, source, type,
category, branch, status and a free-text search (Chinese or English); the selected
needs as a table; monthly needs per category as a plotly chart; the niche-market
candidates of the selection; and a button that writes the selection to CSV. All numbers
come from :mod:`workbench.requirements`; this module only filters, lays out and labels.

The chart is an :class:`ipywidgets.Output` showing the figure as plotly's MIME bundle,
as in :mod:`workbench.widgets` (whose helpers draw it), not a plotly ``FigureWidget``:
see "How the charts reach the browser" in ``docs/explorers.md``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from workbench import requirements as rq
from workbench.config import REPORTS_DIR
from workbench.export import write_table
from workbench.labels import all_labels, check_lang, label
from workbench.schema import REQUIREMENT_SOURCES, REQUIREMENT_STATUSES, REQUIREMENT_TYPES
from workbench.widgets import _chart, _draw

__all__ = ["RequirementBrowser", "requirement_browser", "category_trend_figure"]

_TABLE_COLUMNS = (
    "requirement_id",
    "date",
    "customer_id",
    "description",
    "source",
    "type",
    "category",
    "status",
    "branch",
    "need_group",
)
_FILTERS = ("source", "type", "category", "branch", "status")
_KNOWN = {
    "source": REQUIREMENT_SOURCES,
    "type": REQUIREMENT_TYPES,
    "status": REQUIREMENT_STATUSES,
}


def _value_label(column: str, value: object, lang: str) -> str:
    """Label of a categorical value (``req.<column>.<value>``), else the value itself."""
    key = f"req.{column}.{value}"
    if key in all_labels():
        return label(key, lang)
    return "" if value is None or value is pd.NA else str(value)


def category_trend_figure(trend: pd.DataFrame, lang: str = "en") -> go.Figure:
    """Line chart of needs per period, one line per category.

    Parameters
    ----------
    trend : pandas.DataFrame
        Output of :func:`workbench.requirements.trend` with ``by="category"``: columns
        ``category``, ``period``, ``needs``.
    lang : {"en", "zh"}
        Language of the title, axis and category names.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scatter`` trace per category (named by its label, ``meta`` = the id),
        categories ordered by total needs; periods without needs are zeros.

    Raises
    ------
    ValueError
        If a column is missing or the language is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"category": ["mobile", "mobile"],
    ...     "period": pd.to_datetime(["2025-01-01", "2025-03-01"]), "needs": [2, 1]})
    >>> fig = category_trend_figure(t)
    >>> fig.data[0].name, list(fig.data[0].y)
    ('Mobile', [2, 0, 1])
    """
    check_lang(lang)
    missing = {"category", "period", "needs"} - set(trend.columns)
    if missing:
        raise rq.RequirementError(
            f"the trend frame has no column {', '.join(sorted(missing))}; build it with "
            "workbench.requirements.trend(library, by='category')"
        )
    fig = go.Figure()
    if not trend.empty:
        wide = trend.pivot_table(
            index="period", columns="category", values="needs", aggfunc="sum", fill_value=0
        )
        full = pd.date_range(wide.index.min(), wide.index.max(), freq="MS")
        if len(full) and set(wide.index) <= set(full):
            wide = wide.reindex(full, fill_value=0)
        order = wide.sum().sort_values(ascending=False, kind="stable").index
        for cat in order:
            fig.add_trace(
                go.Scatter(
                    x=list(wide.index),
                    y=[int(v) for v in wide[cat]],
                    mode="lines+markers",
                    name=_value_label("category", cat, lang),
                    meta=str(cat),
                )
            )
    fig.update_layout(
        title=label("req.ui.trend_title", lang),
        xaxis_title=label("req.ui.period", lang),
        yaxis_title=label("req.col.needs", lang),
        legend_title=label("req.col.category", lang),
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        height=380,
    )
    return fig


def _shown_path(path: Path, out_dir: Path) -> str:
    """``path`` as shown in the status line: from ``out_dir``'s name if it lies inside.

    ``reports/requirements_selection.csv`` rather than the machine's absolute path; a
    path elsewhere is shown as given.
    """
    try:
        return path.relative_to(out_dir.parent).as_posix()
    except ValueError:
        return str(path)


def _frames(data: Any) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return (requirements, orders or None) from a Dataset, a dict or a frame."""
    if isinstance(data, pd.DataFrame):
        return data, None
    if isinstance(data, Mapping):
        if "requirements" not in data:
            raise rq.RequirementError(
                "the frames passed to requirement_browser have no 'requirements' table; "
                "pass {'requirements': frame, 'orders': frame} or a Dataset"
            )
        return data["requirements"], data.get("orders")
    if hasattr(data, "require") and hasattr(data, "get"):
        reqs = data.require("requirements", feature="the requirement browser")
        return reqs, data.get("orders")
    raise rq.RequirementError(
        f"requirement_browser takes a Dataset, a dict of frames or the requirements "
        f"frame, not {type(data).__name__}"
    )


class RequirementBrowser(widgets.VBox):
    """The requirement-library browser widget; build it with :func:`requirement_browser`.

    Parameters
    ----------
    library : pandas.DataFrame
        Classified needs with need groups (:func:`workbench.requirements.build_library`
        with ``dedupe=False``).
    lang : {"en", "zh"}
        Language of every label.
    customer_value : pandas.DataFrame or pandas.Series, optional
        Customer value for the niche candidates (e.g. the orders table).
    out_dir : pathlib.Path
        Folder the export button writes into.
    max_rows : int
        Rows shown in the table (the selection and the export keep all rows).
    niche_options : dict
        Keyword arguments for :func:`workbench.requirements.niche_candidates`.

    Attributes
    ----------
    filters : dict of str to ipywidgets.Widget
        ``period`` (``SelectionRangeSlider`` of months), ``source``, ``type``,
        ``category``, ``branch``, ``status`` (``SelectMultiple``; nothing selected
        means all) and ``search`` (``Text``).
    selection : pandas.DataFrame
        The needs that pass every filter.
    table : ipywidgets.HTML
        The selection as a table; ``table_frame`` holds the rows shown.
    trend : plotly.graph_objects.Figure
        Needs per month and category of the selection, drawn in ``trend_chart``.
    trend_chart : ipywidgets.Output
        The chart the browser shows: ``trend`` as plotly's MIME bundle.
    niches : ipywidgets.HTML
        Niche candidates of the selection; ``niche_frame`` holds them.
    export_path, export_button, status : ipywidgets.Widget
        Export of the selection (:meth:`export`): ``export_path`` holds the file name,
        relative to ``out_dir`` unless absolute, so no machine path is displayed.
    out_dir : pathlib.Path
        The export folder, absolute.
    """

    def __init__(
        self,
        library: pd.DataFrame,
        *,
        lang: str = "en",
        customer_value: pd.DataFrame | pd.Series | None = None,
        out_dir: Path = REPORTS_DIR,
        max_rows: int = 200,
        niche_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.lang = check_lang(lang)
        self.library = library.reset_index(drop=True)
        self.customer_value = customer_value
        self.max_rows = max_rows
        self.out_dir = Path(os.path.abspath(out_dir))
        self.niche_options = dict(niche_options or {})
        lib = self.library
        self._dates = pd.to_datetime(lib["date"])
        self._search_text = self._searchable(lib)

        if self._dates.isna().all():
            raise rq.RequirementError(
                "the requirements table has no dated need to browse; add needs (with a "
                "date) to the requirements table"
            )
        months = pd.period_range(self._dates.min(), self._dates.max(), freq="M")
        options = [(str(m), m.start_time) for m in months]
        style = {"description_width": "initial"}
        self.filters: dict[str, widgets.Widget] = {
            "period": widgets.SelectionRangeSlider(
                options=options,
                index=(0, len(options) - 1),
                description=label("req.ui.period", lang),
                continuous_update=False,
                layout=widgets.Layout(width="95%"),
                style=style,
            )
        }
        for col in _FILTERS:
            self.filters[col] = widgets.SelectMultiple(
                options=self._options(col),
                value=(),
                rows=6,
                description=label(f"req.col.{col}", lang),
                layout=widgets.Layout(width="auto"),
                style=style,
            )
        self.filters["search"] = widgets.Text(
            value="",
            placeholder=label("req.ui.search_hint", lang),
            description=label("req.ui.search", lang),
            continuous_update=False,
            style=style,
        )
        self.table = widgets.HTML()
        self.trend = go.Figure()
        self.trend_chart = _chart(width="100%")
        self.niches = widgets.HTML()
        self.export_path = widgets.Text(
            value="requirements_selection.csv",
            description=label("req.ui.export_path", lang),
        )
        self.export_button = widgets.Button(
            description=label("req.ui.export", lang), icon="download"
        )
        self.status = widgets.HTML()
        self.export_button.on_click(lambda _b: self.export())

        self.selection = lib
        self.table_frame = lib.iloc[:0]
        self.niche_frame = pd.DataFrame()
        for w in self.filters.values():
            w.observe(self._on_change, names="value")

        tabs = widgets.Tab(
            children=[self.table, self.trend_chart, self.niches],
            titles=[label(f"req.ui.tab_{t}", lang) for t in ("needs", "trend", "niches")],
        )
        selects = widgets.HBox([self.filters[c] for c in _FILTERS])
        export = widgets.HBox([self.export_path, self.export_button])
        super().__init__(
            [
                widgets.HTML(f"<h3>{html.escape(label('req.ui.title', lang))}</h3>"),
                self.filters["period"],
                selects,
                self.filters["search"],
                tabs,
                export,
                self.status,
            ]
        )
        self.refresh()

    # -- filtering ------------------------------------------------------------------

    def _options(self, col: str) -> list[tuple[str, str]]:
        if col not in self.library.columns:
            return []
        present = set(rq._key(self.library, col))
        known = [v for v in _KNOWN.get(col, ()) if v in present]
        rest = sorted(present - set(known))
        return [(_value_label(col, v, self.lang), v) for v in known + rest]

    def _searchable(self, lib: pd.DataFrame) -> pd.Series:
        """Normalised text a search term may hit: the need, ids and labels in both languages."""
        parts = [rq._text(lib["description"])]
        for col in ("requirement_id", "customer_id"):
            if col in lib.columns:
                parts.append(rq._text(lib[col]))
        for col in ("category", "type"):
            if col in lib.columns:
                for lg in ("en", "zh"):
                    parts.append(lib[col].map(lambda v, c=col, g=lg: _value_label(c, v, g)))
        joined = parts[0].astype(str)
        for p in parts[1:]:
            joined = joined + " \u0001 " + p.astype(str)
        return joined.map(rq._normalise)

    def _mask(self) -> pd.Series:
        lib = self.library
        start, end = self.filters["period"].value
        end = end + pd.offsets.MonthBegin(1)
        mask = (self._dates >= start) & (self._dates < end)
        for col in _FILTERS:
            chosen = self.filters[col].value
            if chosen and col in lib.columns:
                mask &= rq._key(lib, col).isin(chosen).to_numpy()
        for term in rq._normalise(self.filters["search"].value).split():
            mask &= self._search_text.str.contains(term, regex=False).to_numpy()
        return pd.Series(mask, index=lib.index)

    def _trend_frame(self, selection: pd.DataFrame) -> pd.DataFrame:
        return rq.trend(selection, by="category")

    def _on_change(self, _change: Any) -> None:
        self.refresh()

    # -- output ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute the selection and redraw the table, the trend and the niches."""
        sel = self.library[self._mask().to_numpy()]
        self.selection = sel
        self._draw_table(sel)
        self._draw_trend(sel)
        self._draw_niches(sel)

    def _draw_table(self, sel: pd.DataFrame) -> None:
        lang = self.lang
        cols = [c for c in _TABLE_COLUMNS if c in sel.columns]
        shown = sel.sort_values(["date"], ascending=False, kind="stable")[cols].head(self.max_rows)
        self.table_frame = shown
        view = shown.copy()
        for col in ("source", "type", "category", "status"):
            if col in view.columns:
                view[col] = view[col].map(lambda v, c=col: _value_label(c, v, lang))
        if "date" in view.columns:
            view["date"] = pd.to_datetime(view["date"]).dt.strftime("%Y-%m-%d")
        view.columns = [label(f"req.col.{c}", lang) for c in cols]
        head = label(
            "req.ui.selected",
            lang,
            needs=len(sel),
            customers=sel["customer_id"].nunique() if "customer_id" in sel else 0,
        )
        if len(sel) > len(shown):
            head += " · " + label("req.ui.more_rows", lang, shown=len(shown), total=len(sel))
        self.table.value = f"<p><b>{html.escape(head)}</b></p>" + view.to_html(
            index=False, escape=True, na_rep="", border=0
        )

    def _draw_trend(self, sel: pd.DataFrame) -> None:
        self.trend = category_trend_figure(self._trend_frame(sel), self.lang)
        _draw(self.trend_chart, self.trend)

    def _draw_niches(self, sel: pd.DataFrame) -> None:
        lang = self.lang
        if sel.empty:
            frame = pd.DataFrame()
        else:
            options = {"as_of": self.filters["period"].value[1] + pd.offsets.MonthEnd(0)}
            options.update(self.niche_options)
            frame = rq.niche_candidates(sel, self.customer_value, **options)
        self.niche_frame = frame
        title = f"<h4>{html.escape(label('req.ui.niches', lang))}</h4>"
        if frame.empty:
            self.niches.value = title + f"<p>{html.escape(label('req.ui.no_niches', lang))}</p>"
            return
        by = frame.columns[0]
        view = pd.DataFrame(
            {
                label(f"req.col.{by}", lang): frame[by].map(
                    lambda v: _value_label(by, v, lang) if by == "category" else v
                ),
                label("req.col.customers", lang): frame["customers"],
                label("req.col.needs", lang): frame["needs"],
                label("req.col.customer_value", lang): frame["customer_value"].map(
                    lambda v: "" if pd.isna(v) else f"{v:,.0f}"
                ),
                label("req.col.growth", lang): frame["growth"].map(
                    lambda v: "" if pd.isna(v) else f"{v:+.0%}"
                ),
                label("req.col.reason", lang): frame["reason"].map(
                    lambda v: _value_label("reason", v, lang)
                ),
                label("req.col.customer_ids", lang): frame["customer_ids"].map(
                    lambda ids: ", ".join(ids[:8]) + (" …" if len(ids) > 8 else "")
                ),
            }
        )
        self.niches.value = title + view.to_html(index=False, escape=True, border=0)

    def export(self, path: str | Path | None = None) -> Path:
        """Write the current selection (all rows, all columns) to CSV or Parquet.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            Target file (relative to the working directory unless absolute); by default
            the ``export_path`` text box's file, relative to ``out_dir`` unless absolute.

        Returns
        -------
        pathlib.Path
            The file written (Excel-safe UTF-8 CSV with BOM, or Parquet).
        """
        target = Path(path) if path is not None else self.out_dir / self.export_path.value
        written = write_table(self.selection, target)
        shown = _shown_path(Path(os.path.abspath(written)), self.out_dir)
        self.status.value = html.escape(
            label("req.ui.exported", self.lang, rows=len(self.selection), path=shown)
        )
        return written


def requirement_browser(
    data: Any,
    lang: str = "en",
    *,
    taxonomy: rq.Taxonomy | Mapping | str | Path | None = None,
    customer_value: pd.DataFrame | pd.Series | None = None,
    threshold: float = 0.7,
    out_dir: str | Path | None = None,
    max_rows: int = 200,
    **niche_options: Any,
) -> RequirementBrowser:
    """Build the interactive requirement-library browser.

    The needs are classified (:func:`workbench.requirements.classify`) and grouped
    into near-duplicates (:func:`workbench.requirements.near_duplicates`) once; the
    filters then only select rows.

    Parameters
    ----------
    data : Dataset, dict of pandas.DataFrame or pandas.DataFrame
        A :class:`workbench.dataset.Dataset` (its ``requirements`` table, and its
        ``orders`` for customer value), ``{"requirements": ..., "orders": ...}``, or the
        requirements frame alone.
    lang : {"en", "zh"}
        Language of the labels.
    taxonomy : Taxonomy, dict, str or pathlib.Path, optional
        Classification rules (default taxonomy when omitted).
    customer_value : pandas.DataFrame or pandas.Series, optional
        Customer value for the niches; the orders of ``data`` when omitted.
    threshold : float
        Near-duplicate similarity threshold.
    out_dir : str or pathlib.Path, optional
        Folder the export button writes into (``reports/`` by default).
    max_rows : int
        Rows shown in the table.
    **niche_options
        Passed to :func:`workbench.requirements.niche_candidates` (``min_customers``,
        ``min_growth``...).

    Returns
    -------
    RequirementBrowser
        The widget (display it, or drive it through its ``filters``).

    Raises
    ------
    MissingTableError
        If a Dataset has no requirements table.
    RequirementError
        If the requirements table lacks a needed column or has no dated need.
    """
    reqs, orders = _frames(data)
    rq._check(reqs, ["description", "customer_id", "date"])
    library = rq.build_library(reqs, taxonomy=taxonomy, threshold=threshold, dedupe=False)
    value = customer_value if customer_value is not None else orders
    return RequirementBrowser(
        library,
        lang=lang,
        customer_value=value,
        out_dir=Path(out_dir) if out_dir is not None else REPORTS_DIR,
        max_rows=max_rows,
        niche_options=niche_options,
    )
