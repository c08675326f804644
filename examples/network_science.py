"""A network-science session on the derivative graph with networkx and igraph.

Loads a crawled snapshot (``--db``) or, without one, a simulated Hub, and asks the usual
questions: which families are largest, how deep lineages go, how out-degrees are spread,
and which relations dominate (and which kinds of derivative get derivatives of their own).
Then it takes the graph out and back in (GraphML for networkx, Parquet for pandas), ranks
organisations by the distinct derivatives their models received, and compares the largest
families with the graph as it stood a year earlier (``LineageGraph.as_of``).

Usage:
    python examples/network_science.py                    # simulated Hub, 20,000 models
    python examples/network_science.py --db ~/.cache/hf-lineage/hub.db
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lineage.graph import LineageGraph  # noqa: E402
from lineage.graph.export import export_graph, top_models  # noqa: E402
from lineage.graph.orgs import org_table  # noqa: E402
from lineage.sim.simulate import simulate_frames  # noqa: E402


def load(db: str | None, n_models: int, seed: int) -> LineageGraph:
    """The snapshot at ``db``, or a simulated Hub of ``n_models`` models."""
    if db:
        return LineageGraph.from_db(db)
    models, edges, _ = simulate_frames(n_models, seed)
    return LineageGraph.from_frames(models, edges)


def largest_families(G: nx.DiGraph, reach: pd.Series, top: int = 5) -> pd.DataFrame:
    """Weakly connected components by size, with their roots (models without parents) and
    the root with the most descendants (``reach``: transitive counts by id)."""
    rows = []
    for nodes in nx.weakly_connected_components(G):
        if len(nodes) < 2:
            continue
        roots = [n for n in nodes if G.in_degree(n) == 0]
        main = max(sorted(roots), key=lambda n: reach[n])
        rows.append(
            {
                "size": len(nodes),
                "roots": len(roots),
                "main_root": main,
                "its_descendants": int(reach[main]),
            }
        )
    table = pd.DataFrame(rows, columns=["size", "roots", "main_root", "its_descendants"])
    return table.sort_values(["size", "main_root"], ascending=[False, True]).head(top)


def depth_distribution(G: nx.DiGraph) -> pd.Series:
    """Models by depth: the longest chain of parents above them (0 for a base model)."""
    depth = {}
    for level, nodes in enumerate(nx.topological_generations(G)):
        depth.update(dict.fromkeys(nodes, level))
    return pd.Series(depth).value_counts().sort_index().rename_axis("depth").rename("models")


def out_degree_distribution(h) -> pd.DataFrame:
    """igraph: how many models have k direct derivatives, in logarithmic bins of k."""
    degrees = np.asarray(h.outdegree())
    degrees = degrees[degrees > 0]
    edges = [1, 2, 5, 10, 100, 1_000, 10_000, np.inf]
    labels = ["1", "2-4", "5-9", "10-99", "100-999", "1000-9999", "10000+"]
    bins = pd.cut(degrees, edges, right=False, labels=labels)
    return (
        pd.Series(bins).value_counts(sort=False).rename_axis("children").rename("models").to_frame()
    )


def relation_table(h) -> pd.DataFrame:
    """igraph: edges by relation, and the share of children of each relation that have
    children of their own."""
    relation = np.asarray(h.es["relation"], dtype=object)
    child = np.array([e.target for e in h.es])
    has_kids = np.asarray(h.outdegree()) > 0
    frame = pd.DataFrame({"relation": relation, "fertile": has_kids[child]})
    table = frame.groupby("relation").agg(
        edges=("fertile", "size"), with_children=("fertile", "mean")
    )
    table["share"] = table["edges"] / table["edges"].sum()
    return table.sort_values("edges", ascending=False)[["edges", "share", "with_children"]]


def export_round_trip(graph: LineageGraph, directory: Path) -> str:
    """Write GraphML and Parquet, read them back with networkx and pandas, and check that
    nodes, edges and counts come back unchanged."""
    export_graph(graph, directory / "hub.graphml", format="graphml")
    G = nx.read_graphml(directory / "hub.graphml")
    export_graph(graph, directory / "tables", format="parquet")
    nodes = pd.read_parquet(directory / "tables" / "nodes.parquet")
    edges = pd.read_parquet(directory / "tables" / "edges.parquet")
    reach = graph.descendant_counts("transitive")
    same = (
        set(G) == set(graph.ids)
        and G.number_of_edges() == len(edges) == len(graph.edges)
        and all(G.nodes[v]["transitive"] == reach[v] for v in reach.nlargest(20).index)
        and nodes["transitive"].tolist() == reach.tolist()
    )
    return (
        f"{G.number_of_nodes():,} nodes and {G.number_of_edges():,} edges back from "
        f"GraphML, {len(nodes):,} rows from Parquet; unchanged: {same}"
    )


def then_and_now(graph: LineageGraph, months: int = 12, top: int = 5) -> pd.DataFrame:
    """The largest families ``months`` before the snapshot, and their size now."""
    then = (pd.Period(graph.snapshot_month, "M") - months).strftime("%Y-%m")
    old = top_models(graph.as_of(then), top=top)
    now = graph.descendant_counts("transitive")
    return pd.DataFrame(
        {
            "model": old["model"],
            f"transitive {then}": old["transitive"],
            f"transitive {graph.snapshot_month}": now[old["model"]].to_numpy(),
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="crawled snapshot (default: a simulated Hub)")
    parser.add_argument("--models", type=int, default=20_000, help="simulated Hub size")
    parser.add_argument("--seed", type=int, default=0, help="simulator seed")
    args = parser.parse_args(argv)

    graph = load(args.db, args.models, args.seed)
    G, h = graph.to_networkx(), graph.to_igraph()
    print(
        f"{graph.n_models:,} models, {G.number_of_edges():,} lineage edges "
        f"(networkx), {h.ecount():,} (igraph, one per declared relation)"
    )

    reach = graph.descendant_counts("transitive")
    families = largest_families(G, reach)
    print("\nLargest families (weakly connected components; merges join families):")
    print(families.to_string(index=False))

    # The library's exact counts agree with igraph's own reachability.
    root = families["main_root"].iloc[0]
    ours = int(reach[root])
    theirs = len(h.subcomponent(h.vs.find(name=root).index, mode="out")) - 1
    print(
        f"\n{root}: {ours:,} transitive derivatives (igraph subcomponent: {theirs:,}); "
        f"{len(graph.children(root)):,} direct"
    )

    print("\nDepth (longest chain of parents):")
    print(depth_distribution(G).to_string())
    print("\nOut-degree (direct derivatives) of models that have any:")
    print(out_degree_distribution(h).to_string())
    print("\nRelations:")
    print(relation_table(h).to_string(float_format=lambda v: f"{v:.3f}"))

    with tempfile.TemporaryDirectory() as scratch:
        print(f"\nExport round trip: {export_round_trip(graph, Path(scratch))}")
    print("\nOrganisations (distinct derivatives of their models, each counted once):")
    print(org_table(graph).head(5).to_string(index=False))
    print("\nLargest families a year ago, and now:")
    print(then_and_now(graph).to_string(index=False))


if __name__ == "__main__":
    main()
