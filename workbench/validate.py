"""Validation: coerce tables to the data model and report every problem with its fix.

Every load runs :func:`check`. It turns each column into the type ``schema.py`` gives it
(ids as strings, dates as ``datetime64[us]``, floats, whole numbers, booleans) and applies
the rules below, all as vectorised masks (no loop over rows):

===================== =================================================================
rule                  a problem when
===================== =================================================================
missing_table         ``customers`` or ``orders`` is not in the source
missing_column        a required column is absent
empty_table           a table has a header but no rows
missing_value         a required column is blank in a row
unparseable_date      a date column holds something that is not a date
unparseable_number    a number column holds text, or a whole-number column a fraction
unparseable_bool      a yes/no column holds something other than true/false/yes/no/1/0/是/否
not_allowed_value     a categorical column holds a value outside its allowed ``values``
duplicate_key         two rows share the table's key (``schema.Table.key``)
unknown_customer      a row's ``customer_id`` is not a (valid) customer
unknown_reference     another reference (``product_id``, ``referrer_id``) points nowhere
negative_not_return   an order line has a negative quantity or amount but is not a return
future_date           an event date lies after ``as_of``
===================== =================================================================

Each :class:`Problem` names the file, the row as the user's file numbers it (header =
row 1, so the first data row of a CSV or Excel sheet is row 2; Parquet and database
tables have 1-based *record* numbers), the column, the bad value and the fix.

Policy ``"raise"`` raises :class:`ValidationError` listing the problems. Policy
``"quarantine"`` sets the bad rows apart (``Dataset.quarantine``, with ``_row`` and
``_problem`` columns) and keeps the rest; only table-level problems (a missing required
table or column, an empty required table) still raise, since nothing could load.
Cascade: a customer set aside is not a known customer, so in quarantine mode the rows of
other tables that point to it are set aside too ("unknown_customer", naming the
customer's row). No row disappears without a reason.

Examples
--------
>>> customers = pd.DataFrame({"customer_id": ["C1"], "name": ["Acme"]})
>>> orders = pd.DataFrame({"order_id": ["O1"], "customer_id": ["C2"],
...                        "order_date": ["2024-01-05"], "amount": ["12.5"]})
>>> [p.rule for p in validate({"customers": customers, "orders": orders})]
['unknown_customer']
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt
from pandas.arrays import BooleanArray

from workbench.schema import REQUIRED_TABLES, TABLES, Table

__all__ = [
    "Problem",
    "ValidationError",
    "Origin",
    "Checked",
    "RULES",
    "FUTURE_DATES_ALLOWED",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "DATE_FORMATS",
    "DATE_DTYPE",
    "validate",
    "check",
    "write_quarantine",
]

#: Every rule with its default fix (``{table}``, ``{column}``... are filled in).
RULES: dict[str, str] = {
    "missing_table": (
        "add {table}.csv (or .parquet/.xlsx) to the source, or name its file in the mapping "
        'file ([{table}] file = "...")'
    ),
    "missing_column": (
        "add the column, or map your header to it in the mapping file "
        '([{table}.columns] "your header" = "{column}")'
    ),
    "empty_table": "export the data again, or remove the file if the table is not kept",
    "missing_value": "fill in {column}: every {table} row needs one",
    "unparseable_date": "write dates as YYYY-MM-DD or set date_format in the mapping file",
    "unparseable_number": "write a plain number such as 1234.5 (no units or words)",
    "unparseable_bool": "write true/false, yes/no, 1/0 or 是/否",
    "not_allowed_value": (
        "use one of: {values}; or translate your values in the mapping file "
        '([{table}.values.{column}] "your value" = "...")'
    ),
    "duplicate_key": "keep one row per {column}, or give the rows distinct keys",
    "unknown_customer": "add the customer to customers, or correct customer_id",
    "unknown_reference": "add it to {target}, or correct {column}",
    "negative_not_return": "mark the line as a return (is_return = true) or correct the sign",
    "future_date": "correct the date, or pass a later as_of (--as-of) if the data is newer",
}

#: Date columns that may lie after ``as_of`` (deadlines, not events).
FUTURE_DATES_ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {("receivables", "due_date"), ("opportunities", "protection_deadline")}
)

#: Words read as True / False in a yes/no column (compared in lower case).
TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0", "是", "真", "对")
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0", "否", "假", "错")

#: Formats tried, in order, for dates that are not ISO 8601 (after ``date_format``).
DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y%m%d",
)

#: The dtype of every date column after loading.
DATE_DTYPE = "datetime64[us]"

_FATAL = ("missing_table", "missing_column")
_CAP = 100  # detailed problems per (table, column, rule); the rest are summarised
_EMPTY = np.zeros(0, dtype=np.int64)
_HASH_SCREEN_ROWS = 100_000  # tables this long are screened for duplicate keys by hash


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, said so that the user can fix it.

    Parameters
    ----------
    table : str
        Table of the data model.
    file : str
        The user's file (or database table) it came from.
    row : int or None
        Row as the user's file numbers it (CSV/Excel: header is row 1); for Parquet and
        database tables the 1-based record number; None for a problem of the whole table.
    column : str or None
        Our column name (several, comma-separated, for a composite key).
    value : object
        The bad value as found.
    rule : str
        One of :data:`RULES`.
    message : str
        The full sentence: file, row, column, value, what is wrong and the fix.
    fix : str
        What to do about it.
    count : int
        Rows this problem stands for: 1, or more for a summary of similar rows.
    """

    table: str
    file: str
    row: int | None
    column: str | None
    value: Any
    rule: str
    message: str
    fix: str
    count: int = 1

    def __str__(self) -> str:
        return self.message


def _summary(problems: list[Problem], limit: int = 20) -> str:
    total = sum(p.count for p in problems)
    lines = [f"{total} problem{'s' if total != 1 else ''} found:"]
    shown = problems[:limit]
    lines += [f"  - {p.message}" for p in shown]
    rest = total - sum(p.count for p in shown)
    if rest:
        lines.append(f"  and {rest} more")
    return "\n".join(lines)


class ValidationError(ValueError):
    """The data breaks the rules; ``problems`` holds every :class:`Problem`.

    The message lists the first 20 problems, then "and N more".
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(_summary(self.problems))


@dataclass(frozen=True)
class Origin:
    """Where a table came from, for messages that point into the user's file.

    Parameters
    ----------
    file : str
        File name (or ``"table orders in shop.duckdb"``).
    kind : {"row", "record"}
        ``"row"``: spreadsheet-style row numbers, header = row 1 (CSV, Excel);
        ``"record"``: 1-based record numbers (Parquet, databases, in-memory frames).
    rows : numpy.ndarray, optional
        Row number of each row of the frame (default: position + 2 or + 1).
    date_format : str, optional
        ``strptime`` format tried first for the table's date columns.
    headers : tuple of str
        The file's original headers, named when a required column is missing.
    """

    file: str
    kind: str = "row"
    rows: np.ndarray | None = None
    date_format: str | None = None
    headers: tuple[str, ...] = ()

    def numbers(self, n: int) -> np.ndarray:
        """Return the row number of each of the ``n`` rows."""
        if self.rows is not None:
            return np.asarray(self.rows, dtype=np.int64)
        return np.arange(n, dtype=np.int64) + (2 if self.kind == "row" else 1)

    def where(self, row: int | None = None) -> str:
        """Return ``"orders.csv row 17"`` or ``"orders.parquet record 17 (1-based)"``."""
        if row is None:
            return self.file
        if self.kind == "row":
            return f"{self.file} row {row}"
        return f"{self.file} record {row} (1-based)"


@dataclass
class Checked:
    """Result of :func:`check`.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Valid rows per table, coerced to the data model, with a fresh RangeIndex.
    quarantine : dict of str to pandas.DataFrame
        Rows set aside per table, as found, plus ``_row`` and ``_problem``.
    problems : list of Problem
        Everything found.
    """

    tables: dict[str, pd.DataFrame]
    quarantine: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Finding:
    column: str
    rule: str
    positions: np.ndarray
    values: pd.Series | None  # value shown per flagged row (None: no value part)
    what: str | pd.Series
    fix: str


# --------------------------------------------------------------------------- coercion


def _as_text(s: pd.Series, strip: bool = False) -> tuple[pd.Series, np.ndarray]:
    """Return ``s`` as the str dtype with blanks as missing, and the blank mask."""
    if pdt.is_float_dtype(s) and not pdt.is_bool_dtype(s):
        whole = s.dropna()
        if len(whole) and bool((whole == np.floor(whole)).all()) and whole.abs().max() < 2**53:
            s = s.astype("Int64")
    if pdt.is_datetime64_any_dtype(s):
        out = s.dt.strftime("%Y-%m-%d %H:%M:%S").astype("str")
    elif pdt.is_string_dtype(s.dtype) and s.dtype != object:
        out = s
    else:
        out = s.astype("str")
    if strip:
        out = out.str.strip()
    empty = (out == "").fillna(False).to_numpy(dtype=bool)
    if empty.any():
        out = out.mask(empty)
    return out, out.isna().to_numpy()


def _to_date(s: pd.Series, date_format: str | None) -> tuple[pd.Series, np.ndarray]:
    if pdt.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        return s.astype(DATE_DTYPE), np.zeros(len(s), dtype=bool)
    text, blank = _as_text(s, strip=True)
    formats = ([date_format] if date_format else []) + ["ISO8601", *DATE_FORMATS]
    out = pd.Series(pd.NaT, index=s.index, dtype=DATE_DTYPE)
    left = ~blank
    for fmt in formats:
        if not left.any():
            break
        parsed = pd.to_datetime(text[left], format=fmt, errors="coerce")
        out[left] = parsed.astype(DATE_DTYPE)
        left = left & out.isna().to_numpy()
    return out, left


def _to_float(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pdt.is_bool_dtype(s) or pdt.is_numeric_dtype(s):
        return s.astype("float64"), np.zeros(len(s), dtype=bool)
    text, blank = _as_text(s, strip=True)
    out = pd.to_numeric(text, errors="coerce").astype("float64")
    left = ~blank & out.isna().to_numpy()
    if left.any():
        cleaned = text[left].str.replace(r"[,\s¥￥$]", "", regex=True)
        out[left] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        left = left & out.isna().to_numpy()
    return out, left


def _to_int(s: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    if pdt.is_integer_dtype(s) and not pdt.is_bool_dtype(s):
        return s.astype("Int64"), np.zeros(len(s), dtype=bool), np.zeros(len(s), dtype=bool)
    num, bad = _to_float(s)
    frac = (num.notna() & (num != np.floor(num))).to_numpy()
    if frac.any():
        num = num.mask(frac)
    return num.astype("Int64"), bad, frac


def _to_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pdt.is_bool_dtype(s):
        return s.astype("boolean"), np.zeros(len(s), dtype=bool)
    if pdt.is_numeric_dtype(s):
        is_t = (s == 1).fillna(False).to_numpy(dtype=bool)
        is_f = (s == 0).fillna(False).to_numpy(dtype=bool)
        blank = s.isna().to_numpy()
    else:
        text, blank = _as_text(s, strip=True)
        low = text.str.lower()
        is_t = low.isin(TRUE_WORDS).to_numpy(dtype=bool)
        is_f = low.isin(FALSE_WORDS).to_numpy(dtype=bool)
    known = is_t | is_f
    out = pd.Series(BooleanArray(is_t, ~known), index=s.index)
    return out, ~blank & ~known


def _show(values: pd.Series) -> pd.Series:
    """Quote each value for a message: ``'2024-13-01'``."""
    text = values.astype(object).map(str) if values.dtype == object else values.astype("str")
    return "'" + text.fillna("") + "'"


def _coerce(name: str, raw: pd.DataFrame, origin: Origin) -> tuple[pd.DataFrame, list[_Finding]]:
    """Turn ``raw`` into the data model's types; report what did not parse."""
    spec = TABLES[name]
    out: dict[str, pd.Series] = {}
    findings: list[_Finding] = []
    id_like = set(spec.key) | set(spec.references)

    def flag(col: str, rule: str, mask: np.ndarray, what: str, fix: str, show=True) -> None:
        pos = np.flatnonzero(mask)
        if len(pos):
            vals = raw[col].iloc[pos] if show else None
            findings.append(_Finding(col, rule, pos, vals, what, fix))

    for col in spec.columns:
        if col.name not in raw.columns:
            continue
        s = raw[col.name]
        fmt = {"table": name, "column": col.name, "values": ", ".join(col.values)}
        unparsed = np.zeros(len(s), dtype=bool)
        if col.dtype == "str":
            strip = (
                col.required or col.name in id_like or col.name.endswith("_id") or bool(col.values)
            )
            conv, _ = _as_text(s, strip=strip)
            if col.values:
                low = conv.str.lower()
                ok = (low.isin(col.values) | low.isna()).to_numpy(dtype=bool)
                if not ok.all():
                    flag(
                        col.name,
                        "not_allowed_value",
                        ~ok,
                        f"is not one of the allowed values of {name}.{col.name}",
                        RULES["not_allowed_value"].format(**fmt),
                    )
                conv = low.where(ok, conv)
                unparsed = ~ok
        elif col.dtype == "date":
            conv, unparsed = _to_date(s, origin.date_format)
            flag(col.name, "unparseable_date", unparsed, "is not a date", RULES["unparseable_date"])
        elif col.dtype == "float":
            conv, unparsed = _to_float(s)
            flag(
                col.name,
                "unparseable_number",
                unparsed,
                "is not a number",
                RULES["unparseable_number"],
            )
        elif col.dtype == "int":
            conv, bad, frac = _to_int(s)
            flag(
                col.name, "unparseable_number", bad, "is not a number", RULES["unparseable_number"]
            )
            flag(
                col.name,
                "unparseable_number",
                frac,
                "is not a whole number",
                "write a whole number such as 3",
            )
            unparsed = bad | frac
        elif col.dtype == "bool":
            conv, unparsed = _to_bool(s)
            flag(
                col.name,
                "unparseable_bool",
                unparsed,
                "is not yes or no",
                RULES["unparseable_bool"],
            )
        else:  # pragma: no cover - schema.py only has the five types
            raise ValueError(f"{name}.{col.name}: unknown type {col.dtype!r} in schema.py")
        if col.required:
            flag(
                col.name,
                "missing_value",
                conv.isna().to_numpy() & ~unparsed,
                "is blank",
                RULES["missing_value"].format(**fmt),
                show=False,
            )
        out[col.name] = conv
    df = pd.DataFrame(out, index=raw.index, copy=False)  # no block consolidation (copy)
    for extra in raw.columns:
        if extra not in out:
            df[extra] = raw[extra]
    return df, findings


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer code per value (-1 for missing) and the number of distinct values.

    Arrow-backed strings are dictionary-encoded in Arrow, which is several times faster
    than hashing them through pandas.
    """
    if _arrow_text(s):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        enc = pc.dictionary_encode(arr)
        codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
        return codes.astype(np.int64, copy=False), len(enc.dictionary)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), len(uniques)


def _key_codes(df: pd.DataFrame, key: list[str]) -> np.ndarray:
    """One int64 code per row for the combination of ``key`` columns (-1: incomplete)."""
    combined = np.zeros(len(df), dtype=np.int64)
    missing = np.zeros(len(df), dtype=bool)
    for col in key:
        s = df[col]
        if pdt.is_integer_dtype(s) and not pdt.is_bool_dtype(s) and s.notna().any():
            na = s.isna().to_numpy()
            lo = int(s.min())
            codes = s.fillna(lo).to_numpy(dtype=np.int64) - lo
            n = int(codes.max()) + 1
            codes[na] = -1
        else:
            codes, n = _codes(s)
        missing |= codes < 0
        if combined.max(initial=0) >= 2**62 // max(n, 1):
            combined = pd.factorize(combined)[0].astype(np.int64)
        combined = combined * max(n, 1) + np.maximum(codes, 0)
    combined[missing] = -1
    return combined


def _exact_duplicated(df: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose complete ``key`` occurs more than once (exact, by codes and a sort)."""
    codes = _key_codes(df, key)
    complete = codes >= 0
    dup = np.zeros(len(df), dtype=bool)
    valid = codes[complete]
    ordered = np.sort(valid)
    same = ordered[1:] == ordered[:-1]
    if same.any():
        dup[complete] = np.isin(valid, np.unique(ordered[1:][same]))
    return dup


def _hashable_column(s: pd.Series) -> Any | None:
    """A Polars series over the same buffers for Arrow strings and integers, else None."""
    import polars as pl

    if _arrow_text(s) and hasattr(s.array, "__arrow_array__"):
        return pl.from_arrow(s.array.__arrow_array__())
    if pdt.is_integer_dtype(s) and not pdt.is_bool_dtype(s):
        return pl.from_pandas(s.to_frame()).to_series()
    return None


def _duplicated(df: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose complete ``key`` occurs more than once.

    Large tables are screened on a 64-bit hash of the key computed by Polars straight from
    the Arrow buffers (equal keys have equal hashes, so no duplicate is missed); only rows
    whose hash repeats are then compared exactly, so a hash collision never flags a row.
    Small tables, and key types Polars cannot take without a copy, are compared exactly.
    """
    if len(df) < _HASH_SCREEN_ROWS or importlib.util.find_spec("polars") is None:
        return _exact_duplicated(df, key)
    import polars as pl

    cols = [_hashable_column(df[k]) for k in key]
    if any(c is None for c in cols):
        return _exact_duplicated(df, key)
    names = [f"k{i}" for i in range(len(cols))]
    frame = pl.DataFrame([c.alias(n) for n, c in zip(names, cols, strict=True)])
    combined = pl.col(names[0]).hash(seed=3)
    for i, n in enumerate(names[1:]):
        combined = combined ^ pl.col(n).hash(seed=5 + i)
    complete = pl.all_horizontal(pl.col(n).is_not_null() for n in names)
    hashed = frame.select(pl.when(complete).then(combined)).to_series().drop_nulls()
    # repeated hashes by a sort (much faster than a hash-based is_duplicated here)
    ordered = hashed.sort()
    same = ordered.slice(1) == ordered.slice(0, max(len(ordered) - 1, 0))
    dup = np.zeros(len(df), dtype=bool)
    if not same.any():
        return dup
    repeated = ordered.slice(1).filter(same).unique()
    candidate = frame.select(combined.is_in(repeated.implode()) & complete).to_series()
    pos = np.flatnonzero(candidate.to_numpy())
    if len(pos):
        dup[pos] = _exact_duplicated(df.iloc[pos], key)
    return dup


def _arrow_text(s: pd.Series) -> bool:
    return pdt.is_string_dtype(s.dtype) and s.dtype != object


def _is_in(s: pd.Series, values: pd.Series) -> np.ndarray:
    """``s.isin(values)`` as a numpy mask, computed in Arrow for Arrow-backed strings."""
    if not (_arrow_text(s) and _arrow_text(values)):
        return s.isin(values).to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    value_set = pa.array(values)
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    found = pc.is_in(pa.array(s), value_set=value_set)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _defaults(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Fill the documented defaults: orders.line_no 1..n per order, is_return False."""
    if name != "orders":
        return df
    if "line_no" not in df.columns and "order_id" in df.columns:
        codes, _ = _codes(df["order_id"])
        line = pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy() + 1
        df["line_no"] = pd.array(line, dtype="Int64")
    if "is_return" not in df.columns:
        df["is_return"] = pd.array(np.zeros(len(df), dtype=bool), dtype="boolean")
    else:
        df["is_return"] = df["is_return"].fillna(False)
    order = [c for c in TABLES[name].column_names if c in df.columns]
    return df[order + [c for c in df.columns if c not in order]]


def _finalise(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Use plain int64/bool where a whole-number or yes/no column has no gaps."""
    for col in TABLES[name].columns:
        if col.name not in df.columns or col.dtype not in ("int", "bool"):
            continue
        s = df[col.name]
        if not s.isna().any():
            df[col.name] = s.astype("int64" if col.dtype == "int" else "bool")
    return df


# --------------------------------------------------------------------------- row rules


def _row_rules(
    name: str, df: pd.DataFrame, raw: pd.DataFrame, rows: np.ndarray, as_of: pd.Timestamp | None
) -> list[_Finding]:
    spec = TABLES[name]
    findings: list[_Finding] = []
    shown = lambda col, pos: raw[col].iloc[pos] if col in raw.columns else df[col].iloc[pos]  # noqa: E731
    # duplicate key
    key = [k for k in spec.key if k in df.columns]
    defaulted = name == "orders" and "line_no" not in raw.columns  # 1..n: unique by design
    if key and len(key) == len(spec.key) and len(df) and not defaulted:
        dup_all = _duplicated(df, key)
        if dup_all.any():
            sub = df.loc[dup_all, key].copy()
            sub["_r"] = rows[dup_all]
            first = sub.groupby(key, sort=False)["_r"].transform("first").to_numpy()
            later = sub["_r"].to_numpy() != first
            pos = np.flatnonzero(dup_all)[later]
            vals = df[key].iloc[pos].astype("str")
            value = vals[key[0]] if len(key) == 1 else vals.agg(" / ".join, axis=1)
            what = "repeats the key of row " + pd.Series(first[later], index=value.index).astype(
                "str"
            )
            findings.append(
                _Finding(
                    ", ".join(key),
                    "duplicate_key",
                    pos,
                    value,
                    what,
                    RULES["duplicate_key"].format(column=", ".join(key)),
                )
            )
    # negative quantity or amount not marked as a return
    if "is_return" in spec.column_names and "is_return" in df.columns:
        not_ret = ~df["is_return"].fillna(False).to_numpy(dtype=bool)
        flagged = np.zeros(len(df), dtype=bool)
        for col in ("quantity", "amount"):
            if col in df.columns:
                neg = (df[col] < 0).fillna(False).to_numpy(dtype=bool) & not_ret & ~flagged
                flagged |= neg
                pos = np.flatnonzero(neg)
                if len(pos):
                    findings.append(
                        _Finding(
                            col,
                            "negative_not_return",
                            pos,
                            shown(col, pos),
                            "is negative but the line is not marked as a return",
                            RULES["negative_not_return"],
                        )
                    )
    # dates after as_of
    if as_of is not None:
        limit = as_of.normalize() + pd.Timedelta(days=1)
        for col in spec.columns:
            if col.dtype != "date" or col.name not in df.columns:
                continue
            if (name, col.name) in FUTURE_DATES_ALLOWED:
                continue
            late = (df[col.name] >= limit).fillna(False).to_numpy(dtype=bool)
            pos = np.flatnonzero(late)
            if len(pos):
                findings.append(
                    _Finding(
                        col.name,
                        "future_date",
                        pos,
                        shown(col.name, pos),
                        f"is after as_of {as_of:%Y-%m-%d}",
                        RULES["future_date"],
                    )
                )
    return findings


def _reference_rule(
    name: str,
    df: pd.DataFrame,
    col: str,
    target: str,
    known: pd.Series,
    set_aside: pd.Series,
    target_origin: Origin,
) -> _Finding | None:
    """Rows whose ``col`` is not among ``known`` ids of ``target``."""
    s = df[col]
    missing = s.notna().to_numpy() & ~_is_in(s, known)
    pos = np.flatnonzero(missing)
    if not len(pos):
        return None
    tname, tcol = target.split(".")
    vals = s.iloc[pos]
    noun = "customer" if tname == "customers" else tname.rstrip("s")
    what = pd.Series(f"is not in {target_origin.file}", index=vals.index, dtype="str")
    if len(set_aside):
        rows = vals.map(set_aside)
        hit = rows.notna()
        if hit.any():
            rows_text = rows[hit].astype("int64").astype("str")
            what[hit] = (
                f"is a {noun} set aside by validation ({target_origin.file} "
                f"{target_origin.kind} " + rows_text + ")"
            )
    rule = (
        "unknown_customer"
        if target == "customers.customer_id" and col == "customer_id"
        else ("unknown_reference")
    )
    fix = RULES[rule].format(target=target_origin.file, column=col)
    return _Finding(col, rule, pos, vals, what, fix)


# --------------------------------------------------------------------------- assembly


def _origin(name: str, files: Mapping[str, Origin | str] | None) -> Origin:
    given = (files or {}).get(name)
    if isinstance(given, Origin):
        return given
    if isinstance(given, str):
        return Origin(given, "row")
    return Origin(name, "record")


def _texts(f: _Finding, origin: Origin, rows: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Short (column onwards) and full (file and row first) messages per flagged row."""
    idx = pd.RangeIndex(len(f.positions))
    what = f.what.set_axis(idx) if isinstance(f.what, pd.Series) else f.what
    if f.values is None:
        short = pd.Series(f"column {f.column} " + "", index=idx, dtype="str") + what
    else:
        short = f"column {f.column}: " + _show(f.values).set_axis(idx) + " " + what
    short = short + "; " + f.fix
    numbers = pd.Series(rows[f.positions], index=idx).astype("str")
    tail = "" if origin.kind == "row" else " (1-based)"
    full = f"{origin.file} {origin.kind} " + numbers + tail + ", " + short
    return short, full


def _problems(name: str, f: _Finding, origin: Origin, rows: np.ndarray, full: pd.Series):
    n = len(f.positions)
    head = min(n, _CAP)
    out = []
    for i in range(head):
        value = None if f.values is None else f.values.iloc[i]
        if value is not None and pd.isna(value):
            value = None
        out.append(
            Problem(
                name,
                origin.file,
                int(rows[f.positions[i]]),
                f.column,
                value,
                f.rule,
                full.iloc[i],
                f.fix,
            )
        )
    if n > head:
        out.append(
            Problem(
                name,
                origin.file,
                None,
                f.column,
                None,
                f.rule,
                f"{origin.file}, column {f.column}: {n - head} more rows like "
                f"{origin.where(int(rows[f.positions[0]]))} ({f.rule}); {f.fix}",
                f.fix,
                count=n - head,
            )
        )
    return out


def _table_problem(name: str, origin: Origin, rule: str, column: str | None, what: str, fix: str):
    col = f", column {column}" if column else ""
    return Problem(
        name, origin.file, None, column, None, rule, f"{origin.file}{col}: {what}; {fix}", fix
    )


def check(
    tables: Mapping[str, pd.DataFrame],
    *,
    policy: str = "raise",
    as_of: Any = None,
    files: Mapping[str, Origin | str] | None = None,
    cascade: bool | None = None,
    checked_elsewhere: Iterable[str] = (),
) -> Checked:
    """Coerce ``tables`` to the data model and apply every rule.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Frames with canonical column names (any types: strings are parsed) and a
        RangeIndex; the values are not modified.
    policy : {"raise", "quarantine", "report"}
        ``"raise"``: raise on any problem. ``"quarantine"``: set bad rows apart and keep
        the rest. ``"report"``: never raise, keep every row (used by :func:`validate`).
    as_of : date-like, optional
        No event may lie after this date; None skips the rule.
    files : mapping of str to Origin or str, optional
        Where each table came from; a plain file name means spreadsheet row numbers.
        Tables not named are numbered as 1-based records.
    cascade : bool, optional
        Whether rows pointing to a customer (or product) set aside are set aside too.
        Defaults to True for ``"quarantine"``.
    checked_elsewhere : iterable of str, optional
        Required tables that the caller validates itself and does not pass (the order
        log that :func:`workbench.lazy.open_dataset` checks in its engine): their absence
        is no problem. References *to* them are not checked here.

    Returns
    -------
    Checked
        Coerced valid tables (RangeIndex), quarantine frames and problems.

    Raises
    ------
    ValidationError
        Policy ``"raise"`` with any problem; policy ``"quarantine"`` when a table-level
        problem (missing required table or column, empty required table) stops loading.
    ValueError
        For an unknown table name or policy.
    """
    if policy not in ("raise", "quarantine", "report"):
        raise ValueError(f"unknown policy {policy!r}; use 'raise' or 'quarantine'")
    for name in tables:
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}; the data model has: {', '.join(TABLES)}")
    as_of = None if as_of is None else pd.Timestamp(as_of)
    cascade = policy == "quarantine" if cascade is None else cascade
    table_problems: list[Problem] = []
    fatal: list[Problem] = []
    elsewhere = set(checked_elsewhere)
    for name in REQUIRED_TABLES:
        if name not in tables and name not in elsewhere:
            o = _origin(name, files)
            fatal.append(
                Problem(
                    name,
                    o.file,
                    None,
                    None,
                    None,
                    "missing_table",
                    f"the source has no {name} table (required); "
                    + RULES["missing_table"].format(table=name),
                    RULES["missing_table"].format(table=name),
                )
            )
    # references point to customers and products: check those first
    order = sorted(
        tables, key=lambda n: (n not in ("customers", "products"), list(TABLES).index(n))
    )
    coerced: dict[str, pd.DataFrame] = {}
    findings: dict[str, list[_Finding]] = {}
    origins: dict[str, Origin] = {}
    rows_of: dict[str, np.ndarray] = {}
    bad: dict[str, np.ndarray] = {}
    for name in order:
        raw = tables[name].reset_index(drop=True)
        spec: Table = TABLES[name]
        origin = origins[name] = _origin(name, files)
        rows_of[name] = rows = origin.numbers(len(raw))
        if len(rows) != len(raw):
            raise ValueError(f"{origin.file}: {len(rows)} row numbers for {len(raw)} rows")
        absent = [c for c in spec.required_columns if c not in raw.columns]
        if absent:
            found = ", ".join(origin.headers or map(str, raw.columns)) or "(none)"
            for col in absent:
                fix = RULES["missing_column"].format(table=name, column=col)
                fatal.append(
                    _table_problem(
                        name,
                        origin,
                        "missing_column",
                        col,
                        f"required column {col} is missing (the headers are: {found})",
                        fix,
                    )
                )
            continue
        if raw.empty:
            p = _table_problem(
                name,
                origin,
                "empty_table",
                None,
                f"table {name} has no rows",
                RULES["empty_table"],
            )
            (fatal if spec.required else table_problems).append(p)
        df, found_here = _coerce(name, raw, origin)
        df = _defaults(name, df)
        found_here += _row_rules(name, df, raw, rows, as_of)
        if name == "customers" and "referrer_id" in df.columns:
            f = _reference_rule(
                name,
                df,
                "referrer_id",
                "customers.customer_id",
                df["customer_id"].dropna(),
                pd.Series(dtype="int64"),
                origin,
            )
            if f:
                found_here.append(f)
        for col, target in spec.references.items():
            tname, tcol = target.split(".")
            if tname == name or col not in df.columns or tname not in coerced:
                continue
            tdf = coerced[tname]
            tbad = bad[tname] if cascade else np.zeros(len(tdf), dtype=bool)
            known = tdf.loc[~tbad, tcol].dropna()
            aside = pd.Series(rows_of[tname][tbad], index=tdf.loc[tbad, tcol].to_numpy())
            if len(aside):
                aside = aside[~aside.index.duplicated()].drop(known, errors="ignore")
            f = _reference_rule(name, df, col, target, known, aside, origins[tname])
            if f:
                found_here.append(f)
        mask = np.zeros(len(df), dtype=bool)
        for f in found_here:
            mask[f.positions] = True
        coerced[name], findings[name], bad[name] = df, found_here, mask

    quarantine: dict[str, pd.DataFrame] = {}
    clean: dict[str, pd.DataFrame] = {}
    problems = list(fatal)
    for name in [n for n in TABLES if n in coerced]:
        origin, rows, mask = origins[name], rows_of[name], bad[name]
        shorts, here = [], []
        for f in findings[name]:
            short, full = _texts(f, origin, rows)
            here += _problems(name, f, origin, rows, full)
            shorts.append(pd.Series(short.to_numpy(), index=f.positions))
        problems += sorted(here, key=lambda p: (p.row is None, p.row or 0))
        df = coerced[name]
        if policy == "quarantine" and mask.any():
            joined = pd.concat(shorts).sort_index(kind="stable")
            reason = joined.groupby(level=0, sort=True).agg(" | ".join)
            q = tables[name].reset_index(drop=True).iloc[np.flatnonzero(mask)].copy()
            q.insert(0, "_problem", reason.to_numpy())
            q.insert(0, "_row", rows[mask])
            quarantine[name] = q.reset_index(drop=True)
            df = df.loc[~mask]
        clean[name] = _finalise(name, df.reset_index(drop=True))
    problems += table_problems
    if fatal and policy != "report":
        raise ValidationError(problems)
    if problems and policy == "raise":
        raise ValidationError(problems)
    return Checked(clean, quarantine, problems)


def validate(
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: Any = None,
    files: Mapping[str, Origin | str] | None = None,
) -> list[Problem]:
    """Return every problem in ``tables`` without raising.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Frames with canonical column names; strings are parsed as the data model says.
    as_of : date-like, optional
        No event may lie after this date; None skips the rule.
    files : mapping of str to Origin or str, optional
        Where each table came from: a file name means CSV-style row numbers (header =
        row 1); tables not named get 1-based record numbers.

    Returns
    -------
    list of Problem
        Empty when the data is valid.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["C1"], "name": ["Acme"]})
    >>> orders = pd.DataFrame({"order_id": ["O1"], "customer_id": ["C1"],
    ...                        "order_date": ["2024-13-01"], "amount": [1.0]})
    >>> print(validate({"customers": customers, "orders": orders},
    ...                files={"orders": "orders.csv"})[0].message)
    orders.csv row 2, column order_date: '2024-13-01' is not a date; write dates as \
YYYY-MM-DD or set date_format in the mapping file
    """
    return check(tables, policy="report", as_of=as_of, files=files).problems


def write_quarantine(dataset: Any, out_dir: str | Path) -> list[Path]:
    """Write each table's quarantined rows to ``<out_dir>/<table>.quarantine.csv``.

    Parameters
    ----------
    dataset : Dataset
        A dataset loaded with ``policy="quarantine"``.
    out_dir : str or pathlib.Path
        Folder to write into (created if missing).

    Returns
    -------
    list of pathlib.Path
        The files written, one per table with quarantined rows (UTF-8 with BOM, so that
        Excel shows Chinese text correctly).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in dataset.quarantine.items():
        if len(frame):
            path = out_dir / f"{name}.quarantine.csv"
            frame.to_csv(path, index=False, encoding="utf-8-sig")
            written.append(path)
    return written
