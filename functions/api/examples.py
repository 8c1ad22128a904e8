"""An example of every request body the API takes, by the name of its schema in the OpenAPI
document, each under a short summary (`contract` puts them in the document; the contract
tests hold each to its schema)."""

from __future__ import annotations

from typing import Any

_MESSAGE = {
    "to": ["Jane Doe <jane@customer.example>"],
    "subject": "Your order has shipped",
    "text": "Hello Jane,\n\nyour order 1042 is on its way.",
    "html": "<p>Hello Jane,</p><p>your order 1042 is on its way.</p>",
    "labels": ["orders"],
    "metadata": {"order_id": 1042},
}
_INBOX_ID = "0b6f8a52-5d0a-4bb4-9a57-2f8c3c0e9d11"
_MESSAGE_ID = "5f1c2b9e-7a43-4e0b-8d6c-1c2e3f4a5b6c"

REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "CreateDomain": {"a domain": {"name": "example.com", "from_name": "Example"}},
    "UpdateDomain": {
        "its sending settings": {
            "from_name": "Example Support",
            "reply_to": "help@example.com",
            "list_unsubscribe": "mailto:unsubscribe@example.com",
        }
    },
    "ResumeSending": {"why": {"reason": "removed the purchased list that bounced"}},
    "CreateInbox": {
        "an address": {
            "domain_id": "9a0e7c4d-2b1f-4e3a-8c5d-6f7a8b9c0d1e",
            "local_part": "support",
            "display_name": "Example Support",
        }
    },
    "UpdateInbox": {"its name and trash": {"display_name": "Help", "trash_retention_days": 30}},
    "CreateApiKey": {
        "an agent's key": {
            "name": "support agent",
            "scopes": ["messages:read", "messages:send"],
            "inbox_ids": [_INBOX_ID],
            "rate_limit_per_minute": 60,
        }
    },
    "RegisterAuthKey": {
        "an EC public key": {
            "kid": "agents-2026-11",
            "algorithm": "ES256",
            "public_key": "-----BEGIN PUBLIC KEY-----\n"
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n-----END PUBLIC KEY-----\n",
        }
    },
    "SendIn": {
        "a message": _MESSAGE,
        "scheduled, with an attachment": {
            **_MESSAGE,
            "send_at": "2030-01-15T09:00:00Z",
            "attachments": [
                {
                    "filename": "invoice.pdf",
                    "content_type": "application/pdf",
                    "content": "JVBERi0=",
                }
            ],
        },
    },
    "ReplyIn": {"a reply": {"text": "Thanks, that helps.", "cc": ["team@example.com"]}},
    "DraftIn": {
        "a draft": {"to": ["jane@customer.example"], "subject": "Plan", "text": "First notes"}
    },
    "RescheduleIn": {"later": {"send_at": "2030-01-15T09:00:00Z"}, "now": {"send_at": None}},
    "UploadIn": {"a file": {"filename": "report.pdf", "content_type": "application/pdf"}},
    "ChangeIn": {
        "read, filed and labelled": {
            "read": True,
            "folder": "archive",
            "labels": {"add": ["customers"], "remove": ["todo"]},
        }
    },
    "BatchIn": {"read": {"ids": [_MESSAGE_ID], "change": {"read": True}}},
    "FolderIn": {"a folder": {"name": "Clients"}},
    "AddSuppressionsIn": {
        "an address": {"address": "former@customer.example", "reason": "unsubscribe"},
        "a batch": {
            "suppressions": [
                {"address": "a@customer.example"},
                {"address": "b@customer.example", "reason": "unsubscribe", "note": "asked"},
            ]
        },
    },
    "RemoveSuppressionsIn": {"addresses": {"addresses": ["former@customer.example"]}},
    "CreateWebhook": {
        "an endpoint": {
            "url": "https://hooks.example.com/mailman",
            "event_types": ["message.received", "message.bounced"],
            "description": "CRM",
        }
    },
    "UpdateWebhook": {"disabled": {"enabled": False}},
    "RotateSecretIn": {"with a day's grace": {"grace_period_seconds": 86400}},
    "RecoverIn": {"a day": {"since": "2030-01-14T00:00:00Z", "until": "2030-01-15T00:00:00Z"}},
}
