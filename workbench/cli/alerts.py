"""``workbench alerts``: the day's combined worklist, per salesperson."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "alerts"
HELP = "Write the day's de-duplicated worklist of reminders, ranked by value at stake."
EXAMPLE = "workbench alerts data/sample --as-of 2026-06-30 --out worklist.csv --owner 张伟"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument("source", help="dataset folder, DuckDB file or database URL")
    parser.add_argument("--as-of", required=True, help="the day of the worklist (YYYY-MM-DD)")
    parser.add_argument("--out", required=True, type=Path, help="output .csv or .parquet")
    parser.add_argument("--owner", help="only this salesperson's list")
    parser.add_argument("--mapping", type=Path, help="mapping file for your own headers")
    parser.add_argument("--lang", choices=["en", "zh"], default="en")
    parser.add_argument(
        "--set",
        nargs=2,
        action="append",
        default=[],
        metavar=("THRESHOLD", "VALUE"),
        help="override a threshold, e.g. --set follow_up_days loyal=10 --set greeting_days 3",
    )


def run(args: argparse.Namespace) -> int:
    """Build and write the worklist."""
    from workbench.alerts import DEFAULT_CONFIG, worklist
    from workbench.export import write_table
    from workbench.load import load

    config = DEFAULT_CONFIG.replace(**dict(args.set))
    ds = load(args.source, mapping=args.mapping, policy="quarantine", as_of=args.as_of)
    wl = worklist(ds, as_of=args.as_of, config=config, owner=args.owner, lang=args.lang)
    write_table(wl, args.out)
    owners = wl["owner"].nunique()
    print(f"{args.out}: {len(wl)} customers to act on for {owners} owner(s)")
    if ds.n_quarantined:
        print(f"note: {ds.n_quarantined} rows were quarantined by validation")
    return 0
