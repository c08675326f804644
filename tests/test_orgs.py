"""Organisations: distinct derivatives per author against networkx brute force on random DAGs,
monthly organisation curves, fitting them, and the `orgs` / `fit --org` commands."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from growth import fit_many
from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.graph.orgs import ORG_COLUMNS, model_authors, org_curves, org_table
from lineage.hub.crawl import crawl
from lineage.sim.simulate import simulate_frames, simulate_hub

RELATIONS = ["finetune", "adapter", "quantized", "merge"]


def random_graph(seed: int) -> LineageGraph:
    """A random DAG: 4 authors, 0-3 parents each (earlier models), missing parents,
    rows shuffled so that primary parents are not the oldest."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(15, 70))
    authors = np.array(["meta", "x", "y", "z"])[rng.integers(0, 4, n)]
    ids = [f"{a}/m{i}" for i, a in enumerate(authors)]
    created = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 500, n)), unit="D"
    )
    rows = []
    for i in range(1, n):
        for p in rng.choice(i, size=min(i, int(rng.integers(0, 4))), replace=False):
            rows.append((ids[i], ids[p], RELATIONS[int(rng.integers(0, 4))]))
        if rng.random() < 0.05:
            rows.append((ids[i], f"{rng.choice(['meta', 'w'])}/gone{i % 3}", "finetune"))
    order = rng.permutation(n)
    models = pd.DataFrame({"id": ids, "created_at": created}).iloc[order]
    edges = pd.DataFrame(rows, columns=["child", "parent", "relation"])
    return LineageGraph.from_frames(models, edges)


def brute_force(g: LineageGraph, relations=None) -> pd.DataFrame:
    G = nx.DiGraph()
    G.add_nodes_from(g.ids)
    e = g.edges_with(relations)
    G.add_edges_from(zip(e["parent"], e["child"], strict=True))
    author = dict(zip(g.ids, model_authors(g), strict=True))
    listed = dict(zip(g.ids, ~g.models["missing"], strict=True))
    rows = []
    for a in sorted(set(author.values())):
        mine = [v for v in G if author[v] == a]
        direct = set().union(*(G.successors(v) for v in mine))
        below = set().union(*(nx.descendants(G, v) for v in mine))
        rows.append(
            {
                "author": a,
                "models": sum(listed[v] for v in mine),
                "direct": len(direct),
                "direct_by_others": sum(author[v] != a for v in direct),
                "direct_by_self": sum(author[v] == a for v in direct),
                "transitive": len(below),
                "transitive_by_others": sum(author[v] != a for v in below),
                "transitive_by_self": sum(author[v] == a for v in below),
            }
        )
    return pd.DataFrame(rows, columns=ORG_COLUMNS)


@pytest.mark.parametrize("seed", range(40))
def test_org_table_equals_brute_force_on_random_dags(seed):
    g = random_graph(seed)
    for relations in (None, ["finetune", "merge"]):
        got = org_table(g, relations=relations).sort_values("author", ignore_index=True)
        pd.testing.assert_frame_equal(got, brute_force(g, relations), check_dtype=False)


def test_org_table_on_a_simulated_hub_and_sorting():
    models, edges, _ = simulate_frames(8_000, seed=3)
    g = LineageGraph.from_frames(models, edges)
    got = org_table(g).sort_values("author", ignore_index=True)
    pd.testing.assert_frame_equal(got, brute_force(g), check_dtype=False)
    by_others = org_table(g, by="transitive_by_others")
    assert by_others["transitive_by_others"].is_monotonic_decreasing
    assert by_others["models"].sum() == g.n_models
    # an organisation counts a derivative once, so never more than its models' sum
    per_model = g.descendant_counts().groupby(model_authors(g)).sum()
    top = by_others.iloc[0]
    assert top["transitive"] <= per_model[top["author"]]
    with pytest.raises(UsageError, match="by must be one of .*, got"):
        org_table(g, by="likes")


def _brute_curve(g: LineageGraph, author: str, scope: str) -> list[int]:
    G = g.to_networkx()
    authors = dict(zip(g.ids, model_authors(g), strict=True))
    mine = [v for v in G if authors[v] == author]
    reach = (
        set().union(*(G.successors(v) for v in mine))
        if scope == "direct"
        else set().union(*(nx.descendants(G, v) for v in mine))
    )
    month = g.release_months
    first = min(month[v] for v in mine)
    all_months = pd.period_range(first, g.snapshot_month, freq="M").strftime("%Y-%m").tolist()
    counted = pd.Series([max(month[v], first) for v in reach], dtype=object).value_counts()
    return np.cumsum([int(counted.get(m, 0)) for m in all_months]).tolist()


@pytest.mark.parametrize("seed", range(8))
def test_org_curves_equal_brute_force(seed):
    g = random_graph(seed)
    for scope in ("transitive", "direct"):
        frame = org_curves(g, ["meta", "X"], scope=scope, running_month=True)
        assert list(frame.columns) == [
            "model",
            "scope",
            "month",
            "age_months",
            "count",
            "cumulative",
            "complete",
        ]
        for author, want_author in (("meta", "meta"), ("X", "x")):
            got = frame[frame["model"] == author]
            assert got["cumulative"].tolist() == _brute_curve(g, want_author, scope)
            assert got["age_months"].tolist() == list(range(len(got)))


def test_org_curves_fit_like_a_model_and_errors():
    models, edges, _ = simulate_frames(20_000, seed=8)
    g = LineageGraph.from_frames(models, edges)
    table = org_table(g)
    authors = table["author"].head(3).tolist()
    curves = org_curves(g, authors, scope="transitive", running_month=True)
    last = curves.groupby("model", sort=False)["cumulative"].last()
    assert last.to_dict() == table.set_index("author").loc[authors, "transitive"].to_dict()
    fits = fit_many(g.complete_months(curves))
    assert sorted(fits["model"]) == sorted(authors)
    assert fits["status"].isin(["ok", "not-yet-saturating", "too-short"]).all()
    with pytest.raises(UsageError, match="no model by author"):
        org_curves(g, ["nobody"])


@pytest.fixture
def crawled(tmp_path, local_hub):
    hub = simulate_hub(2000, seed=9)
    server = local_hub(hub.models)
    db = tmp_path / "hub.db"
    crawl(db, endpoint=server.endpoint)
    return db


def test_cli_orgs_and_fit_org(crawled):
    runner = CliRunner()
    out = runner.invoke(main, ["orgs", "--db", str(crawled), "--top", "4", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    g = LineageGraph.from_db(crawled)
    want = org_table(g).head(4)
    assert [r["author"] for r in rows] == want["author"].tolist()
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert list(rows[0]) == ["rank", *ORG_COLUMNS]
    out = runner.invoke(
        main, ["orgs", "--db", str(crawled), "--by", "models", "--top", "2", "--format", "csv"]
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0].startswith("rank,author,models")
    top = rows[0]["author"]
    out = runner.invoke(
        main, ["fit", top, "--org", "--db", str(crawled), "--horizon", "3", "--format", "csv"]
    )
    assert out.exit_code == 0, out.output
    fit = pd.read_csv(pd.io.common.StringIO(out.stdout))
    assert set(fit["model"]) == {top}
    assert (fit["quantity"] == "cumulative").sum() == 3
    out = runner.invoke(main, ["fit", "no-such-org", "--org", "--db", str(crawled)])
    assert out.exit_code != 0 and "no model by author" in out.stderr


def test_docstring_examples_run():
    import doctest

    import lineage.graph.orgs

    assert doctest.testmod(lineage.graph.orgs).failed == 0
