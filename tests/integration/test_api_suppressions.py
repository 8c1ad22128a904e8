"""The suppression list over the API, on PostgreSQL: adding one address or a batch, listing
with filters and pages, reading and removing one or many, bad input, one organisation's list
never touching another's mail, and sends refused or trimmed by it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import pytest

from .api_world import ApiWorld, world
from .conftest import BUCKET, Response, Tenant
from .sending_helpers import OutboundPipeline, outbox, sent_mail

__all__ = ["outbox", "world"]


def _add(tenant: Tenant, address: str, **fields: Any) -> Response:
    return tenant.api.post("/suppressions", {"address": address, **fields})


def _listed(tenant: Tenant, **query: str) -> list[str]:
    answer = tenant.api.get("/suppressions", query=urlencode(query))
    assert answer.status == 200, answer.json()
    return [e["address"] for e in answer.json()["data"]]


def _refused(answer: Response, field: str, status: int = 400) -> dict[str, Any]:
    assert answer.status == status, answer.json()
    error: dict[str, Any] = answer.json()["error"]
    assert (error["type"], error["field"]) == ("validation_error", field), error
    assert error["trace_id"]
    return error


def _send(o: OutboundPipeline, **body: Any) -> Response:
    return o.tenant.api.post(f"/inboxes/{o.box.support}/messages", {"text": "Hi", **body})


def _rows(o: OutboundPipeline, table: str) -> int:
    [(count,)] = o.rows(f"SELECT count(*) FROM {table}")  # noqa: S608 (a constant name)
    return int(count)


ITEM = {"address": "b@customer.example"}


# -- adding ----------------------------------------------------------------------------------


def test_one_address_is_added_in_canonical_form_then_found_suppressed_already(
    tenant: Tenant,
) -> None:
    added = _add(tenant, "Jane@Bücher.Example", reason="unsubscribe", note="clicked the link")
    again = _add(tenant, "jane@xn--bcher-kva.example")

    assert added.status == 201, added.json()
    entry = added.json()
    assert (entry["address"], entry["reason"], entry["details"]) == (
        "jane@xn--bcher-kva.example",
        "unsubscribe",
        {"note": "clicked the link"},
    )
    assert entry["source_message_id"] is None
    assert (again.status, again.json()) == (200, entry)


def test_a_batch_answers_each_item_in_order(tenant: Tenant) -> None:
    _add(tenant, "old@customer.example")

    answer = tenant.api.post(
        "/suppressions",
        {
            "suppressions": [
                {"address": "NEW@customer.example", "note": "bulk import"},
                {"address": "not an address"},
                {"address": "old@customer.example", "reason": "unsubscribe"},
            ]
        },
    )

    assert answer.status == 200, answer.json()
    results = answer.json()["results"]
    assert [(r["address"], r["result"]) for r in results] == [
        ("new@customer.example", "added"),
        ("not an address", "invalid"),
        ("old@customer.example", "already_suppressed"),
    ]
    assert results[1]["error"]["field"] == "suppressions[1].address"
    assert results[0]["error"] is None
    assert _listed(tenant) == ["old@customer.example", "new@customer.example"]


def test_a_batch_of_a_thousand_is_taken_and_one_more_is_refused(tenant: Tenant) -> None:
    batch = [{"address": f"user{n}@customer.example"} for n in range(1000)]

    taken = tenant.api.post("/suppressions", {"suppressions": batch})
    refused = tenant.api.post(
        "/suppressions", {"suppressions": [*batch, {"address": "one.more@customer.example"}]}
    )

    assert taken.status == 200, taken.json()
    assert {r["result"] for r in taken.json()["results"]} == {"added"}
    _refused(refused, "suppressions")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "jane@customer.example", "reason": "bounce"}, "reason"),
        ({"address": "Jane <jane@customer.example>"}, "address"),
        ({"address": "jane@customer.example", "note": "x" * 501}, "note"),
        ({"address": "jane@customer.example", "colour": "red"}, "colour"),
        ({"note": "no address"}, "address"),
        ({"address": "a@customer.example", "suppressions": [ITEM]}, "address"),
        ({"suppressions": [ITEM], "reason": "manual"}, "reason"),
        ({"suppressions": []}, "suppressions"),
        ({"suppressions": [ITEM] * 3 + [{"address": 5}]}, "suppressions[3].address"),
        ({"suppressions": [{**ITEM, "reason": "complaint"}]}, "suppressions[0].reason"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_adds_nothing(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    _refused(tenant.api.post("/suppressions", body), field)

    assert _listed(tenant) == []


# -- reading ---------------------------------------------------------------------------------


def test_the_list_filters_by_reason_prefix_and_time(
    tenant: Tenant, outbox: OutboundPipeline
) -> None:
    _add(tenant, "ann@customer.example")
    _add(tenant, "a_b@customer.example", reason="unsubscribe")
    outbox.rows(
        "UPDATE suppressed_addresses SET created_at = now() - interval '2 days' "
        "WHERE address = 'ann@customer.example' RETURNING id"
    )
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    assert _listed(tenant) == ["ann@customer.example", "a_b@customer.example"]
    assert _listed(tenant, reason="unsubscribe") == ["a_b@customer.example"]
    assert _listed(tenant, prefix="AN") == ["ann@customer.example"]
    assert _listed(tenant, prefix="a_") == ["a_b@customer.example"]
    assert _listed(tenant, prefix="a%") == []
    assert _listed(tenant, since=since) == ["a_b@customer.example"]
    assert _listed(tenant, reason="manual", prefix="a", since=since) == []


def test_the_list_reads_on_page_by_page(tenant: Tenant) -> None:
    tenant.api.post(
        "/suppressions",
        {"suppressions": [{"address": f"user{n}@customer.example"} for n in range(5)]},
    )

    seen: list[str] = []
    query = {"limit": "2"}
    while True:
        page = tenant.api.get("/suppressions", query=urlencode(query)).json()
        seen += [e["address"] for e in page["data"]]
        if page["next_page_token"] is None:
            break
        query["page_token"] = page["next_page_token"]

    assert sorted(seen) == [f"user{n}@customer.example" for n in range(5)]
    assert len(seen) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"reason": "spite"}, "reason"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-21T10:00:00"}, "since"),
        ({"prefix": "a" * 255}, "prefix"),
        ({"limit": "0"}, "limit"),
        ({"page_token": "not-a-token"}, "page_token"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(tenant: Tenant, query: dict[str, str], field: str) -> None:
    _refused(tenant.api.get("/suppressions", query=urlencode(query)), field)


@pytest.mark.parametrize(
    "path", ["JANE@customer.example", "jane%40customer.example", "Jane@Customer.Example"]
)
def test_one_address_reads_in_any_case_or_encoding(tenant: Tenant, path: str) -> None:
    _add(tenant, "jane@customer.example", note="asked")

    found = tenant.api.get(f"/suppressions/{path}")

    assert found.status == 200, found.json()
    assert (found.json()["address"], found.json()["details"]) == (
        "jane@customer.example",
        {"note": "asked"},
    )


def test_an_address_with_a_unicode_domain_reads_by_its_encoded_path(tenant: Tenant) -> None:
    _add(tenant, "ann@xn--bcher-kva.example")

    found = tenant.api.get(f"/suppressions/{quote('ann@bücher.example', safe='@')}")

    assert found.status == 200, found.json()


def test_a_path_that_decodes_to_what_cannot_be_stored_is_a_400(tenant: Tenant) -> None:
    _refused(tenant.api.get("/suppressions/jane%00@customer.example"), "address")
    _refused(tenant.api.delete("/suppressions/jane%00@customer.example"), "address")


def test_an_address_not_suppressed_is_a_404(tenant: Tenant) -> None:
    missing = tenant.api.get("/suppressions/nobody@customer.example")

    assert missing.status == 404
    assert (missing.json()["error"]["type"], missing.json()["error"]["field"]) == (
        "not_found",
        "address",
    )


# -- removing --------------------------------------------------------------------------------


def test_an_address_removed_is_gone_kept_as_a_deleted_row_and_may_come_back(
    tenant: Tenant, outbox: OutboundPipeline
) -> None:
    _add(tenant, "jane@customer.example", note="first")

    removed = tenant.api.delete("/suppressions/Jane@Customer.example")
    twice = tenant.api.delete("/suppressions/jane@customer.example")
    back = _add(tenant, "jane@customer.example", reason="unsubscribe")

    assert removed.status == 204
    assert twice.status == 404
    assert back.status == 201, back.json()
    assert back.json()["details"] == {}
    assert outbox.rows(
        "SELECT reason, deleted_at IS NOT NULL FROM suppressed_addresses ORDER BY created_at"
    ) == [("manual", True), ("unsubscribe", False)]


def test_a_bulk_removal_answers_each_address(tenant: Tenant) -> None:
    _add(tenant, "ann@customer.example")
    _add(tenant, "bob@customer.example")

    answer = tenant.api.post(
        "/suppressions/delete",
        {"addresses": ["ANN@customer.example", "nobody@customer.example", "ann@customer.example"]},
    )

    assert answer.status == 200, answer.json()
    assert [(r["address"], r["result"]) for r in answer.json()["results"]] == [
        ("ann@customer.example", "removed"),
        ("nobody@customer.example", "not_suppressed"),
        ("ann@customer.example", "not_suppressed"),
    ]
    assert _listed(tenant) == ["bob@customer.example"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"addresses": []}, "addresses"),
        ({"addresses": ["a@customer.example"] * 1001}, "addresses"),
        ({"addresses": ["a@customer.example", 7]}, "addresses[1]"),
        ({"addresses": [""]}, "addresses[0]"),
        ({}, "addresses"),
    ],
)
def test_a_bad_bulk_removal_is_a_400_naming_the_field_and_removes_nothing(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    _add(tenant, "a@customer.example")

    _refused(tenant.api.post("/suppressions/delete", body), field)

    assert _listed(tenant) == ["a@customer.example"]


# -- organisations ---------------------------------------------------------------------------


def test_one_organisations_list_is_invisible_to_another(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    _add(other_tenant, "jane@customer.example")

    assert tenant.api.get("/suppressions/jane@customer.example").status == 404
    assert tenant.api.delete("/suppressions/jane@customer.example").status == 404
    assert _listed(tenant) == []
    assert _add(tenant, "jane@customer.example").status == 201
    assert _listed(other_tenant) == ["jane@customer.example"]


def test_one_organisations_suppression_never_blocks_anothers_mail(
    world: ApiWorld, other_tenant: Tenant, outbox: OutboundPipeline
) -> None:
    _add(other_tenant, "jane@customer.example")
    outbox.run()  # what building the world sent
    before = len(sent_mail())

    sent = _send(outbox, to=["jane@customer.example"])
    outbox.run()

    assert sent.status == 202, sent.json()
    assert [r["status"] for r in sent.json()["recipients"]] == [None]
    assert len(sent_mail()) == before + 1
    assert sent_mail()[-1].destinations[0] == "jane@customer.example"
    refused = other_tenant.api.post(
        f"/inboxes/{world.foreign.ids['inbox_id'][0]}/messages",
        {"to": ["jane@customer.example"], "text": "Hi"},
    )
    assert refused.status == 422, refused.json()


# -- sending ---------------------------------------------------------------------------------


def test_a_send_to_suppressed_addresses_only_is_a_422_naming_them(
    outbox: OutboundPipeline,
) -> None:
    _add(outbox.tenant, "jane@customer.example")
    _add(outbox.tenant, "bob@customer.example", reason="unsubscribe")
    messages = _rows(outbox, "messages")

    answer = _send(outbox, to=["Jane <JANE@customer.example>"], cc=["bob@customer.example"])

    assert answer.status == 422, answer.json()
    error = answer.json()["error"]
    assert error["type"] == "recipients_suppressed"
    assert error["details"] == {
        "recipients": [
            {"address": "JANE@customer.example", "reason": "manual"},
            {"address": "bob@customer.example", "reason": "unsubscribe"},
        ]
    }
    assert "JANE@customer.example (manual)" in error["message"]
    assert _rows(outbox, "messages") == messages
    assert outbox.jobs() == []


def test_a_refused_send_leaves_no_attachment_in_s3(outbox: OutboundPipeline) -> None:
    _add(outbox.tenant, "jane@customer.example")
    inline = {"filename": "r.csv", "content": "YSxiCjEsMgo="}

    answer = _send(outbox, to=["jane@customer.example"], attachments=[inline])

    assert answer.status == 422, answer.json()
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="attachments/")["KeyCount"] == 0


def test_a_send_to_some_suppressed_addresses_skips_them_and_sends_to_the_rest(
    outbox: OutboundPipeline,
) -> None:
    _add(outbox.tenant, "jane@customer.example")

    answer = _send(outbox, to=["ann@customer.example"], bcc=["Jane@customer.example"])
    read = outbox.tenant.api.get(f"/messages/{answer.json()['id']}")
    outbox.run()

    assert answer.status == 202, answer.json()
    assert [
        (r["address"], r["status"], r["status_reason"]) for r in answer.json()["recipients"]
    ] == [
        ("ann@customer.example", None, None),
        ("Jane@customer.example", "suppressed", "suppressed (manual)"),
    ]
    assert read.json() == answer.json()
    [mail] = sent_mail()
    assert mail.destinations[0] == "ann@customer.example"
    assert "Jane@customer.example" not in mail.destinations[0]


@pytest.mark.parametrize("path", ["reply", "reply-all", "forward", "draft"])
def test_replies_forwards_and_drafts_to_suppressed_addresses_only_are_a_422(
    outbox: OutboundPipeline, path: str
) -> None:
    parent = _send(outbox, to=["jane@customer.example"]).json()
    draft = outbox.tenant.api.post(
        f"/inboxes/{outbox.box.support}/drafts", {"to": ["jane@customer.example"], "text": "x"}
    ).json()
    _add(outbox.tenant, "jane@customer.example")
    requests = {
        "reply": (f"/messages/{parent['id']}/reply", {"text": "Again"}),
        "reply-all": (f"/messages/{parent['id']}/reply-all", {"text": "Again"}),
        "forward": (f"/messages/{parent['id']}/forward", {"to": ["jane@customer.example"]}),
        "draft": (f"/drafts/{draft['id']}/send", None),
    }
    where, body = requests[path]

    answer = outbox.tenant.api.post(where, body)

    assert answer.status == 422, answer.json()
    assert answer.json()["error"]["details"]["recipients"] == [
        {"address": "jane@customer.example", "reason": "manual"}
    ]
    assert outbox.tenant.api.get(f"/drafts/{draft['id']}").status == 200
