"""What a lineage page shows: a breadth-first tree around a model, cut to a node budget.

The selection walks the lineage graph from one model (down to its derivatives, up to its
bases, or both) and, when it holds more models than the page can draw, keeps the heaviest
branches (most models below them) and folds every other branch into one "+N more" node per
shown parent. Everything here works on plain ids and callables, without a graph object.

Example:
    >>> kids = {"a": [("b", "finetune"), ("c", "adapter"), ("e", "merge")],
    ...         "b": [("d", "quantized"), ("f", "adapter")]}
    >>> sel = select_lineage("a", down=lambda m: kids.get(m, []), max_nodes=4)
    >>> sel.nodes, [(f.parent, f.models) for f in sel.folds], sel.n_folded
    (['a', 'b'], [('a', 2), ('b', 2)], 4)
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Step = Callable[[str], Iterable[tuple[str, str]]]
"""Neighbours of a model, as ``(model, relation)`` pairs (children going down, parents up)."""


@dataclass(frozen=True)
class Edge:
    """A lineage edge among shown models: ``parent`` is the base, ``child`` the derivative."""

    parent: str
    child: str
    relation: str


@dataclass(frozen=True)
class Fold:
    """Branches of a shown model left off the page: drawn as one "+N more" node."""

    anchor: str  # the shown model the hidden branches hang from
    models: int  # hidden models in those branches
    branches: int  # hidden neighbours of the anchor (roots of the hidden branches)
    side: str  # "down" (hidden derivatives) or "up" (hidden bases)

    @property
    def parent(self) -> str:
        """The shown model this fold hangs from (alias of ``anchor``)."""
        return self.anchor


@dataclass
class Selection:
    """The models a page shows around ``root`` and the branches it folds away."""

    root: str
    nodes: list[str]  # shown models, root first, breadth-first order
    level: dict[str, int]  # hops from the root: positive below it, negative above it
    relation: dict[str, str]  # relation of each shown model to the model it was reached from
    via: dict[str, str]  # the shown model each one was reached from (root absent)
    edges: list[Edge]  # every lineage edge between two shown models
    folds: list[Fold] = field(default_factory=list)
    n_selected: int = 0  # models in the selection before folding, root included
    subtree: dict[str, int] = field(default_factory=dict)  # selected models at or below each

    @property
    def n_folded(self) -> int:
        """Selected models that are not drawn (they are counted in the fold nodes)."""
        return self.n_selected - len(self.nodes)


@dataclass
class _Tree:
    order: list[str]  # breadth-first, root first
    via: dict[str, str]  # tree parent (the model each one was reached from); root absent
    level: dict[str, int]
    relation: dict[str, str]
    side: dict[str, str]
    edges: list[Edge]


def _walk(root: str, step: Step, depth: int | None, sign: int, tree: _Tree) -> None:
    """Breadth-first walk from ``root`` along ``step``, adding what it reaches to ``tree``."""
    frontier = [root]
    hops = 0
    seen_edges: set[tuple[str, str]] = set()
    while frontier and (depth is None or hops < depth):
        hops += 1
        nxt: list[str] = []
        for m in frontier:
            for other, rel in step(m):
                if other == m:
                    continue
                key = (m, other) if sign > 0 else (other, m)
                if key in seen_edges:
                    continue
                seen_edges.add(key)
                tree.edges.append(Edge(key[0], key[1], rel))
                if other in tree.level:
                    continue
                tree.level[other] = sign * hops
                tree.via[other] = m
                tree.relation[other] = rel
                tree.side[other] = "down" if sign > 0 else "up"
                tree.order.append(other)
                nxt.append(other)
        frontier = nxt


def lineage_tree(
    root: str, *, down: Step | None = None, up: Step | None = None, depth: int | None = None
) -> _Tree:
    """Breadth-first tree from ``root``: descendants via ``down``, ancestors via ``up``."""
    tree = _Tree([root], {}, {root: 0}, {}, {}, [])
    if down is not None:
        _walk(root, down, depth, +1, tree)
    if up is not None:
        _walk(root, up, depth, -1, tree)
    return tree


def subtree_sizes(order: list[str], via: dict[str, str]) -> dict[str, int]:
    """Models at or below each one in the tree given by breadth-first ``order`` and ``via``.

    Example:
        >>> subtree_sizes(["a", "b", "c", "d"], {"b": "a", "c": "a", "d": "b"})
        {'a': 4, 'b': 2, 'c': 1, 'd': 1}
    """
    size = dict.fromkeys(order, 1)
    for m in reversed(order[1:]):
        size[via[m]] += size[m]
    return size


def fold_tree(
    order: list[str], via: dict[str, str], max_nodes: int, weight: dict[str, float] | None = None
) -> tuple[set[str], dict[str, list[str]]]:
    """Keep at most ``max_nodes`` drawn nodes (kept models plus one fold per folding parent).

    Grows the kept set from the root, always taking the heaviest hanging branch next
    (``weight``, by default the branch's size) that still fits; returns the kept models
    and, per kept model, its children left out.

    Example:
        >>> via = {"b": "a", "c": "a", "d": "b", "e": "b"}
        >>> kept, hidden = fold_tree(["a", "b", "c", "d", "e"], via, 4)
        >>> sorted(kept), hidden
        (['a', 'b', 'c'], {'b': ['d', 'e']})
    """
    children: dict[str, list[str]] = {}
    for m in order[1:]:
        children.setdefault(via[m], []).append(m)
    if len(order) <= max_nodes:
        return set(order), {}
    size = subtree_sizes(order, via)
    w = weight if weight is not None else size
    rank = {m: i for i, m in enumerate(order)}
    root = order[0]
    kept = {root}
    open_children = {root: len(children.get(root, []))}
    drawn = 1 + (open_children[root] > 0)
    heap = [(-w.get(c, 0), rank[c], c) for c in children.get(root, [])]
    heapq.heapify(heap)
    while heap:
        _, _, m = heapq.heappop(heap)
        p = via[m]
        n_kids = len(children.get(m, []))
        delta = 1 + (n_kids > 0) - (open_children[p] == 1)
        if drawn + delta > max_nodes:
            continue  # too dear (it would open a fold): lighter leaves may still fit
        kept.add(m)
        open_children[p] -= 1
        open_children[m] = n_kids
        drawn += delta
        for c in children.get(m, []):
            heapq.heappush(heap, (-w.get(c, 0), rank[c], c))
    hidden = {
        p: [c for c in children.get(p, []) if c not in kept]
        for p in kept
        if open_children.get(p, 0) > 0
    }
    return kept, hidden


def select_lineage(
    root: str,
    *,
    down: Step | None = None,
    up: Step | None = None,
    depth: int | None = None,
    max_nodes: int = 1500,
    weight: dict[str, float] | None = None,
) -> Selection:
    """Models to draw around ``root``, at most ``max_nodes`` nodes including fold nodes.

    ``down``/``up`` give a model's children/parents as ``(id, relation)`` pairs (pass one
    or both); ``depth`` limits the hops; ``weight`` ranks branches (default: their size).

    Example:
        >>> parents = {"c": [("b", "merge"), ("a", "merge")], "b": [("a", "finetune")]}
        >>> sel = select_lineage("c", up=lambda m: parents.get(m, []))
        >>> sel.nodes, sel.level, len(sel.edges)
        (['c', 'b', 'a'], {'c': 0, 'b': -1, 'a': -1}, 3)
    """
    tree = lineage_tree(root, down=down, up=up, depth=depth)
    two_sided = len({tree.side[m] for m in tree.order[1:] if tree.via[m] == root}) == 2
    kept, hidden = fold_tree(tree.order, tree.via, max_nodes - two_sided, weight)
    size = subtree_sizes(tree.order, tree.via)
    nodes = [m for m in tree.order if m in kept]
    rank = {m: i for i, m in enumerate(tree.order)}
    folds = []
    for p in sorted(hidden, key=rank.__getitem__):
        for side in ("down", "up"):
            kids = [c for c in hidden[p] if tree.side[c] == side]
            if kids:
                folds.append(Fold(p, sum(size[c] for c in kids), len(kids), side))
    return Selection(
        root=root,
        nodes=nodes,
        level={m: tree.level[m] for m in nodes},
        relation={m: tree.relation[m] for m in nodes if m in tree.relation},
        via={m: tree.via[m] for m in nodes[1:]},
        edges=[e for e in tree.edges if e.parent in kept and e.child in kept],
        folds=folds,
        n_selected=len(tree.order),
        subtree={m: size[m] for m in nodes},
    )


def radial_layout(
    root: str, via: dict[str, str], order: list[str], *, ring: float = 150.0,
    spacing: float = 30.0,
) -> dict[str, tuple[float, float]]:
    """Positions on rings around ``root`` (one ring per hop), each branch in its own sector.

    A sector's angle is proportional to the leaves below it, so dense branches get room;
    rings are ``ring`` apart (at least 30% further out than the one inside), or further when
    a ring needs ``spacing`` per model.

    Example:
        >>> pos = radial_layout("r", {"a": "r", "b": "r"}, ["r", "a", "b"], ring=10)
        >>> pos["r"], [round(v) for v in pos["a"]], [round(v) for v in pos["b"]]
        ((0.0, 0.0), [0, 10], [0, -10])
    """
    kids: dict[str, list[str]] = {}
    hops = {root: 0}
    for m in order[1:]:
        kids.setdefault(via[m], []).append(m)
        hops[m] = hops[via[m]] + 1
    leaves = dict.fromkeys(order, 1)
    for m in reversed(order):
        if m in kids:
            leaves[m] = sum(leaves[c] for c in kids[m])
    per_ring = Counter(hops.values())
    radius = [0.0]
    for h in range(1, max(per_ring) + 1):
        radius.append(max(radius[-1] + ring, radius[-1] * 1.3,
                          spacing * per_ring[h] / (2 * math.pi)))
    pos = {root: (0.0, 0.0)}
    span = {root: (0.0, 2 * math.pi)}
    for m in order:
        lo, hi = span[m]
        share = (hi - lo) / leaves[m]
        for c in kids.get(m, []):
            width = share * leaves[c]
            span[c] = (lo, lo + width)
            mid, r = lo + width / 2, radius[hops[c]]
            pos[c] = (r * math.cos(mid), r * math.sin(mid))
            lo += width
    return pos
