"""One test per validation rule, on tiny inline frames, asserting the message users read."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from workbench.dataset import Dataset
from workbench.validate import (
    Origin,
    Problem,
    ValidationError,
    check,
    validate,
    write_quarantine,
)


def _customers(**extra):
    data = {"customer_id": ["C1", "C2", "C3"], "name": ["甲公司", "Beta Ltd", "丙"]}
    data.update(extra)
    return pd.DataFrame(data)


def _orders(**over):
    data = {
        "order_id": ["O1", "O2", "O3"],
        "customer_id": ["C1", "C2", "C3"],
        "order_date": ["2024-01-05", "2024-02-10", "2024-03-15"],
        "amount": ["100", "250.5", "80"],
    }
    data.update(over)
    return pd.DataFrame(data)


FILES = {"customers": "customers.csv", "orders": "orders.csv"}


def _one(problems, rule):
    found = [p for p in problems if p.rule == rule]
    assert len(found) == 1, problems
    return found[0]


def test_valid_data_has_no_problem_and_is_coerced():
    res = check({"customers": _customers(), "orders": _orders()}, files=FILES)
    assert res.problems == []
    o = res.tables["orders"]
    assert o["order_date"].dtype == "datetime64[us]"
    assert o["amount"].tolist() == [100.0, 250.5, 80.0]
    assert o["line_no"].tolist() == [1, 1, 1]  # default
    assert o["is_return"].tolist() == [False, False, False]  # default


def test_missing_required_column():
    orders = _orders().drop(columns="order_date")
    with pytest.raises(
        ValidationError,
        match=r"orders\.csv, column order_date: required column order_date is missing "
        r"\(the headers are: order_id, customer_id, amount\); add the column, or map your "
        r'header to it in the mapping file \(\[orders\.columns\] "your header" = "order_date"\)',
    ):
        check({"customers": _customers(), "orders": orders}, files=FILES)


def test_missing_required_table():
    with pytest.raises(ValidationError, match=r"the source has no orders table \(required\)"):
        check({"customers": _customers()})


def test_missing_value_in_required_column():
    customers = _customers(name=["A", " ", "C"])
    p = _one(validate({"customers": customers, "orders": _orders()}, files=FILES), "missing_value")
    assert (p.table, p.row, p.column) == ("customers", 3, "name")
    assert p.message == (
        "customers.csv row 3, column name is blank; fill in name: every customers row needs one"
    )


def test_unparseable_date_message_names_file_row_column_value_and_fix():
    orders = _orders(order_date=["2024-01-05", "2024-13-01", "2024-03-15"])
    with pytest.raises(ValidationError) as info:
        check({"customers": _customers(), "orders": orders}, files=FILES)
    p = _one(info.value.problems, "unparseable_date")
    assert (p.file, p.row, p.column, p.value) == ("orders.csv", 3, "order_date", "2024-13-01")
    assert p.message == (
        "orders.csv row 3, column order_date: '2024-13-01' is not a date; write dates as "
        "YYYY-MM-DD or set date_format in the mapping file"
    )


def test_common_date_formats_and_date_format_setting_parse():
    orders = _orders(order_date=["2024/01/05", "2024年2月10日", "20240315"])
    res = check({"customers": _customers(), "orders": orders})
    assert res.tables["orders"]["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05",
        "2024-02-10",
        "2024-03-15",
    ]
    orders = _orders(order_date=["05/01/2024", "10/02/2024", "15/03/2024"])
    files = {"orders": Origin("orders.csv", date_format="%d/%m/%Y")}
    res = check({"customers": _customers(), "orders": orders}, files=files)
    assert res.tables["orders"]["order_date"].dt.month.tolist() == [1, 2, 3]


def test_unparseable_number():
    orders = _orders(amount=["100", "1,200.50", "12元"])
    p = _one(
        validate({"customers": _customers(), "orders": orders}, files=FILES), "unparseable_number"
    )
    assert p.message == (
        "orders.csv row 4, column amount: '12元' is not a number; "
        "write a plain number such as 1234.5 (no units or words)"
    )
    res = check({"customers": _customers(), "orders": orders}, policy="quarantine", files=FILES)
    assert res.tables["orders"]["amount"].tolist() == [100.0, 1200.5]  # thousands separator ok


def test_whole_number_column_rejects_fractions():
    orders = _orders(line_no=["1", "2.5", "1"])
    p = _one(
        validate({"customers": _customers(), "orders": orders}, files=FILES), "unparseable_number"
    )
    assert p.message.startswith("orders.csv row 3, column line_no: '2.5' is not a whole number")


def test_unparseable_bool_and_accepted_words():
    ok = _customers(is_prospect=["是", "no", "TRUE"])
    res = check({"customers": ok, "orders": _orders()})
    assert res.tables["customers"]["is_prospect"].tolist() == [True, False, True]
    bad = _customers(is_prospect=["yes", "maybe", "0"])
    p = _one(validate({"customers": bad, "orders": _orders()}, files=FILES), "unparseable_bool")
    assert p.message == (
        "customers.csv row 3, column is_prospect: 'maybe' is not yes or no; "
        "write true/false, yes/no, 1/0 or 是/否"
    )


def test_duplicate_key_names_the_first_row():
    customers = pd.DataFrame({"customer_id": ["C1", "C2", "C1"], "name": ["a", "b", "c"]})
    p = _one(
        validate({"customers": customers, "orders": _orders(customer_id=["C1"] * 3)}, files=FILES),
        "duplicate_key",
    )
    assert p.message == (
        "customers.csv row 4, column customer_id: 'C1' repeats the key of row 2; "
        "keep one row per customer_id, or give the rows distinct keys"
    )


def test_duplicate_composite_key():
    orders = _orders(order_id=["O1", "O1", "O1"], line_no=["1", "2", "1"])
    p = _one(validate({"customers": _customers(), "orders": orders}, files=FILES), "duplicate_key")
    assert (p.row, p.column, p.value) == (4, "order_id, line_no", "O1 / 1")
    assert "repeats the key of row 2" in p.message


def test_duplicate_keys_of_a_long_table_by_hash_screen():
    # 150,000 lines: screened by hash, then compared exactly; three planted duplicates
    n = 150_000
    ids = pd.array([f"O{i:07d}" for i in range(n)], dtype="str")
    orders = pd.DataFrame(
        {
            "order_id": ids,
            "customer_id": pd.array(["C1"] * n, dtype="str"),
            "order_date": pd.to_datetime(["2024-01-05"] * n),
            "amount": np.ones(n),
            "line_no": np.ones(n, dtype=np.int64),
        }
    )
    orders.loc[[10, 20, 30], "order_id"] = ["O0000001", "O0000002", "O0000002"]
    orders.loc[40, "line_no"] = 2  # O0000040 line 2: a new key, not a duplicate
    found = [p for p in validate({"customers": _customers(), "orders": orders}) if p.row]
    assert sorted((p.row, p.value) for p in found) == [
        (11, "O0000001 / 1"),
        (21, "O0000002 / 1"),
        (31, "O0000002 / 1"),
    ]
    assert {p.rule for p in found} == {"duplicate_key"}


def test_duplicate_screen_agrees_with_exact_comparison(monkeypatch):
    import workbench.validate as V

    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O1", None],
            "customer_id": ["C1", "C1", "C1", "C2"],
            "order_date": ["2024-01-05"] * 4,
            "amount": ["1"] * 4,
            "line_no": ["1", "2", "1", "1"],
        }
    )
    expected = validate({"customers": _customers(), "orders": orders}, files=FILES)
    monkeypatch.setattr(V, "_HASH_SCREEN_ROWS", 0)  # the hash screen on a tiny table
    got = validate({"customers": _customers(), "orders": orders}, files=FILES)
    assert [p.message for p in got] == [p.message for p in expected]
    assert [p.row for p in got if p.rule == "duplicate_key"] == [4]


def test_order_for_unknown_customer():
    orders = _orders(customer_id=["C1", "C9", "C3"])
    with pytest.raises(
        ValidationError,
        match=re.escape(
            "orders.csv row 3, column customer_id: 'C9' is not in customers.csv; "
            "add the customer to customers, or correct customer_id"
        ),
    ):
        check({"customers": _customers(), "orders": orders}, files=FILES)


def test_any_table_with_customer_id_is_checked():
    contacts = pd.DataFrame({"contact_id": ["K1"], "customer_id": ["C7"], "name": ["王"]})
    p = _one(
        validate({"customers": _customers(), "orders": _orders(), "contacts": contacts}),
        "unknown_customer",
    )
    assert p.message.startswith(
        "contacts record 1 (1-based), column customer_id: 'C7' is not in customers"
    )


def test_negative_quantity_not_marked_as_return():
    orders = _orders(
        quantity=["1", "-2", "-1"], is_return=["false", "no", "true"], amount=["100", "-250", "-80"]
    )
    problems = validate({"customers": _customers(), "orders": orders}, files=FILES)
    p = _one(problems, "negative_not_return")  # row 4 is a return: fine
    assert p.message == (
        "orders.csv row 3, column quantity: '-2' is negative but the line is not marked as a "
        "return; mark the line as a return (is_return = true) or correct the sign"
    )


def test_negative_amount_not_marked_as_return():
    orders = _orders(amount=["100", "-250", "80"])
    p = _one(
        validate({"customers": _customers(), "orders": orders}, files=FILES), "negative_not_return"
    )
    assert (p.row, p.column, p.value) == (3, "amount", "-250")


def test_date_after_as_of():
    orders = _orders(order_date=["2024-01-05", "2024-06-30", "2024-07-01"])
    p = _one(
        validate({"customers": _customers(), "orders": orders}, as_of="2024-06-30", files=FILES),
        "future_date",
    )
    assert p.message == (
        "orders.csv row 4, column order_date: '2024-07-01' is after as_of 2024-06-30; "
        "correct the date, or pass a later as_of (--as-of) if the data is newer"
    )


def test_deadlines_may_lie_after_as_of():
    rec = pd.DataFrame(
        {
            "invoice_id": ["I1"],
            "customer_id": ["C1"],
            "issue_date": ["2024-06-01"],
            "due_date": ["2024-09-01"],
            "amount": ["10"],
        }
    )
    assert (
        validate(
            {"customers": _customers(), "orders": _orders(), "receivables": rec}, as_of="2024-06-30"
        )
        == []
    )


def test_empty_table():
    follow = pd.DataFrame(columns=["follow_up_id", "customer_id", "date"])
    problems = validate(
        {"customers": _customers(), "orders": _orders(), "follow_ups": follow},
        files={"follow_ups": "follow_ups.csv"},
    )
    p = _one(problems, "empty_table")
    assert p.message == (
        "follow_ups.csv: table follow_ups has no rows; "
        "export the data again, or remove the file if the table is not kept"
    )
    with pytest.raises(ValidationError, match="orders.csv: table orders has no rows"):
        check(
            {"customers": _customers(), "orders": _orders().iloc[:0]},
            policy="quarantine",
            files=FILES,
        )


def test_value_outside_allowed_values():
    contacts = pd.DataFrame(
        {
            "contact_id": ["K1", "K2"],
            "customer_id": ["C1", "C2"],
            "name": ["王", "李"],
            "role": ["Decision_Maker", "boss"],
        }
    )
    problems = validate(
        {"customers": _customers(), "orders": _orders(), "contacts": contacts},
        files={"contacts": "contacts.csv"},
    )
    p = _one(problems, "not_allowed_value")
    assert p.message == (
        "contacts.csv row 3, column role: 'boss' is not one of the allowed values of "
        "contacts.role; use one of: decision_maker, leader, supporter, neutral, opponent; or "
        'translate your values in the mapping file ([contacts.values.role] "your value" = "...")'
    )


def test_record_numbers_for_frames_without_file():
    orders = _orders(amount=["1", "x", "3"])
    p = _one(validate({"customers": _customers(), "orders": orders}), "unparseable_number")
    assert p.message.startswith("orders record 2 (1-based), column amount: 'x'")
    assert p.row == 2


def test_ids_stay_strings_with_leading_zeros():
    customers = pd.DataFrame({"customer_id": ["007", "010"], "name": ["a", "b"]})
    orders = pd.DataFrame(
        {
            "order_id": [1, 2],
            "customer_id": ["007", "010"],
            "order_date": ["2024-01-01"] * 2,
            "amount": [1, 2],
        }
    )
    res = check({"customers": customers, "orders": orders})
    assert res.tables["customers"]["customer_id"].tolist() == ["007", "010"]
    assert res.tables["orders"]["order_id"].tolist() == ["1", "2"]


def test_quarantine_keeps_good_rows_and_explains_bad_ones():
    orders = _orders(order_date=["2024-01-05", "not yet", "2024-03-15"])
    res = check({"customers": _customers(), "orders": orders}, policy="quarantine", files=FILES)
    assert res.tables["orders"]["order_id"].tolist() == ["O1", "O3"]
    q = res.quarantine["orders"]
    assert q["_row"].tolist() == [3]
    assert q["order_date"].tolist() == ["not yet"]  # the value as found
    assert q["_problem"].iloc[0].startswith("column order_date: 'not yet' is not a date")
    assert len(res.tables["orders"]) + len(q) == len(orders)  # no row lost


def test_quarantined_customer_cascades_to_its_orders():
    customers = _customers(created_date=["2020-01-01", "someday", "2021-05-01"])
    res = check({"customers": customers, "orders": _orders()}, policy="quarantine", files=FILES)
    assert res.tables["customers"]["customer_id"].tolist() == ["C1", "C3"]
    assert res.quarantine["orders"]["order_id"].tolist() == ["O2"]
    msg = res.quarantine["orders"]["_problem"].iloc[0]
    assert msg == (
        "column customer_id: 'C2' is a customer set aside by validation (customers.csv row 3); "
        "add the customer to customers, or correct customer_id"
    )
    # without quarantine the bad customer still counts as known: one problem, not two
    rules = [p.rule for p in validate({"customers": customers, "orders": _orders()})]
    assert rules == ["unparseable_date"]


def test_error_lists_first_20_then_and_n_more():
    n = 25
    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "name": ["x"] * n})
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(n)],
            "customer_id": [f"C{i}" for i in range(n)],
            "order_date": ["bad"] * n,
            "amount": ["1"] * n,
        }
    )
    with pytest.raises(ValidationError) as info:
        check({"customers": customers, "orders": orders}, files=FILES)
    text = str(info.value)
    assert text.startswith("25 problems found:")
    assert text.count("\n  - ") == 20
    assert text.endswith("and 5 more")
    assert isinstance(info.value, ValueError)


def test_many_similar_problems_are_summarised_but_counted():
    n = 1000
    customers = pd.DataFrame({"customer_id": ["C1"], "name": ["x"]})
    orders = pd.DataFrame(
        {
            "order_id": np.arange(n).astype(str),
            "customer_id": ["C1"] * n,
            "order_date": ["bad"] * n,
            "amount": ["1"] * n,
        }
    )
    res = check({"customers": customers, "orders": orders}, policy="quarantine", files=FILES)
    assert sum(p.count for p in res.problems) == n
    assert len(res.quarantine["orders"]) == n
    assert res.problems[-1].count == n - 100
    assert res.problems[-1].message.startswith("orders.csv, column order_date: 900 more rows like")


def test_problem_is_frozen():
    p = Problem("orders", "orders.csv", 2, "amount", "x", "unparseable_number", "m", "f")
    with pytest.raises(AttributeError):
        p.row = 3  # type: ignore[misc]


def test_write_quarantine(tmp_path):
    orders = _orders(amount=["1", "x", "3"])
    res = check({"customers": _customers(), "orders": orders}, policy="quarantine", files=FILES)
    ds = Dataset(res.tables, "test", res.quarantine, res.problems)
    paths = write_quarantine(ds, tmp_path / "q")
    assert [p.name for p in paths] == ["orders.quarantine.csv"]
    back = pd.read_csv(paths[0], encoding="utf-8-sig", dtype=str)
    assert back.columns[:2].tolist() == ["_row", "_problem"]
    assert back["_row"].tolist() == ["3"] and back["amount"].tolist() == ["x"]


def test_unknown_table_and_policy():
    with pytest.raises(ValueError, match="unknown table 'order'; the data model has: customers"):
        check({"order": _orders()})
    with pytest.raises(ValueError, match="unknown policy 'drop'; use 'raise' or 'quarantine'"):
        check({"customers": _customers(), "orders": _orders()}, policy="drop")
