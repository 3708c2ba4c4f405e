"""The dataset: the tables of one source, plus what validation set aside.

Tables are pandas DataFrames, except the order log of a dataset opened with
:func:`workbench.lazy.open_dataset`, which stays in its engine as a lazy frame (a DuckDB
relation, Polars LazyFrame or PySpark DataFrame).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.schema import TABLES, MissingTableError

__all__ = ["Dataset"]


@dataclass
class Dataset:
    """Tables loaded from one source.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame or lazy frame
        Valid rows per table, with canonical column names and types; a table may be an
        engine's lazy frame (see :func:`workbench.lazy.open_dataset`).
    source : str
        Where the data came from (folder, file or URL without credentials).
    quarantine : dict of str to pandas.DataFrame
        Rows rejected by validation per table (policy ``"quarantine"``), each with the
        columns ``_row`` (row number as the user's file numbers it; null for a table
        validated in an engine) and ``_problem``.
    problems : list
        Every :class:`workbench.validate.Problem` found.
    as_of : pandas.Timestamp or None
        The date the data was validated against (no event after it).
    """

    tables: dict[str, pd.DataFrame]
    source: str = ""
    quarantine: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Any] = field(default_factory=list)
    as_of: pd.Timestamp | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            return self.require(name)
        raise AttributeError(name)

    def get(self, name: str) -> pd.DataFrame | None:
        """Return table ``name`` or None when the source does not have it."""
        return self.tables.get(name)

    def require(self, name: str, feature: str = "") -> pd.DataFrame:
        """Return table ``name``, or explain which feature needs it.

        Parameters
        ----------
        name : str
            Table name.
        feature : str
            The feature asking, named in the error.

        Raises
        ------
        MissingTableError
            If the source has no such table.
        """
        if name not in self.tables:
            who = f"{feature} needs" if feature else "this needs"
            raise MissingTableError(
                f"{who} the optional table {name!r}, which {self.source or 'the source'} "
                f"does not have: add {name}.csv (or .parquet/.xlsx) to the folder; "
                f"its columns are documented in docs/data_model.md"
            )
        return self.tables[name]

    @property
    def n_quarantined(self) -> int:
        """Total number of rows set aside by validation."""
        from workbench.lazy import n_rows

        return int(sum(n_rows(df) for df in self.quarantine.values()))

    def counts(self) -> pd.DataFrame:
        """Rows per table, valid and quarantined.

        A lazy table is counted in its engine (which runs its query, e.g. the validation
        of the order log); nothing is cached.

        Returns
        -------
        pandas.DataFrame
            Columns ``table``, ``rows``, ``quarantined``, one row per table present.
        """
        from workbench.lazy import n_rows

        rows = [
            {
                "table": name,
                "rows": n_rows(df),
                "quarantined": n_rows(self.quarantine[name]) if name in self.quarantine else 0,
            }
            for name, df in self.tables.items()
        ]
        return pd.DataFrame(rows, columns=["table", "rows", "quarantined"])
