"""Lineage pages: build time, memory, page size and time to a stable first view.

For generated families (``lineage.testing.family_frames``) of 500, 5,000, 50,000 and
100,000 descendants, in each layout, it times :func:`lineage.viz.lineage_html` (after the
graph's counts are cached, as in one ``hf-lineage html`` run after loading), measures its
peak Python memory (tracemalloc, a second run), the page's size, and opens the page in
headless Chromium: milliseconds from navigation start until the first view is drawn and
fitted (``window.hflStable``), boxes drawn, their overlaps and the smallest label.

The same run compares the implementation before issue 16 (``--old COMMIT``, default the
last commit before the rewrite: its ``lineage/viz`` is read with ``git show`` into a
temporary package; skipped when git or the commit is not there): per-member Python loops
for selection and folding, an ``itertuples`` edge gather, 1,500 nodes by default.

``--snapshot N`` also builds a simulated snapshot of N models whose largest family has
``--family`` members and times that family's page (issue 16's target: at most 2 s after
loading at 3M models).

Run: nice .venv/bin/python bench/html_bench.py [--sizes 500 5000 50000 100000]
     [--layouts tree radial force] [--snapshot 3000000 --family 341000]
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from lineage.graph import LineageGraph
from lineage.testing import chromium, chromium_available, family_frames, first_view, open_page
from lineage.viz import lineage_html

OLD_COMMIT = "83aca4c"
ROOT = Path(__file__).resolve().parent.parent


def old_viz(commit: str):
    """``lineage_html`` as it was at ``commit`` (a throwaway package), or None."""
    pkg = Path(tempfile.mkdtemp(prefix="hfl-old-viz-")) / "old_viz"
    pkg.mkdir()
    try:
        for name in ("network", "page", "select"):
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{commit}:lineage/viz/{name}.py"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            text = text.replace("from lineage.viz.", "from old_viz.")
            (pkg / f"{name}.py").write_text(text, encoding="utf-8")
    except (OSError, subprocess.CalledProcessError):
        return None
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    sys.path.insert(0, str(pkg.parent))
    return importlib.import_module("old_viz.network").lineage_html


def snapshot(n_models: int, n_family: int, seed: int = 0) -> LineageGraph:
    """A family of ``n_family`` models inside ``n_models`` (the rest in small families)."""
    models, edges = family_frames(n_family, seed=seed)
    extra = n_models - n_family
    if extra > 0:
        rng = np.random.default_rng(seed + 1)
        ids = np.char.add("pad/m-", np.arange(extra).astype(str)).astype(object)
        created = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(
            rng.integers(0, 1300, extra), unit="D"
        )
        models = pd.concat(
            [models, pd.DataFrame({"id": ids, "created_at": created, "missing": False})],
            ignore_index=True,
        )
        child = rng.integers(1, extra, extra // 3)
        parent = (child * rng.random(len(child))).astype(np.int64)  # small, shallow trees
        edges = pd.concat(
            [
                edges,
                pd.DataFrame({"child": ids[child], "parent": ids[parent], "relation": "finetune"}),
            ],
            ignore_index=True,
        )
    return LineageGraph.from_frames(models, edges)


def build(fn, graph, path: Path, **kw) -> tuple[float, float, Path]:
    """Seconds and peak MB (tracemalloc, a second run) of one page."""
    t0 = time.perf_counter()
    page = fn(graph, "org/base", path=path, fit_top=20, **kw)
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    fn(graph, "org/base", path=path, fit_top=20, **kw)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, page


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 50_000, 100_000])
    ap.add_argument("--layouts", nargs="+", default=["tree", "radial", "force"])
    ap.add_argument("--old", default=OLD_COMMIT, help="commit of the old implementation")
    ap.add_argument("--no-old", action="store_true", help="skip the old implementation")
    ap.add_argument("--snapshot", type=int, default=0, help="models in a simulated snapshot")
    ap.add_argument("--family", type=int, default=341_000, help="its largest family")
    ap.add_argument("--timeout", type=float, default=180.0)
    args = ap.parse_args()
    browser = chromium_available()
    old = None if args.no_old else old_viz(args.old)
    out = Path(tempfile.mkdtemp(prefix="hfl-html-bench-"))
    rows = []
    runs = []
    for n in args.sizes:
        graph = LineageGraph.from_frames(*family_frames(n + 1, seed=n % 97))
        graph.descendant_counts(), graph.descendant_counts(scope="direct")
        for layout in args.layouts:
            runs.append((n, f"new, {layout}", lineage_html, graph, {"layout": layout}))
        if old is not None:
            runs.append((n, "old, tree (1,500 nodes)", old, graph, {}))
    if args.snapshot:
        graph = snapshot(args.snapshot, args.family)
        graph.descendant_counts(), graph.descendant_counts(scope="direct")
        n = args.family - 1
        runs.append((n, f"new, tree, in {args.snapshot:,} models", lineage_html, graph, {}))
        if old is not None:
            runs.append((n, f"old, tree, in {args.snapshot:,} models", old, graph, {}))
    driver_cm = chromium() if browser else None
    driver = driver_cm.__enter__() if driver_cm else None
    warm = lineage_html(runs[0][3], "org/base", path=out / "warm-up.html")  # imports, caches
    if driver is not None:
        open_page(driver, warm, timeout=args.timeout)  # the browser's first compile
    try:
        for k, (n, name, fn, graph, kw) in enumerate(runs):
            seconds, peak, page = build(fn, graph, out / f"p{k}.html", **kw)
            stable = boxes = overlaps = label = "-"
            if driver is not None:
                rep = open_page(driver, page, timeout=args.timeout)
                stable = "-" if rep.stable_ms is None else f"{rep.stable_ms / 1000:.2f}"
                view = first_view(driver)
                boxes, overlaps, label = (
                    str(view.nodes),
                    str(len(view.overlaps)),
                    f"{view.min_label_px:.1f}",
                )
            rows.append(
                (n, name, seconds, peak, page.stat().st_size / 1e6, stable, boxes, overlaps, label)
            )
            print(f"{n:,} {name}: {seconds:.2f} s", file=sys.stderr, flush=True)
    finally:
        if driver_cm is not None:
            driver_cm.__exit__(None, None, None)
    print(
        f"{'descendants':>11}  {'page':<34} {'build s':>7} {'peak MB':>7} {'size MB':>7} "
        f"{'stable s':>8} {'boxes':>5} {'overlaps':>8} {'min label px':>12}"
    )
    for n, name, seconds, peak, size, stable, boxes, overlaps, label in rows:
        print(
            f"{n:>11,}  {name:<34} {seconds:>7.2f} {peak:>7.0f} {size:>7.2f} {stable:>8} "
            f"{boxes:>5} {overlaps:>8} {label:>12}"
        )
    print(f"pages in {out}")


if __name__ == "__main__":
    main()
