"""The management report of the sample data, rendered end to end; and the daily worklist.

What is timed: :func:`workbench.report.render` from the call to the files in place, that is
papermill (kernel start, loading ``data/sample`` with validation, every section: KPIs,
sales, tiers, RFM, CLV fits, reminders, requirement library) and nbconvert (single-file HTML
with plotly.js inlined, table of contents), the index left out. Best of 2 runs for the
management report (target: under 60 s, HTML under 8 MB, issue 8); one run each for the
manager's worklist summary and one salesperson's worklist, for scale (the daily
``--each owner`` run costs one such render per salesperson).

Prints a Markdown section for BENCHMARKS.md and writes ``benchmarks/results/report.json``.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

from workbench import config, report

OUT = Path(__file__).resolve().parent / "results" / "report.json"
TARGET_S = 60.0
TARGET_MB = 8.0


def _machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_1min_at_start": load,
    }


def _timed(name: str, parameters: dict[str, str], out: Path) -> tuple[float, report.RenderResult]:
    t = time.perf_counter()
    result = report.render(name, parameters, out_dir=out)
    return time.perf_counter() - t, result


def main() -> None:
    """Render, time, print the Markdown section and write the JSON result."""
    machine = _machine()
    source = str(config.SAMPLE_DIR)
    rows = []
    with tempfile.TemporaryDirectory(prefix="wb-bench-report-") as tmp:
        out = Path(tmp)
        runs = [_timed("management", {"source": source}, out) for _ in range(2)]
        best, result = min(runs, key=lambda r: r[0])
        size = result.html.stat().st_size
        rows.append(
            {
                "report": "management (en, last month)",
                "runs_s": [r[0] for r in runs],
                "best_s": best,
                "html_bytes": size,
                "charts": result.html.read_text(encoding="utf-8").count('class="plotly-graph-div"'),
                "period": result.meta["period"],
            }
        )
        summary_s, summary = _timed("worklist", {"source": source}, out)
        owner = sorted(summary.figures["owner_customers"])[0]
        owner_s, mine = _timed("worklist", {"source": source, "owner": owner}, out)
        for label_, seconds, res in (
            ("worklist, manager summary", summary_s, summary),
            ("worklist, one salesperson", owner_s, mine),
        ):
            rows.append(
                {
                    "report": label_,
                    "runs_s": [seconds],
                    "best_s": seconds,
                    "html_bytes": res.html.stat().st_size,
                    "charts": res.html.read_text(encoding="utf-8").count(
                        'class="plotly-graph-div"'
                    ),
                    "period": res.meta["period"],
                }
            )
        n_owners = len(summary.figures["owner_customers"])
    management = rows[0]
    res = {
        "machine": machine,
        "rows": rows,
        "owners": n_owners,
        "target_s": TARGET_S,
        "target_html_mb": TARGET_MB,
        "management_within_target": management["best_s"] < TARGET_S
        and management["html_bytes"] < TARGET_MB * 1024**2,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")

    print("## Management report\n")
    print(
        "`workbench.report.render` end to end on `data/sample` (papermill: kernel start, "
        "loading with validation, every section; nbconvert: one offline HTML file). "
        f"Target: under {TARGET_S:.0f} s and {TARGET_MB:.0f} MB "
        f"({'met' if res['management_within_target'] else 'NOT met'}).\n"
    )
    print("| report | period | time | runs | HTML | charts |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        runs = ", ".join(f"{s:.1f}" for s in row["runs_s"])
        print(
            f"| {row['report']} | {row['period']} | {row['best_s']:.1f} s | {runs} s | "
            f"{row['html_bytes'] / 1024**2:.2f} MB | {row['charts']} |"
        )
    per_owner = rows[2]["best_s"]
    print(
        f"\nThe daily `workbench report worklist --each owner` renders the summary and "
        f"{n_owners} salespeople's lists: about {rows[1]['best_s'] + n_owners * per_owner:.0f} s "
        "at these times, one render after the other."
    )


if __name__ == "__main__":
    main()
