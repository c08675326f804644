"""Site search at Hub scale: load time and query latency of ``hf-lineage site``'s index page.

Builds graphs where N models have one derivative each (so the search index holds N ids,
Hub-like ``org/name`` strings), writes the site (``--top 5``), opens ``index.html`` in headless
Chromium and times queries two ways in the same page:

- ``site``: the page's search (lower-cased ids precomputed once, prefix range by binary search
  over the sorted array, one substring scan for the rest, largest first, 50 shown);
- ``naive``: the obvious alternative, ``ids.filter(id => id.toLowerCase().includes(q))`` then
  a sort by size.

Run: ``python bench/site_bench.py [--sizes 10000 100000 300000]`` (needs chromium).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lineage.graph import LineageGraph
from lineage.testing import chromium, chromium_available
from lineage.viz.site import write_site

WORDS = [
    "llama",
    "mistral",
    "qwen",
    "gemma",
    "phi",
    "bert",
    "t5",
    "whisper",
    "sdxl",
    "lora",
    "gguf",
    "awq",
    "instruct",
    "chat",
    "coder",
    "math",
    "vision",
    "tiny",
    "base",
    "dpo",
]
QUERIES = ["a", "llama", "qwen-instruct", "org123/", "zzz-no-match"]

NAIVE_JS = """
const q = arguments[0].toLowerCase(), S = window.HFL_SEARCH;
const t = performance.now();
const hits = [];
for (let i = 0; i < S.ids.length; i++) if (S.ids[i].toLowerCase().includes(q)) hits.push(i);
hits.sort((a, b) => S.transitive[b] - S.transitive[a]);
return [performance.now() - t, hits.length];
"""
SITE_JS = """
const t = performance.now();
const n = window.hflSearch(arguments[0]).length;
return [performance.now() - t, n];
"""


def graph_with(n: int, seed: int = 0) -> LineageGraph:
    """``n`` parents with one derivative each (ids like the Hub's), 2n models in all."""
    rng = np.random.default_rng(seed)
    w = np.asarray(WORDS, dtype=object)
    names = np.char.add(
        np.char.add(w[rng.integers(0, len(w), n)].astype(str), "-"),
        w[rng.integers(0, len(w), n)].astype(str),
    )
    parents = [
        f"org{o}/{name}-{i}"
        for i, (o, name) in enumerate(zip(rng.integers(0, 5000, n), names, strict=True))
    ]
    children = [f"user{i % 9973}/ft-{i}" for i in range(n)]
    created = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 900, 2 * n), unit="D"
    )
    models = pd.DataFrame({"id": parents + children, "created_at": created})
    edges = pd.DataFrame({"child": children, "parent": parents, "relation": "finetune"})
    return LineageGraph.from_frames(models, edges, snapshot_time="2026-06-30T12:00:00Z")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    args = parser.parse_args()
    if not chromium_available():
        raise SystemExit("needs chromium, chromedriver and selenium")
    print(
        f"{'ids':>8} {'build s':>8} {'index MB':>9} {'load ms':>8} {'query':>14} "
        f"{'matches':>8} {'site ms':>8} {'naive ms':>9}"
    )
    for n in args.sizes:
        out = Path(tempfile.mkdtemp()) / "site"
        started = time.perf_counter()
        write_site(graph_with(n), out, top=5)
        build = time.perf_counter() - started
        size = (out / "assets" / "search-index.js").stat().st_size / 1e6
        with chromium() as d:
            d.get((out / "index.html").as_uri())
            load = d.execute_script(
                "return performance.now()"
                if d.execute_script("return window.hflSiteReady")
                else "return null"
            )
            for q in QUERIES:
                site = [d.execute_script(SITE_JS, q) for _ in range(5)]
                naive = [d.execute_script(NAIVE_JS, q) for _ in range(5)]
                print(
                    f"{n:>8,} {build:>8.1f} {size:>9.1f} {load:>8.0f} {q:>14} "
                    f"{naive[0][1]:>8,} {statistics.median(s[0] for s in site):>8.1f} "
                    f"{statistics.median(s[0] for s in naive):>9.1f}"
                )


if __name__ == "__main__":
    main()
