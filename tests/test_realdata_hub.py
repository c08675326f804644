"""Real Hub listing rows (../shared/data/hubstats, skipped where absent): crawled through the
CLI from ``python -m lineage.hubserver --items``, the graph's edges must be the Hub's own
resolved parents (the rows' ``baseModels``)."""

from __future__ import annotations

import gzip
import json
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli import main
from lineage.graph import LineageGraph
from lineage.hub.store import Store

# ../shared/data/hubstats beside the checkout (main, or a worktree one level deeper)
ITEMS = next(
    (
        p / "shared" / "data" / "hubstats" / "items.json.gz"
        for p in pathlib.Path(__file__).resolve().parents[2:4]
        if (p / "shared" / "data" / "hubstats" / "items.json.gz").exists()
    ),
    pathlib.Path("../shared/data/hubstats/items.json.gz"),
)
ROOT = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not ITEMS.exists(), reason="hub-stats sample not present")


def hub_parents(rows: list[dict]) -> set[tuple[str, str, str]]:
    """(child, parent, relation) as the Hub resolves them, self-parents excluded."""
    out = set()
    for row in rows:
        resolved = row.get("baseModels") or {}
        for parent in resolved.get("models") or ():
            if parent["id"] != row["id"]:
                out.add((row["id"], parent["id"], resolved["relation"]))
    return out


@pytest.fixture(scope="module")
def served():
    proc = subprocess.Popen(
        [sys.executable, "-m", "lineage.hubserver", "--items", str(ITEMS), "--max-limit", "500"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = proc.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:"), proc.stderr.read()
        yield endpoint
    finally:
        proc.terminate()
        proc.wait()


def test_crawled_edges_are_the_hubs_resolved_parents(tmp_path, served):
    with gzip.open(ITEMS, "rt") as handle:
        rows = json.load(handle)
    db = tmp_path / "hub.db"
    out = CliRunner().invoke(main, ["crawl", "--db", str(db), "--endpoint", served])
    assert out.exit_code == 0, out.output
    graph = LineageGraph.from_db(db)
    edges = graph.edges
    got = set(zip(edges["child"], edges["parent"], edges["relation"], strict=True))
    truth = hub_parents(rows)
    pairs, true_pairs = {g[:2] for g in got}, {t[:2] for t in truth}
    precision = len(pairs & true_pairs) / len(pairs)
    recall = len(pairs & true_pairs) / len(true_pairs)
    assert precision >= 0.999 and recall >= 0.999, (precision, recall)
    assert len(got & truth) / len(truth) >= 0.999  # relations too
    with Store(db, readonly=True) as st:
        info, report = st.info(), st.crawl_report()
    assert info["models"] == len(rows) and report["skipped"] == {}
    self_parents = sum(
        any(p["id"] == r["id"] for p in (r.get("baseModels") or {}).get("models") or ())
        for r in rows
    )
    assert info["self_loops"] == self_parents
    floor = {"2022-03-02T23:29:04.000Z", "2022-03-02T23:29:05.000Z"}
    assert report["floor_dated"] == sum(r["createdAt"] in floor for r in rows) > 0
    # an update re-lists the newest pages; parents already known missing are not asked about
    out = CliRunner().invoke(main, ["crawl", "--db", str(db), "--endpoint", served])
    assert out.exit_code == 0 and "incremental crawl finished" in out.output, out.output
    assert "lookups" not in out.output


def test_card_refs_stay_out_of_the_hubs_lineage(tmp_path, served):
    db = tmp_path / "cards.db"
    out = CliRunner().invoke(main, ["crawl", "--db", str(db), "--endpoint", served, "--card-refs"])
    assert out.exit_code == 0, out.output
    with Store(db, readonly=True) as st:
        report = st.crawl_report()
        card = st.card_edges_frame()
    assert report["card_refs_stored"] > 0 and report["card_refs_listed"] == len(card)
    listed = set(LineageGraph.from_db(db).ids)
    both = LineageGraph.from_db(db, sources=("tags", "card"))
    assert set(both.ids) == listed  # card references never add a (phantom) node
    assert not any("/" not in p for p in card["parent"] if p not in listed)


def test_edges_of_long_legacy_ids_are_kept(tmp_path):
    from lineage.hub.client import parse_page

    long_id = "espnet/kamo-naoyuki_dirha_wsj_asr_train_asr_transformer_cmvn_raw_char_rir_" + (
        "scpdata_dirha_real_valid.acc.ave" * 5
    )
    assert len(long_id) > 200
    page = parse_page(
        [
            {"_id": "1", "id": "me/x", "tags": [f"base_model:finetune:{long_id}"]},
            {"_id": "2", "id": long_id},
        ]
    )
    assert page.edges == [("1", long_id, long_id.lower(), "finetune", "relation_tag")]
