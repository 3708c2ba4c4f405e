"""``workbench requirements``: write the classified, de-duplicated requirement library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "requirements"
HELP = (
    "Classify the customer needs (需求库) by type and business category, group "
    "near-duplicates and write the library as CSV (Excel-safe) or Parquet."
)
EXAMPLE = "workbench requirements data/sample --out reports/requirement_library.csv"

_FILE_SUFFIXES = (".csv", ".parquet", ".xlsx", ".xls")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument(
        "source",
        nargs="?",
        help="dataset folder, DuckDB file or database URL; or one requirements "
        ".csv/.parquet/.xlsx file",
    )
    parser.add_argument("--out", type=Path, help="output .csv or .parquet")
    parser.add_argument("--mapping", type=Path, help="mapping file for your own headers")
    parser.add_argument(
        "--taxonomy",
        type=Path,
        help="your taxonomy TOML (start from --print-taxonomy); the default otherwise",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.7,
        help="similarity (0-1] from which two needs are the same need (default 0.7)",
    )
    parser.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="keep a customer's repeated needs instead of one row per customer and need",
    )
    parser.add_argument(
        "--print-taxonomy",
        action="store_true",
        help="print the default taxonomy as TOML (to copy and edit) and exit",
    )


def _read_requirements(source: str, mapping: Path | None):
    """Return the requirements table of ``source`` (a dataset or a single file)."""
    import pandas as pd

    path = Path(source)
    if path.is_file() and path.suffix.lower() in _FILE_SUFFIXES:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_excel(path, dtype=str)
        if mapping is not None:
            from workbench.mapping import as_mapping

            table = as_mapping(mapping).get("requirements")
            if table is not None:
                frame = frame.rename(columns=table.columns)
        for col in ("date", "decided_date"):
            if col in frame.columns:
                frame[col] = pd.to_datetime(frame[col])
        return frame
    from workbench.load import load

    ds = load(source, mapping=mapping, policy="quarantine")
    frame = ds.require("requirements", feature="the requirement library")
    if ds.quarantine.get("requirements") is not None and len(ds.quarantine["requirements"]):
        n = len(ds.quarantine["requirements"])
        print(f"note: {n} requirement rows were quarantined by validation", file=sys.stderr)
    return frame


def run(args: argparse.Namespace) -> int:
    """Classify, group and write the library."""
    from tqdm import tqdm

    from workbench import requirements as rq
    from workbench.export import write_table

    if args.print_taxonomy:
        print(rq.DEFAULT_TAXONOMY_TOML.strip())
        return 0
    if not args.source or not args.out:
        print(
            "workbench requirements: error: give SOURCE and --out FILE, e.g.\n  " + EXAMPLE,
            file=sys.stderr,
        )
        return 2
    if args.out.suffix.lower() not in (".csv", ".parquet"):
        print(
            f"workbench requirements: error: --out {args.out} must end in .csv or .parquet",
            file=sys.stderr,
        )
        return 2
    if not 0 < args.threshold <= 1:
        print("workbench requirements: error: --threshold must be in (0, 1]", file=sys.stderr)
        return 2
    steps = ["load", "classify", "near-duplicates", "write"]
    with tqdm(total=len(steps), desc="requirements", unit="step", disable=None) as bar:
        bar.set_postfix_str(steps[0])
        reqs = _read_requirements(args.source, args.mapping)
        bar.update()
        bar.set_postfix_str(steps[1])
        taxonomy = rq.load_taxonomy(args.taxonomy) if args.taxonomy else None
        lib = rq.classify(reqs, taxonomy=taxonomy)
        bar.update()
        bar.set_postfix_str(steps[2])
        lib = rq.near_duplicates(lib, args.threshold)
        if not args.keep_duplicates:
            lib = rq.deduplicate(lib)
        bar.update()
        bar.set_postfix_str(steps[3])
        write_table(lib, args.out)
        bar.update()
    merged = len(reqs) - len(lib)
    special = int((lib["category"] == rq.SPECIAL).sum())
    groups = int((lib["need_group_customers"] > 1).groupby(lib["need_group"]).any().sum())
    print(
        f"{args.out}: {len(lib)} needs ({merged} repeated needs merged), "
        f"{lib['category'].nunique()} categories, {special} special, "
        f"{groups} need groups shared by several customers"
    )
    return 0
