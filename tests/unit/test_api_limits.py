"""The OpenAPI document states each limit of a request, and states the one the service keeps:
every bound in it is the domain's constant for that field, so the two cannot drift apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from functions.api.documents import openapi
from functions.api.handler import pipeline
from mailman.domain import (
    access,
    api_keys,
    auth_keys,
    dmarc_reports,
    documents,
    folders,
    headers,
    mailbox_state,
    names,
    pagination,
    ratelimit,
    reputation,
    sending,
    suppressions,
    webhook_endpoints,
    webhook_targets,
    webhooks,
)

BOUNDS = {"maxLength", "minLength", "maxItems", "maxProperties", "maximum", "minimum"}

SEND = {
    "attachments.maxItems": sending.MAX_ATTACHMENTS,
    "to.maxItems": sending.MAX_RECIPIENTS,
    "cc.maxItems": sending.MAX_RECIPIENTS,
    "bcc.maxItems": sending.MAX_RECIPIENTS,
    "reply_to.maxItems": sending.MAX_REPLY_TO,
    "to[].maxLength": sending.MAX_ADDRESS_LENGTH,
    "cc[].maxLength": sending.MAX_ADDRESS_LENGTH,
    "bcc[].maxLength": sending.MAX_ADDRESS_LENGTH,
    "reply_to[].maxLength": sending.MAX_ADDRESS_LENGTH,
    "headers.maxProperties": sending.MAX_CUSTOM_HEADERS,
    "headers{}.maxLength": headers.MAX_HEADER_VALUE_LENGTH,
    "labels.maxItems": sending.MAX_LABELS,
    "labels[].maxLength": sending.MAX_LABEL_LENGTH,
    "labels[].minLength": 1,
    "list_unsubscribe.maxLength": sending.MAX_UNSUBSCRIBE_LENGTH,
    "metadata.maxProperties": documents.MAX_METADATA_KEYS,
    "subject.maxLength": sending.MAX_SUBJECT_LENGTH,
}
DOMAIN_SETTINGS = {
    "from_name.maxLength": names.MAX_DISPLAY_NAME_LENGTH,
    "reply_to.maxLength": names.MAX_ADDRESS_OCTETS,
    "bounce_address.maxLength": names.MAX_ADDRESS_OCTETS,
    "list_unsubscribe.maxLength": sending.MAX_UNSUBSCRIBE_LENGTH,
}
FILE = {
    "filename.maxLength": sending.MAX_FILENAME_LENGTH,
    "filename.minLength": 1,
    "content_type.maxLength": sending.MAX_CONTENT_TYPE_LENGTH,
}
LISTING = {
    "limit.minimum": 1,
    "limit.maximum": pagination.MAX_LIMIT,
    "page_token.maxLength": pagination.MAX_PAGE_TOKEN_LENGTH,
}
SUPPRESSION = {
    "address.maxLength": names.MAX_ADDRESS_OCTETS,
    "address.minLength": 1,
    "note.maxLength": suppressions.MAX_NOTE_LENGTH,
}
WEBHOOK = {
    "url.maxLength": webhook_targets.MAX_URL_LENGTH,
    "event_types.maxItems": webhook_endpoints.MAX_EVENT_TYPES,
    "event_types[].maxLength": webhook_endpoints.MAX_EVENT_TYPE_LENGTH,
    "inbox_ids.maxItems": webhook_endpoints.MAX_INBOXES,
    "description.maxLength": webhook_endpoints.MAX_DESCRIPTION_LENGTH,
}
MAILBOX_FILTERS = {
    "folder.maxLength": mailbox_state.MAX_FOLDER_LENGTH,
    "label.maxLength": sending.MAX_LABEL_LENGTH,
    "from.maxLength": names.MAX_ADDRESS_OCTETS,
}
LABELS = {
    "add.maxItems": sending.MAX_LABELS,
    "add[].minLength": 1,
    "add[].maxLength": sending.MAX_LABEL_LENGTH,
    "remove.maxItems": sending.MAX_LABELS,
    "remove[].minLength": 1,
    "remove[].maxLength": sending.MAX_LABEL_LENGTH,
}
EXPECTED: dict[str, dict[str, int]] = {
    "SendIn": SEND,
    "ReplyIn": SEND,
    "DraftIn": SEND,
    "UpdateDomain": DOMAIN_SETTINGS,
    "CreateDomain": {**DOMAIN_SETTINGS, "name.maxLength": names.MAX_DOMAIN_LENGTH},
    "CreateInbox": {
        "local_part.maxLength": names.MAX_LOCAL_PART_OCTETS,
        "display_name.maxLength": names.MAX_DISPLAY_NAME_LENGTH,
    },
    "UpdateInbox": {
        "display_name.maxLength": names.MAX_DISPLAY_NAME_LENGTH,
        "trash_retention_days.minimum": folders.MIN_RETENTION_DAYS,
        "trash_retention_days.maximum": folders.MAX_RETENTION_DAYS,
    },
    "ResumeSending": {"reason.minLength": 1, "reason.maxLength": reputation.MAX_REASON_LENGTH},
    "CreateApiKey": {
        "name.maxLength": api_keys.MAX_NAME_LENGTH,
        "rate_limit_per_minute.minimum": 1,
        "rate_limit_per_minute.maximum": ratelimit.MAX_PER_MINUTE,
        "inbox_ids.maxItems": access.MAX_BOUND_INBOXES,
    },
    "AttachmentIn": {
        **FILE,
        "content_id.maxLength": sending.MAX_CONTENT_ID_LENGTH,
    },
    "UploadIn": FILE,
    "SuppressionIn": SUPPRESSION,
    "AddSuppressionsIn": {**SUPPRESSION, "suppressions.maxItems": suppressions.MAX_BATCH},
    "RemoveSuppressionsIn": {
        "addresses[].maxLength": names.MAX_ADDRESS_OCTETS,
        "addresses[].minLength": 1,
        "addresses.maxItems": suppressions.MAX_BATCH,
    },
    "GET /api-keys": LISTING,
    "RegisterAuthKey": {
        "kid.minLength": 1,
        "kid.maxLength": auth_keys.MAX_KID_LENGTH,
        "public_key.maxLength": auth_keys.MAX_PUBLIC_KEY_LENGTH,
    },
    "GET /auth-keys": LISTING,
    "GET /domains": LISTING,
    "GET /inboxes": LISTING,
    "GET /inboxes/{inbox_id}/drafts": LISTING,
    "GET /inboxes/{inbox_id}/messages": {**LISTING, **MAILBOX_FILTERS},
    "GET /inboxes/{inbox_id}/threads": {**LISTING, **MAILBOX_FILTERS},
    "LabelsIn": LABELS,
    "ChangeIn": {"folder.maxLength": mailbox_state.MAX_FOLDER_LENGTH},
    "BatchIn": {"ids.maxItems": folders.MAX_BATCH},
    "FolderIn": {"name.minLength": 1, "name.maxLength": folders.MAX_FOLDER_NAME},
    "GET /inboxes/{inbox_id}/search": LISTING,
    "GET /search": LISTING,
    "SnippetOut": {"highlights[].maxItems": 2},
    "GET /messages/{message_id}/delivery": LISTING,
    "GET /suppressions": {**LISTING, "prefix.maxLength": suppressions.MAX_PREFIX_LENGTH},
    "GET /domains/{domain_id}/dmarc/reports": {
        **LISTING,
        "reporter.maxLength": dmarc_reports.MAX_REPORTER_LENGTH,
    },
    "CreateWebhook": WEBHOOK,
    "UpdateWebhook": WEBHOOK,
    "RotateSecretIn": {
        "grace_period_seconds.minimum": 0,
        "grace_period_seconds.maximum": int(webhooks.MAX_ROTATION_GRACE.total_seconds()),
    },
    "GET /webhooks": LISTING,
    "GET /webhooks/{webhook_id}/deliveries": {
        **LISTING,
        "event_type.maxLength": webhook_endpoints.MAX_EVENT_TYPE_LENGTH,
    },
    "GET /events": {
        "limit.minimum": 1,
        "limit.maximum": pagination.MAX_LIMIT,
        "after.maxLength": pagination.MAX_EVENT_CURSOR_LENGTH,
    },
}


_NESTED = {"items": "[]", "additionalProperties": "{}", "anyOf": "", "allOf": "", "oneOf": ""}
"""Keywords whose value holds schemas, and what each adds to the path of the bounds under it."""


def _bounds(node: Any, where: str) -> Iterator[tuple[str, int]]:
    """(`field.keyword`, `field[].keyword` of items or `field{}.keyword` of a map's values,
    value) of every bound under a schema node."""
    if isinstance(node, list):
        for item in node:
            yield from _bounds(item, where)
        return
    if not isinstance(node, dict):
        return
    for keyword, value in node.items():
        if keyword in BOUNDS:
            yield f"{where}.{keyword}", int(value)
        elif keyword == "properties":
            for name, child in value.items():
                yield from _bounds(child, f"{where}.{name}".lstrip("."))
        elif keyword in _NESTED:
            yield from _bounds(value, where + _NESTED[keyword])


def _document_bounds() -> dict[str, dict[str, int]]:
    document = json.loads(pipeline().app.get_openapi_json_schema(**openapi()))
    found: dict[str, dict[str, int]] = {}
    for name, schema in document["components"]["schemas"].items():
        if bounds := dict(_bounds(schema, "")):
            found[name] = bounds
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            bounds = {}
            for parameter in operation.get("parameters", []):
                bounds.update(_bounds(parameter.get("schema", {}), parameter["name"]))
            if bounds:
                found[f"{method.upper()} {path}"] = bounds
    return found


def test_every_bound_the_api_publishes_is_the_domains_constant_for_that_field() -> None:
    assert _document_bounds() == EXPECTED
