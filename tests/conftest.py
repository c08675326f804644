"""Shared test fixtures: Hub-shaped model dicts and a LocalHub server on 127.0.0.1."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from lineage.sim.hubserver import LocalHub

_RELATIONS = ["adapter"] * 43 + ["finetune"] * 36 + ["quantized"] * 19 + ["merge"] * 2


def iso(t: datetime) -> str:
    """A datetime as the Hub writes it: ``2023-08-01T12:00:00.000Z``."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def hub_model(
    i: int,
    model_id: str,
    created: datetime,
    parents=(),
    relation: str | None = None,
    *,
    card_only: bool = False,
    **extra,
) -> dict:
    """One Hub JSON model object; ``parents`` become relation tags (or card metadata)."""
    tags = ["transformers", "safetensors"]
    card: dict = {"license": "mit"}
    if parents:
        card["base_model"] = parents[0] if len(parents) == 1 else list(parents)
        if not card_only:
            tags += [f"base_model:{p}" for p in parents]
            if relation:
                tags += [f"base_model:{relation}:{p}" for p in parents]
    model = {
        "_id": f"{i:024x}",
        "id": model_id,
        "author": model_id.split("/")[0],
        "createdAt": iso(created),
        "lastModified": iso(created + timedelta(days=1)),
        "downloads": (i * 37) % 1000,
        "likes": i % 7,
        "private": False,
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "tags": tags,
        "cardData": card,
    }
    model.update(extra)
    return model


def generate_models(n: int, seed: int = 0) -> list[dict]:
    """``n`` models with a realistic mix of relations, merges and missing parents."""
    rng = random.Random(seed)
    start = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
    models: list[dict] = []
    for i in range(n):
        created = start + timedelta(minutes=37 * i + rng.randrange(30))
        mid = f"org{i % 97}/model-{i}"
        parents: list[str] = []
        relation = None
        if models and rng.random() < 0.4:
            relation = rng.choice(_RELATIONS)
            k = 2 if relation == "merge" else 1
            for _ in range(k):
                parent = rng.choice(models[-2000:])["id"]
                parents.append(parent.upper() if rng.random() < 0.05 else parent)
            if rng.random() < 0.02:
                parents = [f"deleted/gone-{i % 13}"]
        models.append(hub_model(i, mid, created, parents, relation))
    return models


def bad_db_files(folder) -> tuple:
    """(corrupt, foreign) files: random bytes, and another program's SQLite database."""
    corrupt = folder / "corrupt.db"
    corrupt.write_bytes(b"this is not sqlite at all" * 100)
    foreign = folder / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    return corrupt, foreign


@pytest.fixture
def local_hub():
    """Factory: ``local_hub(models, **kwargs)`` starts a LocalHub, stopped after the test."""
    hubs: list[LocalHub] = []

    def make(models: list[dict], **kwargs) -> LocalHub:
        hub = LocalHub(models, **kwargs).start()
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.stop()
