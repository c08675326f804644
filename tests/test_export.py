"""Exports (GraphML, GEXF, edge list, CSV, Parquet) read back by networkx, igraph and pandas;
writable networkx/igraph conversions; the `top` command."""

from __future__ import annotations

import json
import math

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.graph.export import NODE_ATTRIBUTES, export_graph, node_table, top_models
from lineage.hub.crawl import crawl
from lineage.sim.simulate import simulate_frames, simulate_hub


def tricky_graph() -> LineageGraph:
    """Missing parents, a merge, a pair declared with two relations, text needing XML
    escapes, missing attributes, edge sources, an isolated model."""
    models = pd.DataFrame(
        {
            "id": ["org/base", "a/ft", "b/merge", "c/q&<x>", "solo", "a/gguf"],
            "created_at": [
                "2023-01-15T10:00:00Z",
                "2023-02-01",
                "2023-03-01",
                "2023-04-01",
                None,
                "2023-05-02",
            ],
            "author": ["org", "a", None, "c", None, "a"],
            "downloads": [100, 5, 0, 7, 1, 3],
            "likes": [3, 0, 1, 0, 0, 2],
            "pipeline_tag": ["text-generation", None, 'say "hi" & <bye>', "x", None, "y"],
            "library_name": ["transformers", "peft", None, "gguf", None, "gguf"],
        }
    )
    edges = pd.DataFrame(
        {
            "child": ["a/ft", "b/merge", "b/merge", "b/merge", "c/q&<x>", "a/gguf", "a/gguf"],
            "parent": ["org/base", "org/base", "a/ft", "gone/deleted", "a/ft", "a/ft", "a/ft"],
            "relation": [
                "finetune",
                "merge",
                "merge",
                "merge",
                "quantized",
                "quantized",
                "finetune",
            ],
            "source": [
                "relation_tag",
                "card",
                "card",
                "card",
                "base_model_tag",
                "relation_tag",
                "relation_tag",
            ],
        }
    )
    return LineageGraph.from_frames(models, edges, snapshot_time="2023-06-01")


def expected_nodes(g: LineageGraph) -> dict[str, dict]:
    """The node table as the XML formats carry it: missing text as the empty string."""
    table = node_table(g)
    text = [
        c
        for c in table.columns
        if table[c].dtype != bool and not pd.api.types.is_numeric_dtype(table[c])
    ]
    table[text] = table[text].astype(object).where(table[text].notna(), "")
    return {row.pop("id"): row for row in table.to_dict("records")}


def expected_edges(g: LineageGraph) -> list[tuple]:
    e = g.edges.assign(source=g.edge_sources())
    return sorted(zip(e["parent"], e["child"], e["relation"], e["source"], strict=True))


def nx_edges(G) -> list[tuple]:
    return sorted((u, v, d["relation"], d["source"]) for u, v, d in G.edges(data=True))


def same_attributes(got: dict, want: dict) -> None:
    for key, value in want.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key]), key
        else:
            assert got[key] == value and type(got[key]) is type(value), (key, got[key], value)


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_round_trip_through_networkx(tmp_path, fmt):
    g = tricky_graph()
    path = tmp_path / f"g.{fmt}"
    result = export_graph(g, path, format=fmt)
    assert result.nodes == g.n_models == 7 and result.edges == len(g.edges) == 7
    G = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(path)
    assert G.is_multigraph()  # a/ft -> a/gguf is declared twice, once per relation
    want = expected_nodes(g)
    assert set(G.nodes) == set(want)
    for node, attrs in want.items():
        same_attributes(G.nodes[node], attrs)
    assert nx_edges(G) == expected_edges(g)
    assert G.nodes["c/q&<x>"]["author"] == "c"
    assert G.nodes["b/merge"]["pipeline_tag"] == 'say "hi" & <bye>'
    assert G.nodes["gone/deleted"]["missing"] is True
    assert G.nodes["gone/deleted"]["created_at"] == ""
    assert G.nodes["org/base"]["created_at"] == "2023-01-15T10:00:00.000Z"
    # the counts in the file are the graph's reachability in the file
    simple = nx.DiGraph(G)
    for node in simple:
        assert simple.nodes[node]["transitive"] == len(nx.descendants(simple, node))
        assert simple.nodes[node]["direct"] == simple.out_degree(node)


def test_graphml_round_trip_through_igraph(tmp_path):
    g = tricky_graph()
    export_graph(g, tmp_path / "g.graphml", format="graphml")
    h = ig.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
    assert h.is_directed() and h.vcount() == g.n_models and h.ecount() == len(g.edges)
    want = expected_nodes(g)
    # igraph's reader leaves &amp; in an XML attribute as &#38; (Hub ids never hold a "&")
    names = [name.replace("&#38;", "&") for name in h.vs["id"]]
    for v, name in zip(h.vs, names, strict=True):
        attrs = want[name]
        for key in ("author", "created_at", "pipeline_tag", "library_name"):
            assert v[key] == attrs[key]
        for key in ("downloads", "likes", "direct", "transitive"):
            assert v[key] == attrs[key] or math.isnan(v[key]) and math.isnan(attrs[key])
        assert bool(v["missing"]) == attrs["missing"]
    got = sorted((names[e.source], names[e.target], e["relation"], e["source"]) for e in h.es)
    assert got == expected_edges(g)
    reach = [len(h.subcomponent(v, mode="out")) - 1 for v in range(h.vcount())]
    assert reach == [want[n]["transitive"] for n in names]


def test_edgelist_round_trip(tmp_path):
    g = tricky_graph()
    export_graph(g, tmp_path / "g.tsv", format="edgelist")
    G = nx.read_edgelist(
        tmp_path / "g.tsv",
        delimiter="\t",
        create_using=nx.MultiDiGraph,
        data=[("relation", str), ("source", str)],
    )
    assert nx_edges(G) == expected_edges(g)
    assert set(G) == set(g.ids) - {"solo"}  # an edge list has no isolated nodes


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_round_trip_through_pandas(tmp_path, fmt):
    g = tricky_graph()
    result = export_graph(g, tmp_path / "out", format=fmt)
    assert [p.name for p in result.paths] == [f"nodes.{fmt}", f"edges.{fmt}"]
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    nodes, edges = read(result.paths[0]), read(result.paths[1])
    assert list(nodes.columns) == NODE_ATTRIBUTES and list(edges.columns) == [
        "child",
        "parent",
        "relation",
        "source",
    ]
    want = node_table(g)
    pd.testing.assert_frame_equal(nodes, want, check_dtype=False)
    got = sorted(
        zip(edges["parent"], edges["child"], edges["relation"], edges["source"], strict=True)
    )
    assert got == expected_edges(g)


def test_family_export_with_direction_depth_and_relations(tmp_path):
    g = tricky_graph()
    path = tmp_path / "fam.graphml"
    export_graph(g, path, format="graphml", model="a/ft")
    G = nx.read_graphml(path)
    assert set(G) == {"a/ft", "b/merge", "c/q&<x>", "a/gguf"}
    assert G.number_of_edges() == 4  # induced: merge a/ft -> b/merge, q, gguf twice
    export_graph(g, path, format="graphml", model="a/ft", direction="up")
    assert set(nx.read_graphml(path)) == {"a/ft", "org/base"}
    export_graph(g, path, format="graphml", model="a/ft", direction="both", relations=["quantized"])
    G = nx.read_graphml(path)
    assert set(G) == {"a/ft", "c/q&<x>", "a/gguf"}
    assert {d["relation"] for _, _, d in G.edges(data=True)} == {"quantized"}
    # counts under the relation filter, over the whole graph
    assert G.nodes["a/ft"]["direct"] == 2 and G.nodes["a/ft"]["transitive"] == 2
    export_graph(g, path, format="graphml", model="org/base", depth=1)
    assert set(nx.read_graphml(path)) == {"org/base", "a/ft", "b/merge"}


def test_export_errors_are_usage_errors(tmp_path):
    g = tricky_graph()
    with pytest.raises(UsageError, match="relation"):
        export_graph(g, tmp_path / "x.graphml", format="graphml", relations=["nope"])
    with pytest.raises(UsageError, match="format"):
        export_graph(g, tmp_path / "x.graphml", format="dot")
    (tmp_path / "file").write_text("keep")
    with pytest.raises(UsageError, match="directory"):
        export_graph(g, tmp_path / "file", format="csv")
    assert (tmp_path / "file").read_text() == "keep"
    with pytest.raises(UsageError, match="direction and depth need a model"):
        export_graph(g, tmp_path / "x.graphml", format="graphml", depth=2)
    assert not list(tmp_path.glob("x.graphml*"))


def test_library_writers_accept_the_conversions(tmp_path):
    """A user's nx.write_graphml / write_gexf / igraph write_graphml keep every attribute."""
    g = tricky_graph()
    G = g.to_networkx()
    nx.write_graphml(G, tmp_path / "nx.graphml")
    nx.write_gexf(G, tmp_path / "nx.gexf")
    for back in (nx.read_graphml(tmp_path / "nx.graphml"), nx.read_gexf(tmp_path / "nx.gexf")):
        for node, data in G.nodes(data=True):
            for key, value in data.items():
                got = back.nodes[node][key]
                assert got == value or math.isnan(got) and math.isnan(value), (node, key)
        assert {(u, v): d["relation"] for u, v, d in back.edges(data=True)} == {
            (u, v): d["relation"] for u, v, d in G.edges(data=True)
        }
    assert G.nodes["org/base"]["created_at"] == "2023-01-15T10:00:00.000Z"
    h = g.to_igraph()
    h.write_graphml(str(tmp_path / "ig.graphml"))
    back = ig.Graph.Read_GraphML(str(tmp_path / "ig.graphml"))
    assert set(back.vs.attributes()) >= set(h.vs.attributes())
    assert back.vs["created_at"] == h.vs["created_at"]
    assert back.vs.find(name="org/base")["created_at"] == "2023-01-15T10:00:00.000Z"
    assert back.es["relation"] == h.es["relation"]
    assert back["snapshot_time"] == "2023-06-01T00:00:00.000Z"
    # from_networkx reads the stand-ins back as missing values
    again = LineageGraph.from_networkx(G)
    assert again.models.set_index("id").loc["gone/deleted", "created_at"] is pd.NaT


def test_crawled_snapshot_exports_its_edge_sources(tmp_path, local_hub):
    hub = simulate_hub(1500, seed=4)
    server = local_hub(hub.models)
    db = tmp_path / "hub.db"
    crawl(db, endpoint=server.endpoint)
    g = LineageGraph.from_db(db)
    export_graph(g, tmp_path / "g.gexf", format="gexf")
    G = nx.read_gexf(tmp_path / "g.gexf")
    sources = pd.Series([d["source"] for _, _, d in G.edges(data=True)]).value_counts()
    # simulate_hub: relation tags, 1% bare tags only; card references are not lineage
    assert set(sources.index) == {"relation_tag", "base_model_tag"}
    assert sources["relation_tag"] > 20 * sources["base_model_tag"] > 0
    with_meta = g.models.set_index("id")
    model = g.models.loc[~g.models["missing"], "id"].iloc[10]
    assert G.nodes[model]["downloads"] == with_meta.loc[model, "downloads"]
    assert G.nodes[model]["pipeline_tag"] == with_meta.loc[model, "pipeline_tag"]


def test_simulated_snapshot_counts_survive_the_round_trip(tmp_path):
    models, edges, _ = simulate_frames(20_000, seed=5)
    g = LineageGraph.from_frames(models, edges)
    export_graph(g, tmp_path / "g.graphml", format="graphml", chunk_size=3_000)
    export_graph(g, tmp_path / "pq", format="parquet", chunk_size=3_000)
    G = nx.read_graphml(tmp_path / "g.graphml")
    assert G.number_of_nodes() == g.n_models and G.number_of_edges() == len(g.edges)
    transitive = g.descendant_counts()
    big = transitive.nlargest(3).index
    for model in big:
        assert len(nx.descendants(G, model)) == transitive[model] == G.nodes[model]["transitive"]
    nodes = pd.read_parquet(tmp_path / "pq" / "nodes.parquet")
    assert nodes["transitive"].tolist() == transitive.tolist()
    assert nodes["author"].tolist() == [i.split("/")[0] for i in g.ids]
    assert nodes["fertile"].dtype == bool  # other model columns come along


# -- top ---------------------------------------------------------------------------------------
def test_top_models_matches_a_brute_force_ranking():
    models, edges, _ = simulate_frames(5_000, seed=6)
    g = LineageGraph.from_frames(models, edges)
    G = g.to_networkx(relations=["finetune"])
    transitive = {v: len(nx.descendants(G, v)) for v in G}
    direct = {v: len(set(G.successors(v))) for v in G}
    for by, first, second in (("transitive", transitive, direct), ("direct", direct, transitive)):
        table = top_models(g, by=by, relations=["finetune"], top=15)
        want = sorted(G, key=lambda v: (-first[v], -second[v], v))[:15]
        assert table["model"].tolist() == want
        assert table["rank"].tolist() == list(range(1, 16))
        assert table["direct"].tolist() == [direct[v] for v in want]
        assert table["transitive"].tolist() == [transitive[v] for v in want]
    author = table["author"].iloc[0]
    mine = top_models(g, author=author.upper(), top=None)
    assert len(mine) == sum(i.split("/")[0] == author for i in g.ids)
    assert top_models(g, author="nobody-here").empty


def test_cli_top_and_export(tmp_path, local_hub):
    hub = simulate_hub(1500, seed=7)
    server = local_hub(hub.models)
    db = tmp_path / "hub.db"
    crawl(db, endpoint=server.endpoint)
    runner = CliRunner()
    out = runner.invoke(main, ["top", "--db", str(db), "--top", "5", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert [list(r) for r in rows] == [
        ["rank", "model", "author", "created_at", "direct", "transitive"]
    ] * 5
    g = LineageGraph.from_db(db)
    counts = g.descendant_counts()
    assert [r["transitive"] for r in rows] == sorted(counts, reverse=True)[:5]
    assert all(counts[r["model"]] == r["transitive"] for r in rows)
    out = runner.invoke(
        main, ["top", "--db", str(db), "--by", "direct", "--format", "csv", "--top", "3"]
    )
    table = pd.read_csv(pd.io.common.StringIO(out.stdout))
    assert table["direct"].tolist() == sorted(g.descendant_counts("direct"), reverse=True)[:3]
    path = tmp_path / "all.graphml"
    out = runner.invoke(main, ["export", "--db", str(db), "-o", str(path)])
    assert out.exit_code == 0, out.output
    assert f"wrote {g.n_models:,} nodes and {len(g.edges):,} edges" in out.stderr
    assert nx.read_graphml(path).number_of_nodes() == g.n_models
    out = runner.invoke(main, ["export", "--db", str(db), "-o", str(tmp_path / "x.dot")])
    assert out.exit_code == 2 and out.stderr.count("\n") == 1 and "--format" in out.stderr
    out = runner.invoke(
        main,
        ["export", "no/such-model", "--db", str(db), "--format", "csv", "-o", str(tmp_path / "t")],
    )
    assert out.exit_code != 0 and "no/such-model" in out.stderr
    out = runner.invoke(main, ["export", "--db", str(db), "--depth", "2", "-o", str(path)])
    assert out.exit_code == 2 and "--direction and --depth need a model" in out.stderr
    assert not (tmp_path / "t").exists()
    model = rows[0]["model"]
    out = runner.invoke(
        main,
        [
            "export",
            model,
            "--db",
            str(db),
            "--format",
            "parquet",
            "-o",
            str(tmp_path / "fam"),
            "--relation",
            "finetune",
            "--depth",
            "1",
        ],
    )
    assert out.exit_code == 0, out.output
    nodes = pd.read_parquet(tmp_path / "fam" / "nodes.parquet")
    assert set(nodes["id"]) == {model, *g.children(model, relations=["finetune"])}
    assert np.all(pd.read_parquet(tmp_path / "fam" / "edges.parquet")["relation"] == "finetune")


def test_docstring_examples_run():
    import doctest

    import lineage.graph.convert
    import lineage.graph.export

    for module in (lineage.graph.export, lineage.graph.convert):
        assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("fmt", ["graphml", "parquet"])
def test_an_interrupted_export_keeps_the_earlier_file(tmp_path, fmt):
    models, edges, _ = simulate_frames(3_000, seed=1)
    g = LineageGraph.from_frames(models, edges)
    path = tmp_path / ("g.graphml" if fmt == "graphml" else "tables")
    export_graph(g, path, format=fmt)
    before = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def stop(p):
        if p.stage == "nodes" and p.done < p.total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_graph(g.as_of("2024-01"), path, format=fmt, chunk_size=500, progress=stop)
    after = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before and not list(tmp_path.rglob("*.part"))
