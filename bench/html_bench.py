"""Lineage pages: file size and time until the layout is stable, in headless Chromium.

For synthetic families of 500, 1,500 and 5,000 models, compares our page (tree layout,
which turns radial for wide families; and the force layout, frozen once stable) with a page
made by pyvis's defaults (physics on; vis.js from a CDN, so its file is small but blank
offline: it is timed with the same nodes and edges and vis.js inlined instead).

"Stable" is measured in the page: milliseconds from navigation start until vis-network's
``stabilizationIterationsDone`` event (or the first drawing when there is no physics).

Run: .venv/bin/python bench/html_bench.py [--sizes 500 1500 5000] [--timeout 180]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pyvis.network import Network
from selenium.common.exceptions import TimeoutException
from urllib3.exceptions import ReadTimeoutError

from lineage.graph import LineageGraph
from lineage.testing import (
    PageReport,
    chromium,
    chromium_available,
    family_frames,
    open_page,
)
from lineage.viz import lineage_html

PYVIS_STABLE_HOOK = """
<script>
network.once("stabilizationIterationsDone", function () {
  window.hflStable = performance.now();
});
</script>
</body>"""


def pyvis_default_page(models, edges, path: Path, cdn: str) -> Path:
    """The page pyvis writes with its defaults for the same family (ids as labels)."""
    net = Network(directed=True, cdn_resources=cdn)
    for m in models["id"]:
        net.add_node(m, label=m)
    for child, parent in zip(edges["child"], edges["parent"], strict=True):
        net.add_edge(parent, child)
    html = net.generate_html()
    path.write_text(html.replace("</body>", PYVIS_STABLE_HOOK, 1), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1500, 5000])
    ap.add_argument("--timeout", type=float, default=180.0)
    args = ap.parse_args()
    if not chromium_available():
        raise SystemExit("needs chromium, chromedriver and selenium (make browser)")
    out = Path(tempfile.mkdtemp(prefix="hfl-html-bench-"))
    rows = []
    with chromium() as driver:
        for n in args.sizes:
            models, edges = family_frames(n, seed=n)
            graph = LineageGraph.from_frames(models, edges)
            for variant in ("tree", "force"):
                t0 = time.perf_counter()
                page = lineage_html(graph, "org/base", max_nodes=n, layout=variant,
                                    path=out / f"ours-{variant}-{n}.html")
                build = time.perf_counter() - t0
                rep = open_page(driver, page, timeout=args.timeout)
                used = "radial" if "radial tree layout" in page.read_text() else variant
                name = f"ours, {variant}" + (f" (drawn {used})" if used != variant else "")
                rows.append((n, name, page.stat().st_size, build, rep))
                print(f"{n}: ours {variant} stable after {rep.stable_ms} ms", file=sys.stderr)
            cdn = pyvis_default_page(models, edges, out / f"pyvis-cdn-{n}.html", "remote")
            rows.append((n, "pyvis defaults (CDN, offline)", cdn.stat().st_size, None, None))
            t0 = time.perf_counter()
            page = pyvis_default_page(models, edges, out / f"pyvis-inline-{n}.html", "in_line")
            build = time.perf_counter() - t0
            with chromium() as own:  # a frozen page leaves its browser unusable
                try:
                    rep = open_page(own, page, timeout=args.timeout,
                                    count_js="return [nodes.length, edges.length];")
                except (TimeoutException, ReadTimeoutError):
                    rep = PageReport(None, n, n - 1, ["page frozen"])
            rows.append((n, "pyvis defaults, vis inlined", page.stat().st_size, build, rep))
    print(f"{'models':>7}  {'page':<30} {'size':>9} {'build s':>8} {'stable s':>9} "
          f"{'nodes':>6} {'errors':>6}")
    for n, name, size, build, rep in rows:
        if rep is None:
            stable, nodes, errors = "blank", "-", "-"
        else:
            stable = (f"> {args.timeout:.0f}" if rep.stable_ms is None
                      else f"{rep.stable_ms / 1000:.2f}")
            nodes = str(rep.nodes)
            errors = "frozen" if rep.errors == ["page frozen"] else str(len(rep.errors))
        built = "-" if build is None else f"{build:.2f}"
        print(f"{n:>7,}  {name:<30} {size / 1e6:>7.2f}MB {built:>8} {stable:>9} "
              f"{nodes:>6} {errors:>6}")
    print(f"pages in {out}")


if __name__ == "__main__":
    main()
