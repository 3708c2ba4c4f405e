"""``workbench sample``: write the sample dataset, or a large order log for benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["NAME", "HELP", "EXAMPLE", "add_arguments", "run"]

NAME = "sample"
HELP = (
    "Generate the deterministic sample dataset (one CSV per table), or with --orders and "
    "--parquet a large order log for benchmarks."
)
EXAMPLE = "workbench sample --out data/sample"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    parser.add_argument("--out", type=Path, help="folder for the CSV files (e.g. data/sample)")
    parser.add_argument("--customers", type=int, default=2000, help="customers (default 2000)")
    parser.add_argument("--years", type=float, default=3, help="years of data (default 3)")
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default 7; 0 for --orders)"
    )
    parser.add_argument("--end", default="2026-06-30", help="last date of the data (YYYY-MM-DD)")
    parser.add_argument("--orders", type=int, help="number of order lines of a large order log")
    parser.add_argument("--parquet", type=Path, help="Parquet file for the large order log")
    parser.add_argument(
        "--order-customers",
        type=int,
        default=None,
        help="customers in the order log (default orders/28)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the sample or the order log and print the paths written.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        0 on success, 2 on a usage error.
    """
    from workbench import sample

    if (args.orders is None) != (args.parquet is None):
        print("workbench sample: error: --orders and --parquet go together")
        return 2
    if args.out is None and args.parquet is None:
        print("workbench sample: error: give --out DIR, or --orders N --parquet FILE")
        return 2
    if args.out is not None:
        seed = 7 if args.seed is None else args.seed
        paths = sample.write(
            args.out, customers=args.customers, years=args.years, seed=seed, end=args.end
        )
        for p in paths:
            print(p)
    if args.parquet is not None:
        from tqdm import tqdm

        with tqdm(total=args.orders, unit="rows", unit_scale=True, desc="orders") as bar:
            path = sample.write_orders_parquet(
                args.parquet,
                args.orders,
                n_customers=args.order_customers,
                seed=0 if args.seed is None else args.seed,
                end=args.end,
                years=args.years,
                on_chunk=bar.update,
            )
        print(path)
    return 0
