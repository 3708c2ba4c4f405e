"""``workbench validate``: check a source against the data model and say what to fix."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

__all__ = ["NAME", "HELP", "EXAMPLE", "add_arguments", "run"]

NAME = "validate"
HELP = "Check a data source (folder, .duckdb file or database URL) and list every problem."
EXAMPLE = "workbench validate data/sample --mapping mapping.toml --as-of 2026-06-30"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument("source", help="folder of CSV/Parquet/Excel files, .duckdb file or URL")
    parser.add_argument("--mapping", type=Path, help="mapping file (TOML or YAML)")
    parser.add_argument("--as-of", help="no event may lie after this date (YYYY-MM-DD)")
    parser.add_argument("--encoding", help="encoding of the CSV files (default: detected)")
    parser.add_argument(
        "--quarantine",
        type=Path,
        metavar="DIR",
        help="write the bad rows to DIR/<table>.quarantine.csv",
    )
    parser.add_argument(
        "--limit", type=int, default=20, help="problems to print (default 20; 0 for all)"
    )


def _usage(message: str) -> int:
    print(f"workbench validate: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Load the source with policy ``quarantine`` and print a summary.

    Returns
    -------
    int
        0 when the data is valid, 1 when it has problems, 2 for a usage error (source
        missing or unreadable, bad mapping file, bad date).
    """
    from workbench.load import SourceError, _is_url, load
    from workbench.mapping import MappingError
    from workbench.validate import ValidationError, write_quarantine

    as_of = None
    if args.as_of:
        try:
            as_of = pd.Timestamp(args.as_of)
        except ValueError:
            return _usage(f"--as-of {args.as_of!r} is not a date; write it as YYYY-MM-DD")
    if not _is_url(args.source) and not Path(args.source).exists():
        return _usage(f"source {args.source} does not exist")
    try:
        ds = load(
            args.source,
            mapping=args.mapping,
            policy="quarantine",
            as_of=as_of,
            encoding=args.encoding,
            progress=True,
        )
    except (SourceError, MappingError) as exc:
        return _usage(str(exc))
    except ValidationError as exc:
        print(f"{args.source}: cannot load")
        _print_problems(exc.problems, args.limit)
        return 1
    print(f"{ds.source}" + (f" (as of {as_of:%Y-%m-%d})" if as_of is not None else ""))
    print(ds.counts().to_string(index=False))
    total = sum(p.count for p in ds.problems)
    if not total:
        print("valid: no problems found")
        return 0
    _print_problems(ds.problems, args.limit)
    if args.quarantine:
        for path in write_quarantine(ds, args.quarantine):
            print(f"wrote {path}")
    return 1


def _print_problems(problems: list, limit: int) -> None:
    total = sum(p.count for p in problems)
    by_rule: dict[str, int] = {}
    for p in problems:
        by_rule[p.rule] = by_rule.get(p.rule, 0) + p.count
    print(
        f"{total} problem{'s' if total != 1 else ''}: "
        + ", ".join(f"{rule} {n}" for rule, n in by_rule.items())
    )
    shown = problems if limit <= 0 else problems[:limit]
    for p in shown:
        print(f"  - {p.message}")
    rest = total - sum(p.count for p in shown)
    if rest:
        print(f"  and {rest} more")
