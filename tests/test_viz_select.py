"""Selection, folding and layout of lineage pages (lineage.viz.select, lineage.viz.layout),
on hand-made and random families."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.graph import LineageGraph
from lineage.testing import family_frames
from lineage.viz import layout as lay
from lineage.viz.select import cut, folds, lineage_family, subtree_sizes

# r -> a (3 below it), b (1 below), c (leaf); a -> a1 -> a11, a -> a2; b -> b1; m merges a2 and b1
FAMILY = [
    ("r", "a", "finetune"),
    ("r", "b", "adapter"),
    ("r", "c", "quantized"),
    ("a", "a1", "finetune"),
    ("a1", "a11", "finetune"),
    ("a", "a2", "adapter"),
    ("b", "b1", "finetune"),
    ("a2", "m", "merge"),
    ("b1", "m", "merge"),
]


def graph(triples) -> LineageGraph:
    ids = sorted({p for p, _, _ in triples} | {c for _, c, _ in triples})
    models = pd.DataFrame({"id": ids, "created_at": pd.Timestamp("2024-01-01", tz="UTC")})
    edges = pd.DataFrame(triples, columns=["parent", "child", "relation"])
    return LineageGraph.from_frames(models, edges)


def random_tree(n: int, seed: int) -> list[tuple[str, str, str]]:
    rng = np.random.default_rng(seed)
    return [(f"n{int(rng.integers(0, i))}", f"n{i}", "finetune") for i in range(1, n)]


def names(g, fam, members) -> list[str]:
    return g.ids[fam.node[members]].tolist()


def test_family_arrays_of_a_known_family():
    g = graph(FAMILY)
    fam = lineage_family(g, "R")
    order = names(g, fam, np.arange(len(fam)))
    assert order[0] == "r" and sorted(order) == sorted(
        {"r", "a", "b", "c", "a1", "a2", "b1", "a11", "m"}
    )
    level = dict(zip(order, fam.level.tolist(), strict=True))
    assert level == {"r": 0, "a": 1, "b": 1, "c": 1, "a1": 2, "a2": 2, "b1": 2, "a11": 3, "m": 3}
    size = dict(zip(order, fam.subtree.tolist(), strict=True))
    # m is reached once (from whichever merge parent comes first): 9 members in all
    assert size["r"] == 9 and size["c"] == 1 and size["a1"] == 2
    assert size["a"] + size["b"] + size["c"] == 8
    rank = fam.rank
    assert (rank[fam.via[1:]] < rank[1:]).all()  # every member after its tree parent
    assert names(g, fam, fam.priority[:2]) == ["r", "a"]  # the heaviest branch first


def test_depth_and_up_and_both():
    g = graph(FAMILY)
    near = lineage_family(g, "r", depth=1)
    assert sorted(names(g, near, np.arange(len(near)))) == ["a", "b", "c", "r"]
    assert len(lineage_family(g, "r", depth=0)) == 1
    up = lineage_family(g, "m", direction="up")
    got = dict(zip(names(g, up, np.arange(len(up))), up.level.tolist(), strict=True))
    assert got == {"m": 0, "a2": -1, "b1": -1, "a": -2, "b": -2, "r": -3}
    both = lineage_family(g, "a", direction="both")
    got = dict(zip(names(g, both, np.arange(len(both))), both.level.tolist(), strict=True))
    assert got == {"a": 0, "a1": 1, "a2": 1, "a11": 2, "m": 2, "r": -1}
    tight = folds(both, 1)  # only the root: one fold below it, one above
    assert [(f.anchor, f.side, f.models) for f in tight] == [(0, "down", 4), (0, "up", 1)]
    assert cut(both, 4) == 1 and cut(both, 5) == 2  # a1 comes with its own fold


def test_cut_and_folds_exact():
    g = graph(FAMILY)
    fam = lineage_family(g, "r")
    assert cut(fam, 100) == 9
    k = cut(fam, 5)
    shown = names(g, fam, fam.priority[:k])
    fs = folds(fam, k)
    assert k + len(fs) <= 5 and k + sum(f.models for f in fs) == 9
    assert shown[:2] == ["r", "a"]
    assert {names(g, fam, [f.anchor])[0] for f in fs} <= set(shown)


def test_subtree_sizes_match_descendants_in_a_tree():
    g = graph(random_tree(300, 4))
    fam = lineage_family(g, "n0")
    counts = g.descendant_counts()
    assert (fam.subtree == counts.to_numpy()[fam.node] + 1).all()
    assert subtree_sizes(np.array([-1, 0, 0, 1]), np.array([0, 1, 1, 2])).tolist() == [4, 2, 1, 1]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10_000), budget=st.integers(1, 130))
def test_cut_is_the_longest_prefix_that_fits(n, seed, budget):
    g = graph(random_tree(n, seed)) if n > 1 else graph([("n0", "x", "finetune")])
    fam = lineage_family(g, "n0")
    size = len(fam)
    drawn = [k + len(folds(fam, k)) for k in range(1, size + 1)]
    fits = [k for k in range(1, size + 1) if drawn[k - 1] <= budget]
    k = cut(fam, budget)
    assert k == (max(fits) if fits else 1)
    fs = folds(fam, k)
    assert k + sum(f.models for f in fs) == size
    assert len({(f.anchor, f.side) for f in fs}) == len(fs)  # one fold per parent and side
    rank = fam.rank
    assert all(rank[f.anchor] < k for f in fs)


def test_hundred_thousand_descendants_vectorised():
    models, edges = family_frames(100_001, seed=1)
    g = LineageGraph.from_frames(models, edges)
    fam = lineage_family(g, "org/base")
    assert len(fam) == 100_001 and fam.subtree[0] == 100_001
    k = cut(fam, 200)
    fs = folds(fam, k)
    assert k + len(fs) <= 200 and k + sum(f.models for f in fs) == 100_001


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(["tree", "radial", "force"]),
)
def test_layouts_never_overlap(n, seed, kind):
    rng = np.random.default_rng(seed)
    via = np.array([-1] + [int(rng.integers(0, i)) for i in range(1, n)])
    level = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        level[i] = level[via[i]] + 1
    labels = ["x" * int(rng.integers(3, 30)) for _ in range(n)]
    w, h = lay.box_sizes(labels, rng.uniform(12, 16, n))
    x, y = lay.layout(kind, via, level, w, h)
    assert lay.overlaps(x, y, w, h) == 0
    if kind == "tree":  # one column per generation, left to right
        xs = {int(v): set(np.round(x[level == v], 6)) for v in np.unique(level)}
        if n < 8:  # too few rows to wrap into bands
            assert all(len(s) == 1 for s in xs.values())


def test_tree_puts_bases_left_and_derivatives_right():
    via, level = np.array([-1, 0, 0, 0]), np.array([0, 1, 1, -1])
    w, h = lay.box_sizes(["root", "kid one", "kid two", "base"], np.full(4, 12.0))
    x, y = lay.tree_layout(via, level, w, h)
    assert x[3] < x[0] < x[1] == x[2] and lay.overlaps(x, y, w, h) == 0
    assert lay.fits_view(x, y, w, h)
    far = np.arange(400) * 100.0
    assert not lay.fits_view(far, far, np.full(400, 50.0), np.full(400, 30.0))


def test_module_examples_run():
    import doctest

    from lineage.viz import charts, layout, network, select

    for module in (select, layout, charts, network):
        assert doctest.testmod(module).failed == 0, module.__name__
