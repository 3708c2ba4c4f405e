from __future__ import annotations

import pytest

from workbench.dataset import Dataset
from workbench.schema import DTYPES, REQUIRED_TABLES, TABLES, MissingTableError, table, to_markdown


def test_only_customers_and_orders_are_required():
    assert set(REQUIRED_TABLES) == {"customers", "orders"}


@pytest.mark.parametrize("name", list(TABLES), ids=list(TABLES))
def test_every_table_is_documented_and_consistent(name):
    t = TABLES[name]
    assert t.description
    names = t.column_names
    assert len(names) == len(set(names)), "duplicate column"
    for c in t.columns:
        assert c.dtype in DTYPES and c.description
    for k in t.key:
        assert k in names
    for col, target in t.references.items():
        assert col in names
        tname, tcol = target.split(".")
        assert tcol in TABLES[tname].column_names


def test_docs_data_model_is_generated_from_schema(project_root):
    doc = (project_root / "docs" / "data_model.md").read_text(encoding="utf-8")
    assert doc.strip() == to_markdown().strip(), "run `make docs`"


def test_unknown_table_lists_known_ones():
    with pytest.raises(KeyError, match="the data model has: customers, contacts"):
        table("clients")


def test_missing_optional_table_names_feature_and_fix():
    ds = Dataset(tables={}, source="data/mine")
    with pytest.raises(
        MissingTableError, match=r"greetings needs the optional table 'contacts'.*contacts\.csv"
    ):
        ds.require("contacts", feature="greetings")
    assert ds.get("contacts") is None
