"""Mapping files: the user's own headers (often Chinese) mapped to the data model's names.

A mapping file is TOML (``.toml``) or YAML (``.yaml``/``.yml``) with one section per
table. Every key is optional::

    [orders]
    file = "销售明细.csv"      # folder source: the file when it is not orders.csv
    encoding = "gbk"           # CSV encoding when detection is not wanted
    date_format = "%Y/%m/%d"   # strptime format of the date columns
    sheet = "明细"             # Excel: the sheet (default: the first)
    # table = "sales_lines"    # database source: the table when it is not "orders"
    # query = "select ..."     # database source: a query giving the table

    [orders.columns]           # their header = our column
    "客户编号" = "customer_id"
    "下单日期" = "order_date"
    "金额" = "amount"

    [contacts.values.role]     # their value = our value, for categorical columns
    "决策者" = "decision_maker"

``docs/mapping.md`` explains it with a complete example.

Examples
--------
>>> m = parse_mapping({"orders": {"columns": {"金额": "amount"}}})
>>> m.get("orders").columns
{'金额': 'amount'}
>>> parse_mapping({"orders": "select * from sales"}).get("orders").query
'select * from sales'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.schema import TABLES

__all__ = ["MappingError", "TableMapping", "Mapping", "read_mapping", "parse_mapping", "as_mapping"]

#: Keys a table section of a mapping file may hold.
TABLE_KEYS = ("columns", "values", "file", "sheet", "table", "query", "encoding", "date_format")


class MappingError(ValueError):
    """A mapping file names an unknown table, column or key, or cannot be read."""


@dataclass(frozen=True)
class TableMapping:
    """How one table of the data model is found and named in the user's source.

    Parameters
    ----------
    table : str
        Table of the data model (``"orders"``).
    columns : dict of str to str
        The user's header -> our column name.
    values : dict of str to dict
        Our column -> {the user's value: our value}, for categorical columns.
    file : str, optional
        File holding the table in a folder source (default ``<table>.csv|.parquet|.xlsx``).
    sheet : str or int, optional
        Excel sheet (default the first).
    source_table : str, optional
        Table or view in a database source (default the table's own name).
    query : str, optional
        SQL query giving the table in a database source.
    encoding : str, optional
        Encoding of a CSV file (default: detected).
    date_format : str, optional
        ``strptime`` format of the table's date columns (default: ISO and common formats).
    """

    table: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    file: str | None = None
    sheet: str | int | None = None
    source_table: str | None = None
    query: str | None = None
    encoding: str | None = None
    date_format: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A whole mapping: one :class:`TableMapping` per table named in it.

    Parameters
    ----------
    tables : dict of str to TableMapping
        Per table of the data model.
    origin : str
        Where the mapping came from (its file name), for error messages.
    """

    tables: dict[str, TableMapping] = field(default_factory=dict)
    origin: str = "mapping"

    def get(self, table: str) -> TableMapping:
        """Return the mapping of ``table`` (an empty one when the mapping does not name it)."""
        return self.tables.get(table) or TableMapping(table)


def _fail(origin: str, entry: str, problem: str, valid: Any) -> MappingError:
    names = ", ".join(str(v) for v in valid)
    return MappingError(f"{origin}: {entry}: {problem}; valid names are: {names}")


def _str_dict(origin: str, entry: str, node: Any) -> dict[str, str]:
    if not isinstance(node, dict):
        raise MappingError(f'{origin}: {entry} must be a table of "their name" = "our name"')
    out = {}
    for k, v in node.items():
        if not isinstance(v, str):
            raise MappingError(
                f"{origin}: {entry}: {k!r} maps to {v!r}; write the target as a quoted name"
            )
        out[str(k)] = v
    return out


def _table_mapping(origin: str, name: str, node: Any) -> TableMapping:
    if isinstance(node, str):
        return TableMapping(name, query=node)
    if not isinstance(node, dict):
        raise MappingError(f"{origin}: [{name}] must be a table of settings or a SQL query string")
    spec = TABLES[name]
    for key in node:
        if key not in TABLE_KEYS:
            raise _fail(origin, f"[{name}] {key}", f"unknown setting {key!r}", TABLE_KEYS)
    columns = _str_dict(origin, f"[{name}.columns]", node.get("columns", {}))
    for header, target in columns.items():
        if target not in spec.column_names:
            raise _fail(
                origin,
                f'[{name}.columns] "{header}" = "{target}"',
                f"table {name} has no column {target!r}",
                spec.column_names,
            )
    values: dict[str, dict[str, str]] = {}
    raw_values = node.get("values", {})
    if not isinstance(raw_values, dict):
        raise MappingError(f"{origin}: [{name}.values] must hold one table per column")
    for col, pairs in raw_values.items():
        if col not in spec.column_names:
            raise _fail(
                origin,
                f"[{name}.values.{col}]",
                f"table {name} has no column {col!r}",
                spec.column_names,
            )
        allowed = spec.column(col).values
        vmap = _str_dict(origin, f"[{name}.values.{col}]", pairs)
        for theirs, ours in vmap.items():
            if allowed and ours not in allowed:
                raise _fail(
                    origin,
                    f'[{name}.values.{col}] "{theirs}" = "{ours}"',
                    f"{ours!r} is not a value of {name}.{col}",
                    allowed,
                )
        values[col] = vmap
    for key in ("file", "table", "query", "encoding", "date_format"):
        if key in node and not isinstance(node[key], str):
            raise MappingError(f"{origin}: [{name}] {key} must be a quoted string")
    sheet = node.get("sheet")
    if sheet is not None and not isinstance(sheet, str | int):
        raise MappingError(f"{origin}: [{name}] sheet must be a sheet name or a 0-based number")
    if node.get("encoding"):
        import codecs

        try:
            codecs.lookup(node["encoding"])
        except LookupError:
            raise MappingError(
                f"{origin}: [{name}] encoding {node['encoding']!r} is unknown; "
                "use e.g. utf-8, utf-8-sig, gbk or gb18030"
            ) from None
    return TableMapping(
        table=name,
        columns=columns,
        values=values,
        file=node.get("file"),
        sheet=sheet,
        source_table=node.get("table"),
        query=node.get("query"),
        encoding=node.get("encoding"),
        date_format=node.get("date_format"),
    )


def parse_mapping(data: dict[str, Any], origin: str = "mapping") -> Mapping:
    """Check a mapping given as a dictionary and return it as a :class:`Mapping`.

    Parameters
    ----------
    data : dict
        ``{table: {"columns": {...}, "file": ..., ...}}``; a plain string as a table's
        value is a SQL query for a database source.
    origin : str
        Name used in error messages (the mapping file's name).

    Returns
    -------
    Mapping
        The checked mapping.

    Raises
    ------
    MappingError
        For an unknown table, target column, value or setting; the message names the
        mapping file, the entry and the valid names.

    Examples
    --------
    >>> parse_mapping({"order": {}})
    Traceback (most recent call last):
    ...
    workbench.mapping.MappingError: mapping: [order]: unknown table 'order'; valid names are: ...
    """
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: expected one section per table, like [orders]")
    tables = {}
    for name, node in data.items():
        if name not in TABLES:
            raise _fail(origin, f"[{name}]", f"unknown table {name!r}", TABLES)
        tables[name] = _table_mapping(origin, name, node)
    return Mapping(tables, origin)


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file (TOML or YAML, by extension).

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.toml``, ``.yaml`` or ``.yml`` file.

    Returns
    -------
    Mapping
        The checked mapping; relative ``file`` entries are resolved against the source
        folder by :func:`workbench.load.load`, not against the mapping file.

    Raises
    ------
    MappingError
        If the file is missing, has another extension, does not parse, or names an
        unknown table, column or setting.
    """
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"mapping file {path} does not exist; check the path")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        elif suffix in (".yaml", ".yml"):
            import yaml

            with path.open(encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        else:
            raise MappingError(
                f"mapping file {path}: unknown extension {suffix!r}; name it .toml, .yaml or .yml"
            )
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(
            f"mapping file {path} does not parse: {exc}; save it as UTF-8 TOML"
        ) from None
    except Exception as exc:
        if isinstance(exc, MappingError) or type(exc).__module__.split(".")[0] != "yaml":
            raise
        raise MappingError(f"mapping file {path} does not parse: {exc}; check the YAML") from None
    return parse_mapping(data, origin=path.name)


def as_mapping(mapping: Mapping | dict | str | Path | None) -> Mapping:
    """Return ``mapping`` as a :class:`Mapping`, reading it when it is a path.

    Parameters
    ----------
    mapping : Mapping, dict, str, pathlib.Path or None
        A mapping, its dictionary form, a mapping file, or None (no mapping).

    Returns
    -------
    Mapping
        The checked mapping (empty for None).

    Examples
    --------
    >>> as_mapping(None).get("orders").columns
    {}
    """
    if mapping is None:
        return Mapping()
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, dict):
        return parse_mapping(mapping)
    return read_mapping(mapping)
