"""Open generated lineage pages in headless Chromium (for the browser tests and the bench).

Needs the ``chromium`` and ``chromium-driver`` Debian packages and selenium (a test extra);
:func:`chromium_available` says whether they are there (``make browser`` installs them).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
)


def _binaries() -> tuple[str | None, str | None]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    return browser, shutil.which("chromedriver")


def chromium_available() -> bool:
    """True when headless Chromium, chromedriver and selenium are all installed."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return all(_binaries())


@contextmanager
def chromium() -> Iterator[Any]:
    """A selenium WebDriver on a fresh headless Chromium profile, quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = _binaries()
    if browser is None or driver_path is None:
        raise RuntimeError(
            "headless Chromium and chromedriver are not installed: run `make browser`"
        )
    profile = tempfile.mkdtemp(prefix="hfl-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class PageReport:
    """What a page did in the browser."""

    stable_ms: float | None  # ms from navigation start until the layout was stable
    nodes: int
    edges: int
    errors: list[str]  # console messages of level SEVERE


def open_page(
    driver: Any,
    page: Path,
    *,
    timeout: float = 60.0,
    stable_js: str = "return window.hflStable;",
    count_js: str = "return [window.hflNodes.length, window.hflEdges.length];",
) -> PageReport:
    """Load ``page``, wait until its layout is stable and report counts and console errors.

    A page whose main thread stays busy longer than ``timeout`` raises selenium's
    ``TimeoutException`` (or urllib3's ``ReadTimeoutError``); the driver is then unusable.
    """
    from selenium.common.exceptions import TimeoutException

    driver.command_executor.client_config.timeout = timeout + 30
    driver.set_script_timeout(timeout)
    driver.set_page_load_timeout(timeout)
    deadline = time.monotonic() + timeout
    driver.get(Path(page).resolve().as_uri())
    stable = None
    while time.monotonic() < deadline:
        try:
            stable = driver.execute_script(stable_js)
        except TimeoutException:  # the page's main thread is busy laying out
            continue
        if stable is not None:
            break
        time.sleep(0.05)
    n_nodes, n_edges = driver.execute_script(count_js)
    errors = [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return PageReport(stable, int(n_nodes), int(n_edges), errors)


_FIRST_VIEW_JS = """
var net = window.hflNetwork, nodes = window.hflNodes, scale = net.getScale();
var rect = document.getElementById("network").getBoundingClientRect();
var boxes = nodes.getIds().map(function (id) {
  var b = net.getBoundingBox(id), a = net.canvasToDOM({x: b.left, y: b.top});
  var c = net.canvasToDOM({x: b.right, y: b.bottom}), f = nodes.get(id).font;
  return [a.x, a.y, c.x, c.y, (f && f.size ? f.size : 12) * scale, String(id)];
});
var overlaps = [], outside = [], minLabel = Infinity;
for (var i = 0; i < boxes.length; i++) {
  var a = boxes[i];
  minLabel = Math.min(minLabel, a[4]);
  if (a[0] < 0 || a[1] < 0 || a[2] > rect.width || a[3] > rect.height) outside.push(a[5]);
  for (var j = i + 1; j < boxes.length; j++) {
    var b = boxes[j];
    if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) overlaps.push([a[5], b[5]]);
  }
}
return {nodes: boxes.length, overlaps: overlaps, outside: outside, min_label_px: minLabel,
        scale: scale};
"""


@dataclass
class FirstView:
    """What a reader sees in a page's first view, measured in the browser."""

    nodes: int  # boxes drawn (models and "+N more" nodes)
    overlaps: list[tuple[str, str]]  # pairs of vis node ids whose boxes overlap
    outside: list[str]  # node ids whose box is not wholly inside the network area
    min_label_px: float  # the smallest label, in screen pixels
    scale: float  # the view's zoom


def first_view(driver: Any) -> FirstView:
    """Measure the open page's network as drawn now: overlapping boxes (shape and label),
    boxes outside the viewport, and the smallest label on screen."""
    got = driver.execute_script(_FIRST_VIEW_JS)
    return FirstView(
        int(got["nodes"]),
        [tuple(p) for p in got["overlaps"]],
        list(got["outside"]),
        float(got["min_label_px"]),
        float(got["scale"]),
    )


def family_frames(
    n: int,
    seed: int = 0,
    *,
    root: str = "org/base",
    missing_root: bool = False,
    direction: str = "down",
) -> tuple[Any, Any]:
    """A synthetic family of ``n`` models around ``root``: ``(models, edges)`` frames.

    ``direction="down"``: the other models are ``root``'s derivatives; ``"up"``: they are
    its ancestors (the same tree with every edge reversed and the dates too, so ``root`` is
    the newest model, built on everything else). Parents are drawn half uniformly, half by
    preferential attachment (so some branches are heavy); relations are drawn from the five
    Hub relations. With ``missing_root`` the root is a referenced-but-never-listed model.

    Example:
        >>> models, edges = family_frames(5, seed=1)
        >>> len(models), len(edges), models["id"].iloc[0]
        (5, 4, 'org/base')
        >>> _, up = family_frames(5, seed=1, direction="up")
        >>> sorted(up["parent"]) == sorted(edges["child"])
        True
    """
    if direction not in ("down", "up"):
        raise ValueError(f"direction must be 'down' or 'up', not {direction!r}")
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ids = [root] + [f"user{i % 211}/model-{i}" for i in range(1, n)]
    parents = np.zeros(n, dtype=np.int64)
    pool = [0]  # each model once, plus once per child: sampling it is preferential
    coin, pick = rng.random(n), rng.random(n)
    for i in range(1, n):
        parents[i] = int(pick[i] * i) if coin[i] < 0.5 else pool[int(pick[i] * len(pool))]
        pool += (parents[i], i)
    relations = np.array(["finetune", "adapter", "quantized", "merge", "unknown"])
    start = pd.Timestamp("2023-03-01", tz="UTC")
    days = np.sort(rng.integers(0, 1200, n))
    days[0] = 0
    if direction == "up":  # the root is the newest: every ancestor came before it
        days = 1200 - days
    created = start + pd.to_timedelta(days, unit="D")
    models = pd.DataFrame(
        {
            "id": ids,
            "created_at": created,
            "last_modified": created,
            "author": [m.split("/")[0] for m in ids],
            "downloads": rng.integers(0, 10_000, n),
            "likes": rng.integers(0, 100, n),
            "pipeline_tag": "text-generation",
            "library_name": "transformers",
            "missing": [missing_root] + [False] * (n - 1),
        }
    )
    if missing_root:
        models.loc[0, "created_at"] = pd.NaT
    near, far = ids[1:], [ids[p] for p in parents[1:]]
    if direction == "up":
        near, far = far, near
    edges = pd.DataFrame(
        {
            "child": near,
            "parent": far,
            "relation": relations[rng.integers(0, 5, n - 1)],
            "source": "cardData",
        }
    )
    return models, edges
