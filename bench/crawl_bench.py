"""Crawl ingest throughput on 200,000 synthetic Hub models (target: >= 20,000 models/s).

Rows (models/s, best of ``--repeat``):
- decode + parse: ``json.loads`` of 1,000-model pages and ``lineage.hub.client.parse_page``;
- decode + parse + store: the above plus ``Store.commit_page`` (one transaction per page);
- fetching pages over HTTP only (the bound LocalHub and the client set), then end to end:
  ``lineage.hub.crawl.crawl`` against LocalHub served from another process, each both ways:
  the default listing (the Hub's tags) and ``--card-refs`` (``cardData`` too), with the
  bytes of a page of each;
- the obvious alternative: ``huggingface_hub.ModelInfo(**item)`` per item (decode + objects
  only, nothing stored), and ``HfApi.list_models`` over the same HTTP server;
- reading the snapshot back (``models_frame`` + ``edges_frame``);
- where ``../shared/data/hubstats`` is present: bytes per 1,000 *real* listing items with and
  without ``cardData`` (real cards carry evaluation results; the synthetic ones do not).

Run: ``python bench/crawl_bench.py [--models 200000] [--repeat 1]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from huggingface_hub import HfApi, ModelInfo

from lineage.hub.client import CARD_EXPAND, EXPAND, HubClient, parse_page
from lineage.hub.crawl import crawl
from lineage.hub.store import Store
from lineage.sim.hubserver import LocalHub, load_items

PAGE = 1000
# ../shared/data/hubstats beside the checkout (main or a worktree one level deeper)
HUBSTATS = next(
    (
        p / "shared" / "data" / "hubstats" / "items.json.gz"
        for p in Path(__file__).resolve().parents[2:4]
        if (p / "shared" / "data" / "hubstats" / "items.json.gz").exists()
    ),
    Path("../shared/data/hubstats/items.json.gz"),
)


def synthetic_models(n: int, seed: int = 0) -> list[dict]:
    """Hub model dicts: the simulator's when it is there, else a quick stand-in."""
    try:
        from lineage.sim.simulate import simulate_hub

        return simulate_hub(n, seed).models
    except ImportError:
        pass
    rng = random.Random(seed)
    start = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
    relations = ["adapter"] * 43 + ["finetune"] * 36 + ["quantized"] * 19 + ["merge"] * 2
    models: list[dict] = []
    for i in range(n):
        created = (start + timedelta(seconds=700 * i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        tags = ["transformers", "safetensors", "text-generation", "license:apache-2.0"]
        card: dict = {"license": "apache-2.0"}
        if i and rng.random() < 0.28:
            rel = rng.choice(relations)
            parents = [
                models[rng.randrange(max(0, i - 5000), i)]["id"]
                for _ in range(2 if rel == "merge" else 1)
            ]
            tags += [f"base_model:{p}" for p in parents]
            tags += [f"base_model:{rel}:{p}" for p in parents]
            card["base_model"] = parents[0] if len(parents) == 1 else parents
        models.append(
            {
                "_id": f"{i:024x}",
                "id": f"org{i % 5000}/model-{i}",
                "author": f"org{i % 5000}",
                "createdAt": created,
                "lastModified": created,
                "downloads": rng.randrange(10**5),
                "likes": rng.randrange(50),
                "private": False,
                "pipeline_tag": "text-generation",
                "library_name": "transformers",
                "tags": tags,
                "cardData": card,
            }
        )
    return models


def _serve(models: list[dict], conn) -> None:
    with LocalHub(models) as hub:
        conn.send(hub.endpoint)
        conn.recv()  # until the parent says stop


def _best(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock seconds and this process's CPU seconds of that run."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - started, time.process_time() - cpu))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    n = args.models
    models = synthetic_models(n)
    fields = ("_id", "id", *EXPAND)
    pages = [
        json.dumps([{k: m[k] for k in fields if k in m} for m in models[i : i + PAGE]]).encode()
        for i in range(0, n, PAGE)
    ]
    tmp = Path(tempfile.mkdtemp())
    rows: list[tuple[str, tuple[float, float], int]] = []
    page_bytes: dict[str, float] = {}

    rows.append(
        (
            "decode + parse (hf-lineage)",
            _best(lambda: [parse_page(json.loads(p.decode())) for p in pages], args.repeat),
            n,
        )
    )

    def ingest() -> None:
        path = tmp / f"ingest-{time.perf_counter_ns()}.db"
        with Store(path) as st:
            run = st.start_run(
                mode="full", endpoint="bench", phase="full", next_url="u", hub_mark=None
            )
            for p in pages:
                st.commit_page(run, parse_page(json.loads(p.decode())), phase="full", next_url="u")
            st.finish_run(run)

    rows.append(("decode + parse + store (hf-lineage)", _best(ingest, args.repeat), n))
    rows.append(
        (
            "decode + ModelInfo objects (HfApi's way)",
            _best(
                lambda: [
                    ModelInfo(**m, siblings=None) for p in pages for m in json.loads(p.decode())
                ],
                args.repeat,
            ),
            n,
        )
    )

    parent, child = mp.Pipe()
    server = mp.Process(target=_serve, args=(models, child), daemon=True)
    server.start()
    endpoint = parent.recv()
    try:
        client = HubClient(endpoint, token=False)
        db = tmp / "e2e.db"

        def fetch_only(expand=EXPAND, label: str = "") -> None:
            url: str | None = client.listing_url("createdAt", expand=expand)
            sizes = []
            while url:
                page = client.fetch(url)
                sizes.append(page.n_bytes)
                url = page.next_url
            if label:
                page_bytes[label] = sum(sizes) / len(sizes)

        for label, expand in (("tags only (default)", EXPAND), ("--card-refs", CARD_EXPAND)):
            fetch_only(expand, label)  # warm the server's JSON cache; bytes per page
            rows.append(
                (
                    f"fetch + decode pages over HTTP, {label}",
                    _best(lambda e=expand: fetch_only(e), args.repeat),
                    n,
                )
            )

        for label, cards in (("tags only (default)", False), ("--card-refs", True)):

            def end_to_end(cards=cards) -> None:
                for leftover in tmp.glob("e2e.db*"):
                    leftover.unlink()
                crawl(db, client=client, card_refs=cards)

            rows.append((f"crawl end to end over HTTP, {label}", _best(end_to_end, args.repeat), n))
        api = HfApi(endpoint=endpoint, token=False)
        rows.append(
            (
                "HfApi.list_models over HTTP, no store",
                _best(
                    lambda: sum(1 for _ in api.list_models(sort="createdAt", expand=list(EXPAND))),
                    args.repeat,
                ),
                n,
            )
        )
    finally:
        parent.send("stop")
        server.join(5)

    def read_back() -> None:
        with Store(db, readonly=True) as st:
            st.models_frame()
            st.edges_frame()

    rows.append(("read snapshot frames (models + edges)", _best(read_back, args.repeat), n))
    with Store(db, readonly=True) as st:
        info = st.info()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{n:,} models, {info['edges']:,} edges, pages of {PAGE}; best of {args.repeat}; "
        f"{os.cpu_count()} CPUs, load average {load} (wall-clock rates drop on a busy machine)"
    )
    print(f"{'step':<52}{'seconds':>9}{'models/s':>11}{'CPU s':>8}{'models/CPU s':>14}")
    for name, (seconds, cpu), count in rows:
        print(f"{name:<52}{seconds:>9.2f}{count / seconds:>11,.0f}{cpu:>8.2f}{count / cpu:>14,.0f}")
    print("target: >= 20,000 models/s ingest (CPU s: this process only, not the server's)")
    print(f"\n{'bytes per page of ' + str(PAGE) + ' items':<52}{'synthetic':>12}{'real rows':>12}")
    real = _real_page_bytes()
    for label in page_bytes:
        shown = f"{real[label]:>12,.0f}" if real else f"{'-':>12}"
        print(f"{label:<52}{page_bytes[label]:>12,.0f}{shown}")


def _real_page_bytes() -> dict[str, float] | None:
    """Bytes per 1,000 real listing items (hub-stats sample) served both ways, if present."""
    if not HUBSTATS.exists():
        return None
    items = load_items(str(HUBSTATS))
    out = {}
    with LocalHub(items) as hub:
        client = HubClient(hub.endpoint, token=False)
        for label, expand in (("tags only (default)", EXPAND), ("--card-refs", CARD_EXPAND)):
            url: str | None = client.listing_url("createdAt", expand=expand)
            total = 0
            while url:
                page = client.fetch(url)
                total += page.n_bytes
                url = page.next_url
            out[label] = total * PAGE / len(items)
    return out


if __name__ == "__main__":
    main()
