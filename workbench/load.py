"""Loading: one call reads a dataset from a folder, a DuckDB file or a database URL.

``load(source)`` finds each table of the data model (``workbench/schema.py``) in the
source, renames the user's headers through an optional mapping file
(:mod:`workbench.mapping`), coerces every column to the model's type and validates the
rows (:mod:`workbench.validate`). The result is a :class:`workbench.dataset.Dataset`.

Sources
-------
- a folder with one file per table named after it: ``orders.csv``, ``orders.parquet``
  or ``orders.xlsx`` (a table found in two formats is an error naming both); CSV in
  UTF-8, UTF-8 with BOM or GBK/GB18030 (detected, or named);
- a DuckDB database file (``*.duckdb``), tables named as in the data model;
- an SQLite file (``*.sqlite``, ``*.sqlite3``, ``*.db``);
- an SQLAlchemy URL (``postgresql://user@host/db``, ``sqlite:///shop.db``): credentials
  never appear in ``Dataset.source``, errors or logs. Put passwords in the environment
  (``PGPASSWORD``) or ``~/.pgpass``, which libpq reads itself.

Parquet and DuckDB tables keep their Arrow types (no round trip through text), and
nothing loops over rows, so a 10-million-row ``orders.parquet`` loads in seconds.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.dataset import Dataset
from workbench.mapping import Mapping, MappingError, TableMapping, as_mapping
from workbench.schema import REQUIRED_TABLES, TABLES
from workbench.validate import Origin, check

__all__ = ["load", "SourceError", "FILE_FORMATS", "detect_encoding", "safe_url"]

#: File extensions of a folder source, in the order they are looked for.
FILE_FORMATS = (".csv", ".parquet", ".xlsx")
_DB_FILES = (".sqlite", ".sqlite3", ".db")
_SNIFF_BYTES = 1 << 20


class SourceError(ValueError):
    """The source cannot be read: missing, ambiguous, unreachable or undecodable."""


# --------------------------------------------------------------------------- helpers


def safe_url(url: str) -> str:
    """Return ``url`` without user name, password or query parameters.

    Parameters
    ----------
    url : str
        An SQLAlchemy URL.

    Returns
    -------
    str
        The URL safe to show in messages and logs.

    Examples
    --------
    >>> safe_url("postgresql://bob:secret@db.example.com:5432/shop?sslmode=require")
    'postgresql://db.example.com:5432/shop'
    >>> safe_url("sqlite:///data/shop.db")
    'sqlite:///data/shop.db'
    """
    try:
        from sqlalchemy.engine import URL, make_url

        u = make_url(url)
        bare = URL.create(u.drivername, host=u.host, port=u.port, database=u.database)
        return bare.render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"//[^/@]*@", "//", url.split("?", 1)[0])


def detect_encoding(path: str | Path) -> str:
    """Guess the encoding of a CSV file: ``"utf-8-sig"`` or ``"gb18030"``.

    UTF-8 (with or without BOM) is tried on the first megabyte; text that is not UTF-8
    is taken as GB18030, the superset of GBK and GB2312 that Chinese Excel writes.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    str
        A Python codec name.
    """
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
        more = bool(fh.read(1))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=not more)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _clean_header(h: Any) -> str:
    return str(h).replace("\ufeff", "").strip()


def _rename(headers: Sequence[Any], tm: TableMapping, file: str, origin: str) -> dict[Any, str]:
    """Map each header to our column name (headers neither mapped nor ours stay as they are)."""
    spec = TABLES[tm.table]
    ours = {c.lower(): c for c in spec.column_names}
    mapped = {_clean_header(k): v for k, v in tm.columns.items()}
    out: dict[Any, str] = {}
    claimed: dict[str, Any] = {}
    for h in headers:
        clean = _clean_header(h)
        target = mapped.get(clean) or ours.get(clean.lower()) or clean
        if target in claimed:
            raise MappingError(
                f"{file}: headers {claimed[target]!r} and {h!r} both give column {target!r} of "
                f"{tm.table}; drop one, or map them differently in {origin}"
            )
        if target in ours.values():
            claimed[target] = h
        out[h] = target
    return out


def _apply_mapping(df: pd.DataFrame, tm: TableMapping, file: str, origin: str) -> pd.DataFrame:
    df = df.rename(columns=_rename(list(df.columns), tm, file, origin))
    for col, pairs in tm.values.items():
        if col in df.columns:
            df[col] = df[col].replace(pairs)
    return df


def _drop_blank_rows(df: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop lines with no value at all (blank lines); the others keep their row numbers."""
    if not len(df.columns):
        return df, rows
    empty = df.isna().all(axis=1).to_numpy()
    if empty.any():
        df = df.loc[~empty].reset_index(drop=True)
        rows = rows[~empty]
    return df, rows


# --------------------------------------------------------------------------- files


def _read_csv(
    path: Path, tm: TableMapping, encoding: str | None, origin: str
) -> tuple[pd.DataFrame, str]:
    named = tm.encoding or encoding
    enc = named or detect_encoding(path)
    tried = []
    while True:
        tried.append(enc)
        try:
            headers = list(pd.read_csv(path, nrows=0, encoding=enc).columns)
            names = _rename(headers, tm, path.name, origin)
            known = TABLES[tm.table].column_names
            dtype = {h: "str" for h, ours in names.items() if ours in known}
            df = pd.read_csv(path, encoding=enc, dtype=dtype, skip_blank_lines=False)
            return df, enc
        except UnicodeDecodeError as exc:
            if named or "gb18030" in tried:
                raise SourceError(
                    f"{path.name} is not {'/'.join(tried)} text ({exc.reason} at byte "
                    f"{exc.start}); save it as UTF-8, or name its encoding in the mapping "
                    f'file ([{tm.table}] encoding = "gbk") or with encoding=...'
                ) from None
            enc = "gb18030"
        except pd.errors.EmptyDataError:
            raise SourceError(
                f"{path.name} is empty (not even a header line); export the table again"
            ) from None
        except pd.errors.ParserError as exc:
            raise SourceError(f"{path.name} is not a readable CSV file: {exc}") from None


def _read_excel(path: Path, tm: TableMapping, origin: str) -> pd.DataFrame:
    sheet = 0 if tm.sheet is None else tm.sheet
    try:
        headers = list(pd.read_excel(path, sheet_name=sheet, nrows=0).columns)
        names = _rename(headers, tm, path.name, origin)
        known = TABLES[tm.table].column_names
        dtype = {h: "str" for h, ours in names.items() if ours in known}
        return pd.read_excel(path, sheet_name=sheet, dtype=dtype)
    except ValueError as exc:
        if "Worksheet" in str(exc) or "sheet" in str(exc).lower():
            raise SourceError(
                f"{path.name} has no sheet {sheet!r}; set sheet in the mapping file"
            ) from None
        raise


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    # one block per column: no consolidation copy of the numeric columns
    return table.to_pandas(date_as_object=False, split_blocks=True)


def _read_parquet(path: Path) -> Any:
    """Read a Parquet file with its text columns decoded straight into ``large_string``.

    pandas keeps Arrow-backed strings as ``large_string``: decoding into it saves a cast
    (a copy of every text column's offsets) when the table becomes a pandas frame.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    wide = pa.schema(
        [f.with_type(pa.large_string()) if pa.types.is_string(f.type) else f for f in schema],
        metadata=schema.metadata,
    )
    if wide.equals(schema):
        return pq.read_table(path)
    try:
        return pq.read_table(path, schema=wide)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pq.read_table(path)


def _read_file(
    path: Path, tm: TableMapping, encoding: str | None, mapping: Mapping
) -> tuple[pd.DataFrame, Origin]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df, _ = _read_csv(path, tm, encoding, mapping.origin)
        kind = "row"
    elif suffix == ".xlsx":
        df = _read_excel(path, tm, mapping.origin)
        kind = "row"
    elif suffix == ".parquet":
        df = _arrow_to_pandas(_read_parquet(path))
        kind = "record"
    else:
        raise SourceError(
            f"{path.name}: unknown file type {suffix!r}; use one of {', '.join(FILE_FORMATS)}"
        )
    headers = tuple(str(c) for c in df.columns)
    rows = np.arange(len(df), dtype=np.int64) + (2 if kind == "row" else 1)
    if kind == "row":
        df, rows = _drop_blank_rows(df, rows)
    df = _apply_mapping(df, tm, path.name, mapping.origin)
    return df, Origin(path.name, kind, rows, tm.date_format, headers)


def _folder_tables(
    folder: Path, names: Iterable[str], mapping: Mapping, encoding: str | None, bar: Any
) -> tuple[dict[str, pd.DataFrame], dict[str, Origin]]:
    by_stem: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() in FILE_FORMATS:
            by_stem.setdefault(p.stem, []).append(p)
    tables, origins = {}, {}
    for name in names:
        tm = mapping.get(name)
        if tm.query or tm.source_table:
            raise MappingError(
                f"{mapping.origin}: [{name}] query/table apply to database sources; "
                f'{folder} is a folder: use file = "..." instead'
            )
        if tm.file:
            path = Path(tm.file) if Path(tm.file).is_absolute() else folder / tm.file
            if not path.is_file():
                raise SourceError(
                    f"{mapping.origin}: [{name}] file = {tm.file!r}, but {folder} has no such "
                    "file; correct the name in the mapping file"
                )
        else:
            found = by_stem.get(name, [])
            if len(found) > 1:
                raise SourceError(
                    f"table {name} is in {len(found)} files: "
                    f"{' and '.join(p.name for p in found)}; keep one of them in {folder}"
                )
            if not found:
                continue
            path = found[0]
        bar.set_postfix_str(path.name)
        tables[name], origins[name] = _read_file(path, tm, encoding, mapping)
        bar.update()
    return tables, origins


# --------------------------------------------------------------------------- databases


def _query_for(name: str, tm: TableMapping, existing: dict[str, str]) -> str | None:
    if tm.query:
        return tm.query
    wanted = tm.source_table or name
    actual = existing.get(wanted.lower())
    if actual is None:
        if tm.source_table:
            raise SourceError(
                f"the mapping names table {tm.source_table!r} for {name}, but the database has "
                f"no such table; it has: {', '.join(sorted(existing.values())) or '(none)'}"
            )
        return None
    return 'select * from "' + actual.replace('"', '""') + '"'


def _duckdb_tables(
    path: Path, names: Iterable[str], mapping: Mapping, bar: Any
) -> tuple[dict[str, pd.DataFrame], dict[str, Origin]]:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SourceError(f"{path.name} is not a readable DuckDB database: {exc}") from None
    try:
        listed = con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
        existing = {t.lower(): t for (t,) in listed}
        tables, origins = {}, {}
        for name in names:
            tm = mapping.get(name)
            query = _query_for(name, tm, existing)
            if query is None:
                continue
            bar.set_postfix_str(name)
            try:
                arrow = con.sql(query).to_arrow_table()
            except duckdb.Error as exc:
                raise SourceError(f"{path.name}: the query for {name} failed: {exc}") from None
            df = _arrow_to_pandas(arrow)
            where = f"{path.name} table {tm.source_table or name}"
            origin = Origin(where, "record", None, tm.date_format, tuple(map(str, df.columns)))
            tables[name] = _apply_mapping(df, tm, where, mapping.origin)
            origins[name] = origin
            bar.update()
        return tables, origins
    finally:
        con.close()


def _scrub(text: str, url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        for secret in (u.password, u.username):
            if secret:
                text = text.replace(str(secret), "***")
    except Exception:
        pass
    return text


def _url_tables(
    url: str, names: Iterable[str], mapping: Mapping, bar: Any
) -> tuple[dict[str, pd.DataFrame], dict[str, Origin]]:
    import sqlalchemy as sa

    shown = safe_url(url)
    try:
        engine = sa.create_engine(url)
    except Exception as exc:
        raise SourceError(
            f"cannot use database URL {shown}: {_scrub(str(exc), url)}; check the URL and that "
            "its driver is installed (e.g. psycopg for postgresql://)"
        ) from None
    try:
        with engine.connect() as con:
            insp = sa.inspect(con)
            existing = {t.lower(): t for t in insp.get_table_names() + insp.get_view_names()}
            tables, origins = {}, {}
            for name in names:
                tm = mapping.get(name)
                query = _query_for(name, tm, existing)
                if query is None:
                    continue
                bar.set_postfix_str(name)
                try:
                    df = pd.read_sql_query(sa.text(query), con)
                except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
                    cause = exc.__cause__ if exc.__cause__ is not None else exc
                    first = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
                    raise SourceError(
                        f"cannot read {shown}: the query for {name} failed: "
                        f"{_scrub(first, url)}; check the table name or the query in the "
                        "mapping file"
                    ) from None
                where = f"{shown} table {tm.source_table or name}"
                origin = Origin(where, "record", None, tm.date_format, tuple(map(str, df.columns)))
                tables[name] = _apply_mapping(df, tm, where, mapping.origin)
                origins[name] = origin
                bar.update()
            return tables, origins
    except sa.exc.SQLAlchemyError as exc:
        detail = _scrub(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], url)
        raise SourceError(f"cannot read {shown}: {detail}") from None
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- load


def _is_url(source: Any) -> bool:
    return isinstance(source, str) and re.match(r"^[a-zA-Z][\w+.-]*://", source) is not None


def load(
    source: str | Path,
    *,
    mapping: Mapping | dict | str | Path | None = None,
    policy: str = "raise",
    as_of: Any = None,
    encoding: str | None = None,
    tables: Iterable[str] | None = None,
    progress: bool = False,
) -> Dataset:
    r"""Load and validate a dataset, whatever the source.

    Parameters
    ----------
    source : str or pathlib.Path
        A folder of ``<table>.csv|.parquet|.xlsx`` files, a DuckDB file (``*.duckdb``),
        an SQLite file, or an SQLAlchemy URL (``postgresql://user@host/db``).
    mapping : Mapping, dict, str or pathlib.Path, optional
        A mapping file (TOML/YAML) or its dictionary form: the user's headers to our
        columns per table, file names, encodings, date formats; for database sources a
        table name or SQL query per table (``{"orders": "select ..."}``).
    policy : {"raise", "quarantine"}
        ``"raise"`` (default) raises :class:`workbench.validate.ValidationError` listing
        every problem; ``"quarantine"`` sets bad rows apart in ``Dataset.quarantine``.
    as_of : date-like, optional
        Validate that no event lies after this date; kept as ``Dataset.as_of``.
    encoding : str, optional
        Encoding of the CSV files (default: detected per file; a mapping entry wins).
    tables : iterable of str, optional
        Tables to load (default: all found). ``customers`` and ``orders`` are always loaded.
    progress : bool
        Show a progress bar on stderr (the command line does).

    Returns
    -------
    Dataset
        Tables with canonical column names and types (ids as strings, dates as
        ``datetime64[us]``); optional tables the source lacks are simply absent.

    Raises
    ------
    SourceError
        The source does not exist, a table is in two files, a file cannot be decoded,
        or the database cannot be reached.
    MappingError
        The mapping names an unknown table, column or setting, or two headers give the
        same column.
    ValidationError
        The data breaks a rule (policy ``"raise"``), or cannot load at all.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "customers.csv").write_text("customer_id,name\n001,Acme\n")
    >>> _ = (folder / "orders.csv").write_text(
    ...     "order_id,customer_id,order_date,amount\n7,001,2024-01-05,12.5\n")
    >>> load(folder).orders
      order_id customer_id order_date  amount  line_no  is_return
    0        7         001 2024-01-05    12.5        1      False
    """
    from tqdm.auto import tqdm

    if policy not in ("raise", "quarantine"):
        raise ValueError(f"unknown policy {policy!r}; use 'raise' or 'quarantine'")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"unknown encoding {encoding!r}; use e.g. utf-8, utf-8-sig, gbk or gb18030"
            ) from None
    as_of = None if as_of is None else pd.Timestamp(as_of)
    m = as_mapping(mapping)
    if tables is None:
        names = list(TABLES)
    else:
        wanted = set(tables)
        unknown = sorted(wanted - set(TABLES))
        if unknown:
            raise ValueError(
                f"unknown table(s) {', '.join(unknown)}; the data model has: {', '.join(TABLES)}"
            )
        names = [n for n in TABLES if n in wanted or n in REQUIRED_TABLES]

    bar = tqdm(total=len(names), desc="loading", unit="table", disable=not progress, leave=False)
    with bar:
        if _is_url(str(source)) and not Path(source).exists():
            url = str(source)
            label = safe_url(url)
            raw, origins = _url_tables(url, names, m, bar)
        else:
            path = Path(source)
            label = str(path)
            if not path.exists():
                raise SourceError(
                    f"source {path} does not exist; give a folder of CSV/Parquet/Excel files, "
                    "a .duckdb file or a database URL"
                )
            if path.is_dir():
                raw, origins = _folder_tables(path, names, m, encoding, bar)
            elif path.suffix.lower() == ".duckdb":
                raw, origins = _duckdb_tables(path, names, m, bar)
            elif path.suffix.lower() in _DB_FILES:
                raw, origins = _url_tables(f"sqlite:///{path.resolve()}", names, m, bar)
            else:
                raise SourceError(
                    f"source {path} is a file of unknown type; give a folder of "
                    "CSV/Parquet/Excel files, a .duckdb or .sqlite file, or a database URL"
                )
    result = check(raw, policy=policy, as_of=as_of, files=origins)
    return Dataset(
        tables=result.tables,
        source=label,
        quarantine=result.quarantine,
        problems=result.problems,
        as_of=as_of,
    )
