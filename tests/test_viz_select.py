"""Selection and folding of lineage pages (lineage.viz.select), on hand-made and random trees."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.viz.network import pick_layout
from lineage.viz.select import (
    Fold,
    fold_tree,
    lineage_tree,
    radial_layout,
    select_lineage,
    subtree_sizes,
)


def steps(edges: list[tuple[str, str, str]]):
    """(down, up) step functions over (parent, child, relation) triples."""
    kids: dict[str, list[tuple[str, str]]] = {}
    pars: dict[str, list[tuple[str, str]]] = {}
    for p, c, r in edges:
        kids.setdefault(p, []).append((c, r))
        pars.setdefault(c, []).append((p, r))
    return (lambda m: kids.get(m, [])), (lambda m: pars.get(m, []))


# r -> a (3 below it), b (1 below), c (leaf); a -> a1 -> a11, a -> a2; b -> b1; m merges a2 and b1
FAMILY = [
    ("r", "a", "finetune"), ("r", "b", "adapter"), ("r", "c", "quantized"),
    ("a", "a1", "finetune"), ("a1", "a11", "finetune"), ("a", "a2", "adapter"),
    ("b", "b1", "finetune"), ("a2", "m", "merge"), ("b1", "m", "merge"),
]


def drawn(sel) -> int:
    return len(sel.nodes) + len(sel.folds)


def test_whole_family_fits():
    down, _ = steps(FAMILY)
    sel = select_lineage("r", down=down)
    assert sel.nodes == ["r", "a", "b", "c", "a1", "a2", "b1", "a11", "m"]
    assert sel.level == {"r": 0, "a": 1, "b": 1, "c": 1, "a1": 2, "a2": 2, "b1": 2,
                         "a11": 3, "m": 3}
    assert len(sel.edges) == len(FAMILY)  # both merge edges are drawn
    assert sel.relation["m"] == "merge" and sel.relation["b"] == "adapter"
    assert sel.folds == [] and sel.n_folded == 0 and sel.n_selected == 9
    assert sel.subtree["r"] == 9 and sel.subtree["a"] == 5  # m counts once, under a2


def test_depth_limits_hops():
    down, _ = steps(FAMILY)
    sel = select_lineage("r", down=down, depth=1)
    assert sel.nodes == ["r", "a", "b", "c"] and sel.n_selected == 4
    assert select_lineage("r", down=down, depth=0).nodes == ["r"]


def test_folding_keeps_heaviest_branches():
    down, _ = steps(FAMILY)
    sel = select_lineage("r", down=down, max_nodes=5)
    # r + fold(r) = 2; a (5 models) adds itself and its fold: 4; b would open a fold too
    # (6 > 5) so the leaf c takes the last place
    assert drawn(sel) == 5 and sel.nodes == ["r", "a", "c"]
    assert [(f.anchor, f.models, f.branches) for f in sel.folds] == [("r", 2, 1), ("a", 4, 2)]
    assert sum(f.models for f in sel.folds) == sel.n_folded == 9 - len(sel.nodes)
    assert all(f.side == "down" for f in sel.folds)
    assert {f.anchor for f in sel.folds} <= set(sel.nodes)


def test_fold_tree_exact():
    order = ["r", "a", "b", "c", "a1", "a2", "a3"]
    via = {"a": "r", "b": "r", "c": "r", "a1": "a", "a2": "a", "a3": "a"}
    kept, hidden = fold_tree(order, via, 4)
    assert kept == {"r", "a"} and hidden == {"r": ["b", "c"], "a": ["a1", "a2", "a3"]}
    kept, hidden = fold_tree(order, via, 6)
    # equal weights go in breadth-first order: b and c close r's fold, a1 fits, a2 would not
    assert kept == {"r", "a", "b", "c", "a1"} and hidden == {"a": ["a2", "a3"]}
    assert fold_tree(order, via, 7) == (set(order), {})


def test_up_direction_and_merges():
    _, up = steps(FAMILY)
    sel = select_lineage("m", up=up)
    assert sel.nodes == ["m", "a2", "b1", "a", "b", "r"]
    assert sel.level["r"] == -3 and sel.level["a2"] == -1
    assert {(e.parent, e.child) for e in sel.edges} == {
        ("a2", "m"), ("b1", "m"), ("a", "a2"), ("b", "b1"), ("r", "a"), ("r", "b")}


def test_both_directions_fold_each_side_once():
    down, up = steps(FAMILY)
    sel = select_lineage("a", down=down, up=up)
    assert sel.level == {"a": 0, "a1": 1, "a2": 1, "a11": 2, "m": 2, "r": -1}
    tight = select_lineage("a", down=down, up=up, max_nodes=3)
    assert drawn(tight) <= 3
    assert {(f.anchor, f.side) for f in tight.folds} == {("a", "down"), ("a", "up")}
    assert sum(f.models for f in tight.folds) == tight.n_folded == 5


def test_subtree_sizes():
    assert subtree_sizes(["x"], {}) == {"x": 1}
    tree = lineage_tree("r", down=steps(FAMILY)[0])
    assert subtree_sizes(tree.order, tree.via)["b"] == 2


def random_tree(n: int, seed: int) -> list[tuple[str, str, str]]:
    rng = np.random.default_rng(seed)
    return [(f"n{int(rng.integers(0, i))}", f"n{i}", "finetune") for i in range(1, n)]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 120), seed=st.integers(0, 10_000), budget=st.integers(2, 130))
def test_folding_invariants(n, seed, budget):
    down, _ = steps(random_tree(n, seed))
    sel = select_lineage("n0", down=down, max_nodes=budget)
    assert sel.n_selected == n
    assert drawn(sel) <= max(budget, 2)
    assert sum(f.models for f in sel.folds) == sel.n_folded
    assert (sel.n_folded == 0) == (n <= budget)
    kept = set(sel.nodes)
    tree = lineage_tree("n0", down=down)
    assert all(tree.via[m] in kept for m in sel.nodes[1:])  # the shown part is connected
    assert len({f.anchor for f in sel.folds}) == len(sel.folds)  # one fold per parent
    assert len(sel.edges) == len(sel.nodes) - 1


def test_hundred_thousand_descendants_fold_to_budget():
    down, _ = steps(random_tree(100_000, 1))
    sel = select_lineage("n0", down=down, max_nodes=1500)
    assert sel.n_selected == 100_000
    assert drawn(sel) <= 1500 and len(sel.nodes) > 500
    assert sel.n_folded == sum(f.models for f in sel.folds) == 100_000 - len(sel.nodes)
    assert isinstance(sel.folds[0], Fold)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 200), seed=st.integers(0, 10_000))
def test_radial_layout_rings_grow_outwards(n, seed):
    tree = lineage_tree("n0", down=steps(random_tree(n, seed))[0])
    pos = radial_layout("n0", tree.via, tree.order)
    assert set(pos) == set(tree.order) and pos["n0"] == (0.0, 0.0)
    radius = {}
    for m, (x, y) in pos.items():
        radius.setdefault(tree.level[m], set()).add(round(math.hypot(x, y), 6))
    assert all(len(r) == 1 for r in radius.values())  # one ring per generation
    rings = [radius[h].pop() for h in sorted(radius)]
    assert rings == sorted(rings) and len(set(rings)) == len(rings)


def test_wide_generations_switch_the_tree_to_rings():
    star = [("r", f"c{i}", "finetune") for i in range(200)]
    wide = select_lineage("r", down=steps(star)[0])
    narrow = select_lineage("r", down=steps(FAMILY)[0])
    assert pick_layout(wide, "tree") == "radial" and pick_layout(narrow, "tree") == "tree"
    assert pick_layout(wide, "force") == "force"
