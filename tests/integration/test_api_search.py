"""Search over the API, on PostgreSQL's full-text search: each operator, phrases, exclusion,
text in several languages and scripts, malformed queries, scope, and pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

import psycopg
import pytest

from mailman.adapters.postgres import search as postgres_search
from mailman.domain import search as search_rules

from .conftest import ApiClient, Tenant
from .mail_helpers import MailSink, receive_raw, rows

pytestmark = pytest.mark.usefixtures("mailbox")

ATTACHED = (
    "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain; "
    "charset=utf-8\r\n\r\n{body}\r\n--B\r\nContent-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename=quarterly-figures.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
)


def _put(
    box: MailSink,
    subject: str,
    body: str,
    *,
    sender: str = "Alice Example <alice@elsewhere.example>",
    to: str = "support@example.com",
    attached: bool = False,
    envelope: str = "support@example.com",
) -> UUID:
    """Receive a message; answer its id."""
    content = (
        ATTACHED.format(body=body)
        if attached
        else f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    raw = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{uuid4()}@x>\r\n"
        f"MIME-Version: 1.0\r\n{content}"
    ).encode()
    receive_raw(box, raw, source_id=str(uuid4()), envelope=(envelope,))
    [(found,)] = rows(box, "SELECT id FROM messages WHERE subject = %s", subject)
    return UUID(str(found))


def _set(box: MailSink, message: UUID, assignments: str, *params: Any) -> None:
    statement = f"UPDATE messages SET {assignments} WHERE id = %s RETURNING id"  # noqa: S608 (the tests' own SQL)
    rows(box, statement, *params, message)


def _search(api: ApiClient, q: str, inbox: UUID | None = None, **more: Any) -> Any:
    path = f"/inboxes/{inbox}/search" if inbox else "/search"
    return api.get(path, query=urlencode({"q": q, **more}))


def _subjects(tenant: Tenant, q: str, inbox: UUID | None = None) -> list[str]:
    answer = _search(tenant.api, q, inbox)
    assert answer.status == 200, answer.json()
    return [hit["subject"] for hit in answer.json()["data"]]


@pytest.fixture
def found(tenant: Tenant, mailbox: MailSink) -> Callable[[str], set[str]]:
    """The subjects a query finds in the support inbox."""
    return lambda q: set(_subjects(tenant, q, mailbox.support))


def test_words_phrases_exclusion_or_and_groups(
    mailbox: MailSink, found: Callable[[str], set[str]]
) -> None:
    _put(mailbox, "one", "the late fee applies to the invoice")
    _put(mailbox, "two", "the fee is late, see the invoice")
    _put(mailbox, "three", "a receipt for you")

    assert found("invoice fee") == {"one", "two"}
    assert found('"late fee"') == {"one"}
    assert found('invoice -"late fee"') == {"two"}
    assert found("invoice -one") == {"two"}
    assert found("receipt OR applies") == {"one", "three"}
    assert found("(receipt OR applies) -late") == {"three"}
    assert found("nowhere") == set()


def test_field_operators_look_only_in_their_part(
    mailbox: MailSink, found: Callable[[str], set[str]]
) -> None:
    _put(mailbox, "from ann", "hello", sender="Ann Lee <ann.lee@corp.example>")
    _put(mailbox, "mentions ann", "ann asked about it")
    _put(mailbox, "to bob", "hi", to="Bob Stone <bob@partner.example>, support@example.com")

    assert found("from:ann") == {"from ann"}
    assert found("from:ann.lee@corp.example") == {"from ann"}
    assert found("from:corp.example") == {"from ann"}
    assert found('from:"Ann Lee"') == {"from ann"}
    assert found("ann") == {"from ann", "mentions ann"}
    assert found("to:stone") == {"to bob"}
    assert found("cc:bob@partner.example") == {"to bob"}
    assert found("subject:mentions") == {"mentions ann"}
    assert found("subject:asked") == set()
    assert found("from:ann hello") == {"from ann"}


def test_state_operators(mailbox: MailSink, found: Callable[[str], set[str]]) -> None:
    read = _put(mailbox, "read one", "report")
    starred = _put(mailbox, "starred one", "report")
    _put(mailbox, "attached one", "report", attached=True)
    labelled = _put(mailbox, "labelled one", "report")
    custom = uuid4()
    filed = _put(mailbox, "filed one", "report")
    _set(mailbox, read, "is_read = true")
    _set(mailbox, starred, "starred = true")
    _set(mailbox, labelled, "labels = %s, folder = 'archive'", ["Work", "important"])
    _set(mailbox, filed, "folder = %s", str(custom))

    assert found("has:attachment") == {"attached one"}
    assert found("quarterly-figures.pdf") == {"attached one"}
    assert found("report is:read") == {"read one"}
    assert found("report is:unread") == {"starred one", "attached one", "labelled one", "filed one"}
    assert found("report is:starred") == {"starred one"}
    assert found("in:starred") == {"starred one"}
    assert found("label:Work") == {"labelled one"}
    assert found("label:important report") == {"labelled one"}
    assert found("in:archive") == {"labelled one"}
    assert found(f"in:{custom}") == {"filed one"}
    assert found("report -in:inbox") == {"labelled one", "filed one"}
    assert found("report -is:unread") == {"read one"}
    assert found("is:read is:unread") == set()
    assert found("label:nothing OR is:starred") == {"starred one"}
    assert found("quarterly-figures.pdf OR is:starred") == {"attached one", "starred one"}
    assert found("report (is:starred OR has:attachment)") == {"starred one", "attached one"}


def test_trash_and_spam_are_searched_only_when_named(
    mailbox: MailSink, found: Callable[[str], set[str]]
) -> None:
    _put(mailbox, "kept", "receipt")
    trashed = _put(mailbox, "trashed", "receipt")
    spam = _put(mailbox, "spammy", "receipt")
    _set(mailbox, trashed, "folder = 'trash', restore_folder = 'inbox', deleted_at = now()")
    _set(mailbox, spam, "folder = 'spam'")

    assert found("receipt") == {"kept"}
    assert found("receipt in:trash") == {"trashed"}
    assert found("receipt in:spam") == {"spammy"}
    assert found("receipt in:anywhere") == {"kept", "trashed", "spammy"}


def test_mail_being_erased_is_found_no_more(
    mailbox: MailSink, found: Callable[[str], set[str]]
) -> None:
    """Marked for erasure, mail is gone for reading (404 by id, out of the trash listing):
    search does not find it either, in trash or anywhere."""
    trashed = _put(mailbox, "trashed", "receipt")
    erasing = _put(mailbox, "erasing", "receipt")
    for message in (trashed, erasing):
        _set(mailbox, message, "folder = 'trash', restore_folder = 'inbox', deleted_at = now()")
    _set(mailbox, erasing, "erase_requested_at = now()")

    assert found("receipt in:trash") == {"trashed"}
    assert found("in:trash") == {"trashed"}
    assert found("receipt in:anywhere") == {"trashed"}


def test_quarantined_mail_is_never_found(
    mailbox: MailSink, found: Callable[[str], set[str]]
) -> None:
    held = _put(mailbox, "held", "receipt")
    _set(mailbox, held, "quarantined = true, quarantine_reason = 'virus'")

    assert found("receipt in:anywhere") == set()


def test_dates_after_includes_the_day_before_excludes_it(
    mailbox: MailSink, found: Callable[[str], set[str]]
) -> None:
    old = _put(mailbox, "old", "minutes")
    _put(mailbox, "new", "minutes")
    _set(mailbox, old, "created_at = '2025-03-01T10:00:00Z'")

    assert found("minutes before:2025-03-02") == {"old"}
    assert found("minutes before:2025/03/01") == set()
    assert found("minutes after:2025-03-01") == {"old", "new"}
    assert found("minutes after:2025-03-02") == {"new"}


def test_accents_case_and_scripts(mailbox: MailSink, found: Callable[[str], set[str]]) -> None:
    _put(mailbox, "Grüße aus München", "Die Größe der Straße; ein Résumé.")
    _put(mailbox, "Привет", "Встреча в Москве завтра")
    _put(mailbox, "Καλημέρα", "Συνάντηση αύριο στην Αθήνα")
    _put(mailbox, "会議", "明日の会議について、東京で会いましょう。")

    assert found("munchen") == {"Grüße aus München"}
    assert found("MÜNCHEN") == {"Grüße aus München"}
    assert found("grusse strasse resume") == {"Grüße aus München"}
    assert found("москве") == {"Привет"}
    assert found("ВСТРЕЧА") == {"Привет"}
    assert found("αθηνα") == {"Καλημέρα"}
    assert found("Συνάντηση") == {"Καλημέρα"}
    # Japanese has no spaces: a run of characters between punctuation is one word.
    assert found("会議") == {"会議"}
    assert found("東京で会いましょう") == {"会議"}
    assert found("東京") == set()


def test_a_hit_shows_the_message_and_a_snippet_marking_what_matched(
    tenant: Tenant, mailbox: MailSink
) -> None:
    message = _put(mailbox, "Budget", "Please look at the budget before Friday.", attached=True)

    [hit] = _search(tenant.api, "budget friday", mailbox.support).json()["data"]

    assert hit["id"] == str(message)
    assert hit["from"] == {"address": "alice@elsewhere.example", "name": "Alice Example"}
    assert (hit["folder"], hit["read"], hit["starred"], hit["labels"]) == (
        "inbox",
        False,
        False,
        [],
    )
    assert hit["has_attachments"] is True
    assert hit["rank"] > 0
    text = hit["snippet"]["text"]
    assert "look at the budget before Friday" in text
    assert [text[a:b] for a, b in hit["snippet"]["highlights"]] == ["budget", "Friday"]


def test_ranked_subject_first_then_newest_on_ties(tenant: Tenant, mailbox: MailSink) -> None:
    _put(mailbox, "older", "the budget in the text")
    _put(mailbox, "budget", "named in the subject")
    _put(mailbox, "newer", "the budget in the text")

    assert _subjects(tenant, "budget", mailbox.support) == ["budget", "newer", "older"]


@pytest.mark.parametrize(
    ("q", "position"),
    [
        ('invoice "late', 8),
        ("(invoice OR receipt", 0),
        ("invoice)", 7),
        ("invoice frm:ann", 8),
        ("after:2025-02-30", 6),
        ("", 0),
        ("invoice OR", 8),
    ],
)
def test_a_malformed_query_is_a_400_saying_where(
    tenant: Tenant, mailbox: MailSink, q: str, position: int
) -> None:
    answer = _search(tenant.api, q, mailbox.support)

    assert answer.status == 400
    error = answer.json()["error"]
    assert (error["type"], error["field"]) == ("validation_error", "q")
    assert error["details"] == {"position": position}
    assert f"position {position}" in error["message"]


def test_a_query_is_never_sql(tenant: Tenant, mailbox: MailSink) -> None:
    _put(mailbox, "O'Brien", "it's done \\ really")

    for q in ("O'Brien", "it's", '"x\'); DROP TABLE messages; --"', "a\\b", "1:*", "it''s&!x|y:A"):
        assert _search(tenant.api, q, mailbox.support).status == 200, q
    assert _subjects(tenant, "o'brien", mailbox.support) == ["O'Brien"]
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(1,)]


def test_missing_query_limit_and_token_are_refused(tenant: Tenant, mailbox: MailSink) -> None:
    assert tenant.api.get("/search").status == 400
    assert _search(tenant.api, "x", limit=0).status == 400
    answer = _search(tenant.api, "x", page_token="not-ours")
    assert (answer.status, answer.json()["error"]["field"]) == (400, "page_token")


def test_inbox_search_and_organisation_search(tenant: Tenant, mailbox: MailSink) -> None:
    sales = tenant.api.post(
        "/inboxes", {"domain_id": _domain_id(mailbox), "local_part": "sales"}
    ).json()["id"]
    _put(mailbox, "for support", "quote")
    _put(mailbox, "for sales", "quote", to="sales@example.com", envelope="sales@example.com")

    assert set(_subjects(tenant, "quote")) == {"for support", "for sales"}
    assert _subjects(tenant, "quote", UUID(sales)) == ["for sales"]
    assert _subjects(tenant, "quote", mailbox.support) == ["for support"]
    assert _search(tenant.api, "quote", uuid4()).status == 404


def test_bound_credential_and_other_organisations_see_nothing_more(
    tenant: Tenant, other_tenant: Tenant, mailbox: MailSink
) -> None:
    sales = tenant.api.post(
        "/inboxes", {"domain_id": _domain_id(mailbox), "local_part": "sales"}
    ).json()["id"]
    _put(mailbox, "for support", "quote")
    _put(mailbox, "for sales", "quote", to="sales@example.com", envelope="sales@example.com")
    key = tenant.api.post("/api-keys", {"name": "sales", "inbox_ids": [sales]}).json()["key"]
    bound = ApiClient(key)

    assert [h["subject"] for h in _search(bound, "quote").json()["data"]] == ["for sales"]
    assert _search(bound, "quote", mailbox.support).status == 404
    assert _search(other_tenant.api, "quote").json()["data"] == []
    assert _search(other_tenant.api, "quote", mailbox.support).status == 404


def test_pages_cross_bands_with_no_repeats_and_nothing_missing(
    tenant: Tenant, mailbox: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_rules, "BAND", 4)
    monkeypatch.setattr(postgres_search, "BAND", 4)
    made = {_put(mailbox, f"m{i}", "common common" if i % 3 else "common once") for i in range(11)}
    _put(mailbox, "unrelated", "nothing here")

    seen: list[str] = []
    token = None
    while True:
        extra: dict[str, str] = {"page_token": token} if token else {}
        page = _search(tenant.api, "common", mailbox.support, limit=3, **extra).json()
        assert len(page["data"]) <= 3
        seen += [hit["id"] for hit in page["data"]]
        token = page["next_page_token"]
        if token is None:
            break

    assert len(seen) == len(set(seen)) == len(made)
    assert {UUID(i) for i in seen} == made


def _domain_id(box: MailSink) -> str:
    [(domain,)] = rows(box, "SELECT domain_id FROM inboxes WHERE id = %s", box.support)
    return str(domain)


def _band_as_tenant(box: MailSink, organization: str, inboxes: str) -> set[str]:
    """What `mailman_search_band` (a SECURITY DEFINER function) gives a tenant's transaction
    whose settings name `organization` and `inboxes`, as the API's transactions set them."""
    with psycopg.connect(box.database_url) as conn:
        conn.execute(
            "SELECT set_config('role', 'mailman_tenant', true), "
            "set_config('mailman.organization_id', %s, true), "
            "set_config('mailman.inbox_ids', %s, true)",
            [organization, inboxes],
        )
        ids = conn.execute(
            "SELECT id FROM mailman_search_band(to_tsquery('public.mailman_search', 'quote'), "
            "NULL, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 100)"
        ).fetchall()
    # The subjects read as the owner: row-level security must not hide a leak.
    found = rows(box, "SELECT subject FROM messages WHERE id = ANY(%s)", [i for (i,) in ids])
    return {subject for (subject,) in found}


def test_the_band_function_keeps_to_the_callers_rows(tenant: Tenant, mailbox: MailSink) -> None:
    sales = tenant.api.post(
        "/inboxes", {"domain_id": _domain_id(mailbox), "local_part": "sales"}
    ).json()["id"]
    _put(mailbox, "for support", "quote")
    _put(mailbox, "for sales", "quote", to="sales@example.com", envelope="sales@example.com")
    org = str(mailbox.organization_id)

    assert _band_as_tenant(mailbox, org, "") == {"for support", "for sales"}
    assert _band_as_tenant(mailbox, org, "{" + sales + "}") == {"for sales"}
    assert _band_as_tenant(mailbox, str(uuid4()), "") == set()
    assert _band_as_tenant(mailbox, "", "") == set()
