"""``workbench clv``: fit a customer-lifetime-value model, or score customers with one.

Inputs (one of):

* ``SOURCE``: a dataset folder (or DuckDB file, URL) loaded with ``workbench.load.load``;
  its orders table is used.
* ``--transactions FILE``: CSV/Parquet/Excel with ``customer_id, order_date, amount``
  (other headers through ``--mapping``, section ``[orders.columns]``).
* ``--summary FILE``: a per-customer summary. BG/NBD, MBG/NBD, Pareto/NBD:
  ``frequency, recency, T[, monetary_value]``; Gamma-Gamma: ``frequency,
  monetary_value``; BG/BB: ``frequency, recency, periods[, weights]``; sBG: a cohort
  file ``period, active`` (customers still active at the start of periods 0, 1, 2, ...;
  period 0 is the cohort size).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd

__all__ = ["NAME", "HELP", "EXAMPLE", "add_arguments", "run"]

NAME = "clv"
HELP = (
    "Fit a buy-till-you-die model (BG/NBD, Pareto/NBD, Gamma-Gamma, MBG/NBD, BG/BB, sBG) "
    "or score customers: P(alive), expected purchases and CLV."
)
EXAMPLE = (
    "workbench clv fit --transactions orders.csv --model bgnbd "
    "--calibration-end 1997-09-30 --holdout-end 1998-06-30 --json"
)

_MODELS = ("bgnbd", "paretonbd", "gammagamma", "mbgnbd", "bgbb", "sbg")
_PURCHASE = ("bgnbd", "paretonbd", "mbgnbd")
_UNITS = {"day": "D", "week": "W"}


def _add_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", nargs="?", help="dataset folder, DuckDB file or URL (orders table)")
    p.add_argument("--transactions", type=Path, help="orders file: customer_id, order_date, amount")
    p.add_argument("--summary", type=Path, help="per-customer summary file (see the command help)")
    p.add_argument("--mapping", type=Path, help="mapping file for the orders' headers")
    p.add_argument("--calibration-end", help="last day of the calibration period, YYYY-MM-DD")
    p.add_argument("--time-unit", choices=tuple(_UNITS), default="week", help="default: week")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommands ``fit`` and ``score``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    fit = sub.add_parser(
        "fit",
        help="fit a model and print its parameters (or JSON)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_input(fit)
    fit.add_argument("--model", choices=_MODELS, required=True)
    fit.add_argument("--holdout-end", help="last day of the holdout period, YYYY-MM-DD")
    fit.add_argument("--json", action="store_true", help="print the result as JSON")
    score = sub.add_parser(
        "score",
        help="write per-customer predictions and CLV",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_input(score)
    score.add_argument("--model", choices=_MODELS, default="bgnbd", help="default: bgnbd")
    score.add_argument(
        "--horizon",
        type=int,
        required=True,
        help="months for CLV and expected purchases (periods for bgbb and sbg)",
    )
    score.add_argument("--out", type=Path, required=True, help="output file, .csv or .parquet")
    score.add_argument("--margin", type=float, default=1.0, help="profit margin (default 1)")
    score.add_argument(
        "--discount-rate", type=float, default=0.01, help="monthly discount rate (default 0.01)"
    )


def _usage(msg: str) -> int:
    print(f"workbench clv: error: {msg}")
    return 2


def _read_file(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; check the path")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path)
    return pd.read_csv(path)


def _transactions(args: argparse.Namespace) -> pd.DataFrame:
    if args.source:
        from workbench.load import load

        return load(args.source, mapping=args.mapping).orders
    frame = _read_file(args.transactions)
    if args.mapping:
        from workbench.mapping import read_mapping

        frame = frame.rename(columns=read_mapping(args.mapping).get("orders").columns)
    return frame


def _date(text: str | None, what: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date; use YYYY-MM-DD") from None


def _inputs(args: argparse.Namespace):
    """Return (summary or cohort frame, calibration/holdout frame or None, transactions)."""
    from workbench.clv import calibration_holdout, customer_summary_btyd

    unit = _UNITS[args.time_unit]
    if args.summary is not None:
        return _read_file(args.summary), None, None
    tx = _transactions(args)
    cal_end = _date(args.calibration_end, "--calibration-end")
    hold_end = _date(getattr(args, "holdout_end", None), "--holdout-end")
    if cal_end is None:
        cal_end = pd.to_datetime(tx["order_date"]).max().normalize()
    if hold_end is not None:
        ch = calibration_holdout(tx, calibration_end=cal_end, holdout_end=hold_end, time_unit=unit)
        return ch, ch, tx
    return customer_summary_btyd(tx, as_of=cal_end, time_unit=unit), None, tx


def _fit(model_id: str, frame: pd.DataFrame):
    from workbench.clv import MODELS

    model = MODELS[model_id]()
    return model.fit(frame)


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _check_input(args: argparse.Namespace) -> str | None:
    given = [x for x in (args.source, args.transactions, args.summary) if x is not None]
    if len(given) != 1:
        return "give exactly one of SOURCE, --transactions FILE or --summary FILE"
    if args.model in ("bgbb", "sbg") and args.summary is None:
        return f"--model {args.model} needs --summary FILE (see `workbench clv fit --help`)"
    if getattr(args, "holdout_end", None) and args.summary is not None:
        return "--holdout-end needs orders (SOURCE or --transactions), not a summary"
    if getattr(args, "holdout_end", None) and not args.calibration_end:
        return "--holdout-end needs --calibration-end"
    return None


def _run_fit(args: argparse.Namespace) -> int:
    from workbench.clv import holdout_comparison

    frame, ch, _ = _inputs(args)
    model = _fit(args.model, frame)
    result = {
        "model": args.model,
        "params": {k: float(v) for k, v in model.params_.items()},
        "log_likelihood": float(model.log_likelihood_),
        "n_customers": int(model.n_customers_),
        "standard_errors": {k: _clean(float(v)) for k, v in model.standard_errors_.items()},
        "time_unit": args.time_unit,
    }
    if ch is not None and args.model in _PURCHASE:
        table = holdout_comparison(model, ch)
        result["holdout"] = [
            {"frequency": str(k), **{c: _clean(float(v)) for c, v in row.items()}}
            for k, row in table.iterrows()
        ]
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(
        f"{args.model}: {result['n_customers']} customers, log-likelihood "
        f"{result['log_likelihood']:.4f}"
    )
    print(model.summary.round(6).to_string())
    if "holdout" in result:
        print("\nholdout: mean purchases per customer by calibration frequency")
        print(holdout_comparison(model, ch).round(4).to_string())
    return 0


def _run_score(args: argparse.Namespace) -> int:
    from workbench.clv import MIN_REPEAT_BUYERS, GammaGammaFitter, clv_abc, customer_lifetime_value
    from workbench.export import write_table

    if args.horizon < 1:
        return _usage("--horizon must be a positive number")
    frame, _, _ = _inputs(args)
    model = _fit(args.model, frame)
    if args.model == "sbg":
        table = model.predict(args.horizon).reset_index()
    elif args.model == "bgbb":
        table = frame.join(model.predict(frame, args.horizon))
    elif args.model == "gammagamma":
        table = frame.join(model.predict(frame))
    else:
        spend = None
        if "monetary_value" in frame.columns:
            n_repeat = int((frame["frequency"] > 0).sum())
            if n_repeat >= MIN_REPEAT_BUYERS:
                spend = GammaGammaFitter().fit(frame)
        if spend is None and "monetary_value" not in frame.columns:
            frame = frame.assign(monetary_value=0.0)
        values = customer_lifetime_value(
            model,
            spend,
            frame,
            horizon=args.horizon,
            margin=args.margin,
            discount_rate=args.discount_rate,
            time_unit=_UNITS[args.time_unit],
        )
        cols = [c for c in ("frequency", "recency", "T", "monetary_value") if c in frame.columns]
        table = clv_abc(frame[cols].join(values))
    if table.index.name is not None or not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    path = write_table(table, args.out)
    print(f"{path} ({len(table)} rows)")
    return 0


def run(args: argparse.Namespace) -> int:
    """Fit or score, by the action given."""
    if getattr(args, "action", None) is None:
        return _usage("name an action: `workbench clv fit ...` or `workbench clv score ...`")
    problem = _check_input(args)
    if problem:
        return _usage(problem)
    return _run_fit(args) if args.action == "fit" else _run_score(args)
