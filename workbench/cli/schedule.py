"""``workbench schedule``: render the scheduled reports that are due (for cron/systemd)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

NAME = "schedule"
HELP = (
    "Render the reports of reports/schedule.toml whose cron time has come and that are not "
    "rendered yet (run it from cron or a systemd timer); 'list' shows the schedule."
)
EXAMPLE = "workbench schedule run --now 2026-07-02T06:00"


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date-time; write e.g. 2026-07-02T06:00"
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options."""
    parser.add_argument("action", choices=("run", "list"), help="run what is due, or list")
    parser.add_argument(
        "--now", type=_when, default=None, help="judge due-ness at this local time (ISO)"
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="the schedule (default: reports/schedule.toml)",
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


def run(args: argparse.Namespace) -> int:
    """Run or list; 1 when a render failed (it is logged in reports/.runs/runs.jsonl)."""
    from tqdm import tqdm

    from workbench import schedule

    now = args.now or dt.datetime.now()
    if args.action == "list":
        jobs = schedule.load_schedule(args.manifest)
        log = schedule.read_log(args.out)
        last = {}
        for rec in log:
            last[rec.get("job")] = rec
        due = {job.id for job, _ in schedule.due_jobs(jobs, now, log)}
        print(f"{'id':28} {'report':12} {'cron':16} {'next run':17} {'due':4} last run")
        for job in jobs:
            rec = last.get(job.id)
            seen = f"{rec['scheduled_for']} {rec['status']}" if rec else "never"
            nxt = schedule.next_time(job.cron, now).strftime("%Y-%m-%d %H:%M")
            flag = "yes" if job.id in due else ("off" if not job.enabled else "no")
            print(f"{job.id:28} {job.name:12} {job.cron:16} {nxt:17} {flag:4} {seen}")
        return 0

    bar = tqdm(desc="reports", unit="report", disable=not sys.stderr.isatty())

    def started(job: schedule.Job, when: dt.datetime) -> None:
        bar.set_postfix_str(job.id)
        bar.update(1)

    try:
        records = schedule.run_due(
            args.manifest,
            now=now,
            out_dir=args.out,
            notebooks_dir=args.notebooks,
            on_start=started,
        )
    finally:
        bar.close()
    if not records:
        print(f"nothing due at {now:%Y-%m-%d %H:%M}")
    for rec in records:
        if rec.status == "ok":
            print(f"ok      {rec.job} ({rec.scheduled_for}): {rec.html}")
        else:
            print(f"FAILED  {rec.job} ({rec.scheduled_for}): {rec.error}", file=sys.stderr)
    return 1 if any(r.status != "ok" for r in records) else 0
