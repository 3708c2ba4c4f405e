"""The requirement library (需求库): classify, analyse and roll up customer needs.

Seed 000 §四 (``docs``: domain §6) files every need collected in sales, implementation
and service by **type** (product, positively related, restrictive) and by **business
category**, with what fits no category filed as **special needs** (特殊需求). Operations
staff collect and classify, branches count and analyse, decision makers aggregate and
look for **niche markets** (市场利基): needs that many different customers share, or that
grow.

Every function here is pure: a requirements frame (the ``requirements`` table of
:mod:`workbench.schema`) in, a new frame out. The rules are data: the default
:data:`DEFAULT_TAXONOMY` can be replaced by a :class:`Taxonomy` built from a dict or a
TOML file (:func:`load_taxonomy`).

Examples
--------
>>> import pandas as pd
>>> reqs = pd.DataFrame({
...     "requirement_id": ["R1", "R2", "R3"],
...     "customer_id": ["C1", "C2", "C3"],
...     "date": pd.to_datetime(["2025-01-05", "2025-02-01", "2025-02-03"]),
...     "description": ["希望系统支持移动端审批", "Need SSO login and role permissions",
...                     "送货时顺便带点茶叶"],
... })
>>> out = classify(reqs)
>>> out["category"].tolist(), out["type"].tolist()
(['mobile', 'permissions', 'special'], ['product', 'product', 'product'])
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from workbench.schema import REQUIREMENT_STATUSES, REQUIREMENT_TYPES

__all__ = [
    "SPECIAL",
    "UNCLASSIFIED",
    "OPEN_STATUSES",
    "RequirementError",
    "Category",
    "Taxonomy",
    "DEFAULT_TAXONOMY_TOML",
    "DEFAULT_TAXONOMY_RULES",
    "DEFAULT_TAXONOMY",
    "STOP_WORDS_ZH",
    "STOP_WORDS_EN",
    "DOMAIN_WORDS_ZH",
    "load_taxonomy",
    "classify",
    "tokenize",
    "top_terms",
    "near_duplicates",
    "deduplicate",
    "customer_values",
    "operations_rollup",
    "branch_rollup",
    "trend",
    "top_categories",
    "decision_rollup",
    "niche_candidates",
    "status_flow",
    "time_to_decision",
    "build_library",
]

SPECIAL = "special"
"""Category id of needs that fit no business category (特殊需求)."""

UNCLASSIFIED = "unclassified"
"""Group id roll-ups use for rows whose category is still blank."""

OPEN_STATUSES = ("new", "accepted", "planned")
"""Statuses of needs that still wait for delivery or a decision; a blank status is new."""


class RequirementError(ValueError):
    """The requirements table or a taxonomy cannot be used as given."""


# --------------------------------------------------------------------------------------
# Rules as data
# --------------------------------------------------------------------------------------

DEFAULT_TAXONOMY_TOML = """
# The requirement-library taxonomy (需求分类). Copy this text (`workbench requirements
# --print-taxonomy > my_taxonomy.toml`), edit it and pass it with `--taxonomy FILE` or
# classify(..., taxonomy=PATH). Chinese keywords match as substrings; Latin keywords as
# whole words (case-insensitive, optional plural s/es); `patterns` are regular
# expressions searched in the lower-cased text.
special = "special"          # category of needs that fit no category (特殊需求)
default_type = "product"     # type when no rule decides

# Type rules, for needs that fit no category; the first type that matches wins.
[types.restrictive]
keywords = ["资质", "资格", "认证", "等保", "合规", "监理", "监管", "验收", "国标", "招标",
  "必须符合", "qualification", "certification", "certified", "compliance", "compliant",
  "regulation", "regulatory", "supervision", "supervisor", "acceptance", "tender",
  "must comply"]
[types.related]
keywords = ["硬件", "服务器", "外设", "操作系统", "数据库", "咨询", "规划", "培训", "实施",
  "hardware", "server", "peripheral", "operating system", "database", "consulting",
  "training", "implementation"]

# Business categories in priority order: a tie in matched rules goes to the earlier one.
# Restrictive needs (限制性需求: conditions on choosing us) come first, so that
# "weekly reports to the supervisor" is a supervision need, not a reporting one.
[categories.qualification]
type = "restrictive"
keywords = ["资质", "资格", "认证", "等保", "合规", "许可证", "备案", "qualification",
  "qualified", "certification", "certified", "iso", "mlps", "compliance", "compliant",
  "regulation", "regulatory", "gdpr", "license"]
[categories.supervision]
type = "restrictive"
keywords = ["监理", "监管", "监督", "supervision", "supervisor", "supervised", "oversight"]
[categories.acceptance]
type = "restrictive"
keywords = ["验收", "国标", "国家标准", "行业标准", "交付标准", "测试报告", "检测报告",
  "第三方测评", "acceptance", "national standard", "test report", "third-party testing",
  "sign-off", "sla", "service level"]
[categories.procurement]
type = "restrictive"
keywords = ["招标", "投标", "政府采购", "采购平台", "tender", "bidding", "procurement"]
[categories.security]
type = "restrictive"
keywords = ["数据安全", "信息安全", "安全要求", "加密", "本地机房", "不能上云", "上云",
  "私有化部署", "数据存放", "security", "secure", "encryption", "encrypted",
  "on premises", "on-premises", "public cloud", "data residency"]
[categories.pricing]
type = "restrictive"
keywords = ["价格", "报价", "折扣", "优惠", "付款", "分期", "预算", "收费", "price",
  "pricing", "discount", "payment", "budget", "fee", "quote"]

# Product needs (产品需求).
[categories.ai]
type = "product"
keywords = ["人工智能", "智能客服", "智能问答", "助手", "大模型", "ai", "chatbot", "llm", "gpt",
  "machine learning", "assistant"]
[categories.mobile]
type = "product"
keywords = ["移动端", "移动办公", "手机", "小程序", "平板", "app", "mobile", "smartphone",
  "phone", "tablet", "ios", "android"]
[categories.workflow]
type = "product"
keywords = ["审批流", "审批流程", "工作流", "流程配置", "按金额分级", "workflow",
  "approval routing", "routing"]
[categories.integration]
type = "product"
keywords = ["集成", "接口", "对接", "打通", "同步", "单点登录", "ad域", "企业微信",
  "integration", "integrate", "api", "interface", "connector", "webhook", "sync", "sso",
  "single sign-on", "active directory", "wecom"]
[categories.finance]
type = "product"
keywords = ["多币种", "币种", "核算", "发票", "开票", "税务", "总账", "multi-currency",
  "currency", "accounting", "invoice", "invoicing", "e-invoicing", "tax", "ledger"]
[categories.inventory]
type = "product"
keywords = ["仓库", "库存", "条码", "扫码", "入库", "出库", "批次", "保质期", "效期",
  "inventory", "stock", "warehouse", "barcode", "batch", "expiry", "goods receipt"]
[categories.reporting]
type = "product"
keywords = ["报表", "报告", "统计", "分析", "看板", "仪表盘", "图表", "可视化", "大屏", "导出",
  "report", "reporting", "dashboard", "chart", "analytics", "export", "kpi"]
[categories.permissions]
type = "product"
keywords = ["权限", "角色", "密码", "登录", "审计日志", "permission", "role", "password",
  "login", "access control", "audit log", "two-factor", "2fa"]
[categories.performance]
type = "product"
keywords = ["性能", "速度", "太慢", "很慢", "卡顿", "响应时间", "并发", "performance",
  "slow", "speed", "latency", "response time", "timeout", "faster"]

# Positively related needs (正相关需求: what comes with the product, not necessarily ours).
[categories.training]
type = "related"
keywords = ["培训", "课程", "教程", "操作手册", "使用手册", "上手", "training", "tutorial",
  "manual", "onboarding", "workshop", "course"]
[categories.hardware]
type = "related"
keywords = ["硬件", "服务器", "打印机", "扫码枪", "扫描枪", "外设", "电脑", "存储",
  "操作系统", "hardware", "server", "printer", "scanner", "peripheral", "storage",
  "operating system"]
[categories.database]
type = "related"
keywords = ["数据库", "备份", "恢复", "调优", "oracle", "mysql", "sql server", "database",
  "postgresql", "backup", "recovery", "tuning"]
[categories.consulting]
type = "related"
keywords = ["咨询", "规划", "顾问", "梳理", "实施", "迁移", "旧系统", "consulting",
  "consultant", "advisory", "planning", "implementation", "migrate", "migration", "legacy"]
"""
"""The default taxonomy as TOML text, the format :func:`load_taxonomy` reads."""

DEFAULT_TAXONOMY_RULES: dict[str, Any] = tomllib.loads(DEFAULT_TAXONOMY_TOML)
"""The default taxonomy as plain data, parsed from :data:`DEFAULT_TAXONOMY_TOML`.

Keywords containing Chinese match as substrings; Latin keywords match whole words
(case-insensitive, with an optional plural ``s``/``es``). A category may also list
``patterns``: regular expressions searched in the lower-cased, NFKC-normalised text.
"""

STOP_WORDS_ZH: frozenset[str] = frozenset(
    """
    的 了 和 与 及 或 是 在 有 对 把 被 让 给 从 到 为 能 能够 可以 可 要 需要 希望 要求 请
    想 想要 我们 我 你 他 她 它 客户 系统 支持 功能 一个 一些 这个 那个 这些 进行 实现 提供
    增加 新增 我方 贵司 公司 目前 现在 以及 并 并且 也 都 就 还 很 太 更 等 上 中 下 里 时
    后 前 吗 呢 吧 啊 如何 是否 能否 时候 方面 问题 其他 相关 一下 已经 没有 不 所有 每个
    通过 使用 用 做 比如 例如 同时 而且 但是 因为 所以 如果 哪些 需求 能在 一种
    越快越好 尽快 尽早 紧急 最好 下个 版本 多次 提到 再次 一直
    """.split()
)
"""Chinese stop words: function words, the words every need uses (希望, 需要, 系统) and
urgency or repetition markers (越快越好, 最好下个版本, 客户多次提到) that say nothing
about the need itself."""

STOP_WORDS_EN: frozenset[str] = frozenset(
    """
    a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me
    more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours
    able add allow client clients customer customers feature features like need needs
    please provide request requested require required requires support system want wants
    wish use using us via etc
    asap urgent urgently soon possible next release raised again repeatedly
    """.split()
)
"""English stop words: common function words, the words every need uses and urgency or
repetition markers (ASAP, "if possible in the next release", "raised again")."""

DOMAIN_WORDS_ZH: tuple[str, ...] = tuple(
    """
    移动端 小程序 单点登录 等保 验收标准 操作系统 私有化 国产化
    数据迁移 扫码枪 仪表盘 响应时间 操作手册 审计日志
    """.split()
)
"""Words added to the Chinese segmenter's dictionary so that domain terms stay whole."""


@dataclass(frozen=True)
class Category:
    """One business category of the taxonomy.

    Parameters
    ----------
    id : str
        Stable English id (``"mobile"``); labels live in ``workbench/labels``.
    type : {"product", "related", "restrictive"}
        Type of a need filed in this category.
    keywords : tuple of str
        Chinese keywords match as substrings; Latin ones as whole words.
    patterns : tuple of str
        Regular expressions searched in the normalised (lower-case) text.
    """

    id: str
    type: str = "product"
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """The classification rules: categories in priority order plus type rules.

    Parameters
    ----------
    categories : tuple of Category
        Business categories; on a tie in matched rules the earlier one wins.
    type_rules : tuple of Category
        Rules for the type of a need that fits no category (``id`` is the type); the
        first that matches wins, else ``default_type``.
    special : str
        Category id for needs that fit no category.
    default_type : str
        Type when no rule decides.
    """

    categories: tuple[Category, ...]
    type_rules: tuple[Category, ...] = ()
    special: str = SPECIAL
    default_type: str = "product"
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Build a taxonomy from plain data (the shape of :data:`DEFAULT_TAXONOMY_RULES`).

        Parameters
        ----------
        data : mapping
            ``{"categories": {id: {"type", "keywords", "patterns"}}, "types": {type:
            {"keywords", "patterns"}}, "special": str, "default_type": str}``.

        Returns
        -------
        Taxonomy
            The validated taxonomy.

        Raises
        ------
        RequirementError
            If a type is not one of product, related, restrictive, a category has no
            rule, or a pattern is not a valid regular expression.

        Examples
        --------
        >>> tx = Taxonomy.from_dict({"categories": {"eggs": {"keywords": ["鸡蛋", "egg"]}}})
        >>> [c.id for c in tx.categories]
        ['eggs']
        """
        cats_data = data.get("categories")
        if not isinstance(cats_data, Mapping) or not cats_data:
            raise RequirementError(
                "a taxonomy needs a non-empty 'categories' table, e.g. "
                '[categories.mobile] keywords = ["移动端", "mobile"]'
            )
        default_type = str(data.get("default_type", "product"))
        cats = tuple(
            _category(cid, spec, default_type, "category") for cid, spec in cats_data.items()
        )
        types = tuple(
            _category(tid, {**spec, "type": tid}, default_type, "type rule")
            for tid, spec in (data.get("types") or {}).items()
        )
        tx = cls(cats, types, str(data.get("special", SPECIAL)), default_type)
        if default_type not in REQUIREMENT_TYPES:
            raise RequirementError(
                f"taxonomy default_type {default_type!r} is not a requirement type; "
                f"use one of {', '.join(REQUIREMENT_TYPES)}"
            )
        return tx

    def to_dict(self) -> dict[str, Any]:
        """Return the taxonomy as plain data, the inverse of :meth:`from_dict`.

        Returns
        -------
        dict
            Suitable for writing as TOML and editing.
        """

        def rule(c: Category) -> dict[str, Any]:
            return {"keywords": list(c.keywords), "patterns": list(c.patterns)}

        return {
            "special": self.special,
            "default_type": self.default_type,
            "types": {t.id: rule(t) for t in self.type_rules},
            "categories": {c.id: {"type": c.type, **rule(c)} for c in self.categories},
        }

    @property
    def category_ids(self) -> list[str]:
        """Category ids in priority order, ``special`` last."""
        return [c.id for c in self.categories] + [self.special]

    def type_of(self, category: str) -> str | None:
        """Return the type a category declares, or None for an unknown category."""
        for c in self.categories:
            if c.id == category:
                return c.type
        return None

    def matchers(self, which: str) -> list[tuple[str, list[tuple[str, re.Pattern]]]]:
        """Return compiled rules, ``[(id, [(rule_text, regex), ...]), ...]``.

        Parameters
        ----------
        which : {"categories", "types"}
            The category rules or the type rules.
        """
        if which not in self._compiled:
            items = self.categories if which == "categories" else self.type_rules
            self._compiled[which] = [(c.id, _compile(c)) for c in items]
        return self._compiled[which]


def _category(cid: str, spec: Any, default_type: str, what: str) -> Category:
    if not isinstance(spec, Mapping):
        raise RequirementError(f"taxonomy {what} {cid!r} must be a table with keywords")
    ctype = str(spec.get("type", default_type))
    if ctype not in REQUIREMENT_TYPES:
        raise RequirementError(
            f"taxonomy {what} {cid!r} has type {ctype!r}; use one of {', '.join(REQUIREMENT_TYPES)}"
        )
    keywords = tuple(str(k) for k in spec.get("keywords", ()) if str(k).strip())
    patterns = tuple(str(p) for p in spec.get("patterns", ()) if str(p))
    if not keywords and not patterns:
        raise RequirementError(
            f"taxonomy {what} {cid!r} has no keywords or patterns; add at least one"
        )
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise RequirementError(
                f"taxonomy {what} {cid!r}: pattern {p!r} is not a valid regular "
                f"expression ({exc}); fix or remove it"
            ) from None
    return Category(str(cid), ctype, keywords, patterns)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _compile(c: Category) -> list[tuple[str, re.Pattern]]:
    out = []
    for kw in c.keywords:
        k = _normalise(kw).strip()
        if _CJK.search(k):
            rx = re.compile(re.escape(k))
        else:
            rx = re.compile(r"(?<![a-z0-9])" + re.escape(k) + r"(?:s|es)?(?![a-z0-9])")
        out.append((f"keyword {kw!r}", rx))
    for p in c.patterns:
        out.append((f"pattern {p!r}", re.compile(p, re.IGNORECASE)))
    return out


def load_taxonomy(path: str | Path) -> Taxonomy:
    r"""Read a taxonomy from a TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        A TOML file shaped like :data:`DEFAULT_TAXONOMY_RULES`::

            special = "special"
            [types.restrictive]
            keywords = ["资质", "certification"]
            [categories.mobile]
            type = "product"
            keywords = ["移动端", "mobile"]
            patterns = ['\\bi(os|pad)\\b']

    Returns
    -------
    Taxonomy
        The validated taxonomy.

    Raises
    ------
    RequirementError
        If the file is not valid TOML or the rules are invalid.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RequirementError(f"taxonomy file {path} is not valid TOML: {exc}") from None
    return Taxonomy.from_dict(data)


DEFAULT_TAXONOMY = Taxonomy.from_dict(DEFAULT_TAXONOMY_RULES)
"""The default :class:`Taxonomy` built from :data:`DEFAULT_TAXONOMY_RULES`."""


def _taxonomy(taxonomy: Taxonomy | Mapping | str | Path | None) -> Taxonomy:
    if taxonomy is None:
        return DEFAULT_TAXONOMY
    if isinstance(taxonomy, Taxonomy):
        return taxonomy
    if isinstance(taxonomy, Mapping):
        return Taxonomy.from_dict(taxonomy)
    if isinstance(taxonomy, str | Path):
        return load_taxonomy(taxonomy)
    raise RequirementError(
        f"taxonomy must be a Taxonomy, a dict or a TOML path, not {type(taxonomy).__name__}"
    )


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


def _check(df: pd.DataFrame, cols: Iterable[str], fix: str = "") -> None:
    if not isinstance(df, pd.DataFrame):
        raise RequirementError(
            f"expected the requirements table as a pandas DataFrame, got {type(df).__name__}"
        )
    missing = [c for c in cols if c not in df.columns]
    if missing:
        hint = fix or "rename the column or pass the matching *_col argument"
        raise RequirementError(
            f"the requirements table has no column {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(str, df.columns))}); {hint}"
        )


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "").fillna(True)


def _text(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("")


def _dates(df: pd.DataFrame, col: str) -> pd.Series:
    s = df[col]
    if not pd.api.types.is_datetime64_any_dtype(s):
        try:
            s = pd.to_datetime(s)
        except (ValueError, TypeError) as exc:
            raise RequirementError(
                f"requirements column {col!r} holds values that are not dates ({exc}); "
                "fix them or load the table with workbench.load.load"
            ) from None
    return s


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


def _match(text: str, rules: list[tuple[str, list[tuple[str, re.Pattern]]]]) -> list:
    """Return ``[(id, [rule_text, ...]), ...]`` for the rule sets that match."""
    hits = []
    for rid, patterns in rules:
        fired = [name for name, rx in patterns if rx.search(text)]
        if fired:
            hits.append((rid, fired))
    return hits


def classify(
    requirements: pd.DataFrame,
    *,
    taxonomy: Taxonomy | Mapping | str | Path | None = None,
    text_col: str = "description",
    keep_user: bool = True,
) -> pd.DataFrame:
    """Classify needs by business category and type, explaining each decision.

    The category is the taxonomy category with the most matching rules (a tie goes to
    the earlier category); a need that matches none is filed as special (特殊需求). The
    type is the type the category declares; for a special need the taxonomy's type rules
    decide (restrictive, then related), else the default type (product). Rows whose
    ``category`` the user already filled keep it (and their ``type``, if filled).

    Parameters
    ----------
    requirements : pandas.DataFrame
        One row per need with ``text_col``; ``category`` and ``type`` are optional.
    taxonomy : Taxonomy, dict, str or pathlib.Path, optional
        The rules; :data:`DEFAULT_TAXONOMY` by default; a dict or a TOML path is read
        with :meth:`Taxonomy.from_dict` / :func:`load_taxonomy`.
    text_col : str
        Column with the need in the customer's words (Chinese or English).
    keep_user : bool
        Keep the classes users already gave (default). False re-classifies every row.

    Returns
    -------
    pandas.DataFrame
        A copy with ``type``, ``category`` filled and the added columns ``categories``
        (every matching category id, ``|``-separated, best first), ``rule`` (which rule
        fired) and ``classified_by`` (``"user"`` or ``"rules"``).

    Raises
    ------
    RequirementError
        If ``text_col`` is missing or the taxonomy is invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"description": ["需要数据库和培训服务", "验收按国标执行",
    ...                                      "Export the dashboard"],
    ...                      "category": [None, None, "reporting"]})
    >>> out = classify(reqs)
    >>> out[["category", "categories", "type", "classified_by"]]
         category         categories         type classified_by
    0    training  training|database      related         rules
    1  acceptance         acceptance  restrictive         rules
    2   reporting          reporting      product          user
    >>> print(out.loc[1, "rule"])
    category acceptance: keyword '验收', keyword '国标'; type restrictive: from category acceptance
    """
    _check(requirements, [text_col])
    tx = _taxonomy(taxonomy)
    cat_rules = tx.matchers("categories")
    type_rules = tx.matchers("types")
    order = {cid: i for i, cid in enumerate(tx.category_ids)}

    texts = _text(requirements[text_col]).map(_normalise)
    n = len(requirements)
    if "category" in requirements.columns and keep_user:
        user_cat = ~_blank(requirements["category"])
    else:
        user_cat = pd.Series(False, index=requirements.index)
    if "type" in requirements.columns and keep_user:
        user_type = ~_blank(requirements["type"])
    else:
        user_type = pd.Series(False, index=requirements.index)

    categories, all_cats, types, rules, by = [], [], [], [], []
    cat_hits: dict[str, list] = {}
    for i, text in enumerate(texts.tolist()):
        if text not in cat_hits:
            found = _match(text, cat_rules)
            found.sort(key=lambda h: (-len(h[1]), order[h[0]]))
            cat_hits[text] = found
        hits = cat_hits[text]
        matched = "|".join(h[0] for h in hits) if hits else tx.special
        if user_cat.iat[i]:
            cat = str(requirements["category"].iat[i]).strip()
            cat_rule = f"category {cat}: set by user"
        elif hits:
            cat = hits[0][0]
            cat_rule = f"category {cat}: {', '.join(hits[0][1])}"
        else:
            cat = tx.special
            cat_rule = f"category {cat}: no category rule matched"
        if user_type.iat[i]:
            typ = str(requirements["type"].iat[i]).strip()
            type_rule = f"type {typ}: set by user"
        elif tx.type_of(cat) is not None:
            typ = tx.type_of(cat)
            type_rule = f"type {typ}: from category {cat}"
        else:
            t_hits = _match(text, type_rules)
            if t_hits:
                typ = t_hits[0][0]
                type_rule = f"type {typ}: {', '.join(t_hits[0][1])}"
            else:
                typ = tx.default_type
                type_rule = f"type {typ}: default"
        categories.append(cat)
        all_cats.append(matched)
        types.append(typ)
        rules.append(f"{cat_rule}; {type_rule}")
        by.append("user" if user_cat.iat[i] else "rules")

    out = requirements.copy()
    idx = requirements.index
    out["type"] = pd.Series(types, index=idx, dtype="string") if n else pd.Series(dtype="string")
    out["category"] = pd.Series(categories, index=idx, dtype="string")
    out["categories"] = pd.Series(all_cats, index=idx, dtype="string")
    out["rule"] = pd.Series(rules, index=idx, dtype="string")
    out["classified_by"] = pd.Series(by, index=idx, dtype="string")
    return out


# --------------------------------------------------------------------------------------
# Text analytics
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    """Return a private, initialised jieba tokenizer; quiet and deterministic."""
    import jieba

    logger = logging.getLogger("jieba")
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        tk = jieba.Tokenizer()
        tk.initialize()
        for word in DOMAIN_WORDS_ZH:
            # A high, fixed frequency keeps the term whole in any context (移动端的...).
            tk.add_word(word, freq=_DOMAIN_WORD_FREQ)
    finally:
        logger.setLevel(old_level)
    return tk


_DOMAIN_WORD_FREQ = 50_000
_SPLIT = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")
_LATIN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(
    text: str,
    *,
    stop_words: Iterable[str] | None = None,
    stem: bool = True,
    min_len: int = 2,
) -> list[str]:
    """Split a need written in Chinese, English or both into terms.

    Chinese runs are segmented with jieba (a private tokenizer with
    :data:`DOMAIN_WORDS_ZH` added, initialised without log output); Latin runs are
    lower-cased words, with a light plural stemming (``reports`` -> ``report``). Stop
    words and terms shorter than ``min_len`` characters are dropped.

    Parameters
    ----------
    text : str
        The need.
    stop_words : iterable of str, optional
        Terms to drop; :data:`STOP_WORDS_ZH` and :data:`STOP_WORDS_EN` by default.
    stem : bool
        Strip English plural endings.
    min_len : int
        Shortest term kept.

    Returns
    -------
    list of str
        The terms in order of appearance.

    Examples
    --------
    >>> tokenize("希望系统支持移动端审批")
    ['移动端', '审批']
    >>> tokenize("Mobile approvals for the sales reports")
    ['mobile', 'approval', 'sale', 'report']
    """
    stops = (STOP_WORDS_ZH | STOP_WORDS_EN) if stop_words is None else frozenset(stop_words)
    if not isinstance(text, str) or not text:
        return []
    norm = _normalise(text)
    out: list[str] = []
    for part in _SPLIT.split(norm):
        if not part:
            continue
        if _CJK.match(part):
            words = _segmenter().lcut(part, HMM=True)
        else:
            words = _LATIN.findall(part)
            words = [w for w in words if not w.isdigit()]
            if stem:
                words = [_stem(w) for w in words]
        out.extend(w for w in words if len(w) >= min_len and w not in stops)
    return out


def _periods(dates: pd.Series, freq: str) -> pd.Series:
    return dates.dt.to_period(freq).dt.start_time


def top_terms(
    requirements: pd.DataFrame,
    by: str | None = "category",
    *,
    n: int = 10,
    freq: str = "M",
    text_col: str = "description",
    date_col: str = "date",
    stop_words: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Most frequent terms per group: per category, per period or overall.

    A term counts once per need that uses it (document frequency), so one verbose need
    cannot dominate. Ties are broken alphabetically.

    Parameters
    ----------
    requirements : pandas.DataFrame
        One row per need with ``text_col`` (and ``by`` or ``date_col``).
    by : str or None
        A column to group by (``"category"``, ``"branch"``...), ``"period"`` to group by
        ``date_col`` at ``freq``, or None for the whole library.
    n : int
        Terms kept per group.
    freq : str
        Period frequency when ``by="period"`` (``"M"``, ``"Q"``, ``"Y"``).
    text_col, date_col : str
        Columns with the need and its date.
    stop_words : iterable of str, optional
        Terms to drop (default: the Chinese and English lists).

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` (``period`` as the period's first day; absent when ``by`` is
        None), ``term``, ``needs`` (needs using it), ``rank`` (1 = most used).

    Raises
    ------
    RequirementError
        If a needed column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"category": ["mobile", "mobile", "reporting"],
    ...     "description": ["手机审批", "移动端审批流程", "monthly sales report"]})
    >>> top_terms(reqs, n=1).to_numpy().tolist()
    [['mobile', '审批', 2, 1], ['reporting', 'monthly', 1, 1]]
    """
    cols = [text_col]
    if by == "period":
        cols.append(date_col)
    elif by is not None:
        cols.append(by)
    _check(requirements, cols)
    terms = _text(requirements[text_col]).map(
        lambda t: sorted(set(tokenize(t, stop_words=stop_words)))
    )
    frame = pd.DataFrame({"term": terms})
    if by == "period":
        frame["period"] = _periods(_dates(requirements, date_col), freq).to_numpy()
    elif by is not None:
        frame[by] = requirements[by].to_numpy()
    frame = frame.explode("term").dropna(subset=["term"])
    keys = [] if by is None else [by]
    columns = [*keys, "term", "needs", "rank"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    counts = frame.groupby([*keys, "term"], dropna=False).size().rename("needs").reset_index()
    counts = counts.sort_values(
        [*keys, "needs", "term"], ascending=[*[True] * len(keys), False, True]
    )
    if keys:
        counts["rank"] = counts.groupby(keys, dropna=False).cumcount() + 1
    else:
        counts["rank"] = np.arange(1, len(counts) + 1)
    counts = counts[counts["rank"] <= n]
    return counts[columns].reset_index(drop=True)


def _features(text: str) -> list[str]:
    """Terms plus their character n-grams (bigrams of Chinese, trigrams of Latin terms).

    The n-grams are taken inside the terms left after stop words, so that a reworded
    need ("希望支持移动端的审批功能" for "希望系统支持移动端审批") keeps its content and
    a different segmentation or inflection (移动 / 移动端, approve / approval) still
    overlaps.
    """
    terms = tokenize(text)
    feats = list(terms)
    for term in terms:
        if _CJK.match(term):
            feats.extend("#" + term[i : i + 2] for i in range(len(term) - 1) if len(term) > 2)
        else:
            w = f"<{term}>"
            feats.extend("#" + w[i : i + 3] for i in range(len(w) - 2))
    return feats


def _tfidf(docs: list[list[str]]) -> sp.csr_matrix:
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, doc in enumerate(docs):
        counts: dict[int, int] = {}
        for f in doc:
            j = vocab.setdefault(f, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            rows.append(i)
            cols.append(j)
            vals.append(c)
    tf = sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=float)
    df = np.bincount(tf.indices, minlength=len(vocab))
    idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
    x = tf.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ x


def _leader_groups(m: int, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Group items 0..m-1 given links ``r < c`` around leaders (star clustering).

    Each group is a leader plus every later ungrouped item linked to it, so that no
    chain of small rewordings can join two different needs.
    """
    adjacency = sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(m, m))
    labels = np.full(m, -1, dtype=np.int64)
    for i in range(m):
        if labels[i] >= 0:
            continue
        labels[i] = i
        members = adjacency.indices[adjacency.indptr[i] : adjacency.indptr[i + 1]]
        free = members[labels[members] < 0]
        labels[free] = i
    return labels


def near_duplicates(
    requirements: pd.DataFrame,
    threshold: float = 0.7,
    *,
    text_col: str = "description",
    customer_col: str = "customer_id",
    block: int = 500,
) -> pd.DataFrame:
    """Group needs that say nearly the same thing, across customers.

    Each distinct text becomes a TF-IDF vector over its terms (:func:`tokenize`) plus
    the character n-grams of those terms (bigrams of Chinese, trigrams of Latin words),
    so that rewordings, inflections and word-order changes still match. Groups are
    stars: in order of appearance, a need not yet grouped leads a new group, which
    takes every later ungrouped need whose cosine similarity to the leader reaches
    ``threshold``. Every member is thus close to its leader; a chain of small changes
    cannot join two different needs (as single linkage would). Needs with no term left
    after stop words are never grouped. Similarities are computed in blocks of
    ``block`` distinct texts to bound memory.

    Parameters
    ----------
    requirements : pandas.DataFrame
        One row per need with ``text_col`` and ``customer_col``.
    threshold : float
        Cosine similarity in (0, 1] from which two needs are the same need. At the
        default 0.7 every urgency or repetition variant of a need in the sample data
        joins it, and only rewordings of the same need merge; 0.6 starts to merge
        different needs that share a word.
    text_col, customer_col : str
        Columns with the need and the customer.
    block : int
        Rows per block of the similarity computation.

    Returns
    -------
    pandas.DataFrame
        A copy with ``need_group`` (int, 1.. in order of first appearance; a need alike
        no other has its own group), ``need_group_size`` (needs in the group) and
        ``need_group_customers`` (distinct customers in the group).

    Raises
    ------
    RequirementError
        If a column is missing or ``threshold`` is outside (0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"customer_id": ["C1", "C2", "C3"],
    ...     "description": ["希望系统支持移动端审批", "希望支持移动端审批功能", "报表导出到Excel"]})
    >>> near_duplicates(reqs)[["need_group", "need_group_size", "need_group_customers"]]
       need_group  need_group_size  need_group_customers
    0           1                2                     2
    1           1                2                     2
    2           2                1                     1
    """
    _check(requirements, [text_col, customer_col])
    if not 0 < threshold <= 1:
        raise RequirementError(f"threshold must be in (0, 1], got {threshold}")
    out = requirements.copy()
    n = len(out)
    if n == 0:
        for c in ("need_group", "need_group_size", "need_group_customers"):
            out[c] = pd.Series(dtype="int64")
        return out
    # Work on distinct texts: a need written identically by many customers costs once.
    codes, uniques = pd.factorize(_text(requirements[text_col]).map(_normalise))
    feats = [_features(t) for t in uniques]
    m = len(uniques)
    x = _tfidf(feats)
    xt = x.T.tocsc()
    links = []
    for start in range(0, m, block):
        sim = (x[start : start + block] @ xt).tocoo()
        keep = (sim.data >= threshold - 1e-12) & (sim.row + start < sim.col)
        links.append((sim.row[keep] + start, sim.col[keep]))
    r = np.concatenate([a for a, _ in links])
    c = np.concatenate([b for _, b in links])
    unique_labels = _leader_groups(m, r, c)
    labels = unique_labels[codes]
    # Needs without any term (blank, only stop words) are never duplicates of each other.
    empty = np.array([not f for f in feats], dtype=bool)[codes]
    labels[empty] = m + np.arange(int(empty.sum()))
    # Renumber groups 1.. in order of first appearance.
    group = pd.factorize(labels)[0] + 1
    out["need_group"] = group.astype("int64")
    sizes = pd.Series(group).map(pd.Series(group).value_counts())
    custs = pd.DataFrame({"g": group, "c": requirements[customer_col].to_numpy()})
    n_custs = custs.groupby("g")["c"].nunique()
    out["need_group_size"] = sizes.to_numpy().astype("int64")
    out["need_group_customers"] = pd.Series(group).map(n_custs).to_numpy().astype("int64")
    return out


def deduplicate(
    library: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    id_col: str = "requirement_id",
) -> pd.DataFrame:
    """Keep one row per customer and need group: a customer's repeated need counts once.

    Needs of different customers in the same group all stay (they are what makes a
    niche). The earliest row of a customer's group is kept.

    Parameters
    ----------
    library : pandas.DataFrame
        Output of :func:`near_duplicates` (needs ``need_group``).
    customer_col, date_col, id_col : str
        Customer, date and id columns.

    Returns
    -------
    pandas.DataFrame
        The kept rows with ``duplicates`` (rows merged into this one, itself included),
        ``duplicate_ids`` (their ids, ``;``-separated) and ``need_group_size`` recounted.

    Raises
    ------
    RequirementError
        If ``need_group`` is missing (run :func:`near_duplicates` first).

    Examples
    --------
    >>> import pandas as pd
    >>> lib = pd.DataFrame({"requirement_id": ["R1", "R2", "R3"],
    ...     "customer_id": ["C1", "C1", "C2"], "need_group": [1, 1, 1],
    ...     "date": pd.to_datetime(["2025-03-01", "2025-01-01", "2025-02-01"])})
    >>> deduplicate(lib)[["requirement_id", "duplicates", "duplicate_ids", "need_group_size"]]
      requirement_id  duplicates duplicate_ids  need_group_size
    0             R2           2         R2;R1                2
    1             R3           1            R3                2
    """
    _check(
        library,
        ["need_group", customer_col, date_col, id_col],
        "run workbench.requirements.near_duplicates first",
    )
    lib = library.assign(_date=_dates(library, date_col)).sort_values(
        ["_date", id_col], kind="stable"
    )
    keys = ["need_group", customer_col]
    grouped = lib.groupby(keys, sort=False)
    kept = grouped.head(1).copy()
    ids = grouped[id_col].agg(lambda s: ";".join(map(str, s)))
    sizes = grouped.size()
    key_index = pd.MultiIndex.from_frame(kept[keys])
    kept["duplicates"] = sizes.reindex(key_index).to_numpy().astype("int64")
    kept["duplicate_ids"] = pd.array(ids.reindex(key_index).to_numpy(), dtype="string")
    kept["need_group_size"] = kept.groupby("need_group")[id_col].transform("size").astype("int64")
    return kept.drop(columns="_date").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Roll-ups at the three organisational levels
# --------------------------------------------------------------------------------------


def _open(df: pd.DataFrame, status_col: str = "status") -> pd.Series:
    if status_col not in df.columns:
        return pd.Series(True, index=df.index)
    status = _text(df[status_col]).str.strip()
    return status.isin(OPEN_STATUSES) | (status == "")


def _key(df: pd.DataFrame, col: str) -> pd.Series:
    """A grouping column with blanks replaced by ``unclassified``/``unknown``."""
    fill = UNCLASSIFIED if col == "category" else "unknown"
    s = _text(df[col]).str.strip()
    return s.mask(s == "", fill)


def operations_rollup(
    requirements: pd.DataFrame,
    *,
    by: str = "collected_by",
    customer_col: str = "customer_id",
    status_col: str = "status",
) -> pd.DataFrame:
    """Operations level: what each salesperson, implementer or service person collected.

    Parameters
    ----------
    requirements : pandas.DataFrame
        One row per need with ``by`` and ``customer_col``; ``category``,
        ``classified_by`` and ``status`` are used when present.
    by : str
        Column naming who collected the need.
    customer_col, status_col : str
        Customer and status columns.

    Returns
    -------
    pandas.DataFrame
        One row per person (blank: ``unknown``): ``by``, ``collected`` (needs),
        ``customers`` (distinct), ``classified`` (needs the person filed in a category
        themselves: ``classified_by == "user"`` after :func:`classify`, else a filled
        category), ``unclassified`` (the rest), ``special`` (filed as special needs) and
        ``open`` (status new, accepted, planned or blank). Sorted by ``collected``
        descending.

    Raises
    ------
    RequirementError
        If ``by`` or ``customer_col`` is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"collected_by": ["Li", "Li", "Wang"],
    ...     "customer_id": ["C1", "C2", "C1"], "category": ["mobile", None, "special"],
    ...     "status": ["new", "delivered", "planned"]})
    >>> operations_rollup(reqs)
      collected_by  collected  customers  classified  unclassified  special  open
    0           Li          2          2           1             1        0     1
    1         Wang          1          1           1             0        1     1
    """
    _check(requirements, [by, customer_col])
    df = pd.DataFrame({by: _key(requirements, by), "c": requirements[customer_col].to_numpy()})
    if "classified_by" in requirements.columns:
        df["classified"] = (_text(requirements["classified_by"]) == "user").to_numpy()
    elif "category" in requirements.columns:
        df["classified"] = (~_blank(requirements["category"])).to_numpy()
    else:
        df["classified"] = False
    if "category" in requirements.columns:
        df["special"] = (_text(requirements["category"]).str.strip() == SPECIAL).to_numpy()
    else:
        df["special"] = False
    df["open"] = _open(requirements, status_col).to_numpy()
    g = df.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "collected": g.size(),
            "customers": g["c"].nunique(),
            "classified": g["classified"].sum(),
            "special": g["special"].sum(),
            "open": g["open"].sum(),
        }
    )
    out["unclassified"] = out["collected"] - out["classified"]
    out = out.astype("int64").reset_index()
    cols = [by, "collected", "customers", "classified", "unclassified", "special", "open"]
    return out[cols].sort_values(["collected", by], ascending=[False, True], ignore_index=True)


def branch_rollup(
    requirements: pd.DataFrame,
    *,
    by: str = "branch",
    customer_col: str = "customer_id",
    status_col: str = "status",
) -> pd.DataFrame:
    """Business-management level: needs per branch or business line.

    Parameters
    ----------
    requirements : pandas.DataFrame
        Classified needs (:func:`classify`) with ``by``, ``customer_col`` and
        ``category``; ``status`` is used when present.
    by : str
        Column with the branch or business line.
    customer_col, status_col : str
        Customer and status columns.

    Returns
    -------
    pandas.DataFrame
        One row per branch (blank: ``unknown``): ``by``, ``needs``, ``customers``
        (distinct), ``open``, ``delivered``, ``rejected``, ``special``,
        ``top_category`` (most needs; ties alphabetical; special needs excluded unless
        nothing else) and ``top_category_needs``. Sorted by ``needs`` descending.

    Raises
    ------
    RequirementError
        If a column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"branch": ["North", "North", "South"],
    ...     "customer_id": ["C1", "C2", "C3"], "category": ["mobile", "mobile", "pricing"],
    ...     "status": ["new", "delivered", "rejected"]})
    >>> branch_rollup(reqs)[["branch", "needs", "open", "delivered", "top_category"]]
      branch  needs  open  delivered top_category
    0  North      2     1          1       mobile
    1  South      1     0          0      pricing
    """
    _check(requirements, [by, customer_col, "category"], "run classify() first")
    status = _text(requirements[status_col]) if status_col in requirements.columns else None
    df = pd.DataFrame(
        {
            by: _key(requirements, by).to_numpy(),
            "c": requirements[customer_col].to_numpy(),
            "category": _key(requirements, "category").to_numpy(),
            "open": _open(requirements, status_col).to_numpy(),
            "delivered": (status == "delivered").to_numpy() if status is not None else False,
            "rejected": (status == "rejected").to_numpy() if status is not None else False,
        }
    )
    df["special"] = df["category"] == SPECIAL
    g = df.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "needs": g.size(),
            "customers": g["c"].nunique(),
            "open": g["open"].sum(),
            "delivered": g["delivered"].sum(),
            "rejected": g["rejected"].sum(),
            "special": g["special"].sum(),
        }
    ).astype("int64")
    top = top_categories(requirements, by=by, n=1, customer_col=customer_col)
    top = top.set_index(by)
    out["top_category"] = top["category"].reindex(out.index).astype("string")
    out["top_category_needs"] = top["needs"].reindex(out.index).fillna(0).astype("int64")
    out = out.reset_index()
    return out.sort_values(["needs", by], ascending=[False, True], ignore_index=True)


def trend(
    requirements: pd.DataFrame,
    by: str | None = "category",
    *,
    freq: str = "M",
    date_col: str = "date",
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Needs per period, optionally per group (branch, category, source...).

    Parameters
    ----------
    requirements : pandas.DataFrame
        One row per need with ``date_col``, ``customer_col`` and ``by``.
    by : str or None
        Grouping column; None for the library as a whole.
    freq : str
        ``"M"`` (month), ``"Q"`` or ``"Y"``.
    date_col, customer_col : str
        Date and customer columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` (if any), ``period`` (first day of the period), ``needs``,
        ``customers`` (distinct); only periods with needs, sorted by group and period.

    Raises
    ------
    RequirementError
        If a column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"category": ["mobile", "mobile", "pricing"],
    ...     "customer_id": ["C1", "C1", "C2"],
    ...     "date": pd.to_datetime(["2025-01-03", "2025-01-20", "2025-02-01"])})
    >>> trend(reqs)
      category     period  needs  customers
    0   mobile 2025-01-01      2          1
    1  pricing 2025-02-01      1          1
    """
    cols = [date_col, customer_col] + ([by] if by else [])
    _check(requirements, cols)
    df = pd.DataFrame(
        {
            "period": _periods(_dates(requirements, date_col), freq).to_numpy(),
            "c": requirements[customer_col].to_numpy(),
        }
    )
    keys = ["period"]
    if by:
        df.insert(0, by, _key(requirements, by).to_numpy())
        keys = [by, "period"]
    g = df.dropna(subset=["period"]).groupby(keys, sort=True)
    out = pd.DataFrame({"needs": g.size(), "customers": g["c"].nunique()}).astype("int64")
    return out.reset_index()


def top_categories(
    requirements: pd.DataFrame,
    by: str = "branch",
    *,
    n: int = 3,
    include_special: bool = False,
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """The ``n`` categories with most needs per group (branch, source, person...).

    Parameters
    ----------
    requirements : pandas.DataFrame
        Classified needs with ``category``, ``by`` and ``customer_col``.
    by : str
        Grouping column.
    n : int
        Categories kept per group.
    include_special : bool
        Rank special needs too. By default they are ranked only in a group that has
        nothing else.
    customer_col : str
        Customer column.

    Returns
    -------
    pandas.DataFrame
        Columns ``by``, ``category``, ``needs``, ``customers``, ``rank`` (ties broken
        by customers, then alphabetically).

    Raises
    ------
    RequirementError
        If a column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"branch": ["N", "N", "N"], "customer_id": ["C1", "C2", "C1"],
    ...     "category": ["pricing", "mobile", "mobile"]})
    >>> top_categories(reqs, n=2)
      branch category  needs  customers  rank
    0      N   mobile      2          2     1
    1      N  pricing      1          1     2
    """
    _check(requirements, [by, customer_col, "category"], "run classify() first")
    df = pd.DataFrame(
        {
            by: _key(requirements, by).to_numpy(),
            "category": _key(requirements, "category").to_numpy(),
            "c": requirements[customer_col].to_numpy(),
        }
    )
    g = df.groupby([by, "category"], sort=True)
    out = pd.DataFrame({"needs": g.size(), "customers": g["c"].nunique()}).reset_index()
    out["_special"] = (out["category"] == SPECIAL) & (not include_special)
    out = out.sort_values(
        [by, "_special", "needs", "customers", "category"],
        ascending=[True, True, False, False, True],
        ignore_index=True,
    )
    out["rank"] = out.groupby(by).cumcount() + 1
    has_other = out.groupby(by)["_special"].transform(lambda s: (~s).any())
    out = out[~(out["_special"] & has_other)]
    out = out[out["rank"] <= n]
    out = out.astype({"needs": "int64", "customers": "int64", "rank": "int64"})
    return out[[by, "category", "needs", "customers", "rank"]].reset_index(drop=True)


_VALUE_COLS = ("value", "revenue", "rfm_monetary", "monetary", "amount")


def customer_values(
    customer_value: pd.DataFrame | pd.Series,
    *,
    value_col: str | None = None,
    customer_col: str = "customer_id",
) -> pd.Series:
    """Value per customer from a per-customer frame, an orders table or a Series.

    Parameters
    ----------
    customer_value : pandas.DataFrame or pandas.Series
        A Series indexed by customer id; or a frame with ``customer_col`` and a value
        column: one row per customer (e.g. :func:`workbench.metrics.customer_summary`
        output) or many (the orders table, whose ``amount`` is summed).
    value_col : str, optional
        The value column; by default the first of ``value``, ``revenue``,
        ``rfm_monetary``, ``monetary``, ``amount`` present.
    customer_col : str
        Customer column.

    Returns
    -------
    pandas.Series
        Float value indexed by customer id (as strings), named ``customer_value``.

    Raises
    ------
    RequirementError
        If no value column is found.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "amount": [10.0, 5.0, 7.0]})
    >>> customer_values(orders).to_dict()
    {'C1': 15.0, 'C2': 7.0}
    """
    if isinstance(customer_value, pd.Series):
        s = customer_value.astype(float)
        s.index = s.index.astype(str)
        return s.groupby(level=0).sum().rename("customer_value")
    if not isinstance(customer_value, pd.DataFrame) or customer_col not in customer_value:
        raise RequirementError(
            f"customer_value must be a Series indexed by customer or a frame with a "
            f"{customer_col!r} column (per-customer values or the orders table)"
        )
    col = value_col or next((c for c in _VALUE_COLS if c in customer_value.columns), None)
    if col is None or col not in customer_value.columns:
        raise RequirementError(
            f"customer_value has no value column (looked for {value_col or _VALUE_COLS}); "
            "pass value_col= naming the column with each customer's value"
        )
    ids = customer_value[customer_col].astype(str)
    values = pd.to_numeric(customer_value[col], errors="coerce").fillna(0.0).astype(float)
    return values.groupby(ids.to_numpy()).sum().rename("customer_value")


def _window_counts(
    df: pd.DataFrame, key: str, as_of: pd.Timestamp, months: int
) -> tuple[pd.Series, pd.Series, float]:
    """Distinct customers per group in the two windows, and the library's growth.

    The library's growth is that of all distinct customers stating any need.
    """
    recent_start = as_of - pd.DateOffset(months=months)
    prev_start = as_of - pd.DateOffset(months=2 * months)
    recent = df[(df["_date"] > recent_start) & (df["_date"] <= as_of)]
    previous = df[(df["_date"] > prev_start) & (df["_date"] <= recent_start)]
    n_prev = previous["_customer"].nunique()
    overall = recent["_customer"].nunique() / n_prev - 1.0 if n_prev else np.nan
    return (
        recent.groupby(key)["_customer"].nunique(),
        previous.groupby(key)["_customer"].nunique(),
        overall,
    )


def decision_rollup(
    requirements: pd.DataFrame,
    customer_value: pd.DataFrame | pd.Series | None = None,
    *,
    by: str = "category",
    as_of: str | pd.Timestamp | None = None,
    months: int = 12,
    value_col: str | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    text_col: str = "description",
) -> pd.DataFrame:
    """Decision level: categories or needs ranked by the distinct customers behind them.

    Growth compares the distinct customers stating the need in the last ``months``
    months up to ``as_of`` with the ``months`` before that; relative growth compares
    it with the growth of the whole library (customers stating any need), so that a
    need growing only as fast as the business does not stand out.

    Parameters
    ----------
    requirements : pandas.DataFrame
        Classified needs with ``by``, ``customer_col`` and ``date_col``. For
        ``by="need_group"`` run :func:`near_duplicates` first.
    customer_value : pandas.DataFrame or pandas.Series, optional
        Customer value, see :func:`customer_values` (e.g. the orders table).
    by : str
        ``"category"``, ``"need_group"`` or any grouping column.
    as_of : str or pandas.Timestamp, optional
        End of the recent window; the latest need date when omitted.
    months : int
        Length of each growth window.
    value_col : str, optional
        Value column of ``customer_value``.
    customer_col, date_col, text_col : str
        Customer, date and need columns.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``by``, ``needs``, ``customers`` (distinct),
        ``customer_value`` (sum over those customers; NaN without values),
        ``recent_customers``, ``previous_customers``, ``growth`` (recent / previous
        - 1; NaN when previous is 0), ``relative_growth`` ((1 + growth) / (1 +
        library growth) - 1), ``rank`` (by customers, then value, then id), plus
        ``need`` (the earliest wording) when ``by="need_group"``.

    Raises
    ------
    RequirementError
        If a column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"category": ["mobile", "mobile", "pricing", "mobile"],
    ...     "customer_id": ["C1", "C2", "C3", "C1"],
    ...     "date": pd.to_datetime(["2024-03-01", "2025-03-01", "2025-04-01", "2025-05-01"])})
    >>> value = pd.Series({"C1": 100.0, "C2": 50.0, "C3": 10.0})
    >>> decision_rollup(reqs, value, as_of="2025-06-30")[
    ...     ["category", "customers", "customer_value", "recent_customers", "growth"]]
      category  customers  customer_value  recent_customers  growth
    0   mobile          2           150.0                 2     1.0
    1  pricing          1            10.0                 1     NaN
    """
    _check(
        requirements,
        [by, customer_col, date_col],
        "run classify() (category) or near_duplicates() (need_group) first",
    )
    df = pd.DataFrame(
        {
            by: _key(requirements, by).to_numpy() if by != "need_group" else requirements[by],
            "_customer": requirements[customer_col].astype(str).to_numpy(),
            "_date": _dates(requirements, date_col).to_numpy(),
        }
    )
    end = pd.Timestamp(as_of) if as_of is not None else df["_date"].max()
    g = df.groupby(by, sort=True)
    out = pd.DataFrame({"needs": g.size(), "customers": g["_customer"].nunique()})
    if customer_value is not None:
        values = customer_values(customer_value, value_col=value_col, customer_col=customer_col)
        pairs = df[[by, "_customer"]].drop_duplicates()
        pairs["v"] = pairs["_customer"].map(values).fillna(0.0).astype(float)
        out["customer_value"] = pairs.groupby(by)["v"].sum()
    else:
        out["customer_value"] = np.nan
    recent, previous, overall = _window_counts(df, by, end, months)
    out["recent_customers"] = recent.reindex(out.index).fillna(0).astype("int64")
    out["previous_customers"] = previous.reindex(out.index).fillna(0).astype("int64")
    prev = out["previous_customers"].astype(float).replace(0.0, np.nan)
    out["growth"] = out["recent_customers"] / prev - 1.0
    out["relative_growth"] = (1.0 + out["growth"]) / (1.0 + overall) - 1.0
    out = out.astype({"needs": "int64", "customers": "int64", "customer_value": float})
    out = out.reset_index()
    if by == "need_group":
        if text_col in requirements.columns:
            first = requirements.assign(_d=df["_date"].to_numpy()).sort_values("_d", kind="stable")
            out["need"] = out[by].map(first.groupby(by)[text_col].first()).astype("string")
    out = out.sort_values(
        ["customers", "customer_value", by], ascending=[False, False, True], ignore_index=True
    )
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out


def niche_candidates(
    requirements: pd.DataFrame,
    customer_value: pd.DataFrame | pd.Series | None = None,
    *,
    by: str = "category",
    min_customers: int = 5,
    min_growth: float = 0.5,
    min_recent: int = 3,
    as_of: str | pd.Timestamp | None = None,
    months: int = 12,
    exclude: Sequence[str] = (SPECIAL, UNCLASSIFIED),
    value_col: str | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    text_col: str = "description",
) -> pd.DataFrame:
    """Niche-market candidates (市场利基): needs many customers share, or that grow fast.

    A group qualifies when at least ``min_customers`` distinct customers state it
    (``shared``), or when the customers stating it grew, period over period, by
    ``min_growth`` or more *relative to the library as a whole* with at least
    ``min_recent`` of them in the recent window (``growing``; a group new in the
    recent window counts as growing). Growth is relative so that in a business whose
    customer base doubles, a need must more than double to be a niche.

    Parameters
    ----------
    requirements : pandas.DataFrame
        Classified needs, see :func:`decision_rollup`.
    customer_value : pandas.DataFrame or pandas.Series, optional
        Customer value (e.g. the orders table), see :func:`customer_values`.
    by : str
        ``"category"`` or ``"need_group"`` (computed with :func:`near_duplicates` at
        its default threshold when the column is missing).
    min_customers : int
        Distinct customers from which a need is shared.
    min_growth : float
        Relative growth of distinct customers (0.5 = 50 % faster than the library)
        from which a need grows fast.
    min_recent : int
        Fewest recent customers for the growth rule to count.
    as_of : str or pandas.Timestamp, optional
        End of the recent window (latest need date when omitted).
    months : int
        Window length for growth.
    exclude : sequence of str
        Groups never proposed (special and unclassified needs by default).
    value_col : str, optional
        Value column of ``customer_value``.
    customer_col, date_col, text_col : str
        Customer, date and need columns.

    Returns
    -------
    pandas.DataFrame
        The :func:`decision_rollup` columns for the qualifying groups, plus ``reason``
        (``"shared"``, ``"growing"`` or ``"shared+growing"``) and ``customer_ids`` (list
        of the customers behind it, most valuable first). Ranked by customers, then
        value.

    Raises
    ------
    RequirementError
        If a column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"category": ["mobile"] * 3 + ["pricing"],
    ...     "customer_id": ["C1", "C2", "C3", "C1"],
    ...     "date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-03-01"])})
    >>> niche_candidates(reqs, min_customers=3)[["category", "customers", "reason", "customer_ids"]]
      category  customers          reason  customer_ids
    0   mobile          3  shared+growing  [C1, C2, C3]
    """
    if by == "need_group" and "need_group" not in requirements.columns:
        requirements = near_duplicates(requirements, text_col=text_col, customer_col=customer_col)
    ranked = decision_rollup(
        requirements,
        customer_value,
        by=by,
        as_of=as_of,
        months=months,
        value_col=value_col,
        customer_col=customer_col,
        date_col=date_col,
        text_col=text_col,
    )
    ranked = ranked[~ranked[by].astype(str).isin([str(e) for e in exclude])]
    shared = ranked["customers"] >= min_customers
    growth = ranked["relative_growth"].fillna(np.inf)
    growth = growth.where(ranked["recent_customers"] > 0, -np.inf)
    growing = (growth >= min_growth) & (ranked["recent_customers"] >= min_recent)
    out = ranked[shared | growing].copy()
    reason = np.where(shared & growing, "shared+growing", np.where(shared, "shared", "growing"))
    out["reason"] = pd.array(reason[(shared | growing).to_numpy()], dtype="string")
    values = (
        customer_values(customer_value, value_col=value_col, customer_col=customer_col)
        if customer_value is not None
        else pd.Series(dtype=float)
    )
    keys = _key(requirements, by) if by != "need_group" else requirements[by]
    pairs = pd.DataFrame(
        {"g": keys.to_numpy(), "c": requirements[customer_col].astype(str).to_numpy()}
    ).drop_duplicates()
    pairs["v"] = pairs["c"].map(values).fillna(0.0).astype(float)
    pairs = pairs.sort_values(["g", "v", "c"], ascending=[True, False, True])
    members = pairs.groupby("g")["c"].agg(list)
    out["customer_ids"] = out[by].map(members)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Status flow
# --------------------------------------------------------------------------------------


def status_flow(
    requirements: pd.DataFrame,
    by: str | None = None,
    *,
    status_col: str = "status",
) -> pd.DataFrame:
    """Needs per status (new, accepted, planned, delivered, rejected).

    Parameters
    ----------
    requirements : pandas.DataFrame
        One row per need with ``status_col`` (a blank status counts as ``new``).
    by : str, optional
        Also split by this column (``"category"``, ``"branch"``...).
    status_col : str
        Status column.

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` (if any), ``status`` (all five, in flow order, zeros included),
        ``needs`` and ``share`` (of the group's needs).

    Raises
    ------
    RequirementError
        If a column is missing or a status is not one of the five.

    Examples
    --------
    >>> import pandas as pd
    >>> status_flow(pd.DataFrame({"status": ["new", "delivered", "new", None]}))
          status  needs  share
    0        new      3   0.75
    1   accepted      0   0.00
    2    planned      0   0.00
    3  delivered      1   0.25
    4   rejected      0   0.00
    """
    _check(requirements, [status_col] + ([by] if by else []))
    status = _text(requirements[status_col]).str.strip().replace("", "new")
    bad = sorted(set(status) - set(REQUIREMENT_STATUSES))
    if bad:
        raise RequirementError(
            f"requirements column {status_col!r} has unknown status {', '.join(bad)}; use "
            f"one of {', '.join(REQUIREMENT_STATUSES)} (map them with a mapping file)"
        )
    df = pd.DataFrame({"status": pd.Categorical(status, categories=REQUIREMENT_STATUSES)})
    keys = ["status"]
    if by:
        df.insert(0, by, _key(requirements, by).to_numpy())
        keys = [by, "status"]
    counts = df.groupby(keys, observed=False).size().rename("needs").reset_index()
    counts["status"] = counts["status"].astype("string")
    counts["needs"] = counts["needs"].astype("int64")
    totals = counts.groupby(by)["needs"].transform("sum") if by else counts["needs"].sum()
    counts["share"] = (counts["needs"] / totals).fillna(0.0)
    return counts


def time_to_decision(
    requirements: pd.DataFrame,
    by: str | None = "category",
    *,
    date_col: str = "date",
    decided_col: str = "decided_date",
    id_col: str = "requirement_id",
) -> pd.DataFrame:
    """Days from collecting a need to deciding on it (accepting or rejecting it).

    Parameters
    ----------
    requirements : pandas.DataFrame
        Needs with ``date_col`` and ``decided_col`` (blank: not decided yet).
    by : str, optional
        Grouping column (``"category"`` by default); None for the whole library.
    date_col, decided_col, id_col : str
        Collection date, decision date and id columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` (if any), ``needs``, ``decided``, ``median_days``, ``mean_days``
        and ``max_days`` (NaN where nothing was decided), sorted by ``by``.

    Raises
    ------
    RequirementError
        If a column is missing, or a need was decided before it was collected (the
        error names the ids).

    Examples
    --------
    >>> import pandas as pd
    >>> reqs = pd.DataFrame({"category": ["mobile", "mobile", "pricing"],
    ...     "date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-01"]),
    ...     "decided_date": pd.to_datetime(["2025-01-11", "2025-01-31", None])})
    >>> time_to_decision(reqs)
      category  needs  decided  median_days  mean_days  max_days
    0   mobile      2        2         20.0       20.0      30.0
    1  pricing      1        0          NaN        NaN       NaN
    """
    _check(requirements, [date_col, decided_col] + ([by] if by else []))
    days = (_dates(requirements, decided_col) - _dates(requirements, date_col)).dt.days
    bad = days < 0
    if bad.any():
        ids = (
            requirements.loc[bad, id_col].astype(str).tolist()
            if id_col in requirements.columns
            else [str(i) for i in requirements.index[bad]]
        )
        raise RequirementError(
            f"requirements {', '.join(ids[:10])} were decided before they were collected "
            f"({decided_col} < {date_col}); fix the dates"
        )
    df = pd.DataFrame({"days": days.astype(float).to_numpy()})
    if by:
        df.insert(0, by, _key(requirements, by).to_numpy())
        g = df.groupby(by, sort=True)["days"]
    else:
        g = df.assign(_all=0).groupby("_all")["days"]
    out = pd.DataFrame(
        {
            "needs": g.size().astype("int64"),
            "decided": g.count().astype("int64"),
            "median_days": g.median(),
            "mean_days": g.mean(),
            "max_days": g.max(),
        }
    )
    return out.reset_index(drop=by is None)


# --------------------------------------------------------------------------------------
# The library as a whole, and writing it
# --------------------------------------------------------------------------------------


def build_library(
    requirements: pd.DataFrame,
    *,
    taxonomy: Taxonomy | Mapping | str | Path | None = None,
    threshold: float = 0.7,
    dedupe: bool = True,
    text_col: str = "description",
    customer_col: str = "customer_id",
) -> pd.DataFrame:
    """Classify, group near-duplicates and (optionally) de-duplicate in one call.

    Parameters
    ----------
    requirements : pandas.DataFrame
        The requirements table.
    taxonomy : Taxonomy, dict, str or pathlib.Path, optional
        Classification rules, see :func:`classify`.
    threshold : float
        Similarity from which needs are near-duplicates, see :func:`near_duplicates`.
    dedupe : bool
        Keep one row per customer and need group (:func:`deduplicate`).
    text_col, customer_col : str
        Need and customer columns.

    Returns
    -------
    pandas.DataFrame
        The classified library with the need-group columns, sorted by date and id.

    Raises
    ------
    RequirementError
        If a column is missing or the taxonomy is invalid.
    """
    lib = classify(requirements, taxonomy=taxonomy, text_col=text_col)
    lib = near_duplicates(lib, threshold, text_col=text_col, customer_col=customer_col)
    if dedupe:
        lib = deduplicate(lib, customer_col=customer_col)
    return lib
