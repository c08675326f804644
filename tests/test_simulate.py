"""The synthetic Hub: seeded, shaped like the real graph, in the Hub's JSON format."""

import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from lineage.hub.client import declared_parents
from lineage.sim.simulate import HUB_DATE_FLOOR, RELATION_MIX, simulate_frames, simulate_hub

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def frames():
    return simulate_frames(50_000, seed=7)


@pytest.fixture(scope="module")
def hub():
    return simulate_hub(5_000, seed=3)


def test_same_seed_same_hub_other_seed_other_hub():
    a, b, c = simulate_hub(800, seed=1), simulate_hub(800, seed=1), simulate_hub(800, seed=2)
    assert a.models == b.models
    assert a.truth.equals(b.truth)
    assert a.models != c.models


def test_shape_matches_the_published_graph(frames):
    models, edges, _ = frames
    assert len(models) == 50_000 and models["id"].is_unique
    share_with_parent = edges["child"].nunique() / len(models)
    assert 0.24 <= share_with_parent <= 0.34
    children = models[models["relation"].notna()]
    mix = children["relation"].value_counts(normalize=True)
    for relation, share in RELATION_MIX.items():
        assert abs(mix.get(relation, 0.0) - share) < max(0.02, share / 2), relation
    has_kids = children["id"].isin(set(edges["parent"]))
    by_relation = has_kids.groupby(children["relation"]).mean()
    assert 0.03 <= by_relation["finetune"] <= 0.12
    assert by_relation["adapter"] < 0.01 and by_relation["quantized"] < 0.03


def test_merges_have_two_to_four_parents_and_others_one(frames):
    _, edges, _ = frames
    n_parents = edges.groupby("child")["parent"].nunique()
    relation = edges.groupby("child")["relation"].first()
    assert n_parents[relation == "merge"].between(2, 4).all()
    assert (n_parents[relation != "merge"] == 1).all()
    assert (relation == "merge").sum() > 0


def test_families_are_heavy_tailed_shallow_and_acyclic(frames):
    models, edges, _ = frames
    graph = nx.DiGraph(zip(edges["parent"], edges["child"], strict=True))
    assert nx.is_directed_acyclic_graph(graph)
    sizes = sorted((len(c) for c in nx.weakly_connected_components(graph)), reverse=True)
    assert sizes[0] > 50 * np.median(sizes)
    assert nx.dag_longest_path_length(graph) < 10


def test_no_child_older_than_its_parent_and_dates_floored(frames):
    models, edges, _ = frames
    created = models.set_index("id")["created_at"]
    assert (created.loc[edges["child"]].to_numpy() >= created.loc[edges["parent"]].to_numpy()).all()
    assert created.min() == HUB_DATE_FLOOR
    assert (created == HUB_DATE_FLOOR).sum() > 100  # the oldest models all carry the floor


def test_reuploaded_parents_are_dated_after_some_derivatives(hub):
    created = {m["id"]: m["createdAt"] for m in hub.models}
    pairs = [
        (m["id"], ref) for m in hub.models for _, ref in declared_parents(m)[0] if ref in created
    ]
    early = {parent for child, parent in pairs if created[child] < created[parent]}
    parents = {parent for _, parent in pairs}
    assert 0 < len(early) <= 0.05 * len(parents)
    assert not early & set(hub.truth["model"])


def test_truth_bases_have_only_wsb_children(frames):
    models, edges, truth = frames
    assert 3 <= len(truth) <= 40
    assert truth[["lambda", "mu", "sigma", "m"]].gt(0).all().all()
    parents = set(edges["parent"])
    assert set(truth["model"]) <= parents
    assert models.set_index("id").loc[truth["model"], "relation"].isna().all()


def test_json_objects_are_the_hubs_listing_format(hub):
    ids = {m["id"] for m in hub.models}
    assert len(ids) == len(hub.models) == 5_000
    for item in hub.models:
        assert re.fullmatch(r"[0-9a-f]{24}", item["_id"])
        assert ISO.match(item["createdAt"]) and ISO.match(item["lastModified"])
        assert item["lastModified"] >= item["createdAt"]
        assert item["author"] == item["id"].split("/")[0]
        assert isinstance(item["tags"], list) and isinstance(item["cardData"], dict)
        assert item["private"] is False
    assert pd.Timestamp(max(m["lastModified"] for m in hub.models)) <= hub.snapshot_time


def test_lineage_encodings_cover_the_hubs_variants(hub):
    listed = {m["id"].lower(): m["id"] for m in hub.models}
    sources, missing, recased, invalid = set(), 0, 0, 0
    for item in hub.models:
        pairs, source = declared_parents(item)
        if pairs:
            sources.add(source)
        for _, ref in pairs:
            if ref.startswith("/"):
                invalid += 1
            elif ref.lower() not in listed:
                missing += 1
            elif listed[ref.lower()] != ref:
                recased += 1
    assert sources == {"relation_tag", "base_model_tag", "card"}
    assert missing > 0 and recased > 0 and invalid > 0


def test_too_small_a_hub_is_refused():
    with pytest.raises(ValueError, match="at least 10"):
        simulate_frames(5)


def test_plain_dates_are_utc_and_never_before_the_hubs_floor():
    hub = simulate_hub(1_000, seed=0, start="2022-01-01", end="2024-06-30")
    assert hub.snapshot_time == pd.Timestamp("2024-06-30", tz="UTC")
    created = sorted(m["createdAt"] for m in hub.models)
    assert created[0] == "2022-03-02T23:29:04.000Z"
    assert created[-1] <= "2024-06-30T00:00:00.000Z"
    with pytest.raises(ValueError, match="must be after"):
        simulate_frames(1_000, start="2024-01-01", end="2023-01-01")
