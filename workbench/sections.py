"""The sections of the reports: headings, tables, KPI cards and charts, computed by workbench.

A report notebook (``notebooks/reports/*.ipynb``) holds calls and prose; every number and
every text it shows comes from a builder here. Each builder takes a context
(:class:`ReportContext` for the management report, :class:`WorklistContext` for the daily
worklist), computes with the ``workbench`` modules (``metrics``, ``tiers``, ``kpis``,
``clv``, ``alerts``, ``requirements``, ``plots``), records its headline figures with
:func:`workbench.report.record` and returns a displayable object: :class:`Html` (escaped
markup, labels from ``workbench/labels``) or a plotly ``Figure``. Builders never display.

Running, naming and rendering the notebooks is :mod:`workbench.report`'s job.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd

from workbench.labels import check_lang, label
from workbench.lazy import columns, n_rows, to_engine
from workbench.report import (
    ENGINES,
    GRANULARITIES,
    ParameterError,
    Period,
    parse_date,
    parse_scope,
    record,
    report_title,
    resolve_engine,
    resolve_period,
    resolve_source,
    slugify,
)
from workbench.scan import collect

__all__ = [
    "Html",
    "format_number",
    "format_money",
    "format_percent",
    "heading",
    "text",
    "table",
    "cards",
    "title",
    "ENGINES",
    "load_data",
    "scoped",
    "ReportContext",
    "context",
    "title_block",
    "overview",
    "revenue_by_period",
    "revenue_figure",
    "revenue_chart",
    "kpi_table",
    "kpis",
    "SALES_DIMENSIONS",
    "sales_by",
    "sales",
    "sales_chart",
    "lifecycle",
    "lifecycle_chart",
    "abc",
    "abc_chart",
    "pareto_chart",
    "rfm",
    "rfm_chart",
    "movement",
    "migration_chart",
    "value",
    "clv_chart",
    "reminders",
    "receivables_chart",
    "requirement_highlights",
    "requirements_chart",
    "quality",
    "alert_config",
    "WorklistContext",
    "worklist_context",
    "worklist_owners",
    "each_values",
    "worklist_title",
    "worklist_cards",
    "worklist_table",
    "worklist_by_owner",
    "worklist_chart",
    "worklist_receivables",
    "worklist_receivables_chart",
    "thresholds_table",
]


class Html:
    """A fragment of HTML that Jupyter displays as such (built escaped by this module).

    Parameters
    ----------
    markup : str
        The HTML.
    """

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __add__(self, other: Html) -> Html:
        return Html(self.markup + str(other))


def load_data(source: str, as_of: Any = None, engine: str = "auto") -> Any:
    """Load a report's data with validation in quarantine mode.

    Parameters
    ----------
    source : str
        A folder, DuckDB file or database URL (see :func:`workbench.load.load`), or
        ``spark:DATABASE`` for the tables of a Spark catalog database (``spark:`` alone:
        the current database).
    as_of : date, optional
        The report date; orders after it are dropped *after* loading (so that an
        earlier report of the same data does not count them as invalid).
    engine : {"auto", "pandas", "duckdb", "polars", "spark"}
        Where the order log is aggregated. ``"pandas"`` loads every table into memory
        (:func:`workbench.load.load`); ``"duckdb"``, ``"polars"`` and ``"spark"`` keep
        the orders in that engine as a lazy frame (:func:`workbench.lazy.open_dataset`:
        a folder holding ``orders.parquet`` or ``orders/``, a ``.duckdb`` file, or
        ``spark:DATABASE``) and bring back only per-customer and per-period results.
        ``"auto"``: Spark for ``spark:`` sources, pandas otherwise.

    Returns
    -------
    workbench.Dataset
        The dataset, rows rejected by validation kept in ``quarantine``; with a lazy
        engine ``ds.orders`` is that engine's frame.

    Raises
    ------
    ParameterError
        For an unknown engine, or ``engine="pandas"`` with a ``spark:`` source.
    """
    if resolve_engine(source, engine) == "pandas":
        from workbench.load import load

        ds = load(source, policy="quarantine")
    else:
        from workbench.lazy import open_dataset

        ds = open_dataset(source, engine=resolve_engine(source, engine))
    if as_of not in (None, ""):
        cutoff = parse_date(as_of, "as_of") + pd.Timedelta(days=1)
        ds.tables["orders"] = _filtered(ds.orders, nw.col("order_date") < cutoff.to_pydatetime())
        ds.as_of = cutoff - pd.Timedelta(days=1)
    return ds


def _filtered(orders: Any, condition: Any) -> Any:
    """Rows of ``orders`` (pandas or a lazy engine frame) meeting a narwhals condition."""
    out = nw.from_native(orders).filter(condition).to_native()
    return out.reset_index(drop=True) if isinstance(out, pd.DataFrame) else out


def _until(orders: Any, day: pd.Timestamp) -> Any:
    """Orders on or before ``day``."""
    return _filtered(orders, nw.col("order_date") <= pd.Timestamp(day).to_pydatetime())


def _date_range(orders: Any) -> tuple[Any, Any, int]:
    """First and last order date and the number of order lines, computed in the engine."""
    got = collect(
        nw.from_native(orders)
        .select(
            nw.col("order_date").min().alias("first"),
            nw.col("order_date").max().alias("last"),
            nw.len().alias("n"),
        )
        .to_native()
    )
    first, last = (
        pd.Timestamp(got[c].iloc[0]) if pd.notna(got[c].iloc[0]) else pd.NaT
        for c in ("first", "last")
    )
    return first, last, int(got["n"].iloc[0])


def scoped(ds: Any, scope: str) -> Any:
    """Return a copy of the dataset restricted to one company or department.

    The orders table is filtered on the column the scope names (see
    :func:`parse_scope`); other tables are kept as they are.

    Raises
    ------
    ParameterError
        If the orders lack the column or no order has the value.
    """
    from workbench.dataset import Dataset

    col, value = parse_scope(scope)
    if not col:
        return ds
    orders = ds.orders
    if col not in columns(orders):
        raise ParameterError(
            f"scope {scope!r} needs the column {col!r} in the orders table, which "
            f"{ds.source or 'the source'} lacks; use scope 'company'"
        )
    kept = _filtered(orders, nw.col(col).cast(nw.String) == value)
    if not n_rows(kept):
        values = nw.from_native(orders).select(nw.col(col).cast(nw.String)).unique()
        found = collect(values.drop_nulls().sort(col).head(20).to_native())[col]
        known = ", ".join(found.astype(str))
        raise ParameterError(f"no order has {col} {value!r}; known values: {known}")
    tables = dict(ds.tables)
    tables["orders"] = kept
    return Dataset(tables, ds.source, ds.quarantine, ds.problems, ds.as_of)


def format_number(value: float, digits: int = 0) -> str:
    """Format a number with thousands separators.

    Examples
    --------
    >>> format_number(1234567.891)
    '1,234,568'
    >>> format_number(None)
    '–'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def format_money(value: float, currency: str = "", digits: int = 0) -> str:
    """Format an amount with its currency label.

    The amount is first rounded to the cent, so that a sum's last bits (which depend on
    the order an engine adds in) never decide how a half is rounded.

    Examples
    --------
    >>> format_money(1234.6, "¥")
    '¥1,235'
    >>> format_money(1234.6, "CNY")
    'CNY 1,235'
    >>> format_money(-80, "¥")
    '-¥80'
    >>> format_money(1235.4999999999998, "¥"), format_money(1235.5, "¥")
    ('¥1,236', '¥1,236')
    """
    if isinstance(value, int | float) and math.isfinite(value):
        value = round(float(value), 2)
    text = format_number(value, digits)
    if not currency or text == "–":
        return text
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{currency}{text}" if len(currency) == 1 else f"{sign}{currency} {text}"


def format_percent(value: float, digits: int = 1, signed: bool = False) -> str:
    """Format a ratio as a percentage.

    Examples
    --------
    >>> format_percent(0.1234)
    '12.3%'
    >>> format_percent(-0.05, signed=True)
    '-5.0%'
    """
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "–"
    return f"{value * 100:{'+' if signed else ''}.{digits}f}%"


def title(name: str, period: Period, scope: str, lang: str) -> Html:
    """Return the report's title block: title, period, scope and data source.

    The title is recorded as figure ``title`` so that the HTML page and the index use it.
    """
    text = report_title(name, lang)
    record("title", text)
    col, value = parse_scope(scope)
    if col:
        kind = "company_name" if col == "company" else col
        scope_text = f"{label(f'report.scope.{kind}', lang)}: {value}"
    else:
        scope_text = label("report.scope.company", lang)
    sub = label(
        "report.subtitle",
        lang,
        start=f"{period.start:%Y-%m-%d}",
        end=f"{period.end:%Y-%m-%d}",
        scope=scope_text,
    )
    return Html(f'<h1>{html.escape(text)}</h1><p class="wb-subtitle">{html.escape(sub)}</p>')


def heading(section: str, lang: str) -> Html:
    """Return a section heading ``<h2 id="section">`` with the label ``report.section.<id>``.

    Examples
    --------
    >>> str(heading("overview", "en"))
    '<h2 id="overview">Dataset overview</h2>'
    """
    return Html(
        f'<h2 id="{slugify(section)}">{html.escape(label(f"report.section.{section}", lang))}</h2>'
    )


def text(key: str, lang: str, css: str = "", **values: Any) -> Html:
    """Return the label ``report.<key>`` as an escaped paragraph, formatted with ``values``.

    Examples
    --------
    >>> str(text("note.all_numbers", "en"))
    '<p>Every figure in this report is computed by the workbench package from the data source.</p>'
    """
    body = html.escape(label(f"report.{key}", lang, **values))
    cls = f' class="{html.escape(css, quote=True)}"' if css else ""
    return Html(f"<p{cls}>{body}</p>")


def table(df: pd.DataFrame, formats: Mapping[str, Any] | None = None) -> Html:
    """Return a DataFrame as an escaped HTML table (numbers right-aligned).

    Parameters
    ----------
    df : pandas.DataFrame
        The rows to show; column names are shown as they are.
    formats : mapping, optional
        ``{column: callable}`` turning a value into text; numbers default to
        :func:`format_number`.

    Returns
    -------
    Html
        ``<table class="wb-table">``; every cell is HTML-escaped.

    Examples
    --------
    >>> str(table(pd.DataFrame({"name": ["<b>x</b>"], "n": [1200]})))[:60]
    '<table class="wb-table"><thead><tr><th>name</th><th class="w'
    """
    formats = dict(formats or {})
    numeric = {
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    }
    num_cls = ' class="wb-num"'
    head = "".join(
        f"<th{num_cls if c in numeric else ''}>{html.escape(str(c))}</th>" for c in df.columns
    )
    rows = []
    for rec in df.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(df.columns, rec, strict=True):
            fmt = formats.get(col)
            if fmt is not None:
                shown = fmt(value)
            elif col in numeric:
                shown = format_number(
                    value, 0 if float(value if pd.notna(value) else 0).is_integer() else 2
                )
            else:
                shown = (
                    ""
                    if value is None or (not isinstance(value, str) and pd.isna(value))
                    else value
                )
            cls = num_cls if col in numeric else ""
            cells.append(f"<td{cls}>{html.escape(str(shown))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return Html(
        f'<table class="wb-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def overview(ctx: ReportContext) -> Html:
    """Return the dataset overview: date range, rows per table, quarantined rows.

    Records ``orders_rows``, ``first_order``, ``last_order`` and ``rows_quarantined``.

    Parameters
    ----------
    ctx : ReportContext
        The report context (:func:`context`).

    Returns
    -------
    Html
        A heading, a paragraph and a table with one row per table present.
    """
    ds, lang = ctx.ds, ctx.lang
    first, last, n_orders = _date_range(ds.orders)
    record("orders_rows", n_orders)
    record("first_order", first)
    record("last_order", last)
    record("rows_quarantined", ds.n_quarantined)
    lead = text(
        "overview.lead",
        lang,
        orders=format_number(n_orders),
        first=f"{first:%Y-%m-%d}" if pd.notna(first) else "–",
        last=f"{last:%Y-%m-%d}" if pd.notna(last) else "–",
        quarantined=format_number(ds.n_quarantined),
    )
    counts = ds.counts()
    shown = pd.DataFrame(
        {
            label("word.table", lang): [_table_label(t, lang) for t in counts["table"]],
            label("word.rows", lang): counts["rows"].astype(int),
            label("word.quarantined", lang): counts["quarantined"].astype(int),
        }
    )
    return heading("overview", lang) + lead + table(shown)


def _table_label(name: str, lang: str) -> str:
    try:
        return label(f"table.{name}", lang)
    except KeyError:
        return name


def revenue_by_period(
    orders: pd.DataFrame,
    period: Period,
    *,
    granularity: str = "month",
    history: int = 24,
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Revenue per time bucket, from ``history`` buckets before the period to its end.

    Pure: frame in, frame out.

    Parameters
    ----------
    orders : pandas.DataFrame or lazy frame
        Order lines (``customer_id``, ``order_id``, ``date_col`` as datetime,
        ``amount_col``); summed by :func:`workbench.metrics.sales_report` (in the
        frame's engine when it is a DuckDB, Polars or Spark frame).
    period : Period
        The report period; buckets end with the one holding ``period.end``.
    granularity : str
        One of :data:`GRANULARITIES`.
    history : int
        Number of buckets before the period's first to include.

    Returns
    -------
    pandas.DataFrame
        Columns ``bucket`` (first day), ``revenue``, ``in_period`` (bool); every bucket
        present, empty ones with revenue 0.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["a", "b"],
    ...                   "order_date": pd.to_datetime(["2025-01-05", "2025-03-02"]),
    ...                   "amount": [10.0, 5.0]})
    >>> revenue_by_period(o, resolve_period("2025-03"), history=2)["revenue"].tolist()
    [10.0, 0.0, 5.0]
    """
    if granularity not in GRANULARITIES:
        raise ParameterError(f"granularity {granularity!r}; use one of {', '.join(GRANULARITIES)}")
    freq = GRANULARITIES[granularity]
    first = pd.Period(period.start, freq)
    periods = pd.period_range(first - history, pd.Period(period.end, freq), freq=freq)
    from workbench.metrics import sales_report

    rep = collect(
        sales_report(
            orders,
            freq=freq[0],  # "W-SUN" periods start on Monday, as sales_report's weeks do
            start=periods[0].start_time,
            end=period.end,
            date_col=date_col,
            amount_col=amount_col,
            cost_col=None,
        )
    )
    sums = rep.set_index("period")["revenue"].reindex(periods.start_time, fill_value=0.0)
    return pd.DataFrame(
        {
            "bucket": periods.start_time,
            "revenue": sums.to_numpy(dtype="float64"),
            "in_period": periods >= first,
        }
    )


def revenue_figure(
    orders: pd.DataFrame,
    period: Period,
    lang: str = "en",
    *,
    granularity: str = "month",
    currency: str = "",
    history: int = 24,
) -> Any:
    """Return a bar chart of revenue per bucket, the report period highlighted.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace; the period's bars in the accent colour.
    """
    import plotly.graph_objects as go

    data = revenue_by_period(orders, period, granularity=granularity, history=history)
    colors = ["#1f5fa8" if p else "#a9bdd6" for p in data["in_period"]]
    revenue = label("word.revenue", lang)
    fig = go.Figure(
        go.Bar(
            x=data["bucket"],
            y=data["revenue"],
            marker_color=colors,
            name=revenue,
            hovertemplate="%{x|%Y-%m-%d}: %{y:,.0f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=label(
            "report.chart.revenue",
            lang,
            granularity=label(f"report.granularity.{granularity}", lang),
        ),
        yaxis_title=f"{revenue} ({currency})" if currency else revenue,
        xaxis_title=None,
        xaxis_tickformat={"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m"}.get(
            granularity, "%Y"
        ),
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
    )
    return fig


# --------------------------------------------------------------------------- context


@dataclass
class ReportContext:
    """Everything a report's sections share: the data, the period and the options.

    Build it with :func:`context`. ``ds`` holds the orders of the scope up to ``as_of``.

    Attributes
    ----------
    ds : workbench.Dataset
        The scoped data.
    period : Period
        The report period.
    as_of : pandas.Timestamp
        The data date.
    lang, currency, granularity, tier_method, scope, source : str
        The report's parameters.
    """

    ds: Any
    period: Period
    as_of: pd.Timestamp
    lang: str = "en"
    currency: str = ""
    granularity: str = "month"
    tier_method: str = "cumulative"
    scope: str = "company"
    source: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: str, make: Any) -> Any:
        """Return ``make()``, computed once per context."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def context(
    source: str,
    *,
    period: str = "last-month",
    start: str = "",
    end: str = "",
    as_of: str = "",
    scope: str = "company",
    lang: str = "en",
    currency: str = "",
    granularity: str = "month",
    tier_method: str = "cumulative",
    engine: str = "auto",
) -> ReportContext:
    """Load the data and resolve the parameters of a report notebook.

    Parameters
    ----------
    source : str
        Data source (see :func:`load_data`); a relative folder is looked for in the
        working directory, then in the project root.
    period, start, end : str
        The period (see :func:`resolve_period`).
    as_of : str
        Data date; empty for the data's last order date.
    scope : str
        ``company``, ``company:NAME`` or ``department:NAME`` (see :func:`parse_scope`).
    lang : {"en", "zh"}
        Language of every text.
    currency : str
        Currency label shown with amounts (``¥``, ``CNY``...).
    granularity : str
        Time buckets of the charts, one of :data:`GRANULARITIES`.
    tier_method : {"cumulative", "count"}
        ABC method of :func:`workbench.tiers.abc_classes`.
    engine : {"auto", "pandas", "duckdb", "polars", "spark"}
        Where the order log is aggregated (see :func:`load_data`).

    Returns
    -------
    ReportContext
        The context the section builders take.

    Raises
    ------
    ParameterError
        If a parameter is invalid.
    """
    check_lang(lang)
    if granularity not in GRANULARITIES:
        raise ParameterError(f"granularity {granularity!r}; use one of {', '.join(GRANULARITIES)}")
    if tier_method not in ("cumulative", "count"):
        raise ParameterError(f"tier_method {tier_method!r}; use 'cumulative' or 'count'")
    source = resolve_source(str(source))
    ds = load_data(source, as_of or None, engine)
    if not as_of:
        last = _date_range(ds.orders)[1]
        as_of = f"{pd.Timestamp(last):%Y-%m-%d}"
        ds.as_of = pd.Timestamp(as_of)
    per = resolve_period(period, start, end, as_of=as_of)
    return ReportContext(
        ds=scoped(ds, scope),
        period=per,
        as_of=pd.Timestamp(as_of),
        lang=lang,
        currency=currency,
        granularity=granularity,
        tier_method=tier_method,
        scope=scope,
        source=str(source),
    )


def _summary_at(ctx: ReportContext, day: pd.Timestamp) -> pd.DataFrame:
    from workbench.metrics import customer_summary

    def make() -> pd.DataFrame:
        orders = ctx.ds.orders
        cost = "cost" if "cost" in columns(orders) else None
        return collect(customer_summary(_until(orders, day), as_of=day, cost_col=cost))

    return ctx.cached(f"summary:{day:%Y-%m-%d}", make)


def _tiers_at(ctx: ReportContext, day: pd.Timestamp) -> pd.DataFrame:
    from workbench.tiers import lifecycle_tiers

    return ctx.cached(
        f"tiers:{day:%Y-%m-%d}",
        lambda: lifecycle_tiers(_summary_at(ctx, day), ctx.ds.get("customers")),
    )


def _kpis(ctx: ReportContext, period: Period) -> dict[str, Any]:
    from workbench.kpis import period_kpis

    def make() -> dict[str, Any]:
        got = period_kpis(
            ctx.ds.orders, ctx.ds.get("customers"), start=period.start, end=period.end
        )
        return {c: (None if pd.isna(got[c].iloc[0]) else got[c].iloc[0]) for c in got.columns}

    return ctx.cached(f"kpis:{period.label}", make)


def _value_col(ctx: ReportContext) -> str:
    return "profit" if "cost" in columns(ctx.ds.orders) else "revenue"


def _change(current: Any, previous: Any) -> float | None:
    if current is None or previous in (None, 0):
        return None
    return float(current) / float(previous) - 1.0


# --------------------------------------------------------------------------- sections


def title_block(ctx: ReportContext, name: str = "management") -> Html:
    """Return the title, the period and scope line, and the source note.

    Records ``title``, ``period``, ``start``, ``end`` and ``as_of``.
    """
    record("period", ctx.period.label)
    record("start", ctx.period.start)
    record("end", ctx.period.end)
    record("as_of", ctx.as_of)
    source = Path(ctx.source).name if "://" not in ctx.source else ctx.source.split("://")[0]
    return title(name, ctx.period, ctx.scope, ctx.lang) + text(
        "note.source", ctx.lang, "wb-note", source=source, as_of=f"{ctx.as_of:%Y-%m-%d}"
    )


_KPI_CARDS = (
    ("revenue", "money"),
    ("profit", "money"),
    ("buyers", "count"),
    ("new_customers", "count"),
    ("lost_customers", "count"),
    ("upgraded_customers", "count"),
    ("avg_profit", "money"),
)
_LOWER_IS_BETTER = {"lost_customers"}


def kpi_table(ctx: ReportContext) -> pd.DataFrame:
    """Return the headline KPIs of the period, the previous period and a year before.

    Returns
    -------
    pandas.DataFrame
        One row per KPI of :func:`workbench.kpis.period_kpis` shown in the report
        (``kpi``, ``current``, ``previous``, ``last_year``, ``change_previous``,
        ``change_last_year``); changes are ratios (0.05 = +5 %).
    """
    cur, prev = _kpis(ctx, ctx.period), _kpis(ctx, ctx.period.previous())
    last = _kpis(ctx, ctx.period.last_year())
    rows = []
    for key, _ in _KPI_CARDS:
        rows.append(
            {
                "kpi": key,
                "current": cur.get(key),
                "previous": prev.get(key),
                "last_year": last.get(key),
                "change_previous": _change(cur.get(key), prev.get(key)),
                "change_last_year": _change(cur.get(key), last.get(key)),
            }
        )
    return pd.DataFrame(rows)


def kpis(ctx: ReportContext) -> Html:
    """Return the headline KPI section: one card per KPI with its changes.

    Records each KPI of the period (``revenue``, ``profit``, ``buyers``,
    ``new_customers``, ``lost_customers``, ``upgraded_customers``, ``avg_profit``) and
    ``revenue_previous``, ``revenue_last_year``.
    """
    lang = ctx.lang
    table_ = kpi_table(ctx)
    cards = []
    for row, (key, kind) in zip(table_.itertuples(index=False), _KPI_CARDS, strict=True):
        record(key, row.current)
        shown = (
            format_money(row.current, ctx.currency)
            if kind == "money"
            else format_number(row.current)
        )
        deltas = []
        sign = -1 if key in _LOWER_IS_BETTER else 1
        for change, which in (
            (row.change_previous, "previous"),
            (row.change_last_year, "last_year"),
        ):
            good = None if change is None or change == 0 else sign * change > 0
            cls = "" if good is None else ("wb-up" if good else "wb-down")
            vs = html.escape(label(f"report.kpi.vs_{which}", lang))
            pct = html.escape(format_percent(change, signed=True))
            deltas.append(f'<div class="wb-card-delta">{vs} <span class="{cls}">{pct}</span></div>')
        name = html.escape(label(f"report.kpi.{key}", lang))
        cards.append(
            f'<div class="wb-card"><div class="wb-card-label">{name}</div>'
            f'<div class="wb-card-value">{html.escape(shown)}</div>{"".join(deltas)}</div>'
        )
    first = table_.set_index("kpi").loc["revenue"]
    record("revenue_previous", first["previous"])
    record("revenue_last_year", first["last_year"])
    prev, last = ctx.period.previous(), ctx.period.last_year()
    note = text(
        "kpi.note",
        lang,
        "wb-note",
        previous=_period_text(prev),
        last_year=_period_text(last),
    )
    return heading("kpis", lang) + Html(f'<div class="wb-cards">{"".join(cards)}</div>') + note


def _period_text(p: Period) -> str:
    return p.label if p.kind != "days" else f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d}"


def revenue_chart(ctx: ReportContext, history: int = 24) -> Any:
    """Return the revenue chart of the report (see :func:`revenue_figure`)."""
    return revenue_figure(
        ctx.ds.orders,
        ctx.period,
        ctx.lang,
        granularity=ctx.granularity,
        currency=ctx.currency,
        history=history,
    )


def lifecycle(ctx: ReportContext) -> Html:
    """Return the lifecycle section: customers per tier at the period end, with actions.

    Records ``tier_<id>`` (customers per tier) and ``customers_with_purchase``.
    """
    from workbench.tiers import TIER_ORDER, tier_actions

    lang = ctx.lang
    tiers = _tiers_at(ctx, ctx.period.end)
    counts = tiers["lifecycle_tier"].astype("string").value_counts()
    actions = tier_actions(lang).set_index("lifecycle_tier")
    total = int(counts.sum())
    rows = []
    for tier in TIER_ORDER:
        n = int(counts.get(tier, 0))
        record(f"tier_{tier}", n)
        rows.append(
            {
                label("report.col.tier", lang): actions.loc[tier, "tier_label"],
                label("word.customers", lang): n,
                label("report.col.share", lang): format_percent(n / total if total else None),
                label("report.col.actions", lang): actions.loc[tier, "actions"],
            }
        )
    record(
        "customers_with_purchase",
        int(sum(counts.get(t, 0) for t in TIER_ORDER if t != "potential")),
    )
    return (
        heading("structure", lang)
        + Html(f"<h3>{html.escape(label('report.sub.lifecycle', lang))}</h3>")
        + text("lifecycle.lead", lang, end=f"{ctx.period.end:%Y-%m-%d}")
        + table(pd.DataFrame(rows))
    )


def lifecycle_chart(ctx: ReportContext) -> Any:
    """Return the lifecycle funnel at the period end (:func:`workbench.plots.lifecycle_funnel`)."""
    from workbench.plots import lifecycle_funnel

    return lifecycle_funnel(_tiers_at(ctx, ctx.period.end), lang=ctx.lang)


def _abc(ctx: ReportContext) -> pd.DataFrame:
    from workbench.tiers import abc_classes

    return ctx.cached(
        "abc",
        lambda: abc_classes(
            _summary_at(ctx, ctx.period.end), value_col=_value_col(ctx), method=ctx.tier_method
        ),
    )


def abc(ctx: ReportContext, top: int = 10) -> Html:
    """Return the value section: ABC classes, the 80/20 share and the top customers.

    Records ``top20_share`` (share of value from the top 20 % of customers),
    ``abc_A_customers`` and ``abc_A_share``.
    """
    from workbench.tiers import pareto_summary

    lang = ctx.lang
    value_col = _value_col(ctx)
    classes = _abc(ctx)
    pareto = pareto_summary(_summary_at(ctx, ctx.period.end), value_col)
    record("top20_share", pareto.top_share)
    positive = classes[value_col].clip(lower=0)
    total = float(positive.sum())
    rows = []
    for cls in ("A", "B", "C"):
        mask = classes["abc_class"].astype("string") == cls
        share = float(positive[mask].sum()) / total if total else None
        if cls == "A":
            record("abc_A_customers", int(mask.sum()))
            record("abc_A_share", share)
        rows.append(
            {
                label("report.col.class", lang): label(f"abc.{cls}", lang),
                label("word.customers", lang): int(mask.sum()),
                label("report.col.customer_share", lang): format_percent(mask.mean()),
                label("report.col.value_share", lang): format_percent(share),
            }
        )
    lead = text(
        "abc.lead",
        lang,
        value=label(f"word.{value_col}", lang),
        share=format_percent(pareto.top_share),
        n=format_number(pareto.top_customers),
        method=label(f"report.abc_method.{ctx.tier_method}", lang),
    )
    best = classes.sort_values([value_col, "customer_id"], ascending=[False, True]).head(top)
    names = _customer_names(ctx)
    top_rows = pd.DataFrame(
        {
            label("report.col.customer", lang): [names.get(c, c) for c in best["customer_id"]],
            label("report.col.class", lang): [label(f"abc.{c}", lang) for c in best["abc_class"]],
            label(f"word.{value_col}", lang): [
                format_money(v, ctx.currency) for v in best[value_col]
            ],
        }
    )
    return (
        Html(f"<h3>{html.escape(label('report.sub.abc', lang))}</h3>")
        + lead
        + table(pd.DataFrame(rows))
        + Html(f"<h3>{html.escape(label('report.sub.top_customers', lang, n=top))}</h3>")
        + table(top_rows)
    )


def _customer_names(ctx: ReportContext) -> dict[str, str]:
    customers = ctx.ds.get("customers")
    if customers is None or "name" not in customers.columns:
        return {}
    return dict(
        zip(customers["customer_id"].astype(str), customers["name"].astype(str), strict=False)
    )


def pareto_chart(ctx: ReportContext) -> Any:
    """Return the Pareto curve of value at the period end (:func:`workbench.plots.pareto_curve`)."""
    from workbench.plots import pareto_curve
    from workbench.tiers import pareto_summary

    p = pareto_summary(_summary_at(ctx, ctx.period.end), _value_col(ctx))
    return pareto_curve(p.lorenz, gini=p.gini, lang=ctx.lang)


def abc_chart(ctx: ReportContext) -> Any:
    """Return the ABC bars (:func:`workbench.plots.abc_bars`)."""
    from workbench.plots import abc_bars

    return abc_bars(_abc(ctx), value_col=_value_col(ctx), lang=ctx.lang)


def _segments(ctx: ReportContext) -> pd.DataFrame:
    from workbench.tiers import rfm_scores, rfm_segments

    return ctx.cached(
        "segments", lambda: rfm_segments(rfm_scores(_summary_at(ctx, ctx.period.end)))
    )


def rfm(ctx: ReportContext) -> Html:
    """Return the RFM segments at the period end: customers and value per segment.

    Uses the R ``rfm`` scheme in English reports and the Chinese 8-class scheme in
    Chinese ones (:func:`workbench.tiers.rfm_segments`).
    """
    from workbench.plots import segment_label

    lang = ctx.lang
    seg = _segments(ctx)
    col = "segment_zh" if lang == "zh" else "segment_en"
    grouped = (
        seg.groupby(seg[col].astype("string"), observed=True)
        .agg(customers=("customer_id", "size"), value=("rfm_monetary", "sum"))
        .sort_values("customers", ascending=False)
    )
    total = float(grouped["value"].clip(lower=0).sum())
    shown = pd.DataFrame(
        {
            label("report.col.segment", lang): [segment_label(s, lang) for s in grouped.index],
            label("word.customers", lang): grouped["customers"].astype(int).to_numpy(),
            label("report.col.value_share", lang): [
                format_percent(v / total if total else None) for v in grouped["value"].clip(lower=0)
            ],
        }
    )
    return Html(f"<h3>{html.escape(label('report.sub.rfm', lang))}</h3>") + table(shown)


def rfm_chart(ctx: ReportContext) -> Any:
    """Return the RFM segment treemap (:func:`workbench.plots.segment_treemap`)."""
    from workbench.plots import segment_treemap

    return segment_treemap(_segments(ctx), scheme="zh" if ctx.lang == "zh" else "en", lang=ctx.lang)


def movement(ctx: ReportContext) -> Html:
    """Return the movement section: new, lost, upgraded and reactivated customers.

    Records ``new_rate``, ``lost_rate``, ``upgraded_rate`` and ``reactivated_customers``.
    """
    lang = ctx.lang
    cur = _kpis(ctx, ctx.period)
    rows = []
    for key, rate in (
        ("new_customers", "new_rate"),
        ("lost_customers", "lost_rate"),
        ("upgraded_customers", "upgraded_rate"),
        ("reactivated_customers", None),
    ):
        if rate:
            record(rate, cur.get(rate))
        else:
            record(key, cur.get(key))
        rows.append(
            {
                label("report.col.movement", lang): label(f"report.kpi.{key}", lang),
                label("word.customers", lang): int(cur.get(key) or 0),
                label("report.col.rate", lang): format_percent(cur.get(rate)) if rate else "–",
            }
        )
    return (
        heading("movement", lang)
        + text(
            "movement.lead",
            lang,
            start=f"{ctx.period.start:%Y-%m-%d}",
            end=f"{ctx.period.end:%Y-%m-%d}",
            customers=format_number(cur.get("customers_start")),
        )
        + table(pd.DataFrame(rows))
    )


def migration_chart(ctx: ReportContext) -> Any:
    """Return the tier migration Sankey from the period start to its end."""
    from workbench.plots import tier_migration_sankey
    from workbench.tiers import tier_migration

    before = ctx.period.start - pd.Timedelta(days=1)
    moves = tier_migration(_tiers_at(ctx, before), _tiers_at(ctx, ctx.period.end))
    return tier_migration_sankey(
        moves, start=before.date(), end=ctx.period.end.date(), lang=ctx.lang
    )


def quality(ctx: ReportContext) -> Html:
    """Return the data-quality section: rows set aside by validation, per table and problem.

    Records ``rows_quarantined``.
    """
    lang = ctx.lang
    ds = ctx.ds
    record("rows_quarantined", ds.n_quarantined)
    rows = []
    for name, frame in ds.quarantine.items():
        if len(frame) == 0:
            continue
        problems = (
            frame["_problem"].astype(str)
            if "_problem" in frame.columns
            else pd.Series(["?"] * len(frame))
        )
        kinds = problems.str.split(":", n=1).str[0].str.strip()
        for kind, n in kinds.value_counts().items():
            rows.append(
                {
                    label("word.table", lang): _table_label(name, lang),
                    label("report.col.problem", lang): kind,
                    label("word.rows", lang): int(n),
                }
            )
    body = (
        text("quality.none", lang)
        if not rows
        else text("quality.lead", lang, n=format_number(ds.n_quarantined))
        + table(pd.DataFrame(rows))
    )
    return heading("quality", lang) + body + text("note.all_numbers", lang, "wb-note")


def _clv(ctx: ReportContext, horizon: int) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        from workbench.clv import (
            BetaGeoFitter,
            GammaGammaFitter,
            clv_abc,
            customer_lifetime_value,
        )
        from workbench.metrics import customer_summary

        end = ctx.period.end
        orders = _until(ctx.ds.orders, end)
        has_cost = "cost" in columns(orders)
        weekly = collect(
            customer_summary(
                orders, as_of=end, time_unit="W", cost_col="cost" if has_cost else None
            )
        )
        # a customer whose first purchase is on the last day has no history to fit yet
        weekly = weekly.loc[weekly["T"] > 0].reset_index(drop=True)
        sums = [nw.col("amount").sum().alias("revenue")]
        if has_cost:
            sums.append((nw.col("amount") - nw.col("cost")).sum().alias("profit"))
        totals = collect(nw.from_native(orders).select(*sums).to_native())
        margin, revenue = 1.0, float(totals["revenue"].iloc[0] or 0.0)
        if has_cost and revenue > 0:
            profit = float(totals["profit"].iloc[0])
            margin = min(max(profit / revenue, 0.0), 1.0)
        bg = BetaGeoFitter().fit(weekly)
        gg = GammaGammaFitter().fit(weekly)
        # Gamma-Gamma's mean spend p * gamma / (q - 1) is finite only for q > 1; otherwise
        # value each customer at their own mean repeat spend (0 for one-time buyers)
        spend_ok = float(gg.params_["q"]) > 1
        out = customer_lifetime_value(
            bg, gg if spend_ok else None, weekly, horizon=horizon, margin=margin, time_unit="W"
        )
        out.insert(0, "customer_id", weekly["customer_id"].to_numpy())
        out = clv_abc(out)
        out.attrs["margin"] = margin
        out.attrs["spend_model"] = spend_ok
        return out

    def make_or_error() -> pd.DataFrame | ValueError:
        try:
            return make()
        except ValueError as exc:  # kept, so the chart does not fit the models again
            return exc

    got = ctx.cached(f"clv:{horizon}", make_or_error)
    if isinstance(got, ValueError):
        raise got
    return got


def value(ctx: ReportContext, horizon: int = 12) -> Html:
    """Return the value section: expected customer lifetime value over the next months.

    Fits BG/NBD (purchases) and Gamma-Gamma (spend) on the customers' history up to the
    period end (:mod:`workbench.clv`), values the next ``horizon`` months at the data's
    profit margin (amount - cost over amount; 1 without costs), and shows the result per
    lifecycle tier. When the models cannot be fitted (too few repeat buyers in the
    scope), the section says so.

    Records ``clv_total``, ``clv_mean``, ``p_alive_mean`` and ``clv_margin``.
    """
    lang = ctx.lang
    head = heading("value", lang)
    try:
        clv = _clv(ctx, horizon)
    except ValueError as exc:
        return head + text("clv.failed", lang, "wb-note", error=str(exc))
    record("clv_total", float(clv["clv"].sum()))
    record("clv_mean", float(clv["clv"].mean()))
    record("p_alive_mean", float(clv["p_alive"].mean()))
    record("clv_margin", clv.attrs.get("margin", 1.0))
    from workbench.plots import tier_label

    tiers = _tiers_at(ctx, ctx.period.end)[["customer_id", "lifecycle_tier"]]
    joined = clv.merge(tiers, on="customer_id", how="left")
    grouped = joined.groupby(joined["lifecycle_tier"].astype("string"), observed=True).agg(
        customers=("customer_id", "size"),
        p_alive=("p_alive", "mean"),
        clv_mean=("clv", "mean"),
        clv_total=("clv", "sum"),
    )
    from workbench.tiers import TIER_ORDER

    grouped = grouped.reindex([t for t in TIER_ORDER if t in grouped.index])
    shown = pd.DataFrame(
        {
            label("report.col.tier", lang): [tier_label(t, lang) for t in grouped.index],
            label("word.customers", lang): grouped["customers"].astype(int).to_numpy(),
            label("report.col.p_alive", lang): [format_percent(v) for v in grouped["p_alive"]],
            label("report.col.clv_mean", lang): [
                format_money(v, ctx.currency) for v in grouped["clv_mean"]
            ],
            label("report.col.clv_total", lang): [
                format_money(v, ctx.currency) for v in grouped["clv_total"]
            ],
        }
    )
    lead = text(
        "clv.lead",
        lang,
        horizon=horizon,
        total=format_money(float(clv["clv"].sum()), ctx.currency),
        margin=format_percent(clv.attrs.get("margin", 1.0)),
        end=f"{ctx.period.end:%Y-%m-%d}",
    )
    if not clv.attrs.get("spend_model", True):
        lead = lead + text("clv.no_spend_model", lang, "wb-note")
    return head + lead + table(shown)


def clv_chart(ctx: ReportContext, horizon: int = 12) -> Any:
    """Return the CLV histogram by CLV class, or None when the models cannot be fitted."""
    from workbench.clv import plot_clv_distribution

    try:
        clv = _clv(ctx, horizon)
    except ValueError:
        return None
    return plot_clv_distribution(clv, horizon=horizon, lang=ctx.lang)


SALES_DIMENSIONS = ("department", "outlet", "category", "salesperson")
"""Dimensions of the sales section, in order; those the orders lack are skipped."""


def _orders_with_category(ctx: ReportContext) -> Any:
    """The orders with their product's category (joined in the orders' engine)."""

    def make() -> Any:
        orders = ctx.ds.orders
        products = ctx.ds.get("products")
        names = columns(orders)
        if (
            products is None
            or "category" not in products.columns
            or "product_id" not in names
            or "category" in names
        ):
            return orders
        cats = products[["product_id", "category"]].drop_duplicates("product_id")
        joined = nw.from_native(orders).join(
            nw.from_native(to_engine(cats, like=orders)), on="product_id", how="left"
        )
        out = joined.to_native()
        return out.reset_index(drop=True) if isinstance(out, pd.DataFrame) else out

    return ctx.cached("orders+category", make)


def sales_by(ctx: ReportContext, dim: str) -> pd.DataFrame:
    """Revenue and profit per value of ``dim`` in the period, the previous period and a year before.

    Built on :func:`workbench.metrics.sales_report`: one daily report from the first day
    of the three windows to the last (one query in the orders' engine), summed over each.

    Returns
    -------
    pandas.DataFrame
        Columns ``dim``, ``revenue``, ``share`` (of the period's revenue), ``profit``,
        ``change_previous``, ``change_last_year`` (ratios), sorted by revenue, largest
        first.
    """
    from workbench.metrics import sales_report

    orders = _orders_with_category(ctx)
    windows = (ctx.period, ctx.period.previous(), ctx.period.last_year())
    start, end = min(p.start for p in windows), max(p.end for p in windows)
    daily = collect(sales_report(orders, by=dim, freq="D", start=start, end=end))

    def window(p: Period) -> pd.DataFrame:
        rep = daily.loc[(daily["period"] >= p.start) & (daily["period"] <= p.end)]
        return rep.groupby(dim, observed=True)[["revenue", "profit"]].sum(min_count=1)

    cur = window(ctx.period)
    prev = window(ctx.period.previous())["revenue"]
    last = window(ctx.period.last_year())["revenue"]
    out = cur.reset_index().rename(columns={dim: "dim"})
    total = float(out["revenue"].sum())
    out["share"] = out["revenue"] / total if total else float("nan")
    out["change_previous"] = [
        _change(r, prev.get(k)) for k, r in zip(out["dim"], out["revenue"], strict=True)
    ]
    out["change_last_year"] = [
        _change(r, last.get(k)) for k, r in zip(out["dim"], out["revenue"], strict=True)
    ]
    out = out.sort_values(["revenue", "dim"], ascending=[False, True]).reset_index(drop=True)
    return out[["dim", "revenue", "share", "profit", "change_previous", "change_last_year"]]


def _dim_value(dim: str, value: Any, lang: str) -> str:
    if dim == "category":
        try:
            return label(f"report.category.{value}", lang)
        except KeyError:
            pass
    return str(value)


def sales(ctx: ReportContext, top: int = 10) -> Html:
    """Return the sales section: one table per dimension of :data:`SALES_DIMENSIONS`.

    Each table shows revenue, its share, profit and the change against the previous
    period and a year before, the ``top`` largest values (all for departments).
    Records ``revenue_by_<dim>`` (``{value: revenue}``) for each dimension shown.
    """
    lang = ctx.lang
    orders = _orders_with_category(ctx)
    present = [d for d in SALES_DIMENSIONS if d in columns(orders)]
    filled = collect(
        nw.from_native(orders).select(*(nw.col(d).count() for d in present)).to_native()
    )
    parts = [heading("sales", lang)]
    for dim in present:
        if int(filled[dim].iloc[0]) == 0:
            continue
        got = sales_by(ctx, dim)
        record(f"revenue_by_{dim}", dict(zip(got["dim"].astype(str), got["revenue"], strict=True)))
        shown_rows = got if dim == "department" else got.head(top)
        title_key = "report.sub.top_dim" if len(got) > len(shown_rows) else "report.sub.by_dim"
        dim_name = label(f"plot.dim.{dim}", lang)
        parts.append(Html(f"<h3>{html.escape(label(title_key, lang, dim=dim_name, n=top))}</h3>"))
        shown = pd.DataFrame(
            {
                dim_name[:1].upper() + dim_name[1:]: [
                    _dim_value(dim, v, lang) for v in shown_rows["dim"]
                ],
                label("metric.revenue", lang): [
                    format_money(v, ctx.currency) for v in shown_rows["revenue"]
                ],
                label("report.col.share", lang): [format_percent(v) for v in shown_rows["share"]],
                label("metric.profit", lang): [
                    format_money(v, ctx.currency) for v in shown_rows["profit"]
                ],
                label("report.kpi.vs_previous", lang): [
                    format_percent(v, signed=True) for v in shown_rows["change_previous"]
                ],
                label("report.kpi.vs_last_year", lang): [
                    format_percent(v, signed=True) for v in shown_rows["change_last_year"]
                ],
            }
        )
        parts.append(table(shown))
    out = parts[0]
    for part in parts[1:]:
        out = out + part
    return out


def sales_chart(ctx: ReportContext, dim: str = "department", history: int = 12) -> Any:
    """Return revenue per time bucket and value of ``dim`` (:func:`workbench.plots.sales_trend`).

    Covers ``history`` buckets up to the period end; None when the orders lack ``dim``.
    """
    from workbench.metrics import sales_report
    from workbench.plots import sales_trend

    orders = _orders_with_category(ctx)
    if dim not in columns(orders):
        return None
    freq = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}[ctx.granularity]
    per = pd.Period(ctx.period.end, GRANULARITIES[ctx.granularity])
    start = (per - history + 1).start_time
    rep = collect(sales_report(orders, by=dim, freq=freq, start=start, end=ctx.period.end))
    return sales_trend(rep, by=dim, lang=ctx.lang)


# --------------------------------------------------------------------------- shared bits


def cards(items: list[tuple[str, str]]) -> Html:
    """Return a row of KPI cards, one per ``(label, value text)``, both escaped.

    Examples
    --------
    >>> str(cards([("Customers", "12")]))[:40]
    '<div class="wb-cards"><div class="wb-car'
    """
    body = "".join(
        f'<div class="wb-card"><div class="wb-card-label">{html.escape(name)}</div>'
        f'<div class="wb-card-value">{html.escape(shown)}</div></div>'
        for name, shown in items
    )
    return Html(f'<div class="wb-cards">{body}</div>')


def _sub(key: str, lang: str, **values: Any) -> Html:
    return Html(f"<h3>{html.escape(label(f'report.sub.{key}', lang, **values))}</h3>")


def _alert_label(kind: str, lang: str) -> str:
    try:
        return label(f"report.alert.{kind}", lang)
    except KeyError:
        return kind


def _kinds_text(kinds: Any, lang: str) -> str:
    if not isinstance(kinds, str) or not kinds:
        return ""
    return ", ".join(_alert_label(k.strip(), lang) for k in kinds.split(","))


def _owner_text(owner: Any, lang: str) -> str:
    return label("report.owner.unassigned", lang) if owner == "(unassigned)" else str(owner)


def _bucket_text(bucket: Any, lang: str) -> str:
    try:
        return label(f"plot.ageing.{bucket}", lang)
    except KeyError:
        return str(bucket)


def _per_kind(wl: pd.DataFrame) -> tuple[list[str], pd.Series, pd.Series]:
    """Distinct customers and their value per reminder kind, kinds in ALERT_KINDS order."""
    from workbench.alerts import ALERT_KINDS

    exploded = wl.assign(kind=wl["kinds"].astype(str).str.split(", ")).explode("kind")
    pairs = exploded.drop_duplicates(["customer_id", "kind"])
    by_kind = pairs.groupby("kind")["customer_id"].size()
    value = pairs.groupby("kind")["value"].sum()
    kinds = [k for k in ALERT_KINDS if k in by_kind.index]
    kinds += sorted(set(by_kind.index) - set(ALERT_KINDS))
    return kinds, by_kind, value


def _scope_ids(ds: Any, scope: str) -> set[str] | None:
    """Customers of a company/department scope (None for the whole data)."""
    col, value = parse_scope(scope)
    if not col:
        return None
    customers = ds.get("customers")
    if customers is not None and col in customers.columns:
        keep = customers[col].astype("string") == value
        return set(customers.loc[keep, "customer_id"].astype(str))
    buyers = nw.from_native(ds.orders).select(nw.col("customer_id").cast(nw.String)).unique()
    return set(collect(buyers.to_native())["customer_id"].astype(str))


def _receivables_owned(ds: Any, as_of: pd.Timestamp, config: Any) -> pd.DataFrame | None:
    """Open invoices with their bucket; owner = the invoice's, else the account's."""
    from workbench.alerts import receivables_kanban

    rec = ds.get("receivables")
    if rec is None:
        return None
    k = receivables_kanban(rec, as_of=as_of, config=config)
    customers = ds.get("customers")
    if customers is not None and "owner" in customers.columns:
        owners = customers.set_index("customer_id")["owner"]
        k["owner"] = k["owner"].where(k["owner"].notna(), k["customer_id"].map(owners))
    k["owner"] = k["owner"].fillna("(unassigned)").astype(str)
    return k


def _ageing(kanban: pd.DataFrame, config: Any, by: str | None = None) -> pd.DataFrame:
    """Open amounts, invoices and customers per bucket (every bucket present)."""
    keys = ([by] if by else []) + ["bucket"]
    return (
        kanban.groupby(keys, observed=False)
        .agg(
            amount=("open_amount", "sum"),
            invoices=("invoice_id", "count"),
            customers=("customer_id", "nunique"),
        )
        .reset_index()
    )


def _record_receivables(kanban: pd.DataFrame, config: Any, prefix: str = "receivables") -> None:
    ageing = _ageing(kanban, config)
    overdue = kanban["days"] > 0
    record(f"{prefix}_open", float(kanban["open_amount"].sum()))
    record(f"{prefix}_overdue", float(kanban.loc[overdue, "open_amount"].sum()))
    record(f"{prefix}_overdue_customers", int(kanban.loc[overdue, "customer_id"].nunique()))
    record(
        f"{prefix}_by_bucket",
        {str(b): float(a) for b, a in zip(ageing["bucket"], ageing["amount"], strict=True)},
    )


def _ageing_table(ageing: pd.DataFrame, lang: str, currency: str) -> Html:
    return table(
        pd.DataFrame(
            {
                label("report.col.bucket", lang): [_bucket_text(b, lang) for b in ageing["bucket"]],
                label("report.col.open_amount", lang): [
                    format_money(v, currency) for v in ageing["amount"]
                ],
                label("report.col.invoices", lang): ageing["invoices"].astype(int).to_numpy(),
                label("word.customers", lang): ageing["customers"].astype(int).to_numpy(),
            }
        )
    )


# --------------------------------------------------------------------------- reminders


def _mgmt_worklist(ctx: ReportContext) -> pd.DataFrame:
    from workbench.alerts import worklist

    def make() -> pd.DataFrame:
        wl = worklist(ctx.ds, as_of=ctx.as_of, lang=ctx.lang)
        ids = _scope_ids(ctx.ds, ctx.scope)
        if ids is not None:
            wl = wl[wl["customer_id"].astype(str).isin(ids)].reset_index(drop=True)
        return wl

    return ctx.cached("worklist", make)


def _mgmt_kanban(ctx: ReportContext) -> pd.DataFrame | None:
    from workbench.alerts import DEFAULT_CONFIG

    def make() -> pd.DataFrame | None:
        k = _receivables_owned(ctx.ds, ctx.as_of, DEFAULT_CONFIG)
        ids = _scope_ids(ctx.ds, ctx.scope)
        if k is not None and ids is not None:
            k = k[k["customer_id"].astype(str).isin(ids)].reset_index(drop=True)
        return k

    return ctx.cached("kanban", make)


def reminders(ctx: ReportContext) -> Html:
    """Return the reminders and receivables section, on the data date ``ctx.as_of``.

    The day's worklist (:func:`workbench.alerts.worklist`, default thresholds): customers
    to act on, reminders, salespeople, value at stake, and customers per reminder kind;
    then the open receivables by ageing bucket (:func:`workbench.alerts.receivables_kanban`;
    an invoice's owner, else the account's). Receivables carry today's payments only, so
    the section is as of the data date, not the period end.

    Records ``worklist_customers`` (distinct), ``worklist_alerts``, ``worklist_owners``,
    ``value_at_stake``, ``alerts_by_kind`` (``{kind: customers}``) and, with a receivables
    table, ``receivables_open``, ``receivables_overdue``, ``receivables_overdue_customers``
    and ``receivables_by_bucket`` (``{bucket: open amount}``).
    """
    from workbench.alerts import DEFAULT_CONFIG

    lang = ctx.lang
    wl = _mgmt_worklist(ctx)
    unique = wl.drop_duplicates("customer_id")
    record("worklist_customers", int(unique.shape[0]))
    record("worklist_alerts", int(wl["n_alerts"].sum()))
    record("worklist_owners", int(wl["owner"].nunique()))
    record("value_at_stake", float(unique["value"].sum()))
    kinds, by_kind, value_by_kind = _per_kind(wl)
    record("alerts_by_kind", {k: int(by_kind[k]) for k in kinds})
    shown = pd.DataFrame(
        {
            label("report.col.kind", lang): [_alert_label(k, lang) for k in kinds],
            label("word.customers", lang): [int(by_kind[k]) for k in kinds],
            label("report.col.value_at_stake", lang): [
                format_money(float(value_by_kind[k]), ctx.currency) for k in kinds
            ],
        }
    )
    out = (
        heading("reminders", lang)
        + text(
            "reminders.lead",
            lang,
            as_of=f"{ctx.as_of:%Y-%m-%d}",
            customers=format_number(len(unique)),
            alerts=format_number(int(wl["n_alerts"].sum())),
            owners=format_number(wl["owner"].nunique()),
            value=format_money(float(unique["value"].sum()), ctx.currency),
        )
        + _sub("alerts_by_kind", lang)
        + table(shown)
        + _sub("receivables", lang)
    )
    kanban = _mgmt_kanban(ctx)
    if kanban is None:
        return out + text("receivables.none", lang, "wb-note")
    _record_receivables(kanban, DEFAULT_CONFIG)
    overdue = kanban["days"] > 0
    over_last = kanban["days"] > DEFAULT_CONFIG.ageing_buckets[-1]
    lead = text(
        "receivables.lead",
        lang,
        open=format_money(float(kanban["open_amount"].sum()), ctx.currency),
        as_of=f"{ctx.as_of:%Y-%m-%d}",
        overdue=format_money(float(kanban.loc[overdue, "open_amount"].sum()), ctx.currency),
        customers=format_number(kanban.loc[overdue, "customer_id"].nunique()),
        over=format_money(float(kanban.loc[over_last, "open_amount"].sum()), ctx.currency),
        days=DEFAULT_CONFIG.ageing_buckets[-1],
    )
    return out + lead + _ageing_table(_ageing(kanban, DEFAULT_CONFIG), lang, ctx.currency)


def _ageing_figure(kanban: pd.DataFrame | None, config: Any, lang: str) -> Any:
    if kanban is None:
        return None
    from workbench.plots import receivables_ageing

    return receivables_ageing(_ageing(kanban, config), lang=lang)


def receivables_chart(ctx: ReportContext) -> Any:
    """Return the open receivables by ageing bucket (:func:`workbench.plots.receivables_ageing`).

    None when the data has no receivables table.
    """
    from workbench.alerts import DEFAULT_CONFIG

    return _ageing_figure(_mgmt_kanban(ctx), DEFAULT_CONFIG, ctx.lang)


# --------------------------------------------------------------------------- requirements


def _requirements(ctx: ReportContext) -> pd.DataFrame | None:
    from workbench.requirements import classify

    def make() -> pd.DataFrame | None:
        reqs = ctx.ds.get("requirements")
        if reqs is None:
            return None
        reqs = reqs.loc[pd.to_datetime(reqs["date"]) <= ctx.as_of]
        ids = _scope_ids(ctx.ds, ctx.scope)
        if ids is not None:
            reqs = reqs.loc[reqs["customer_id"].astype(str).isin(ids)]
        return classify(reqs.reset_index(drop=True))

    return ctx.cached("requirements", make)


def _revenue(ctx: ReportContext) -> pd.Series:
    """Revenue per customer up to the report date (the value the requirement library weighs).

    Rounded to the cent: an engine sums in its own order, and the last bits of a sum must
    not reorder the requirement library's ranking between engines.
    """
    summary = _summary_at(ctx, ctx.as_of)
    return pd.Series(
        summary["revenue"].round(2).to_numpy(dtype="float64"),
        index=summary["customer_id"].astype(str).to_numpy(),
        name="revenue",
    )


def _req_rollup(ctx: ReportContext) -> pd.DataFrame:
    from workbench.requirements import decision_rollup

    return ctx.cached(
        "req_rollup",
        lambda: decision_rollup(_requirements(ctx), _revenue(ctx), as_of=ctx.as_of),
    )


def _category_text(cat: Any, lang: str) -> str:
    try:
        return label(f"req.category.{cat}", lang)
    except KeyError:
        return str(cat)


def requirement_highlights(ctx: ReportContext, top: int = 5) -> Html:
    """Return the requirement-library highlights on the data date.

    The needs collected up to ``ctx.as_of`` are classified (:func:`workbench.requirements.classify`,
    users' classes kept); the section shows the ``top`` categories by distinct customers
    with the value of those customers (revenue to date) and their growth over the last
    12 months (:func:`~workbench.requirements.decision_rollup`), the niche candidates that
    grow faster than the library (:func:`~workbench.requirements.niche_candidates`, reason
    ``growing`` or ``shared+growing``) and the needs per status
    (:func:`~workbench.requirements.status_flow`).

    Records ``req_needs``, ``req_customers``, ``req_period_needs`` (collected in the
    period), ``req_open`` (new, accepted or planned), ``req_status`` (``{status: needs}``),
    ``req_top_categories`` (``{category: customers}``) and ``req_niches`` (every growing
    category, best first; the table shows the first ``top``).
    """
    from workbench.requirements import OPEN_STATUSES, niche_candidates, status_flow

    lang = ctx.lang
    head = heading("requirements", lang)
    reqs = _requirements(ctx)
    if reqs is None or len(reqs) == 0:
        return head + text("requirements.none", lang, "wb-note")
    flow = status_flow(reqs)
    in_period = int(ctx.period.mask(pd.to_datetime(reqs["date"])).sum())
    n_open = int(flow.loc[flow["status"].isin(OPEN_STATUSES), "needs"].sum())
    record("req_needs", len(reqs))
    record("req_customers", int(reqs["customer_id"].nunique()))
    record("req_period_needs", in_period)
    record("req_open", n_open)
    record(
        "req_status", {str(s): int(n) for s, n in zip(flow["status"], flow["needs"], strict=True)}
    )
    rollup = _req_rollup(ctx).head(top)
    record(
        "req_top_categories",
        {str(c): int(n) for c, n in zip(rollup["category"], rollup["customers"], strict=True)},
    )
    niches = niche_candidates(reqs, _revenue(ctx), as_of=ctx.as_of)
    niches = niches[niches["reason"].astype(str).str.contains("growing")]
    record("req_niches", [str(c) for c in niches["category"]])
    niches = niches.head(top)

    def rows(frame: pd.DataFrame, with_reason: bool) -> pd.DataFrame:
        out = {
            label("req.col.category", lang): [_category_text(c, lang) for c in frame["category"]],
            label("report.col.needs", lang): frame["needs"].astype(int).to_numpy(),
            label("word.customers", lang): frame["customers"].astype(int).to_numpy(),
            label("report.col.customer_value", lang): [
                format_money(v, ctx.currency) for v in frame["customer_value"]
            ],
            label("report.col.growth", lang): [
                format_percent(v, signed=True) for v in frame["growth"]
            ],
        }
        if with_reason:
            out[label("report.col.reason", lang)] = [
                label(f"req.reason.{r}", lang) for r in frame["reason"]
            ]
        return pd.DataFrame(out)

    status = pd.DataFrame(
        {
            label("req.col.status", lang): [label(f"req.status.{s}", lang) for s in flow["status"]],
            label("report.col.needs", lang): flow["needs"].astype(int).to_numpy(),
            label("report.col.share", lang): [format_percent(v) for v in flow["share"]],
        }
    )
    niche_part = (
        table(rows(niches, True)) if len(niches) else text("requirements.no_niche", lang, "wb-note")
    )
    return (
        head
        + text(
            "requirements.lead",
            lang,
            needs=format_number(len(reqs)),
            customers=format_number(reqs["customer_id"].nunique()),
            as_of=f"{ctx.as_of:%Y-%m-%d}",
            period_needs=format_number(in_period),
            open=format_number(n_open),
        )
        + _sub("req_top", lang, n=top)
        + table(rows(rollup, False))
        + _sub("req_niches", lang)
        + niche_part
        + _sub("req_status", lang)
        + table(status)
    )


def requirements_chart(ctx: ReportContext, top: int = 10) -> Any:
    """Return distinct customers per category, last 12 months against the 12 before.

    The ``top`` categories of :func:`workbench.requirements.decision_rollup`; None when
    the data has no requirements.
    """
    import plotly.graph_objects as go

    reqs = _requirements(ctx)
    if reqs is None or len(reqs) == 0:
        return None
    lang = ctx.lang
    data = _req_rollup(ctx).head(top).iloc[::-1]
    names = [_category_text(c, lang) for c in data["category"]]
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=data["previous_customers"],
                orientation="h",
                name=label("report.legend.previous_12", lang),
                marker_color="#a9bdd6",
            ),
            go.Bar(
                y=names,
                x=data["recent_customers"],
                orientation="h",
                name=label("report.legend.last_12", lang),
                marker_color="#1f5fa8",
            ),
        ]
    )
    fig.update_layout(
        title=label("report.chart.requirements", lang),
        barmode="group",
        xaxis_title=label("word.customers", lang),
        template="plotly_white",
        height=80 + 36 * len(data),
        margin={"l": 160, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


# --------------------------------------------------------------------------- worklist


def alert_config(thresholds: Mapping[str, Any] | None = None) -> Any:
    """Return :class:`workbench.alerts.AlertConfig` with ``thresholds`` applied.

    Parameters
    ----------
    thresholds : mapping, optional
        ``{name: value}`` passed to :meth:`AlertConfig.replace`; text is converted
        (``"loyal=10,new=5"`` for the per-tier days). A dict given for a per-tier field
        updates the default tiers instead of replacing them.

    Returns
    -------
    workbench.alerts.AlertConfig
        The thresholds of the reminders.

    Raises
    ------
    ValueError
        If a name is not a threshold (the message lists them) or a value does not parse.

    Examples
    --------
    >>> alert_config({"greeting_days": "3", "follow_up_days": {"loyal": 10}}).follow_up_days
    {'loyal': 10, 'mature': 30, 'repeat': 30, 'new': 7, 'other': 90}
    """
    from workbench.alerts import DEFAULT_CONFIG

    if thresholds is None:
        return DEFAULT_CONFIG
    if not isinstance(thresholds, Mapping):
        raise TypeError(
            f"thresholds must be a dict such as {{'greeting_days': 3}}, not {thresholds!r}"
        )
    changes: dict[str, Any] = {}
    for key, value in thresholds.items():
        current = getattr(DEFAULT_CONFIG, key, None)
        if isinstance(current, dict) and isinstance(value, Mapping):
            value = {**current, **{str(k): int(v) for k, v in value.items()}}
        elif isinstance(current, tuple) and isinstance(value, list):
            value = tuple(value)
        changes[key] = value
    try:
        return DEFAULT_CONFIG.replace(**changes)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


@dataclass
class WorklistContext:
    """What the sections of the daily worklist report share.

    Build it with :func:`worklist_context`.

    Attributes
    ----------
    ds : workbench.Dataset
        The data up to ``as_of``.
    as_of : pandas.Timestamp
        The day of the worklist.
    owner : str
        The salesperson; empty for the manager's summary of everyone.
    lang, currency, source : str
        The report's parameters.
    config : workbench.alerts.AlertConfig
        The thresholds.
    top : int
        Rows of the "most at stake" table of the summary.
    """

    ds: Any
    as_of: pd.Timestamp
    owner: str = ""
    lang: str = "en"
    currency: str = ""
    source: str = ""
    config: Any = None
    top: int = 20
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: str, make: Any) -> Any:
        """Return ``make()``, computed once per context."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def worklist(self) -> pd.DataFrame:
        """Every owner's worklist of the day (:func:`workbench.alerts.worklist`)."""
        from workbench.alerts import worklist

        return self.cached(
            "worklist",
            lambda: worklist(self.ds, as_of=self.as_of, config=self.config, lang=self.lang),
        )

    @property
    def mine(self) -> pd.DataFrame:
        """The rows of ``owner`` (every row for the summary)."""
        wl = self.worklist
        return wl if not self.owner else wl[wl["owner"] == self.owner].reset_index(drop=True)

    @property
    def kanban(self) -> pd.DataFrame | None:
        """Open invoices with bucket and owner; None without a receivables table."""
        return self.cached("kanban", lambda: _receivables_owned(self.ds, self.as_of, self.config))


def worklist_context(
    source: str,
    *,
    as_of: str = "",
    owner: str = "",
    lang: str = "en",
    currency: str = "",
    thresholds: Mapping[str, Any] | None = None,
    top: int = 20,
    engine: str = "auto",
) -> WorklistContext:
    """Load the data and resolve the parameters of the worklist notebook.

    Parameters
    ----------
    source : str
        Data source (see :func:`load_data`).
    as_of : str
        The day of the worklist; empty for the data's last order date.
    owner : str
        A salesperson (the ``owner`` of the customers, invoices, opportunities), or
        empty for the manager's summary.
    lang : {"en", "zh"}
        Language.
    currency : str
        Currency label.
    thresholds : mapping, optional
        Overrides of :class:`workbench.alerts.AlertConfig` (see :func:`alert_config`).
    top : int
        Rows of the "most at stake" table of the summary.
    engine : {"auto", "pandas", "duckdb", "polars", "spark"}
        Where the order log is aggregated (see :func:`load_data`).

    Returns
    -------
    WorklistContext
        The context the worklist builders take.

    Raises
    ------
    ParameterError
        If a parameter is invalid or ``owner`` has nothing on the worklist and owns no
        customer (the message lists the owners).
    """
    check_lang(lang)
    try:
        config = alert_config(thresholds or None)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"thresholds: {exc}") from None
    source = resolve_source(str(source))
    ds = load_data(source, as_of or None, engine)
    if not as_of:
        ds.as_of = pd.Timestamp(f"{_date_range(ds.orders)[1]:%Y-%m-%d}")
    ctx = WorklistContext(
        ds=ds,
        as_of=pd.Timestamp(ds.as_of),
        owner=str(owner or "").strip(),
        lang=lang,
        currency=currency,
        source=str(source),
        config=config,
        top=int(top),
    )
    if ctx.owner:
        known = set(ctx.worklist["owner"].astype(str))
        customers = ds.get("customers")
        if customers is not None and "owner" in customers.columns:
            known |= set(customers["owner"].dropna().astype(str))
        if ctx.owner not in known:
            raise ParameterError(
                f"owner {ctx.owner!r} has no customer and nothing on the worklist; "
                f"owners: {', '.join(sorted(known)[:40])}"
            )
    return ctx


def worklist_owners(
    source: str,
    as_of: str = "",
    thresholds: Mapping[str, Any] | None = None,
    engine: str = "auto",
) -> list[str]:
    """Return the salespeople with something on the worklist of ``as_of``, sorted.

    Customers without an owner are listed under ``(unassigned)``. ``engine`` as for
    :func:`load_data`.
    """
    ctx = worklist_context(source, as_of=as_of, thresholds=thresholds, engine=engine)
    return sorted(ctx.worklist["owner"].astype(str).unique())


def each_values(each: str, parameters: Mapping[str, Any]) -> list[str]:
    """Return the values :func:`workbench.report.render_each` renders a report for.

    Parameters
    ----------
    each : {"owner"}
        The parameter.
    parameters : mapping
        The report's other parameters (``source``, ``as_of``, ``thresholds``, ``engine``).

    Raises
    ------
    ParameterError
        If ``each`` is not one of :data:`workbench.report.EACH_PARAMETERS`.
    """
    if each == "owner":
        return worklist_owners(
            str(parameters["source"]),
            str(parameters.get("as_of") or ""),
            parameters.get("thresholds") or None,
            str(parameters.get("engine") or "auto"),
        )
    raise ParameterError(f"cannot list the values of {each!r}; use owner")


def worklist_title(ctx: WorklistContext) -> Html:
    """Return the title of the worklist: the day, and the salesperson or "manager summary".

    Records ``title``, ``as_of`` and ``owner``.
    """
    lang = ctx.lang
    name = report_title("worklist", lang)
    record("title", name if not ctx.owner else f"{name} · {_owner_text(ctx.owner, lang)}")
    record("as_of", ctx.as_of)
    record("owner", ctx.owner)
    day = f"{ctx.as_of:%Y-%m-%d}"
    sub = (
        label("report.worklist.subtitle_owner", lang, date=day, owner=_owner_text(ctx.owner, lang))
        if ctx.owner
        else label("report.worklist.subtitle_all", lang, date=day)
    )
    source = Path(ctx.source).name if "://" not in ctx.source else ctx.source.split("://")[0]
    return Html(
        f'<h1>{html.escape(name)}</h1><p class="wb-subtitle">{html.escape(sub)}</p>'
    ) + text("note.source", lang, "wb-note", source=source, as_of=day)


def worklist_cards(ctx: WorklistContext) -> Html:
    """Return the headline cards of the worklist (the owner's, or everyone's).

    Records ``worklist_customers`` (rows: customers per owner), ``worklist_alerts``,
    ``value_at_stake``, ``worklist_owners`` and, with receivables, ``receivables_open``,
    ``receivables_overdue``, ``receivables_overdue_customers`` and ``receivables_by_bucket``
    of the same owner(s).
    """
    lang, cur = ctx.lang, ctx.currency
    wl = ctx.mine
    record("worklist_customers", len(wl))
    record("worklist_alerts", int(wl["n_alerts"].sum()))
    record("value_at_stake", float(wl["value"].sum()))
    record("worklist_owners", int(wl["owner"].nunique()))
    items = [
        (label("report.card.customers", lang), format_number(len(wl))),
        (label("report.card.alerts", lang), format_number(int(wl["n_alerts"].sum()))),
        (label("report.card.value", lang), format_money(float(wl["value"].sum()), cur)),
    ]
    if not ctx.owner:
        items.append((label("report.card.owners", lang), format_number(wl["owner"].nunique())))
    k = _owned_kanban(ctx)
    if k is not None:
        _record_receivables(k, ctx.config)
        overdue = float(k.loc[k["days"] > 0, "open_amount"].sum())
        items += [
            (
                label("report.card.receivables_open", lang),
                format_money(k["open_amount"].sum(), cur),
            ),
            (label("report.card.receivables_overdue", lang), format_money(overdue, cur)),
        ]
    return cards(items)


def _owned_kanban(ctx: WorklistContext) -> pd.DataFrame | None:
    k = ctx.kanban
    if k is None or not ctx.owner:
        return k
    return k[k["owner"] == ctx.owner].reset_index(drop=True)


def _worklist_rows(wl: pd.DataFrame, ctx: WorklistContext, with_owner: bool) -> pd.DataFrame:
    lang = ctx.lang
    out: dict[str, Any] = {label("report.col.rank", lang): wl["rank"].astype(int).to_numpy()}
    if with_owner:
        out[label("report.col.owner", lang)] = [_owner_text(o, lang) for o in wl["owner"]]
    out.update(
        {
            label("report.col.customer_id", lang): wl["customer_id"].astype(str).to_numpy(),
            label("report.col.customer", lang): wl["name"].fillna("").astype(str).to_numpy(),
            label("report.col.tier", lang): wl["lifecycle_tier"].fillna("").astype(str).to_numpy(),
            label("report.col.value_at_stake", lang): [
                format_money(v, ctx.currency) for v in wl["value"]
            ],
            label("report.col.kind", lang): [_kinds_text(k, lang) for k in wl["kinds"]],
            label("report.col.reasons", lang): wl["reasons"].fillna("").astype(str).to_numpy(),
        }
    )
    if not with_owner:  # the tier's action is for the salesperson, not the summary
        out[label("report.col.action", lang)] = wl["action"].fillna("").astype(str).to_numpy()
    return pd.DataFrame(out)


def worklist_table(ctx: WorklistContext) -> Html:
    """Return the customers to act on.

    For a salesperson: their whole worklist, ranked by value at stake (records
    ``customer_ids`` in that order). For the summary: the ``ctx.top`` rows most at
    stake across owners (records ``top_at_stake``: their customer ids).
    """
    lang = ctx.lang
    wl = ctx.mine
    if ctx.owner:
        record("customer_ids", [str(c) for c in wl["customer_id"]])
        lead = (
            text("worklist.lead_owner", lang, n=format_number(len(wl)))
            if len(wl)
            else text("worklist.empty", lang)
        )
        body = table(_worklist_rows(wl, ctx, False)) if len(wl) else Html("")
        return heading("worklist", lang) + lead + body
    best = wl.sort_values(["value", "owner", "customer_id"], ascending=[False, True, True])
    best = best.head(ctx.top)
    record("top_at_stake", [str(c) for c in best["customer_id"]])
    return (
        heading("at_stake", lang)
        + text("worklist.lead_at_stake", lang, n=len(best))
        + table(_worklist_rows(best, ctx, True))
    )


def worklist_by_owner(ctx: WorklistContext) -> Html:
    """Return customers per reminder kind: per salesperson and kind (summary), or the owner's.

    Records ``alerts_by_kind`` (``{kind: customers}``) and, in the summary,
    ``owner_customers`` (``{owner: customers}``) and ``owner_kind``
    (``{owner: {kind: customers}}``).
    """
    lang = ctx.lang
    wl = ctx.mine
    kinds, by_kind, value = _per_kind(wl)
    record("alerts_by_kind", {k: int(by_kind[k]) for k in kinds})
    if ctx.owner:
        shown = pd.DataFrame(
            {
                label("report.col.kind", lang): [_alert_label(k, lang) for k in kinds],
                label("word.customers", lang): [int(by_kind[k]) for k in kinds],
                label("report.col.value_at_stake", lang): [
                    format_money(float(value[k]), ctx.currency) for k in kinds
                ],
            }
        )
        return heading("by_kind", lang) + table(shown)
    exploded = wl.assign(kind=wl["kinds"].astype(str).str.split(", ")).explode("kind")
    grid = exploded.groupby(["owner", "kind"]).size().unstack("kind", fill_value=0)
    grid = grid.reindex(columns=kinds, fill_value=0)
    per_owner = wl.groupby("owner").agg(
        customers=("customer_id", "size"), alerts=("n_alerts", "sum"), value=("value", "sum")
    )
    per_owner = per_owner.sort_values(["value", "customers"], ascending=False)
    grid = grid.reindex(per_owner.index)
    record("owner_customers", {str(o): int(n) for o, n in per_owner["customers"].items()})
    record(
        "owner_kind",
        {str(o): {k: int(v) for k, v in row.items() if v} for o, row in grid.iterrows()},
    )
    shown = pd.DataFrame(
        {label("report.col.owner", lang): [_owner_text(o, lang) for o in grid.index]}
    )
    shown[label("word.customers", lang)] = per_owner["customers"].astype(int).to_numpy()
    shown[label("report.col.alerts", lang)] = per_owner["alerts"].astype(int).to_numpy()
    shown[label("report.col.value_at_stake", lang)] = [
        format_money(v, ctx.currency) for v in per_owner["value"]
    ]
    for k in kinds:
        shown[_alert_label(k, lang)] = grid[k].astype(int).to_numpy()
    total = {c: "" for c in shown.columns}
    total[label("report.col.owner", lang)] = label("report.col.total", lang)
    total[label("word.customers", lang)] = int(per_owner["customers"].sum())
    total[label("report.col.alerts", lang)] = int(per_owner["alerts"].sum())
    total[label("report.col.value_at_stake", lang)] = format_money(
        float(per_owner["value"].sum()), ctx.currency
    )
    for k in kinds:
        total[_alert_label(k, lang)] = int(grid[k].sum())
    shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
    for col in [label("word.customers", lang), label("report.col.alerts", lang)]:
        shown[col] = shown[col].astype("int64")
    for k in kinds:
        shown[_alert_label(k, lang)] = shown[_alert_label(k, lang)].astype("int64")
    return heading("by_owner", lang) + text("worklist.lead_by_owner", lang) + table(shown)


def worklist_chart(ctx: WorklistContext) -> Any:
    """Return customers to act on per salesperson, stacked by reminder kind (summary only).

    None for a salesperson's own report (it stays a light page without plotly.js).
    """
    import plotly.graph_objects as go

    if ctx.owner:
        return None
    from workbench.plots import PALETTE

    lang = ctx.lang
    wl = ctx.mine
    kinds, _, _ = _per_kind(wl)
    exploded = wl.assign(kind=wl["kinds"].astype(str).str.split(", ")).explode("kind")
    grid = exploded.groupby(["owner", "kind"]).size().unstack("kind", fill_value=0)
    order = wl.groupby("owner").size().sort_values().index
    grid = grid.reindex(index=order, columns=kinds, fill_value=0)
    owners = [_owner_text(o, lang) for o in grid.index]
    fig = go.Figure(
        [
            go.Bar(
                y=owners,
                x=grid[k].to_numpy(),
                orientation="h",
                name=_alert_label(k, lang),
                marker_color=PALETTE[i % len(PALETTE)],
            )
            for i, k in enumerate(kinds)
        ]
    )
    fig.update_layout(
        title=label("report.chart.worklist", lang),
        barmode="stack",
        xaxis_title=label("report.axis.reminders", lang),
        template="plotly_white",
        height=120 + 22 * len(owners),
        margin={"l": 110, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.08, "yanchor": "top"},
    )
    return fig


def worklist_receivables(ctx: WorklistContext) -> Html:
    """Return the open receivables by ageing bucket (the owner's, or everyone's).

    The summary adds the overdue amount per salesperson; a salesperson's report adds
    their overdue invoices, oldest first.
    """
    lang, cur = ctx.lang, ctx.currency
    head = heading("receivables", lang)
    k = _owned_kanban(ctx)
    if k is None:
        return head + text("receivables.none", lang, "wb-note")
    out = head + _ageing_table(_ageing(k, ctx.config), lang, cur)
    overdue = k[k["days"] > 0]
    if ctx.owner:
        if len(overdue) == 0:
            return out
        names = ctx.ds.customers.set_index("customer_id")["name"]
        shown = pd.DataFrame(
            {
                label("report.col.invoice", lang): overdue["invoice_id"].astype(str).to_numpy(),
                label("report.col.customer_id", lang): overdue["customer_id"]
                .astype(str)
                .to_numpy(),
                label("report.col.customer", lang): overdue["customer_id"]
                .map(names)
                .fillna("")
                .astype(str)
                .to_numpy(),
                label("report.col.days_overdue", lang): overdue["days"].astype(int).to_numpy(),
                label("report.col.open_amount", lang): [
                    format_money(v, cur, 2) for v in overdue["open_amount"]
                ],
            }
        )
        return out + _sub("overdue_invoices", lang) + table(shown)
    g = (
        overdue.groupby("owner")
        .agg(amount=("open_amount", "sum"), invoices=("invoice_id", "count"),
             customers=("customer_id", "nunique"))
        .sort_values("amount", ascending=False)
    )  # fmt: skip
    record("owner_receivables_overdue", {str(o): float(a) for o, a in g["amount"].items()})
    shown = pd.DataFrame(
        {
            label("report.col.owner", lang): [_owner_text(o, lang) for o in g.index],
            label("report.col.overdue_amount", lang): [format_money(v, cur) for v in g["amount"]],
            label("report.col.invoices", lang): g["invoices"].astype(int).to_numpy(),
            label("word.customers", lang): g["customers"].astype(int).to_numpy(),
        }
    )
    return out + _sub("overdue_by_owner", lang) + table(shown)


def worklist_receivables_chart(ctx: WorklistContext) -> Any:
    """Return the ageing chart of the summary (:func:`workbench.plots.receivables_ageing`).

    None for a salesperson's report and without receivables.
    """
    if ctx.owner:
        return None
    return _ageing_figure(ctx.kanban, ctx.config, ctx.lang)


def thresholds_table(ctx: WorklistContext) -> Html:
    """Return the thresholds the reminders used, with how to change them."""
    import dataclasses

    lang = ctx.lang
    rows = []
    for f in dataclasses.fields(ctx.config):
        value = getattr(ctx.config, f.name)
        if isinstance(value, dict):
            shown = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, tuple):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = str(value)
        rows.append(
            {label("report.col.threshold", lang): f.name, label("report.col.setting", lang): shown}
        )
    return (
        heading("thresholds", lang)
        + text("worklist.thresholds_lead", lang, "wb-note")
        + table(pd.DataFrame(rows))
    )
