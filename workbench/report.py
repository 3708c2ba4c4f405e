"""Management reports: parameterised notebooks rendered to one self-contained HTML file.

A report is a notebook in ``notebooks/reports/NAME.ipynb`` with a papermill ``parameters``
cell. :func:`render` checks the parameters against the notebook before anything runs,
executes it with papermill on this interpreter's kernel, converts it with nbconvert into a
single HTML file (code hidden, plotly.js inlined once, a table of contents, no CDN), and
writes three files side by side::

    reports/NAME/<period>[_<scope>][_<lang>].html    the report
    reports/NAME/<period>[_<scope>][_<lang>].ipynb   the executed notebook
    reports/NAME/<period>[_<scope>][_<lang>].json    headline figures and run metadata

Everything is rendered into a temporary folder first and moved into place with
:func:`os.replace`; a run that fails never touches the previous good report: its executed
notebook is kept under ``reports/NAME/failed/`` and :class:`ReportRunError` is raised.

Headline figures
----------------
A report notebook calls :func:`record` (``record("revenue", 1234.5)``). The value is
displayed as an output of the custom MIME type :data:`RECORD_MIME`, so it is stored in the
executed notebook itself; :func:`collect_figures` reads it back (no scrapbook, no side
files, works for any runner, Airflow's PapermillOperator included). The HTML leaves these
outputs out.

The second half of the module holds the section builders the management notebook calls:
each computes with ``workbench`` and returns a displayable object (:class:`Html`, a plotly
``Figure``), so that the notebook holds calls and no logic.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import html
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import config
from workbench.labels import check_lang, label

__all__ = [
    "RECORD_MIME",
    "NAMED_PERIODS",
    "GRANULARITIES",
    "ParameterError",
    "ReportRunError",
    "Period",
    "RenderResult",
    "Html",
    "record",
    "collect_figures",
    "resolve_period",
    "parse_scope",
    "slugify",
    "output_stem",
    "notebook_path",
    "notebook_parameters",
    "check_parameters",
    "to_html",
    "render",
    "read_runs",
    "INDEX_FIGURES",
    "build_index",
    "write_index",
    "load_data",
    "scoped",
    "title",
    "heading",
    "text",
    "table",
    "format_number",
    "format_money",
    "format_percent",
    "overview",
    "revenue_by_period",
    "revenue_figure",
    "ReportContext",
    "context",
    "title_block",
    "kpi_table",
    "kpis",
    "revenue_chart",
    "lifecycle",
    "lifecycle_chart",
    "abc",
    "abc_chart",
    "pareto_chart",
    "rfm",
    "rfm_chart",
    "movement",
    "migration_chart",
    "SALES_DIMENSIONS",
    "sales_by",
    "sales",
    "sales_chart",
    "value",
    "clv_chart",
    "quality",
]

RECORD_MIME = "application/vnd.workbench.record+json"
"""MIME type of the outputs :func:`record` displays."""

NAMED_PERIODS = ("last-month", "last-quarter", "last-year")
"""Periods named relative to ``as_of``: the last *complete* month, quarter or year."""

GRANULARITIES = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
"""Granularities of the time series in a report, with their pandas period frequencies."""

_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_DEFAULT_SCOPES = ("", "all", "company")


class ParameterError(ValueError):
    """A report parameter is unknown or its value is invalid (raised before any run)."""


class ReportRunError(RuntimeError):
    """The report notebook failed; the previous report is untouched.

    Attributes
    ----------
    failed_notebook : pathlib.Path or None
        The executed notebook with the error, kept under ``reports/NAME/failed/``.
    """

    def __init__(self, message: str, failed_notebook: Path | None = None) -> None:
        super().__init__(message)
        self.failed_notebook = failed_notebook


# --------------------------------------------------------------------------- figures


def _jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, dates and containers into JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()[:10] if _is_midnight(value) else value.isoformat()
    if hasattr(value, "item") and not isinstance(value, int | float):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    raise TypeError(f"record() takes numbers, text, dates, lists and dicts, not {type(value)}")


def _is_midnight(value: pd.Timestamp | dt.date) -> bool:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.hour == value.minute == value.second == value.microsecond == 0
    return True


def record(key: str, value: Any) -> None:
    """Record a headline figure of a report.

    The figure is displayed as an output of MIME type :data:`RECORD_MIME`, so the
    executed notebook carries it; :func:`collect_figures` reads it back, and
    :func:`render` writes all figures to ``<report>.json``. Outside a kernel nothing is
    displayed.

    Parameters
    ----------
    key : str
        Figure id, e.g. ``"revenue"``; a later record of the same key wins.
    value : number, str, date, list or dict
        The value; numpy and pandas scalars are converted, NaN becomes ``null``.

    Raises
    ------
    ValueError
        If ``key`` is empty; TypeError if the value cannot be written as JSON.

    Examples
    --------
    >>> record("revenue", 1234.5)  # in a notebook: an invisible output
    """
    if not isinstance(key, str) or not key:
        raise ValueError("record() needs a non-empty text key, e.g. record('revenue', 12.5)")
    data = _jsonable(value)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is not None:
        display({RECORD_MIME: {key: data}}, raw=True)


def collect_figures(nb: Any) -> dict[str, Any]:
    """Return the figures recorded in an executed notebook.

    Parameters
    ----------
    nb : nbformat.NotebookNode or dict
        An executed notebook.

    Returns
    -------
    dict
        ``{key: value}`` in recording order; a later record of a key wins.
    """
    out: dict[str, Any] = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            if RECORD_MIME in data:
                payload = data[RECORD_MIME]
                if isinstance(payload, str):
                    payload = json.loads(payload)
                out.update(payload)
    return out


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A reporting period: whole days from ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end : pandas.Timestamp
        First and last day (midnight).
    label : str
        Stable, file-name-safe name: ``2025-03``, ``2024-Q3``, ``2025`` or
        ``2025-01-01_2025-02-15``.
    kind : {"month", "quarter", "year", "days"}
        What the period is; it decides :meth:`previous`.

    Examples
    --------
    >>> p = resolve_period("2024-Q3")
    >>> p.label, p.previous().label, p.last_year().label
    ('2024-Q3', '2024-Q2', '2023-Q3')
    """

    start: pd.Timestamp
    end: pd.Timestamp
    label: str
    kind: str

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return int((self.end - self.start).days) + 1

    def previous(self) -> Period:
        """Return the period of the same kind just before this one."""
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            return _calendar_period(self.start - pd.DateOffset(months=months), self.kind)
        end = self.start - pd.Timedelta(days=1)
        return _days_period(end - pd.Timedelta(days=self.days - 1), end)

    def last_year(self) -> Period:
        """Return the same period one year earlier."""
        if self.kind in ("month", "quarter", "year"):
            return _calendar_period(self.start - pd.DateOffset(years=1), self.kind)
        return _days_period(self.start - pd.DateOffset(years=1), self.end - pd.DateOffset(years=1))

    def mask(self, dates: pd.Series) -> pd.Series:
        """Return a boolean mask of ``dates`` falling inside the period (any time of day)."""
        return (dates >= self.start) & (dates < self.end + pd.Timedelta(days=1))


def _calendar_period(day: pd.Timestamp, kind: str) -> Period:
    day = pd.Timestamp(day).normalize()
    if kind == "month":
        start = day.replace(day=1)
        end = start + pd.offsets.MonthEnd(0)
        return Period(start, end, f"{start:%Y-%m}", "month")
    if kind == "quarter":
        q = (day.month - 1) // 3
        start = pd.Timestamp(year=day.year, month=3 * q + 1, day=1)
        end = start + pd.offsets.QuarterEnd(0)
        return Period(start, end, f"{start.year}-Q{q + 1}", "quarter")
    start = pd.Timestamp(year=day.year, month=1, day=1)
    return Period(start, pd.Timestamp(year=day.year, month=12, day=31), f"{day.year}", "year")


def _days_period(start: pd.Timestamp, end: pd.Timestamp) -> Period:
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return Period(start, end, f"{start:%Y-%m-%d}_{end:%Y-%m-%d}", "days")


def _parse_date(value: Any, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise ParameterError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD")
    return ts.normalize()


def resolve_period(
    period: str = "",
    start: Any = "",
    end: Any = "",
    *,
    as_of: Any = None,
) -> Period:
    """Turn a period name, or a start and end date, into a :class:`Period`.

    Parameters
    ----------
    period : str
        ``"2025"``, ``"2024-Q3"``, ``"2025-03"``, or a name relative to ``as_of``
        from :data:`NAMED_PERIODS`: ``last-month`` is the last *complete* month on or
        before ``as_of`` (the month of ``as_of`` itself when ``as_of`` is its last day),
        likewise ``last-quarter`` and ``last-year``.
    start, end : str or date, optional
        First and last day, both included; when given they win over ``period``.
    as_of : str or date, optional
        The date "now" is for relative names: pass it explicitly (a report uses the
        data's last order date); wall-clock today is never used.

    Returns
    -------
    Period
        The period.

    Raises
    ------
    ParameterError
        If the name is unknown, a date does not parse, ``end`` is before ``start``, or a
        relative name comes without ``as_of``.

    Examples
    --------
    >>> resolve_period("last-month", as_of="2026-06-30").label
    '2026-06'
    >>> resolve_period("last-month", as_of="2026-06-15").label
    '2026-05'
    >>> resolve_period(start="2025-01-01", end="2025-02-15").label
    '2025-01-01_2025-02-15'
    """
    if (start not in ("", None)) or (end not in ("", None)):
        if start in ("", None) or end in ("", None):
            raise ParameterError("give both start and end (YYYY-MM-DD), or neither")
        s, e = _parse_date(start, "start"), _parse_date(end, "end")
        if e < s:
            raise ParameterError(f"end {e:%Y-%m-%d} is before start {s:%Y-%m-%d}; swap them")
        return _days_period(s, e)
    text = str(period or "").strip()
    if text in NAMED_PERIODS:
        if as_of in ("", None):
            raise ParameterError(
                f"period {text!r} is relative: give as_of (YYYY-MM-DD), e.g. the data's "
                "last order date"
            )
        ref = _parse_date(as_of, "as_of")
        kind = text.split("-", 1)[1]
        current = _calendar_period(ref, kind)
        return (
            current
            if ref == current.end
            else _calendar_period(current.start - pd.Timedelta(days=1), kind)
        )
    if m := re.fullmatch(r"(\d{4})", text):
        return _calendar_period(pd.Timestamp(year=int(m[1]), month=1, day=1), "year")
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
        return _calendar_period(
            pd.Timestamp(year=int(m[1]), month=3 * int(m[2]) - 2, day=1), "quarter"
        )
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        if 1 <= int(m[2]) <= 12:
            return _calendar_period(pd.Timestamp(year=int(m[1]), month=int(m[2]), day=1), "month")
    raise ParameterError(
        f"unknown period {period!r}; use YYYY, YYYY-Qn, YYYY-MM, one of "
        f"{', '.join(NAMED_PERIODS)}, or start and end dates"
    )


# --------------------------------------------------------------------------- names


def slugify(text: str) -> str:
    """Return a file-name-safe slug of ``text``.

    Letters (any script), digits and ``-`` survive; every other run of characters,
    path separators and dots included, becomes one ``-``.

    Examples
    --------
    >>> slugify("Sales East / 华东")
    'sales-east-华东'
    >>> slugify("../../etc")
    'etc'
    """
    norm = unicodedata.normalize("NFKC", str(text)).lower()
    slug = re.sub(r"[^\w-]+|_+", "-", norm).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:80].strip("-") or "x"


def parse_scope(scope: str) -> tuple[str, str]:
    """Split a scope parameter into ``(column, value)``.

    Parameters
    ----------
    scope : str
        ``"company"`` (or ``"all"``/empty) for the whole data, ``"company:NAME"`` or
        ``"department:NAME"`` for one company or department of the orders table.

    Returns
    -------
    tuple of str
        ``("", "")`` for the whole data, else the orders column and the value.

    Raises
    ------
    ParameterError
        If the scope has another form.

    Examples
    --------
    >>> parse_scope("department:Sales East")
    ('department', 'Sales East')
    >>> parse_scope("company")
    ('', '')
    """
    text = str(scope or "").strip()
    if text in _DEFAULT_SCOPES:
        return "", ""
    col, sep, value = text.partition(":")
    if sep and col.strip() in ("company", "department") and value.strip():
        return col.strip(), value.strip()
    raise ParameterError(
        f"unknown scope {scope!r}; use 'company' for everything, 'company:NAME' or "
        "'department:NAME'"
    )


def output_stem(period: Period | None, scope: str = "", lang: str = "en") -> str:
    """Return the stable file stem ``<period>[_<scope>][_<lang>]`` of a report.

    The scope part is left out for the whole data and the language part for English.

    Examples
    --------
    >>> output_stem(resolve_period("2025-03"), "department:Sales East", "zh")
    '2025-03_department-sales-east_zh'
    >>> output_stem(resolve_period("2024-Q3"))
    '2024-Q3'
    """
    parts = [period.label if period is not None else "report"]
    col, value = parse_scope(scope)
    if col:
        parts.append(slugify(f"{col}-{value}"))
    if lang and lang != config.DEFAULT_LANG:
        parts.append(slugify(lang))
    return "_".join(parts)


def notebook_path(name: str, notebooks_dir: Path | None = None) -> Path:
    """Return the report notebook ``NAME.ipynb``.

    Raises
    ------
    ParameterError
        If ``name`` is not a plain name or no such notebook exists (the message lists
        the reports there are).
    """
    folder = Path(notebooks_dir or config.REPORT_NOTEBOOKS_DIR)
    if not _NAME_RE.match(name or ""):
        raise ParameterError(
            f"report name {name!r} must be a plain name (letters, digits, - and _), "
            f"the stem of a notebook in {folder}"
        )
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.ipynb"))) or "none"
        raise ParameterError(f"no report notebook {path}; reports there: {known}")
    return path


# --------------------------------------------------------------------------- parameters


def notebook_parameters(path: Path) -> dict[str, Any]:
    """Return the parameters a notebook declares, with their default values.

    Parameters
    ----------
    path : pathlib.Path
        A notebook with a cell tagged ``parameters``.

    Returns
    -------
    dict
        ``{name: default}``, defaults evaluated as Python literals.

    Raises
    ------
    ParameterError
        If the notebook has no ``parameters`` cell.
    """
    import papermill

    declared = papermill.inspect_notebook(str(path))
    if not declared:
        raise ParameterError(f"{path} has no cell tagged 'parameters'; tag one in JupyterLab")
    out = {}
    for name, info in declared.items():
        try:
            out[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            out[name] = info["default"]
    return out


_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def _coerce(name: str, value: Any, default: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if isinstance(default, bool):
            low = value.strip().lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
            raise ValueError
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list | dict):
            return json.loads(value)
    except ValueError:
        raise ParameterError(
            f"parameter {name} = {value!r} is not a {type(default).__name__} "
            f"like its default {default!r}"
        ) from None
    return value


def _check_known(name: str, value: Any) -> None:
    if name == "lang":
        try:
            check_lang(value)
        except ValueError as exc:
            raise ParameterError(f"parameter lang: {exc}") from None
    elif name == "granularity" and value not in GRANULARITIES:
        raise ParameterError(
            f"parameter granularity = {value!r}; use one of {', '.join(GRANULARITIES)}"
        )
    elif name == "scope":
        parse_scope(value)
    elif name == "tier_method" and value not in ("cumulative", "count"):
        raise ParameterError(f"parameter tier_method = {value!r}; use 'cumulative' or 'count'")
    elif name in ("start", "end", "as_of") and value not in ("", None):
        _parse_date(value, name)


def check_parameters(given: Mapping[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """Validate report parameters against those the notebook declares.

    papermill itself only warns about an unknown parameter and runs with the default;
    this check makes every mistake an error before the notebook runs.

    Parameters
    ----------
    given : mapping
        Parameters from the command line (text) or from code (any type).
    declared : mapping
        ``{name: default}`` from :func:`notebook_parameters`.

    Returns
    -------
    dict
        The given parameters, text converted to the type of the default.

    Raises
    ------
    ParameterError
        If a name is not declared or a value does not fit (type of the default; the
        known parameters ``lang``, ``granularity``, ``scope``, ``period``, ``start``,
        ``end`` and ``as_of`` are checked further).

    Examples
    --------
    >>> check_parameters({"top": "5"}, {"top": 10, "lang": "en"})
    {'top': 5}
    """
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(
            f"unknown parameter {', '.join(unknown)}; this report takes: "
            f"{', '.join(sorted(declared))}"
        )
    out = {name: _coerce(name, value, declared[name]) for name, value in given.items()}
    merged = {**declared, **out}
    for name, value in merged.items():
        _check_known(name, value)
    if "period" in merged or "start" in merged:
        period = merged.get("period", "")
        if str(period) not in NAMED_PERIODS:
            resolve_period(period, merged.get("start", ""), merged.get("end", ""))
    return out


# --------------------------------------------------------------------------- execution


def _kernel_manager_class() -> type:
    """A kernel manager that starts ipykernel on *this* interpreter, over IPC sockets.

    Whatever ``python3`` kernelspec a user has installed elsewhere, the report runs with
    the interpreter (and so the virtual environment) that runs ``workbench``.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class ThisPythonKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "tcp" if os.name == "nt" else "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            if os.name == "nt":
                return "127.0.0.1"
            return os.path.join(tempfile.gettempdir(), f"wb-kernel-{uuid.uuid4().hex[:12]}")

        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    display_name=f"Python ({sys.executable})",
                    language="python",
                )
            return self._kernel_spec

    return ThisPythonKernelManager


def _is_kernel_failure(exc: BaseException) -> bool:
    from nbclient.exceptions import DeadKernelError

    if isinstance(exc, DeadKernelError | TimeoutError):
        return True
    return isinstance(exc, RuntimeError) and "kernel" in str(exc).lower()


def _execute(
    nb_path: Path,
    out_path: Path,
    parameters: dict[str, Any],
    *,
    retries: int,
    progress: bool,
    timeout: float | None,
) -> Any:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    attempt = 0
    while True:
        try:
            return papermill.execute_notebook(
                str(nb_path),
                str(out_path),
                parameters=parameters,
                kernel_name="python3",
                kernel_manager_class=_kernel_manager_class(),
                progress_bar=progress,
                cwd=str(config.PROJECT_ROOT),
                execution_timeout=timeout,
                start_timeout=120,
            )
        except PapermillExecutionError:
            raise
        except Exception as exc:
            if attempt < retries and _is_kernel_failure(exc):
                attempt += 1
                continue
            raise


def _prepare_for_html(nb: Any) -> Any:
    """Copy of ``nb`` fit for managers: notes, records, stderr and prompts removed."""
    import plotly.io as pio

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if "template-note" not in c.get("metadata", {}).get("tags", [])]
    n_fig = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            data = output.get("data", {})
            if RECORD_MIME in data:
                continue
            if "application/vnd.plotly.v1+json" in data:
                n_fig += 1
                fig = data["application/vnd.plotly.v1+json"]
                div = pio.to_html(
                    fig,
                    include_plotlyjs=False,
                    full_html=False,
                    div_id=f"wb-figure-{n_fig}",
                    validate=False,
                    config={"displaylogo": False, "responsive": True},
                    default_height=fig.get("layout", {}).get("height") or 450,
                )
                output["data"] = {"text/html": f'<div class="wb-figure">{div}</div>'}
                output.pop("metadata", None)
                output["metadata"] = {}
            kept.append(output)
        cell["outputs"] = kept
    return nb


_HEADING_RE = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S)


def _toc(body: str, lang: str) -> str:
    items = []
    for anchor, inner in _HEADING_RE.findall(body):
        name = re.sub(r"<a\b[^>]*class=\"anchor-link\".*?</a>", "", inner, flags=re.S)
        name = html.escape(html.unescape(re.sub(r"<[^>]+>", "", name)).strip())
        items.append(f'<li><a href="#{html.escape(anchor, quote=True)}">{name}</a></li>')
    return (
        f'<nav class="wb-toc" id="toc" aria-label="{html.escape(label("report.toc", lang))}">'
        f"<h2>{html.escape(label('report.toc', lang))}</h2><ol>{''.join(items)}</ol></nav>"
    )


def to_html(nb: Any, *, title: str, lang: str = "en") -> str:
    """Convert an executed report notebook into one self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    title : str
        The page title.
    lang : {"en", "zh"}
        Language of the page (``<html lang>`` and the table of contents).

    Returns
    -------
    str
        The HTML: code inputs and prompts excluded, plotly figures drawn by plotly.js
        inlined once, no script or stylesheet from the network, a ``nav#toc`` linking to
        each ``<h2 id>``.
    """
    from nbconvert import HTMLExporter
    from plotly.offline import get_plotlyjs

    prepared = _prepare_for_html(nb)
    has_figures = any(
        "wb-figure-" in str(o.get("data", {}).get("text/html", ""))
        for c in prepared.cells
        for o in c.get("outputs", [])
    )
    exporter = HTMLExporter(
        template_name="lab",
        template_file="report.html.j2",
        extra_template_paths=[str(_TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    resources = {
        "metadata": {"name": title},
        "wb": {
            "css": (_TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
            "plotly_js": get_plotlyjs() if has_figures else "",
        },
    }
    prepared.metadata["title"] = title
    body, _ = exporter.from_notebook_node(prepared, resources=resources)
    return body.replace("<!--wb-toc-->", _toc(body, lang), 1)


@dataclass
class RenderResult:
    """Where a rendered report went and what it recorded.

    Attributes
    ----------
    html, notebook, figures_path : pathlib.Path
        The report, the executed notebook and the JSON of headline figures.
    meta : dict
        The content of the JSON: report, period, scope, lang, parameters, rendered_at,
        status, figures.
    """

    html: Path
    notebook: Path
    figures_path: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def figures(self) -> dict[str, Any]:
        """The recorded headline figures."""
        return self.meta.get("figures", {})


def _resolve_source(value: str) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    for candidate in (path, config.PROJECT_ROOT / path):
        if candidate.exists():
            return str(candidate.resolve())
    raise ParameterError(
        f"data source {value!r} does not exist (looked in {Path.cwd()} and "
        f"{config.PROJECT_ROOT}); give a folder of CSV/Parquet/Excel files, a DuckDB file "
        "or a database URL"
    )


def _data_as_of(source: str) -> str:
    """The data's last order date, the default ``as_of`` of a report."""
    from workbench.load import load

    ds = load(source, policy="quarantine", tables=["orders"])
    last = ds.orders["order_date"].max()
    if pd.isna(last):
        raise ParameterError(f"{source} has no dated orders; give as_of (YYYY-MM-DD)")
    return f"{pd.Timestamp(last):%Y-%m-%d}"


def _replace_atomically(files: dict[Path, Path]) -> None:
    """Move ``{tmp: final}`` files into place, the HTML last."""
    for src, dst in sorted(files.items(), key=lambda kv: kv[1].suffix == ".html"):
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def render(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    out_dir: Path | str | None = None,
    notebooks_dir: Path | str | None = None,
    progress: bool = False,
    retries: int = 1,
    timeout: float | None = None,
) -> RenderResult:
    """Run report notebook ``NAME`` with papermill and write its HTML, notebook and JSON.

    Parameters
    ----------
    name : str
        Report name, the stem of ``notebooks/reports/NAME.ipynb``.
    parameters : mapping, optional
        Values for the notebook's ``parameters`` cell (text is converted to the type of
        the default). A relative ``source`` is resolved against the working directory,
        then the project root; an empty ``as_of`` becomes the data's last order date.
    out_dir : path, optional
        Root of the reports (``reports/`` by default); files go to ``out_dir/NAME/``.
    notebooks_dir : path, optional
        Folder of the report notebooks (``notebooks/reports/`` by default).
    progress : bool
        Show papermill's progress bar.
    retries : int
        Restarts after the kernel died or did not start (not after a cell error).
    timeout : float, optional
        Seconds a cell may run.

    Returns
    -------
    RenderResult
        Paths and metadata of the report.

    Raises
    ------
    ParameterError
        Before running, if a parameter is unknown or invalid.
    ReportRunError
        If the notebook failed; the previous report is untouched and the failed notebook
        is kept in ``out_dir/NAME/failed/``.
    """
    nb_path = notebook_path(name, Path(notebooks_dir) if notebooks_dir else None)
    declared = notebook_parameters(nb_path)
    params = check_parameters(dict(parameters or {}), declared)
    merged = {**declared, **params}
    if "source" in declared:
        params["source"] = merged["source"] = _resolve_source(str(merged["source"]))
    if "as_of" in declared and merged.get("as_of") in ("", None) and "source" in merged:
        params["as_of"] = merged["as_of"] = _data_as_of(merged["source"])
    period = None
    if "period" in declared or "start" in declared:
        period = resolve_period(
            merged.get("period", ""),
            merged.get("start", ""),
            merged.get("end", ""),
            as_of=merged.get("as_of"),
        )
    lang = str(merged.get("lang", config.DEFAULT_LANG))
    scope = str(merged.get("scope", ""))
    stem = output_stem(period, scope, lang)

    root = Path(out_dir or config.REPORTS_DIR).resolve()
    target = (root / name).resolve()
    if target.parent != root:  # pragma: no cover - name is checked above
        raise ParameterError(f"report {name!r} would be written outside {root}")
    target.mkdir(parents=True, exist_ok=True)
    final = {ext: target / f"{stem}{ext}" for ext in (".html", ".ipynb", ".json")}
    for path in final.values():
        if path.resolve().parent != target:  # pragma: no cover - stem is slugged
            raise ParameterError(f"{path} would be written outside {target}")

    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target))
    started = dt.datetime.now().astimezone()
    meta: dict[str, Any] = {
        "report": name,
        "stem": stem,
        "period": period.label if period else None,
        "start": f"{period.start:%Y-%m-%d}" if period else None,
        "end": f"{period.end:%Y-%m-%d}" if period else None,
        "scope": scope or "company",
        "lang": lang,
        "parameters": _jsonable(merged),
        "started_at": started.isoformat(timespec="seconds"),
    }
    try:
        tmp_nb = tmp / f"{stem}.ipynb"
        try:
            nb = _execute(
                nb_path, tmp_nb, params, retries=retries, progress=progress, timeout=timeout
            )
        except Exception as exc:
            failed_dir = target / "failed"
            failed_dir.mkdir(exist_ok=True)
            kept = None
            if tmp_nb.exists():
                kept = failed_dir / f"{stem}.ipynb"
                os.replace(tmp_nb, kept)
            message = _error_summary(exc)
            meta.update(
                status="failed",
                error=message,
                rendered_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                notebook=str(kept.relative_to(root)) if kept else None,
            )
            _write_json(failed_dir / f"{stem}.json", meta)
            previous = final[".html"]
            note = (
                f"the previous report {previous} is untouched"
                if previous.exists()
                else "no earlier report existed"
            )
            where = f"the failed notebook is kept at {kept}" if kept else "no notebook was written"
            raise ReportRunError(
                f"report {name} ({stem}) failed: {message}; {where}; {note}", kept
            ) from exc
        figures = collect_figures(nb)
        report_title = figures.get("title") or _title_for(name, lang)
        page = to_html(nb, title=str(report_title), lang=lang)
        (tmp / f"{stem}.html").write_text(page, encoding="utf-8")
        meta.update(
            status="ok",
            rendered_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            seconds=round((dt.datetime.now().astimezone() - started).total_seconds(), 2),
            html=final[".html"].name,
            notebook=final[".ipynb"].name,
            html_bytes=len(page.encode("utf-8")),
            figures=figures,
        )
        (tmp / f"{stem}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        _replace_atomically({tmp / f"{stem}{ext}": path for ext, path in final.items()})
        for stale in (target / "failed" / f"{stem}.json", target / "failed" / f"{stem}.ipynb"):
            stale.unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return RenderResult(final[".html"], final[".ipynb"], final[".json"], meta)


def _error_summary(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}"


def _title_for(name: str, lang: str) -> str:
    try:
        return label(f"report.title.{name}", lang)
    except KeyError:
        return name.replace("_", " ").replace("-", " ").capitalize()


# --------------------------------------------------------------------------- index


def read_runs(out_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """Return the metadata of every rendered or failed report under ``out_dir``.

    A failure newer than the good report of the same stem is listed with status
    ``"failed"`` and a link to the good (previous) report.

    Returns
    -------
    list of dict
        One dict per report stem, sorted by report name, then period (newest first).
    """
    root = Path(out_dir or config.REPORTS_DIR)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(root.glob("*/*.json")) + sorted(root.glob("*/failed/*.json")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(meta, dict) or "report" not in meta or "status" not in meta:
            continue
        meta["_dir"] = path.parent.relative_to(root).as_posix()
        key = (meta["report"], meta.get("stem", path.stem))
        if meta["status"] == "failed":
            good = found.get(key)
            if good is None or str(meta.get("rendered_at")) > str(good.get("rendered_at")):
                meta["previous"] = good
                found[key] = meta
        else:
            found[key] = meta
    rows = list(found.values())
    rows.sort(key=lambda m: str(m.get("period") or ""), reverse=True)
    rows.sort(key=lambda m: (m["report"], str(m.get("scope")), str(m.get("lang"))))
    return rows


INDEX_FIGURES = (
    "revenue",
    "profit",
    "buyers",
    "new_customers",
    "lost_customers",
    "clv_total",
    "rows_quarantined",
)
"""Headline figures the index shows, when a report records them."""

_META_FIGURES = {"title", "period", "start", "end", "as_of"}


def _figure_text(key: str, value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float):
        if key.endswith(("_share", "_rate")):
            return format_percent(value)
        return format_number(value, 0 if value.is_integer() or abs(value) >= 100 else 2)
    if isinstance(value, dict | list):
        return ""
    return str(value)


def _index_figures(figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    chosen = [(k, figures[k]) for k in INDEX_FIGURES if k in figures]
    if chosen:
        return chosen
    return [(k, v) for k, v in figures.items() if k not in _META_FIGURES]


def build_index(out_dir: Path | str | None = None, lang: str = "en") -> str:
    """Return the HTML of the index of every report under ``out_dir``.

    Parameters
    ----------
    out_dir : path, optional
        Root of the reports (``reports/`` by default).
    lang : {"en", "zh"}
        Language of the page.

    Returns
    -------
    str
        A self-contained page (no script) with one row per report: name, period, scope,
        language, time of rendering, status and the headline figures, linking the HTML.
    """
    rows = read_runs(out_dir)
    css = (_TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
    head = "".join(
        f"<th>{html.escape(label(f'report.index.{k}', lang))}</th>"
        for k in ("report", "period", "scope", "lang", "rendered", "status", "figures")
    )
    body = []
    for meta in rows:
        good = meta if meta["status"] == "ok" else meta.get("previous")
        name = html.escape(_title_for(meta["report"], lang))
        if good:
            href = html.escape(f"{good['_dir'].split('/failed')[0]}/{good['html']}", quote=True)
            name = f'<a href="{href}">{name}</a>'
        status = html.escape(label(f"report.status.{meta['status']}", lang))
        if meta["status"] == "failed":
            error = html.escape(str(meta.get("error")), quote=True)
            status = f'<span class="wb-down" title="{error}">{status}</span>'
        shown = good.get("figures", {}) if good else {}
        figs = "<br>".join(
            f"{html.escape(_figure_label(k, lang))}: {html.escape(_figure_text(k, v))}"
            for k, v in _index_figures(shown)
            if _figure_text(k, v)
        )
        rendered = str(meta.get("rendered_at") or "")[:16].replace("T", " ")
        nowrap = ' style="white-space:nowrap"'
        body.append(
            "<tr>"
            f"<td>{name}</td><td{nowrap}>{html.escape(str(meta.get('period') or ''))}</td>"
            f"<td>{html.escape(str(meta.get('scope') or ''))}</td>"
            f"<td>{html.escape(str(meta.get('lang') or ''))}</td>"
            f"<td{nowrap}>{html.escape(rendered)}</td>"
            f"<td>{status}</td><td>{figs}</td></tr>"
        )
    empty = f"<p>{html.escape(label('report.index.empty', lang))}</p>" if not rows else ""
    page_title = html.escape(label("report.index.title", lang))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>{page_title}</title><style>{css}</style></head>'
        f'<body class="wb-report"><main style="margin:0 auto"><h1>{page_title}</h1>{empty}'
        f'<table class="wb-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
        "</tbody></table></main></body></html>\n"
    )


def _figure_label(key: str, lang: str) -> str:
    try:
        return label(f"report.figure.{key}", lang)
    except KeyError:
        return key


def write_index(out_dir: Path | str | None = None, lang: str = "en") -> Path:
    """Write ``index.html`` into ``out_dir`` atomically and return its path."""
    root = Path(out_dir or config.REPORTS_DIR)
    root.mkdir(parents=True, exist_ok=True)
    path = root / "index.html"
    tmp = root / f".index.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(build_index(root, lang), encoding="utf-8")
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- sections


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


def load_data(source: str, as_of: Any = None) -> Any:
    """Load a report's data with validation in quarantine mode.

    Parameters
    ----------
    source : str
        A folder, DuckDB file or database URL (see :func:`workbench.load.load`).
    as_of : date, optional
        The report date; orders after it are dropped *after* loading (so that an
        earlier report of the same data does not count them as invalid).

    Returns
    -------
    workbench.Dataset
        The dataset, rows rejected by validation kept in ``quarantine``.
    """
    from workbench.load import load

    ds = load(source, policy="quarantine")
    if as_of not in (None, ""):
        cutoff = _parse_date(as_of, "as_of") + pd.Timedelta(days=1)
        orders = ds.orders
        ds.tables["orders"] = orders.loc[orders["order_date"] < cutoff].reset_index(drop=True)
        ds.as_of = cutoff - pd.Timedelta(days=1)
    return ds


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
    if col not in orders.columns:
        raise ParameterError(
            f"scope {scope!r} needs the column {col!r} in the orders table, which "
            f"{ds.source or 'the source'} lacks; use scope 'company'"
        )
    keep = orders[col].astype("string") == value
    if not keep.any():
        known = ", ".join(sorted(orders[col].dropna().astype(str).unique())[:20])
        raise ParameterError(f"no order has {col} {value!r}; known values: {known}")
    tables = dict(ds.tables)
    tables["orders"] = orders.loc[keep].reset_index(drop=True)
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

    Examples
    --------
    >>> format_money(1234.6, "¥")
    '¥1,235'
    >>> format_money(1234.6, "CNY")
    'CNY 1,235'
    >>> format_money(-80, "¥")
    '-¥80'
    """
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
    text = _title_for(name, lang)
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
    orders = ds.orders
    first, last = orders["order_date"].min(), orders["order_date"].max()
    record("orders_rows", len(orders))
    record("first_order", first)
    record("last_order", last)
    record("rows_quarantined", ds.n_quarantined)
    lead = text(
        "overview.lead",
        lang,
        orders=format_number(len(orders)),
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
    orders : pandas.DataFrame
        Order lines with ``date_col`` (datetime) and ``amount_col``.
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
    >>> o = pd.DataFrame({"order_date": pd.to_datetime(["2025-01-05", "2025-03-02"]),
    ...                   "amount": [10.0, 5.0]})
    >>> revenue_by_period(o, resolve_period("2025-03"), history=2)["revenue"].tolist()
    [10.0, 0.0, 5.0]
    """
    if granularity not in GRANULARITIES:
        raise ParameterError(f"granularity {granularity!r}; use one of {', '.join(GRANULARITIES)}")
    freq = GRANULARITIES[granularity]
    first = pd.Period(period.start, freq)
    periods = pd.period_range(first - history, pd.Period(period.end, freq), freq=freq)
    dates = orders[date_col]
    inside = (dates >= periods[0].start_time) & (dates < period.end + pd.Timedelta(days=1))
    sums = orders.loc[inside, amount_col].groupby(dates[inside].dt.to_period(freq)).sum()
    return pd.DataFrame(
        {
            "bucket": periods.start_time,
            "revenue": [float(sums.get(p, 0.0)) for p in periods],
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
    source = _resolve_source(str(source))
    ds = load_data(source, as_of or None)
    if not as_of:
        last = ds.orders["order_date"].max()
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
        cost = "cost" if "cost" in orders.columns else None
        return customer_summary(orders.loc[orders["order_date"] <= day], as_of=day, cost_col=cost)

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
    return "profit" if "cost" in ctx.ds.orders.columns else "revenue"


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
        orders = ctx.ds.orders.loc[ctx.ds.orders["order_date"] <= end]
        has_cost = "cost" in orders.columns
        weekly = customer_summary(
            orders, as_of=end, time_unit="W", cost_col="cost" if has_cost else None
        )
        # a customer whose first purchase is on the last day has no history to fit yet
        weekly = weekly.loc[weekly["T"] > 0].reset_index(drop=True)
        margin, revenue = 1.0, float(orders["amount"].sum())
        if has_cost and revenue > 0:
            profit = float((orders["amount"] - orders["cost"]).sum())
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

    return ctx.cached(f"clv:{horizon}", make)


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


def _orders_with_category(ctx: ReportContext) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        orders = ctx.ds.orders
        products = ctx.ds.get("products")
        if (
            products is None
            or "category" not in products.columns
            or "product_id" not in orders.columns
            or "category" in orders.columns
        ):
            return orders
        cats = products[["product_id", "category"]].drop_duplicates("product_id")
        return orders.merge(cats, on="product_id", how="left")

    return ctx.cached("orders+category", make)


def sales_by(ctx: ReportContext, dim: str) -> pd.DataFrame:
    """Revenue and profit per value of ``dim`` in the period, the previous period and a year before.

    Built on :func:`workbench.metrics.sales_report` (daily, summed over each window).

    Returns
    -------
    pandas.DataFrame
        Columns ``dim``, ``revenue``, ``share`` (of the period's revenue), ``profit``,
        ``change_previous``, ``change_last_year`` (ratios), sorted by revenue, largest
        first.
    """
    from workbench.metrics import sales_report

    orders = _orders_with_category(ctx)

    def window(p: Period) -> pd.DataFrame:
        rep = sales_report(orders, by=dim, freq="D", start=p.start, end=p.end)
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
    parts = [heading("sales", lang)]
    for dim in SALES_DIMENSIONS:
        if dim not in orders.columns or orders[dim].notna().sum() == 0:
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
    if dim not in orders.columns:
        return None
    freq = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}[ctx.granularity]
    per = pd.Period(ctx.period.end, GRANULARITIES[ctx.granularity])
    start = (per - history + 1).start_time
    rep = sales_report(orders, by=dim, freq=freq, start=start, end=ctx.period.end)
    return sales_trend(rep, by=dim, lang=ctx.lang)
