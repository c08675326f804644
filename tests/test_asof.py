"""Time travel: LineageGraph.as_of equals a crawl of the Hub as it stood at that date, and the
--as-of option of the reading commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from lineage.errors import UsageError
from lineage.graph import LineageGraph
from lineage.graph.calendar import end_of
from lineage.hub.crawl import crawl
from lineage.hub.store import Store
from lineage.sim.simulate import simulate_frames, simulate_hub


def lowered(graph: LineageGraph) -> dict:
    """Nodes, edges, attributes and counts keyed by lower-case id: a crawl names a missing
    parent as its earliest child wrote the reference, which may differ in letter case."""
    low = pd.Series(graph.ids).str.lower().to_numpy()
    models = graph.models.assign(key=low).set_index("key")
    edges = graph.edges.assign(source=graph.edge_sources())
    cols = ["created_at", "author", "downloads", "likes", "pipeline_tag", "library_name", "missing"]
    return {
        "nodes": models[cols].sort_index(),
        "edges": sorted(
            zip(
                edges["child"].str.lower(),
                edges["parent"].str.lower(),
                edges["relation"],
                edges["source"],
                strict=True,
            )
        ),
        "direct": dict(zip(low, graph.descendant_counts("direct"), strict=True)),
        "transitive": dict(zip(low, graph.descendant_counts(), strict=True)),
        "curves": graph.growth_curves(scope="transitive")
        .assign(model=lambda f: f["model"].str.lower())
        .sort_values(["model", "month"], ignore_index=True),
    }


@pytest.fixture(scope="module")
def hub():
    return simulate_hub(3000, seed=14)  # a seed with re-uploaded parents


def ghost_cut(graph: LineageGraph) -> str:
    """A day after which a re-uploaded parent (dated after one of its derivatives) was
    created, near the middle of the graph's history."""
    created = graph.models.set_index("id")["created_at"]
    e = graph.edges
    child_t = pd.DatetimeIndex(created[e["child"]].to_numpy())
    parent_t = pd.DatetimeIndex(created[e["parent"]].to_numpy())
    late = np.flatnonzero(parent_t > child_t + pd.Timedelta(days=2))
    assert len(late), "the simulated hub has re-uploaded parents"
    middle = created.sort_values().iloc[len(created) // 2]
    pick = late[np.argmin(np.abs((child_t[late] - middle).total_seconds()))]
    return f"{child_t[pick]:%Y-%m-%d}"


def test_as_of_equals_a_crawl_of_the_hub_on_that_date(tmp_path, local_hub, hub):
    full_db, then_db = tmp_path / "full.db", tmp_path / "then.db"
    crawl(full_db, endpoint=local_hub(hub.models).endpoint)
    full = LineageGraph.from_db(full_db)
    day = ghost_cut(full)
    end = end_of(day)
    existing = [m for m in hub.models if pd.Timestamp(m["createdAt"]) <= end]
    assert 0.2 * len(hub.models) < len(existing) < 0.9 * len(hub.models)
    crawl(then_db, endpoint=local_hub(existing).endpoint)
    with Store(then_db, readonly=True) as store:
        crawled = LineageGraph.from_frames(
            store.models_frame(), store.edges_frame(), snapshot_time=end
        )
    old = full.as_of(day)
    assert old.snapshot_time == end and old.snapshot_month == f"{end:%Y-%m}"
    assert old.n_models == crawled.n_models < full.n_models
    want, got = lowered(crawled), lowered(old)
    pd.testing.assert_frame_equal(got["nodes"], want["nodes"])
    assert got["edges"] == want["edges"]
    assert got["direct"] == want["direct"] and got["transitive"] == want["transitive"]
    pd.testing.assert_frame_equal(got["curves"], want["curves"])
    # the re-uploaded parent: listed today, a missing node on that date
    ghosts = set(old.ids[old.models["missing"]]) & set(full.ids[~full.models["missing"]])
    assert ghosts
    # what was not there yet is left out, what was is kept
    late = full.models.loc[full.models["created_at"] > end, "id"]
    assert not (set(late) - ghosts) & set(old.ids)


def test_as_of_on_simulated_frames_equals_the_frames_cut():
    models, edges, _ = simulate_frames(30_000, seed=12)
    g = LineageGraph.from_frames(models, edges, snapshot_time="2026-10-31T23:59:59Z")
    for day in ("2023-06", "2025-02-14"):
        end = end_of(day)
        keep = models[models["created_at"] <= end]
        cut = LineageGraph.from_frames(
            keep, edges[edges["child"].isin(keep["id"])], snapshot_time=end
        )
        old = g.as_of(day)
        assert old.ids.tolist() == cut.ids.tolist()
        pd.testing.assert_frame_equal(old.edges, cut.edges)
        assert old.descendant_counts().equals(cut.descendant_counts())
        assert old.descendant_counts("direct").equals(cut.descendant_counts("direct"))
        pd.testing.assert_frame_equal(old.growth_curves(), cut.growth_curves())
        month_done = len(day) == 7  # a month's end completes it, a day's does not
        assert (old.last_complete_month == f"{end:%Y-%m}") == month_done


def test_as_of_edges_of_the_calendar():
    models = pd.DataFrame(
        {
            "id": ["b", "f", "q"],
            "created_at": [
                "2024-01-31T23:59:59.999Z",
                "2024-02-01T00:00:00.000Z",
                "2024-02-10T12:00:00.000Z",
            ],
        }
    )
    edges = pd.DataFrame({"child": ["f", "q"], "parent": ["b", "f"]})
    g = LineageGraph.from_frames(models, edges, snapshot_time="2024-03-01")
    assert g.as_of("2024-01").ids.tolist() == ["b"]
    assert g.as_of("2024-02-01").ids.tolist() == ["b", "f"]
    assert g.as_of("2024-02-10T11:59:59Z").ids.tolist() == ["b", "f"]
    assert g.as_of("2024-02").descendant_counts().tolist() == [2, 1, 0]
    assert g.as_of("2030-01") is g  # after the snapshot: the snapshot itself
    empty = g.as_of("2020-05")
    assert empty.n_models == 0 and empty.edges.empty and empty.snapshot_month == "2020-05"
    for bad in ("2024-13", "yesterday", "2024-02-30"):
        with pytest.raises(UsageError, match="YYYY-MM"):
            g.as_of(bad)


def test_reading_commands_take_as_of(tmp_path, local_hub, hub):
    db = tmp_path / "hub.db"
    crawl(db, endpoint=local_hub(hub.models).endpoint)
    g = LineageGraph.from_db(db)
    day = "2024-09"
    old = g.as_of(day)
    runner = CliRunner()

    def run(*args):
        out = runner.invoke(main, [*args, "--db", str(db), "--as-of", day])
        assert out.exit_code == 0, out.output
        return out.stdout

    for command in ("info", "curves", "family", "top", "orgs", "fit", "rank", "html", "export"):
        assert "--as-of" in runner.invoke(main, [command, "--help"]).stdout
    assert f"{(~old.models['missing']).sum():,} listed" in run("info")
    rows = json.loads(run("top", "--format", "json", "--top", "3"))
    assert [r["transitive"] for r in rows] == sorted(old.descendant_counts(), reverse=True)[:3]
    model = rows[0]["model"]
    assert max(g.descendant_counts()[model], 1) >= rows[0]["transitive"]
    curve = pd.read_csv(pd.io.common.StringIO(run("curves", model)))
    assert curve["month"].iloc[-1] == day
    assert curve["cumulative"].iloc[-1] == old.descendant_counts()[model]
    family = pd.read_csv(pd.io.common.StringIO(run("family", model, "--format", "csv")))
    assert len(family) == old.descendant_counts()[model] + 1
    run("export", "--format", "csv", "-o", str(tmp_path / "then"))
    nodes = pd.read_csv(tmp_path / "then" / "nodes.csv")
    assert len(nodes) == old.n_models and nodes["created_at"].dropna().max() <= "2024-09-30T24"
    fit = pd.read_csv(pd.io.common.StringIO(run("fit", model, "--horizon", "2", "--format", "csv")))
    assert (fit["quantity"] == "cumulative").sum() == 2
    orgs = pd.read_csv(pd.io.common.StringIO(run("orgs", "--format", "csv", "--top", "1")))
    assert orgs["transitive"].iloc[0] <= LineageGraph.from_db(db).descendant_counts().sum()
    page = tmp_path / "page.html"
    run("html", model, "-o", str(page), "--fit-top", "0")
    assert page.stat().st_size > 1000
    out = runner.invoke(main, ["top", "--db", str(db), "--as-of", "2024-13"])
    assert out.exit_code == 2 and out.stderr.count("\n") == 1 and "YYYY-MM" in out.stderr


def test_docstring_examples_run():
    import doctest

    import lineage.graph.calendar

    assert doctest.testmod(lineage.graph.calendar).failed == 0
    runner = doctest.DocTestRunner()
    for method in (LineageGraph.as_of, LineageGraph.edge_sources):
        for test in doctest.DocTestFinder().find(
            method, globs={"LineageGraph": LineageGraph, "pd": pd}
        ):
            runner.run(test)
    assert runner.tries >= 4 and runner.failures == 0
