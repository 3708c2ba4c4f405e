"""Tests of the sample-data generator: determinism, the data model, and the shape of the data.

The lifecycle tiers and RFM cells are computed here by hand with plain pandas from the rules
of domain.md §3, independently of the metrics and tiers modules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench import sample
from workbench.cli import main
from workbench.schema import TABLES

END = pd.Timestamp(sample.DEFAULT_END)
ROOT = Path(__file__).resolve().parent.parent
# Deadlines and due dates may lie after the end; every other date is an event.
NOT_EVENTS = {("opportunities", "protection_deadline"), ("receivables", "due_date")}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return sample.generate()


@pytest.fixture(scope="module")
def purchases(tables) -> pd.DataFrame:
    o = tables["orders"]
    return o[~o["is_return"]]


def test_chinese_new_year_dates():
    assert sample.chinese_new_year(2024) == dt.date(2024, 2, 10)
    assert sample.chinese_new_year(2025) == dt.date(2025, 1, 29)
    assert sample.chinese_new_year(2026) == dt.date(2026, 2, 17)


def test_generate_is_deterministic_and_seeded():
    a = sample.generate(customers=150, years=2, seed=3)
    b = sample.generate(customers=150, years=2, seed=3)
    c = sample.generate(customers=150, years=2, seed=4)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["orders"].equals(c["orders"])


def test_write_twice_gives_identical_bytes(tmp_path):
    p1 = sample.write(tmp_path / "a", customers=150, years=2, seed=3)
    p2 = sample.write(tmp_path / "b", customers=150, years=2, seed=3)
    assert [p.name for p in p1] == [f"{name}.csv" for name in TABLES]
    for x, y in zip(p1, p2, strict=True):
        assert x.read_bytes() == y.read_bytes()


def test_committed_sample_equals_fresh_write(tmp_path, tables):
    committed = ROOT / "data" / "sample"
    sample._write_tables(tmp_path, tables)  # = sample.write(tmp_path), without regenerating
    for name in TABLES:
        fresh = (tmp_path / f"{name}.csv").read_bytes()
        assert (committed / f"{name}.csv").read_bytes() == fresh, (
            f"data/sample/{name}.csv differs from the generator: run `make sample`"
        )
    size = sum(p.stat().st_size for p in committed.glob("*.csv"))
    assert size < 10_000_000


def test_csv_format(tmp_path):
    sample.write(tmp_path, customers=100, years=1, seed=1)
    raw = (tmp_path / "orders.csv").read_bytes()
    assert b"\r\n" not in raw and raw.endswith(b"\n")
    head = raw.decode("utf-8").splitlines()
    assert head[0] == ",".join(TABLES["orders"].column_names)
    first = head[1].split(",")
    assert len(first[2]) == 10 and first[2][4] == "-"  # ISO date
    assert first[-1] in {"true", "false"}
    assert "NaT" not in (tmp_path / "campaigns.csv").read_text(encoding="utf-8")


def test_every_table_has_the_schema_columns_in_order(tables):
    assert list(tables) == list(TABLES)
    for name, spec in TABLES.items():
        assert list(tables[name].columns) == spec.column_names, name
        assert len(tables[name]) > 0, name


def test_keys_unique_and_required_columns_filled(tables):
    for name, spec in TABLES.items():
        df = tables[name]
        assert not df.duplicated(list(spec.key)).any(), name
        for col in spec.required_columns:
            assert df[col].notna().all(), (name, col)
        for col in spec.columns:
            if col.values:
                present = set(df[col.name].dropna()) - {""}
                assert present <= set(col.values), (name, col.name, present - set(col.values))


def test_references_resolve(tables):
    for name, spec in TABLES.items():
        for col, target in spec.references.items():
            t, c = target.split(".")
            values = tables[name][col]
            values = values[values.notna() & (values != "")]
            assert values.isin(tables[t][c]).all(), (name, col)
    contacts = tables["contacts"]
    fu = tables["follow_ups"]
    pair = fu[["customer_id", "contact_id"]].merge(contacts, on=["customer_id", "contact_id"])
    assert len(pair) == len(fu)  # the contact reached works for the customer
    dm = tables["opportunities"]["decision_maker"]
    assert dm[dm != ""].isin(contacts.loc[contacts.role == "decision_maker", "contact_id"]).all()


def test_no_event_after_end(tables):
    for name, spec in TABLES.items():
        for col in spec.columns:
            if col.dtype == "date" and (name, col.name) not in NOT_EVENTS:
                assert tables[name][col.name].max() <= END, (name, col.name)
    start = END - pd.Timedelta(days=round(365.25 * 3) - 1)
    assert tables["orders"]["order_date"].min() >= start


def test_returns_are_marked_and_negative(tables):
    o = tables["orders"]
    r = o[o.is_return]
    assert 50 < len(r) < 0.05 * len(o)
    assert (r.quantity < 0).all() and (r.amount < 0).all()
    assert (o.loc[~o.is_return, "quantity"] > 0).all()
    assert set(o.groupby("order_id").size()) == {1, 2, 3}


def test_products_have_categories_and_usage_cycles(tables):
    p = tables["products"]
    assert 25 <= len(p) <= 40
    cons = p[p.category == "consumables"]
    assert cons.usage_days.between(30, 180).all() and len(cons) >= 8
    assert (p.loc[p.category == "equipment", "usage_days"] >= 1000).all()
    assert (p.unit_cost < p.unit_price).all()


def test_organisation(tables):
    o = tables["orders"]
    assert o.company.nunique() >= 4 and o.department.nunique() >= 8
    assert o.salesperson.nunique() >= 20 and o.outlet.nunique() >= 10
    assert o.company.str.endswith("分公司").all()


def test_value_concentration_top20(purchases, tables):
    rev = tables["orders"].groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    share = rev.iloc[: round(0.2 * len(rev))].sum() / rev.sum()
    assert 0.70 <= share <= 0.85


def test_prospects_have_no_orders_and_all_man_combinations(tables):
    c = tables["customers"]
    buyers = set(tables["orders"].customer_id)
    prospects = c[c.is_prospect]
    assert not prospects.customer_id.isin(buyers).any()
    assert c.loc[~c.is_prospect, "customer_id"].isin(buyers).all()
    combos = prospects[["man_money", "man_authority", "man_need"]].drop_duplicates()
    assert len(combos) == 8


def test_referrals_point_to_earlier_customers(tables):
    c = tables["customers"].set_index("customer_id")
    ref = c[c.source == "referral"]
    assert len(ref) > 100 and (ref.referrer_id != "").all()
    assert (c.loc[c.source != "referral", "referrer_id"] == "").all()
    referrer = c.loc[ref.referrer_id]
    assert (referrer.created_date.to_numpy() < ref.created_date.to_numpy()).all()
    assert (~referrer.is_prospect).all()


def _lifecycle_tiers(customers, purchases, as_of) -> pd.Series:
    """domain.md §3.1 by hand: counts of purchase days, dormancy, the last 4 quarters."""
    days = purchases.groupby("customer_id")["order_date"].agg(["nunique", "max"])
    quarters = purchases.order_date.dt.to_period("Q")
    last4 = pd.period_range(end=as_of.to_period("Q"), periods=4, freq="Q")
    in_last4 = purchases[quarters.isin(last4)].assign(q=quarters)
    n_quarters = in_last4.groupby("customer_id")["q"].nunique().reindex(days.index, fill_value=0)
    dormant = days["max"] <= as_of - pd.Timedelta(days=365)
    n = days["nunique"]
    tier = np.select(
        [dormant, n == 1, n < 10, n_quarters == 4],
        ["dormant", "new", "repeat", "loyal"],
        "mature",
    )
    out = pd.Series("potential", index=customers.customer_id)
    out[days.index] = tier
    return out


def test_all_six_lifecycle_tiers_occur(tables, purchases):
    tiers = _lifecycle_tiers(tables["customers"], purchases, END).value_counts()
    assert set(tiers.index) == {"potential", "new", "repeat", "mature", "loyal", "dormant"}
    assert tiers.min() >= 30


def test_rfm_quintiles_fill_all_125_cells(tables, purchases):
    days = purchases.groupby("customer_id")["order_date"].agg(["nunique", "max"])
    money = tables["orders"].groupby("customer_id")["amount"].sum().reindex(days.index)
    recency = (END - days["max"]).dt.days

    def score(s: pd.Series) -> pd.Series:
        return pd.qcut(s.rank(method="first"), 5, labels=False) + 1

    cells = pd.DataFrame({"R": score(-recency), "F": score(days["nunique"]), "M": score(money)})
    assert len(cells.drop_duplicates()) == 125


def test_chinese_new_year_dip(purchases):
    per_day = purchases.groupby("order_date")["order_id"].nunique()
    per_day = per_day.reindex(pd.date_range(END - pd.Timedelta(days=1095), END), fill_value=0)
    for year in (2024, 2025, 2026):
        cny = pd.Timestamp(sample.chinese_new_year(year))
        holiday = per_day[cny - pd.Timedelta(days=2) : cny + pd.Timedelta(days=7)].mean()
        assert holiday < 0.3 * per_day.mean(), year


def test_contacts_roles_and_birthdays(tables):
    ct = tables["contacts"]
    assert set(ct.role) == {"decision_maker", "leader", "supporter", "neutral", "opponent"}
    assert ct.birthday.between("1960-01-01", "2000-12-31").all()
    assert ct.customer_id.nunique() == len(tables["customers"])


def test_follow_up_gaps(tables):
    c = tables["customers"]
    never = ~c.customer_id.isin(tables["follow_ups"].customer_id)
    assert 0.05 <= never.mean() <= 0.15


def test_requirements_library(tables):
    rq = tables["requirements"]
    cjk = rq.description.str.contains(r"[\u4e00-\u9fff]")
    assert 0.4 < cjk.mean() < 0.8  # both languages
    assert rq.loc[~cjk, "description"].str.match(r"^[\x20-\x7e]+$").all()
    assert rq.description.str.contains("移动端审批").any()
    assert rq.description.str.contains("SSO integration with our AD").any()
    assert set(rq.type) == {"product", "related", "restrictive"}
    assert {"training", "hardware", "database"} <= set(rq.loc[rq.type == "related", "category"])
    assert {"qualification", "acceptance"} <= set(rq.loc[rq.type == "restrictive", "category"])
    assert 0.12 <= (rq.category == "").mean() <= 0.28
    assert {"sales", "implementation", "service"} <= set(rq.source)
    decided = rq.status != "new"
    assert rq.loc[decided, "decided_date"].notna().all()
    assert rq.loc[~decided, "decided_date"].isna().all()
    assert (rq.loc[decided, "decided_date"] >= rq.loc[decided, "date"]).all()
    # near-duplicates: the same need from many different customers
    assert rq.groupby("description").customer_id.nunique().max() >= 10


def test_opportunities_protection_deadlines(tables):
    op = tables["opportunities"]
    is_open = op.closed_date.isna()
    assert set(op.loc[is_open, "stage"]) <= {"lead", "qualified", "proposal", "negotiation"}
    assert set(op.loc[~is_open, "stage"]) == {"won", "lost"}
    deadline = op.loc[is_open, "protection_deadline"]
    assert ((deadline > END) & (deadline <= END + pd.Timedelta(days=30))).sum() >= 10
    assert (deadline < END).sum() >= 10
    prospects = tables["customers"].loc[lambda c: c.is_prospect, "customer_id"]
    assert not op.loc[op.stage == "won", "customer_id"].isin(prospects).any()


def test_receivables_overdue_tail(tables):
    rc = tables["receivables"]
    assert (rc.paid_amount <= rc.amount).all() and (rc.due_date > rc.issue_date).all()
    overdue = (rc.due_date < END) & (rc.paid_amount < rc.amount)
    long_overdue = overdue & (rc.due_date < END - pd.Timedelta(days=180))
    assert 0.03 < overdue.mean() < 0.2 and long_overdue.sum() >= 20


def test_complaints_outcomes_and_repurchase(tables, purchases):
    cm = tables["complaints"]
    assert set(cm.outcome) == {"resolved", "unresolved"}
    assert cm.loc[cm.outcome == "resolved", "resolved_date"].notna().all()
    assert cm.loc[cm.outcome == "unresolved", "resolved_date"].isna().all()
    last = purchases.groupby("customer_id")["order_date"].max()
    again = last.reindex(cm.customer_id).to_numpy() > cm.date.to_numpy()
    rate = pd.Series(again).groupby(cm.outcome.to_numpy()).mean()
    assert rate["resolved"] > rate["unresolved"] + 0.15


@pytest.mark.parametrize(
    ("approach", "lo", "hi"),
    [("mass", 0.02, 0.05), ("information", 0.01, 0.03), ("differentiated", 0.06, 0.15),
     ("relationship", 0.18, 0.30)],
    ids=["mass", "information", "differentiated", "relationship"],
)  # fmt: skip
def test_campaign_response_rates_in_the_documents_ranges(tables, approach, lo, hi):
    cp = tables["campaigns"]
    rate = cp.loc[cp.approach == approach, "responded"].mean()
    assert lo <= rate <= hi
    assert cp.loc[cp.responded, "response_date"].notna().all()


def test_lost_customers(tables, purchases):
    lr = tables["lost_reasons"]
    assert len(lr) >= 50 and set(lr.reason) == set(TABLES["lost_reasons"].column("reason").values)
    assert not (lr.won_back & ~lr.win_back_attempted).any()
    back = lr[lr.won_back]
    assert len(back) >= 5
    after = purchases.merge(back[["customer_id", "lost_date"]], on="customer_id")
    bought_again = after[after.order_date > after.lost_date].customer_id.unique()
    assert set(bought_again) == set(back.customer_id)


def test_generate_rejects_tiny_input():
    with pytest.raises(ValueError, match="customers=5 is too small"):
        sample.generate(customers=5)


def test_large_order_log():
    t = sample.generate_orders(5000, seed=1)
    assert t.num_rows == 5000
    assert t.column_names == TABLES["orders"].column_names
    df = t.to_pandas()
    assert df.order_date.dtype == "datetime64[us]"
    assert not df.duplicated(["order_id", "line_no"]).any()
    assert df.order_date.max() <= END
    assert 150 <= df.customer_id.nunique() <= 5000 // 28 + 1
    assert ((df.quantity < 0) == df.is_return).all() and ((df.amount < 0) == df.is_return).all()
    rev = df.groupby("customer_id").amount.sum().sort_values(ascending=False)
    assert rev.iloc[: round(0.2 * len(rev))].sum() / rev.sum() > 0.6


def test_parquet_log_streams_the_same_rows(tmp_path):
    path = sample.write_orders_parquet(
        tmp_path / "o.parquet", 2500, seed=5, chunk_rows=1000, row_group_size=500
    )
    meta = pq.read_metadata(path)
    assert (
        meta.num_rows == 2500 and meta.num_row_groups == 5
    )  # 1000 + 1000 + 500 rows in groups of 500
    expected = sample.generate_orders(2500, seed=5, chunk_rows=1000)
    assert pq.read_table(path).equals(expected)
    ids = expected.column("order_id").to_pandas()
    lines = expected.column("line_no").to_pandas()
    assert not pd.DataFrame({"o": ids, "l": lines}).duplicated().any()


def test_cli_writes_sample_and_order_log(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "s"), "--customers", "100", "--years", "1"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "s" / "orders.csv") in out
    pq_path = tmp_path / "o.parquet"
    assert main(["sample", "--orders", "2000", "--parquet", str(pq_path)]) == 0
    assert pq.read_metadata(pq_path).num_rows == 2000
    assert main(["sample", "--orders", "2000"]) == 2
