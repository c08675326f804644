"""Reference resolution: which model a ``base_model`` reference names, the Hub's rule.

The one resolver of hf-lineage: the store's frames (:meth:`lineage.hub.store.Store.edges_frame`)
and :meth:`lineage.graph.LineageGraph.from_frames` both call :func:`resolve_references`.

The rule: a reference names the listed model whose id it spells exactly; else the listed
model whose id it spells up to letter case, the first such in the models' order (the store
orders models oldest first, ties by id, so among ids differing only in case the oldest
wins); else a *missing* model (deleted, private or misspelled), one per lower-case
spelling, named as its first reference in the references' order spells it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Resolution:
    """Where each reference points.

    Parameters
    ----------
    position : numpy.ndarray
        ``position[k]`` is the index of reference ``k``'s model among the listed ids, or
        ``len(ids) + j`` for the ``j``-th new missing model.
    missing : numpy.ndarray
        The names of the missing models.

    Examples
    --------
    >>> r = resolve_references(["org/A", "b"], ["ORG/a", "x/y", "b"])
    >>> r.position.tolist(), r.missing.tolist()
    ([0, 2, 1], ['x/y'])
    """

    position: np.ndarray
    missing: np.ndarray


def resolve_references(ids, references) -> Resolution:
    """Resolve ``references`` to the listed ``ids`` (both sequences of str), the Hub's way.

    Parameters
    ----------
    ids : sequence of str
        Listed model ids in preference order (the first of several ids equal up to case
        wins a case-insensitive match; a repeated id counts once, at its first position).
    references : sequence of str
        References as written, in the order that names missing models.

    Returns
    -------
    Resolution
        Positions of the references and the names of the missing models.

    Examples
    --------
    >>> r = resolve_references(["Org/Base", "org/base", "a/ft"],
    ...                        ["org/base", "ORG/BASE", "x/Gone", "X/gone", "a/ft"])
    >>> r.position.tolist(), r.missing.tolist()
    ([1, 0, 3, 3, 2], ['x/Gone'])
    """
    ids = np.asarray(ids, dtype=object)
    refs = np.asarray(references, dtype=object)
    exact = pd.Index(ids)
    if not exact.is_unique:
        first = ~exact.duplicated()
        exact = pd.Series(np.flatnonzero(first), index=exact[first])
        position = exact.reindex(refs).fillna(-1).to_numpy(dtype=np.int64)
    else:
        position = exact.get_indexer(refs).astype(np.int64)
    unresolved = np.flatnonzero(position < 0)
    if not len(unresolved):
        return Resolution(position, np.empty(0, dtype=object))
    lower = pd.Series(ids, dtype=object).str.lower()
    first_lower = ~lower.duplicated().to_numpy()
    by_lower = pd.Series(np.flatnonzero(first_lower), index=lower[first_lower].to_numpy())
    wanted = pd.Series(refs[unresolved], dtype=object).str.lower().to_numpy(dtype=object)
    hit = by_lower.reindex(wanted).to_numpy()
    found = ~np.isnan(hit)
    position[unresolved[found]] = hit[found].astype(np.int64)
    rest = unresolved[~found]
    rest_lower = pd.Index(wanted[~found])
    codes, _ = pd.factorize(rest_lower)  # numbered in order of first appearance
    _, first_at = np.unique(codes, return_index=True)
    position[rest] = len(ids) + codes
    return Resolution(position, refs[rest][first_at])
