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

The sections a report shows (headings, tables, KPI cards, charts) are built by
:mod:`workbench.sections`; this module only runs, names, renders and indexes reports.
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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
    "record",
    "capture_figures",
    "collect_figures",
    "parse_date",
    "resolve_period",
    "parse_scope",
    "slugify",
    "output_stem",
    "notebook_path",
    "notebook_parameters",
    "check_parameters",
    "resolve_source",
    "ENGINES",
    "resolve_engine",
    "report_title",
    "to_html",
    "render",
    "EACH_PARAMETERS",
    "render_each",
    "read_runs",
    "INDEX_FIGURES",
    "build_index",
    "write_index",
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
    for sink in _CAPTURES:
        sink[key] = data
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is not None:
        display({RECORD_MIME: {key: data}}, raw=True)


_CAPTURES: list[dict[str, Any]] = []


@contextmanager
def capture_figures() -> Iterator[dict[str, Any]]:
    """Collect what :func:`record` records inside the ``with`` block, outside a kernel too.

    For tests and scripts that call the section builders of :mod:`workbench.sections`
    directly, without papermill.

    Yields
    ------
    dict
        ``{key: value}`` as JSON values, filled while the block runs.

    Examples
    --------
    >>> with capture_figures() as figures:
    ...     record("revenue", 12.5)
    >>> figures
    {'revenue': 12.5}
    """
    sink: dict[str, Any] = {}
    _CAPTURES.append(sink)
    try:
        yield sink
    finally:
        _CAPTURES.remove(sink)


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


def parse_date(value: Any, what: str) -> pd.Timestamp:
    """Parse a date parameter into a midnight :class:`pandas.Timestamp`.

    Parameters
    ----------
    value : str or date
        The value given.
    what : str
        The parameter's name, for the message.

    Returns
    -------
    pandas.Timestamp
        The day, at midnight.

    Raises
    ------
    ParameterError
        If ``value`` is not a date.

    Examples
    --------
    >>> parse_date("2026-06-30", "as_of")
    Timestamp('2026-06-30 00:00:00')
    """
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
        s, e = parse_date(start, "start"), parse_date(end, "end")
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
        ref = parse_date(as_of, "as_of")
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


def output_stem(
    period: Period | str | None, scope: str = "", lang: str = "en", owner: str = ""
) -> str:
    """Return the stable file stem ``<period>[_<scope>][_<owner>][_<lang>]`` of a report.

    The scope part is left out for the whole data, the owner part for a report of all
    owners (the manager's) and the language part for English.

    Parameters
    ----------
    period : Period or str or None
        The period, or a day (``YYYY-MM-DD``) for a daily report.
    scope : str
        See :func:`parse_scope`.
    lang : str
        Language of the report.
    owner : str
        Salesperson of a personal report; empty for everyone.

    Examples
    --------
    >>> output_stem(resolve_period("2025-03"), "department:Sales East", "zh")
    '2025-03_department-sales-east_zh'
    >>> output_stem(resolve_period("2024-Q3"))
    '2024-Q3'
    >>> output_stem("2026-06-30", owner="张伟")
    '2026-06-30_张伟'
    """
    if isinstance(period, Period):
        parts = [period.label]
    else:
        parts = [slugify(period) if period else "report"]
    col, value = parse_scope(scope)
    if col:
        parts.append(slugify(f"{col}-{value}"))
    if str(owner or "").strip():
        parts.append(slugify(owner))
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
    elif name == "engine":
        resolve_engine("", value)
    elif name in ("start", "end", "as_of") and value not in ("", None):
        parse_date(value, name)
    elif name == "thresholds":
        from workbench.sections import alert_config

        try:
            alert_config(value)
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"parameter thresholds: {exc}") from None


ENGINES = ("auto", "pandas", "duckdb", "polars", "spark")
"""Values of the reports' ``engine`` parameter (see :func:`resolve_engine`)."""


def resolve_engine(source: str, engine: str = "auto") -> str:
    """Return where a report aggregates the orders of ``source``.

    ``"pandas"`` loads every table into memory; ``"duckdb"``, ``"polars"`` and
    ``"spark"`` keep the orders in that engine (:func:`workbench.lazy.open_dataset`);
    ``"auto"`` means Spark for a ``spark:`` source and pandas otherwise.

    Raises
    ------
    ParameterError
        For an unknown engine, or pandas with a ``spark:`` source.

    Examples
    --------
    >>> resolve_engine("spark:sales"), resolve_engine("data/sample"), resolve_engine("x", "DuckDB")
    ('spark', 'pandas', 'duckdb')
    """
    engine = str(engine or "auto").strip().lower()
    if engine not in ENGINES:
        raise ParameterError(f"parameter engine = {engine!r}; use one of {', '.join(ENGINES)}")
    spark_source = str(source).startswith("spark:")
    if engine == "auto":
        return "spark" if spark_source else "pandas"
    if engine == "pandas" and spark_source:
        raise ParameterError(f"source {source!r} is a Spark database: use engine 'spark'")
    return engine


def _nest(given: Mapping[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """Fold ``KEY.SUB`` parameters into the dict parameter ``KEY`` (``-p thresholds.x 3``)."""
    dotted = {n: v for n, v in given.items() if "." in str(n) and n not in declared}
    out: dict[str, Any] = {n: v for n, v in given.items() if n not in dotted}
    for name, value in dotted.items():
        key, _, sub = str(name).partition(".")
        if key not in declared:
            out[name] = value  # reported as unknown
            continue
        if not isinstance(declared[key], dict) or not sub:
            raise ParameterError(
                f"parameter {name}: only a dict parameter takes KEY.SUB names, and "
                f"{key} = {declared[key]!r} is not one"
            )
        base = _coerce(key, out.get(key, {}), declared[key])
        if not isinstance(base, dict):
            raise ParameterError(f"parameter {key} = {base!r} is not a dict")
        out[key] = {**base, sub: value}
    return out


def check_parameters(given: Mapping[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """Validate report parameters against those the notebook declares.

    papermill itself only warns about an unknown parameter and runs with the default;
    this check makes every mistake an error before the notebook runs.

    Parameters
    ----------
    given : mapping
        Parameters from the command line (text) or from code (any type). A name
        ``KEY.SUB`` sets one entry of the dict parameter ``KEY``
        (``thresholds.greeting_days``).
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
        ``end``, ``as_of`` and ``thresholds`` are checked further).

    Examples
    --------
    >>> check_parameters({"top": "5"}, {"top": 10, "lang": "en"})
    {'top': 5}
    >>> check_parameters({"thresholds.greeting_days": "3"}, {"thresholds": {}})
    {'thresholds': {'greeting_days': '3'}}
    """
    given = _nest(given, declared)
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


def resolve_source(value: str) -> str:
    """Return a data source as an absolute path (a database URL is returned as it is).

    A relative path is looked for in the working directory, then in the project root.
    ``spark:DATABASE`` (a Spark catalog database) is returned as it is.

    Raises
    ------
    ParameterError
        If the path exists in neither, or a database URL carries a password (it would be
        kept in the executed notebook, the JSON and the logs).
    """
    if value.startswith("spark:"):
        return value
    if "://" in value:
        from urllib.parse import urlsplit

        if urlsplit(value).password:
            from workbench.load import safe_url

            raise ParameterError(
                f"the source {safe_url(value)} carries a password: report parameters are kept "
                "in the executed notebook and the logs; remove it from the URL and give it in "
                "PGPASSWORD or a ~/.pgpass file (PGPASSFILE) instead"
            )
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


def _data_as_of(source: str, engine: str = "auto") -> str:
    """The data's last order date, the default ``as_of`` of a report.

    With a lazy ``engine`` (or a ``spark:`` source) the date is found in that engine.
    """
    engine = resolve_engine(source, engine)
    if engine != "pandas":
        from workbench.lazy import last_order_date

        last = last_order_date(source, engine=engine)
    else:
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
        params["source"] = merged["source"] = resolve_source(str(merged["source"]))
    if "as_of" in declared and merged.get("as_of") in ("", None) and "source" in merged:
        params["as_of"] = merged["as_of"] = _data_as_of(
            merged["source"], merged.get("engine", "auto")
        )
    period = None
    if "period" in declared or "start" in declared:
        period = resolve_period(
            merged.get("period", ""),
            merged.get("start", ""),
            merged.get("end", ""),
            as_of=merged.get("as_of"),
        )
    elif merged.get("as_of") not in ("", None):
        # a daily report (the worklist) is named by its day
        day = f"{parse_date(merged['as_of'], 'as_of'):%Y-%m-%d}"
        period = Period(pd.Timestamp(day), pd.Timestamp(day), day, "days")
    lang = str(merged.get("lang", config.DEFAULT_LANG))
    scope = str(merged.get("scope", ""))
    owner = str(merged.get("owner", "") or "").strip()
    stem = output_stem(period, scope, lang, owner)

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
        "owner": owner,
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
        page_title = figures.get("title") or report_title(name, lang)
        page = to_html(nb, title=str(page_title), lang=lang)
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


EACH_PARAMETERS = ("owner",)
"""Parameters :func:`render_each` can render a report for every value of.

``owner``: every salesperson with something on the worklist of the day
(:func:`workbench.sections.worklist_owners`).
"""


def render_each(
    name: str,
    each: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    values: list[str] | None = None,
    summary: bool = True,
    out_dir: Path | str | None = None,
    notebooks_dir: Path | str | None = None,
    progress: bool = False,
    retries: int = 1,
    timeout: float | None = None,
    on_start: Any = None,
) -> list[RenderResult]:
    """Render report ``NAME`` once for every value of the parameter ``each``.

    The daily worklist is rendered as one report per salesperson
    (``reports/worklist/<date>_<owner>.html``) and, with ``summary``, the manager's
    summary (the parameter left empty: ``reports/worklist/<date>.html``). Every render
    is atomic on its own (see :func:`render`); a failure does not stop the others.

    Parameters
    ----------
    name : str
        Report name.
    each : str
        The parameter to vary, one of :data:`EACH_PARAMETERS` (or any declared
        parameter when ``values`` is given).
    parameters : mapping, optional
        The other parameters (as for :func:`render`), checked before anything runs.
    values : list of str, optional
        The values; by default computed from the data (:data:`EACH_PARAMETERS`).
    summary : bool
        Also render the report with ``each`` left empty, first.
    out_dir, notebooks_dir, progress, retries, timeout
        As for :func:`render`.
    on_start : callable, optional
        Called with each value before it renders (progress display).

    Returns
    -------
    list of RenderResult
        One per value rendered, the summary first.

    Raises
    ------
    ParameterError
        Before any run, if ``each`` is not a parameter of the report, is also given a
        value, or a parameter is invalid.
    ReportRunError
        After every value was tried, if any failed; ``results`` holds the good ones.
    """
    nb_path = notebook_path(name, Path(notebooks_dir) if notebooks_dir else None)
    declared = notebook_parameters(nb_path)
    given = dict(parameters or {})
    if each not in declared:
        raise ParameterError(
            f"report {name} has no parameter {each!r} to render for each value of; it "
            f"takes: {', '.join(sorted(declared))}"
        )
    if str(given.get(each, "") or ""):
        raise ParameterError(f"give either --each {each} or a value of {each}, not both")
    given.pop(each, None)
    params = check_parameters(given, declared)
    merged = {**declared, **params}
    if "source" in declared:
        params["source"] = merged["source"] = resolve_source(str(merged["source"]))
    if "as_of" in declared and merged.get("as_of") in ("", None) and "source" in merged:
        params["as_of"] = merged["as_of"] = _data_as_of(
            merged["source"], merged.get("engine", "auto")
        )
    if values is None:
        if each not in EACH_PARAMETERS:
            raise ParameterError(
                f"the values of {each!r} are not known; give them, or use one of "
                f"{', '.join(EACH_PARAMETERS)}"
            )
        from workbench.sections import each_values

        values = each_values(each, merged)
    todo = ([""] if summary else []) + [str(v) for v in values]
    results: list[RenderResult] = []
    failures: list[str] = []
    for value in todo:
        if on_start is not None:
            on_start(value)
        try:
            results.append(
                render(
                    name,
                    {**params, each: value},
                    out_dir=out_dir,
                    notebooks_dir=notebooks_dir,
                    progress=progress,
                    retries=retries,
                    timeout=timeout,
                )
            )
        except ReportRunError as exc:
            failures.append(str(exc))
    if failures:
        err = ReportRunError(
            f"{len(failures)} of {len(todo)} renders of {name} failed: " + " | ".join(failures)
        )
        err.results = results  # type: ignore[attr-defined]
        raise err
    return results


def _error_summary(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}"


def report_title(name: str, lang: str) -> str:
    """Return the title of report ``name`` (label ``report.title.<name>``, else the name).

    Examples
    --------
    >>> report_title("management", "zh")
    '经营管理报告'
    """
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
    rows.sort(
        key=lambda m: (
            m["report"],
            str(m.get("scope")),
            str(m.get("owner") or ""),
            str(m.get("lang")),
        )
    )
    return rows


INDEX_FIGURES = (
    "revenue",
    "profit",
    "buyers",
    "new_customers",
    "lost_customers",
    "clv_total",
    "worklist_customers",
    "receivables_overdue",
    "rows_quarantined",
)
"""Headline figures the index shows, when a report records them."""

_META_FIGURES = {"title", "period", "start", "end", "as_of"}


def _figure_text(key: str, value: Any) -> str:
    from workbench.sections import format_number, format_percent

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
        name = html.escape(report_title(meta["report"], lang))
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
            f"<td>{html.escape(_scope_text(meta))}</td>"
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


def _scope_text(meta: Mapping[str, Any]) -> str:
    scope, owner = str(meta.get("scope") or ""), str(meta.get("owner") or "")
    return f"{scope} · {owner}" if owner else scope


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
