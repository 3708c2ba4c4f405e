"""Customer summary at scale: 10 and 100 million order lines from Parquet, out of core.

Measures :func:`workbench.metrics.customer_summary` end to end from a Parquet file (read +
aggregate + the per-customer result back in pandas):

- on DuckDB (:func:`workbench.scan.scan`, with a ``memory_limit`` and a spill folder) at
  10 and 100 million lines;
- at 10 million lines side by side: pandas (``pd.read_parquet`` then the summary with
  ``engine="pandas"``), Polars (``scan(..., engine="polars")``, lazy) and DuckDB.

Every variant runs in a child process of its own; its peak memory is the child's
``ru_maxrss`` (from :func:`os.wait4`), so one variant's memory never hides another's. The
order logs are generated with :func:`workbench.sample.write_orders_parquet` into
``benchmarks/data/`` (gitignored) unless a file with the right row count is already there.

Prints a Markdown section (``benchmarks/run.py`` adds the machine) and writes
``benchmarks/results/scale.json``. Exit status 1 if the 100-million-line run peaks at
8 GiB or more, or if the engines disagree.

Usage: ``python benchmarks/bench_scale.py [--sizes 10000000 100000000] [--memory-limit 5GB]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results" / "scale.json"
AS_OF = "2026-06-30"
GIB = 1024**3
PEAK_BUDGET = 8 * GIB
SIDE_BY_SIDE = ("pandas", "polars", "duckdb")

__all__ = ["main", "ensure_orders", "run_variant"]


def ensure_orders(n: int) -> Path:
    """Return ``benchmarks/data/scale_<n>/orders.parquet``, generating it if needed.

    Parameters
    ----------
    n : int
        Number of order lines.

    Returns
    -------
    pathlib.Path
        The Parquet file (rows as ``write_orders_parquet(path, n, seed=0)``).
    """
    import pyarrow.parquet as pq

    from workbench.sample import write_orders_parquet

    path = DATA / f"scale_{_label(n).lower().replace(',', '_')}" / "orders.parquet"
    if path.exists():
        try:
            if pq.read_metadata(path).num_rows == n:
                return path
        except Exception:  # a truncated file from an interrupted run
            pass
    part = path.with_suffix(".parquet.part")
    print(f"generating {n:,} order lines into {path.relative_to(ROOT)} ...", file=sys.stderr)
    t0 = time.perf_counter()
    write_orders_parquet(part, n, seed=0)
    os.replace(part, path)
    print(f"  generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return path


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def _child(engine: str, path: str, memory_limit: str, temp_directory: str) -> None:
    """Run one variant in this (child) process and print its measurements as JSON."""
    import pandas as pd

    from workbench.metrics import customer_summary
    from workbench.scan import collect, scan

    cols = ["order_id", "customer_id", "order_date", "amount", "cost"]
    out: dict = {"engine": engine}
    t0 = time.perf_counter()
    if engine == "pandas":
        orders = pd.read_parquet(path, columns=cols)
        out["read_s"] = time.perf_counter() - t0
        summary = customer_summary(orders, as_of=AS_OF, engine="pandas")
    elif engine == "polars":
        summary = collect(customer_summary(scan(path, engine="polars"), as_of=AS_OF))
    else:
        rel = scan(path, memory_limit=memory_limit, temp_directory=temp_directory)
        settings = rel.query(
            "t",
            "select current_setting('memory_limit'), current_setting('threads') from t limit 1",
        ).fetchall()[0]
        out["memory_limit"], out["threads"] = settings[0], int(settings[1])
        summary = collect(customer_summary(rel, as_of=AS_OF))
    out["seconds"] = time.perf_counter() - t0
    out["customers"] = len(summary)
    out["revenue"] = float(summary["revenue"].sum())
    out["n_orders"] = int(summary["n_orders"].sum())
    print(json.dumps(out))


def run_variant(engine: str, path: Path, memory_limit: str, temp_directory: Path) -> dict:
    """Run one variant in a child process; add its peak memory (``ru_maxrss``).

    Parameters
    ----------
    engine : {"pandas", "polars", "duckdb"}
        The engine.
    path : pathlib.Path
        The Parquet file.
    memory_limit : str
        DuckDB memory limit.
    temp_directory : pathlib.Path
        DuckDB spill folder.

    Returns
    -------
    dict
        ``seconds``, ``customers``, ``revenue``, ``n_orders``, ``peak_bytes`` (and for
        DuckDB ``memory_limit`` and ``threads``); ``error`` if the child failed.
    """
    cmd = [
        sys.executable,
        __file__,
        "--child",
        engine,
        str(path),
        memory_limit,
        str(temp_directory),
    ]
    load0 = os.getloadavg()[0]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    # read the pipes first (a full pipe would block the child), then reap it with wait4
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {"engine": engine, "load_avg_1m_before": load0}
    if proc.returncode != 0:
        result["error"] = stderr.strip().splitlines()[-1] if stderr.strip() else "failed"
    else:
        result.update(json.loads(stdout.strip().splitlines()[-1]))
    result["peak_bytes"] = usage.ru_maxrss * 1024  # Linux: kilobytes
    result["load_avg_1m_after"] = os.getloadavg()[0]
    return result


def _fmt_row(n: int, r: dict) -> str:
    peak = r["peak_bytes"] / GIB
    if "error" in r:
        return f"| {_label(n)} | {r['engine']} | failed: {r['error'][:60]} | | {peak:.2f} | |"
    limit = r.get("memory_limit", "")
    return (
        f"| {_label(n)} | {r['engine']} | {r['seconds']:.1f} | {r['customers']:,} | "
        f"{peak:.2f} | {limit} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the Markdown section, write ``results/scale.json``.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every run finished, the engines agree and the 100M run peaked under 8 GiB.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--side-by-side", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", default="5GB", help="DuckDB memory_limit")
    args = parser.parse_args(argv)

    temp = DATA / "duckdb_tmp"
    temp.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[int, dict]] = []
    sizes = sorted(set(args.sizes) | {args.side_by_side})
    for n in sizes:
        path = ensure_orders(n)
        engines = SIDE_BY_SIDE if n == args.side_by_side else ("duckdb",)
        for engine in engines:
            print(f"{_label(n)} {engine} ...", file=sys.stderr, flush=True)
            r = run_variant(engine, path, args.memory_limit, temp)
            print(f"  {r}", file=sys.stderr, flush=True)
            runs.append((n, r))

    ok = True
    problems = []
    for n in sizes:
        done = [r for m, r in runs if m == n and "error" not in r]
        if any("error" in r for m, r in runs if m == n):
            ok = False
            problems.append(f"a run at {_label(n)} failed")
        keys = {(r["customers"], r["n_orders"], round(r["revenue"], 0)) for r in done}
        if len(keys) > 1:
            ok = False
            problems.append(f"engines disagree at {_label(n)}: {sorted(keys)}")
    big = [r for n, r in runs if n == max(sizes) and r["engine"] == "duckdb"]
    if big and big[0]["peak_bytes"] >= PEAK_BUDGET:
        ok = False
        problems.append(
            f"{_label(max(sizes))} DuckDB peaked at {big[0]['peak_bytes'] / GIB:.2f} GiB"
        )

    lines = [
        "## Scale: customer summary from Parquet, out of core",
        "",
        "`customer_summary` end to end from one Parquet file (read, aggregate, per-customer "
        "result back in pandas); each run in a child process, peak = the child's "
        "`ru_maxrss`. pandas reads the file into memory and aggregates there; Polars and "
        "DuckDB scan it lazily (`workbench.scan.scan`). DuckDB spills to "
        "`benchmarks/data/duckdb_tmp/` beyond its `memory_limit`.",
        "",
        "| order lines | engine | seconds | customers | peak GiB | DuckDB memory_limit |",
        "|---:|---|---:|---:|---:|---|",
        *[_fmt_row(n, r) for n, r in runs],
        "",
        f"Largest run ({_label(max(sizes))}, DuckDB) peaked under 8 GiB: "
        f"**{'yes' if big and big[0]['peak_bytes'] < PEAK_BUDGET else 'NO'}**. "
        f"1-minute load average during the runs: "
        f"{min(r['load_avg_1m_before'] for _, r in runs):.1f} to "
        f"{max(r['load_avg_1m_after'] for _, r in runs):.1f} (other jobs share the cores).",
    ]
    if problems:
        lines += ["", "Problems: " + "; ".join(problems)]
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "as_of": AS_OF,
                "memory_limit": args.memory_limit,
                "runs": [{"order_lines": n, **r} for n, r in runs],
                "ok": ok,
                "problems": problems,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        _child(*sys.argv[2:6])
    else:
        sys.path.insert(0, str(ROOT))
        sys.exit(main())
