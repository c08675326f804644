"""lineage.hub.crawl and the crawl/info commands, against LocalHub: full, incremental, resumed."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import bad_db_files, generate_models, hub_model
from test_store import KNOWN, check_known_snapshot, day

from cli import main
from lineage.errors import (
    CrawlStateError,
    HubHTTPError,
    HubUnreachableError,
    MalformedPageError,
)
from lineage.hub.client import HubClient
from lineage.hub.crawl import CrawlProgress, crawl
from lineage.hub.store import Store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EDITED = "2026-12-01T00:00:00.000Z"


def client(hub, retries: int = 2) -> HubClient:
    return HubClient(hub.endpoint, max_retries=retries, base_wait_time=0.01, max_wait_time=0.02)


def frames(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(path, readonly=True) as st:
        return st.models_frame(), st.edges_frame()


def assert_same_snapshot(a, b) -> None:
    for left, right in zip(frames(a), frames(b), strict=True):
        pd.testing.assert_frame_equal(left, right)


def test_full_crawl_of_known_graph(tmp_path, local_hub):
    hub = local_hub(copy.deepcopy(KNOWN), max_limit=2)  # children arrive pages before parents
    records = []
    result = crawl(tmp_path / "hub.db", client=client(hub), progress=records.append)
    assert (result.mode, result.resumed, result.pages, result.models) == ("full", False, 8, 15)
    assert [(p.stage, p.total) for p in records if not isinstance(p, CrawlProgress)] == [
        ("commit", None)]  # the one wait without pages: committing and caching the graph
    progress = [p for p in records if isinstance(p, CrawlProgress)]
    assert [p.pages for p in progress] == list(range(1, 9)) + [8]
    assert progress[-1].finished and not any(p.finished for p in progress[:-1])
    assert progress[3].models == progress[3].done == 8 and progress[3].rate > 0
    assert progress[3].stage == "crawl" and "4 pages, 8 models" in progress[3].message
    with Store(tmp_path / "hub.db", readonly=True) as st:
        check_known_snapshot(st)
        run = st.last_complete_run()
        assert (run.endpoint, run.mode, run.models_seen, run.pages) == (hub.endpoint, "full", 15, 8)


def test_incremental_rerun_catches_new_edited_and_removed_lineage(tmp_path, local_hub):
    hub = local_hub(copy.deepcopy(KNOWN), max_limit=2)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    models = copy.deepcopy(KNOWN)
    models.append(hub_model(16, "n/new", day(20), ["a/lora"], "adapter"))
    edited = {m["id"]: m for m in models}
    # an old model re-declares its lineage; another drops one of its two parents
    edited["a/q"].update(tags=["base_model:finetune:org/other-base"], lastModified=EDITED)
    edited["m/merged"].update(tags=["base_model:merge:Org/Base"], lastModified=EDITED)
    hub.models = models
    before = len(hub.listing_requests)
    result = crawl(db, client=client(hub))
    assert result.mode == "incremental" and result.models < len(models)
    assert len(hub.listing_requests) - before <= 5  # probe + 1 page new + 3 pages modified
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)
    _, edges = frames(db)
    assert edges[edges["child"] == "a/q"]["parent"].tolist() == ["org/other-base"]
    assert edges[edges["child"] == "m/merged"]["parent"].tolist() == ["Org/Base"]
    assert "n/new" in set(edges["child"])


def test_full_recrawl_keeps_old_snapshot_until_commit(tmp_path, local_hub):
    hub = local_hub(copy.deepcopy(KNOWN), max_limit=2)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    hub.models = [m for m in copy.deepcopy(KNOWN) if m["id"] != "x/orphan2"]
    hub.fail("malformed", after=3)  # the probe and two pages go through, the third breaks
    with pytest.raises(MalformedPageError):
        crawl(db, client=client(hub), full=True)
    with Store(db, readonly=True) as st:
        check_known_snapshot(st)  # the old snapshot, still whole
        assert st.pending_run().pages == 2
    result = crawl(db, client=client(hub))
    assert result.resumed and result.mode == "full" and result.pages == 5
    models, edges = frames(db)
    assert "x/orphan2" not in set(models["id"]) and len(edges) == 12
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)


def test_malformed_page_and_429_storm_lose_nothing_and_resume_exactly(tmp_path, local_hub):
    models = generate_models(600, seed=3)
    hub = local_hub(models, max_limit=50)
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    db = tmp_path / "hub.db"
    hub.fail("malformed", after=5)
    with pytest.raises(MalformedPageError):
        crawl(db, client=client(hub))
    hub.fail(429, 2, after=3, reset=0)  # past the client's single retry
    with pytest.raises(HubHTTPError, match="429"):
        crawl(db, client=client(hub, retries=1))
    with Store(db, readonly=True) as st:
        assert st.pending_run().pages == 4 + 3 and st.models_frame().empty
    assert crawl(db, client=client(hub)).resumed
    assert_same_snapshot(db, reference)


def test_endpoint_mismatch_and_max_models(tmp_path, local_hub):
    hub = local_hub(generate_models(120, seed=1), max_limit=50)
    other = local_hub(generate_models(10, seed=2))
    db = tmp_path / "hub.db"
    result = crawl(db, client=client(hub), max_models=70)
    assert result.models == 70 and result.pages == 2
    assert frames(db)[0]["missing"].eq(False).sum() == 70
    with pytest.raises(CrawlStateError, match="--full"):
        crawl(db, client=client(other))
    hub.fail("malformed", after=2)
    with pytest.raises(MalformedPageError):
        crawl(db, client=client(hub), full=True)
    with pytest.raises(CrawlStateError, match="unfinished crawl"):
        crawl(db, client=client(other))
    assert crawl(db, client=client(other), full=True).models == 10


def test_one_crawl_at_a_time(tmp_path, local_hub):
    hub = local_hub(copy.deepcopy(KNOWN))
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    with Store(db) as st, st.crawl_lock():
        with pytest.raises(CrawlStateError, match="another crawl"):
            crawl(db, client=client(hub))
    assert crawl(db, client=client(hub)).mode == "incremental"


def test_cli_crawl_info_and_token_never_stored(tmp_path, local_hub):
    hub = local_hub(copy.deepcopy(KNOWN), max_limit=4)
    db = tmp_path / "hub.db"
    runner = CliRunner()
    out = runner.invoke(main, ["crawl", "--db", str(db), "--endpoint", hub.endpoint,
                               "--token", "hf_SecretToken123"])
    assert out.exit_code == 0, out.output
    assert "15 models in 4 pages" in out.output and "models/s" in out.output
    assert all(r["headers"].get("authorization") == "Bearer hf_SecretToken123"
               for r in hub.listing_requests)
    for f in tmp_path.rglob("*"):  # the snapshot, its WAL and its graph cache
        assert f.is_dir() or b"hf_SecretToken123" not in f.read_bytes()
    out = runner.invoke(main, ["info", "--db", str(db)])
    assert out.exit_code == 0, out.output
    text = out.output
    for expected in ["15 listed", "1 (referenced", "13 (adapter 2, distillation 1, finetune 4,",
                     "Self-loops      1 dropped", "Invalid refs    1",
                     "Cycles          1 (2 models)", "2023-01-01 .. 2023-01-15",
                     "Crawl state     complete", hub.endpoint]:
        assert expected in text, text


def test_cli_errors_are_one_line_with_exit_codes(tmp_path):
    runner = CliRunner()
    bad, foreign = bad_db_files(tmp_path)
    for args, code in [
        (["info", "--db", str(tmp_path / "none.db")], 2),
        (["info", "--db", str(bad)], 1),
        (["crawl", "--db", str(bad), "--endpoint", "http://127.0.0.1:9"], 1),
        (["crawl", "--db", str(foreign), "--endpoint", "http://127.0.0.1:9"], 2),
    ]:
        out = runner.invoke(main, args)
        assert out.exit_code == code, out.output
        assert out.output.startswith("Error: ") and out.output.count("\n") == 1, out.output


def test_unreachable_endpoint_keeps_the_snapshot(tmp_path, local_hub):
    hub = local_hub(copy.deepcopy(KNOWN))
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    hub.stop()
    with pytest.raises(HubUnreachableError, match="cannot reach"):
        crawl(db, client=client(hub, retries=1))
    with Store(db, readonly=True) as st:
        check_known_snapshot(st)


def test_kill_9_mid_crawl_then_resume_gives_the_uninterrupted_snapshot(tmp_path, local_hub):
    hub = local_hub(generate_models(3000, seed=7), max_limit=100, page_delay=0.03)
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "--db", str(db), "--endpoint", hub.endpoint],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    pages = 0
    while time.monotonic() < deadline and pages < 5:
        time.sleep(0.02)
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                row = con.execute("SELECT pages FROM runs WHERE status = 'running'").fetchone()
                con.close()
                pages = row[0] if row else 0
            except sqlite3.OperationalError:
                pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and pages >= 5
    with Store(db, readonly=True) as st:
        pending = st.pending_run()
        assert pending is not None and 5 <= pending.pages < 30
        assert pending.models_seen == pending.pages * 100 and st.models_frame().empty
    out = CliRunner().invoke(main, ["info", "--db", str(db)])
    assert out.exit_code == 0 and "unfinished full crawl" in out.output, out.output
    assert "Models          0 listed" in out.output
    hub.page_delay = 0.0
    result = crawl(db, client=client(hub))
    assert result.resumed and result.pages == 30 - pending.pages
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)
    with Store(db, readonly=True) as st:
        assert st.info()["models"] == 3000 and st.last_complete_run().models_seen == 3000
    assert timedelta(0) < pd.Timestamp.now(tz="UTC") - frames(db)[0]["created_at"].max()


def test_hubserver_module_serves_the_simulated_hub(tmp_path, local_hub):
    simulate = pytest.importorskip("lineage.sim.simulate")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lineage.sim.hubserver", "--models", "1500", "--seed", "3"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        endpoint = proc.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        result = crawl(tmp_path / "served.db", endpoint=endpoint)
    finally:
        proc.terminate()
        proc.wait()
    assert result.models == 1500 and result.pages == 2
    models = simulate.simulate_hub(1500, 3).models
    crawl(tmp_path / "direct.db", client=client(local_hub(models)))
    assert_same_snapshot(tmp_path / "served.db", tmp_path / "direct.db")
    declared = sum(
        "base_model:" in str(m.get("tags")) or "base_model" in (m.get("cardData") or {})
        for m in models
    )
    listed, edges = frames(tmp_path / "served.db")
    assert (~listed["missing"]).sum() == 1500 and 0 < edges["child"].nunique() <= declared
