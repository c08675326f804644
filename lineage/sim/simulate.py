"""A seeded synthetic Hub: a model ecosystem shaped like the real derivative graph.

Calibrated to the published shape of the Hub (``../shared/docs/hf_api.md``, after Laufer,
Oderinwale and Kleinberg, arXiv 2508.06811):

- about 28% of models declare a parent; among children the relation mix is adapter 43%,
  finetune 36%, quantized 19%, merge 2% (a merge has 2 to 4 parents);
- only some children have children of their own (finetune 7.9%, quantized 0.95%,
  adapter 0.19%), so depth stays mostly under 10;
- a new derivative picks its parent by preferential attachment to popular *and* recent
  models (weight = fitness x (1 + derivatives so far) x exp(-age / 10 months), fitness
  Pareto-distributed), which gives heavy-tailed family sizes;
- the number of new models grows over time; creation dates before 2022-03-02T23:29:04Z are
  floored to that instant, as the Hub does;
- a few references are stale (the parent was deleted: a missing node) or are not ids at all
  (a PEFT local path); 1.7% of models state a card ``base_model`` the Hub rejected (no tag:
  a re-cased id, a name without namespace, a nonexistent id); about 1% of parents were
  re-uploaded, so the Hub dates them after some of their derivatives (JSON only: the frames
  keep the original dates);
- a handful of early base models get their *direct* derivatives from Wang-Song-Barabasi
  dynamics with known (lambda, mu, sigma, m), recorded in ``truth``, so that fits of the
  crawled graph can be checked against the generator: the expected cumulative number of
  direct derivatives ``age_months`` months after release is
  ``m (exp(lambda Phi((ln(age_months + 1) - mu) / sigma)) - 1)`` and the monthly increments
  are Poisson.

:func:`simulate_frames` makes the graph as two frames in vectorised numpy (millions of
models in seconds); :func:`simulate_hub` renders it as the Hub's JSON model objects, ready
for :class:`lineage.sim.hubserver.LocalHub`.

Example:
    >>> hub = simulate_hub(2_000, seed=1)
    >>> len(hub.models), sorted(hub.models[0])[:4]
    (2000, ['_id', 'author', 'cardData', 'createdAt'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

#: The Hub's floor: every model created earlier carries this date.
HUB_DATE_FLOOR = pd.Timestamp("2022-03-02T23:29:04Z")
#: Share of models that declare at least one parent.
PARENT_SHARE = 0.28
#: Relation mix among children.
RELATION_MIX = {"adapter": 0.43, "finetune": 0.36, "quantized": 0.19, "merge": 0.02}
#: Share of children of each relation that get children of their own.
FERTILE_SHARE = {"finetune": 0.079, "quantized": 0.0095, "adapter": 0.0019, "merge": 0.079}
#: Share of the children allowed to have children that actually get one before the snapshot
#: (measured on 200k-model hubs); the allowance is FERTILE_SHARE divided by it.
_FERTILE_TAKEN = 0.68
#: Share of drawn merges whose 2-4 parent draws hit at least two models; the rest become
#: one-parent finetunes, so merges are drawn that much more often (and finetunes less).
_MERGE_KEPT = 0.8
#: Share of models (among those declaring no parent) whose card names a parent the Hub
#: rejected (no tag): 1.7% of real listing rows.
REJECTED_CARD_SHARE = 0.017 / (1 - PARENT_SHARE)
#: Share of (non-merge) children whose parent is itself a derivative.
DEEP_SHARE = 0.2
_LIBRARY = {
    "adapter": "peft",
    "finetune": "transformers",
    "quantized": "gguf",
    "merge": "transformers",
    None: "transformers",
}
_SUFFIX = {"adapter": "lora", "finetune": "ft", "quantized": "GGUF", "merge": "merge"}
_WORDS = (
    "llama",
    "mistral",
    "qwen",
    "gemma",
    "phi",
    "falcon",
    "bloom",
    "pythia",
    "mpt",
    "olmo",
    "yi",
    "deepseek",
    "starcoder",
    "t5",
    "bert",
    "whisper",
    "vit",
    "clip",
)
_PIPELINES = (
    "text-generation",
    "text-generation",
    "text-generation",
    "text2text-generation",
    "feature-extraction",
    "text-classification",
    "automatic-speech-recognition",
    "image-classification",
)


@dataclass
class SyntheticHub:
    """A simulated Hub: ``models`` in the Hub's JSON format, the generator's ``truth``.

    Parameters
    ----------
    models : list of dict
        The Hub's JSON model objects (serve them with :class:`lineage.sim.LocalHub`).
    truth : pandas.DataFrame
        One row per WSB-driven base model: ``model, lambda, mu, sigma, m`` (direct
        derivatives, all relations, time ``t = age_months + 1``).
    snapshot_time : pandas.Timestamp
        When the simulated Hub stops.

    Examples
    --------
    >>> hub = simulate_hub(500, seed=0)
    >>> len(hub.models), hub.truth.columns.tolist()
    (500, ['model', 'lambda', 'mu', 'sigma', 'm'])
    """

    models: list[dict]
    truth: pd.DataFrame
    snapshot_time: pd.Timestamp


def _utc(when: str | pd.Timestamp) -> pd.Timestamp:
    """A timestamp in UTC (a naive one is taken as UTC)."""
    stamp = pd.Timestamp(when)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _creation_times(
    rng: np.random.Generator, n: int, start: pd.Timestamp, end: pd.Timestamp
) -> np.ndarray:
    """Sorted creation times (ns since epoch) whose rate grows exponentially to ``end``.

    About 3% fall before ``start`` and are floored to it, as the Hub floors its oldest models.
    """
    span = (end - start).value
    lead = 0.1 * span  # models older than the floor
    growth = 3.0  # rate grows e^3 = 20x over the window
    u = rng.random(n)
    x = np.log1p(u * np.expm1(growth)) / growth  # inverse CDF of exp(growth x) on [0, 1]
    times = start.value - lead + x * (span + lead)
    times = np.maximum(times, start.value)
    return np.sort(times.astype(np.int64))


def _month_index(times_ns: np.ndarray) -> np.ndarray:
    """Calendar month number (year * 12 + month - 1) of UTC nanosecond timestamps."""
    months = times_ns.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    return months + 1970 * 12


def _wsb_cumulative(age: np.ndarray, lam: float, mu: float, sigma: float, m: float) -> np.ndarray:
    """Expected cumulative direct derivatives at the end of month ``age`` (t = age + 1)."""
    return m * np.expm1(lam * ndtr((np.log(age + 1.0) - mu) / sigma))


@dataclass
class _WSBBases:
    """The WSB-driven bases: parameters, scale, release month, their children's months."""

    params: np.ndarray  # (k, 3): lambda, mu, sigma
    m: np.ndarray
    release: np.ndarray
    children_months: list[np.ndarray]

    @property
    def n_children(self) -> int:
        return sum(len(c) for c in self.children_months)


@dataclass
class _Ecosystem:
    """The rest of the models, in creation order: times, parent declarations, edges."""

    times: np.ndarray
    relation: np.ndarray
    fertile: np.ndarray
    edge_child: np.ndarray
    edge_parent: np.ndarray


def simulate_frames(
    n_models: int = 20_000,
    seed: int = 0,
    *,
    start: str = "2022-03-02T23:29:04Z",
    end: str = "2026-10-31T23:59:59Z",
    n_wsb_bases: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Generate a Hub-shaped lineage graph as frames, vectorised.

    Parameters
    ----------
    n_models : int
        Number of listed models (at least 10).
    seed : int
        Seed of the generator: the same seed gives the same graph.
    start, end : str
        Creation dates before ``start`` are floored to it (never earlier than the Hub's own
        floor, :data:`HUB_DATE_FLOOR`); ``end`` is the snapshot time (naive times are UTC).
    n_wsb_bases : int, optional
        Base models driven by WSB dynamics (default: one per 2,000 models, 3 to 40).

    Returns
    -------
    models, edges, truth : pandas.DataFrame
        ``models``: ``id, created_at, relation, fertile`` (``relation`` of the model to its
        parents, None for a base model); ``edges``: ``child, parent, relation`` (parents are
        listed ids); ``truth``: the WSB parameters (see :class:`SyntheticHub`).

    Examples
    --------
    >>> models, edges, truth = simulate_frames(10_000, seed=0)
    >>> len(models), bool(edges["relation"].isin(RELATION_MIX).all()), len(truth) >= 3
    (10000, True, True)
    """
    if n_models < 10:
        raise ValueError(f"n_models must be at least 10, got {n_models}")
    rng = np.random.default_rng(seed)
    t0, t1 = max(_utc(start), HUB_DATE_FLOOR), _utc(end)
    if t1 <= t0:
        raise ValueError(f"end ({end}) must be after start ({start}) and the Hub's date floor")
    k_wsb = n_wsb_bases if n_wsb_bases is not None else int(np.clip(n_models // 2000, 3, 40))
    wsb = _wsb_bases(rng, k_wsb, n_models, t0, t1)
    budget = n_models - k_wsb - wsb.n_children
    if budget < n_models // 2:
        raise ValueError(f"n_wsb_bases={k_wsb} leaves too few models for n_models={n_models}")
    eco = _ecosystem(rng, budget, n_models, wsb.n_children, t0, t1)
    return _assemble(rng, eco, wsb, t1)


def _wsb_bases(
    rng: np.random.Generator, k: int, n_models: int, t0: pd.Timestamp, t1: pd.Timestamp
) -> _WSBBases:
    """Early base models with Poisson monthly increments of direct derivatives."""
    params = np.column_stack(
        [
            rng.uniform(1.2, 3.2, k),  # lambda
            rng.uniform(0.8, 2.6, k),  # mu
            rng.uniform(0.5, 1.2, k),  # sigma
        ]
    )
    m = np.full(k, float(np.clip(n_models / 2000, 3.0, 30.0)))
    first_month = _month_index(np.array([t0.value]))[0]
    last_month = _month_index(np.array([t1.value]))[0]
    release = first_month + rng.integers(0, max(1, (last_month - first_month) // 2), k)
    children_months: list[np.ndarray] = []
    for (lam, mu, sigma), scale, month in zip(params, m, release, strict=True):
        ages = np.arange(last_month - month + 1)
        expected = np.diff(_wsb_cumulative(ages, lam, mu, sigma, scale), prepend=0.0)
        children_months.append(np.repeat(month + ages, rng.poisson(expected)))
    return _WSBBases(params, m, release, children_months)


def _ecosystem(
    rng: np.random.Generator,
    budget: int,
    n_models: int,
    n_wsb_children: int,
    t0: pd.Timestamp,
    t1: pd.Timestamp,
) -> _Ecosystem:
    """Creation times, who declares a parent, relations, fertility, then the edges."""
    times = _creation_times(rng, budget, t0, t1)
    # The WSB bases' children count towards the share of models that declare a parent.
    child_share = max(0.0, (PARENT_SHARE * n_models - n_wsb_children) / budget)
    is_child = rng.random(budget) < child_share
    is_child[: max(1, budget // 200)] = False  # the very first models are bases
    rel_names = np.array(list(RELATION_MIX))
    drawn = dict(RELATION_MIX, merge=RELATION_MIX["merge"] / _MERGE_KEPT)
    drawn["finetune"] -= drawn["merge"] - RELATION_MIX["merge"]
    relation = np.where(  # type: ignore[call-overload]  # numpy's stubs: None as a value
        is_child, rng.choice(rel_names, budget, p=list(drawn.values())), None
    )
    fertile_p = np.where(
        is_child,
        pd.Series(relation, dtype=object).map(FERTILE_SHARE).fillna(0.0).to_numpy(float)
        / _FERTILE_TAKEN,
        1.0,
    )
    fertile = rng.random(budget) < fertile_p
    fitness = rng.pareto(1.2, budget) + 0.05
    child, parent = _attach_months(rng, _month_index(times), is_child, relation, fertile, fitness)
    # A merge whose draws all hit one parent is a one-parent finetune, as mergekit's are.
    one_parent = np.bincount(child, minlength=budget) == 1
    relation[(relation == "merge") & one_parent] = "finetune"
    return _Ecosystem(times, relation, fertile, child, parent)


def _attach_months(
    rng: np.random.Generator,
    months: np.ndarray,
    is_child: np.ndarray,
    relation: np.ndarray,
    fertile: np.ndarray,
    fitness: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(child, parent)`` drawn month by month among the models created before.

    A child attaches to a derivative (a fertile child) with probability DEEP_SHARE, a merge
    always when it can; otherwise to a base model. A child with no base before it becomes a
    base itself (``is_child`` and ``relation`` are updated in place).
    """
    budget = months.size
    n_parents = np.where(relation == "merge", rng.integers(2, 5, budget), 1)
    n_parents[~is_child] = 0
    to_child = is_child & ((relation == "merge") | (rng.random(budget) < DEEP_SHARE))
    kids_so_far = np.zeros(budget)
    edge_child: list[np.ndarray] = []
    edge_parent: list[np.ndarray] = []
    for month in np.unique(months):
        lo, hi = np.searchsorted(months, [month, month + 1])
        children = lo + np.flatnonzero(is_child[lo:hi])
        if children.size == 0:
            continue
        bases = np.flatnonzero(~is_child[:lo])
        derivatives = np.flatnonzero(fertile[:lo] & is_child[:lo])
        if bases.size == 0:
            is_child[children], relation[children], n_parents[children] = False, None, 0
            continue
        deep = to_child[children] & (derivatives.size > 0)
        # Derivatives that have derivatives are few and each gets some, so their pool is
        # drawn flatter than the bases', where popularity dominates.
        for pool, chosen, flatten in (
            (bases, children[~deep], 1.0),
            (derivatives, children[deep], 0.3),
        ):
            if chosen.size:
                draws = np.repeat(chosen, n_parents[chosen])
                picks = _attach(
                    rng, pool, draws.size, fitness, kids_so_far, month - months[pool], flatten
                )
                pairs = np.unique(np.column_stack([draws, picks]), axis=0)
                edge_child.append(pairs[:, 0])
                edge_parent.append(pairs[:, 1])
                np.add.at(kids_so_far, pairs[:, 1], 1.0)
    empty = np.empty(0, np.int64)
    return (
        np.concatenate(edge_child) if edge_child else empty,
        np.concatenate(edge_parent) if edge_parent else empty,
    )


def _assemble(
    rng: np.random.Generator, eco: _Ecosystem, wsb: _WSBBases, t1: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The WSB bases and their children take their places in time order; ids are drawn."""
    k_wsb, n_wsb_children, budget = len(wsb.m), wsb.n_children, eco.times.size
    base_times = (
        np.array(
            [
                pd.Timestamp(year=int(mo // 12), month=int(mo % 12) + 1, day=1, tz="UTC").value
                for mo in wsb.release
            ]
        )
        + rng.integers(0, 27 * 86_400, k_wsb) * 10**9
    )
    wsb_child_times = (
        np.concatenate(
            [
                _random_time_in_months(rng, months_, floor=bt, ceil=t1.value)
                for months_, bt in zip(wsb.children_months, base_times, strict=True)
            ]
        )
        if n_wsb_children
        else np.empty(0, np.int64)
    )
    wsb_child_base = np.repeat(np.arange(k_wsb), [len(c) for c in wsb.children_months])
    wsb_child_rel = rng.choice(
        ["adapter", "finetune", "quantized"], n_wsb_children, p=[0.44, 0.37, 0.19]
    )

    all_times = np.concatenate([eco.times, base_times, wsb_child_times])
    all_rel = np.concatenate([eco.relation, np.full(k_wsb, None, object), wsb_child_rel])
    all_fertile = np.concatenate(
        [eco.fertile, np.zeros(k_wsb, bool), np.zeros(n_wsb_children, bool)]
    )
    order = np.argsort(all_times, kind="stable")
    new_pos = np.empty_like(order)
    new_pos[order] = np.arange(order.size)
    wsb_pos = new_pos[budget + np.arange(k_wsb)]
    child_pos = np.concatenate(
        [new_pos[eco.edge_child], new_pos[budget + k_wsb + np.arange(n_wsb_children)]]
    )
    parent_pos = np.concatenate([new_pos[eco.edge_parent], wsb_pos[wsb_child_base]])
    ids = _model_ids(rng, order.size, all_rel[order], child_pos, parent_pos)
    models = pd.DataFrame(
        {
            "id": ids,
            "created_at": pd.DatetimeIndex(all_times[order].astype("datetime64[ns]"), tz="UTC"),
            "relation": all_rel[order],
            "fertile": all_fertile[order],
        }
    )
    edges = pd.DataFrame(
        {
            "child": ids[child_pos],
            "parent": ids[parent_pos],
            "relation": models["relation"].to_numpy()[child_pos],
        }
    )
    truth = pd.DataFrame(
        {
            "model": ids[wsb_pos],
            "lambda": wsb.params[:, 0],
            "mu": wsb.params[:, 1],
            "sigma": wsb.params[:, 2],
            "m": wsb.m,
        }
    )
    return models, edges, truth


def _attach(
    rng: np.random.Generator,
    pool: np.ndarray,
    k: int,
    fitness: np.ndarray,
    kids: np.ndarray,
    ages: np.ndarray,
    flatten: float = 1.0,
) -> np.ndarray:
    """``k`` parents from ``pool`` by preferential attachment to popular and recent models.

    ``ages``: months since each pool member's creation; ``flatten`` < 1 raises the
    popularity weight to that power (spreads the picks).
    """
    weight = (fitness[pool] * (1.0 + kids[pool])) ** flatten * np.exp(-ages / 10.0)
    cum = np.cumsum(weight)
    at = np.searchsorted(cum, rng.random(k) * cum[-1], side="right")
    return pool[np.minimum(at, pool.size - 1)]


def _random_time_in_months(
    rng: np.random.Generator, months: np.ndarray, *, floor: int, ceil: int
) -> np.ndarray:
    """A uniform instant inside each calendar month, kept within [floor, ceil]."""
    start = (months - 1970 * 12).astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64)
    length = 28 * 86_400 * 10**9
    return np.clip(start + (rng.random(months.size) * length).astype(np.int64), floor, ceil)


def _model_ids(
    rng: np.random.Generator, n: int, relation: np.ndarray, child: np.ndarray, parent: np.ndarray
) -> np.ndarray:
    """Unique ``org/name`` ids: a heavy-tailed number of models per org, names by relation
    and family (a derivative takes the family word of its first parent)."""
    n_orgs = max(10, n // 8)
    org = np.minimum(rng.zipf(1.6, n) - 1, n_orgs - 1)
    word = rng.integers(0, len(_WORDS), n)
    _, first = np.unique(child, return_index=True)
    child, parent = child[first], parent[first]
    for _ in range(32):  # one pass per generation; depth stays well below 32
        inherited = word[parent]
        if np.array_equal(word[child], inherited):
            break
        word[child] = inherited
    suffix = pd.Series(relation, dtype=object).map(_SUFFIX).fillna("base")
    words = np.asarray(_WORDS, dtype=object)[word]
    return np.array(
        [
            f"org{o}/{w}-{s}-{i}"
            for i, (o, w, s) in enumerate(
                zip(org.tolist(), words.tolist(), suffix.tolist(), strict=True)
            )
        ],
        dtype=object,
    )


def _iso(ns: np.ndarray) -> list[str]:
    """The Hub's timestamp format: ``2023-08-01T12:00:00.000Z``."""
    ms = ns.astype("datetime64[ns]").astype("datetime64[ms]")
    return [s[:23] + "Z" for s in np.datetime_as_string(ms, unit="ms")]


def simulate_hub(
    n_models: int = 20_000,
    seed: int = 0,
    *,
    start: str = "2022-03-02T23:29:04Z",
    end: str = "2026-10-31T23:59:59Z",
    n_wsb_bases: int | None = None,
) -> SyntheticHub:
    """A synthetic Hub as the Hub's JSON model objects (listing with expand fields).

    As on the real Hub, every child carries the Hub's derived tags, which name the parent's
    exact id: ``base_model:<id>`` and ``base_model:<relation>:<id>`` (1% only the bare tag),
    plus ``cardData.base_model``. About 0.5% of references name a deleted model, and 0.5% of
    adapters also carry a PEFT local path (``base_model:adapter:/workspace/out``). About 1.7%
    of models state a card ``base_model`` with no tag: references the Hub rejected (a
    re-cased id, a name without its namespace, an id that does not exist), never lineage.

    Parameters
    ----------
    n_models, seed, start, end, n_wsb_bases
        As for :func:`simulate_frames`, which draws the graph.

    Returns
    -------
    SyntheticHub
        The models as listing items, the WSB ``truth`` and the snapshot time (``end``).

    Examples
    --------
    >>> hub = simulate_hub(1_000, seed=3)
    >>> sum("base_model:" in " ".join(m["tags"]) or bool(m["cardData"].get("base_model"))
    ...     for m in hub.models) > 200
    True
    """
    models, edges, truth = simulate_frames(
        n_models, seed, start=start, end=end, n_wsb_bases=n_wsb_bases
    )
    rng = np.random.default_rng([seed, 1])
    snapshot = _utc(end)
    n = len(models)
    created_ns = _redate_reuploads(rng, models, edges, truth, snapshot)
    modified_ns = np.minimum(
        created_ns + (rng.exponential(20.0, n) * 86_400e9).astype(np.int64), snapshot.value
    )
    parents_of = _stated_references(rng, edges)
    style = rng.random(n)  # how a child states its lineage
    rejected = _rejected_references(rng, models, parents_of)
    downloads = (rng.pareto(1.0, n) * 50).astype(np.int64)
    likes = (rng.pareto(1.3, n) * 2).astype(np.int64)
    pipelines = rng.choice(_PIPELINES, n)
    created_iso, modified_iso = _iso(created_ns), _iso(modified_ns)
    relations = models["relation"].to_numpy(dtype=object)
    out = [
        {
            "_id": f"{0x650000000000000000000000 + i * 7919:024x}",
            "id": mid,
            "author": mid.split("/")[0],
            "createdAt": created_iso[i],
            "lastModified": modified_iso[i],
            "downloads": int(downloads[i]),
            "likes": int(likes[i]),
            "private": False,
            "pipeline_tag": str(pipelines[i]),
            **_lineage_fields(
                relations[i] if isinstance(relations[i], str) else None,
                parents_of.get(mid),
                style[i],
                rejected.get(mid),
            ),
        }
        for i, mid in enumerate(models["id"].to_numpy())
    ]
    return SyntheticHub(out, truth, snapshot)


def _redate_reuploads(
    rng: np.random.Generator,
    models: pd.DataFrame,
    edges: pd.DataFrame,
    truth: pd.DataFrame,
    snapshot: pd.Timestamp,
) -> np.ndarray:
    """Creation times (ns) with about 1% of parents deleted and re-uploaded under the same
    id: the Hub dates them anew, after some of their derivatives (WSB bases keep theirs)."""
    created_ns = models["created_at"].dt.as_unit("ns").astype("int64").to_numpy().copy()
    parent_pos = np.flatnonzero(
        models["id"].isin(edges["parent"]).to_numpy()
        & ~models["id"].isin(truth["model"]).to_numpy()
    )
    reup = parent_pos[rng.random(parent_pos.size) < 0.01]
    created_ns[reup] += ((snapshot.value - created_ns[reup]) * rng.random(reup.size)).astype(
        np.int64
    )
    return created_ns


def _stated_references(rng: np.random.Generator, edges: pd.DataFrame) -> dict[str, list[str]]:
    """Each child's parent references as its tags state them (exact ids, as the Hub writes
    them); about 0.5% name a model deleted since."""
    refs = edges["parent"].to_numpy().copy()
    deleted = rng.random(refs.size) < 0.005
    refs[deleted] = [
        f"{p.split('/')[0]}/deleted-model-{i}"
        for i, p in zip(np.flatnonzero(deleted), refs[deleted], strict=True)
    ]
    parents_of: dict[str, list[str]] = {}
    for child, ref in zip(edges["child"].to_numpy(), refs, strict=True):
        parents_of.setdefault(child, []).append(ref)
    return parents_of


def _rejected_references(
    rng: np.random.Generator, models: pd.DataFrame, parents_of: dict[str, list[str]]
) -> dict[str, str]:
    """Card ``base_model`` references the Hub rejected (no tag), on about 1.7% of the models
    that declare no parent: a third re-cased ids, a third names without their namespace, a
    third ids that do not exist."""
    ids = models["id"].to_numpy()
    free = np.flatnonzero(~models["id"].isin(list(parents_of)).to_numpy())
    chosen = free[rng.random(free.size) < REJECTED_CARD_SHARE]
    targets = ids[rng.integers(0, ids.size, chosen.size)]
    kind = rng.integers(0, 3, chosen.size)
    refs = [
        t.upper() if k == 0 else t.split("/")[-1] if k == 1 else f"{t}-missing"
        for t, k in zip(targets.tolist(), kind.tolist(), strict=True)
    ]
    return dict(zip(ids[chosen].tolist(), refs, strict=True))


def _lineage_fields(
    relation: str | None, parents: list[str] | None, style: float, rejected: str | None
) -> dict:
    """``library_name``, ``tags`` and ``cardData`` of one model: a child's parents in
    relation and bare tags and in the card (1% in a bare tag only); 0.5% of adapters add a
    PEFT local path; a rejected reference is in the card alone."""
    tags = [_LIBRARY[relation], "safetensors", "license:apache-2.0"]
    card: dict = {"license": "apache-2.0"}
    if parents:
        word = "merge" if len(parents) > 1 else relation
        tags += [f"base_model:{p}" for p in parents]
        if style < 0.99:
            tags += [f"base_model:{word}:{p}" for p in parents]
            card["base_model"] = parents[0] if len(parents) == 1 else parents
        if relation == "adapter" and style > 0.995:
            tags.append("base_model:adapter:/workspace/out")
    elif rejected is not None:
        card["base_model"] = rejected
    return {"library_name": _LIBRARY[relation], "tags": tags, "cardData": card}
