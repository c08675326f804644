"""Whole-graph counts against networkx on random graphs (hypothesis), and the count kernels."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.graph import LineageGraph
from lineage.graph.counts import count_index, histograms, primary_forest, sorted_edges

RELS = ["finetune", "adapter", "quantized", "merge"]


@st.composite
def random_graphs(draw, acyclic: bool = True, unlisted: bool = False):
    """A random lineage graph as frames: ids in shuffled order, dates in 2023-2024; with
    ``unlisted`` some models are left out of the models frame (they become missing nodes)."""
    n = draw(st.integers(1, 30))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    perm = draw(st.permutations(range(n)))
    months = draw(st.lists(st.integers(0, 14), min_size=n, max_size=n))
    rels = draw(st.lists(st.sampled_from(RELS), min_size=len(pairs), max_size=len(pairs)))
    ids = [f"org/m{perm[i]}" for i in range(n)]
    edges = []
    for (a, b), rel in zip(pairs, rels, strict=True):
        if acyclic:
            a, b = max(a, b), min(a, b)  # child after parent in topological order
        if a != b:
            edges.append((ids[a], ids[b], rel))
    models = pd.DataFrame(
        {
            "id": ids,
            "created_at": [
                pd.Timestamp("2023-01-10", tz="UTC") + pd.DateOffset(months=m) for m in months
            ],
        }
    )
    if unlisted:
        models = models[draw(st.lists(st.booleans(), min_size=n, max_size=n))]
    return models, pd.DataFrame(edges, columns=["child", "parent", "relation"])


def nx_graph(edges: pd.DataFrame, ids, relations=None) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(ids)
    for c, p, r in edges.itertuples(index=False):
        if relations is None or r in relations:
            G.add_edge(p, c)
    return G


relation_sets = st.one_of(st.none(), st.sets(st.sampled_from(RELS), min_size=1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(unlisted=True), relation_sets)
def test_totals_match_networkx(frames, relations):
    models, edges = frames
    g = LineageGraph.from_frames(models, edges)
    assert g.dropped_cycle_edges.empty
    listed = set(models["id"])
    assert [m not in listed for m in g.ids] == g.models["missing"].tolist()
    G = nx_graph(edges, g.ids, relations)
    transitive = g.descendant_counts("transitive", relations=relations)
    direct = g.descendant_counts("direct", relations=relations)
    for v in G:
        assert transitive[v] == len(nx.descendants(G, v))
        assert direct[v] == G.out_degree(v)
        assert sorted(g.descendants(v, relations=relations)) == sorted(nx.descendants(G, v))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(), relation_sets, st.sampled_from(["transitive", "direct"]))
def test_monthly_curves_match_brute_force(frames, relations, scope):
    models, edges = frames
    g = LineageGraph.from_frames(models, edges)
    G = nx_graph(edges, models["id"], relations)
    month = {m: f"{t:%Y-%m}" for m, t in zip(models["id"], models["created_at"], strict=True)}
    whole = g.growth_curves(scope=scope, relations=relations, running_month=True)
    for v in G:
        found = nx.descendants(G, v) if scope == "transitive" else set(G.successors(v))
        expected: dict[str, int] = {}
        for x in found:
            counted = max(month[x], month[v])  # before the model: its release month
            expected[counted] = expected.get(counted, 0) + 1
        curve = g.growth_curve(v, scope, relations=relations, running_month=True)
        assert curve["month"].iloc[0] == month[v] and curve["month"].iloc[-1] == g.snapshot_month
        assert {m: c for m, c in zip(curve["month"], curve["count"], strict=True) if c} == expected
        assert curve["cumulative"].iloc[-1] == len(found)
        rows = whole[whole["model"] == v]
        if found:
            assert rows["count"].tolist() == curve["count"].tolist()
            assert rows["cumulative"].tolist() == curve["cumulative"].tolist()
            assert rows["age_months"].tolist() == list(range(len(curve)))
        else:
            assert rows.empty


@settings(max_examples=100, deadline=None)
@given(random_graphs(acyclic=False))
def test_cycles_leave_a_dag_dropping_only_edges_to_newer_parents(frames):
    models, edges = frames
    g = LineageGraph.from_frames(models, edges)
    kept = nx_graph(g.edges, g.ids)
    assert nx.is_directed_acyclic_graph(kept)
    created = dict(zip(models["id"], models["created_at"], strict=True))
    for c, p in g.dropped_cycle_edges[["child", "parent"]].itertuples(index=False):
        assert (created[p], p) > (created[c], c)
    assert len(g.edges) + len(g.dropped_cycle_edges) == len(edges.drop_duplicates())
    G = nx_graph(g.edges, g.ids)
    assert g.descendant_counts().to_dict() == {v: len(nx.descendants(G, v)) for v in G}


def test_kernels_on_a_wide_random_dag_with_many_merges():
    rng = np.random.default_rng(7)
    n = 3000
    child = rng.integers(1, n, 9000)
    parent = (rng.random(9000) * child).astype(np.int64)
    index = count_index(n, child, parent)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(parent.tolist(), child.tolist(), strict=True))
    assert index.transitive.tolist() == [len(nx.descendants(G, v)) for v in range(n)]
    month = rng.integers(0, 12, n)
    hist = histograms(index, month, 12)
    for row, v in enumerate(hist.rows[:200]):
        expected = np.bincount(
            np.maximum(month[list(nx.descendants(G, v))], month[v]), minlength=12
        )
        assert hist.matrix[row].toarray()[0].tolist() == expected.tolist()
    early = sum(int((month[list(nx.descendants(G, v))] < month[v]).sum()) for v in range(n))
    assert hist.moved == early > 0
    direct = histograms(index, month, 12, scope="direct")
    assert direct.moved == sum(int(month[c] < month[p]) for c, p in G.reverse().edges) > 0
    assert direct.matrix.sum() == G.number_of_edges()


def test_histograms_with_more_cells_than_int32_holds():
    # 3 rows x 2**30 months: flat cell numbers pass 2**31, so the kernel switches to int64
    index = count_index(4, np.array([1, 2, 3, 3]), np.array([0, 0, 1, 2]))
    month = np.array([5, 2**30 - 1, 7, 5])
    hist = histograms(index, month, 2**30)
    assert hist.rows.tolist() == [0, 1, 2]
    assert hist.matrix.shape == (3, 2**30)
    c = hist.matrix.tocoo()
    assert sorted(zip(c.row.tolist(), c.col.tolist(), c.data.tolist(), strict=True)) == [
        (0, 5, 1),
        (0, 7, 1),
        (0, 2**30 - 1, 1),
        (1, 2**30 - 1, 1),
        (2, 7, 1),
    ]
    assert hist.moved == 2  # model 3 (month 5) under models 1 and 2


def test_forest_intervals_nest():
    child, parent = np.array([1, 2, 3, 4, 4]), np.array([0, 0, 1, 1, 2])
    keep = sorted_edges(child, parent, 5)
    f = primary_forest(5, child[keep], parent[keep])
    assert f.ppar.tolist() == [-1, 0, 0, 1, 1]
    assert f.size.tolist() == [5, 3, 1, 1, 1]
    lo, hi = f.tin, f.tin + f.size
    for v in range(5):
        for u in range(5):
            inside = lo[v] <= lo[u] < hi[v]
            assert inside == (
                u == v or nx.has_path(nx.DiGraph([(0, 1), (0, 2), (1, 3), (1, 4)]), v, u)
            )


def test_deep_chains_with_cross_merges():
    # 3 chains of 150 models; every 7th model also merges in a model of another chain
    n_chain, length = 3, 150
    child, parent = [], []
    for c in range(n_chain):
        for i in range(1, length):
            child.append(c * length + i)
            parent.append(c * length + i - 1)
            if i % 7 == 0:
                child.append(c * length + i)
                parent.append(((c + 1) % n_chain) * length + i - 3)
    child, parent = np.array(child), np.array(parent)
    n = n_chain * length
    G = nx.DiGraph(list(zip(parent.tolist(), child.tolist(), strict=True)))
    assert nx.is_directed_acyclic_graph(G)  # cross edges go from position i - 3 to i
    index = count_index(n, child, parent)
    assert index.transitive.tolist() == [len(nx.descendants(G, v)) for v in range(n)]
    month = np.arange(n) % 20
    hist = histograms(index, month, 20)
    dense = hist.matrix.toarray()
    for row, v in enumerate(hist.rows.tolist()):
        found = np.array(sorted(nx.descendants(G, v)))
        assert (
            dense[row].tolist()
            == np.bincount(np.maximum(month[found], month[v]), minlength=20).tolist()
        )
