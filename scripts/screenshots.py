"""Regenerate ``docs/screenshots/*.png``: each explorer served by Voilà, in headless Chromium.

Run with ``.venv/bin/python scripts/screenshots.py``. The notebooks of
``notebooks/explore/`` are copied to a temporary folder with their ``parameters`` cell
overridden (a cell after it, as papermill injects), that folder is served by
Voilà on a free 127.0.0.1 port, and Debian's ``/usr/bin/chromium`` (driven by
Playwright, every request outside 127.0.0.1 refused) takes a 1280 × 900 picture of each
explorer once its charts are drawn. Chinese text needs a CJK font
(``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nbformat

__all__ = ["SHOTS", "Shot", "main", "take"]

ROOT = Path(__file__).resolve().parent.parent
EXPLORE_DIR = ROOT / "notebooks" / "explore"
OUT_DIR = ROOT / "docs" / "screenshots"
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
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Shot:
    """One screenshot: a notebook of ``notebooks/explore``, its parameters, what to await.

    Attributes
    ----------
    notebook : str
        File name in ``notebooks/explore``.
    png : str
        File name in the output folder.
    parameters : dict
        Values for the notebook's ``parameters`` cell.
    charts : int
        Plotly charts to wait for before taking the picture.
    widget : str
        CSS selector of the element scrolled to the top of the picture.
    tab : str, optional
        Title of a tab to open first (in the notebook's language).
    """

    notebook: str
    png: str
    parameters: dict = field(default_factory=dict)
    charts: int = 1
    widget: str = ".widget-vbox"
    tab: str | None = None


#: The explorers, two in English and two in Chinese.
SHOTS: tuple[Shot, ...] = (
    Shot("segment_explorer.ipynb", "segment_explorer_en.png", {"lang": "en"}, charts=5),
    Shot(
        "customer_360.ipynb",
        "customer_360_zh.png",
        {"lang": "zh", "query": "信达医药"},
        tab="联系人",
    ),
    Shot("growth_levers.ipynb", "growth_levers_en.png", {"lang": "en"}),
    Shot(
        "requirement_library.ipynb",
        "requirement_library_zh.png",
        {"lang": "zh"},
        charts=1,
        tab="分类趋势",
    ),
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebooks(folder: Path, shots: tuple[Shot, ...]) -> None:
    for shot in shots:
        nb = nbformat.read(EXPLORE_DIR / shot.notebook, as_version=4)
        # as papermill does: a cell right after the "parameters" cell overrides its values
        (at,) = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
        source = "\n".join(f"{k} = {v!r}" for k, v in shot.parameters.items())
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
        nb.cells.insert(at + 1, cell)
        nbformat.write(nb, folder / shot.notebook)


def _serve(folder: Path, port: int, home: Path) -> subprocess.Popen:
    """Start Voilà on ``folder`` (no token, its own config) and wait until it answers."""
    voila = Path(sys.executable).parent / "voila"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    log = (home / "voila.log").open("wb")
    proc = subprocess.Popen(
        [
            str(voila),
            str(folder),
            f"--port={port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            "--Voila.token=",
            "--VoilaConfiguration.show_tracebacks=True",
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}; see {home / 'voila.log'}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=5
            ):
                return proc
        except urllib.error.HTTPError:
            return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("voila did not answer in 60 s")
        time.sleep(0.5)


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)  # Voilà shuts its kernels down
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _picture(context, url: str, shot: Shot, out: Path, timeout_ms: int) -> None:
    page = context.new_page()
    errors: list[str] = []

    def route(r) -> None:
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector(shot.widget, timeout=timeout_ms)
    if shot.tab is not None:
        page.locator(".lm-TabBar-tab", has_text=shot.tab).first.click()
    page.wait_for_function(
        "n => [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(d => d.querySelector('.main-svg') && d.offsetParent).length >= n"
        " || document.body.innerText.includes('Traceback (most recent call last)')",
        arg=shot.charts,
        timeout=timeout_ms,
    )
    if "Traceback (most recent call last)" in page.inner_text("body"):
        raise RuntimeError(f"{shot.notebook} failed in Voilà:\n{page.inner_text('body')[-2000:]}")
    page.wait_for_timeout(1500)  # let plotly finish its layout and the fonts load
    page.evaluate("sel => document.querySelector(sel).scrollIntoView()", shot.widget)
    page.wait_for_timeout(300)
    page.screenshot(path=str(out))
    page.close()
    if errors:
        raise RuntimeError(f"{shot.notebook}: errors in the page: {errors}")


def take(
    shots: tuple[Shot, ...] = SHOTS, out_dir: Path = OUT_DIR, timeout_s: float = 180
) -> list[Path]:
    """Serve the explorers with Voilà and save a screenshot of each.

    Parameters
    ----------
    shots : tuple of Shot
        What to photograph; default :data:`SHOTS`.
    out_dir : pathlib.Path
        Folder of the PNG files (created).
    timeout_s : float
        Longest wait for one explorer to be drawn (its kernel starts and runs the notebook).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        raise RuntimeError("install chromium: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="wb-shots-") as tmp:
        home = Path(tmp)
        folder = home / "explore"
        folder.mkdir()
        _write_notebooks(folder, shots)
        port = _free_port()
        proc = _serve(folder, port, home)
        try:
            with sync_playwright() as pw:
                context = pw.chromium.launch_persistent_context(
                    str(home / "profile"),
                    executable_path=str(CHROMIUM),
                    args=ARGS,
                    headless=True,
                    viewport=VIEWPORT,
                )
                for shot in shots:
                    url = f"http://127.0.0.1:{port}/voila/render/{shot.notebook}"
                    out = out_dir / shot.png
                    _picture(context, url, shot, out, int(timeout_s * 1000))
                    print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
                    written.append(out)
                context.close()
        finally:
            _stop(proc)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``scripts/screenshots.py [--out FOLDER]``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when every screenshot was written.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder of the PNG files")
    args = parser.parse_args(argv)
    take(out_dir=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
