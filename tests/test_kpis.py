"""Tests of workbench.kpis: seed 004's CRM KPIs on a period, computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.kpis import KPI_COLUMNS, customer_dimension, period_kpis
from workbench.tiers import LifecycleRules

START, END = "2025-01-01", "2025-12-31"


def orders() -> pd.DataFrame:
    rows = [
        # customer, date, amount, cost, department
        ("a", "2024-06-01", 30.0, 10.0, "X"),  # new at start, nothing since: dormant at end
        ("b", "2024-11-01", 10.0, 5.0, "X"),  # repeat at start ...
        ("b", "2024-12-01", 10.0, 5.0, "X"),
        ("b", "2025-03-01", 100.0, 60.0, "Y"),  # ... still repeat at end; most revenue in Y
        ("c", "2024-12-15", 20.0, 10.0, "X"),  # new at start ...
        ("c", "2025-06-01", 200.0, 150.0, "X"),  # ... repeat at end: upgraded
        ("d", "2025-02-01", 50.0, 20.0, "Y"),  # first purchase inside the period: new
        ("e", "2023-01-01", 500.0, 100.0, "X"),  # dormant at start (731 days) ...
        ("e", "2025-05-01", 80.0, 100.0, "Y"),  # ... back in the period: reactivated
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "cost", "department"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    df["order_id"] = [f"o{i}" for i in range(len(df))]
    return df


def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list("abcdep"), "region": ["N", "N", "S", "S", "S", "N"]})


def test_period_kpis_overall_hand_case():
    k = period_kpis(orders(), customers(), start=START, end=END).iloc[0]
    assert list(k.index) == list(KPI_COLUMNS)
    # bought before the start: a, b, c, e; of them active (not dormant): a, b, c
    assert (k["customers_start"], k["active_start"], k["customers_end"]) == (4, 3, 5)
    assert (k["new_customers"], k["new_rate"]) == (1, 1 / 5)  # d, over 5 customers at end
    assert (k["lost_customers"], k["lost_rate"]) == (1, 1 / 4)  # a
    assert (k["upgraded_customers"], k["upgraded_rate"]) == (1, 1 / 4)  # c: new -> repeat
    assert k["reactivated_customers"] == 1  # e: dormant -> repeat is not an upgrade
    # period orders: b 100-60, c 200-150, d 50-20, e 80-100
    assert (k["buyers"], k["revenue"], k["profit"], k["avg_profit"]) == (4, 430.0, 100.0, 25.0)


def test_period_kpis_by_order_dimension_uses_majority_revenue():
    k = period_kpis(orders(), customers(), start=START, end=END, by="department")
    k = k.set_index("department")
    assert list(k.index) == ["X", "Y"]  # a, c, e in X (e: 500 of 580); b, d in Y
    x, y = k.loc["X"], k.loc["Y"]
    assert (x["customers_start"], x["active_start"], x["customers_end"]) == (3, 2, 3)
    assert (x["lost_customers"], x["lost_rate"]) == (1, 1 / 3)
    assert (x["upgraded_customers"], x["reactivated_customers"]) == (1, 1)
    assert (x["buyers"], x["profit"], x["avg_profit"]) == (2, 30.0, 15.0)
    assert (y["customers_start"], y["customers_end"], y["new_customers"], y["new_rate"]) == (
        1,
        2,
        1,
        0.5,
    )
    assert (y["lost_customers"], y["upgraded_customers"], y["avg_profit"]) == (0, 0, 35.0)


def test_period_kpis_by_customer_attribute():
    k = period_kpis(orders(), customers(), start=START, end=END, by="region").set_index("region")
    assert k.loc["N", "customers_start"] == 2 and k.loc["N", "lost_customers"] == 1  # a, b
    assert k.loc["S", "new_customers"] == 1 and k.loc["S", "upgraded_customers"] == 1  # d; c
    assert "p" not in k.index and len(k) == 2  # the prospect counts nowhere


def test_period_kpis_rules_and_errors():
    # with 200 dormant days, c (last bought 2025-06-01) is dormant at the end: lost too
    k = period_kpis(orders(), start=START, end=END, rules=LifecycleRules(dormant_days=200))
    assert k.loc[0, "lost_customers"] == 2
    with pytest.raises(ValueError, match="ends .* before it starts"):
        period_kpis(orders(), start=END, end=START)
    with pytest.raises(ValueError, match="cannot group KPIs by 'channel'"):
        period_kpis(orders(), start=START, end=END, by="channel")


def test_period_kpis_without_cost_has_no_profit():
    k = period_kpis(orders().drop(columns="cost"), start=START, end=END).iloc[0]
    assert k["revenue"] == 430.0 and pd.isna(k["profit"]) and pd.isna(k["avg_profit"])


def test_customer_dimension_ties_go_to_the_first_value():
    o = pd.DataFrame(
        {"customer_id": ["a", "a"], "outlet": ["north", "east"], "amount": [10.0, 10.0]}
    )
    assert customer_dimension(o, "outlet").to_dict() == {"a": "east"}
