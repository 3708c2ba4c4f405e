"""Run every benchmark and write BENCHMARKS.md.

Each ``benchmarks/bench_*.py`` is run in its own process (so peak memory is its own) and
prints a Markdown section on stdout; this script puts the machine description on top and
the sections below, in the order given by ``BENCHES``. ``make bench`` calls it.

Usage: ``python benchmarks/run.py [NAME ...]`` to run only some (e.g. ``summary clv``); the
sections of benchmarks not run are kept from the previous BENCHMARKS.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "BENCHMARKS.md"
BENCHES = ["summary", "clv", "alerts", "widgets", "report", "scale", "report_scale"]


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024**2:.1f} GiB"
    except (OSError, AttributeError):
        pass
    import importlib.metadata as md

    vers = []
    for pkg in ["pandas", "polars", "duckdb", "narwhals", "numpy", "scipy", "pyarrow"]:
        try:
            vers.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            pass
    return (
        f"- date: {dt.date.today().isoformat()}\n"
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem}\n"
        f"- Python {platform.python_version()} on {platform.platform()}\n"
        f"- {', '.join(vers)}\n"
    )


def _previous_sections() -> dict[str, str]:
    if not OUT.exists():
        return {}
    text = OUT.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^<!-- bench:(\w+) -->\n", text)
    return {parts[i]: parts[i + 1].strip() + "\n\n" for i in range(1, len(parts) - 1, 2)}


def main(argv: list[str]) -> int:
    wanted = argv or BENCHES
    sections = _previous_sections()
    failed = []
    for name in BENCHES:
        script = HERE / f"bench_{name}.py"
        if name not in wanted or not script.exists():
            continue
        print(f"== bench {name}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT
        )
        sys.stderr.write(proc.stderr[-4000:])
        if proc.returncode != 0:
            failed.append(name)
            print(proc.stdout[-2000:])
            continue
        took = time.perf_counter() - t0
        sections[name] = proc.stdout.strip() + f"\n\n(run took {took:.0f} s)\n\n"
        print(proc.stdout)
    body = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`); every ratio compares tools measured in",
        "the same run on the same machine. How each benchmark works: `benchmarks/README.md`.",
        "",
        "## Machine of the last run",
        "",
        machine(),
    ]
    for name in BENCHES:
        if name in sections:
            body.append(f"<!-- bench:{name} -->\n{sections[name]}")
    OUT.write_text("\n".join(body), encoding="utf-8")
    print(f"wrote {OUT}")
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
