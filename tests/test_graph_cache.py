"""lineage.graph.cache: the graph cache written at crawl commit is the slow path's graph,
and a cache of another snapshot is never read; one resolver for the store and the graph."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from conftest import generate_models, hub_model

from lineage.graph import LineageGraph
from lineage.graph.cache import cache_folder, read_graph
from lineage.hub.client import parse_page
from lineage.hub.crawl import crawl
from lineage.hub.resolve import resolve_references
from lineage.hub.store import Store

T0 = datetime(2023, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


# a re-cased and a missing reference, a cycle, a merge, a self-loop, a relation the Hub
# invented, a model without author or pipeline (the Hub lists no two ids differing only in
# case: a store keeps one model per id up to case, so case twins are tested on frames)
EXTRA = [
    hub_model(5002, "case/twin", day(2)),
    hub_model(5003, "u/of-twin", day(3), ["CASE/TWIN"], "finetune"),
    hub_model(5004, "u/of-exact", day(4), ["case/twin"], "adapter"),
    hub_model(5005, "c/one", day(5), ["c/two"], "finetune"),
    hub_model(5006, "c/two", day(6), ["C/One"], "finetune"),
    hub_model(5007, "m/merge", day(7), ["Case/Twin", "gone/Deleted"], "merge"),
    hub_model(5008, "s/self", day(8), ["S/SELF"], "finetune"),
    hub_model(5009, "d/distil", day(9), tags=["base_model:distillation:c/one"]),
    hub_model(
        5010, "n/bare", day(10), ["GONE/deleted"], "finetune", author=None, pipeline_tag=None
    ),
]


def slow_graph(db) -> LineageGraph:
    with Store(db, readonly=True) as store:
        return LineageGraph.from_frames(
            store.models_frame(), store.edges_frame(), store.snapshot_time()
        )


def assert_same_graph(a: LineageGraph, b: LineageGraph) -> None:
    pd.testing.assert_frame_equal(a.models, b.models)
    pd.testing.assert_frame_equal(a.edges, b.edges)
    pd.testing.assert_frame_equal(a.dropped_cycle_edges, b.dropped_cycle_edges)
    for name in ("_child", "_parent", "_rel"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.relations == b.relations and a.snapshot_time == b.snapshot_time
    assert a.snapshot_month == b.snapshot_month
    pd.testing.assert_series_equal(a.descendant_counts(), b.descendant_counts())


def test_graph_from_cache_is_the_slow_paths_graph(tmp_path, local_hub):
    models = generate_models(600, seed=5) + EXTRA
    db = tmp_path / "hub.db"
    crawl(db, endpoint=local_hub(models).endpoint)
    folders = list(cache_folder(db).iterdir())
    assert len(folders) == 1 and (folders[0] / "meta.json").exists()  # written at commit
    cached, slow = LineageGraph.from_db(db), slow_graph(db)
    assert_same_graph(cached, slow)
    # the snapshot's oddities made it through the cache
    assert cached.models["missing"].sum() >= 2 and "gone/Deleted" in set(cached.ids)
    assert cached.dropped_cycle_edges[["child", "parent"]].values.tolist() == [["c/one", "c/two"]]
    assert "distillation" in cached.relations
    assert cached.parents("u/of-twin") == ["case/twin"]  # a re-cased reference
    assert cached.parents("u/of-exact") == ["case/twin"]  # the exact id
    row = cached.models.set_index("id").loc["n/bare"]
    assert row["author"] is None and row["pipeline_tag"] is None
    # the cache holds it all: from_db reads no table. (Rows deleted behind the store's back
    # do not move the snapshot stamp, so the cache stays in use; the slow path sees them.)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM edges")
    con.commit()
    con.close()
    assert_same_graph(LineageGraph.from_db(db), slow)
    assert slow_graph(db).edges.empty


def test_a_stale_cache_is_never_read(tmp_path, local_hub):
    db = tmp_path / "hub.db"
    crawl(db, endpoint=local_hub(generate_models(300, seed=1)).endpoint)
    before = LineageGraph.from_db(db)
    with Store(db) as st:  # an incremental crawl commits one page, not finished
        run = st.start_run(
            mode="incremental",
            endpoint=st.last_complete_run().endpoint,
            phase="new",
            next_url="u",
            hub_mark=None,
        )
        late = hub_model(9001, "late/model", day(2000), [before.ids[0]], "finetune")
        st.commit_page(run, parse_page([late]), phase="new", next_url="u2")
    after = LineageGraph.from_db(db)
    assert "late/model" not in set(before.ids) and after.parents("late/model") == [before.ids[0]]
    assert_same_graph(after, slow_graph(db))
    # the page's snapshot got its own cache (built on that first read); the old one is gone
    assert len(list(cache_folder(db).iterdir())) == 1
    with Store(db, readonly=True) as st:
        assert st.info()["models"] == before.models["missing"].eq(False).sum() + 1


def test_a_full_recrawl_in_progress_keeps_readers_on_the_cache(tmp_path, local_hub):
    db = tmp_path / "hub.db"
    crawl(db, endpoint=local_hub(generate_models(300, seed=4)).endpoint)
    (folder,) = cache_folder(db).iterdir()
    before = LineageGraph.from_db(db)
    with Store(db) as st:  # a full crawl's first page goes into the next generation
        run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        st.commit_page(
            run, parse_page([hub_model(9002, "next/gen", day(3000))]), phase="full", next_url="u2"
        )
        assert_same_graph(LineageGraph.from_db(db), before)
        assert list(cache_folder(db).iterdir()) == [folder]  # read, not rebuilt
        st.finish_run(run)  # the new generation replaces the old, and gets its cache
    assert LineageGraph.from_db(db).ids.tolist() == ["next/gen"]
    assert [f.name for f in cache_folder(db).iterdir()] != [folder.name]


def test_a_place_where_no_cache_can_be_written_reads_the_slow_way(tmp_path, local_hub):
    db = tmp_path / "hub.db"
    cache_folder(db).write_text("not a folder")  # the cache cannot be made here
    crawl(db, endpoint=local_hub(generate_models(200, seed=2) + EXTRA).endpoint)
    assert cache_folder(db).read_text() == "not a folder"
    assert_same_graph(read_graph(db), slow_graph(db))
    with Store(db, readonly=True) as st:
        info = st.info()
    assert info["cycles"] == 1 and info["models_in_cycles"] == 2
    assert info["self_loops"] == 1 and info["models"] == 209


def test_one_resolver_for_the_store_and_the_graph(tmp_path):
    db = tmp_path / "hub.db"
    with Store(db) as st:
        run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        st.commit_page(run, parse_page(EXTRA[::-1]), phase="full", next_url=None)
        st.finish_run(run)
        models, edges = st.models_frame(), st.edges_frame()
    parents = dict(zip(edges["child"], edges["parent"], strict=False))
    assert parents["u/of-twin"] == "case/twin" and parents["u/of-exact"] == "case/twin"
    assert parents["n/bare"] == "gone/Deleted"  # as the earliest child wrote it
    frame_graph = LineageGraph.from_frames(models, edges.assign(parent=edges["parent"].str.upper()))
    assert frame_graph.parents("u/of-twin") == ["case/twin"]
    assert frame_graph.n_models == len(models)  # the same missing node, no new one
    # frames may hold case twins: the exact id, else the first listed, wins
    twins = LineageGraph.from_frames(
        pd.DataFrame({"id": ["Case/Twin", "case/twin", "u/a", "u/b"], "created_at": [None] * 4}),
        pd.DataFrame({"child": ["u/a", "u/b"], "parent": ["CASE/TWIN", "case/twin"]}),
    )
    assert twins.parents("u/a") == ["Case/Twin"] and twins.parents("u/b") == ["case/twin"]
    assert resolve_references(["b/X", "B/x"], ["b/x"]).position.tolist() == [0]


@pytest.mark.parametrize("order", [slice(None), slice(None, None, -1)])
def test_resolution_does_not_depend_on_page_order(tmp_path, order):
    db = tmp_path / "hub.db"
    with Store(db) as st:
        run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        for item in EXTRA[order]:
            st.commit_page(run, parse_page([item]), phase="full", next_url="u")
        st.finish_run(run)
        edges = st.edges_frame()
    assert sorted(edges["parent"]) == sorted(
        [
            "case/twin",
            "case/twin",
            "c/two",
            "c/one",
            "case/twin",
            "gone/Deleted",
            "c/one",
            "gone/Deleted",
        ]
    )


# one-model commands read the cache with numpy alone: no pandas, no scipy.optimize
LEAN_RUN = """
import json, sys
import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    heavy = ["pandas", "scipy.optimize", "scipy.sparse", "huggingface_hub", "matplotlib"]
    print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)
"""


def _lean(db, *args: str) -> tuple[str, list[str]]:
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LEAN_RUN, *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_one_model_commands_and_pages_need_neither_pandas_nor_scipy_optimize(tmp_path, local_hub):
    db = tmp_path / "hub.db"
    crawl(db, endpoint=local_hub(generate_models(600, seed=5) + EXTRA).endpoint)
    graph = LineageGraph.from_db(db)
    model = str(graph.descendant_counts().idxmax())
    curves, loaded = _lean(db, "curves", model, "case/twin", "--relation", "finetune")
    assert loaded == []
    expected = graph.growth_curves([model, "case/twin"], relations=["finetune"])
    assert curves == expected.to_csv(index=False)
    family, loaded = _lean(db, "family", model, "--format", "csv")
    assert loaded == []
    assert family == graph.lineage_table(model).to_csv(index=False)
    up, loaded = _lean(db, "family", "u/of-twin", "--up", "--format", "json")
    assert loaded == [] and '"child": "u/of-twin"' in up and '"relation": "finetune"' in up
    fit, loaded = _lean(db, "fit", model, "--format", "csv", "--interval", "0.8")
    assert "pandas" not in loaded and "scipy.optimize" not in loaded
    table = pd.read_csv(pd.io.common.StringIO(fit))
    from lineage.ranking import fit_model

    page = tmp_path / "page.html"
    out, loaded = _lean(db, "html", model, "-o", str(page))
    assert loaded == [] and out.strip() == str(page) and page.stat().st_size > 100_000
    params = fit_model(graph, model).fitter.params_table(0.8)
    got = table.set_index("quantity").loc[["lambda", "mu", "sigma"], ["estimate", "lower", "upper"]]
    np.testing.assert_allclose(got.to_numpy(), params.to_numpy(), rtol=1e-12)


def test_a_graph_read_from_its_cache_outlives_the_cache(tmp_path, local_hub):
    import shutil

    db = tmp_path / "hub.db"
    crawl(db, endpoint=local_hub(generate_models(300, seed=7) + EXTRA).endpoint)
    cached = LineageGraph.from_db(db)
    shutil.rmtree(cache_folder(db))  # a newer crawl removes an older snapshot's cache
    assert_same_graph(cached, slow_graph(db))  # the model table is made after the removal
