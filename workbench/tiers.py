"""Per-customer scoring and tiering: RFM, segments, ABC/pyramid/Pareto, lifecycle, MAN.

Every function takes the per-customer table of :func:`workbench.metrics.customer_summary`
(one row per customer, column names from :mod:`workbench.names`) or a table of customers
and returns a new frame with canonical columns added; the input is never modified.

Business rules are data: the segment tables, the lifecycle thresholds, the ABC cut-offs and
the MAN action tables are module-level defaults that a caller replaces by passing their own.
User-facing names (segment and tier labels, en and zh) live in ``workbench/labels/tiers.toml``
and ``core.toml``; the functions return stable English ids unless a ``lang`` is given.

Overview
--------
``rfm_scores``         R, F, M scores 1..bins by quantiles and the cell code ("555").
``rfm_segments``       the R ``rfm`` scheme (``segment_en``) and the Chinese 8-class scheme
                       (``segment_zh``).
``abc_classes``        A/B/C by cumulative value or by count.
``value_pyramid``      key, major, general, maintained, invalid.
``pareto_summary``     share of the top 20 %, Lorenz points, Gini.
``lifecycle_tiers``    potential, new, repeat, mature, loyal, dormant.
``tier_migration``     transitions between two dates.
``tier_actions``       each lifecycle tier's problems and actions (seed 001).
``man_class``          MAN qualification of prospects; ``man_actions`` (seeds 000 and 003).
``opportunity_pipeline`` / ``opportunities_past_deadline``  the sales pipeline.
``rfm_table``          everything above for one summary, one row per customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from workbench import names as N
from workbench.labels import check_lang, labels
from workbench.schema import OPPORTUNITY_STAGES

__all__ = [
    "TierInputError",
    "UNIT_DAYS",
    "SegmentRule",
    "RFM_SEGMENTS_EN",
    "RFM_SEGMENTS_ZH",
    "SEGMENT_EN_IDS",
    "SEGMENT_ZH_IDS",
    "rfm_scores",
    "rfm_segments",
    "ABC_CUTOFFS",
    "PYRAMID_CUTOFFS",
    "PYRAMID_IDS",
    "abc_classes",
    "value_pyramid",
    "ParetoSummary",
    "pareto_summary",
    "LifecycleRules",
    "LIFECYCLE_RULES",
    "TIER_ORDER",
    "TIER_RANK",
    "lifecycle_tiers",
    "tier_migration",
    "TIER_ACTIONS",
    "tier_actions",
    "MAN_CLASSES",
    "MAN_ACTIONS_000",
    "MAN_ACTIONS_003",
    "man_class",
    "man_actions",
    "opportunity_pipeline",
    "opportunities_past_deadline",
    "rfm_table",
]

MAN_CLASS = "man_class"
DORMANT_PERMANENT = N.DORMANT_PERMANENT
ACTIVE_QUARTERS = N.ACTIVE_QUARTERS_4


class TierInputError(ValueError):
    """A table given to a scoring or tiering function lacks a column or holds bad values."""


# ---------------------------------------------------------------------------------------------
# helpers


def _require(df: pd.DataFrame, cols: Iterable[str], what: str, fix: str = "") -> None:
    """Raise :class:`TierInputError` naming the columns of ``what`` that ``df`` lacks."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        hint = fix or (
            "pass the output of workbench.metrics.customer_summary, or name your columns "
            "with the *_col parameters"
        )
        raise TierInputError(
            f"{what} has no column {', '.join(repr(c) for c in missing)} "
            f"(it has: {', '.join(map(str, df.columns[:20]))}); {hint}"
        )


def _values(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    """Return column ``col`` as float64, refusing missing values."""
    x = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(x)
    if bad.any():
        ids = df.loc[bad, N.CUSTOMER_ID].head(3).tolist() if N.CUSTOMER_ID in df else []
        raise TierInputError(
            f"{what} column {col!r} has {int(bad.sum())} missing or non-numeric values "
            f"(e.g. customers {ids}); fill or drop them before scoring"
        )
    return x


def _id_codes(ids: pd.Series) -> np.ndarray:
    """Return integer codes that sort like the customer ids (the deterministic tie-breaker)."""
    codes, _ = pd.factorize(ids.astype("string"), sort=True)
    return codes


#: Days per time unit of a customer summary's recency (``customer_summary(time_unit=...)``);
#: :data:`workbench.clv.TIME_UNITS` extends it with the month.
UNIT_DAYS: Mapping[str, float] = MappingProxyType({"D": 1.0, "W": 7.0})


def _unit_days(time_unit: str) -> float:
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"unknown time_unit {time_unit!r}; use 'D' (days) or 'W' (weeks)")
    return UNIT_DAYS[time_unit]


def _check_bins(bins: int) -> int:
    if not isinstance(bins, int | np.integer) or bins < 2:
        raise ValueError(f"bins must be an integer of at least 2, got {bins!r}")
    return int(bins)


# ---------------------------------------------------------------------------------------------
# RFM scores


def _score_by_value(x: np.ndarray, bins: int, higher_is_better: bool) -> np.ndarray:
    """Score = 1 + floor(bins * share of customers strictly worse); equal values, equal score.

    Only ``bins - 1`` order statistics are needed, found with ``np.partition`` in O(n).
    """
    n = x.size
    score = np.ones(n, dtype=np.int64)
    if n == 0:
        return score
    # customers strictly worse needed to reach score k + 1: ceil(k * n / bins)
    need = [-(-k * n // bins) for k in range(1, bins)]
    kth = sorted({(c - 1) if higher_is_better else (n - c) for c in need if c > 0})
    part = np.partition(x, kth) if kth else x
    for c in need:
        if c == 0:
            score += 1
        elif higher_is_better:  # #{v < x} >= c  <=>  c-th smallest < x
            score += part[c - 1] < x
        else:  # #{v > x} >= c  <=>  c-th largest > x
            score += part[n - c] > x
    return score


def _score_first(x: np.ndarray, codes: np.ndarray, bins: int, higher_is_better: bool) -> np.ndarray:
    """Score = 1 + floor(bins * rank / n), rank by value then by customer id (dplyr ``ntile``)."""
    n = x.size
    order = np.lexsort((codes, x if higher_is_better else -x))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return 1 + (bins * rank) // max(n, 1)


def rfm_scores(
    summary: pd.DataFrame,
    *,
    bins: int = 5,
    recency_col: str = N.RFM_RECENCY,
    frequency_col: str = N.RFM_FREQUENCY,
    monetary_col: str = N.RFM_MONETARY,
    ties: Literal["value", "first"] = "value",
    customer_col: str = N.CUSTOMER_ID,
) -> pd.DataFrame:
    """Score recency, frequency and monetary value 1..``bins`` by quantiles.

    Recent, frequent and high-spending customers score ``bins`` (5): a *small*
    ``rfm_recency`` scores high. Each score is computed on its own (independent binning).

    Ties (``ties``):

    ``"value"`` (default)
        A customer's score depends on their value only: ``1 + floor(bins * s)`` where
        ``s`` is the share of customers strictly worse (smaller F or M, larger recency).
        Equal values always get the same score, whatever the row order or the ids. With
        distinct values the bins hold equal counts; with many ties bins are skipped: when
        60 % of customers bought once, they all get F = 1 and a customer who bought twice
        (better than 60 %) gets F = 4. That is what a quantile says, and the lowest value
        always scores 1. The R ``rfm`` package's ``rfm_table_customer`` also keeps ties
        together (it cuts the values at their quantiles), so its one-time buyers likewise
        share one score.
    ``"first"``
        Equal-count bins as dplyr's ``ntile``: rank by value, then by
        ``customer_id`` (ascending, as strings), score ``1 + floor(bins * rank / n)``.
        Deterministic, but equal values may get different scores, which for F mostly
        spreads one-time buyers over scores 1-3 by their id.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer, with the three value columns and ``customer_id``.
    bins : int, default 5
        Number of classes per score (5 gives 125 cells).
    recency_col, frequency_col, monetary_col : str
        Value columns; RFM recency is time since the last purchase.
    ties : {"value", "first"}, default "value"
        Tie handling, see above.
    customer_col : str, default "customer_id"
        Customer id, the tie-breaker of ``ties="first"``.

    Returns
    -------
    pandas.DataFrame
        ``summary`` with ``r_score``, ``f_score``, ``m_score`` (int64, 1..bins) and
        ``rfm_cell`` (categorical, e.g. ``"555"``; digits joined by ``-`` when bins > 9).

    Raises
    ------
    TierInputError
        If a column is missing or holds missing values.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                   "rfm_recency": [1, 10, 100, 200, 300],
    ...                   "rfm_frequency": [9, 1, 1, 2, 3],
    ...                   "rfm_monetary": [50, 40, 30, 20, 10]})
    >>> rfm_scores(s)[["customer_id", "r_score", "f_score", "m_score", "rfm_cell"]]
      customer_id  r_score  f_score  m_score rfm_cell
    0           a        5        5        5      555
    1           b        4        1        4      414
    2           c        3        1        3      313
    3           d        2        3        2      232
    4           e        1        4        1      141
    """
    bins = _check_bins(bins)
    if ties not in ("value", "first"):
        raise ValueError(f"ties must be 'value' or 'first', got {ties!r}")
    cols = [recency_col, frequency_col, monetary_col]
    _require(summary, cols + ([customer_col] if ties == "first" else []), "the customer summary")
    r, f, m = (_values(summary, c, "the customer summary") for c in cols)
    if ties == "value":
        rs = _score_by_value(r, bins, higher_is_better=False)
        fs = _score_by_value(f, bins, higher_is_better=True)
        ms = _score_by_value(m, bins, higher_is_better=True)
    else:
        codes = _id_codes(summary[customer_col])
        rs = _score_first(r, codes, bins, higher_is_better=False)
        fs = _score_first(f, codes, bins, higher_is_better=True)
        ms = _score_first(m, codes, bins, higher_is_better=True)
    sep = "" if bins <= 9 else "-"
    grid = np.arange(1, bins + 1)
    cats = [f"{a}{sep}{b}{sep}{c}" for a in grid for b in grid for c in grid]
    cell = pd.Categorical.from_codes(((rs - 1) * bins + (fs - 1)) * bins + (ms - 1), cats)
    return summary.assign(
        **{
            N.R_SCORE: rs,
            N.F_SCORE: fs,
            N.M_SCORE: ms,
            N.RFM_CELL: pd.Series(cell, index=summary.index),
        }
    )


# ---------------------------------------------------------------------------------------------
# RFM segments


@dataclass(frozen=True)
class SegmentRule:
    """One named segment of the score-range scheme: inclusive score ranges of R, F and M.

    Parameters
    ----------
    segment : str
        Stable id (label key ``segment_en.<id>``).
    r, f, m : tuple of int
        Inclusive ``(low, high)`` ranges of ``r_score``, ``f_score``, ``m_score``.
    """

    segment: str
    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]


#: The R ``rfm`` package vignette's segments (domain.md §3.3); the first match wins.
RFM_SEGMENTS_EN: tuple[SegmentRule, ...] = (
    SegmentRule("champions", (5, 5), (5, 5), (5, 5)),
    SegmentRule("potential_loyalist", (3, 5), (3, 5), (2, 5)),
    SegmentRule("loyal_customers", (2, 4), (2, 4), (2, 4)),
    SegmentRule("promising", (3, 4), (1, 3), (3, 5)),
    SegmentRule("new_customers", (4, 5), (1, 3), (1, 5)),
    SegmentRule("cant_lose_them", (1, 2), (3, 4), (4, 5)),
    SegmentRule("at_risk", (1, 2), (2, 5), (4, 5)),
    SegmentRule("need_attention", (1, 3), (3, 5), (3, 5)),
    SegmentRule("about_to_sleep", (2, 3), (1, 3), (1, 4)),
    SegmentRule("lost", (1, 1), (1, 5), (1, 5)),
)
OTHERS = "others"

#: The Chinese 8-class scheme: (recent, frequent, high monetary) -> segment id.
RFM_SEGMENTS_ZH: Mapping[tuple[bool, bool, bool], str] = MappingProxyType(
    {
        (True, True, True): "important_value",  # 重要价值
        (True, False, True): "important_development",  # 重要发展
        (False, True, True): "important_retention",  # 重要保持
        (False, False, True): "important_winback",  # 重要挽留
        (True, True, False): "general_value",  # 一般价值
        (True, False, False): "general_development",  # 一般发展
        (False, True, False): "general_retention",  # 一般保持
        (False, False, False): "general_winback",  # 一般挽留
    }
)

SEGMENT_EN_IDS: tuple[str, ...] = tuple(r.segment for r in RFM_SEGMENTS_EN) + (OTHERS,)
SEGMENT_ZH_IDS: tuple[str, ...] = tuple(RFM_SEGMENTS_ZH.values())

Split = Literal["mean_raw", "mean_score"] | Mapping[str, float]


def _segment_en(scored: pd.DataFrame, rules: Sequence[SegmentRule]) -> pd.Categorical:
    r, f, m = (scored[c].to_numpy() for c in (N.R_SCORE, N.F_SCORE, N.M_SCORE))
    ids = [rule.segment for rule in rules]
    ids += [OTHERS] if OTHERS not in ids else []
    conds = [
        (r >= x.r[0])
        & (r <= x.r[1])
        & (f >= x.f[0])
        & (f <= x.f[1])
        & (m >= x.m[0])
        & (m <= x.m[1])
        for x in rules
    ]
    codes = np.select(conds, [ids.index(x.segment) for x in rules], default=ids.index(OTHERS))
    return pd.Categorical.from_codes(codes, ids)


def _high_flags(scored: pd.DataFrame, split: Split, cols: tuple[str, str, str]):
    """Return boolean arrays (recent, frequent, high monetary) for the Chinese scheme."""
    rc, fc, mc = cols
    if isinstance(split, Mapping):
        missing = [k for k in ("recency", "frequency", "monetary") if k not in split]
        if missing:
            raise ValueError(
                f"split cut-offs lack {', '.join(missing)}; pass e.g. "
                "{'recency': 90, 'frequency': 3, 'monetary': 1000}"
            )
        r, f, m = (_values(scored, c, "the scored summary") for c in cols)
        return r <= split["recency"], f >= split["frequency"], m >= split["monetary"]
    if split == "mean_raw":
        r, f, m = (_values(scored, c, "the scored summary") for c in cols)
        return r < r.mean(), f > f.mean(), m > m.mean()
    if split == "mean_score":
        _require(scored, [N.R_SCORE, N.F_SCORE, N.M_SCORE], "the scored summary", "run rfm_scores")
        r, f, m = (scored[c].to_numpy(dtype="float64") for c in (N.R_SCORE, N.F_SCORE, N.M_SCORE))
        return r > r.mean(), f > f.mean(), m > m.mean()
    raise ValueError(
        f"unknown split {split!r}; use 'mean_raw', 'mean_score' or a dict of cut-offs "
        "{'recency': ..., 'frequency': ..., 'monetary': ...}"
    )


def rfm_segments(
    scored: pd.DataFrame,
    *,
    scheme_en: Sequence[SegmentRule] | None = None,
    scheme_zh: Mapping[tuple[bool, bool, bool], str] | None = None,
    split: Split = "mean_raw",
    lang: str | None = None,
    recency_col: str = N.RFM_RECENCY,
    frequency_col: str = N.RFM_FREQUENCY,
    monetary_col: str = N.RFM_MONETARY,
) -> pd.DataFrame:
    """Name RFM segments in two schemes: the R ``rfm`` package's and the Chinese 8-class one.

    ``segment_en``: the first rule of ``scheme_en`` whose R, F and M score ranges all hold
    wins; customers no rule matches are ``"others"``. ``segment_zh``: each of R, F, M is
    high or low against a split, and ``scheme_zh`` maps the three flags to a segment
    (重要 = high M; 价值 recent+frequent, 发展 recent+infrequent, 保持 far+frequent,
    挽留 far+infrequent).

    The split (``split``):

    ``"mean_raw"`` (default)
        The means of the raw values. *Recent* means ``rfm_recency`` strictly **below** its
        mean (fewer days since the last purchase); frequent / high means strictly above
        the mean. (The widely copied snippet that calls recency above the mean "high"
        turns far customers into recent ones and swaps 发展 with 挽留.)
    ``"mean_score"``
        The means of ``r_score``, ``f_score``, ``m_score``; high means strictly above the
        mean (scores already point the right way: a high R score is recent).
    dict ``{"recency": d, "frequency": f, "monetary": m}``
        Business cut-offs on the raw values, inclusive on the good side: recent when
        ``rfm_recency <= d``, frequent when ``rfm_frequency >= f``, high when
        ``rfm_monetary >= m``.

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`rfm_scores` (scores plus raw values).
    scheme_en : sequence of SegmentRule, optional
        Rules in priority order; default :data:`RFM_SEGMENTS_EN`.
    scheme_zh : mapping, optional
        ``(recent, frequent, high_monetary) -> id``; default :data:`RFM_SEGMENTS_ZH`.
    split : {"mean_raw", "mean_score"} or dict, default "mean_raw"
        How R, F, M are split into high and low for ``segment_zh``.
    lang : {"en", "zh"}, optional
        Return labels in this language instead of ids (ids without a label stay ids).
    recency_col, frequency_col, monetary_col : str
        Raw value columns used by the ``mean_raw`` and cut-off splits.

    Returns
    -------
    pandas.DataFrame
        ``scored`` with categorical ``segment_en`` and ``segment_zh``.

    Raises
    ------
    TierInputError
        If the scores or the raw columns the split needs are missing.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b", "c"], "rfm_recency": [5, 20, 300],
    ...                   "rfm_frequency": [8, 1, 2], "rfm_monetary": [900, 100, 800],
    ...                   "r_score": [5, 4, 1], "f_score": [5, 1, 3], "m_score": [5, 1, 4]})
    >>> rfm_segments(s)[["segment_en", "segment_zh"]]
           segment_en           segment_zh
    0       champions      important_value
    1   new_customers  general_development
    2  cant_lose_them    important_winback
    >>> rfm_segments(s, lang="zh")["segment_zh"].tolist()
    ['重要价值客户', '一般发展客户', '重要挽留客户']
    """
    _require(scored, [N.R_SCORE, N.F_SCORE, N.M_SCORE], "the scored summary", "run rfm_scores")
    if isinstance(split, str) and split != "mean_score" or isinstance(split, Mapping):
        _require(scored, [recency_col, frequency_col, monetary_col], "the scored summary")
    rules = tuple(RFM_SEGMENTS_EN if scheme_en is None else scheme_en)
    zh_map = RFM_SEGMENTS_ZH if scheme_zh is None else scheme_zh
    en = _segment_en(scored, rules)
    rr, ff, mm = _high_flags(scored, split, (recency_col, frequency_col, monetary_col))
    zh_ids = list(dict.fromkeys(zh_map.values()))
    lut = np.empty(8, dtype=np.int64)
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                key = (bool(a), bool(b), bool(c))
                if key not in zh_map:
                    raise ValueError(f"scheme_zh has no segment for (recent, frequent, high)={key}")
                lut[a * 4 + b * 2 + c] = zh_ids.index(zh_map[key])
    zh = pd.Categorical.from_codes(lut[rr * 4 + ff * 2 + mm], zh_ids)
    if lang is not None:
        check_lang(lang)
        en_lab, zh_lab = labels("segment_en", lang), labels("segment_zh", lang)
        en = en.rename_categories([en_lab.get(c, c) for c in en.categories])
        zh = zh.rename_categories([zh_lab.get(c, c) for c in zh.categories])
    return scored.assign(
        **{
            N.SEGMENT_EN: pd.Series(en, index=scored.index),
            N.SEGMENT_ZH: pd.Series(zh, index=scored.index),
        }
    )


# ---------------------------------------------------------------------------------------------
# value tiers


#: Default ABC cut-offs per method: cumulative share of value, or share of customers.
ABC_CUTOFFS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {"cumulative": (0.5, 0.8), "count": (0.05, 0.2)}
)
#: Default pyramid cut-offs (key, major, general) per method; the rest are maintained.
PYRAMID_CUTOFFS: Mapping[str, tuple[float, float, float]] = MappingProxyType(
    {"cumulative": (0.5, 0.8, 0.95), "count": (0.05, 0.2, 0.5)}
)
PYRAMID_IDS: tuple[str, ...] = ("key", "major", "general", "maintained", "invalid")
_TOL = 1e-9


def _check_method(method: str) -> None:
    if method not in ("cumulative", "count"):
        raise ValueError(f"method must be 'cumulative' or 'count', got {method!r}")


def _rank_classes(
    summary: pd.DataFrame,
    value_col: str,
    method: str,
    cutoffs: Sequence[float],
    customer_col: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (class code 0..len(cutoffs), values) for the ABC-style ranking."""
    cuts = np.asarray(cutoffs, dtype="float64")
    if cuts.ndim != 1 or np.any(np.diff(cuts) <= 0) or cuts[0] <= 0 or cuts[-1] > 1:
        raise ValueError(f"cutoffs must increase within (0, 1], got {tuple(cutoffs)}")
    _require(summary, [value_col, customer_col], "the customer summary")
    v = _values(summary, value_col, "the customer summary")
    n = v.size
    order = np.argsort(-v, kind="stable")  # value desc; equal values fixed up below
    if method == "cumulative":
        pos = np.where(v > 0, v, 0.0)[order]
        total = pos.sum()
        before = np.cumsum(pos) - pos  # value of the customers ranked above
        share = before / total if total > 0 else np.ones(n)
        share = np.where(pos > 0, share, 1.0)  # no positive value: always the last class
    else:
        share = np.arange(n) / max(n, 1)
    code_sorted = np.searchsorted(cuts - _TOL, share, side="right")
    order = _ties_by_id(order, -v[order], code_sorted, summary[customer_col])
    code = np.empty(n, dtype=np.int64)
    code[order] = code_sorted
    return code, v


def _ties_by_id(
    order: np.ndarray, key_sorted: np.ndarray, code_sorted: np.ndarray, ids: pd.Series
) -> np.ndarray:
    """Within groups of equal values that straddle a class boundary, order by id ascending.

    Sorting every id would cost a string sort of all customers; only the few tie groups
    cut by a boundary can change a class, so only those are sorted.
    """
    cut = np.flatnonzero(code_sorted[1:] != code_sorted[:-1]) + 1
    cut = cut[key_sorted[cut] == key_sorted[cut - 1]]
    if cut.size == 0:
        return order
    order = order.copy()
    id_values = ids.astype("string").to_numpy(dtype=object, na_value="")
    for i in cut:
        lo = np.searchsorted(key_sorted, key_sorted[i], side="left")
        hi = np.searchsorted(key_sorted, key_sorted[i], side="right")
        members = order[lo:hi]
        order[lo:hi] = members[np.argsort(id_values[members], kind="stable")]
    return order


def abc_classes(
    summary: pd.DataFrame,
    *,
    value_col: str = N.PROFIT,
    method: Literal["cumulative", "count"] = "cumulative",
    cutoffs: Sequence[float] | None = None,
    customer_col: str = N.CUSTOMER_ID,
) -> pd.DataFrame:
    """Classify customers A (key), B (major), C (ordinary) by value.

    Customers are ranked by value (descending; equal values by ``customer_id`` ascending, so
    the result never depends on row order).

    ``method="cumulative"`` (cut-offs default ``(0.5, 0.8)``)
        A customer is A when the value of the customers ranked above them is below 50 % of
        the total, B when below 80 %: **the customer who crosses 50 % belongs to A** (they
        are needed to reach it). The total is the sum of *positive* values; customers with
        zero or negative value are always C.
    ``method="count"`` (cut-offs default ``(0.05, 0.2)``)
        The top 5 % of customers are A and the next 15 % B: customer at position ``i``
        (0-based) of ``n`` is A when ``i / n < 0.05``, so A holds ``ceil(0.05 n)``
        customers; ties at the boundary are split by id.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer.
    value_col : str, default "profit"
        Value to rank by (``"profit"`` or ``"revenue"``...).
    method : {"cumulative", "count"}, default "cumulative"
        See above.
    cutoffs : tuple of float, optional
        Upper bounds of A and B as shares; default from :data:`ABC_CUTOFFS`.
    customer_col : str, default "customer_id"
        Tie-breaker.

    Returns
    -------
    pandas.DataFrame
        ``summary`` with a categorical ``abc_class`` (``"A"``, ``"B"``, ``"C"``).

    Raises
    ------
    TierInputError
        If the value column is missing or has missing values.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcd"), "profit": [60.0, 25.0, 10.0, 5.0]})
    >>> abc_classes(s)["abc_class"].tolist()
    ['A', 'B', 'C', 'C']
    """
    _check_method(method)
    cuts = tuple(ABC_CUTOFFS[method] if cutoffs is None else cutoffs)
    if len(cuts) != 2:
        raise ValueError(f"ABC needs two cut-offs (end of A, end of B), got {cuts}")
    code, _ = _rank_classes(summary, value_col, method, cuts, customer_col)
    cls = pd.Categorical.from_codes(code, ["A", "B", "C"])
    return summary.assign(**{N.ABC_CLASS: pd.Series(cls, index=summary.index)})


def value_pyramid(
    summary: pd.DataFrame,
    *,
    value_col: str = N.PROFIT,
    method: Literal["cumulative", "count"] = "cumulative",
    cutoffs: Sequence[float] | None = None,
    customer_col: str = N.CUSTOMER_ID,
) -> pd.DataFrame:
    """Place customers in the value pyramid: key, major, general, maintained, invalid.

    Seed 002's pyramid: big customers (key 关键, major 主要) and small ones (general 一般,
    maintained 维持, invalid 无效). Ranking and boundaries work as in :func:`abc_classes`
    with three cut-offs: key and major are ABC's A and B; **general** continues to the
    third cut-off (default: 95 % of cumulative value, or the top 50 % of customers by
    count) and **maintained** is the rest of the profitable tail. **Invalid** overrides
    everything: value zero or negative.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer.
    value_col : str, default "profit"
        Value to rank by; invalid means ``value <= 0``.
    method : {"cumulative", "count"}, default "cumulative"
        See :func:`abc_classes`.
    cutoffs : tuple of 3 floats, optional
        Ends of key, major and general; default from :data:`PYRAMID_CUTOFFS`.
    customer_col : str, default "customer_id"
        Tie-breaker.

    Returns
    -------
    pandas.DataFrame
        ``summary`` with a categorical ``pyramid``.

    Raises
    ------
    TierInputError
        If the value column is missing or has missing values.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcde"),
    ...                   "profit": [50.0, 30.0, 15.0, 5.0, -2.0]})
    >>> value_pyramid(s)["pyramid"].tolist()
    ['key', 'major', 'general', 'maintained', 'invalid']
    """
    _check_method(method)
    cuts = tuple(PYRAMID_CUTOFFS[method] if cutoffs is None else cutoffs)
    if len(cuts) != 3:
        raise ValueError(f"the pyramid needs three cut-offs (key, major, general), got {cuts}")
    code, v = _rank_classes(summary, value_col, method, cuts, customer_col)
    code = np.where(v <= 0, 4, code)
    cls = pd.Categorical.from_codes(code, list(PYRAMID_IDS))
    return summary.assign(**{N.PYRAMID: pd.Series(cls, index=summary.index)})


@dataclass(frozen=True)
class ParetoSummary:
    """Concentration of value over customers.

    Attributes
    ----------
    top : float
        Share of customers called "top" (0.2).
    top_customers : int
        How many customers that is (``ceil(top * n)``).
    top_share : float
        Share of the total value held by them.
    gini : float
        Gini coefficient of the values (0 equal, towards 1 concentrated; can exceed 1
        when some values are negative).
    lorenz : pandas.DataFrame
        Lorenz curve points ``customer_share, value_share``, customers from the smallest
        value up, from (0, 0) to (1, 1).
    n_customers : int
        Customers counted.
    total : float
        Total value.
    """

    top: float
    top_customers: int
    top_share: float
    gini: float
    lorenz: pd.DataFrame
    n_customers: int
    total: float


def pareto_summary(
    summary: pd.DataFrame,
    value_col: str = N.PROFIT,
    *,
    top: float = 0.2,
    n_points: int | None = 101,
) -> ParetoSummary:
    """Summarise the 80/20 rule: the top customers' share of value, Lorenz curve, Gini.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer.
    value_col : str, default "profit"
        Value column.
    top : float, default 0.2
        Share of customers in the top group (rounded up to whole customers).
    n_points : int or None, default 101
        Lorenz points, evenly spaced in customers (exact at whole customers); None gives
        one point per customer.

    Returns
    -------
    ParetoSummary
        The figures and the Lorenz points.

    Raises
    ------
    TierInputError
        If the column is missing or the total value is not positive.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcd"), "profit": [0.0, 0.0, 0.0, 1.0]})
    >>> p = pareto_summary(s, top=0.25)
    >>> p.top_customers, p.top_share, p.gini
    (1, 1.0, 0.75)
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be a share in (0, 1], got {top}")
    _require(summary, [value_col], "the customer summary")
    v = np.sort(_values(summary, value_col, "the customer summary"))
    n, total = v.size, float(v.sum())
    if n == 0 or total <= 0:
        raise TierInputError(
            f"column {value_col!r} sums to {total} over {n} customers; the Pareto summary "
            "needs a positive total"
        )
    k = int(np.ceil(top * n - _TOL))
    top_share = float(v[n - k :].sum() / total)
    i = np.arange(1, n + 1)
    gini = float(((2 * i - n - 1) * v).sum() / (n * total))
    cum = np.concatenate([[0.0], np.cumsum(v)]) / total
    ks = np.arange(n + 1) if n_points is None else np.unique(np.rint(np.linspace(0, n, n_points)))
    ks = ks.astype(np.int64)
    lorenz = pd.DataFrame({"customer_share": ks / n, "value_share": cum[ks]})
    return ParetoSummary(top, k, top_share, gini, lorenz, n, total)


# ---------------------------------------------------------------------------------------------
# lifecycle tiers


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle tiers (domain.md §3.1); replace any to change a rule.

    Purchases are ``rfm_frequency`` (distinct purchase days by default), days are counted
    from the last purchase to ``as_of``.

    Parameters
    ----------
    repeat_min : int, default 2
        Purchases that make a repeat customer (new = 1 up to ``repeat_min - 1``).
    mature_min : int, default 10
        Purchases that make a mature customer ("about 10 successful transactions", seed 001).
    loyal_min : int, default 10
        Purchases a loyal customer needs besides being active every quarter.
    loyal_quarters : int, default 4
        Of the 4 quarters before ``as_of``, in how many a loyal customer bought (all 4).
    dormant_days : int, default 365
        No purchase for this many days or more: dormant (沉睡).
    permanent_days : int, default 730
        No purchase for this many days or more: ``dormant_permanent`` (永久性沉睡).
    """

    repeat_min: int = 2
    mature_min: int = 10
    loyal_min: int = 10
    loyal_quarters: int = 4
    dormant_days: float = 365
    permanent_days: float = 730

    def __post_init__(self) -> None:
        if not 2 <= self.repeat_min <= self.mature_min:
            raise ValueError(
                f"LifecycleRules needs 2 <= repeat_min <= mature_min, got {self.repeat_min}, "
                f"{self.mature_min}"
            )
        if not 0 < self.dormant_days <= self.permanent_days:
            raise ValueError("LifecycleRules needs 0 < dormant_days <= permanent_days")
        if not 0 <= self.loyal_quarters <= 4:
            raise ValueError("loyal_quarters counts quarters among the last 4: use 0..4")


LIFECYCLE_RULES = LifecycleRules()

#: Every lifecycle tier, in display order.
TIER_ORDER: tuple[str, ...] = ("potential", "new", "repeat", "mature", "loyal", "dormant")
#: Rank used for "upgraded": potential < new < repeat < mature < loyal. Dormant is a state
#: outside the ladder (a customer who stopped buying), so moves into or out of it are never
#: upgrades: going dormant is "lost", coming back is a reactivation.
TIER_RANK: Mapping[str, int] = MappingProxyType(
    {"potential": 0, "new": 1, "repeat": 2, "mature": 3, "loyal": 4}
)


def lifecycle_tiers(
    summary: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    rules: LifecycleRules = LIFECYCLE_RULES,
    customer_col: str = N.CUSTOMER_ID,
    frequency_col: str = N.RFM_FREQUENCY,
    recency_col: str = N.RFM_RECENCY,
    active_col: str = ACTIVE_QUARTERS,
    time_unit: str = "D",
) -> pd.DataFrame:
    """Assign each customer a lifecycle tier: potential, new, repeat, mature, loyal, dormant.

    Rules, first match wins (thresholds from ``rules``):

    1. potential: no purchase (in ``customers`` but not in ``summary``, or 0 purchases);
    2. dormant: last purchase ``dormant_days`` (365) or more days before ``as_of``;
       ``dormant_permanent`` is True from ``permanent_days`` (730);
    3. loyal: ``loyal_min`` (10) or more purchases and a purchase in each of the last
       ``loyal_quarters`` (4) quarters (``active_quarters_4`` of the summary);
    4. mature: ``mature_min`` (10) or more purchases;
    5. repeat: ``repeat_min`` (2) or more;
    6. new: one purchase.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`workbench.metrics.customer_summary`.
    customers : pandas.DataFrame, optional
        The customers table; its customers without a purchase are added as potential rows
        (summary columns missing).
    rules : LifecycleRules
        Thresholds.
    customer_col, frequency_col, recency_col, active_col : str
        Columns of ``summary``.
    time_unit : {"D", "W"}, default "D"
        Unit of ``recency_col`` (as given to ``customer_summary``).

    Returns
    -------
    pandas.DataFrame
        ``summary`` (plus prospect rows) with categorical ``lifecycle_tier`` (categories
        :data:`TIER_ORDER`) and boolean ``dormant_permanent``.

    Raises
    ------
    TierInputError
        If a column is missing.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcde"),
    ...                   "rfm_frequency": [1, 3, 12, 12, 5],
    ...                   "rfm_recency": [10, 20, 30, 5, 800],
    ...                   "active_quarters_4": [1, 2, 3, 4, 0]})
    >>> c = pd.DataFrame({"customer_id": list("abcdef")})
    >>> t = lifecycle_tiers(s, c)
    >>> t["lifecycle_tier"].tolist(), t["dormant_permanent"].tolist()
    (['new', 'repeat', 'mature', 'loyal', 'dormant', 'potential'], \
[False, False, False, False, True, False])
    """
    _require(
        summary, [customer_col, frequency_col, recency_col, active_col], "the customer summary"
    )
    days = _unit_days(time_unit)
    out = summary
    if customers is not None:
        _require(customers, [customer_col], "the customers table", "name the id column")
        known = pd.Index(summary[customer_col].astype("string"))
        ids = customers[customer_col].astype("string").drop_duplicates()
        new_ids = ids[~ids.isin(known)]
        if len(new_ids):
            extra = pd.DataFrame({customer_col: new_ids.to_numpy()})
            out = pd.concat([summary, extra], ignore_index=True)
    freq = pd.to_numeric(out[frequency_col]).fillna(0).to_numpy(dtype="float64")
    rec = pd.to_numeric(out[recency_col]).to_numpy(dtype="float64", na_value=np.nan) * days
    act = pd.to_numeric(out[active_col]).fillna(0).to_numpy(dtype="float64")
    bought = freq > 0
    dormant = bought & (rec >= rules.dormant_days)
    conds = [
        ~bought,
        dormant,
        (freq >= rules.loyal_min) & (act >= rules.loyal_quarters),
        freq >= rules.mature_min,
        freq >= rules.repeat_min,
    ]
    idx = [TIER_ORDER.index(t) for t in ("potential", "dormant", "loyal", "mature", "repeat")]
    code = np.select(conds, idx, default=TIER_ORDER.index("new"))
    tier = pd.Categorical.from_codes(code, list(TIER_ORDER))
    return out.assign(
        **{
            N.LIFECYCLE_TIER: pd.Series(tier, index=out.index),
            DORMANT_PERMANENT: dormant & (rec >= rules.permanent_days),
        }
    )


def tier_migration(
    tiers_start: pd.DataFrame,
    tiers_end: pd.DataFrame,
    *,
    wide: bool = False,
    customer_col: str = N.CUSTOMER_ID,
    tier_col: str = N.LIFECYCLE_TIER,
    missing: str = "potential",
) -> pd.DataFrame:
    """Count customers moving between lifecycle tiers from one date to another.

    Parameters
    ----------
    tiers_start, tiers_end : pandas.DataFrame
        Outputs of :func:`lifecycle_tiers` at the two dates.
    wide : bool, default False
        Return the migration matrix (rows ``from_tier``, columns ``to_tier``, every tier of
        :data:`TIER_ORDER`, zeros included) instead of the long frame.
    customer_col, tier_col : str
        Columns of both frames.
    missing : str, default "potential"
        Tier of a customer absent from one frame (no purchase yet at that date).

    Returns
    -------
    pandas.DataFrame
        Long: ``from_tier, to_tier, customers`` for each observed move (stays included),
        in tier order. Wide: the matrix.

    Raises
    ------
    TierInputError
        If a column is missing.

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": ["x", "y"], "lifecycle_tier": ["new", "repeat"]})
    >>> b = pd.DataFrame({"customer_id": ["x", "y", "z"],
    ...                   "lifecycle_tier": ["repeat", "repeat", "new"]})
    >>> tier_migration(a, b)
       from_tier to_tier  customers
    0  potential     new          1
    1        new  repeat          1
    2     repeat  repeat          1
    """
    for df, what in ((tiers_start, "tiers_start"), (tiers_end, "tiers_end")):
        _require(df, [customer_col, tier_col], what, "pass the output of lifecycle_tiers")
    a = tiers_start[[customer_col, tier_col]].astype({customer_col: "string", tier_col: "string"})
    b = tiers_end[[customer_col, tier_col]].astype({customer_col: "string", tier_col: "string"})
    m = a.merge(b, on=customer_col, how="outer", suffixes=("_from", "_to"))
    seen = set(m[f"{tier_col}_from"].dropna()) | set(m[f"{tier_col}_to"].dropna()) | {missing}
    cats = list(TIER_ORDER) + sorted(seen - set(TIER_ORDER))
    frm = pd.Categorical(m[f"{tier_col}_from"].fillna(missing), categories=cats, ordered=True)
    to = pd.Categorical(m[f"{tier_col}_to"].fillna(missing), categories=cats, ordered=True)
    long = (
        pd.DataFrame({"from_tier": frm, "to_tier": to})
        .groupby(["from_tier", "to_tier"], observed=not wide)
        .size()
        .rename("customers")
        .reset_index()
    )
    if wide:
        return long.pivot(index="from_tier", columns="to_tier", values="customers").astype("int64")
    long = long[long["customers"] > 0].reset_index(drop=True)
    return long.astype({"customers": "int64"})


def _items(*texts: str) -> tuple[str, ...]:
    return tuple(texts)


#: Each lifecycle tier's profile, problems and recommended actions, from seed 001
#: (客户分层 article: 特征 / 可能遇到的问题 / 可以做的事情), zh as written, en translated.
#: Seed 001 describes no problems for loyal customers and does not cover the repeat tier
#: (常客户 appears only in seed 002's loyalty ladder): those entries are empty.
TIER_ACTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "potential": {
            "profile_zh": _items("通常指的和你交换了联系方式,但没有产生实质交易。"),
            "profile_en": _items(
                "Has exchanged contact details with you but made no real purchase."
            ),
            "problems_zh": _items(
                "不了解:对产品不了解,对交易流程不了解,会碰到包括购买、支付等困难。",
                "不会买:不知如何在众多商品中挑选到合适的商品。",
                "不信任:对企业不信任。",
            ),
            "problems_en": _items(
                "Unfamiliar: does not know the product or how buying works; runs into "
                "difficulties ordering and paying.",
                "Cannot choose: does not know how to pick the right product among many.",
                "Distrust: does not trust the company.",
            ),
            "actions_zh": _items(
                "交易流程透明化:向客户展示自己企业的购买流程以及产品价格,最好以书面的方式呈现出来,"
                "这样更具有可信度。",
                "合适的产品推荐:帮助客户筛选出一些值得推荐的产品,然后进行详细介绍,"
                "让客户发现自己的潜在需要。",
                "建立信任:先让别人了解你是谁,你在做什么,你为什么要做这件事,"
                "以及你做这件事希望给客户带来的价值是什么。",
            ),
            "actions_en": _items(
                "Make buying transparent: show the purchase process and prices, preferably in "
                "writing, which is more credible.",
                "Recommend suitable products: shortlist products worth recommending and present "
                "them in detail so the customer discovers their latent needs.",
                "Build trust: let them know who you are, what you do, why you do it and what "
                "value you want to bring them.",
            ),
        },
        "new": {
            "profile_zh": _items("刚与你产生第一笔交易的客户,但信心不够,是企业成长的新生力量。"),
            "profile_en": _items(
                "Has just made a first purchase but is not yet confident; the new force of growth."
            ),
            "problems_zh": _items(
                "经验不足:因为购买频次不高,经验不足,可能有失败的购买体验"
                "(比如支付或服务体验不好,没有及时回复或回复不专业等)。",
                "不敢尝试:只敢买某一类产品,对更多商品种类的购买技巧还不是很熟练。",
            ),
            "problems_en": _items(
                "Little experience: buys rarely and may have had a bad experience (payment or "
                "service problems, slow or unprofessional replies).",
                "Hesitant: dares to buy only one kind of product and is not yet used to buying "
                "others.",
            ),
            "actions_zh": _items(
                "先去回顾下她的购买历史和行为特征,然后根据其特点提供一些筛选的优质商品作为选择,"
                "鼓励其尽快地购买多笔。",
                "提供自己或老客户的使用体验,帮助买家下定购买决策,快速完成购买。",
                "对遭遇到不良用户体验,快速帮助其解决问题,巩固购买信心。",
            ),
            "actions_en": _items(
                "Review their purchase history and behaviour, offer a curated selection that "
                "fits them, and encourage several more purchases soon.",
                "Share your own or existing customers' experience to help them decide and buy "
                "quickly.",
                "Fix bad experiences fast to consolidate their confidence.",
            ),
        },
        "repeat": {
            "profile_zh": (),
            "profile_en": (),
            "problems_zh": (),
            "problems_en": (),
            "actions_zh": (),
            "actions_en": (),
        },
        "mature": {
            "profile_zh": _items(
                "在你家企业已经购买过多次,比较了解你家企业的商品情况、物流情况、付款方式等,"
                "对你的信任感在逐渐巩固中;有过大约10笔成功交易的客户,很容易成为成熟客户。"
            ),
            "profile_en": _items(
                "Has bought many times and knows your products, delivery and payment; trust is "
                "growing. About 10 successful transactions make a mature customer."
            ),
            "problems_zh": _items(
                "选择更多:这些客户手头也掌握着很多不错的其它同类产品资源,他们的选择比较多,"
                "也容易流失。"
            ),
            "problems_en": _items(
                "More choice: they know many good alternatives, so they have options and are "
                "easily lost."
            ),
            "actions_zh": _items(
                "注重品质和服务:要从产品品质、服务质量等各方面提升其满意度,让他们彻底留下来,"
                "成为你家的忠诚客户。",
                "提供更多分享交流的机会:让成熟客户之间产生更多的互动,增强其粘性,"
                "比如主动邀约他们进你独立维护的客户群,说明建群的目的及给到他们的利益点。",
            ),
            "actions_en": _items(
                "Focus on quality and service: raise their satisfaction with product and "
                "service quality so they stay and become loyal.",
                "Give them chances to share and exchange: foster interaction among mature "
                "customers, e.g. invite them to a customer group you run, explaining its "
                "purpose and their benefit.",
            ),
        },
        "loyal": {
            "profile_zh": _items(
                "几乎了解你家产品的每一个动向,很清楚你家上新货的时间,与你或你家客服非常熟,"
                "他们一直持续的花钱,并且花的很开心。"
            ),
            "profile_en": _items(
                "Follows every product move and knows when new items arrive, is on familiar "
                "terms with you and your service staff, and keeps spending happily."
            ),
            "problems_zh": (),
            "problems_en": (),
            "actions_zh": _items(
                "制定老客户回馈计划:让他们享受到更加独特和专属的权益,比如团购福利,新品上架专享折扣等。",
                '体现其荣誉感:无论是一对一交流还是在群交流中要体现其"老买家"的身份,'
                "从心理上提高其荣誉感和忠诚度。",
            ),
            "actions_en": _items(
                "Run a reward plan for long-standing customers: unique, exclusive benefits such "
                "as group-buying perks or exclusive discounts on new products.",
                "Honour them: in one-to-one talks and in groups, recognise their standing as "
                "long-time buyers to raise their pride and loyalty.",
            ),
        },
        "dormant": {
            "profile_zh": _items(
                "永久性沉睡:对你家产品和服务已经失去了信心,彻底的睡了过去,不会再回来。",
                "临时性沉默:不在你的消费服务群里活跃。多数是因为不满意的购买体验造成的。",
            ),
            "profile_en": _items(
                "Permanently asleep: has lost confidence in your products and service and will "
                "not come back.",
                "Temporarily silent: no longer active in your customer group; mostly caused by "
                "an unsatisfying purchase.",
            ),
            "problems_zh": _items(
                "不满意的体验无法得到有效解决",
                '自身"老买家"荣誉感未得到重视和体现',
                "对企业的信任度不够",
            ),
            "problems_en": _items(
                "A bad experience was never resolved.",
                "Their standing as a long-time buyer was not valued or shown.",
                "Not enough trust in the company.",
            ),
            "actions_zh": _items(
                "分析流失原因:创造再次与这个客户群体沟通的机会(比如以老带新,比如团购,比如主动回访)。",
                "鼓励尝试:推荐能打消其顾虑的老客户或者其他买家有良好口碑的产品,鼓励其再次尝试,"
                "并重新开始持续购买。",
            ),
            "actions_en": _items(
                "Analyse why they left and create chances to talk again (referral by existing "
                "customers, group buying, a return visit).",
                "Encourage a new try: recommend products with a good reputation among other "
                "buyers that dispel their doubts, so they try again and resume buying.",
            ),
        },
    }
)


def tier_actions(
    lang: str = "en",
    *,
    actions: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    long: bool = False,
) -> pd.DataFrame:
    """Return each lifecycle tier's profile, problems and recommended actions (seed 001).

    Parameters
    ----------
    lang : {"en", "zh"}, default "en"
        Language of the texts and tier labels.
    actions : mapping, optional
        Replacement for :data:`TIER_ACTIONS` (same shape).
    long : bool, default False
        One row per item (``lifecycle_tier, tier_label, kind, item, text``) instead of one
        row per tier with the items joined by ``"; "``.

    Returns
    -------
    pandas.DataFrame
        Wide: ``lifecycle_tier, tier_label, profile, problems, actions`` in tier order.

    Examples
    --------
    >>> tier_actions("zh").set_index("lifecycle_tier").loc["new", "tier_label"]
    '新客户'
    """
    check_lang(lang)
    table = TIER_ACTIONS if actions is None else actions
    tier_lab = labels("tier", lang)
    tiers = [t for t in TIER_ORDER if t in table] + [t for t in table if t not in TIER_ORDER]
    rows = []
    for t in tiers:
        for kind in ("profile", "problems", "actions"):
            for i, text in enumerate(table[t].get(f"{kind}_{lang}", ()), start=1):
                rows.append((t, tier_lab.get(t, t), kind, i, text))
    cols = ["lifecycle_tier", "tier_label", "kind", "item", "text"]
    items = pd.DataFrame(rows, columns=cols)
    if long:
        return items
    wide = pd.DataFrame(
        {"lifecycle_tier": tiers, "tier_label": [tier_lab.get(t, t) for t in tiers]}
    )
    for kind in ("profile", "problems", "actions"):
        joined = items[items["kind"] == kind].groupby("lifecycle_tier", sort=False)["text"]
        wide[kind] = wide["lifecycle_tier"].map(joined.agg("; ".join)).fillna("")
    return wide


# ---------------------------------------------------------------------------------------------
# MAN qualification and the opportunity pipeline

#: The eight MAN combinations in the order of seed 000's table (capital = present).
MAN_CLASSES: tuple[str, ...] = (
    "M+A+N",
    "M+A+n",
    "M+a+N",
    "m+A+N",
    "m+a+N",
    "m+A+n",
    "M+a+n",
    "m+a+n",
)

#: Seed 000 (客户经营之道 §五.3, MAN法则): what to do with each combination.
MAN_ACTIONS_000: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "M+A+N": {
            "zh": "是有望客户,理想的销售对象",
            "en": "A real prospect: the ideal sales target.",
        },
        "M+A+n": {
            "zh": "可以接触,配上熟练的销售技术,有成功的希望",
            "en": "Contact; with skilled selling there is hope of success.",
        },
        "M+a+N": {
            "zh": "可以接触,并设法找到具有A之人(有决定权的人)",
            "en": "Contact, and find the person with authority (A).",
        },
        "m+A+N": {
            "zh": "可以接触,需调查其业务状况、信用条件等给予融资",
            "en": "Contact; check business status and credit, and consider financing.",
        },
        "m+a+N": {
            "zh": "可以接触,应长期观察、培养,使之具备另一条件",
            "en": "Contact; observe and cultivate over time until the other conditions are met.",
        },
        "m+A+n": {
            "zh": "可以接触,应长期观察、培养,使之具备另一条件",
            "en": "Contact; observe and cultivate over time until the other conditions are met.",
        },
        "M+a+n": {
            "zh": "可以接触,应长期观察、培养,使之具备另一条件",
            "en": "Contact; observe and cultivate over time until the other conditions are met.",
        },
        "m+a+n": {"zh": "非客户,停止接触", "en": "Not a customer: stop contact."},
    }
)

#: Seed 003 (sales-team slides, 找到你的MAN): the same table in a sales team's words.
MAN_ACTIONS_003: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "M+A+N": {"zh": "理想的销售对象", "en": "The ideal sales target."},
        "M+A+n": {
            "zh": "利用熟练的销售技巧,促成成交",
            "en": "Use skilled selling to close the deal.",
        },
        "M+a+N": {
            "zh": "制定策略,充分利用所有的资源,找到A,搞定A",
            "en": "Make a plan, use every resource, find A and win A over.",
        },
        "m+A+N": {
            "zh": "维持跟进,密切关注变化,等待时机成熟",
            "en": "Keep following up, watch for changes, wait until the time is right.",
        },
        "m+a+N": {"zh": "维持跟进,尽快找到A", "en": "Keep following up and find A soon."},
        "m+A+n": {"zh": "维持跟进,等待有了M", "en": "Keep following up; wait for the money (M)."},
        "M+a+n": {
            "zh": "可以接触,应长期观察、培养,使之具备另一条件",
            "en": "Contact; observe and cultivate over time until the other conditions are met.",
        },
        "m+a+n": {
            "zh": "放弃吧!不要浪费自己的时间",
            "en": "Give up: do not waste your time.",
        },
    }
)

_MAN_TABLES = {"000": MAN_ACTIONS_000, "003": MAN_ACTIONS_003}
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "有"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "无"}


def _as_bool(s: pd.Series, col: str) -> pd.Series:
    """Parse a yes/no column into pandas' nullable boolean (missing stays missing)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    text = s.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    bad = text.notna() & out.isna()
    if bad.any():
        raise TierInputError(
            f"column {col!r} holds {text[bad].iloc[0]!r}, which is not yes/no; use true/false, "
            "1/0 or yes/no (blank = not assessed)"
        )
    return out


def man_class(
    customers: pd.DataFrame,
    *,
    money_col: str = "man_money",
    authority_col: str = "man_authority",
    need_col: str = "man_need",
) -> pd.DataFrame:
    """Qualify prospects by MAN: Money, Authority, Need (capital = present, lower = absent).

    Parameters
    ----------
    customers : pandas.DataFrame
        Customers (prospects) with three yes/no columns (bool, 1/0, yes/no, true/false,
        是/否). A blank in any of them leaves the class missing (not assessed).
    money_col, authority_col, need_col : str
        The three columns.

    Returns
    -------
    pandas.DataFrame
        ``customers`` with a categorical ``man_class`` (categories :data:`MAN_CLASSES`).

    Raises
    ------
    TierInputError
        If a column is missing or holds something other than yes/no.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["p1", "p2"], "man_money": [True, False],
    ...                   "man_authority": [False, False], "man_need": [True, False]})
    >>> man_class(c)["man_class"].tolist()
    ['M+a+N', 'm+a+n']
    """
    cols = [money_col, authority_col, need_col]
    _require(customers, cols, "the customers table", "add the MAN columns (see docs/data_model.md)")
    flags = [_as_bool(customers[c], c) for c in cols]
    known = flags[0].notna() & flags[1].notna() & flags[2].notna()
    text = np.where(flags[0].fillna(False), "M", "m").astype(object)
    text = (
        text
        + np.where(flags[1].fillna(False), "+A", "+a")
        + np.where(flags[2].fillna(False), "+N", "+n")
    )
    cls = pd.Categorical(np.where(known.to_numpy(), text, None), categories=list(MAN_CLASSES))
    return customers.assign(**{MAN_CLASS: pd.Series(cls, index=customers.index)})


def man_actions(
    variant: str | Mapping[str, Mapping[str, str]] = "000", lang: str = "en"
) -> pd.DataFrame:
    """Return a MAN action table as a frame.

    Parameters
    ----------
    variant : {"000", "003"} or mapping, default "000"
        Seed 000's table (:data:`MAN_ACTIONS_000`), seed 003's sales-team variant
        (:data:`MAN_ACTIONS_003`), or your own ``{class: {"en": ..., "zh": ...}}``.
    lang : {"en", "zh"}, default "en"
        Language of the actions.

    Returns
    -------
    pandas.DataFrame
        ``man_class, money, authority, need, action``, one row per combination.

    Raises
    ------
    ValueError
        If the variant is unknown or a class is malformed.

    Examples
    --------
    >>> man_actions("003", "zh").set_index("man_class").loc["m+a+n", "action"]
    '放弃吧!不要浪费自己的时间'
    """
    check_lang(lang)
    if isinstance(variant, str):
        if variant not in _MAN_TABLES:
            raise ValueError(f"unknown MAN variant {variant!r}; use '000', '003' or a mapping")
        table = _MAN_TABLES[variant]
    else:
        table = variant
    rows = []
    order = [c for c in MAN_CLASSES if c in table] + [c for c in table if c not in MAN_CLASSES]
    for cls in order:
        parts = cls.split("+")
        if len(parts) != 3 or [p.upper() for p in parts] != ["M", "A", "N"]:
            raise ValueError(f"MAN class {cls!r} is malformed; write e.g. 'M+a+N'")
        rows.append((cls, parts[0] == "M", parts[1] == "A", parts[2] == "N", table[cls][lang]))
    return pd.DataFrame(rows, columns=["man_class", "money", "authority", "need", "action"])


_CLOSED = ("won", "lost")


def _dates(df: pd.DataFrame, col: str, what: str = "the opportunities table") -> pd.Series:
    """Return ``df[col]`` as datetimes; blanks are missing dates, other unreadable text raises.

    A missing column gives all missing dates (an optional column such as ``closed_date``).
    """
    if col not in df:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    s = df[col]
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    parsed = pd.to_datetime(s, errors="coerce")
    blank = s.isna() | s.astype("string").str.strip().eq("").fillna(True)
    bad = parsed.isna() & ~blank
    n = int(bad.sum())
    if n:
        rows = ", ".join(map(str, s.index[bad][:3]))
        values = ", ".join(repr(str(v)) for v in s[bad].head(3))
        more = f" and {n - 3} more" if n > 3 else ""
        plural = "s that are not dates" if n > 1 else " that is not a date"
        raise TierInputError(
            f"{what} column {col!r} has {n} value{plural} "
            f"(row{'s' if n > 1 else ''} {rows}: {values}{more}); write dates as "
            f"YYYY-MM-DD (or load the table with workbench.load.load) and leave a date blank "
            f"when it is unknown, e.g. the closed_date of an open opportunity"
        )
    return parsed


def opportunity_pipeline(
    opportunities: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    as_of: str | pd.Timestamp,
    by: str | Sequence[str] | None = None,
    customer_col: str = N.CUSTOMER_ID,
    stage_col: str = "stage",
    amount_col: str = "amount",
    created_col: str = "created_date",
    closed_col: str = "closed_date",
) -> pd.DataFrame:
    """Summarise the opportunity pipeline: counts and amounts by stage, win rate, cycle time.

    Opportunities created after ``as_of`` are left out. Stage counts use the stage as
    recorded. An opportunity counts as won or lost only when its stage says so and its
    ``closed_date`` is on or before ``as_of`` (or missing); otherwise it is open. Win rate
    = won / (won + lost). Cycle time = days from ``created_date`` to ``closed_date`` of the
    closed ones that have both dates.

    Parameters
    ----------
    opportunities : pandas.DataFrame
        The opportunities table (``schema.TABLES["opportunities"]``).
    customers : pandas.DataFrame, optional
        The customers table; needed when grouping by ``man_class`` (computed with
        :func:`man_class`) or by another customer column.
    as_of : date-like
        Date of the snapshot.
    by : str or list of str, optional
        Group columns: any opportunity column (``owner``...), ``man_class``, or a customer
        column. None gives one row for the whole pipeline.
    customer_col, stage_col, amount_col, created_col, closed_col : str
        Columns of ``opportunities``.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``opportunities, amount, open, amount_open, won, amount_won,
        lost, win_rate, cycle_days_mean, cycle_days_median`` and ``n_<stage>`` for every
        stage of the data model.

    Raises
    ------
    TierInputError
        If a column is missing, or a date column holds text that is not a date.

    Examples
    --------
    >>> o = pd.DataFrame({"opportunity_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "stage": ["won", "lost", "proposal"], "amount": [100.0, 50.0, 30.0],
    ...     "created_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
    ...     "closed_date": pd.to_datetime(["2025-01-31", "2025-02-11", None])})
    >>> p = opportunity_pipeline(o, as_of="2025-06-30")
    >>> p[["opportunities", "won", "lost", "open", "win_rate", "cycle_days_mean"]]
       opportunities  won  lost  open  win_rate  cycle_days_mean
    0              3    1     1     1       0.5             20.0
    """
    as_of = pd.Timestamp(as_of)
    _require(
        opportunities,
        [customer_col, stage_col, created_col],
        "the opportunities table",
        "see docs/data_model.md",
    )
    created = _dates(opportunities, created_col)
    closed = _dates(opportunities, closed_col)
    keep = (created <= as_of).to_numpy()
    opp = opportunities[keep]
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    need_customers = [k for k in keys if k not in opp.columns]
    if need_customers:
        if customers is None:
            raise TierInputError(
                f"grouping by {need_customers} needs the customers table: pass customers="
            )
        cust = customers
        if MAN_CLASS in need_customers and MAN_CLASS not in cust.columns:
            cust = man_class(cust)
        _require(cust, [customer_col, *need_customers], "the customers table")
        cust = cust[[customer_col, *need_customers]].drop_duplicates(customer_col)
        opp = opp.merge(cust, on=customer_col, how="left")
    # the customer merge keeps the rows in order but renumbers them: realign the dates
    created = pd.Series(created.to_numpy()[keep], index=opp.index)
    closed = pd.Series(closed.to_numpy()[keep], index=opp.index)
    stage = opp[stage_col].astype("string")
    done = stage.isin(_CLOSED) & (closed.isna() | (closed <= as_of))
    amount = pd.to_numeric(opp[amount_col], errors="coerce") if amount_col in opp else 0.0
    cycle = (closed - created).dt.days.where(done)
    frame = pd.DataFrame(
        {
            "_one": 1,
            "amount": amount,
            "_won": (done & (stage == "won")).astype("int64"),
            "_lost": (done & (stage == "lost")).astype("int64"),
            "cycle": cycle.astype("float64"),
        },
        index=opp.index,
    )
    frame["_open"] = 1 - frame["_won"] - frame["_lost"]
    frame["_amount_open"] = frame["amount"].where(frame["_open"] == 1, 0.0)
    frame["_amount_won"] = frame["amount"].where(frame["_won"] == 1, 0.0)
    for s in OPPORTUNITY_STAGES:
        frame[f"n_{s}"] = (stage == s).fillna(False).astype("int64")
    group = [opp[k].astype("string").fillna("(missing)").rename(k) for k in keys] or [
        pd.Series("all", index=opp.index, name="pipeline")
    ]
    g = frame.groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "opportunities": g["_one"].sum(),
            "amount": g["amount"].sum(),
            "open": g["_open"].sum(),
            "amount_open": g["_amount_open"].sum(),
            "won": g["_won"].sum(),
            "amount_won": g["_amount_won"].sum(),
            "lost": g["_lost"].sum(),
            "cycle_days_mean": g["cycle"].mean(),
            "cycle_days_median": g["cycle"].median(),
        }
    )
    decided = out["won"] + out["lost"]
    out.insert(7, "win_rate", (out["won"] / decided.where(decided > 0)).astype("float64"))
    for s in OPPORTUNITY_STAGES:
        out[f"n_{s}"] = g[f"n_{s}"].sum()
    out = out.reset_index()
    return out.drop(columns="pipeline") if not keys else out


def opportunities_past_deadline(
    opportunities: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    stage_col: str = "stage",
    deadline_col: str = "protection_deadline",
    closed_col: str = "closed_date",
) -> pd.DataFrame:
    """List open opportunities whose protection deadline (机会保留底线) has passed.

    Parameters
    ----------
    opportunities : pandas.DataFrame
        The opportunities table.
    as_of : date-like
        The day of the check; a deadline strictly before it has passed.
    stage_col, deadline_col, closed_col : str
        Columns; won/lost opportunities closed on or before ``as_of`` are not open.

    Returns
    -------
    pandas.DataFrame
        The overdue rows with ``days_past_deadline``, most overdue first.

    Raises
    ------
    TierInputError
        If the deadline column is missing, or a date column holds text that is not a date.

    Examples
    --------
    >>> o = pd.DataFrame({"opportunity_id": ["1", "2"], "stage": ["proposal", "won"],
    ...     "protection_deadline": pd.to_datetime(["2025-05-01", "2025-05-01"])})
    >>> opportunities_past_deadline(o, as_of="2025-05-11")[["opportunity_id",
    ...                                                     "days_past_deadline"]]
      opportunity_id  days_past_deadline
    0              1                  10
    """
    as_of = pd.Timestamp(as_of)
    _require(
        opportunities,
        [stage_col, deadline_col],
        "the opportunities table",
        "add protection_deadline (机会保留底线) to opportunities",
    )
    stage = opportunities[stage_col].astype("string")
    closed = _dates(opportunities, closed_col)
    is_open = ~(stage.isin(_CLOSED).fillna(False) & (closed.isna() | (closed <= as_of)))
    deadline = _dates(opportunities, deadline_col)
    late = is_open & (deadline < as_of)
    out = opportunities[late].assign(days_past_deadline=(as_of - deadline[late]).dt.days)
    return out.sort_values("days_past_deadline", ascending=False, kind="stable").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------------------------
# everything at once


def rfm_table(
    summary: pd.DataFrame,
    *,
    bins: int = 5,
    split: Split = "mean_raw",
    lang: str | None = None,
    abc_value_col: str | None = None,
    rules: LifecycleRules = LIFECYCLE_RULES,
    time_unit: str = "D",
) -> pd.DataFrame:
    """Score, segment and tier a customer summary: the table ``workbench rfm`` writes.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`workbench.metrics.customer_summary`.
    bins : int, default 5
        Score classes (:func:`rfm_scores`).
    split : str or dict, default "mean_raw"
        Split of the Chinese scheme (:func:`rfm_segments`).
    lang : {"en", "zh"}, optional
        Give segment and tier labels instead of ids.
    abc_value_col : str, optional
        Value for :func:`abc_classes` (cumulative method). Default: ``profit`` when every
        customer has one (the orders carry a cost), else ``revenue`` (``rfm_monetary`` when
        the summary has no revenue column).
    rules : LifecycleRules
        Lifecycle thresholds.
    time_unit : {"D", "W"}, default "D"
        Unit of the summary's recency.

    Returns
    -------
    pandas.DataFrame
        One row per customer: the summary, ``r_score, f_score, m_score, rfm_cell,
        segment_en, segment_zh, abc_class, lifecycle_tier, dormant_permanent``.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b"], "rfm_recency": [3, 400],
    ...     "rfm_frequency": [12, 1], "rfm_monetary": [900.0, 20.0], "profit": [300.0, 5.0],
    ...     "active_quarters_4": [4, 0]})
    >>> rfm_table(s, lang="en")[["rfm_cell", "segment_en", "abc_class", "lifecycle_tier"]]
      rfm_cell          segment_en abc_class lifecycle_tier
    0      333  Potential Loyalist         A          Loyal
    1      111                Lost         C        Dormant

    (With two customers the better one is above half of them: score 3 of 5.)
    """
    out = rfm_scores(summary, bins=bins)
    out = rfm_segments(out, split=split, lang=lang)
    if abc_value_col is None:
        has_profit = N.PROFIT in out and out[N.PROFIT].notna().all()
        abc_value_col = (
            N.PROFIT if has_profit else (N.REVENUE if N.REVENUE in out else N.RFM_MONETARY)
        )
    out = abc_classes(out, value_col=abc_value_col)
    out = lifecycle_tiers(out, rules=rules, time_unit=time_unit)
    if lang is not None:
        tier_lab = labels("tier", lang)
        tier = out[N.LIFECYCLE_TIER].cat.rename_categories(
            [tier_lab.get(c, c) for c in out[N.LIFECYCLE_TIER].cat.categories]
        )
        out = out.assign(**{N.LIFECYCLE_TIER: tier})
    return out
