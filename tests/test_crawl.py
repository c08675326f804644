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
    ForeignOriginError,
    HubHTTPError,
    HubUnreachableError,
    MalformedPageError,
    PaginationLoopError,
    RateLimitWaitError,
)
from lineage.graph import LineageGraph
from lineage.hub.client import HubClient
from lineage.hub.crawl import CrawlProgress, crawl
from lineage.hub.store import Store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EDITED = "2026-12-01T00:00:00.000Z"


def client(hub, retries: int = 2, token: str | None = None, max_wait: float = 300) -> HubClient:
    return HubClient(
        hub.endpoint,
        token,
        max_retries=retries,
        base_wait_time=0.01,
        max_wait_time=0.02,
        max_wait=max_wait,
    )


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
        ("commit", None)
    ]  # the one wait without pages: committing and caching the graph
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
    assert "x/orphan2" not in set(models["id"]) and len(edges) == 10
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
    assert result.models == 100 and result.pages == 2
    assert frames(db)[0]["missing"].eq(False).sum() == 100
    with pytest.raises(CrawlStateError, match="unfinished crawl.*--full"):
        crawl(db, client=client(other))
    assert crawl(db, client=client(other), full=True).models == 10
    hub.fail("malformed", after=2)
    with pytest.raises(MalformedPageError):
        crawl(db, client=client(hub), full=True)
    with pytest.raises(CrawlStateError, match="unfinished crawl"):
        crawl(db, client=client(other))
    with Store(db, readonly=True) as st:  # the complete snapshot of `other` is still the one read
        assert st.completeness().complete and len(st.models_frame()) == 10


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
    out = runner.invoke(
        main, ["crawl", "--db", str(db), "--endpoint", hub.endpoint, "--token", "hf_SecretToken123"]
    )
    assert out.exit_code == 0, out.output
    assert "15 models in 4 pages" in out.output and "models/s" in out.output
    assert all(
        r["headers"].get("authorization") == "Bearer hf_SecretToken123"
        for r in hub.listing_requests
    )
    for f in tmp_path.rglob("*"):  # the snapshot, its WAL and its graph cache
        assert f.is_dir() or b"hf_SecretToken123" not in f.read_bytes()
    out = runner.invoke(main, ["info", "--db", str(db)])
    assert out.exit_code == 0, out.output
    text = out.output
    for expected in [
        "15 listed",
        "1 (referenced",
        "11 (adapter 2, distillation 1, finetune 5,",
        "Self-loops      1 dropped",
        "Invalid refs    1",
        "Cycles          1 (2 models)",
        "2023-01-01 .. 2023-01-15",
        "Crawl state     complete",
        hub.endpoint,
    ]:
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
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
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


# -- identity over time: renames, re-uploads, first looks ------------------------------------
def family(n_children: int = 6) -> list[dict]:
    """A base, its children and grandchildren, and an unrelated model."""
    models = [hub_model(1, "THUDM/glm-4", day(0)), hub_model(2, "other/solo", day(1))]
    for i in range(n_children):
        models.append(
            hub_model(
                10 + i,
                f"kid{i}/ft",
                day(2 + i),
                ["THUDM/glm-4"],
                "finetune" if i % 2 else "quantized",
            )
        )
    for i in range(3):
        models.append(hub_model(30 + i, f"grand{i}/lora", day(20 + i), [f"kid{i}/ft"], "adapter"))
    return models


@pytest.mark.parametrize("touch_modified", [False, True])
def test_rename_keeps_the_family_whole_under_the_new_name(tmp_path, local_hub, touch_modified):
    hub = local_hub(family(), max_limit=4)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub, token="hf_Secret"))
    # the Hub renames the base: same _id, children's tags rewritten, their lastModified kept
    hub.rename("THUDM/glm-4", "zai-org/glm-4", touch_modified=touch_modified)
    hub.models.append(hub_model(99, "new/child", day(60), ["zai-org/glm-4"], "finetune"))
    hub.touch()
    result = crawl(db, client=client(hub, token="hf_Secret"))
    assert result.mode == "incremental" and result.renames == (0 if touch_modified else 1)
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)
    models, edges = frames(db)
    assert "THUDM/glm-4" not in set(models["id"]) and not models["missing"].any()
    assert (edges["parent"] == "zai-org/glm-4").sum() == 7
    graph = LineageGraph.from_db(db)
    assert graph.ids[graph.index_of("thudm/GLM-4")] == "zai-org/glm-4"  # the old id: an alias
    assert len(graph.descendants("THUDM/glm-4")) == 10
    lookups = [r for r in hub.requests if r["path"].startswith("/api/models/")]
    assert [r["path"] for r in lookups] == ([] if touch_modified else ["/api/models/zai-org/glm-4"])
    assert all(r["headers"].get("authorization") == "Bearer hf_Secret" for r in lookups)
    out = CliRunner().invoke(main, ["info", "--db", str(db)])
    assert "Renames         1 (THUDM/glm-4 -> zai-org/glm-4)" in out.output, out.output


def test_renamed_twice_and_the_lookup_follows_the_redirect(tmp_path, local_hub):
    hub = local_hub(family(), max_limit=4)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    hub.rename("THUDM/glm-4", "zai-org/glm-4")
    hub.rename("zai-org/glm-4", "zai-org/GLM-4-0414")
    hub.models.append(hub_model(99, "new/child", day(60), ["zai-org/GLM-4-0414"], "finetune"))
    hub.touch()
    assert crawl(db, client=client(hub)).renames == 1
    models, edges = frames(db)
    assert not models["missing"].any() and (edges["parent"] == "zai-org/GLM-4-0414").sum() == 7
    with Store(db, readonly=True) as st:
        assert st.aliases() == {"THUDM/glm-4": "zai-org/GLM-4-0414"}
        assert st.crawl_report()["lookups"] == {"renamed": 1}
    # GET /api/models/{old id} answers 307; the client follows it on the endpoint, with the token
    found = client(hub, token="hf_Secret").model("THUDM/glm-4")
    assert found["id"] == "zai-org/GLM-4-0414" and found["_id"] == f"{1:024x}"
    last = hub.requests[-2:]
    assert [r["path"] for r in last] == [
        "/api/models/THUDM/glm-4",
        "/api/models/zai-org/GLM-4-0414",
    ]
    assert all(r["headers"].get("authorization") == "Bearer hf_Secret" for r in last)
    assert client(hub).model("no/such-model") is None


def test_missing_parents_are_looked_up_once(tmp_path, local_hub):
    hub = local_hub(family(), max_limit=4)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    hub.models.append(hub_model(99, "new/child", day(60), ["deleted/gone"], "finetune"))
    hub.touch()
    assert crawl(db, client=client(hub)).lookups == 1
    hub.models.append(hub_model(98, "new/child2", day(61), ["deleted/gone"], "finetune"))
    hub.touch()
    assert crawl(db, client=client(hub)).lookups == 0  # the 404 is remembered
    assert frames(db)[0]["missing"].sum() == 1


def test_reupload_is_one_model_as_a_full_crawl_has_it(tmp_path, local_hub):
    hub = local_hub(family(), max_limit=4)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    hub.reupload("kid1/ft", created_at="2024-06-01T00:00:00.000Z")
    crawl(db, client=client(hub))
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)
    models, _ = frames(db)
    row = models[models["id"] == "kid1/ft"]
    assert len(row) == 1 and row["created_at"].iloc[0] == pd.Timestamp("2024-06-01", tz="UTC")
    out = CliRunner().invoke(main, ["info", "--db", str(db)])
    assert out.exit_code == 0 and "11 listed" in out.output, out.output
    curve = LineageGraph.from_db(db).growth_curves(["kid1/ft"], scope="direct")
    assert curve["month"].iloc[0] == "2024-06"  # the release month of the model now on the Hub


def test_first_look_then_plain_crawl_gets_everything(tmp_path, local_hub):
    hub = local_hub(generate_models(120, seed=1), max_limit=50)
    db = tmp_path / "hub.db"
    runner = CliRunner()
    out = runner.invoke(
        main, ["crawl", "--db", str(db), "--endpoint", hub.endpoint, "--max-models", "70"]
    )
    assert out.exit_code == 0 and "the snapshot is partial" in out.output, out.output
    with Store(db, readonly=True) as st:
        state = st.completeness()
        assert (state.complete, state.state) == (False, "partial") and len(st.models_frame()) >= 70
    out = runner.invoke(main, ["info", "--db", str(db)])
    assert "partial snapshot: a first look at 100 models" in out.output, out.output
    assert "Crawl state     unfinished full crawl" in out.output
    out = runner.invoke(main, ["family", "org22/model-119", "--db", str(db)])
    assert out.exit_code == 0 and "warning: partial snapshot" in out.output, out.output
    result = crawl(db, client=client(hub))
    assert result.resumed and result.complete and result.mode == "full"
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)
    out = runner.invoke(main, ["family", "org0/model-0", "--db", str(db)])
    assert out.exit_code == 0 and "warning" not in out.output
    assert crawl(db, client=client(hub)).mode == "incremental"


# -- the token goes only to the endpoint --------------------------------------------------------
def test_token_never_follows_a_link_or_redirect_off_the_endpoint(tmp_path, local_hub):
    hub = local_hub(generate_models(30, seed=1), max_limit=10)
    elsewhere = local_hub(generate_models(30, seed=1), max_limit=10)
    for kind in ("foreign-link", "redirect"):
        hub.fail(kind, after=2, location=elsewhere.endpoint)  # the probe and page 1 are fine
        with pytest.raises(ForeignOriginError, match=f"127.0.0.1:{elsewhere.endpoint[-5:]}"):
            crawl(tmp_path / f"{kind}.db", client=client(hub, token="hf_Secret"))
        assert elsewhere.requests == []
    out = (
        CliRunner().invoke(
            main,
            [
                "crawl",
                "--db",
                str(tmp_path / "cli.db"),
                "--endpoint",
                hub.endpoint,
                "--token",
                "hf_Secret",
            ],
        )
        if hub.fail("foreign-link", after=1, location=elsewhere.endpoint) is None
        else None
    )
    assert out.exit_code == 2 and out.output.count("\n") == 1, out.output
    assert out.output.startswith("Error: refusing a next-page link on http://127.0.0.1:")
    assert elsewhere.requests == []
    with Store(tmp_path / "cli.db", readonly=True) as st:
        assert st.pending_run().status == "interrupted"


def test_stored_resume_url_on_another_origin_is_refused(tmp_path, local_hub):
    hub = local_hub(generate_models(30, seed=1), max_limit=10)
    elsewhere = local_hub(generate_models(30, seed=1), max_limit=10)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub), max_models=10)
    con = sqlite3.connect(db)  # a snapshot someone hands you
    con.execute("UPDATE runs SET next_url = ?", (elsewhere.endpoint + "/api/models?cursor=x",))
    con.commit()
    con.close()
    with pytest.raises(ForeignOriginError, match="stored resume URL"):
        crawl(db, client=client(hub, token="hf_Secret"))
    assert elsewhere.requests == []
    assert crawl(db, client=client(hub), full=True).models == 30


# -- bad data from the wire -------------------------------------------------------------------
POISON = [
    ("downloads", "lots"),
    ("createdAt", "last tuesday"),
    ("likes", [1]),
    ("author", {}),
    ("id", ""),
    ("lastModified", "2024-02-30T00:00:00Z"),
    ("downloads", 10**30),
]


def test_poison_items_never_poison_the_snapshot(tmp_path, local_hub):
    models = copy.deepcopy(KNOWN)
    for i, (key, value) in enumerate(POISON):
        bad = hub_model(100 + i, f"poison/m{i}", day(40 + i), ["Org/Base"], "adapter")
        bad[key] = value
        models.append(bad)
    hub = local_hub(models, max_limit=4)
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    models_frame, edges = frames(db)
    assert len(models_frame) == 15 + len(POISON) - 1 + 1  # the id-less one skipped; a ghost
    assert str(models_frame["created_at"].dtype) == "datetime64[ns, UTC]"
    assert models_frame["downloads"].dtype == "int64"
    runner = CliRunner()
    out = runner.invoke(main, ["info", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "Skipped items   1 (no usable id 1)" in out.output
    assert (
        "Repaired        6 (author 1, createdAt 1, downloads 2, lastModified 1, likes 1)"
        in out.output
    ), out.output
    out = runner.invoke(main, ["curves", "Org/Base", "--db", str(db), "--scope", "direct"])
    assert out.exit_code == 0 and "Org/Base,direct," in out.output, out.output
    with Store(db, readonly=True) as st:
        assert st.info()["edges"] == 11 + len(POISON) - 1


def test_duplicates_in_a_page_are_stored_once(tmp_path, local_hub):
    models = copy.deepcopy(KNOWN)
    hub = local_hub(models + [copy.deepcopy(KNOWN[5]), copy.deepcopy(KNOWN[3])])
    db = tmp_path / "hub.db"
    crawl(db, client=client(hub))
    with Store(db, readonly=True) as st:
        check_known_snapshot(st)
        assert st.crawl_report()["skipped"] == {"duplicate in page": 2}


def test_link_loop_ends_the_crawl_with_one_line_and_resumes(tmp_path, local_hub):
    hub = local_hub(generate_models(600, seed=3), max_limit=50)
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    db = tmp_path / "hub.db"
    hub.fail("loop", after=3)
    with pytest.raises(PaginationLoopError, match="repeats a page already read") as err:
        crawl(db, client=client(hub))
    assert "\n" not in str(err.value)
    with Store(db, readonly=True) as st:
        run = st.pending_run()
        assert run.status == "interrupted" and run.pages == 2 and "repeats" in run.note
    result = crawl(db, client=client(hub))
    assert result.resumed and result.models == 500
    assert_same_snapshot(db, reference)
    with Store(db, readonly=True) as st:
        assert st.info()["models"] == 600


def test_rate_limit_wait_beyond_max_wait_stops_and_resumes(tmp_path, local_hub):
    hub = local_hub(generate_models(300, seed=2), max_limit=50)
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    db = tmp_path / "hub.db"
    hub.fail(429, 1, after=3, reset=86_400)  # the Hub asks for a day
    started = time.monotonic()
    with pytest.raises(RateLimitWaitError, match=r"wait 86,401 s, more than --max-wait 5 s"):
        crawl(db, client=client(hub, max_wait=5))
    assert time.monotonic() - started < 60  # it did not sit out the day
    hub.fail(429, 1, reset=86_400)
    out = CliRunner().invoke(
        main, ["crawl", "--db", str(db), "--endpoint", hub.endpoint, "--max-wait", "5"]
    )
    assert out.exit_code == 1 and out.output.count("\n") == 1 and "--max-wait 5 s" in out.output
    with Store(db, readonly=True) as st:
        assert st.pending_run().pages == 2 and st.pending_run().status == "interrupted"
    hub.fail(429, 1, reset=0)  # a short wait is sat out, and shown
    out = CliRunner().invoke(main, ["crawl", "--db", str(db), "--endpoint", hub.endpoint])
    assert out.exit_code == 0, out.output
    assert "rate-limited by the Hub: waiting 1 s (up to --max-wait), then continuing" in (
        out.output
    )
    assert_same_snapshot(db, reference)


def together(n: int, fn) -> list:
    """Run ``fn()`` in ``n`` threads released at once: their results or exceptions."""
    import threading

    barrier = threading.Barrier(n)
    outcomes: list = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(fn())
        except Exception as exc:  # noqa: BLE001 (the outcome under test)
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_crawls_starting_together_on_a_new_file(tmp_path, local_hub):
    hub = local_hub(generate_models(200, seed=2), max_limit=50, page_delay=0.05)
    for attempt in range(8):
        db = tmp_path / f"new{attempt}.db"
        outcomes = together(2, lambda db=db: crawl(db, client=client(hub)).models)
        assert sorted(map(str, outcomes)) == sorted(
            ["200", f"another crawl is writing {db}; wait for it or pass another --db"]
        )
        assert any(isinstance(o, CrawlStateError) for o in outcomes)


def test_store_opened_together_on_a_new_file_creates_the_tables_once(tmp_path):
    for attempt in range(20):
        path = tmp_path / f"new{attempt}.db"
        outcomes = together(4, lambda path=path: Store(path).close())
        assert outcomes == [None] * 4


def test_ctrl_c_shows_as_interrupted_and_resumes(tmp_path, local_hub):
    hub = local_hub(generate_models(3000, seed=7), max_limit=100, page_delay=0.1)
    db = tmp_path / "hub.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "--db", str(db), "--endpoint", hub.endpoint],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    pages = 0
    while time.monotonic() < deadline and pages < 3:
        time.sleep(0.02)
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            row = con.execute("SELECT pages FROM runs WHERE status = 'running'").fetchone()
            con.close()
            pages = row[0] if row else 0
        except sqlite3.Error:
            pass
    out = CliRunner().invoke(main, ["info", "--db", str(db)])
    assert "unfinished full crawl of" in out.output and ", running now (full:" in out.output, (
        out.output
    )
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err.strip().endswith("Interrupted."), err
    out = CliRunner().invoke(main, ["info", "--db", str(db)])
    assert "unfinished full crawl of" in out.output and "interrupted: interrupted (Ctrl-C)" in (
        out.output
    ), out.output
    assert "running now" not in out.output
    hub.page_delay = 0.0
    assert crawl(db, client=client(hub)).resumed
    reference = tmp_path / "reference.db"
    crawl(reference, client=client(hub))
    assert_same_snapshot(db, reference)


# -- card references ---------------------------------------------------------------------------
def test_card_refs_are_opt_in_kept_apart_and_never_phantoms(tmp_path, local_hub):
    models = copy.deepcopy(KNOWN) + [
        hub_model(40, "n/nons", day(30), tags=[], cardData={"base_model": "Qwen2-1.5B"}),
        hub_model(41, "n/recased", day(31), tags=[], cardData={"base_model": ["A/FT", "b/none"]}),
    ]
    hub = local_hub(models, max_limit=4)
    plain, cards = tmp_path / "plain.db", tmp_path / "cards.db"
    crawl(plain, client=client(hub))
    before = sum(r["path"] == "/api/models" for r in hub.requests)
    out = CliRunner().invoke(
        main, ["crawl", "--db", str(cards), "--endpoint", hub.endpoint, "--card-refs"]
    )
    assert out.exit_code == 0, out.output
    card_requests = hub.listing_requests[before:]
    assert all("cardData" in r["query"]["expand"] for r in card_requests[1:])
    assert all("cardData" not in r["query"]["expand"] for r in hub.listing_requests[:before])
    with Store(cards, readonly=True) as st:
        assert list(st.card_edges_frame().itertuples(index=False, name=None)) == [
            ("m/card-merge", "a/ft", "unknown", "card"),
            ("m/card-merge", "a/q", "unknown", "card"),
            ("n/recased", "a/ft", "unknown", "card"),
        ]
        report = st.crawl_report()
        assert (report["card_refs_stored"], report["card_refs_listed"]) == (5, 3)
    assert_same_snapshot(plain, cards)  # tag lineage and models identical either way
    default = LineageGraph.from_db(cards)
    both = LineageGraph.from_db(cards, sources=("tags", "card"))
    assert len(default.children("a/ft")) == 2 and len(both.children("a/ft")) == 4
    assert "Qwen2-1.5B" not in set(both.ids) and "b/none" not in set(both.ids)
    out = CliRunner().invoke(main, ["info", "--db", str(cards)])
    assert "Card refs       5 stored, 3 name a listed model" in out.output, out.output
    with pytest.raises(CrawlStateError, match="without --card-refs"):
        crawl(plain, client=client(hub), card_refs=True)
    hub.models.append(hub_model(50, "n/late", day(50), tags=[], cardData={"base_model": "a/q"}))
    hub.touch()
    crawl(cards, client=client(hub))  # an update keeps the snapshot's choice
    with Store(cards, readonly=True) as st:
        assert ("n/late", "a/q", "unknown", "card") in set(
            st.card_edges_frame().itertuples(index=False, name=None)
        )
