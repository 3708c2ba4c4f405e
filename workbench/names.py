"""Canonical column names, documented in one place.

Two vocabularies meet in this project and must never be confused:

* **RFM** (Arthur Hughes; seed 000 §二.3) looks at the customer *from today*:

  ``rfm_recency``
      time since the last purchase (``as_of - last_purchase``), in the time unit
      (days by default). Small is good; it scores 5.
  ``rfm_frequency``
      number of purchases (distinct purchase days by default, or orders). A one-time
      buyer has ``rfm_frequency == 1``.
  ``rfm_monetary``
      total value bought (revenue by default).

* **Buy-till-you-die models** (BG/NBD, Pareto/NBD, Gamma-Gamma; ``lifetimes`` and
  ``pymc-marketing`` conventions) look at the customer *from their first purchase*:

  ``frequency``
      number of **repeat** purchases (purchase periods after the first), so a one-time
      buyer has ``frequency == 0``.
  ``recency``
      **age of the customer at the last purchase** (``last_purchase - first_purchase``),
      0 for one-time buyers. Large is good.
  ``T``
      age of the customer at ``as_of`` (``as_of - first_purchase``).
  ``monetary_value``
      mean value of the **repeat** purchases (0 when there is none).

So ``rfm_frequency == frequency + 1`` and ``rfm_recency == T - recency`` always hold
for a customer with at least one purchase. Other per-customer outputs:

``customer_id``, ``first_purchase``, ``last_purchase``, ``n_orders``, ``revenue``,
``avg_purchase_value`` (revenue / rfm_frequency), ``profit``, ``r_score``, ``f_score``,
``m_score``, ``rfm_cell`` (e.g. ``"555"``), ``segment_en`` (R ``rfm`` scheme),
``segment_zh`` (Chinese 8-class scheme), ``abc_class``, ``pyramid``, ``lifecycle_tier``,
``active_quarters_4`` (how many of the four rolling 91-day quarters before ``as_of`` hold a
purchase; "loyal" needs 4), ``dormant_permanent`` (dormant for longer than the permanent
threshold). The CLV models add ``p_alive``, ``expected_purchases`` (over the horizon),
``expected_spend`` (per purchase) and ``clv`` (discounted value over the horizon).
"""

from __future__ import annotations

__all__ = [
    "CUSTOMER_ID",
    "ORDER_ID",
    "ORDER_DATE",
    "AMOUNT",
    "COST",
    "QUANTITY",
    "PRODUCT_ID",
    "FIRST_PURCHASE",
    "LAST_PURCHASE",
    "RFM_RECENCY",
    "RFM_FREQUENCY",
    "RFM_MONETARY",
    "FREQUENCY",
    "RECENCY",
    "T",
    "MONETARY_VALUE",
    "N_ORDERS",
    "REVENUE",
    "AVG_PURCHASE_VALUE",
    "PROFIT",
    "R_SCORE",
    "F_SCORE",
    "M_SCORE",
    "RFM_CELL",
    "SEGMENT_EN",
    "SEGMENT_ZH",
    "ABC_CLASS",
    "PYRAMID",
    "LIFECYCLE_TIER",
    "ACTIVE_QUARTERS_4",
    "DORMANT_PERMANENT",
    "P_ALIVE",
    "EXPECTED_PURCHASES",
    "EXPECTED_SPEND",
    "CLV",
]

# transaction inputs (defaults of the ``*_col`` parameters)
CUSTOMER_ID = "customer_id"
ORDER_ID = "order_id"
ORDER_DATE = "order_date"
AMOUNT = "amount"
COST = "cost"
QUANTITY = "quantity"
PRODUCT_ID = "product_id"

# per-customer outputs
FIRST_PURCHASE = "first_purchase"
LAST_PURCHASE = "last_purchase"
RFM_RECENCY = "rfm_recency"
RFM_FREQUENCY = "rfm_frequency"
RFM_MONETARY = "rfm_monetary"
FREQUENCY = "frequency"
RECENCY = "recency"
T = "T"
MONETARY_VALUE = "monetary_value"
N_ORDERS = "n_orders"
REVENUE = "revenue"
AVG_PURCHASE_VALUE = "avg_purchase_value"
PROFIT = "profit"
R_SCORE = "r_score"
F_SCORE = "f_score"
M_SCORE = "m_score"
RFM_CELL = "rfm_cell"
SEGMENT_EN = "segment_en"
SEGMENT_ZH = "segment_zh"
ABC_CLASS = "abc_class"
PYRAMID = "pyramid"
LIFECYCLE_TIER = "lifecycle_tier"
ACTIVE_QUARTERS_4 = "active_quarters_4"
DORMANT_PERMANENT = "dormant_permanent"

# CLV model outputs
P_ALIVE = "p_alive"
EXPECTED_PURCHASES = "expected_purchases"
EXPECTED_SPEND = "expected_spend"
CLV = "clv"
