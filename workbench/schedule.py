"""Scheduled reports: render what is due by cron, once, unattended.

The manifest (``reports/schedule.toml``) lists the reports with their parameters and a cron
expression::

    [[report]]
    id = "management-monthly-en"      # stable id: the run log is keyed by it
    name = "management"               # notebooks/reports/management.ipynb
    cron = "0 6 2 * *"                # 06:00 on the 2nd of every month
    parameters = { period = "last-month", lang = "en" }

    [[report]]
    id = "worklist-daily"
    name = "worklist"
    cron = "30 7 * * 1-5"             # 07:30 on working days
    each = "owner"                    # the manager's summary and one report per salesperson
    parameters = { as_of = "{date}" } # {date}: the day of the cron time (YYYY-MM-DD)

:func:`run_due` renders, for each report, its latest cron time at or before ``now`` unless
the run log already holds a successful run for that time: calling it twice does nothing the
second time, and a failed run is tried again at the next call. Every render is appended to
``<reports>/.runs/runs.jsonl`` (JSON lines) and the index is rebuilt. A lock file keeps two
overlapping invocations (a slow run and the next cron tick) from rendering the same report.
Cron times are naive local times, as cron reads them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import config

__all__ = [
    "ScheduleError",
    "Job",
    "RunRecord",
    "DEFAULT_MANIFEST",
    "load_schedule",
    "scheduled_time",
    "next_time",
    "read_log",
    "due_jobs",
    "fill_placeholders",
    "run_due",
]

DEFAULT_MANIFEST = config.REPORTS_DIR / "schedule.toml"
"""The manifest ``workbench schedule`` reads by default."""

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ScheduleError(ValueError):
    """The manifest is malformed (names the entry, the key and the fix)."""


@dataclass(frozen=True)
class Job:
    """One scheduled report.

    Parameters
    ----------
    id : str
        Stable id (letters, digits, ``-_.``); the run log is keyed by it.
    name : str
        Report notebook stem in ``notebooks/reports/``.
    cron : str
        Five-field cron expression, local time.
    parameters : dict
        Values for the notebook's parameters cell.
    enabled : bool
        False to keep the entry without running it.
    each : str
        Render the report for every value of this parameter (``"owner"``), after the
        summary with it empty (:func:`workbench.report.render_each`); empty for one render.
    """

    id: str
    name: str
    cron: str
    parameters: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    each: str = ""


@dataclass
class RunRecord:
    """One render attempted by :func:`run_due`, as written to the run log.

    Attributes
    ----------
    job, report : str
        Job id and report name.
    scheduled_for, started_at, finished_at : str
        ISO times: the cron time served, and the wall-clock start and end.
    status : {"ok", "failed"}
        Outcome.
    html, error : str or None
        The report written, or the error.
    """

    job: str
    report: str
    scheduled_for: str
    started_at: str
    finished_at: str
    status: str
    html: str | None = None
    error: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the record as one JSON line."""
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)


def load_schedule(path: Path | str | None = None) -> list[Job]:
    """Read and check a schedule manifest.

    Parameters
    ----------
    path : path, optional
        The TOML manifest (``reports/schedule.toml`` by default).

    Returns
    -------
    list of Job
        The entries in file order.

    Raises
    ------
    ScheduleError
        If the file is missing or not TOML, an entry lacks ``id``/``name``/``cron``, an id
        repeats, a cron expression is invalid, or ``parameters`` is not a table.
    """
    from croniter import croniter

    path = Path(path or DEFAULT_MANIFEST)
    if not path.is_file():
        raise ScheduleError(f"no schedule manifest {path}; create it (see docs/scheduling.md)")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path} is not valid TOML: {exc}") from None
    entries = data.get("report", [])
    if not isinstance(entries, list):
        raise ScheduleError(f"{path}: write each report as a [[report]] table")
    jobs: list[Job] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        where = f"{path}, [[report]] #{i}"
        for key in ("id", "name", "cron"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ScheduleError(f"{where}: missing {key} (text); add e.g. {key} = ...")
        if not _ID_RE.match(entry["id"]):
            raise ScheduleError(f"{where}: id {entry['id']!r} may hold letters, digits, - _ .")
        if entry["id"] in seen:
            raise ScheduleError(f"{where}: id {entry['id']!r} is used twice; ids must be unique")
        seen.add(entry["id"])
        if not croniter.is_valid(entry["cron"]):
            raise ScheduleError(
                f"{where}: cron {entry['cron']!r} is not a cron expression; write five "
                "fields 'minute hour day month weekday', e.g. '0 6 2 * *'"
            )
        params = entry.get("parameters", {})
        if not isinstance(params, dict):
            raise ScheduleError(f"{where}: parameters must be a table, e.g. {{ lang = 'zh' }}")
        each = entry.get("each", "")
        if not isinstance(each, str) or not re.fullmatch(r"[A-Za-z_]*", each):
            raise ScheduleError(f"{where}: each must name a parameter, e.g. each = 'owner'")
        unknown = set(entry) - {"id", "name", "cron", "parameters", "enabled", "each"}
        if unknown:
            raise ScheduleError(f"{where}: unknown key {', '.join(sorted(unknown))}")
        jobs.append(
            Job(
                entry["id"],
                entry["name"],
                entry["cron"],
                dict(params),
                bool(entry.get("enabled", True)),
                each,
            )
        )
    return jobs


def _naive(now: dt.datetime) -> dt.datetime:
    return now.replace(tzinfo=None, microsecond=0)


def scheduled_time(cron: str, now: dt.datetime) -> dt.datetime:
    """Return the latest time at or before ``now`` that ``cron`` fires.

    Examples
    --------
    >>> scheduled_time("0 6 2 * *", dt.datetime(2026, 7, 2, 6, 0))
    datetime.datetime(2026, 7, 2, 6, 0)
    >>> scheduled_time("0 6 2 * *", dt.datetime(2026, 7, 2, 5, 59))
    datetime.datetime(2026, 6, 2, 6, 0)
    """
    from croniter import croniter

    start = _naive(now) + dt.timedelta(seconds=1)
    return croniter(cron, start).get_prev(dt.datetime)


def next_time(cron: str, now: dt.datetime) -> dt.datetime:
    """Return the first time after ``now`` that ``cron`` fires.

    Examples
    --------
    >>> next_time("0 6 2 * *", dt.datetime(2026, 7, 2, 6, 0))
    datetime.datetime(2026, 8, 2, 6, 0)
    """
    from croniter import croniter

    return croniter(cron, _naive(now)).get_next(dt.datetime)


def _runs_dir(out_dir: Path) -> Path:
    return out_dir / ".runs"


def read_log(out_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """Return every record of the run log ``<out_dir>/.runs/runs.jsonl``, oldest first."""
    path = _runs_dir(Path(out_dir or config.REPORTS_DIR)) / "runs.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def due_jobs(
    jobs: list[Job], now: dt.datetime, log: list[dict[str, Any]]
) -> list[tuple[Job, dt.datetime]]:
    """Return the enabled jobs whose latest cron time has no successful run in ``log``.

    Parameters
    ----------
    jobs : list of Job
        The manifest.
    now : datetime.datetime
        The time to judge by.
    log : list of dict
        Records from :func:`read_log`.

    Returns
    -------
    list of (Job, datetime.datetime)
        Each due job with the cron time it serves.
    """
    done = {(r.get("job"), r.get("scheduled_for")) for r in log if r.get("status") == "ok"}
    out = []
    for job in jobs:
        if not job.enabled:
            continue
        when = scheduled_time(job.cron, now)
        if (job.id, when.isoformat()) not in done:
            out.append((job, when))
    return out


@contextmanager
def _lock(runs_dir: Path) -> Iterator[None]:
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / "lock"
    with path.open("w") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no cross-process lock
            yield
            return
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScheduleError(
                f"another `workbench schedule run` holds {path}; it will render what is due"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _append(runs_dir: Path, record: RunRecord) -> None:
    with (runs_dir / "runs.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(record.to_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def fill_placeholders(parameters: dict[str, Any], when: dt.datetime) -> dict[str, Any]:
    """Replace ``{date}`` in text parameter values by the day of the cron time.

    A daily report (the worklist) is for the day it is scheduled, whatever the day it
    runs (a late or repeated run renders the same report).

    Examples
    --------
    >>> fill_placeholders({"as_of": "{date}", "lang": "zh"}, dt.datetime(2026, 7, 2, 7, 30))
    {'as_of': '2026-07-02', 'lang': 'zh'}
    """
    day = f"{when:%Y-%m-%d}"
    return {k: v.replace("{date}", day) if isinstance(v, str) else v for k, v in parameters.items()}


def _stamp() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def run_due(
    manifest: Path | str | None = None,
    *,
    now: dt.datetime | None = None,
    out_dir: Path | str | None = None,
    notebooks_dir: Path | str | None = None,
    on_start: Callable[[Job, dt.datetime], None] | None = None,
) -> list[RunRecord]:
    """Render every report of the manifest that is due and not yet rendered.

    Parameters
    ----------
    manifest : path, optional
        The schedule (``reports/schedule.toml`` by default).
    now : datetime.datetime, optional
        The time to judge by; the wall clock by default (scheduling, not metrics).
    out_dir : path, optional
        Root of the reports (``reports/``); the run log lives in ``out_dir/.runs/``.
    notebooks_dir : path, optional
        Folder of the report notebooks.
    on_start : callable, optional
        Called with each job before it renders (progress display).

    Returns
    -------
    list of RunRecord
        The renders attempted (empty when nothing was due), each also appended to the log.

    Raises
    ------
    ScheduleError
        If the manifest is malformed or another run holds the lock.
    """
    from workbench import report

    jobs = load_schedule(manifest)
    root = Path(out_dir or config.REPORTS_DIR)
    runs_dir = _runs_dir(root)
    now = now or dt.datetime.now()
    records: list[RunRecord] = []
    with _lock(runs_dir):
        for job, when in due_jobs(jobs, now, read_log(root)):
            if on_start is not None:
                on_start(job, when)
            started = _stamp()
            params = fill_placeholders(job.parameters, when)
            try:
                if job.each:
                    results = report.render_each(
                        job.name, job.each, params, out_dir=root, notebooks_dir=notebooks_dir
                    )
                    html = str(results[0].html) if results else None
                else:
                    html = str(
                        report.render(
                            job.name, params, out_dir=root, notebooks_dir=notebooks_dir
                        ).html
                    )
            except Exception as exc:  # every failure is logged; the caller exits non-zero
                rec = RunRecord(
                    job.id, job.name, when.isoformat(), started, _stamp(), "failed",
                    error=f"{type(exc).__name__}: {exc}", parameters=params,
                )  # fmt: skip
            else:
                rec = RunRecord(
                    job.id, job.name, when.isoformat(), started, _stamp(), "ok",
                    html=html, parameters=params,
                )  # fmt: skip
            _append(runs_dir, rec)
            records.append(rec)
        if records:
            report.write_index(root)
    return records
