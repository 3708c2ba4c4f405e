"""Customer operations workbench (客户经营).

Load and validate customer data, compute metrics and tiers as pure functions over
dataframes, fit lifetime-value models, build reminders and the requirement library,
and render parameterised notebooks into HTML reports.
"""

from __future__ import annotations

from workbench.dataset import Dataset
from workbench.labels import label, labels
from workbench.schema import TABLES, MissingTableError

__version__ = "0.1.0"

__all__ = ["Dataset", "MissingTableError", "TABLES", "label", "labels", "__version__"]
