"""``workbench schema``: print the data model as Markdown."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.schema import to_markdown

NAME = "schema"
HELP = "Print (or write) the documented data model: tables, columns, types, keys."
EXAMPLE = "workbench schema --out docs/data_model.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")


def run(args: argparse.Namespace) -> int:
    """Print or write the data model."""
    text = to_markdown()
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(args.out)
    else:
        print(text)
    return 0
