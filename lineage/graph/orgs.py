"""Organisations: the models an author released and the derivatives they received.

An author is the Hub's ``author`` of a model, else its id's namespace (``org`` in
``org/name``; a never-listed parent has only that). For each author, over all of its models
at once:

- ``direct``: the distinct models that name one of its models as a parent;
- ``transitive``: the distinct models downstream of any of its models;

each derivative counted once even when it descends from several of the author's models, and
split into those made by other authors (``*_by_others``) and by the author itself
(``*_by_self``: one of its models derived from another of its models).

The transitive sets are unions of the count kernels' pre-order intervals
(:mod:`lineage.graph.counts`): a model's descendants are its primary subtree and its external
intervals, all intervals of the forest are nested or disjoint, so the union over an author's
models is the sum of its outermost intervals, for every author in one sort.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from lineage.graph.lineage_graph import LineageGraph


def model_authors(graph: LineageGraph) -> np.ndarray:
    """The author of every model: the ``author`` column where set, else the id's namespace
    (the part before ``/``; empty for an id without one).

    >>> from lineage.graph import LineageGraph
    >>> g = LineageGraph.from_frames(pd.DataFrame({"id": ["org/a", "gpt2"], "created_at": [None] * 2}),
    ...                              pd.DataFrame({"child": [], "parent": []}))
    >>> model_authors(g).tolist()
    ['org', '']
    """
    ids = pd.Series(graph.ids, dtype=object)
    namespace = ids.str.partition("/")
    derived = namespace[0].where(namespace[1] == "/", "")
    if "author" in graph.models:
        given = graph.models["author"].reset_index(drop=True).astype(object)
        given = given.where(given.notna() & (given != ""), None)
        derived = given.fillna(derived)
    return derived.to_numpy(dtype=object)
