"""The segment explorer served by Voilà, driven in a real headless Chromium.

Voilà runs as a subprocess on a free 127.0.0.1 port and executes
``notebooks/explore/segment_explorer.ipynb`` on the sample data in its own kernel; Debian's
``/usr/bin/chromium`` (through Playwright) opens it with every request outside 127.0.0.1
aborted, chooses a salesperson in the ipywidgets dropdown and waits until the charts
redraw. The charts the browser drew must equal what :func:`workbench.widgets.segment_explorer`
computes in this process for the same filter, and the lifecycle funnel must equal the
tiers (:func:`workbench.tiers.lifecycle_tiers`) of that salesperson's customers counted
here directly. Without Chromium the test fails with the install command; it does not skip.
"""

from __future__ import annotations

import base64
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from workbench import names as N
from workbench import plots, widgets
from workbench.labels import label
from workbench.metrics import customer_summary
from workbench.tiers import lifecycle_tiers

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore" / "segment_explorer.ipynb"
VOILA = Path(sys.executable).parent / "voila"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 60  # s until Voilà answers HTTP
PAGE_TIMEOUT = 120_000  # ms for the kernel to start and execute the notebook (busy machine)
REDRAW_TIMEOUT = 60  # s for a filter change to reach every chart

# The traces each plotly chart of the page drew, keyed by the chart's title.
_CHARTS_JS = """() => {
    const plain = v => ArrayBuffer.isView(v) ? Array.from(v)
        : Array.isArray(v) ? v.map(plain) : v;
    const out = {};
    for (const d of document.querySelectorAll('.js-plotly-plot')) {
        if (!Array.isArray(d.data) || !d.data.length || !d.layout) continue;
        const title = (d.layout.title && d.layout.title.text) || '';
        out[title] = d.data.map(t => Object.fromEntries(
            ['type', 'ids', 'values', 'x', 'y', 'z'].map(k => [k, plain(t[k])])));
    }
    return out;
}"""
#: What is compared, per trace type (the trend's and the curve's x are dates or shares).
_FIELDS = {"funnel": ("x", "y"), "treemap": ("ids", "values"), "heatmap": ("z",)}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 40) -> str:
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(lines[-n:])


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    """Serve the segment explorer with Voilà (no token, own config dir); stop it after."""
    if not VOILA.exists():
        pytest.fail(f"voila is missing from {VOILA.parent}: make install-dev")
    home = tmp_path_factory.mktemp("voila")
    log = home / "voila.log"
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    cmd = [
        str(VOILA),
        str(NOTEBOOK),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--Voila.token=",
        "--VoilaConfiguration.show_tracebacks=True",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}:\n{_tail(log)}")
            try:  # a static file: a request for the page itself would start a kernel
                with urllib.request.urlopen(url + "voila/static/voila.js", timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"voila did not answer on {url} in {START_TIMEOUT} s:\n{_tail(log)}")
            time.sleep(0.5)
        yield url, log
    finally:
        proc.send_signal(signal.SIGTERM)  # Voilà shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page():
    """A headless Chromium page that may reach 127.0.0.1 and localhost only."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail("install chromium: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="wb-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        page.blocked = []
        page.errors = []

        def route(r):
            if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost"):
                r.continue_()
            else:
                page.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        context.close()


def _plain(value: Any) -> Any:
    """A trace field as nested lists with NaN as None (plotly's base64 arrays decoded)."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if value.get("shape"):
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        value = array
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _close(got: Any, want: Any) -> bool:
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(_close(g, w) for g, w in zip(got, want, strict=True))
        )
    if isinstance(want, int | float) and isinstance(got, int | float):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    return got == want


def _expected(ex: widgets.SegmentExplorer) -> dict[str, list[dict]]:
    """The explorer's figures as the browser should draw them, keyed by title."""
    out = {}
    for fig in ex.figures.values():
        traces = [t.to_plotly_json() for t in fig.data]
        out[fig.layout.title.text or ""] = [
            {k: _plain(t.get(k)) for k in ("type", "ids", "values", "x", "y", "z")} for t in traces
        ]
    return out


def _mismatches(drawn: dict[str, list[dict]], expected: dict[str, list[dict]]) -> list[str]:
    """What the browser drew differently from the expected figures (empty: all equal)."""
    if sorted(drawn) != sorted(expected):
        return [f"charts drawn {sorted(drawn)}, expected {sorted(expected)}"]
    problems = []
    for title, want in expected.items():
        got = drawn[title]
        if len(got) != len(want):
            problems.append(f"{title}: {len(got)} traces, expected {len(want)}")
            continue
        for g, w in zip(got, want, strict=True):
            for key in _FIELDS.get(w["type"], ("y",)):
                if not _close(_plain(g[key]), w[key]):
                    problems.append(f"{title}: {key} = {g[key]!r:.300}, expected {w[key]!r:.300}")
    return problems


def _wait_drawn(page, expected: dict[str, list[dict]], timeout_s: float) -> dict[str, list[dict]]:
    """Poll the page until its charts equal ``expected``; fail with the differences."""
    deadline = time.monotonic() + timeout_s
    while True:
        drawn = page.evaluate(_CHARTS_JS)
        problems = _mismatches(drawn, expected)
        if not problems:
            return drawn
        if time.monotonic() > deadline:
            pytest.fail("the browser's charts differ:\n" + "\n".join(problems))
        time.sleep(0.5)


def _buyers_tiers(dataset, salesperson: str, as_of: pd.Timestamp) -> list[int]:
    """Lifecycle tier counts of the customers who bought from ``salesperson``."""
    orders = dataset.orders[pd.to_datetime(dataset.orders[N.ORDER_DATE]) <= as_of]
    buyers = set(orders.loc[orders["salesperson"] == salesperson, N.CUSTOMER_ID].astype(str))
    tiers = lifecycle_tiers(customer_summary(orders, as_of=as_of))
    mine = tiers[tiers[N.CUSTOMER_ID].astype(str).isin(buyers)]
    counts = mine[N.LIFECYCLE_TIER].astype(str).value_counts()
    return [int(counts.get(t, 0)) for t in plots.TIER_ORDER]


def _funnel(charts: dict[str, list[dict]]) -> list:
    (funnel,) = [traces[0] for traces in charts.values() if traces[0]["type"] == "funnel"]
    return _plain(funnel["x"])


def test_served_segment_explorer_redraws_when_a_salesperson_is_chosen(page, voila_url, sample):
    url, log = voila_url
    ex = widgets.segment_explorer(sample, lang="en")
    initial = _expected(ex)
    salesperson = ex.salesperson.options[1][1]  # the first salesperson after "All"
    ex.salesperson.value = salesperson
    filtered = _expected(ex)
    # the funnel shows the salesperson's customers by lifecycle tier, counted here directly
    as_of = pd.Timestamp(ex.as_of.value)
    assert _funnel(filtered) == _buyers_tiers(sample, salesperson, as_of)
    assert _funnel(filtered) != _funnel(initial)

    page.goto(url, timeout=PAGE_TIMEOUT)
    try:  # five charts drawn, or a cell's traceback shown (then fail at once)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(d => Array.isArray(d.data) && d.data.length).length >= 5"
            " || document.body.innerText.includes('Traceback (most recent call last)')",
            timeout=PAGE_TIMEOUT,
        )
        failed = "Traceback (most recent call last)" in page.inner_text("body")
    except Exception as exc:
        failed = exc
    if failed:
        text = page.inner_text("body")[-3000:]
        pytest.fail(f"the charts were not drawn ({failed})\npage:\n{text}\nvoila:\n{_tail(log)}")
    _wait_drawn(page, initial, timeout_s=10)

    name = re.compile(rf"^\s*{re.escape(label('plot.dim.salesperson', 'en'))}\s*$", re.I)
    dropdown = page.locator(".widget-dropdown", has=page.locator("label", has_text=name))
    dropdown.locator("select").select_option(label=salesperson)
    drawn = _wait_drawn(page, filtered, timeout_s=REDRAW_TIMEOUT)
    assert _funnel(drawn) != _funnel(initial)
    status = label("widget.shown", "en", shown=f"{len(ex.table):,}", total=f"{len(ex.customers):,}")
    assert status in page.inner_text("body")
    assert page.errors == []
    # only outside addresses were refused (Voilà's template links a CDN icon font)
    assert all(urlsplit(u).hostname not in ("127.0.0.1", "localhost") for u in page.blocked)


def test_served_explorer_speaks_chinese_when_the_url_asks(page, voila_url):
    url, log = voila_url
    page.goto(url + "?lang=zh", timeout=PAGE_TIMEOUT)
    zh = label("plot.dim.salesperson", "zh")
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(d => Array.isArray(d.data) && d.data.length).length >= 5",
            timeout=PAGE_TIMEOUT,
        )
    except Exception as exc:
        pytest.fail(f"the charts were not drawn ({exc})\nvoila:\n{_tail(log)}")
    names = [t.strip() for t in page.locator(".widget-dropdown label").all_inner_texts()]
    assert zh in names, names  # the controls are labelled in Chinese
    assert label("plot.dim.salesperson", "en") not in names
