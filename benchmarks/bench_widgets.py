"""How fast the segment explorer redraws on 200,000 customers.

Generates an order log for 200,000 customers (``workbench.sample.generate_orders``, plus a
customers and a products table), builds the segment explorer once (the per-customer table
is computed once per as-of date), then times setting one control's value through to every
figure and the table being updated (the observers run synchronously, so the time of the
assignment is the time to redraw). Prints a Markdown table and writes
``benchmarks/results/widgets.json``.

Run: ``python benchmarks/bench_widgets.py [--customers N] [--lines N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.dataset import Dataset
from workbench.sample import generate_orders
from workbench.widgets import segment_explorer

RESULTS = Path(__file__).resolve().parent / "results" / "widgets.json"
TARGET_SECONDS = 1.0


def make_dataset(n_customers: int, n_lines: int, seed: int = 11) -> Dataset:
    """Return a Dataset with ``n_customers`` customers and about ``n_lines`` order lines."""
    orders = generate_orders(n_lines, n_customers=n_customers, seed=seed).to_pandas()
    buyers = sorted(orders["customer_id"].unique())
    prospects = [f"P{i:07d}" for i in range(max(n_customers - len(buyers), 0))]
    ids = buyers + prospects
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"客户{i}" for i in range(len(ids))],
            "owner": rng.choice(orders["salesperson"].unique(), len(ids)),
        }
    )
    products = orders[["product_id"]].drop_duplicates().reset_index(drop=True)
    products["name"] = products["product_id"]
    products["category"] = ["类别" + str(i % 5) for i in range(len(products))]
    tables = {"customers": customers, "orders": orders, "products": products}
    return Dataset(tables, source="benchmark")


def _machine(load: tuple[float, float, float]) -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average_at_start": load}


def _time(action, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print a Markdown table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    load = os.getloadavg()
    t0 = time.perf_counter()
    ds = make_dataset(args.customers, args.lines)
    t_data = time.perf_counter() - t0
    buyers = ds.orders["customer_id"].nunique()

    t0 = time.perf_counter()
    ex = segment_explorer(ds, lang="zh")
    t_build = time.perf_counter() - t0

    dept = ex.department.options[1][1]
    person = ex.salesperson.options[1][1]
    segment = "champions"
    cases = []

    def case(name: str, set_value, reset) -> None:
        def action() -> None:
            set_value()
            reset()

        # first assignment fills the caches of that value (a mask per filter value)
        t_first = _time(set_value, 1)[0]
        shown = len(ex.table)
        reset()
        times = [t / 2 for t in _time(action, args.repeat)]
        cases.append(
            {
                "change": name,
                "first_s": round(t_first, 4),
                "median_s": round(statistics.median(times), 4),
                "max_s": round(max(times), 4),
                "shown": shown,
            }
        )

    def setter(widget, value):
        return lambda: setattr(widget, "value", value)

    case("department", setter(ex.department, dept), setter(ex.department, ""))
    case("salesperson", setter(ex.salesperson, person), setter(ex.salesperson, ""))
    case("segment", setter(ex.segment, segment), setter(ex.segment, ""))
    case("tier", setter(ex.tier, "loyal"), setter(ex.tier, ""))
    case("scheme", setter(ex.scheme, "zh"), setter(ex.scheme, "en"))
    case("trend by", setter(ex.trend_by, "outlet"), setter(ex.trend_by, ""))

    t0 = time.perf_counter()
    ex.as_of.value = (pd.Timestamp(ex.as_of.value) - pd.Timedelta(days=90)).date()
    t_as_of = time.perf_counter() - t0

    result = {
        "customers": args.customers,
        "buyers": int(buyers),
        "order_lines": len(ds.orders),
        "data_s": round(t_data, 2),
        "build_s": round(t_build, 2),
        "new_as_of_s": round(t_as_of, 2),
        "target_s": TARGET_SECONDS,
        "cases": cases,
        "python": platform.python_version(),
        "machine": _machine(load),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print("## Segment explorer: redraw after a filter change\n")
    print(
        f"{args.customers:,} customers ({buyers:,} buyers), {len(ds.orders):,} order lines "
        f"(`workbench.sample.generate_orders`). Time from setting a control's value to every "
        f"figure and the table updated (observers run synchronously), median of "
        f"{args.repeat} changes; load average at start {load[0]:.1f}.\n"
    )
    print(f"- build (per-customer table for one as-of date, all figures): {t_build:.2f} s")
    print(f"- change of as-of date (recompute, cached afterwards): {t_as_of:.2f} s\n")
    print("| change | first time (s) | median (s) | max (s) | customers shown |")
    print("|---|---:|---:|---:|---:|")
    for c in cases:
        print(
            f"| {c['change']} | {c['first_s']:.3f} | {c['median_s']:.3f} | {c['max_s']:.3f} "
            f"| {c['shown']:,} |"
        )
    print(f"\nTarget: every filter change redraws in well under {TARGET_SECONDS:.0f} s.")
    return result


if __name__ == "__main__":
    main()
