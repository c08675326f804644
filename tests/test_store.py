"""lineage.hub.store: schema checks on open, generations, resolution of parents at read time."""

from __future__ import annotations

import contextlib
import os
import pathlib
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from conftest import bad_db_files, hub_model

from lineage.errors import (
    ForeignStoreError,
    StoreCorruptError,
    StoreMissingError,
    StoreReadOnlyError,
)
from lineage.hub.client import parse_page
from lineage.hub.store import APPLICATION_ID, SCHEMA_VERSION, Store, resolve_db_path

T0 = datetime(2023, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def write_snapshot(path, items, endpoint="http://hub.test") -> None:
    with Store(path) as st:
        run = st.start_run(
            mode="full", endpoint=endpoint, phase="full", next_url="u", hub_mark=None
        )
        st.commit_page(run, parse_page(items), phase="full", next_url=None)
        st.finish_run(run)


def test_resolve_db_path(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_LINEAGE_DB", raising=False)
    assert resolve_db_path(None) == pathlib.Path("~/.cache/hf-lineage/hub.db").expanduser()
    monkeypatch.setenv("HF_LINEAGE_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "x.db") == tmp_path / "x.db"


def test_new_file_is_stamped_wal_and_empty(tmp_path):
    path = tmp_path / "sub" / "hub.db"
    with Store(path) as st:
        assert st.models_frame().empty and st.edges_frame().empty
        assert st.snapshot_time() is None and st.info()["models"] == 0
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_corrupt_foreign_and_newer_files_are_refused_untouched(tmp_path):
    corrupt, foreign = bad_db_files(tmp_path)
    newer = tmp_path / "newer.db"
    Store(newer).close()
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    for path, error, text in [
        (corrupt, StoreCorruptError, "not a readable hf-lineage snapshot"),
        (foreign, ForeignStoreError, "another program"),
        (newer, ForeignStoreError, "newer than this hf-lineage"),
    ]:
        before = path.read_bytes()
        for readonly in (False, True):
            with pytest.raises(error, match=text) as err:
                Store(path, readonly=readonly)
            assert "\n" not in str(err.value)
        assert path.read_bytes() == before


def test_missing_and_read_only_files(tmp_path):
    with pytest.raises(StoreMissingError, match="hf-lineage crawl"):
        Store(tmp_path / "none.db", readonly=True)
    path = tmp_path / "ro.db"
    write_snapshot(path, [hub_model(1, "a/b", day(0))])
    os.chmod(path, 0o444)
    try:
        with pytest.raises(StoreReadOnlyError, match="read-only"):
            Store(path)
        with Store(path, readonly=True) as st:  # reading still works
            assert list(st.models_frame()["id"]) == ["a/b"]
    finally:
        os.chmod(path, 0o644)


KNOWN = [
    hub_model(1, "Org/Base", day(0)),
    hub_model(2, "org/other-base", day(1)),
    hub_model(3, "a/ft", day(2), ["org/base"], "finetune"),  # parent differs in case
    hub_model(4, "a/lora", day(3), ["a/ft"], "adapter"),
    hub_model(5, "a/q", day(4), ["A/FT"], "quantized"),
    hub_model(6, "m/merged", day(5), ["Org/Base", "org/other-base"], "merge"),
    hub_model(7, "m/card-merge", day(6), ["a/ft", "a/q"], card_only=True),
    hub_model(8, "x/orphan", day(7), ["Deleted/Gone"], "finetune"),  # never listed
    hub_model(9, "x/orphan2", day(8), ["deleted/gone"], "adapter"),
    hub_model(10, "s/self", day(9), ["S/Self"], "finetune"),  # self-loop
    hub_model(11, "c/one", day(10), ["c/two"], "finetune"),  # a cycle
    hub_model(12, "c/two", day(11), ["c/one"], "finetune"),
    hub_model(
        13,
        "p/peft",
        day(12),
        tags=["peft", "base_model:adapter:/workspace/out"],
        cardData={"base_model": "/workspace/out"},
    ),  # not a Hub id
    hub_model(
        14,
        "r/override",
        day(13),
        ["org/base"],
        "finetune",  # the tag wins over the card
        cardData={"base_model": "org/base", "base_model_relation": "quantized"},
    ),
    hub_model(15, "d/distil", day(14), tags=["base_model:distillation:Org/Base"]),
]

KNOWN_EDGES = [
    ("a/ft", "Org/Base", "finetune"),
    ("a/lora", "a/ft", "adapter"),
    ("a/q", "a/ft", "quantized"),
    ("c/one", "c/two", "finetune"),
    ("c/two", "c/one", "finetune"),
    ("d/distil", "Org/Base", "distillation"),
    ("m/merged", "Org/Base", "merge"),
    ("m/merged", "org/other-base", "merge"),
    ("r/override", "Org/Base", "finetune"),
    ("x/orphan", "Deleted/Gone", "finetune"),
    ("x/orphan2", "Deleted/Gone", "adapter"),
]


#: The card-only references of KNOWN (kept apart, with --card-refs or when cards are given).
KNOWN_CARD_EDGES = [
    ("m/card-merge", "a/ft", "unknown", "card"),
    ("m/card-merge", "a/q", "unknown", "card"),
]


def check_known_snapshot(st: Store, *, cards: bool = False) -> None:
    """The exact snapshot of KNOWN, however it was crawled (``cards``: with card data)."""
    edges = st.edges_frame()
    assert list(edges.columns) == ["child", "parent", "relation", "source"]
    assert list(edges[["child", "parent", "relation"]].itertuples(index=False, name=None)) == (
        KNOWN_EDGES
    )
    assert set(edges["source"]) == {"relation_tag"}
    card = st.card_edges_frame()
    assert list(card.columns) == ["child", "parent", "relation", "source"]
    assert list(card.itertuples(index=False, name=None)) == (KNOWN_CARD_EDGES if cards else [])
    models = st.models_frame()
    assert list(models.columns) == [
        "id",
        "created_at",
        "last_modified",
        "author",
        "downloads",
        "likes",
        "pipeline_tag",
        "library_name",
        "missing",
    ]
    assert str(models["created_at"].dtype) == "datetime64[ns, UTC]"
    assert models["downloads"].dtype == "int64" and models["missing"].dtype == bool
    assert list(models["id"]) == [m["id"] for m in KNOWN] + ["Deleted/Gone"]
    ghost = models.iloc[-1]
    assert ghost["missing"] and pd.isna(ghost["created_at"]) and ghost["downloads"] == 0
    assert models.iloc[0]["created_at"] == pd.Timestamp("2023-01-01", tz="UTC")
    info = st.info()
    assert {
        k: info[k]
        for k in (
            "models",
            "missing_parents",
            "edges",
            "self_loops",
            "invalid_refs",
            "cycles",
            "models_in_cycles",
        )
    } == {
        "models": 15,
        "missing_parents": 1,
        "edges": 11,
        "self_loops": 1,
        "invalid_refs": 1,
        "cycles": 1,
        "models_in_cycles": 2,
    }
    assert info["edges_by_relation"] == {
        "adapter": 2,
        "distillation": 1,
        "finetune": 5,
        "merge": 2,
        "quantized": 1,
    }
    assert info["created_min"] == pd.Timestamp("2023-01-01", tz="UTC")
    assert info["created_max"] == pd.Timestamp("2023-01-15", tz="UTC")


def test_known_graph_resolves_at_read_time(tmp_path):
    # children committed in a page before their parents' page, as in a newest-first listing
    path = tmp_path / "hub.db"
    with Store(path) as st:
        run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        st.commit_page(run, parse_page(KNOWN[7:][::-1]), phase="full", next_url="u2")
        st.commit_page(run, parse_page(KNOWN[:7][::-1]), phase="full", next_url=None)
        st.finish_run(run)
        check_known_snapshot(st, cards=True)
    with Store(path, readonly=True) as st:
        check_known_snapshot(st, cards=True)
        assert st.snapshot_time() is not None


def test_new_generation_stays_hidden_until_it_commits(tmp_path):
    path = tmp_path / "hub.db"
    write_snapshot(path, KNOWN)
    with Store(path) as st:
        run = st.start_run(mode="full", endpoint="e", phase="full", next_url="u", hub_mark=None)
        st.commit_page(
            run, parse_page([hub_model(99, "new/only", day(30))]), phase="full", next_url="u2"
        )
        check_known_snapshot(st, cards=True)  # the old snapshot, untouched
        assert st.pending_run().models_seen == 1
        st.finish_run(run)
        assert list(st.models_frame()["id"]) == ["new/only"]
        assert [r.status for r in st.runs()] == ["done", "done"]


def test_relisted_model_replaces_its_edges(tmp_path):
    path = tmp_path / "hub.db"
    write_snapshot(path, KNOWN)
    with Store(path) as st:
        run = st.start_run(
            mode="incremental", endpoint="e", phase="new", next_url="u", hub_mark=None
        )
        edited = hub_model(6, "m/merged", day(5), ["Org/Base"], "finetune")
        st.commit_page(run, parse_page([edited]), phase="new", next_url=None)
        st.finish_run(run)
        edges = st.edges_frame()
        assert edges[edges["child"] == "m/merged"][["parent", "relation"]].values.tolist() == [
            ["Org/Base", "finetune"]
        ]
        assert len(edges) == 10 and st.info()["models"] == 15


@contextlib.contextmanager
def read_only_folder(folder: pathlib.Path):
    """Make ``folder`` unwritable for this process (chmod; as root also ``chattr +i``), or skip."""
    os.chmod(folder, 0o555)
    immutable = False
    try:
        probe = folder / ".probe"
        try:
            probe.touch()
            probe.unlink()
        except OSError:
            pass
        else:
            immutable = (
                subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
            )
            try:
                probe.touch()
            except OSError:
                pass
            else:
                probe.unlink()
                pytest.skip("cannot make a folder read-only here")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        os.chmod(folder, 0o755)


def test_snapshot_in_a_read_only_folder_can_be_read(tmp_path):
    from click.testing import CliRunner

    from cli import main
    from lineage.graph import LineageGraph

    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "hub.db"
    write_snapshot(path, KNOWN)
    with read_only_folder(folder):
        assert not (folder / "hub.db-shm").exists()
        with Store(path, readonly=True) as st:
            check_known_snapshot(st, cards=True)
        out = CliRunner().invoke(main, ["info", "--db", str(path)])
        assert out.exit_code == 0 and "15 listed" in out.output, out.output
        assert LineageGraph.from_db(path).n_models == 16
        out = CliRunner().invoke(
            main, ["crawl", "--db", str(path), "--endpoint", "http://127.0.0.1:9"]
        )
        assert out.exit_code == 1 and out.output.count("\n") == 1, out.output
        assert "not writable" in out.output


def _schema_1_file(path: pathlib.Path, *, capped: bool) -> None:
    """A snapshot as hf-lineage wrote schema 1: card edges as lineage, a re-upload's two rows,
    a value no reader can read, and a capped crawl recorded as done."""
    from lineage.hub.store import _SCHEMA_V1

    con = sqlite3.connect(path)
    con.executescript(
        f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;" + _SCHEMA_V1
    )
    rows = [
        (1, "o1", "Org/Base", "org/base", "2023-01-01T00:00:00.000Z", 5),
        (1, "o2", "a/ft", "a/ft", "2023-02-01T00:00:00.000Z", "lots"),
        (1, "o3", "a/ft", "a/ft", "2024-02-01T00:00:00.000Z", 7),  # re-uploaded
        (1, "o4", "m/card", "m/card", "2023-13-01T00:00:00.000Z", 1),
    ]
    con.executemany(
        "INSERT INTO models (gen, oid, id, id_lower, created_at, downloads)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.executemany(
        "INSERT INTO edges VALUES (1, ?, ?, ?, ?, ?)",
        [
            ("o2", "Org/Base", "org/base", "finetune", "relation_tag"),
            ("o3", "Org/Base", "org/base", "adapter", "relation_tag"),
            ("o4", "a/ft", "a/ft", "merge", "card"),
        ],
    )
    con.execute("INSERT INTO meta VALUES ('live_gen', '1')")
    con.execute(
        "INSERT INTO runs (started, finished, endpoint, mode, status, gen, max_models,"
        " models_seen, pages) VALUES ('2024-03-01T00:00:00.000Z',"
        " '2024-03-01T00:00:00.000Z',"
        " 'e', 'full', 'done', 1, ?, 4, 1)",
        (4 if capped else None,),
    )
    con.commit()
    con.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_schema_1_is_migrated_in_place(tmp_path, readonly):
    path = tmp_path / "v1.db"
    _schema_1_file(path, capped=False)
    with Store(path, readonly=readonly) as st:
        models, edges = st.models_frame(), st.edges_frame()
        assert list(models["id"]) == ["Org/Base", "a/ft", "m/card"]
        assert models.set_index("id").loc["a/ft", "downloads"] == 7
        assert pd.isna(models.set_index("id").loc["m/card", "created_at"])
        assert list(edges.itertuples(index=False, name=None)) == [
            ("a/ft", "Org/Base", "adapter", "relation_tag")
        ]
        assert list(st.card_edges_frame()["parent"]) == ["a/ft"]
        assert st.completeness().complete and st.card_refs_crawled()
        assert st.info()["models"] == 3 and st.crawl_report()["card_refs_stored"] == 1
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    capped = tmp_path / "capped.db"
    _schema_1_file(capped, capped=True)
    with Store(capped, readonly=True) as st:
        assert st.completeness().state == "partial"


def test_schema_1_in_a_read_only_place_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    _schema_1_file(folder / "v1.db", capped=False)
    with read_only_folder(folder):
        with pytest.raises(StoreReadOnlyError, match="schema 1.*needs write access") as err:
            Store(folder / "v1.db", readonly=True)
        assert "\n" not in str(err.value)
