"""Benchmark: customer summary + RFM scores against lifetimes, pandas, DuckDB, Polars, the floor.

Usage: ``python benchmarks/bench_summary.py [--sizes 1000000,10000000]``. Prints a Markdown
section on stdout and writes ``benchmarks/results/summary.json``. How it works:
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "summary.json"
LIFETIMES_PY = HERE / ".venv-lifetimes" / "bin" / "python"
AS_OF = "2026-06-30"
SIZES = (1_000_000, 10_000_000)
CUSTOMERS_PER_ORDER = 350_000 / 10_000_000
VARIANTS = ("lifetimes", "pandas", "duckdb", "polars", "floor", "workbench")

# --------------------------------------------------------------------------------------------
# the contenders; each takes the pandas frame already in memory and returns a result


def v_pandas(df, as_of):
    """An idiomatic hand-written pandas script: summary, then quintile scores."""
    import numpy as np
    import pandas as pd

    d = df.loc[df["order_date"] <= as_of, ["customer_id", "order_date", "amount", "cost"]]
    d = d.assign(day=d["order_date"].dt.normalize(), profit=d["amount"] - d["cost"])
    daily = d.groupby(["customer_id", "day"], sort=False, as_index=False).agg(
        value=("amount", "sum"), profit=("profit", "sum")
    )
    daily = daily.sort_values(["customer_id", "day"])
    g = daily.groupby("customer_id", sort=False)
    s = g.agg(
        first=("day", "min"),
        last=("day", "max"),
        purchases=("day", "size"),
        revenue=("value", "sum"),
        profit=("profit", "sum"),
        first_value=("value", "first"),
    )
    s["recency_days"] = (as_of - s["last"]).dt.days
    s["frequency"] = s["purchases"] - 1
    s["T"] = (as_of - s["first"]).dt.days
    s["recency"] = (s["last"] - s["first"]).dt.days
    s["monetary_value"] = np.where(
        s["frequency"] > 0, (s["revenue"] - s["first_value"]) / s["frequency"].clip(lower=1), 0.0
    )
    labels = [1, 2, 3, 4, 5]
    s["r"] = pd.qcut(s["recency_days"].rank(method="first", ascending=False), 5, labels=labels)
    s["f"] = pd.qcut(s["purchases"].rank(method="first"), 5, labels=labels)
    s["m"] = pd.qcut(s["revenue"].rank(method="first"), 5, labels=labels)
    return s.reset_index()


def v_duckdb(df, as_of):
    """DuckDB SQL over the pandas frame (replacement scan), scores by NTILE."""
    import duckdb

    con = duckdb.connect()
    con.register("orders", df)
    q = f"""
    with daily as (
        select customer_id, cast(order_date as date) as day, sum(amount) as value,
               sum(amount - cost) as profit
        from orders where cast(order_date as date) <= date '{as_of.date()}'
        group by all),
    s as (
        select customer_id, min(day) as first, max(day) as last, count(*) as purchases,
               sum(value) as revenue, sum(profit) as profit, arg_min(value, day) as first_value
        from daily group by all)
    select *, date '{as_of.date()}' - last as recency_days,
           purchases - 1 as frequency, last - first as recency,
           date '{as_of.date()}' - first as T,
           case when purchases > 1 then (revenue - first_value) / (purchases - 1) else 0 end
             as monetary_value,
           ntile(5) over (order by date '{as_of.date()}' - last desc) as r,
           ntile(5) over (order by purchases) as f,
           ntile(5) over (order by revenue) as m
    from s"""
    return con.sql(q).df()


def v_polars(df, as_of):
    """Polars: from pandas, two group-bys, scores by rank, back to pandas."""
    import polars as pl

    p = pl.from_pandas(df[["customer_id", "order_date", "amount", "cost"]])
    day = pl.col("order_date").dt.date()
    s = (
        p.lazy()
        .filter(day <= as_of.date())
        .group_by("customer_id", day.alias("day"))
        .agg(value=pl.col("amount").sum(), profit=(pl.col("amount") - pl.col("cost")).sum())
        .group_by("customer_id")
        .agg(
            first=pl.col("day").min(),
            last=pl.col("day").max(),
            purchases=pl.len(),
            revenue=pl.col("value").sum(),
            profit=pl.col("profit").sum(),
            first_value=pl.col("value").sort_by("day").first(),
        )
        .with_columns(
            recency_days=(pl.lit(as_of.date()) - pl.col("last")).dt.total_days(),
            frequency=pl.col("purchases") - 1,
            T=(pl.lit(as_of.date()) - pl.col("first")).dt.total_days(),
            recency=(pl.col("last") - pl.col("first")).dt.total_days(),
        )
        .with_columns(
            monetary_value=pl.when(pl.col("frequency") > 0)
            .then((pl.col("revenue") - pl.col("first_value")) / pl.col("frequency"))
            .otherwise(0.0),
            r=(5 - (pl.col("recency_days").rank("ordinal") * 5 - 1) // pl.len()),
            f=1 + (pl.col("purchases").rank("ordinal") * 5 - 1) // pl.len(),
            m=1 + (pl.col("revenue").rank("ordinal") * 5 - 1) // pl.len(),
        )
        .collect()
    )
    return s.to_pandas()


def v_floor(df, as_of, codes):
    """One np.bincount pass: a single sum per customer, given integer customer codes."""
    import numpy as np

    return np.bincount(codes, weights=df["amount"].to_numpy())


def v_workbench(df, as_of):
    """Ours: workbench.metrics.customer_summary + workbench.tiers.rfm_scores."""
    from workbench.metrics import customer_summary

    s = customer_summary(df, as_of=as_of)
    try:
        from workbench.tiers import rfm_scores
    except ImportError:  # pragma: no cover - tiers not written yet
        return s
    return rfm_scores(s)


def v_workbench_summary(df, as_of):
    """Ours, the summary alone."""
    from workbench.metrics import customer_summary

    return customer_summary(df, as_of=as_of)


# --------------------------------------------------------------------------------------------
# child process: load the data, reset the peak-RSS counter, time one variant


def _rss_mb(field: str) -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) / 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(variant: str, parquet: str, repeats: int) -> None:
    import pandas as pd

    df = pd.read_parquet(
        parquet, columns=["order_id", "customer_id", "order_date", "amount", "cost"]
    )
    as_of = pd.Timestamp(AS_OF)
    args = (df, as_of)
    if variant == "floor":
        codes = pd.factorize(df["customer_id"])[0]
        args = (df, as_of, codes)
    fn = {
        "pandas": v_pandas,
        "duckdb": v_duckdb,
        "polars": v_polars,
        "floor": v_floor,
        "workbench": v_workbench,
        "workbench_summary": v_workbench_summary,
    }[variant]
    fn(*args) if variant.startswith("workbench") and repeats > 1 else None  # warm imports
    base = _rss_mb("VmRSS")
    exact = _reset_peak()
    times, cpus = [], []
    load = os.getloadavg()[0]
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        del out
    peak = _rss_mb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = min(range(repeats), key=times.__getitem__)
    print(
        json.dumps(
            {
                "seconds": times[best],
                "cpu_seconds": cpus[best],
                "all": times,
                "all_cpu": cpus,
                "peak_mb": peak,
                "base_mb": base,
                "load_average": [load, os.getloadavg()[0]],
            }
        )
    )


LIFETIMES_CHILD = r"""
import json, re, sys, time
from pathlib import Path
import numpy as np, pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
d = np.load(sys.argv[1])
df = pd.DataFrame({"customer_id": d["customer_id"].astype(str).astype(object),
                   "order_date": d["order_date"].astype("datetime64[ns]"),
                   "amount": d["amount"]})
def rss(f):
    return int(re.search(f + r":\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
base = rss("VmRSS")
Path("/proc/self/clear_refs").write_text("5")
c0, t0 = time.process_time(), time.perf_counter()
s = summary_data_from_transaction_data(df, "customer_id", "order_date", monetary_value_col="amount",
                                       observation_period_end=sys.argv[2], freq="D")
sec, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"seconds": sec, "cpu_seconds": cpu, "all": [sec], "peak_mb": rss("VmHWM"),
                  "base_mb": base, "customers": len(s)}))
"""


def _run_json(cmd: list[str], timeout: float) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _lifetimes(parquet: Path, tmp: Path) -> dict:
    if not LIFETIMES_PY.exists():
        return {"error": f"no {LIFETIMES_PY.relative_to(ROOT)}; see benchmarks/README.md"}
    import numpy as np
    import pandas as pd

    npz = tmp / "lifetimes.npz"
    df = pd.read_parquet(parquet, columns=["customer_id", "order_date", "amount"])
    np.savez(
        npz,
        customer_id=df["customer_id"].to_numpy(dtype="S"),
        order_date=df["order_date"].to_numpy(dtype="datetime64[us]"),
        amount=df["amount"].to_numpy(),
    )
    del df
    return _run_json([str(LIFETIMES_PY), "-c", LIFETIMES_CHILD, str(npz), AS_OF], timeout=3600)


# --------------------------------------------------------------------------------------------
# end to end: `workbench rfm` on a Parquet folder against a hand-written pandas script

PANDAS_SCRIPT = r"""
import sys, pandas as pd
sys.path.insert(0, sys.argv[3])
from bench_summary import v_pandas
df = pd.read_parquet(sys.argv[1] + "/orders.parquet")
v_pandas(df, pd.Timestamp(sys.argv[2])).to_parquet(sys.argv[1] + "/pandas_out.parquet")
"""


def _end_to_end(folder: Path, repeats: int = 2) -> dict:
    """Time both commands as processes (best of ``repeats``), wall and CPU (user + system)."""
    if not (ROOT / "workbench" / "cli" / "rfm.py").exists():
        return {}
    wb = [sys.executable, "-m", "workbench.cli", "rfm", str(folder), "--as-of", AS_OF]
    out = {}
    for name, cmd in (
        ("workbench rfm", [*wb, "--out", str(folder / "wb_out.parquet")]),
        ("pandas script", [sys.executable, "-c", PANDAS_SCRIPT, str(folder), AS_OF, str(HERE)]),
    ):
        runs = []
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=3600)
            took = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode != 0:
                runs = [{"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]}]
                break
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs.append({"seconds": took, "cpu_seconds": cpu, "load_average": load})
        best = min(runs, key=lambda r: r.get("seconds", float("inf")))
        out[name] = {**best, "all": [r.get("seconds") for r in runs]}
    return out


# --------------------------------------------------------------------------------------------
# parent


def machine() -> dict:
    import importlib.metadata as md

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    vers = {}
    for pkg in ("pandas", "polars", "duckdb", "narwhals", "numpy", "pyarrow"):
        try:
            vers[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem / 1024**2, 1),
        "python": platform.python_version(),
        "versions": vers,
        "load_average_at_start": os.getloadavg(),
    }


def _write_data(folder: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from workbench.sample import generate_orders

    table = generate_orders(n, n_customers=max(1, round(n * CUSTOMERS_PER_ORDER)), seed=0)
    pq.write_table(table, folder / "orders.parquet", row_group_size=1_000_000)
    ids = pc.unique(table["customer_id"])
    customers = pa.table({"customer_id": ids, "name": ids})
    pq.write_table(customers, folder / "customers.parquet")


def _fmt(r: dict, key: str = "seconds", digits: int = 2) -> str:
    return f"{r[key]:,.{digits}f}" if key in r else "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-lifetimes", action="store_true")
    ap.add_argument("--no-e2e", action="store_true")
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    ap.add_argument("--parquet", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.variant:
        child(a.variant, a.parquet, a.repeats)
        return 0
    sizes = [int(s) for s in a.sizes.split(",")]
    info = machine()
    results = {"machine": info, "as_of": AS_OF, "sizes": {}}
    lines = [
        "## Customer summary and RFM",
        "",
        f"Orders already in a pandas DataFrame; as_of {AS_OF}; best wall time of {a.repeats} "
        "runs (lifetimes: one run), with the CPU time (all threads: user + system) of that "
        "run; peak = peak resident memory of the variant's own process, data included "
        "(loaded before the counter is reset), in MB. Load average at start: "
        + ", ".join(f"{x:.1f}" for x in info["load_average_at_start"])
        + f" ({info['cores']} cores; other jobs were running if it is above 0.5: a loaded "
        "machine inflates wall times, so compare ratios within one run).",
        "",
        "workbench's summary computes more than the others: `n_orders` (distinct order ids), "
        "returns that do not make a purchase day, the buy-till-you-die fields and rolling "
        "active quarters; the hand-written contenders compute purchases, revenue, profit and "
        "the buy-till-you-die fields only.",
        "",
    ]
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_summary_") as tmpdir:
            tmp = Path(tmpdir)
            _write_data(tmp, n)
            parquet = tmp / "orders.parquet"
            res: dict[str, dict] = {}
            for v in ("floor", "workbench", "workbench_summary", "polars", "duckdb", "pandas"):
                cmd = [sys.executable, __file__, "--variant", v, "--parquet", str(parquet)]
                res[v] = _run_json([*cmd, "--repeats", str(a.repeats)], timeout=3600)
                print(f"[{n:,}] {v}: {res[v]}", file=sys.stderr, flush=True)
            if not a.no_lifetimes:
                res["lifetimes"] = _lifetimes(parquet, tmp)
                print(f"[{n:,}] lifetimes: {res['lifetimes']}", file=sys.stderr, flush=True)
            e2e = {} if a.no_e2e else _end_to_end(tmp)
            print(f"[{n:,}] end to end: {e2e}", file=sys.stderr, flush=True)
        results["sizes"][str(n)] = {"variants": res, "end_to_end": e2e}
        ours = res["workbench"].get("seconds")
        floor = res["floor"].get("seconds")
        lines += [
            f"### {n:,} orders, {round(n * CUSTOMERS_PER_ORDER):,} customers",
            "",
            "| variant | wall s | CPU s | peak MB | ours is x faster | x the floor |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        names = {
            "lifetimes": "lifetimes `summary_data_from_transaction_data` (summary only)",
            "pandas": "hand-written pandas groupby + qcut scores",
            "duckdb": "DuckDB SQL over the frame + NTILE scores",
            "polars": "Polars (from pandas) + rank scores",
            "floor": "one `np.bincount` pass (the floor, codes given)",
            "workbench": "**workbench** `customer_summary` + `rfm_scores`",
            "workbench_summary": "workbench `customer_summary` alone",
        }
        for v in ("lifetimes", "pandas", "duckdb", "polars", "workbench", "workbench_summary"):
            if v not in res:
                continue
            r = res[v]
            sec = r.get("seconds")
            speed = f"{sec / ours:.1f}" if sec and ours and v != "workbench" else ""
            over = f"{sec / floor:.1f}" if sec and floor else ""
            err = f" ({r['error']})" if "error" in r else ""
            lines.append(
                f"| {names[v]}{err} | {_fmt(r)} | {_fmt(r, 'cpu_seconds')} | "
                f"{_fmt(r, 'peak_mb', 0)} | {speed} | {over} |"
            )
        fl = res["floor"]
        lines.append(
            f"| {names['floor']} | {_fmt(fl)} | {_fmt(fl, 'cpu_seconds')} | "
            f"{_fmt(fl, 'peak_mb', 0)} | | 1.0 |"
        )
        if n >= 10_000_000 and ours:
            peak = res["workbench"].get("peak_mb", 0)
            pol = res["polars"].get("seconds")
            verdict = "met" if ours <= 1.2 and peak < 3072 else "not met"
            lines += [
                "",
                f"Target (10 million orders, summary + RFM scores in at most 1.2 s, peak under "
                f"3 GB): **{verdict}** on this run: {ours:.2f} s wall "
                f"({ours / 1.2:.1f}x the target), peak {peak:,.0f} MB"
                + (
                    f"; hand-written Polars took {pol:.2f} s in the same run "
                    f"(ours / Polars = {ours / pol:.2f})"
                    if pol
                    else ""
                )
                + ".",
            ]
        if e2e:
            w, p = e2e.get("workbench rfm", {}), e2e.get("pandas script", {})
            ratio = (
                f"{p['seconds'] / w['seconds']:.2f}x"
                if "seconds" in w and "seconds" in p
                else "n/a"
            )
            lines += [
                "",
                "End to end from Parquet (process start to file written, best of 2): "
                f"`workbench rfm` (load and validate every column of orders and customers, "
                f"summary, scores, segments, ABC, tiers, write) {_fmt(w)} s wall, "
                f"{_fmt(w, 'cpu_seconds')} s CPU"
                f"{' (' + w['error'] + ')' if 'error' in w else ''}; hand-written pandas "
                f"script (read, summary, scores, write) {_fmt(p)} s wall, "
                f"{_fmt(p, 'cpu_seconds')} s CPU: `workbench rfm` is {ratio} faster "
                "(target 2.5x).",
            ]
        lines.append("")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
