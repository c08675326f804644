"""lineage.hub.client (parsing, the listing client) and lineage.sim.hubserver (local Hub)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from conftest import hub_model
from huggingface_hub import HfApi

from lineage.errors import HubHTTPError, HubUnreachableError, MalformedPageError
from lineage.hub.client import EXPAND, HubClient, declared_parents, is_hub_id, parse_page

T0 = datetime(2023, 1, 1, tzinfo=UTC)


def fast_client(endpoint: str, retries: int = 3, token: str | None = None) -> HubClient:
    return HubClient(
        endpoint, token, max_retries=retries, base_wait_time=0.01, max_wait_time=0.02, timeout=5
    )


# -- parsing -------------------------------------------------------------------------------------
def test_relation_tags_win_over_bare_tags_and_card():
    item = {"tags": ["base_model:a/x", "base_model:adapter:a/x"], "cardData": {"base_model": "b/y"}}
    assert declared_parents(item) == ([("adapter", "a/x")], "relation_tag")


def test_bare_tags_then_card_string_and_list():
    bare = declared_parents({"tags": ["base_model:a/x"]})
    assert bare == ([("unknown", "a/x")], "base_model_tag")
    assert declared_parents({"cardData": {"base_model": "a/x"}}) == ([("unknown", "a/x")], "card")
    # two card parents are no merge unless the card says so (the Hub made 46 of them finetunes)
    assert declared_parents({"cardData": {"base_model": ["a/x", "b/y"]}}) == (
        [("unknown", "a/x"), ("unknown", "b/y")],
        "card",
    )
    stated = {"base_model": ["a/x", "b/y"], "base_model_relation": " Merge "}
    assert declared_parents({"cardData": stated})[0] == [("merge", "a/x"), ("merge", "b/y")]
    odd = {"base_model": "a/x", "base_model_relation": "=cmd|' /C calc'!A0"}
    assert declared_parents({"cardData": odd})[0] == [("unknown", "a/x")]  # no word: unknown


def test_tags_are_the_lineage_and_unknown_words_are_verbatim():
    # the card never overrides the Hub's tags (the Hub derived them from it)
    item = {"tags": ["base_model:merge:a/x"], "cardData": {"base_model_relation": "finetune"}}
    assert declared_parents(item)[0] == [("merge", "a/x")]
    other = declared_parents({"tags": ["base_model:distillation:a/x"]})
    assert other[0] == [("distillation", "a/x")]


@pytest.mark.parametrize(
    "ref, ok",
    [
        ("gpt2", True),
        ("meta-llama/Llama-2-7b-hf", True),
        ("/workspace/out", False),
        ("./x", False),
        ("", False),
        ("a/b/c", False),
        ("a--b/c", False),
        ("a/b..c", False),
        ("C:\\models\\x", False),
        ("org/model.v1_2", True),
        ("espnet/" + "kamo_naoyuki_" * 17, True),
        ("Qwen2-1.5B", True),
        ("a/" + "x" * 1100, False),
        ("a/b\nc", False),
    ],
)
def test_is_hub_id(ref, ok):
    assert is_hub_id(ref) is ok


def test_parse_page_rows_self_loops_invalid_urls_and_duplicates():
    items = [
        hub_model(1, "me/tuned", T0, ["Org/Base"], "finetune"),
        {
            "_id": "2",
            "id": "me/peft",
            "tags": [
                "base_model:adapter:/workspace/out",
                "base_model:adapter:./x",
                "base_model:adapter:",
            ],
        },
        {"_id": "3", "id": "me/self", "tags": ["base_model:finetune:ME/SELF"]},
        {"_id": "4", "id": "me/url", "cardData": {"base_model": "https://huggingface.co/Org/Base"}},
        {
            "_id": "5",
            "id": "me/dup",
            "tags": ["base_model:quantized:a/x", "base_model:quantized:A/X"],
        },
        {"_id": "6", "id": "me/nons", "cardData": {"base_model": ["Qwen2-1.5B", "me/nons"]}},
    ]
    page = parse_page(items)
    assert [m[1] for m in page.models] == [
        "me/tuned",
        "me/peft",
        "me/self",
        "me/url",
        "me/dup",
        "me/nons",
    ]
    assert page.models[0][:3] == ("000000000000000000000001", "me/tuned", "me/tuned")
    assert page.edges == [
        ("000000000000000000000001", "Org/Base", "org/base", "finetune", "relation_tag"),
        ("5", "a/x", "a/x", "quantized", "relation_tag"),
    ]
    # card references are kept apart (they resolve to listed models only, at read time)
    assert page.card_refs == [
        ("4", "Org/Base", "org/base", "unknown"),
        ("6", "Qwen2-1.5B", "qwen2-1.5b", "unknown"),
    ]
    assert [(r[0], r[1], r[3], r[4]) for r in page.rejected] == [
        ("2", "/workspace/out", "relation_tag", "invalid"),
        ("2", "./x", "relation_tag", "invalid"),
        ("2", "", "relation_tag", "invalid"),
        ("3", "ME/SELF", "relation_tag", "self-loop"),
        ("6", "me/nons", "card", "self-loop"),
    ]
    assert page.skipped == [] and page.repaired == []


@pytest.mark.parametrize(
    "field, value, stored, what",
    [
        ("downloads", "lots", None, "dropped"),
        ("downloads", "12", 12, "coerced"),
        ("downloads", 12.0, 12, "coerced"),
        ("downloads", -3, None, "dropped"),
        ("downloads", 2**70, None, "dropped"),
        ("downloads", True, None, "dropped"),
        ("likes", [1], None, "dropped"),
        ("likes", float("nan"), None, "dropped"),
        ("createdAt", "yesterday", None, "dropped"),
        ("createdAt", "2024-13-45T00:00:00Z", None, "dropped"),
        ("createdAt", "9999-01-01T00:00:00.000Z", None, "dropped"),
        ("createdAt", "2024-02-28T15:24:14+01:00", "2024-02-28T14:24:14.000Z", "coerced"),
        ("createdAt", "2024-02-28", "2024-02-28T00:00:00.000Z", "coerced"),
        ("lastModified", 1700000000, None, "dropped"),
        ("author", {}, "me", "coerced"),
        ("pipeline_tag", ["x"], None, "dropped"),
        ("library_name", "peft\x1b[31m", None, "dropped"),
    ],
)
def test_each_poison_field_is_coerced_or_dropped_never_stored_raw(field, value, stored, what):
    item = hub_model(1, "me/m", T0)
    item[field] = value
    page = parse_page([item])
    columns = [
        "oid",
        "id",
        "id_lower",
        "createdAt",
        "lastModified",
        "author",
        "downloads",
        "likes",
        "pipeline_tag",
        "library_name",
    ]
    assert dict(zip(columns, page.models[0], strict=True))[field] == stored
    assert page.repaired == [(item["_id"], field, what)]


def test_unusable_private_and_repeated_items_are_skipped_and_counted():
    good = hub_model(1, "a/b", T0, ["x/y"], "finetune")
    items = [
        good,
        {"_id": "2", "id": ""},
        {"_id": "3"},
        "not a dict",
        {"id": "bad id\n"},
        hub_model(4, "me/private", T0, private=True),
        dict(good),
        dict(hub_model(5, "A/B", T0)),
    ]  # same id in another case: one id, one model
    page = parse_page(items)
    assert [m[1] for m in page.models] == ["a/b"] and len(page.edges) == 1
    assert [s[1] for s in page.skipped] == [
        "no usable id",
        "no usable id",
        "not a model object",
        "no usable id",
        "private",
        "duplicate in page",
        "duplicate in page",
    ]
    tags = parse_page([{"_id": "9", "id": "t/x", "tags": "base_model:a/b"}])
    assert tags.edges == [] and tags.repaired == [("9", "tags", "dropped")]
    assert parse_page([{"id": "legacy-name"}]).models[0][0] == "id:legacy-name"


# -- the local Hub's wire protocol ---------------------------------------------------------------
def _models(n: int) -> list[dict]:
    return [
        hub_model(
            i,
            f"org{i % 3}/m-{i}",
            T0 + timedelta(hours=i),
            [f"org0/m-{i - 1}"] if i else [],
            "finetune" if i % 2 else "adapter",
            downloads=i * 10,
        )
        for i in range(n)
    ]


def test_client_requests_like_list_models_and_follows_link(local_hub):
    hub = local_hub(_models(7), max_limit=3)
    client = fast_client(hub.endpoint, token="hf_testtoken")
    url = client.listing_url("createdAt")
    ids, pages = [], 0
    while url:
        page = client.fetch(url)
        ids += [m["id"] for m in page.items]
        pages += 1
        url = page.next_url
        assert page.ratelimit_remaining is not None
    assert pages == 3 and ids == [f"org{i % 3}/m-{i}" for i in reversed(range(7))]
    first = hub.listing_requests[0]
    assert first["query"]["sort"] == ["createdAt"] and first["query"]["limit"] == ["1000"]
    assert first["query"]["expand"] == list(EXPAND)
    headers = {k.lower(): v for k, v in first["headers"].items()}
    assert headers["user-agent"].startswith("hf-lineage/")
    assert headers["authorization"] == "Bearer hf_testtoken"
    assert "cursor" in hub.listing_requests[1]["query"]


def test_server_headers_fields_and_cap():
    from lineage.sim.hubserver import LocalHub

    with LocalHub(_models(5), max_limit=2) as hub:
        with urllib.request.urlopen(hub.endpoint + "/api/models?limit=50&sort=downloads") as r:
            body, link = json.loads(r.read()), r.headers["Link"]
            assert r.headers["RateLimit"].startswith('"api";r=')
            assert "q=1000;w=300" in r.headers["RateLimit-Policy"]
        assert [m["downloads"] for m in body] == [40, 30]
        assert link.startswith(f"<{hub.endpoint}/api/models?") and link.endswith('>; rel="next"')
        assert "cardData" not in body[0] and "lastModified" not in body[0]
        with urllib.request.urlopen(hub.endpoint + "/api/models?expand[]=author") as r:
            assert set(json.loads(r.read())[0]) == {"_id", "id", "author"}
        with urllib.request.urlopen(hub.endpoint + "/api/models?full=true&cardData=true") as r:
            assert "cardData" in json.loads(r.read())[0]
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(hub.endpoint + "/api/models?expand=author&full=true")
        assert err.value.code == 400


def test_hfapi_list_models_works_against_local_hub(local_hub):
    """huggingface_hub's own list_models (filter, search, author, sort) paginates our server."""
    hub = local_hub(_models(9), max_limit=2)
    api = HfApi(endpoint=hub.endpoint, token=False)
    tuned = api.list_models(filter="base_model:finetune:org0/m-2", expand=["createdAt", "tags"])
    assert [m.id for m in tuned] == ["org0/m-3"]
    assert [m.id for m in api.list_models(author="org1", sort="likes")] == [
        "org1/m-4",
        "org1/m-1",
        "org1/m-7",
    ]
    assert len(list(api.list_models(search="m-", sort="createdAt"))) == 9
    assert api.model_info("org2/m-5").id == "org2/m-5"


def test_model_endpoint_renames_and_404(local_hub):
    hub = local_hub(_models(3), renames={"old/name": "org1/m-1"})
    with urllib.request.urlopen(hub.endpoint + "/api/models/old/name") as r:  # follows the 307
        assert json.loads(r.read())["id"] == "org1/m-1"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(hub.endpoint + "/api/models/no/such")
    assert err.value.code == 404 and err.value.headers["X-Error-Code"] == "RepoNotFound"


# -- faults ----------------------------------------------------------------------------------------
def test_503_and_429_are_retried(local_hub):
    hub = local_hub(_models(4))
    hub.fail(503, 2)
    hub.fail(429, 1, reset=0)
    started = time.monotonic()
    page = fast_client(hub.endpoint).fetch(fast_client(hub.endpoint).listing_url("createdAt"))
    assert len(page.items) == 4 and len(hub.listing_requests) == 4
    assert time.monotonic() - started >= 1.0  # the 429 waited its reset (0 s) + 1 s


def test_errors_after_retries_are_one_line(local_hub):
    hub = local_hub(_models(4))
    client = fast_client(hub.endpoint, retries=1)
    hub.fail(503, 2)
    with pytest.raises(HubHTTPError, match="HTTP 503.*resume"):
        client.fetch(client.listing_url("createdAt"))
    hub.fail("malformed")
    with pytest.raises(MalformedPageError, match="not valid JSON"):
        client.fetch(client.listing_url("createdAt"))
    dead = fast_client("http://127.0.0.1:9", retries=1)
    with pytest.raises(HubUnreachableError, match="cannot reach http://127.0.0.1:9") as err:
        dead.fetch(dead.listing_url("createdAt"))
    assert "\n" not in str(err.value)


def test_timeout_is_retried_then_reported(local_hub):
    hub = local_hub(_models(2))
    client = HubClient(hub.endpoint, max_retries=1, base_wait_time=0.01, timeout=0.2)
    hub.fail("delay", 1, seconds=0.5)
    assert len(client.fetch(client.listing_url("createdAt")).items) == 2
    hub.fail("delay", 2, seconds=0.5)
    with pytest.raises(HubUnreachableError, match="ReadTimeout"):
        client.fetch(client.listing_url("createdAt"))


def test_quota_enforced_and_waited_out(local_hub):
    hub = local_hub(_models(3), quota=2, window=1, enforce_quota=True)
    client = fast_client(hub.endpoint)
    url = client.listing_url("createdAt")
    remaining = [client.fetch(url).ratelimit_remaining for _ in range(3)]
    assert remaining[:2] == [1, 0] and len(hub.listing_requests) == 4  # one 429, then a retry


def test_http_errors_say_what_to_do(local_hub):
    hub = local_hub(_models(2))
    client = fast_client(hub.endpoint, retries=0)
    with pytest.raises(HubHTTPError, match="HTTP 404.*check --endpoint"):
        client.fetch(hub.endpoint + "/api/models/no/such")
    hub.fail(429, 1, reset=7)
    with pytest.raises(HubHTTPError, match="rate limit.*wait 7 s.*resume"):
        client.fetch(client.listing_url("createdAt"))
