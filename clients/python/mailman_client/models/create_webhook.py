from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateWebhook")


@_attrs_define
class CreateWebhook:
    """
    Attributes:
        url (str): Where to POST each event: a public https URL (its host is resolved now and at every attempt; private,
            loopback, link-local and metadata addresses are refused).
        description (None | str | Unset):
        enabled (bool | Unset):  Default: True.
        event_types (list[str] | Unset): The event types to deliver (empty: every type). Each one of `message.received`,
            `message.quarantined`, `message.unroutable`, `message.sent`, `message.delivered`, `message.bounced`,
            `message.complained`, `message.delayed`, `message.rejected`, `message.failed`, `message.cancelled`,
            `message.erased`, `domain.verified`, `domain.verification_failed`, `domain.dns_changed`,
            `domain.sending_paused`, `domain.sending_resumed`, `domain.dmarc_report_received`, `domain.dmarc_report_failed`,
            `webhook.test`, `webhook.delivery_exhausted`, `webhook.endpoint_disabled`.
        inbox_ids (list[UUID] | Unset): Deliver only the events of these inboxes (empty: every inbox, and the events
            that belong to none).
    """

    url: str
    description: None | str | Unset = UNSET
    enabled: bool | Unset = True
    event_types: list[str] | Unset = UNSET
    inbox_ids: list[UUID] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        enabled = self.enabled

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = self.event_types

        inbox_ids: list[str] | Unset = UNSET
        if not isinstance(self.inbox_ids, Unset):
            inbox_ids = []
            for inbox_ids_item_data in self.inbox_ids:
                inbox_ids_item = str(inbox_ids_item_data)
                inbox_ids.append(inbox_ids_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if inbox_ids is not UNSET:
            field_dict["inbox_ids"] = inbox_ids

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        enabled = d.pop("enabled", UNSET)

        event_types = cast(list[str], d.pop("event_types", UNSET))

        _inbox_ids = d.pop("inbox_ids", UNSET)
        inbox_ids: list[UUID] | Unset = UNSET
        if _inbox_ids is not UNSET:
            inbox_ids = []
            for inbox_ids_item_data in _inbox_ids:
                inbox_ids_item = UUID(inbox_ids_item_data)

                inbox_ids.append(inbox_ids_item)

        create_webhook = cls(
            url=url,
            description=description,
            enabled=enabled,
            event_types=event_types,
            inbox_ids=inbox_ids,
        )

        return create_webhook
