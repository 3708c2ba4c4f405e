"""``workbench report``: render a report notebook to HTML, or rebuild the index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "report"
HELP = (
    "Render notebooks/reports/NAME.ipynb (papermill + nbconvert) into one offline HTML file "
    "under reports/NAME/, with the executed notebook and headline figures (JSON) beside it; "
    "'workbench report index' rebuilds reports/index.html."
)
EXAMPLE = "workbench report management -p period 2025-Q3 -p lang zh"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument("name", help="report notebook stem (e.g. management), or 'index'")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="a value for the notebook's parameters cell (repeatable)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="root folder of the reports (default: reports/)"
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        help="folder of the report notebooks (default: notebooks/reports/)",
    )
    parser.add_argument(
        "--list-parameters",
        action="store_true",
        help="print the notebook's parameters with their defaults and exit",
    )
    parser.add_argument("--no-index", action="store_true", help="do not rebuild index.html")


def run(args: argparse.Namespace) -> int:
    """Render the report, print the HTML path; 2 on a bad parameter, 1 when the run failed."""
    from workbench import report

    if args.name == "index":
        print(report.write_index(args.out))
        return 0
    try:
        if args.list_parameters:
            path = report.notebook_path(args.name, args.notebooks)
            for key, value in report.notebook_parameters(path).items():
                print(f"{key} = {value!r}")
            return 0
        given = dict(args.parameter)
        result = report.render(
            args.name,
            given,
            out_dir=args.out,
            notebooks_dir=args.notebooks,
            progress=sys.stderr.isatty(),
        )
    except report.ParameterError as exc:
        print(f"workbench report: error: {exc}", file=sys.stderr)
        return 2
    except report.ReportRunError as exc:
        print(f"workbench report: error: {exc}", file=sys.stderr)
        if not args.no_index:
            report.write_index(args.out)
        return 1
    if not args.no_index:
        report.write_index(args.out)
    print(result.html)
    return 0
