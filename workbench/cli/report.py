"""``workbench report``: render a report notebook to HTML, or rebuild the index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "report"
HELP = (
    "Render notebooks/reports/NAME.ipynb (papermill + nbconvert) into one offline HTML file "
    "under reports/NAME/, with the executed notebook and headline figures (JSON) beside it; "
    "'--each owner' renders the daily worklist for every salesperson plus the manager's "
    "summary; 'workbench report index' rebuilds reports/index.html."
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
        help=(
            "a value for the notebook's parameters cell (repeatable); KEY.SUB sets one "
            "entry of a dict parameter: -p thresholds.greeting_days 3"
        ),
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
    parser.add_argument(
        "--each",
        metavar="PARAMETER",
        default=None,
        help=(
            "render once for every value of PARAMETER found in the data, after the "
            "summary with it empty: 'workbench report worklist --each owner' writes "
            "reports/worklist/<date>.html and reports/worklist/<date>_<owner>.html"
        ),
    )
    parser.add_argument(
        "--no-summary",
        action="store_true",
        help="with --each: skip the summary (the report with PARAMETER empty)",
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
        if args.each:
            return _run_each(args, given)
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


def _run_each(args: argparse.Namespace, given: dict[str, str]) -> int:
    """Render the report for every value of ``--each``; print each HTML path."""
    from tqdm import tqdm

    from workbench import report

    bar = tqdm(desc=args.name, unit="report", disable=not sys.stderr.isatty())

    def started(value: str) -> None:
        bar.set_postfix_str(value or "summary")
        bar.update(1)

    try:
        results = report.render_each(
            args.name,
            args.each,
            given,
            summary=not args.no_summary,
            out_dir=args.out,
            notebooks_dir=args.notebooks,
            on_start=started,
        )
    except report.ReportRunError as exc:
        bar.close()
        for result in getattr(exc, "results", []):
            print(result.html)
        print(f"workbench report: error: {exc}", file=sys.stderr)
        if not args.no_index:
            report.write_index(args.out)
        return 1
    finally:
        bar.close()
    if not args.no_index:
        report.write_index(args.out)
    for result in results:
        print(result.html)
    return 0
