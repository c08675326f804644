"""LineageGraph on hand-built graphs: exact counts worked out by hand, time, navigation, interop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import networkx as nx
import pandas as pd
import pytest
from conftest import generate_models, hub_model

from lineage.errors import StoreMissingError, UnknownModelError, UsageError
from lineage.graph import LineageGraph
from lineage.hub.crawl import crawl
from lineage.hub.store import Store


def graph(nodes: dict[str, str | None], edges: list[tuple], snapshot=None, **cols) -> LineageGraph:
    """``nodes``: id -> created date; ``edges``: (child, parent[, relation])."""
    models = pd.DataFrame({"id": list(nodes), "created_at": list(nodes.values()), **cols})
    frame = pd.DataFrame(
        [(e[0], e[1], e[2] if len(e) > 2 else "finetune") for e in edges],
        columns=["child", "parent", "relation"],
    )
    return LineageGraph.from_frames(models, frame, snapshot_time=snapshot)


def counts(g: LineageGraph, scope="transitive", relations=None) -> dict[str, int]:
    return g.descendant_counts(scope, relations=relations).to_dict()


D = "2023-01-01"


def test_diamond_counts_the_shared_descendant_once():
    g = graph({"a": D, "b": D, "c": D, "d": D}, [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")])
    assert counts(g) == {"a": 3, "b": 1, "c": 1, "d": 0}
    assert counts(g, "direct") == {"a": 2, "b": 1, "c": 1, "d": 0}
    assert sorted(g.descendants("a")) == ["b", "c", "d"]


def test_merge_chain_and_nested_diamonds():
    # two bases merged into m, m quantized into q; a chain x0..x3; a merge of a node with its
    # own grandparent (the second path adds nothing new)
    nodes = {k: D for k in ["p1", "p2", "m", "q", "x0", "x1", "x2", "x3", "y"]}
    edges = [
        ("m", "p1", "merge"),
        ("m", "p2", "merge"),
        ("q", "m", "quantized"),
        ("x1", "x0"),
        ("x2", "x1"),
        ("x3", "x2"),
        ("y", "x2", "merge"),
        ("y", "x0", "merge"),
    ]
    g = graph(nodes, edges)
    assert counts(g) == {
        "p1": 2,
        "p2": 2,
        "m": 1,
        "q": 0,
        "x0": 4,
        "x1": 3,
        "x2": 2,
        "x3": 0,
        "y": 0,
    }
    assert counts(g, "direct") == {
        "p1": 1,
        "p2": 1,
        "m": 1,
        "q": 0,
        "x0": 2,
        "x1": 1,
        "x2": 2,
        "x3": 0,
        "y": 0,
    }
    assert counts(g, relations={"merge"}) == {
        "p1": 1,
        "p2": 1,
        "m": 0,
        "q": 0,
        "x0": 1,
        "x1": 0,
        "x2": 1,
        "x3": 0,
        "y": 0,
    }
    assert counts(g, relations=["finetune", "quantized"])["x0"] == 3
    assert counts(g, relations=["finetune", "quantized"])["p1"] == 0


def test_duplicate_edges_count_once_and_self_loops_are_ignored():
    g = graph({"a": D, "b": D}, [("b", "a"), ("b", "a", "adapter"), ("b", "a"), ("a", "a")])
    assert counts(g, "direct") == {"a": 1, "b": 0} and counts(g) == {"a": 1, "b": 0}
    assert g.edges.values.tolist() == [["b", "a", "adapter"], ["b", "a", "finetune"]]
    assert counts(g, relations=["adapter"]) == {"a": 1, "b": 0}
    assert g.growth_curve("a", running_month=True)["count"].tolist() == [1]


def test_monthly_curve_zero_months_and_out_of_order_dates():
    nodes = {
        "base": "2023-01-15",
        "c1": "2023-01-20",
        "c2": "2023-03-05",
        "g1": "2022-12-01",
        "solo": "2023-04-30",
    }
    g = graph(
        nodes,
        [("c1", "base"), ("c2", "base"), ("g1", "c1", "quantized")],
        snapshot="2023-05-10T08:00:00Z",
    )
    curve = g.growth_curve("base", running_month=True)
    assert curve["month"].tolist() == ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05"]
    assert curve["age_months"].tolist() == [0, 1, 2, 3, 4]
    assert curve["count"].tolist() == [2, 0, 1, 0, 0]
    assert curve["cumulative"].tolist() == [2, 2, 3, 3, 3]
    assert curve.attrs["moved"] == 1  # g1 predates base: counted in base's release month
    assert g.growth_curve("c1", running_month=True)["count"].tolist() == [1, 0, 0, 0, 0]
    assert g.growth_curve("base", "direct", running_month=True)["count"].tolist() == [1, 0, 1, 0, 0]
    finetunes = g.growth_curve("base", relations={"finetune"}, running_month=True)
    assert finetunes["cumulative"].tolist()[-1] == 2
    solo = g.growth_curve("solo", running_month=True)
    assert solo["month"].tolist() == ["2023-04", "2023-05"] and solo["count"].sum() == 0
    assert g.snapshot_month == "2023-05"
    # the whole-graph path gives the same curves
    many = g.growth_curves(scope="transitive", running_month=True)
    base = many[many["model"] == "base"].reset_index(drop=True)
    assert base["count"].tolist() == [2, 0, 1, 0, 0] and set(base["scope"]) == {"transitive"}
    assert list(many.columns) == [
        "model",
        "scope",
        "month",
        "age_months",
        "count",
        "cumulative",
        "complete",
    ]
    assert many.loc[many["month"] == "2023-05", "complete"].eq(False).all()
    assert many.loc[many["month"] < "2023-05", "complete"].all()
    # by default the running month (2023-05) is left out, on both paths
    assert g.growth_curve("base")["month"].tolist()[-1] == "2023-04"
    default = g.growth_curves(scope="transitive")
    assert default["month"].max() == "2023-04" and default["complete"].all()
    assert g.growth_curves(["base"])["month"].tolist() == curve["month"].tolist()[:-1]
    monthly = g.monthly_counts()
    assert monthly.moved == 2  # g1 before base and before c1
    assert monthly.months[0] == "2022-12" and monthly.months[-1] == "2023-05"
    rows = {m: i for i, m in enumerate(monthly.models)}
    assert monthly.matrix.toarray()[rows["base"]].tolist() == [0, 2, 0, 1, 0, 0]
    assert monthly.by_age().toarray()[rows["base"]].tolist() == [2, 0, 1, 0, 0, 0]
    assert monthly.by_age().toarray()[rows["c1"]].tolist()[:1] == [1]
    assert g.descendants("base", until="2023-02") == ["c1", "g1"]


def test_snapshot_month_defaults_to_latest_created_at():
    g = graph({"a": "2024-01-03", "b": "2024-03-09"}, [("b", "a")])
    assert g.snapshot_time is None and g.snapshot_month == "2024-03"
    assert len(g.growth_curve("a", running_month=True)) == 3
    assert len(g.growth_curve("a")) == 2  # without a snapshot time, the last month may run on


def test_complete_months_leave_out_the_running_month():
    def at(snapshot):
        return LineageGraph.from_frames(
            pd.DataFrame({"id": ["a", "b"], "created_at": ["2024-01-03", "2024-02-09"]}),
            pd.DataFrame({"child": ["b"], "parent": ["a"], "relation": ["finetune"]}),
            snapshot,
        )

    mid, end = at("2024-03-15T10:00:00Z"), at("2024-03-31T23:59:59Z")
    assert (mid.last_complete_month, end.last_complete_month) == ("2024-02", "2024-03")
    assert mid.complete_months(mid.growth_curve("a"))["month"].tolist() == ["2024-01", "2024-02"]
    assert len(end.complete_months(end.growth_curve("a"))) == 3
    assert at(None).last_complete_month == "2024-01"


def test_cycles_are_broken_deterministically_and_reported():
    g = graph(
        {"a": "2023-01-01", "b": "2023-02-01", "c": "2023-03-01"},
        [("b", "a"), ("c", "b"), ("a", "c")],
    )
    dropped = g.dropped_cycle_edges
    assert dropped[["child", "parent"]].values.tolist() == [["a", "c"]]
    assert counts(g) == {"a": 2, "b": 1, "c": 0}
    # equal dates: the tie goes by id, the edge whose parent id sorts later is dropped
    tie = graph({"x": D, "y": D}, [("x", "y"), ("y", "x")])
    assert tie.dropped_cycle_edges[["child", "parent"]].values.tolist() == [["x", "y"]]
    assert counts(tie) == {"x": 1, "y": 0}


def test_missing_parents_become_flagged_nodes_dated_by_their_descendants():
    g = graph(
        {"org/base": "2023-05-02", "a/ft": "2023-06-07", "b/q": "2023-03-01"},
        [("a/ft", "ORG/BASE"), ("b/q", "gone/model"), ("a/ft", "Gone/Model")],
    )
    assert g.ids.tolist() == ["org/base", "a/ft", "b/q", "gone/model"]
    assert g.models["missing"].tolist() == [False, False, False, True]
    assert g.parents("a/ft") == ["org/base", "gone/model"]
    assert counts(g)["gone/model"] == 2
    assert g.release_months["gone/model"] == "2023-03"
    assert g.growth_curve("gone/model", running_month=True)["count"].tolist()[:4] == [1, 0, 0, 1]


def test_frames_missing_columns_and_bad_inputs_are_usage_errors():
    with pytest.raises(UsageError, match="created_at"):
        LineageGraph.from_frames(
            pd.DataFrame({"id": ["a"]}), pd.DataFrame(columns=["child", "parent"])
        )
    g = graph({"a": D, "b": D}, [("b", "a")])
    with pytest.raises(UsageError, match="relation"):
        g.descendant_counts(relations=["finetun"])
    with pytest.raises(UsageError, match="scope"):
        g.descendant_counts("both")
    with pytest.raises(UsageError, match="YYYY-MM"):
        g.descendants("a", until="May 2023")


def test_unknown_model_suggests_the_closest_ids():
    g = graph({"meta-llama/Llama-2-7b-hf": D, "meta-llama/Llama-2-13b-hf": D, "x/y": D}, [])
    assert g.index_of("META-LLAMA/llama-2-7b-hf") == 0
    with pytest.raises(UnknownModelError) as err:
        g.growth_curve("meta-llama/Llama-2-7b")
    assert err.value.exit_code == 2
    assert "meta-llama/Llama-2-7b-hf" in str(err.value) and "\n" not in str(err.value)
    assert err.value.suggestions[0] == "meta-llama/Llama-2-7b-hf"


def test_navigation():
    nodes = {k: D for k in ["r1", "r2", "a", "b", "m", "q", "lone"]}
    g = graph(
        nodes,
        [
            ("a", "r1"),
            ("b", "a", "adapter"),
            ("m", "a", "merge"),
            ("m", "r2", "merge"),
            ("q", "m", "quantized"),
        ],
    )
    assert g.children("a") == ["b", "m"] and g.children("a", relations=["merge"]) == ["m"]
    assert g.parents("m") == ["r2", "a"]  # in node order
    assert g.ancestors("q") == ["m", "r2", "a", "r1"]  # nearest first
    assert g.roots("q") == ["r1", "r2"] and g.roots("r1") == ["r1"]
    assert g.family("b") == ["a", "b", "m", "q", "r1", "r2"] and g.family("lone") == ["lone"]
    down = g.lineage_table("r1")
    assert down.values.tolist() == [
        ["r1", 0, None, None],
        ["a", 1, "r1", "finetune"],
        ["b", 2, "a", "adapter"],
        ["m", 2, "a", "merge"],
        ["q", 3, "m", "quantized"],
    ]
    up = g.lineage_table("q", direction="up")
    assert up[["model", "depth"]].values.tolist() == [
        ["q", 0],
        ["m", 1],
        ["a", 2],
        ["r2", 2],
        ["r1", 3],
    ]
    assert up.columns.tolist() == ["model", "depth", "child", "relation"]
    assert up.set_index("model").loc["r2", ["child", "relation"]].tolist() == ["m", "merge"]
    assert g.lineage_table("r1", relations=["finetune"])["model"].tolist() == ["r1", "a"]
    assert g.descendants("r2", relations=["merge"]) == ["m"]


def _attributed() -> LineageGraph:
    nodes = {
        "org/base": "2023-01-15T10:00:00Z",
        "a/ft": "2023-02-01T00:00:00Z",
        "b/m": "2023-03-01T00:00:00Z",
    }
    return graph(
        nodes,
        [
            ("a/ft", "org/base"),
            ("b/m", "org/base", "merge"),
            ("b/m", "a/ft", "merge"),
            ("b/m", "c/missing", "merge"),
        ],
        author=["org", "a", "b"],
        downloads=[100, 5, 0],
        likes=[3, 0, 1],
        pipeline_tag=["text-generation", None, "text-generation"],
    )


def test_networkx_round_trip_keeps_ids_attributes_and_edges():
    g = _attributed()
    G = g.to_networkx()
    assert G.nodes["org/base"]["downloads"] == 100 and G.nodes["a/ft"]["pipeline_tag"] == ""
    assert G.nodes["c/missing"]["missing"] is True and G.nodes["c/missing"]["created_at"] == ""
    assert G.nodes["org/base"]["created_at"] == "2023-01-15T10:00:00.000Z"
    assert G.edges["org/base", "b/m"]["relation"] == "merge"
    assert {v: len(nx.descendants(G, v)) for v in G} == counts(g)
    back = LineageGraph.from_networkx(G)
    assert back.ids.tolist() == g.ids.tolist()
    assert sorted(map(tuple, back.edges.values.tolist())) == sorted(
        map(tuple, g.edges.values.tolist())
    )
    cols = ["id", "created_at", "author", "downloads", "likes", "pipeline_tag", "missing"]
    pd.testing.assert_frame_equal(back.models[cols], g.models[cols], check_dtype=False)
    assert G.graph["snapshot_time"] == ""


def test_igraph_export_matches_counts():
    g = _attributed()
    ig_graph = g.to_igraph()
    assert ig_graph.vs["name"] == g.ids.tolist() and ig_graph.is_directed()
    assert ig_graph.vs.find(name="org/base")["downloads"] == 100
    assert ig_graph.vs.find(name="c/missing")["missing"] is True
    rels = {
        (ig_graph.vs[e.source]["name"], ig_graph.vs[e.target]["name"]): e["relation"]
        for e in ig_graph.es
    }
    assert rels[("a/ft", "b/m")] == "merge" and rels[("org/base", "a/ft")] == "finetune"
    reach = [len(ig_graph.subcomponent(v, mode="out")) - 1 for v in range(ig_graph.vcount())]
    assert reach == g.descendant_counts().tolist()
    assert g.to_igraph(relations=["finetune"]).ecount() == 1


T0 = datetime(2023, 1, 1, tzinfo=UTC)


def test_from_db_reads_a_real_crawl(tmp_path, local_hub):
    models = generate_models(400, seed=3)
    models.append(
        hub_model(
            999,
            "org1/model-late",
            T0 + timedelta(days=900),
            [models[0]["id"], models[1]["id"]],
            "merge",
        )
    )
    hub = local_hub(models)
    db = tmp_path / "hub.db"
    crawl(db, endpoint=hub.endpoint)
    g = LineageGraph.from_db(db)
    with Store(db, readonly=True) as store:
        frame, edges, snap = store.models_frame(), store.edges_frame(), store.snapshot_time()
    assert g.n_models == len(frame) and set(g.ids) == set(frame["id"])
    assert g.snapshot_time == snap and g.snapshot_month == f"{snap:%Y-%m}"
    assert g.models["missing"].sum() == frame["missing"].sum() > 0
    G = g.to_networkx()
    assert g.descendant_counts().to_dict() == {v: len(nx.descendants(G, v)) for v in G}
    assert g.parents("org1/model-late") == sorted(
        [models[0]["id"], models[1]["id"]], key=list(g.ids).index
    )
    assert len(edges) >= len(g.edges) > 100


def test_from_db_without_a_snapshot_is_a_clear_error(tmp_path):
    with pytest.raises(StoreMissingError, match="crawl"):
        LineageGraph.from_db(tmp_path / "none.db")


def test_many_named_curves_keep_the_relation_filter_for_models_without_derivatives():
    # over 200 named models the curves come from the whole-graph counts; a model with no
    # derivative of the filtered relation gets a zero curve, not one of every relation
    ids = ["base", "ada"] + [f"m/{i}" for i in range(210)]
    models = pd.DataFrame({"id": ids, "created_at": "2024-01-05"})
    edges = pd.DataFrame(
        {"child": ["ada", "m/0"], "parent": ["base", "m/1"], "relation": ["adapter", "finetune"]}
    )
    g = LineageGraph.from_frames(models, edges, snapshot_time="2024-04-10")
    many = g.growth_curves(ids, relations=["finetune"])
    few = g.growth_curves(["base", "m/1"], relations=["finetune"])
    assert many.groupby("model")["cumulative"].last()["base"] == 0
    assert many.groupby("model")["cumulative"].last()["m/1"] == 1
    pd.testing.assert_frame_equal(
        many[many["model"].isin(["base", "m/1"])].reset_index(drop=True), few
    )
    assert list(many["model"].drop_duplicates()) == ids  # in the order asked
