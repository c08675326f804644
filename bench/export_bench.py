"""Whole-snapshot exports at Hub scale: time, file size and peak memory per format; and the
count-only tables (``top``, organisations) and ``as_of`` at the same sizes.

Simulates Hubs of 300k, 1M and 3M models (``simulate_frames`` plus the attributes a crawl
stores: author, downloads, likes, pipeline_tag, library_name, last_modified, edge sources),
builds the graph, and exports the whole of it in every format. Peak memory is the process's
resident high-water mark during each export (reset before it through
``/proc/self/clear_refs``), printed with its increase over the resident size before the
export (the graph itself). The obvious alternative, ``nx.write_graphml(g.to_networkx())``,
runs on the same graph at the sizes listed in ``--networkx`` (300k by default: a networkx
graph of 3M attributed nodes takes tens of GB).

Measured 2026-12-01 on the shared 2-core box (seconds; MB on disk; peak resident MB, and
its rise over the resident graph before the export):

    models  writer                        seconds      MB   peak_MB  extra_MB
    300k    graphml                           7.5     110       573       223
    300k    gexf                              3.7     150       599       170
    300k    csv / parquet                 1.0/0.9  41/12   510/528     29/17
    300k    networkx write_graphml           33.1     112     2,140     1,673
    1M      graphml / gexf              10.9/12.8 369/502  1347/1400  207/168
    1M      csv / parquet                 3.1/3.6  138/38  1332/1345    28/13
    3M      graphml / gexf              35.2/50.5  1111/1514 2739/2723  190/184
    3M      edgelist                          7.6      54     2,581         4
    3M      csv / parquet               14.9/15.9  418/113 2646/2654    66/99
    3M      top_models / org_table / as_of  1.4 / 1.7 / 5.0 s

Usage:
    python bench/export_bench.py                      # 300k, 1M, 3M
    python bench/export_bench.py --sizes 100000 --formats graphml parquet
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lineage.graph import LineageGraph  # noqa: E402
from lineage.graph.export import EXPORT_FORMATS, export_graph, top_models  # noqa: E402
from lineage.graph.orgs import org_table  # noqa: E402
from lineage.sim.simulate import simulate_frames  # noqa: E402


def _status(key: str) -> int:
    """A /proc/self/status memory line, in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def measure(run) -> tuple[float, int, int]:
    """(seconds, peak resident bytes, resident bytes before) of ``run()``."""
    before = _status("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start, _status("VmHWM"), before


def hub_graph(n_models: int, seed: int = 0) -> LineageGraph:
    """A simulated Hub with the attributes a crawled snapshot carries."""
    models, edges, _ = simulate_frames(n_models, seed)
    rng = np.random.default_rng(seed)
    n = len(models)
    models = models.drop(columns=["relation", "fertile"])
    models["last_modified"] = models["created_at"] + pd.to_timedelta(
        rng.exponential(20.0, n), unit="D"
    )
    models["author"] = models["id"].str.partition("/")[0]
    models["downloads"] = (rng.pareto(1.0, n) * 50).astype(np.int64)
    models["likes"] = (rng.pareto(1.3, n) * 2).astype(np.int64)
    models["pipeline_tag"] = rng.choice(
        ["text-generation", "text-classification", "feature-extraction", None], n
    )
    models["library_name"] = rng.choice(["transformers", "peft", "gguf", None], n)
    edges["source"] = rng.choice(
        ["relation_tag", "card", "base_model_tag"], len(edges), p=[0.9, 0.05, 0.05]
    )
    return LineageGraph.from_frames(models, edges, snapshot_time="2026-10-31T23:59:59Z")


def size_of(paths) -> int:
    return sum(Path(p).stat().st_size for p in paths)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300_000, 1_000_000, 3_000_000])
    parser.add_argument("--formats", nargs="*", default=list(EXPORT_FORMATS))
    parser.add_argument(
        "--networkx",
        type=int,
        nargs="*",
        default=[300_000],
        help="sizes at which to also time nx.write_graphml(g.to_networkx())",
    )
    parser.add_argument("--dir", default=None, help="scratch directory (default: a temp dir)")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        for n in args.sizes:
            start = time.perf_counter()
            graph = hub_graph(n)
            built = time.perf_counter() - start
            start = time.perf_counter()
            graph.descendant_counts("direct")
            graph.descendant_counts("transitive")
            counted = time.perf_counter() - start
            print(
                f"{n:,} models: {graph.n_models:,} nodes, {len(graph.edges):,} edges; "
                f"simulated and built in {built:.1f} s, counted in {counted:.1f} s, "
                f"resident {_status('VmRSS') / 2**20:,.0f} MB",
                flush=True,
            )
            for fmt in args.formats:
                path = Path(scratch) / f"hub-{n}.{fmt}"
                result = {}

                def run(fmt=fmt, path=path, result=result, graph=graph):
                    result["out"] = export_graph(graph, path, format=fmt)

                seconds, peak, before = measure(run)
                rows.append(
                    {
                        "models": n,
                        "writer": f"hf-lineage {fmt}",
                        "seconds": seconds,
                        "MB": size_of(result["out"].paths) / 2**20,
                        "peak_MB": peak / 2**20,
                        "extra_MB": (peak - before) / 2**20,
                    }
                )
                print(rows[-1], flush=True)
                for p in result["out"].paths:
                    os.remove(p)
            middle = graph.models["created_at"].sort_values().iloc[graph.n_models // 2]
            for name, call in (
                (
                    "top_models (counts from scratch)",
                    lambda g=graph: (g.clear_cache(), top_models(g, top=20)),
                ),
                ("org_table", lambda g=graph: org_table(g)),
                (f"as_of({middle:%Y-%m})", lambda g=graph, m=middle: g.as_of(f"{m:%Y-%m}")),
            ):
                seconds, peak, before = measure(call)
                rows.append(
                    {
                        "models": n,
                        "writer": name,
                        "seconds": seconds,
                        "MB": np.nan,
                        "peak_MB": peak / 2**20,
                        "extra_MB": (peak - before) / 2**20,
                    }
                )
                print(rows[-1], flush=True)
            if n in (args.networkx or []):
                import networkx as nx

                path = Path(scratch) / f"nx-{n}.graphml"

                def run_nx(path=path, graph=graph):
                    nx.write_graphml(graph.to_networkx(), path)

                seconds, peak, before = measure(run_nx)
                rows.append(
                    {
                        "models": n,
                        "writer": "networkx write_graphml(to_networkx())",
                        "seconds": seconds,
                        "MB": path.stat().st_size / 2**20,
                        "peak_MB": peak / 2**20,
                        "extra_MB": (peak - before) / 2**20,
                    }
                )
                print(rows[-1], flush=True)
                os.remove(path)
            del graph
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))


if __name__ == "__main__":
    main()
