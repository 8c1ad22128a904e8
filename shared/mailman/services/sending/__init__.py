"""Sending mail: a message, a reply or a forward from an inbox, drafts, scheduled mail, the
dispatcher that queues what is due, uploads, and the hand-off of each message to the mail
service. Callers use only the names below.

Each name is imported from its module when first used, so a function loads only the use
cases it calls (the dispatcher never the API's, the API never the hand-off's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailman.lazy import exports

if TYPE_CHECKING:
    from mailman.services.sending.compose import AttachmentSpec, Compose, Idempotency, Submitted
    from mailman.services.sending.delivery import (
        ALL_SUPPRESSED,
        CONFIRMATION_WINDOW,
        TAG_MESSAGE,
        TAG_ORGANIZATION,
        UNCONFIRMED,
        DeliveryJob,
        DeliveryReport,
        SendOutcome,
        confirm_sent,
        confirm_sent_many,
        deliver,
        record_sent,
        sent_event,
        ses_header_id,
    )
    from mailman.services.sending.dispatcher import Dispatched, dispatch
    from mailman.services.sending.drafts import (
        create_draft,
        delete_draft,
        get_draft,
        list_drafts,
        send_draft,
        update_draft,
    )
    from mailman.services.sending.environment import Outbound, Sending
    from mailman.services.sending.messages import forward, reply, send
    from mailman.services.sending.schedule import cancel, reschedule
    from mailman.services.sending.uploads import CreatedUpload, create_upload

_MODULES = {
    "ALL_SUPPRESSED": "delivery",
    "AttachmentSpec": "compose",
    "CONFIRMATION_WINDOW": "delivery",
    "Compose": "compose",
    "CreatedUpload": "uploads",
    "DeliveryJob": "delivery",
    "DeliveryReport": "delivery",
    "Dispatched": "dispatcher",
    "Idempotency": "compose",
    "Outbound": "environment",
    "SendOutcome": "delivery",
    "Sending": "environment",
    "Submitted": "compose",
    "TAG_MESSAGE": "delivery",
    "TAG_ORGANIZATION": "delivery",
    "UNCONFIRMED": "delivery",
    "cancel": "schedule",
    "confirm_sent": "delivery",
    "confirm_sent_many": "delivery",
    "create_draft": "drafts",
    "create_upload": "uploads",
    "delete_draft": "drafts",
    "deliver": "delivery",
    "dispatch": "dispatcher",
    "forward": "messages",
    "get_draft": "drafts",
    "list_drafts": "drafts",
    "record_sent": "delivery",
    "reply": "messages",
    "reschedule": "schedule",
    "send": "messages",
    "send_draft": "drafts",
    "ses_header_id": "delivery",
    "sent_event": "delivery",
    "update_draft": "drafts",
}

__all__ = [
    "ALL_SUPPRESSED",
    "CONFIRMATION_WINDOW",
    "TAG_MESSAGE",
    "TAG_ORGANIZATION",
    "UNCONFIRMED",
    "AttachmentSpec",
    "Compose",
    "CreatedUpload",
    "DeliveryJob",
    "DeliveryReport",
    "Dispatched",
    "Idempotency",
    "Outbound",
    "SendOutcome",
    "Sending",
    "Submitted",
    "cancel",
    "confirm_sent",
    "confirm_sent_many",
    "create_draft",
    "create_upload",
    "delete_draft",
    "deliver",
    "dispatch",
    "forward",
    "get_draft",
    "list_drafts",
    "record_sent",
    "reply",
    "reschedule",
    "send",
    "send_draft",
    "sent_event",
    "ses_header_id",
    "update_draft",
]


__getattr__ = exports(__name__, _MODULES)
