"""Crawl ingest throughput on 200,000 synthetic Hub models (target: >= 20,000 models/s).

Rows (models/s, best of ``--repeat``):
- decode + parse: ``json.loads`` of 1,000-model pages and ``lineage.hub.client.parse_page``;
- decode + parse + store: the above plus ``Store.commit_page`` (one transaction per page);
- fetching pages over HTTP only (the bound LocalHub and the client set), then end to end:
  ``lineage.hub.crawl.crawl`` against LocalHub served from another process;
- the obvious alternative: ``huggingface_hub.ModelInfo(**item)`` per item (decode + objects
  only, nothing stored), and ``HfApi.list_models`` over the same HTTP server;
- reading the snapshot back (``models_frame`` + ``edges_frame``).

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

from lineage.hub.client import EXPAND, HubClient, parse_page
from lineage.hub.crawl import crawl
from lineage.hub.store import Store
from lineage.sim.hubserver import LocalHub

PAGE = 1000


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
            parents = [models[rng.randrange(max(0, i - 5000), i)]["id"]
                       for _ in range(2 if rel == "merge" else 1)]
            tags += [f"base_model:{p}" for p in parents]
            tags += [f"base_model:{rel}:{p}" for p in parents]
            card["base_model"] = parents[0] if len(parents) == 1 else parents
        models.append({
            "_id": f"{i:024x}", "id": f"org{i % 5000}/model-{i}", "author": f"org{i % 5000}",
            "createdAt": created, "lastModified": created, "downloads": rng.randrange(10**5),
            "likes": rng.randrange(50), "private": False, "pipeline_tag": "text-generation",
            "library_name": "transformers", "tags": tags, "cardData": card,
        })
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
        json.dumps([{k: m[k] for k in fields if k in m} for m in models[i:i + PAGE]]).encode()
        for i in range(0, n, PAGE)
    ]
    tmp = Path(tempfile.mkdtemp())
    rows: list[tuple[str, tuple[float, float], int]] = []

    rows.append(("decode + parse (hf-lineage)", _best(
        lambda: [parse_page(json.loads(p.decode())) for p in pages], args.repeat), n))

    def ingest() -> None:
        path = tmp / f"ingest-{time.perf_counter_ns()}.db"
        with Store(path) as st:
            run = st.start_run(mode="full", endpoint="bench", phase="full", next_url="u",
                               hub_mark=None)
            for p in pages:
                st.commit_page(run, parse_page(json.loads(p.decode())), phase="full", next_url="u")
            st.finish_run(run)

    rows.append(("decode + parse + store (hf-lineage)", _best(ingest, args.repeat), n))
    rows.append(("decode + ModelInfo objects (HfApi's way)", _best(
        lambda: [ModelInfo(**m, siblings=None) for p in pages for m in json.loads(p.decode())],
        args.repeat), n))

    parent, child = mp.Pipe()
    server = mp.Process(target=_serve, args=(models, child), daemon=True)
    server.start()
    endpoint = parent.recv()
    try:
        client = HubClient(endpoint, token=False)
        db = tmp / "e2e.db"

        def fetch_only() -> None:
            url: str | None = client.listing_url("createdAt")
            while url:
                url = client.fetch(url).next_url

        fetch_only()  # warm the server's JSON cache
        rows.append(("fetch + decode pages over HTTP only", _best(fetch_only, args.repeat), n))

        def end_to_end() -> None:
            db.unlink(missing_ok=True)
            crawl(db, client=client)

        rows.append(("crawl end to end over HTTP (hf-lineage)", _best(end_to_end, args.repeat), n))
        api = HfApi(endpoint=endpoint, token=False)
        rows.append(("HfApi.list_models over HTTP, no store", _best(
            lambda: sum(1 for _ in api.list_models(sort="createdAt", expand=list(EXPAND))),
            args.repeat), n))
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
    print(f"{n:,} models, {info['edges']:,} edges, pages of {PAGE}; best of {args.repeat}; "
          f"{os.cpu_count()} CPUs, load average {load} (wall-clock rates drop on a busy machine)")
    print(f"{'step':<44}{'seconds':>9}{'models/s':>11}{'CPU s':>8}{'models/CPU s':>14}")
    for name, (seconds, cpu), count in rows:
        print(f"{name:<44}{seconds:>9.2f}{count / seconds:>11,.0f}{cpu:>8.2f}"
              f"{count / cpu:>14,.0f}")
    print("target: >= 20,000 models/s ingest (CPU s: this process only, not the server's)")


if __name__ == "__main__":
    main()
