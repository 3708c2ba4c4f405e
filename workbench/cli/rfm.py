"""``workbench rfm``: one row per customer with RFM scores, segments, ABC class and tier."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

__all__ = ["NAME", "HELP", "EXAMPLE", "add_arguments", "run"]

NAME = "rfm"
HELP = (
    "Score every customer: summary, RFM scores and cell, both segment names, ABC class and "
    "lifecycle tier, written to CSV (Excel-safe) or Parquet."
)
EXAMPLE = "workbench rfm data/sample --as-of 2026-06-30 --out reports/rfm.csv --lang zh"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument("source", help="folder of CSV/Parquet/Excel files, a DuckDB file or a URL")
    parser.add_argument("--as-of", required=True, help="date of the analysis, YYYY-MM-DD")
    parser.add_argument("--out", required=True, type=Path, help="output file, .csv or .parquet")
    parser.add_argument("--mapping", type=Path, help="column mapping file for the source")
    parser.add_argument(
        "--split",
        choices=("mean_raw", "mean_score"),
        default="mean_raw",
        help="high/low split of the Chinese 8-class segments (default: mean of the raw values)",
    )
    parser.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of segment and tier names"
    )
    parser.add_argument(
        "--engine",
        choices=("pandas", "duckdb", "polars", "spark"),
        default="pandas",
        help=(
            "pandas (default): load and validate every table; duckdb/polars/spark: scan the "
            "orders lazily (a Parquet folder or file, a .duckdb file, or spark:TABLE) and "
            "aggregate in that engine, for order logs beyond memory. The lazy engines check "
            "the columns the summary needs, not every row: run `workbench validate` on a "
            "sample of the data first"
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Load the source, score and tier its customers, write the table."""
    from workbench.export import write_table
    from workbench.load import load
    from workbench.metrics import customer_summary
    from workbench.tiers import rfm_table

    if args.out.suffix.lower() not in (".csv", ".parquet"):
        print(
            f"workbench rfm: error: --out must end in .csv or .parquet, got {args.out.name}",
            file=sys.stderr,
        )
        return 2
    try:
        as_of = pd.Timestamp(args.as_of)
    except ValueError:
        print(
            f"workbench rfm: error: --as-of {args.as_of!r} is not a date; use YYYY-MM-DD",
            file=sys.stderr,
        )
        return 2
    if args.engine != "pandas" and args.mapping is not None:
        print(
            "workbench rfm: error: --mapping works with --engine pandas only; give the lazy "
            "engines a source whose columns carry the data model's names",
            file=sys.stderr,
        )
        return 2
    steps = ("load", "summary", "scores and tiers", "write")
    with tqdm(total=len(steps), desc="rfm", unit="step", disable=None) as bar:
        bar.set_postfix_str(steps[0])
        if args.engine == "pandas":
            orders = load(args.source, mapping=args.mapping, as_of=as_of).orders
        else:
            from workbench.scan import scan

            orders = scan(args.source, engine=args.engine)
        bar.update()
        bar.set_postfix_str(steps[1])
        summary = customer_summary(orders, as_of=as_of)
        if args.engine != "pandas":
            from workbench.scan import collect

            summary = collect(summary)  # one row per customer comes back
        bar.update()
        bar.set_postfix_str(steps[2])
        table = rfm_table(summary, split=args.split, lang=args.lang)
        bar.update()
        bar.set_postfix_str(steps[3])
        path = write_table(table, args.out)
        bar.update()
    print(f"{path} ({len(table)} customers)")
    return 0
