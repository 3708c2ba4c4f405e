"""The data model: every table the workbench knows, its columns, types and keys.

Only ``customers`` and ``orders`` are required; every other table is optional, and a
feature that needs a missing table raises :class:`MissingTableError` naming it.
``docs/data_model.md`` is generated from this module (``workbench schema``) and a test
keeps the two in step.

Column types are one of ``str``, ``date``, ``float``, ``int``, ``bool``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "REQUIRED_TABLES",
    "MissingTableError",
    "table",
    "to_markdown",
]

DTYPES = ("str", "date", "float", "int", "bool")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        Canonical (English, snake_case) column name.
    dtype : str
        One of ``str``, ``date``, ``float``, ``int``, ``bool``.
    required : bool
        Whether a file for the table must carry the column.
    description : str
        What the column holds, for the data-model documentation.
    values : tuple of str
        Allowed values for a categorical column (empty: any).
    """

    name: str
    dtype: str
    required: bool = False
    description: str = ""
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A table of the data model.

    Parameters
    ----------
    name : str
        Table name, which is also the file stem in a folder source (``orders.csv``).
    description : str
        What one row is.
    columns : tuple of Column
        The columns, required ones first.
    key : tuple of str
        Columns whose combination is unique.
    required : bool
        Whether every dataset must have the table.
    references : dict
        ``column -> "table.column"`` foreign keys.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    references: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """Names of all columns, in order."""
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """Return the column called ``name``.

        Raises
        ------
        KeyError
            If the table has no such column.
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


class MissingTableError(ValueError):
    """A feature needs an optional table that the dataset does not have."""


def _c(name: str, dtype: str, required: bool = False, description: str = "", values=()) -> Column:
    return Column(name, dtype, required, description, tuple(values))


CONTACT_ROLES = ("decision_maker", "leader", "supporter", "neutral", "opponent")
FOLLOW_UP_CHANNELS = ("phone", "sms", "email", "visit", "wechat", "meeting")
REQUIREMENT_TYPES = ("product", "related", "restrictive")
REQUIREMENT_SOURCES = ("sales", "implementation", "service", "other")
REQUIREMENT_STATUSES = ("new", "accepted", "planned", "delivered", "rejected")
OPPORTUNITY_STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
LEAD_SOURCES = (
    "existing_customer",
    "referral",
    "personal_network",
    "online_list",
    "marketing_event",
    "association",
    "media",
)
CAMPAIGN_APPROACHES = ("mass", "information", "differentiated", "relationship")
LOST_REASONS = (
    "poor_results",
    "switched_supplier",
    "budget_short",
    "plan_changed",
    "personnel_changed",
    "business_ended",
)
COMPLAINT_OUTCOMES = ("resolved", "unresolved")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "customers",
            "One customer or prospect (an enterprise or a person).",
            (
                _c("customer_id", "str", True, "Unique customer number (客户编号)."),
                _c("name", "str", True, "Customer name (客户名称)."),
                _c("is_prospect", "bool", False, "True for a prospect with no purchase yet."),
                _c("created_date", "date", False, "When the customer entered the database."),
                _c("industry", "str", False, "Industry (行业)."),
                _c("prosperity_index", "float", False, "Industry prosperity index (景气指数)."),
                _c("enterprise_type", "str", False, "Enterprise type (企业类型)."),
                _c("ownership", "str", False, "Ownership (所有制)."),
                _c("region", "str", False, "Region or province (地区)."),
                _c("city", "str", False, "City."),
                _c("address", "str", False, "Address."),
                _c("enterprise_code", "str", False, "Unified social credit code (企业代码)."),
                _c("legal_representative", "str", False, "Legal representative (法人代表)."),
                _c("founded_date", "date", False, "Founding date (成立日期)."),
                _c("business_scope", "str", False, "Business scope (经营范围)."),
                _c("economic_scale", "str", False, "Economic scale: small, medium, large."),
                _c("employees", "int", False, "Headcount (员工人数)."),
                _c("phone", "str", False, "Main phone."),
                _c("email", "str", False, "Main e-mail."),
                _c("source", "str", False, "Lead source (来源).", LEAD_SOURCES),
                _c("referrer_id", "str", False, "Customer who referred this one (引荐人)."),
                _c("owner", "str", False, "Salesperson who owns the account."),
                _c("company", "str", False, "Company (公司) that serves the customer."),
                _c("department", "str", False, "Department (部门) that serves the customer."),
                _c("man_money", "bool", False, "MAN: has the money (购买能力)."),
                _c("man_authority", "bool", False, "MAN: contact has authority (决定权)."),
                _c("man_need", "bool", False, "MAN: has the need (需求)."),
                _c("acquisition_cost", "float", False, "Cost of winning the customer."),
            ),
            key=("customer_id",),
            required=True,
            references={"referrer_id": "customers.customer_id"},
        ),
        Table(
            "contacts",
            "One person at a customer (联系人).",
            (
                _c("contact_id", "str", True, "Unique contact number."),
                _c("customer_id", "str", True, "Customer the contact works for."),
                _c("name", "str", True, "Name."),
                _c("gender", "str", False, "Gender: F or M."),
                _c("birthday", "date", False, "Birthday (drives greetings)."),
                _c("department", "str", False, "Department at the customer."),
                _c("title", "str", False, "Job title."),
                _c("role", "str", False, "Role in the deal (决策者…反对者).", CONTACT_ROLES),
                _c("phone", "str", False, "Phone."),
                _c("email", "str", False, "E-mail."),
                _c("hobbies", "str", False, "Hobbies and what the person cares about."),
            ),
            key=("contact_id",),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "products",
            "One product or service sold.",
            (
                _c("product_id", "str", True, "Unique product number."),
                _c("name", "str", True, "Product name."),
                _c("category", "str", False, "Product category."),
                _c("unit_price", "float", False, "List price per unit."),
                _c("unit_cost", "float", False, "Cost per unit."),
                _c("usage_days", "float", False, "Days one unit lasts (drives used-up alerts)."),
            ),
            key=("product_id",),
        ),
        Table(
            "orders",
            "One order line: a product bought in an order (购买记录).",
            (
                _c("order_id", "str", True, "Order number; several lines may share it."),
                _c("customer_id", "str", True, "Customer who bought."),
                _c("order_date", "date", True, "Date of the order (下单日期)."),
                _c("amount", "float", True, "Line revenue (金额); negative for returns."),
                _c("line_no", "int", False, "Line number within the order (default 1)."),
                _c("product_id", "str", False, "Product bought."),
                _c("quantity", "float", False, "Units; negative only when is_return."),
                _c("cost", "float", False, "Line cost; profit = amount - cost."),
                _c("salesperson", "str", False, "Salesperson (销售员)."),
                _c("department", "str", False, "Department (部门)."),
                _c("company", "str", False, "Company (公司)."),
                _c("outlet", "str", False, "Sales outlet (销售点)."),
                _c("is_return", "bool", False, "True for a return line."),
            ),
            key=("order_id", "line_no"),
            required=True,
            references={
                "customer_id": "customers.customer_id",
                "product_id": "products.product_id",
            },
        ),
        Table(
            "follow_ups",
            "One follow-up or visit (跟踪/拜访).",
            (
                _c("follow_up_id", "str", True, "Unique number."),
                _c("customer_id", "str", True, "Customer followed up."),
                _c("date", "date", True, "Date of the follow-up."),
                _c("channel", "str", False, "Channel.", FOLLOW_UP_CHANNELS),
                _c("salesperson", "str", False, "Who followed up."),
                _c("contact_id", "str", False, "Contact reached."),
                _c("purpose", "str", False, "Purpose."),
                _c("outcome", "str", False, "Outcome."),
            ),
            key=("follow_up_id",),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "requirements",
            "One customer need (客户需求) in the requirement library.",
            (
                _c("requirement_id", "str", True, "Unique number."),
                _c("customer_id", "str", True, "Customer with the need."),
                _c("date", "date", True, "When the need was collected."),
                _c("description", "str", True, "The need in the customer's words (zh or en)."),
                _c("source", "str", False, "Where it was collected.", REQUIREMENT_SOURCES),
                _c("type", "str", False, "Type of need.", REQUIREMENT_TYPES),
                _c("category", "str", False, "Business category (blank: to classify)."),
                _c("status", "str", False, "Status.", REQUIREMENT_STATUSES),
                _c("decided_date", "date", False, "When it was accepted or rejected."),
                _c("collected_by", "str", False, "Who collected it."),
                _c("branch", "str", False, "Branch or business line."),
            ),
            key=("requirement_id",),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "opportunities",
            "One sales opportunity (商机).",
            (
                _c("opportunity_id", "str", True, "Unique number."),
                _c("customer_id", "str", True, "Customer."),
                _c("created_date", "date", True, "When it was opened."),
                _c("stage", "str", True, "Stage.", OPPORTUNITY_STAGES),
                _c("need", "str", False, "Business need."),
                _c("amount", "float", False, "Expected amount."),
                _c("budget", "float", False, "Customer's budget."),
                _c("purchase_period", "str", False, "When the customer plans to buy."),
                _c("decision_maker", "str", False, "Decision-maker's contact id."),
                _c("decision_route", "str", False, "How the decision is made."),
                _c("competitors", "str", False, "Competitors in the deal."),
                _c("owner", "str", False, "Salesperson who owns it."),
                _c("team", "str", False, "Supporting team."),
                _c("protection_deadline", "date", False, "Protection deadline (机会保留底线)."),
                _c("closed_date", "date", False, "When it was won or lost."),
            ),
            key=("opportunity_id",),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "receivables",
            "One open or paid invoice (应收账款).",
            (
                _c("invoice_id", "str", True, "Unique number."),
                _c("customer_id", "str", True, "Customer who owes."),
                _c("issue_date", "date", True, "Invoice date."),
                _c("due_date", "date", True, "Due date."),
                _c("amount", "float", True, "Invoiced amount."),
                _c("paid_amount", "float", False, "Paid so far (default 0)."),
                _c("project", "str", False, "Project."),
                _c("owner", "str", False, "Who collects it."),
            ),
            key=("invoice_id",),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "complaints",
            "One complaint (投诉).",
            (
                _c("complaint_id", "str", True, "Unique number."),
                _c("customer_id", "str", True, "Customer."),
                _c("date", "date", True, "Date of the complaint."),
                _c("category", "str", False, "What it was about."),
                _c("outcome", "str", False, "Outcome.", COMPLAINT_OUTCOMES),
                _c("resolved_date", "date", False, "When it was resolved."),
                _c("satisfaction", "float", False, "Satisfaction score 1-5 after handling."),
            ),
            key=("complaint_id",),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "campaigns",
            "One customer reached by one campaign, and whether they responded.",
            (
                _c("campaign_id", "str", True, "Campaign number."),
                _c("customer_id", "str", True, "Customer reached."),
                _c("sent_date", "date", True, "When the customer was reached."),
                _c("channel", "str", False, "Channel: sms, email, website, member_meeting..."),
                _c("approach", "str", False, "Marketing approach.", CAMPAIGN_APPROACHES),
                _c("responded", "bool", False, "Whether the customer responded."),
                _c("response_date", "date", False, "When they responded."),
            ),
            key=("campaign_id", "customer_id"),
            references={"customer_id": "customers.customer_id"},
        ),
        Table(
            "lost_reasons",
            "Why a lost customer left (流失原因), and whether a win-back worked.",
            (
                _c("customer_id", "str", True, "Lost customer."),
                _c("lost_date", "date", True, "When the loss was recorded."),
                _c("reason", "str", True, "Reason.", LOST_REASONS),
                _c("note", "str", False, "Free-text detail."),
                _c("win_back_attempted", "bool", False, "Whether a win-back was tried."),
                _c("won_back", "bool", False, "Whether the customer bought again."),
            ),
            key=("customer_id",),
            references={"customer_id": "customers.customer_id"},
        ),
    ]
}

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if t.required)


def table(name: str) -> Table:
    """Return the specification of table ``name``.

    Raises
    ------
    KeyError
        If the data model has no such table; the message lists the known ones.
    """
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; the data model has: {', '.join(TABLES)}") from None


def to_markdown() -> str:
    """Render the data model as Markdown (the content of ``docs/data_model.md``).

    Returns
    -------
    str
        One section per table with a column table.
    """
    lines = [
        "# Data model",
        "",
        "Generated by `workbench schema` from `workbench/schema.py`; do not edit by hand.",
        "",
        "A folder source holds one file per table, named after it (`orders.csv`,",
        "`orders.parquet`, `orders.xlsx`). Only `customers` and `orders` are required.",
        "Headers in the user's own words (e.g. 客户编号) are mapped to these names by a",
        "mapping file (see the README).",
        "",
    ]
    for t in TABLES.values():
        lines += [
            f"## {t.name} ({'required' if t.required else 'optional'})",
            "",
            t.description,
            "",
            f"Key: {', '.join(t.key)}.",
        ]
        if t.references:
            refs = "; ".join(f"`{k}` → `{v}`" for k, v in t.references.items())
            lines.append(f"References: {refs}.")
        lines += ["", "| column | type | required | description |", "|---|---|---|---|"]
        for c in t.columns:
            desc = c.description + (f" One of: {', '.join(c.values)}." if c.values else "")
            lines.append(f"| `{c.name}` | {c.dtype} | {'yes' if c.required else 'no'} | {desc} |")
        lines.append("")
    return "\n".join(lines)
