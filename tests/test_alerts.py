"""Reminders: hand-computed cases at day boundaries (the day before, of, after)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.alerts import (
    ALERT_KINDS,
    DEFAULT_CONFIG,
    AlertConfig,
    follow_up_overdue,
    greetings,
    never_purchased,
    opportunity_deadlines,
    receivables_ageing,
    receivables_kanban,
    repurchase_overdue,
    used_up_products,
)

D = pd.Timestamp


def _orders(rows):
    return pd.DataFrame(
        rows, columns=["customer_id", "order_date", "product_id", "quantity"]
    ).assign(order_date=lambda d: pd.to_datetime(d["order_date"]))


PRODUCTS = pd.DataFrame(
    {
        "product_id": ["ink", "toner", "printer"],
        "category": ["consumable", "consumable", "equipment"],
        "usage_days": [30.0, 45.0, None],  # the printer has no usage cycle
    }
)


# --- used-up products --------------------------------------------------------------------
# c1 bought 2 units of ink on 2024-01-15 -> lasts 60 days -> runs out 2024-03-15 (leap year:
# Jan 15 + 16 days = Jan 31, + 29 = Feb 29, + 15 = Mar 15). Lead time 14 days -> the reminder
# shows from 2024-03-01 on; the day before (Feb 29) it does not.
@pytest.mark.parametrize(
    ("as_of", "fires", "days"),
    [
        ("2024-02-29", False, None),
        ("2024-03-01", True, 14),
        ("2024-03-02", True, 13),
        ("2024-03-15", True, 0),
        ("2024-05-14", True, -60),  # last day of the grace period
        ("2024-05-15", False, None),
    ],
    ids=["day-before-lead", "first-day", "day-after", "run-out-day", "grace-end", "past-grace"],
)
def test_used_up_day_boundaries_in_a_leap_year(as_of, fires, days):
    orders = _orders([("c1", "2024-01-15", "ink", 2)])
    out = used_up_products(orders, PRODUCTS, as_of=as_of)
    assert (len(out) == 1) is fires
    if fires:
        row = out.iloc[0]
        assert row["customer_id"] == "c1" and row["kind"] == "used_up"
        assert row["due_date"] == D("2024-03-15")
        assert row["days"] == days


def test_used_up_cancelled_by_later_purchase_of_product_or_category():
    orders = _orders(
        [
            ("c1", "2024-01-15", "ink", 2),
            ("c1", "2024-03-05", "toner", 1),
            ("c2", "2024-01-15", "ink", 2),
        ]
    )
    by_product = used_up_products(orders, PRODUCTS, as_of="2024-03-10")
    # ink still runs out for c1 and c2 (toner is another product); c1's toner runs out Apr 19
    assert sorted(by_product["customer_id"] + ":" + by_product["product_id"]) == [
        "c1:ink",
        "c2:ink",
    ]
    by_cat = used_up_products(
        orders, PRODUCTS, as_of="2024-03-10", config=AlertConfig(used_up_match="category")
    )
    # with category matching the toner bought later covers c1's consumables until Apr 19
    assert list(by_cat["customer_id"]) == ["c2"]


def test_products_without_usage_days_never_trigger():
    orders = _orders([("c1", "2020-01-01", "printer", 1)])
    assert used_up_products(orders, PRODUCTS, as_of="2024-01-01").empty


def test_used_up_uses_the_units_of_the_last_purchase_day():
    # two lines on the same day add up: 1 + 2 units = 90 days; 2023 is not a leap year
    orders = _orders([("c1", "2023-01-01", "ink", 1), ("c1", "2023-01-01", "ink", 2)])
    out = used_up_products(orders, PRODUCTS, as_of="2023-04-01")
    assert out.iloc[0]["due_date"] == D("2023-04-01") and out.iloc[0]["days"] == 0


# --- follow-up ---------------------------------------------------------------------------
CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["k", "m", "n", "x", "z"],
        "name": ["Key", "Mature", "New", "Other", "Never"],
        "created_date": pd.to_datetime(
            ["2020-01-01", "2020-01-01", "2024-05-20", "2020-01-01", "2024-05-01"]
        ),
    }
)
TIERS = pd.DataFrame(
    {
        "customer_id": ["k", "m", "n", "x", "z"],
        "lifecycle_tier": ["loyal", "mature", "new", "dormant", "potential"],
        "first_purchase": pd.to_datetime(
            ["2020-02-01", "2020-02-01", "2024-05-25", "2020-02-01", None]
        ),
    }
)


def _fu(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


@pytest.mark.parametrize(
    ("tier_customer", "last", "limit"),
    [
        ("k", "2024-05-17", 14),
        ("m", "2024-05-01", 30),
        ("n", "2024-05-24", 7),
        ("x", "2024-03-02", 90),
    ],
    ids=["loyal-14", "mature-30", "new-7", "other-90"],
)
def test_follow_up_threshold_per_tier_at_the_boundary(tier_customer, last, limit):
    fu = _fu([(c, last) for c in "kmnx"])
    last_ts = D(last)
    on_limit = last_ts + pd.Timedelta(days=limit)  # exactly `limit` days: not yet overdue
    after = on_limit + pd.Timedelta(days=1)

    def fired(as_of):
        out = follow_up_overdue(CUSTOMERS, fu, as_of=as_of, tiers=TIERS)
        return tier_customer in set(out.loc[out["kind"] == "follow_up_overdue", "customer_id"])

    assert not fired(on_limit - pd.Timedelta(days=1))
    assert not fired(on_limit)
    assert fired(after)
    out = follow_up_overdue(CUSTOMERS, fu, as_of=after, tiers=TIERS)
    row = out.set_index("customer_id").loc[tier_customer]
    assert row["days"] == limit + 1 and row["threshold"] == limit


def test_new_customer_gets_the_short_limit_only_in_the_first_month():
    fu = _fu([("n", "2024-05-26")])
    # 2024-06-26 is 32 days after the first purchase (May 25): 'other' limit 90 applies
    out = follow_up_overdue(
        CUSTOMERS[CUSTOMERS.customer_id == "n"], fu, as_of="2024-06-26", tiers=TIERS
    )
    assert out.empty
    out = follow_up_overdue(
        CUSTOMERS[CUSTOMERS.customer_id == "n"], fu, as_of="2024-06-03", tiers=TIERS
    )
    assert list(out["customer_id"]) == ["n"] and out.iloc[0]["threshold"] == 7


def test_never_followed_up_lists_customers_without_any_record():
    fu = _fu([("k", "2024-06-01"), ("m", "2024-06-01"), ("n", "2024-06-01"), ("x", "2024-06-01")])
    out = follow_up_overdue(CUSTOMERS, fu, as_of="2024-06-10", tiers=TIERS)
    never = out[out["kind"] == "never_followed_up"]
    assert list(never["customer_id"]) == ["z"]
    assert never.iloc[0]["days"] == 40  # created 2024-05-01
    # with no follow-up table at all everyone created by then is 'never followed up'
    out = follow_up_overdue(CUSTOMERS, None, as_of="2024-05-19")
    assert sorted(out["customer_id"]) == ["k", "m", "x", "z"]  # n is created on 05-20


# --- repurchase --------------------------------------------------------------------------
def test_repurchase_own_rhythm_boundary():
    # purchase days every 10 days -> median gap 10 -> interval 15 -> fires from day 16
    o = _orders([("a", d, "ink", 1) for d in ["2024-01-01", "2024-01-11", "2024-01-21"]])
    assert repurchase_overdue(o, as_of="2024-02-05").empty  # day 15
    out = repurchase_overdue(o, as_of="2024-02-06")
    assert out.iloc[0]["days"] == 16 and out.iloc[0]["due_date"] == D("2024-02-05")


def test_repurchase_falls_back_to_tier_default_with_too_few_gaps():
    o = _orders([("n", "2024-05-25", "ink", 1), ("n", "2024-05-25", "toner", 1)])
    cfg = DEFAULT_CONFIG
    limit = cfg.repurchase_default_days["new"]  # 60
    day = D("2024-05-25") + pd.Timedelta(days=limit)
    assert repurchase_overdue(o, as_of=day, tiers=TIERS).empty
    out = repurchase_overdue(o, as_of=day + pd.Timedelta(days=1), tiers=TIERS)
    assert list(out["customer_id"]) == ["n"] and out.iloc[0]["interval"] == 60


def test_never_purchased_and_no_orders_at_all():
    o = _orders([("k", "2024-01-01", "ink", 1)])
    out = never_purchased(CUSTOMERS, o, as_of="2024-06-01")
    assert sorted(out["customer_id"]) == ["m", "n", "x", "z"]
    empty = _orders([])
    assert len(never_purchased(CUSTOMERS, empty, as_of="2024-06-01")) == 5
    assert repurchase_overdue(empty, as_of="2024-06-01").empty


# --- greetings ---------------------------------------------------------------------------
CONTACTS = pd.DataFrame(
    {
        "contact_id": ["p1", "p2", "p3"],
        "customer_id": ["k", "m", "k"],
        "name": ["Leap Li", "Wang", "Zhao"],
        "birthday": pd.to_datetime(["1988-02-29", "1990-03-05", "1979-12-31"]),
        "role": ["supporter", "decision_maker", "decision_maker"],
    }
)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2023-02-21", []),  # window Feb 21-27: no birthday
        ("2023-02-22", [("p1", "2023-02-28", 6)]),  # common year: Feb 29 -> Feb 28
        ("2023-02-28", [("p1", "2023-02-28", 0), ("p2", "2023-03-05", 5)]),
        ("2023-03-01", [("p2", "2023-03-05", 4)]),  # day after: p1 passed
        ("2024-02-29", [("p1", "2024-02-29", 0), ("p2", "2024-03-05", 5)]),  # leap year
        ("2023-12-28", [("p3", "2023-12-31", 3)]),
        ("2023-12-31", [("p3", "2023-12-31", 0)]),
    ],
    ids=[
        "none",
        "feb29-common-year",
        "feb28",
        "day-after",
        "leap-year",
        "year-end",
        "new-year-eve",
    ],
)
def test_birthdays_in_the_next_seven_days(as_of, expected):
    out = greetings(CONTACTS, as_of=as_of)
    b = out[out["kind"] == "birthday"]
    got = [(r.contact_id, r.due_date.date().isoformat(), r.days) for r in b.itertuples()]
    assert got == expected


def test_holidays_come_from_the_library_and_address_the_decision_maker():
    # National Day, 1 October 2024, is in the window 2024-09-28 .. 2024-10-04
    out = greetings(CONTACTS, as_of="2024-09-28", customers=CUSTOMERS, tiers=TIERS)
    h = out[out["kind"] == "holiday"]
    assert set(h["due_date"]) == {D("2024-10-01")}
    assert h.iloc[0]["days"] == 3
    # holiday greetings go to the tiers in holiday_tiers: loyal k, mature m, new n
    assert sorted(h["customer_id"]) == ["k", "m", "n"]
    assert h.set_index("customer_id").loc["k", "contact_id"] == "p3"  # decision-maker first
    # no holiday on 2024-07-01..07
    out = greetings(CONTACTS, as_of="2024-07-01", customers=CUSTOMERS, tiers=TIERS)
    assert (out["kind"] == "holiday").sum() == 0


# --- receivables -------------------------------------------------------------------------
REC = pd.DataFrame(
    {
        "invoice_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
        "customer_id": ["k", "k", "m", "m", "x", "x"],
        "issue_date": pd.to_datetime(["2024-01-01"] * 6),
        "due_date": pd.to_datetime(
            ["2024-06-30", "2024-06-29", "2024-05-31", "2024-05-01", "2024-03-01", "2024-06-01"]
        ),
        "amount": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
        "paid_amount": [0.0, 50.0, 0.0, 0.0, 0.0, 600.0],  # i6 is fully paid
        "owner": ["Li", "Li", "Wang", "Wang", "Li", "Li"],
    }
)


def test_receivables_kanban_buckets_at_their_edges():
    k = receivables_kanban(REC, as_of="2024-06-30").set_index("invoice_id")
    # days overdue: i1 0 -> not due; i2 1 -> 1-30; i3 30 -> 1-30; i4 60 -> 31-60; i5 121 -> >90
    assert k["days"].to_dict() == {"i1": 0, "i2": 1, "i3": 30, "i4": 60, "i5": 121}
    assert k["bucket"].astype(str).to_dict() == {
        "i1": "not_due",
        "i2": "1-30",
        "i3": "1-30",
        "i4": "31-60",
        "i5": ">90",
    }
    assert k.loc["i2", "open_amount"] == 150.0
    assert "i6" not in k.index


def test_receivables_ageing_totals_add_up():
    a = receivables_ageing(REC, as_of="2024-06-30")
    assert a.set_index("bucket")["amount"].to_dict() == {
        "not_due": 100.0,
        "1-30": 450.0,
        "31-60": 400.0,
        "61-90": 0.0,
        ">90": 500.0,
    }
    by_owner = receivables_ageing(REC, as_of="2024-06-30", by="owner")
    assert by_owner.groupby("owner")["amount"].sum().to_dict() == {"Li": 750.0, "Wang": 700.0}
    # the seed's kanban: 100 open tails of 100,000 each are 10,000,000
    tails = pd.DataFrame(
        {
            "invoice_id": [f"t{i}" for i in range(100)],
            "customer_id": "c",
            "issue_date": D("2024-01-01"),
            "due_date": D("2024-02-01"),
            "amount": 100_000.0,
        }
    )
    assert receivables_ageing(tails, as_of="2024-06-30")["amount"].sum() == 10_000_000


# --- opportunities -----------------------------------------------------------------------
OPP = pd.DataFrame(
    {
        "opportunity_id": ["o1", "o2", "o3", "o4"],
        "customer_id": ["k", "m", "n", "x"],
        "created_date": pd.to_datetime(["2024-05-01", "2024-05-01", "2024-01-01", "2024-01-01"]),
        "stage": ["proposal", "negotiation", "qualified", "won"],
        "protection_deadline": pd.to_datetime(["2024-06-14", "2024-06-15", None, "2024-06-02"]),
        "owner": ["Li", "Wang", "Li", "Li"],
        "amount": [1.0, 2.0, 3.0, 4.0],
    }
)


def test_opportunity_deadline_window_boundary_and_stale():
    out = opportunity_deadlines(OPP, as_of="2024-05-31")
    dl = out[out["kind"] == "opportunity_deadline"]
    # 14 days: 2024-06-14 is in, 2024-06-15 is out; the won opportunity never shows
    assert list(dl["opportunity_id"]) == ["o1"] and dl.iloc[0]["days"] == 14
    st = out[out["kind"] == "opportunity_stale"]
    assert list(st["opportunity_id"]) == ["o3"]  # open 151 days, no follow-up
    fu = _fu([("n", "2024-05-20")])
    out = opportunity_deadlines(OPP, as_of="2024-05-31", follow_ups=fu)
    assert (out["kind"] == "opportunity_stale").sum() == 0


def test_config_overrides_from_strings_and_unknown_names():
    cfg = DEFAULT_CONFIG.replace(follow_up_days="loyal=10,new=5", greeting_days="3")
    assert cfg.follow_up_days["loyal"] == 10 and cfg.follow_up_days["mature"] == 30
    assert cfg.greeting_days == 3
    with pytest.raises(ValueError, match="unknown alert threshold 'greeting'"):
        DEFAULT_CONFIG.replace(greeting=3)


# --- on the sample data ------------------------------------------------------------------
AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def sample_worklist(sample):
    from workbench.alerts import worklist

    return worklist(sample, as_of=AS_OF)


@pytest.fixture(scope="module")
def sample_alerts(sample):
    from workbench.alerts import _all_alerts
    from workbench.metrics import customer_summary
    from workbench.tiers import lifecycle_tiers

    tiers = lifecycle_tiers(customer_summary(sample.orders, as_of=AS_OF), sample.customers)
    return _all_alerts(
        sample, as_of=pd.Timestamp(AS_OF), tiers=tiers, config=DEFAULT_CONFIG, lang="en"
    )


def test_every_reminder_kind_fires_for_some_and_not_all_on_the_sample(sample, sample_alerts):
    n = sample.customers["customer_id"].nunique()
    by_kind = sample_alerts.groupby("kind")["customer_id"].nunique()
    # holidays need a window with one: tested below on 2026-09-28
    for kind in set(ALERT_KINDS) - {"holiday"}:
        assert 0 < by_kind.get(kind, 0) < n, kind


def test_holiday_greetings_on_the_sample(sample):
    out = greetings(sample.get("contacts"), as_of="2026-09-28", customers=sample.customers)
    assert 0 < (out["kind"] == "holiday").sum()
    assert set(out.loc[out.kind == "holiday", "due_date"]) == {D("2026-10-01")}


def test_sample_counts_match_an_independent_count(sample, sample_alerts, sample_worklist):
    as_of = D(AS_OF)
    c, f = sample.customers, sample.follow_ups
    never_fu = set(c.loc[~c.customer_id.isin(f.loc[f.date <= as_of, "customer_id"]), "customer_id"])
    if "created_date" in c.columns:
        never_fu -= set(c.loc[c.created_date > as_of, "customer_id"])
    got = set(sample_alerts.loc[sample_alerts.kind == "never_followed_up", "customer_id"])
    assert got == never_fu
    buyers = set(sample.orders.loc[sample.orders.order_date <= as_of, "customer_id"])
    got = set(sample_alerts.loc[sample_alerts.kind == "never_purchased", "customer_id"])
    assert got == set(c.customer_id) - buyers
    r = sample.receivables
    open_ = r.amount - r.paid_amount.fillna(0) > 0
    late = open_ & (r.due_date < as_of) & (r.issue_date <= as_of)
    got = sample_alerts[sample_alerts.kind == "receivable_overdue"]
    assert len(got) == late.sum()
    # the worklist holds each (owner, customer) once, with every alert of that customer
    assert not sample_worklist.duplicated(["owner", "customer_id"]).any()
    assert sample_worklist["n_alerts"].sum() == len(sample_alerts)
    assert set(sample_worklist.customer_id) == set(sample_alerts.customer_id)
    # ranked by value within each owner
    for _, g in sample_worklist.groupby("owner"):
        assert list(g["rank"]) == list(range(1, len(g) + 1))
        assert g["value"].is_monotonic_decreasing


def test_worklist_for_one_owner_and_the_cli(sample_dir, sample_worklist, tmp_path):
    from workbench.cli import main

    owner = sample_worklist["owner"].value_counts().index[0]
    out = tmp_path / "wl.csv"
    assert (
        main(["alerts", str(sample_dir), "--as-of", AS_OF, "--out", str(out), "--owner", owner])
        == 0
    )
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert set(got["owner"]) == {owner}
    assert len(got) == (sample_worklist["owner"] == owner).sum()
    # a threshold from the command line changes the list
    out2 = tmp_path / "wl2.csv"
    args = ["alerts", str(sample_dir), "--as-of", AS_OF, "--out", str(out2), "--owner", owner]
    assert (
        main(
            [
                *args,
                "--set",
                "follow_up_days",
                "other=100000,loyal=100000,mature=100000,repeat=100000,new=100000",
            ]
        )
        == 0
    )
    got2 = pd.read_csv(out2, encoding="utf-8-sig")
    assert "follow_up_overdue" not in " ".join(got2["kinds"])


def test_reasons_come_in_both_languages():
    fu = _fu([("k", "2024-05-01")])
    en = follow_up_overdue(CUSTOMERS.iloc[:1], fu, as_of="2024-06-01", tiers=TIERS)
    zh = follow_up_overdue(CUSTOMERS.iloc[:1], fu, as_of="2024-06-01", tiers=TIERS, lang="zh")
    assert en.iloc[0]["reason"] == "31 days without follow-up (limit 14)"
    assert zh.iloc[0]["reason"] == "已 31 天未跟踪（上限 14 天）"
    k = receivables_kanban(REC, as_of="2024-06-30", lang="zh").set_index("invoice_id")
    assert k.loc["i5", "reason"] == "未收 500.00，逾期 121 天"
