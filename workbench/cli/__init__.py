"""The ``workbench`` command line.

Each subcommand lives in its own module of this package and defines ``NAME``, ``HELP``,
``EXAMPLE``, ``add_arguments(parser)`` and ``run(args) -> int``. Modules are discovered, so
adding a command means adding a file. Exit codes: 0 success, 1 the data or the run failed,
2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser"]


def _commands() -> list:
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "run") and hasattr(mod, "add_arguments"):
            mods.append(mod)
    return sorted(mods, key=lambda m: m.NAME)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every discovered subcommand.

    Returns
    -------
    argparse.ArgumentParser
        The top-level parser; ``--help`` lists each subcommand with an example.
    """
    mods = _commands()
    epilog = "examples:\n" + "\n".join(f"  {m.EXAMPLE}" for m in mods)
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Customer operations workbench (客户经营): data, metrics, reports.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for m in mods:
        p = sub.add_parser(
            m.NAME,
            help=f"{m.HELP}  e.g. {m.EXAMPLE}",
            description=m.HELP,
            epilog=f"example:\n  {m.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        m.add_arguments(p)
        p.set_defaults(_run=m.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit code.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        print(f"workbench {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
