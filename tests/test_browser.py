"""Rendered reports in a real headless Chromium, opened from disk with the network blocked.

Debian's ``/usr/bin/chromium`` is driven by Playwright. Without it the tests fail (they are
the proof that a manager's browser draws the report offline), they do not skip.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from workbench import report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
TINY_DIR = ROOT / "tests" / "data" / "notebooks"
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
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
HOSTILE_OWNER = '<b onmouseover="window.__xss=3">Eve</b><script>window.__xss=4</script>'


@pytest.fixture(scope="module")
def browser_context():
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail("install chromium: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="wb-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        yield context
        context.close()


class Opened:
    """A page opened from disk, with what the browser reported."""

    def __init__(self, context, path: Path) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        page = context.new_page()

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                self.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        self.page = page

    def charts(self) -> list[int]:
        """Number of drawn traces of each plotly chart."""
        self.page.wait_for_function(
            "[...document.querySelectorAll('.plotly-graph-div')]"
            ".every(d => d.querySelector('.main-svg'))",
            timeout=30_000,
        )
        return self.page.evaluate(
            "[...document.querySelectorAll('.plotly-graph-div')].map(d => "
            "(d._fullData || []).filter(t => t.visible !== false).length)"
        )


def _check_page(opened: Opened, n_charts_min: int) -> None:
    page = opened.page
    traces = opened.charts()
    assert len(traces) >= n_charts_min and all(n > 0 for n in traces), traces
    assert page.locator(".plotly .main-svg").count() >= len(traces)
    assert page.locator(".jp-InputArea, .jp-InputPrompt").count() == 0
    assert page.locator("script[src], link[href^='http']").count() == 0
    links = page.locator("nav#toc a")
    assert links.count() >= 2
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        links.nth(i).click()
        assert page.evaluate("decodeURIComponent(location.hash)") == href
        top, height, at_bottom = page.evaluate(
            "h => [document.getElementById(h.slice(1)).getBoundingClientRect().top,"
            " window.innerHeight,"
            " window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2]",
            href,
        )
        # the heading is scrolled to the top, or into view when the page ends before
        assert abs(top) < 60 or (at_bottom and 0 <= top < height), (href, top)
    assert opened.errors == []
    assert opened.dialogs == []


@pytest.fixture(scope="module")
def tiny_html(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return report.render("tiny", {"label_text": HOSTILE}, out_dir=out, notebooks_dir=TINY_DIR).html


def test_tiny_report_draws_offline_and_shows_markup_as_text(browser_context, tiny_html, tmp_path):
    opened = Opened(browser_context, tiny_html)
    _check_page(opened, n_charts_min=2)
    page = opened.page
    assert page.evaluate("window.__xss") is None
    assert page.locator("table.wb-table td", has_text=HOSTILE).count() == 1
    assert opened.blocked == []
    page.screenshot(path=str(tmp_path / "tiny.png"), full_page=True)


def _hostile_copy(sample_dir: Path, dest: Path, owner: str | None = None) -> str:
    """Copy the sample, renaming its most valuable customer to markup; return the id.

    With ``owner``, that customer's account owner is renamed to it too.
    """
    shutil.copytree(sample_dir, dest)
    orders = pd.read_csv(dest / "orders.csv", usecols=["customer_id", "amount"], dtype=str)
    top = orders.assign(a=orders["amount"].astype(float)).groupby("customer_id")["a"].sum()
    top_id = str(top.idxmax())
    with (dest / "customers.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    i_id, i_name = rows[0].index("customer_id"), rows[0].index("name")
    i_owner = rows[0].index("owner")
    for row in rows[1:]:
        if row[i_id] == top_id:
            row[i_name] = HOSTILE
            if owner is not None:
                row[i_owner] = owner
    with (dest / "customers.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return top_id


def test_management_report_draws_offline(browser_context, sample_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("data") / "sample"
    _hostile_copy(sample_dir, data)
    out = tmp_path_factory.mktemp("management")
    result = report.render("management", {"source": str(data)}, out_dir=out)
    opened = Opened(browser_context, result.html)
    _check_page(opened, n_charts_min=6)
    assert opened.blocked == []
    page = opened.page
    assert page.evaluate("window.__xss") is None
    assert page.locator("table.wb-table td", has_text=HOSTILE).count() >= 1
    shot = Path(tempfile.gettempdir()) / "wb-management-report.png"
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_worklist_reports_draw_offline(browser_context, sample_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("data") / "sample"
    _hostile_copy(sample_dir, data, owner=HOSTILE_OWNER)
    out = tmp_path_factory.mktemp("worklist")
    summary, mine = report.render_each(
        "worklist", "owner", {"source": str(data)}, values=[HOSTILE_OWNER], out_dir=out
    )
    assert mine.html.parent == out / "worklist"
    assert "<" not in mine.html.name and "/" not in mine.html.name.removesuffix(".html")

    opened = Opened(browser_context, summary.html)
    _check_page(opened, n_charts_min=2)
    assert opened.blocked == []
    page = opened.page
    assert page.evaluate("window.__xss") is None
    # the most valuable customer heads the "most at stake" table, its owner in the totals
    assert page.locator("table.wb-table td", has_text=HOSTILE).count() >= 1
    assert page.locator("table.wb-table td", has_text=HOSTILE_OWNER).count() >= 2

    opened = Opened(browser_context, mine.html)
    _check_page(opened, n_charts_min=0)
    assert opened.blocked == []
    page = opened.page
    assert page.locator(".plotly-graph-div").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.locator("h1, p.wb-subtitle", has_text=HOSTILE_OWNER).count() >= 1
    worklist = page.locator("table.wb-table", has=page.locator("th", has_text="Customer id"))
    first = worklist.locator("tbody tr").nth(0)
    assert first.locator("td", has_text=HOSTILE).count() == 1  # rank 1 on the owner's list
    page.hover("p.wb-subtitle")
    assert page.evaluate("window.__xss") is None
