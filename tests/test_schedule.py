"""Tests of workbench.schedule: cron due-ness, idempotent runs with --now, failures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from workbench import schedule
from workbench.cli import main

ROOT = Path(__file__).resolve().parent.parent
TINY_DIR = ROOT / "tests" / "data" / "notebooks"


def _manifest(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


MONTHLY = """
[[report]]
id = "tiny-monthly"
name = "tiny"
cron = "0 6 2 * *"
parameters = { period = "2025-03", values = "1,2" }

[[report]]
id = "tiny-daily-off"
name = "tiny"
cron = "0 * * * *"
enabled = false
"""


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        ("0 6 2 * *", "2026-07-02T06:00", "2026-07-02T06:00"),
        ("0 6 2 * *", "2026-07-02T05:59", "2026-06-02T06:00"),
        ("0 6 2 * *", "2026-07-31T23:00", "2026-07-02T06:00"),
        ("30 7 * * 1", "2026-07-01T12:00", "2026-06-29T07:30"),  # 2026-06-29 is a Monday
        ("0 7 3 1,4,7,10 *", "2026-06-30T00:00", "2026-04-03T07:00"),
    ],
    ids=["on-time", "minute-before", "later-in-month", "weekly-monday", "quarterly"],
)
def test_scheduled_time(cron, now, expected):
    got = schedule.scheduled_time(cron, dt.datetime.fromisoformat(now))
    assert got == dt.datetime.fromisoformat(expected)


def test_due_jobs_follow_the_log():
    job = schedule.Job("a", "tiny", "0 6 2 * *")
    now = dt.datetime(2026, 7, 2, 6, 30)
    assert schedule.due_jobs([job], now, []) == [(job, dt.datetime(2026, 7, 2, 6, 0))]
    ok = [{"job": "a", "scheduled_for": "2026-07-02T06:00:00", "status": "ok"}]
    failed = [{"job": "a", "scheduled_for": "2026-07-02T06:00:00", "status": "failed"}]
    assert schedule.due_jobs([job], now, ok) == []
    assert schedule.due_jobs([job], now, failed) == [(job, dt.datetime(2026, 7, 2, 6, 0))]
    assert schedule.due_jobs([job], dt.datetime(2026, 8, 2, 6, 0), ok) != []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[report]]\nid = "a"\nname = "tiny"\ncron = "every day"\n', "not a cron expression"),
        ('[[report]]\nid = "a"\nname = "tiny"\n', "missing cron"),
        (
            '[[report]]\nid = "a"\nname = "t"\ncron = "0 6 * * *"\n'
            '[[report]]\nid = "a"\nname = "t"\ncron = "0 7 * * *"\n',
            "used twice",
        ),
        ('[[report]]\nid = "../a"\nname = "t"\ncron = "0 6 * * *"\n', "may hold letters"),
        ('[[report]]\nid = "a"\nname = "t"\ncron = "0 6 * * *"\nparams = 1\n', "unknown key"),
        ('[[report]]\nid = "a"\nname = "t"\ncron = "0 6 * * *"\neach = "../x"\n', "each must"),
    ],
    ids=["bad-cron", "no-cron", "duplicate-id", "unsafe-id", "unknown-key", "bad-each"],
)
def test_manifest_errors(tmp_path, body, message):
    path = _manifest(tmp_path / "schedule.toml", body)
    with pytest.raises(schedule.ScheduleError, match=message):
        schedule.load_schedule(path)


def test_project_manifest_is_valid():
    from workbench import report

    jobs = schedule.load_schedule(ROOT / "reports" / "schedule.toml")
    assert jobs and {j.name for j in jobs} == {"management", "worklist"}
    for job in jobs:
        path = report.notebook_path(job.name)
        declared = report.notebook_parameters(path)
        report.check_parameters(job.parameters, declared)  # raises on a bad entry
        assert not job.each or job.each in declared
    daily = [j for j in jobs if j.name == "worklist"]
    assert daily and daily[0].each == "owner"
    assert schedule.next_time(daily[0].cron, dt.datetime(2026, 7, 3, 8, 0)) == dt.datetime(
        2026, 7, 6, 7, 30
    )  # Friday 3 July 2026 after 07:30: next on Monday


def test_schedule_run_is_idempotent(tmp_path, capsys):
    manifest = _manifest(tmp_path / "schedule.toml", MONTHLY)
    out = tmp_path / "reports"
    base = ["schedule", "run", "--manifest", str(manifest), "--out", str(out)]
    base += ["--notebooks", str(TINY_DIR)]

    assert main(base + ["--now", "2026-07-02T05:00"]) == 0  # June's run is due
    assert main(base + ["--now", "2026-07-02T05:30"]) == 0  # and done
    capsys.readouterr()
    log = schedule.read_log(out)
    assert [(r["job"], r["scheduled_for"], r["status"]) for r in log] == [
        ("tiny-monthly", "2026-06-02T06:00:00", "ok")
    ]
    html = out / "tiny" / "2025-03.html"
    assert html.exists() and (out / "index.html").exists()
    first = html.stat().st_mtime_ns

    assert main(base + ["--now", "2026-07-02T06:00"]) == 0  # July's run
    assert "ok      tiny-monthly (2026-07-02T06:00:00)" in capsys.readouterr().out
    assert main(base + ["--now", "2026-07-03T06:00"]) == 0
    assert "nothing due at 2026-07-03 06:00" in capsys.readouterr().out
    assert len(schedule.read_log(out)) == 2
    assert html.stat().st_mtime_ns >= first
    meta = json.loads((out / "tiny" / "2025-03.json").read_text(encoding="utf-8"))
    assert meta["figures"]["total"] == 3.0


def test_failed_scheduled_run_exits_non_zero_and_is_retried(tmp_path, capsys):
    body = MONTHLY.replace('values = "1,2"', 'values = "1,2", fail = true')
    manifest = _manifest(tmp_path / "schedule.toml", body)
    out = tmp_path / "reports"
    args = ["schedule", "run", "--manifest", str(manifest), "--out", str(out)]
    args += ["--notebooks", str(TINY_DIR), "--now", "2026-07-02T06:00"]
    assert main(args) == 1
    assert "FAILED  tiny-monthly" in capsys.readouterr().err
    assert main(args) == 1  # not rendered yet, so tried again
    log = schedule.read_log(out)
    assert [r["status"] for r in log] == ["failed", "failed"]
    assert "failing on purpose" in log[0]["error"]
    assert (out / "tiny" / "failed" / "2025-03.ipynb").exists()
    assert not (out / "tiny" / "2025-03.html").exists()


def test_schedule_list(tmp_path, capsys):
    manifest = _manifest(tmp_path / "schedule.toml", MONTHLY)
    args = ["schedule", "list", "--manifest", str(manifest), "--out", str(tmp_path)]
    assert main(args + ["--now", "2026-07-02T07:00"]) == 0
    out = capsys.readouterr().out
    assert "tiny-monthly" in out and "2026-08-02 06:00" in out and "never" in out
    assert "tiny-daily-off" in out and " off " in out


def test_placeholders_take_the_day_of_the_cron_time():
    when = dt.datetime(2026, 7, 2, 7, 30)
    got = schedule.fill_placeholders({"as_of": "{date}", "top": 5, "lang": "zh"}, when)
    assert got == {"as_of": "2026-07-02", "top": 5, "lang": "zh"}


def _two_owner_sample(sample_dir: Path, dest: Path) -> list[str]:
    """Copy the sample, keeping the customers (and their rows) of two owners."""
    import pandas as pd

    dest.mkdir()
    customers = pd.read_csv(sample_dir / "customers.csv", dtype=str, keep_default_na=False)
    owners = sorted(customers["owner"].unique())[:2]
    keep = set(customers.loc[customers["owner"].isin(owners), "customer_id"])
    for path in sample_dir.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "customer_id" in frame.columns:
            frame = frame[frame["customer_id"].isin(keep)]
        frame.to_csv(dest / path.name, index=False)
    return owners


def test_daily_worklist_for_each_owner_runs_once(sample_dir, tmp_path, capsys):
    import pandas as pd

    from workbench.alerts import worklist
    from workbench.load import load

    data = tmp_path / "data"
    owners = _two_owner_sample(sample_dir, data)
    body = f"""
[[report]]
id = "worklist-daily"
name = "worklist"
cron = "30 7 * * 1-5"
each = "owner"
parameters = {{ source = "{data.as_posix()}", as_of = "{{date}}" }}
"""
    manifest = _manifest(tmp_path / "schedule.toml", body)
    out = tmp_path / "reports"
    args = ["schedule", "run", "--manifest", str(manifest), "--out", str(out)]
    assert main(args + ["--now", "2026-06-30T08:00"]) == 0  # a Tuesday
    assert main(args + ["--now", "2026-06-30T09:00"]) == 0  # done already
    capsys.readouterr()
    log = schedule.read_log(out)
    assert [(r["job"], r["scheduled_for"], r["status"]) for r in log] == [
        ("worklist-daily", "2026-06-30T07:30:00", "ok")
    ]
    assert log[0]["parameters"]["as_of"] == "2026-06-30"
    folder = out / "worklist"
    wl = worklist(load(data, policy="quarantine"), as_of="2026-06-30")
    # the two account owners, and whoever collects an invoice of their customers
    on_list = sorted(wl["owner"].unique())
    assert set(owners) <= set(on_list)
    expected = {"2026-06-30.html"} | {f"2026-06-30_{o}.html" for o in on_list}
    assert {p.name for p in folder.glob("*.html")} == expected
    meta = json.loads((folder / "2026-06-30.json").read_text(encoding="utf-8"))
    assert meta["figures"]["owner_customers"] == wl.groupby("owner").size().to_dict()
    for owner in on_list:
        got = json.loads((folder / f"2026-06-30_{owner}.json").read_text(encoding="utf-8"))
        mine = wl.loc[wl["owner"] == owner, "customer_id"].tolist()
        assert got["figures"]["customer_ids"] == mine and mine
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('href="worklist/2026-06-30') == len(on_list) + 1
    assert pd.Timestamp(meta["figures"]["as_of"]) == pd.Timestamp("2026-06-30")
