from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateWebhook")


@_attrs_define
class UpdateWebhook:
    """Only the fields given change; `description: null` clears it.

    Attributes:
        description (None | str | Unset):
        enabled (bool | None | Unset): false disables it (`disabled_reason` manual); true enables it again and forgets
            why it was disabled.
        event_types (list[str] | None | Unset): The event types to deliver (empty: every type). Each one of
            `message.received`, `message.quarantined`, `message.unroutable`, `message.sent`, `message.delivered`,
            `message.bounced`, `message.complained`, `message.delayed`, `message.rejected`, `message.failed`,
            `message.cancelled`, `message.erased`, `domain.verified`, `domain.verification_failed`, `domain.dns_changed`,
            `domain.sending_paused`, `domain.sending_resumed`, `domain.dmarc_report_received`, `domain.dmarc_report_failed`,
            `webhook.test`, `webhook.delivery_exhausted`, `webhook.endpoint_disabled`.
        inbox_ids (list[UUID] | None | Unset): Deliver only the events of these inboxes (empty: every inbox, and the
            events that belong to none).
        url (None | str | Unset): Where to POST each event: a public https URL (its host is resolved now and at every
            attempt; private, loopback, link-local and metadata addresses are refused).
    """

    description: None | str | Unset = UNSET
    enabled: bool | None | Unset = UNSET
    event_types: list[str] | None | Unset = UNSET
    inbox_ids: list[UUID] | None | Unset = UNSET
    url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        enabled: bool | None | Unset
        if isinstance(self.enabled, Unset):
            enabled = UNSET
        else:
            enabled = self.enabled

        event_types: list[str] | None | Unset
        if isinstance(self.event_types, Unset):
            event_types = UNSET
        elif isinstance(self.event_types, list):
            event_types = self.event_types

        else:
            event_types = self.event_types

        inbox_ids: list[str] | None | Unset
        if isinstance(self.inbox_ids, Unset):
            inbox_ids = UNSET
        elif isinstance(self.inbox_ids, list):
            inbox_ids = []
            for inbox_ids_type_0_item_data in self.inbox_ids:
                inbox_ids_type_0_item = str(inbox_ids_type_0_item_data)
                inbox_ids.append(inbox_ids_type_0_item)

        else:
            inbox_ids = self.inbox_ids

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if inbox_ids is not UNSET:
            field_dict["inbox_ids"] = inbox_ids
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_enabled(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        enabled = _parse_enabled(d.pop("enabled", UNSET))

        def _parse_event_types(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                event_types_type_0 = cast(list[str], data)

                return event_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        event_types = _parse_event_types(d.pop("event_types", UNSET))

        def _parse_inbox_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                inbox_ids_type_0 = []
                _inbox_ids_type_0 = data
                for inbox_ids_type_0_item_data in _inbox_ids_type_0:
                    inbox_ids_type_0_item = UUID(inbox_ids_type_0_item_data)

                    inbox_ids_type_0.append(inbox_ids_type_0_item)

                return inbox_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        inbox_ids = _parse_inbox_ids(d.pop("inbox_ids", UNSET))

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        update_webhook = cls(
            description=description,
            enabled=enabled,
            event_types=event_types,
            inbox_ids=inbox_ids,
            url=url,
        )

        return update_webhook
