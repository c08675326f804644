"""Whole-graph exact derivative counts: hf-lineage vs networkx vs igraph on Hub-shaped DAGs.

For each size a child process generates a seeded synthetic lineage DAG shaped like the Hub
(heavy-tailed families, ~3% merges with 2-4 parents, depth mostly under 10, some
derivatives dated before their base), builds a LineageGraph and times, from a cold cache,
the exact direct + transitive totals and monthly histograms of every model (``ours``; best
of ``--repeat`` runs, wall and CPU seconds; ``totals``: transitive totals alone). networkx
(``nx.descendants`` per node) and igraph (per-node BFS, ``neighborhood(order=n)``), each
plus the monthly histogram of the set, run on a stratified sample of nodes (by descendant
count) and are extrapolated to all nodes; ``ig totals`` is igraph's C ``neighborhood_size``
over all nodes (totals only). Every baseline must give our totals on every node it visits,
and networkx our monthly histograms.
Baselines and ratios are in CPU seconds (``time.process_time``), which a shared machine
disturbs much less than wall time. Peak memory of our counting step is tracemalloc's.

Usage: python bench/graph_bench.py [--sizes 200k,1M,2M,5M] [--sample 400] [--seed 0] [--repeat 3]
       [--generator hub_dag|simulate]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from lineage.graph import month_number
from lineage.graph.counts import count_index

START, END = pd.Timestamp("2022-03-02", tz="UTC"), pd.Timestamp("2026-10-31", tz="UTC")


def hub_dag(n: int, seed: int = 0, root_share: float = 0.4, merge_share: float = 0.05):
    """Seeded Hub-shaped lineage DAG as (models, edges) frames, vectorised.

    Node ``i`` is created at the ``i``-th time step; each derivative picks a parent among
    earlier models with probability proportional to a heavy-tailed appeal (base models much
    more appealing than derivatives, which keeps depth mostly under 10); ``merge_share`` of
    derivatives (3% of all models) take 1-3 further parents (relation ``merge``). 2% of the
    dates are pulled before their parent's, as on the Hub.
    """
    rng = np.random.default_rng(seed)
    is_root = rng.random(n) < root_share
    is_root[0] = True
    appeal = np.where(is_root, rng.pareto(1.1, n), 2.0 * rng.pareto(1.5, n)) + 0.01
    cum = np.cumsum(appeal)

    def pick(kids: np.ndarray) -> np.ndarray:
        draw = rng.random(len(kids)) * cum[kids - 1]
        return np.minimum(np.searchsorted(cum, draw, side="right"), kids - 1)

    kids = np.flatnonzero(~is_root)
    merges = kids[rng.random(len(kids)) < merge_share]
    extra = np.repeat(merges, rng.integers(1, 4, len(merges)))
    child = np.concatenate([kids, extra])
    parent = np.concatenate([pick(kids), pick(extra)])
    relation = rng.choice(
        np.array(["adapter", "finetune", "quantized", "unknown"], dtype=object),
        size=len(child),
        p=[0.43, 0.36, 0.19, 0.02],
    )
    is_merge = np.zeros(n, dtype=bool)
    is_merge[merges] = True
    relation[is_merge[child]] = "merge"
    span = (END - START).value
    stamps = START.value + np.sort(rng.random(n)) * span
    early = rng.random(n) < 0.02
    stamps[early] -= rng.random(early.sum()) * 0.1 * span
    created = pd.to_datetime(np.maximum(stamps, START.value).astype(np.int64), utc=True)
    ids = np.array([f"org{i % 997}/model-{i}" for i in range(n)], dtype=object)
    models = pd.DataFrame({"id": ids, "created_at": created})
    edges = pd.DataFrame({"child": ids[child], "parent": ids[parent], "relation": relation})
    return models, edges


def our_counts(graph) -> None:
    """Everything timed for hf-lineage: both totals and both monthly histograms."""
    graph.descendant_counts("transitive")
    graph.descendant_counts("direct")
    graph.monthly_counts("transitive")
    graph.monthly_counts("direct")


def month_columns(graph) -> tuple[np.ndarray, int]:
    """Every model's release month as a column number (0 = the graph's first month) and the
    number of months up to the snapshot month, from the graph's public ``release_months``."""
    labels, first = pd.factorize(graph.release_months.to_numpy())
    number = np.array([month_number(m) for m in first])
    start = int(number.min())
    return number[labels] - start, month_number(graph.snapshot_month) - start + 1


def stratified_sample(counts: np.ndarray, k: int, rng) -> list[tuple[np.ndarray, int]]:
    """Up to ``k`` nodes from each descendant-count stratum, with the stratum's size."""
    edges = [0, 1, 10, 100, 1000, 10_000, np.inf]
    strata = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        members = np.flatnonzero((counts >= lo) & (counts < hi))
        if len(members):
            strata.append(
                (rng.choice(members, size=min(k, len(members)), replace=False), len(members))
            )
    return strata


def extrapolate(strata, visit) -> float:
    """Estimated all-node CPU seconds of ``visit(v)``, from each stratum's mean."""
    total = 0.0
    for nodes, size in strata:
        t = time.process_time()
        for v in nodes.tolist():
            visit(v)
        total += (time.process_time() - t) / len(nodes) * size
    return total


def timed(work) -> tuple[float, float]:
    """(wall, CPU) seconds of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def frames(n: int, seed: int, generator: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The benchmark graph: :func:`hub_dag`, or ``lineage.sim.simulate.simulate_frames`` (the
    calibrated simulator: far fewer merges and shallower families than the spec asks)."""
    if generator == "simulate":
        from lineage.sim.simulate import simulate_frames

        models, edges, _ = simulate_frames(n, seed)
        return models[["id", "created_at"]], edges
    return hub_dag(n, seed)


def run_one(n: int, sample: int, seed: int, repeat: int, generator: str) -> dict:
    import igraph as ig
    import networkx as nx

    from lineage.graph import LineageGraph

    t = time.perf_counter()
    models, edges = frames(n, seed, generator)
    graph = LineageGraph.from_frames(models, edges)
    build = time.perf_counter() - t
    runs, totals = [], []
    for _ in range(repeat):
        graph.clear_cache()
        totals.append(timed(graph.descendant_counts))
        graph.clear_cache()
        runs.append(timed(lambda: our_counts(graph)))
    graph.clear_cache()
    tracemalloc.start()
    our_counts(graph)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    transitive = graph.descendant_counts().to_numpy()
    month, n_cols = month_columns(graph)
    ids = pd.Index(graph.ids)
    dst, src = ids.get_indexer(graph.edges["child"]), ids.get_indexer(graph.edges["parent"])
    depth = count_index(n, dst, src).forest.depth
    strata = stratified_sample(transitive, sample, np.random.default_rng(seed))
    found: dict[str, dict[int, int]] = {"networkx": {}, "igraph": {}}
    months: dict[int, np.ndarray] = {}

    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))

    def nx_visit(v: int) -> None:
        reach = nx.descendants(G, v)
        at = month[np.fromiter(reach, dtype=np.int64, count=len(reach))]
        months[v] = np.bincount(np.maximum(at, month[v]), minlength=n_cols)
        found["networkx"][v] = len(reach)

    nx_cpu = extrapolate(strata, nx_visit)
    G.clear()
    H = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=True)

    def ig_visit(v: int) -> None:
        reach = H.neighborhood(v, order=n, mode="out")
        np.bincount(month[np.asarray(reach[1:], dtype=np.int64)], minlength=n_cols)
        found["igraph"][v] = len(reach) - 1

    ig_cpu = extrapolate(strata, ig_visit)
    sizes = []
    _, ig_totals = timed(lambda: sizes.append(H.neighborhood_size(order=n, mode="out")))
    assert (np.asarray(sizes[0]) - 1 == transitive).all(), "igraph totals differ"
    for name, got in found.items():
        assert all(transitive[v] == k for v, k in got.items()), f"{name} totals differ"
    ours = graph.monthly_counts()
    row = {m: i for i, m in enumerate(ours.models)}
    for v, hist in months.items():
        mine = ours.matrix[row[graph.ids[v]]].toarray()[0] if transitive[v] else 0 * hist
        assert (mine == hist).all(), "networkx monthly counts differ"
    return {
        "nodes": n,
        "edges": len(graph.edges),
        "merges": int((np.bincount(dst, minlength=n) > 1).sum()),
        "depth_p99": int(np.percentile(depth, 99)),
        "max_depth": int(depth.max()),
        "build_s": build,
        "ours_s": min(w for w, _ in runs),
        "ours_cpu_s": min(c for _, c in runs),
        "ours_totals_cpu_s": min(c for _, c in totals),
        "peak_mib": peak / 2**20,
        "networkx_cpu_s": nx_cpu,
        "igraph_cpu_s": ig_cpu,
        "igraph_totals_cpu_s": ig_totals,
        "sampled": int(sum(len(nodes) for nodes, _ in strata)),
    }


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200k,1M,2M,5M", help="comma-separated node counts")
    parser.add_argument("--sample", type=int, default=400, help="nodes per stratum for baselines")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat", type=int, default=3, help="time ours this many times and report the best"
    )
    parser.add_argument(
        "--generator",
        choices=["hub_dag", "simulate"],
        default="hub_dag",
        help="graph generator (simulate: lineage.sim.simulate.simulate_frames)",
    )
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.sample, args.seed, args.repeat, args.generator)))
        return
    header = (
        f"{'nodes':>9} {'edges':>9} {'merges':>7} {'depth p99/max':>13} {'build s':>7} "
        f"{'ours s':>6} {'ours cpu':>8} {'totals cpu':>10} {'peak MiB':>8} "
        f"{'nx cpu':>8} {'igraph cpu':>10} {'ig totals cpu':>13} {'x nx':>5} {'x ig':>6}"
    )
    print(header, flush=True)
    rows = []
    for size in (parse_size(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(size),
                "--sample",
                str(args.sample),
                "--seed",
                str(args.seed),
                "--repeat",
                str(args.repeat),
                "--generator",
                args.generator,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(
            f"{r['nodes']:>9,} {r['edges']:>9,} {r['merges']:>7,} "
            f"{r['depth_p99']:>6}/{r['max_depth']:<6} {r['build_s']:>7.1f} "
            f"{r['ours_s']:>6.2f} {r['ours_cpu_s']:>8.2f} {r['ours_totals_cpu_s']:>10.2f} "
            f"{r['peak_mib']:>8.0f} {r['networkx_cpu_s']:>8.1f} {r['igraph_cpu_s']:>10.1f} "
            f"{r['igraph_totals_cpu_s']:>13.2f} "
            f"{r['networkx_cpu_s'] / r['ours_cpu_s']:>5.0f} "
            f"{r['igraph_cpu_s'] / r['ours_cpu_s']:>6.0f}",
            flush=True,
        )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        exponent = np.log(b["ours_cpu_s"] / a["ours_cpu_s"]) / np.log(b["nodes"] / a["nodes"])
        print(
            f"scaling exponent of our CPU time, {a['nodes']:,} -> {b['nodes']:,} nodes: "
            f"{exponent:.2f} (1 = linear)"
        )


if __name__ == "__main__":
    main()
