from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment_out import AttachmentOut
    from ..models.message_out_headers_item import MessageOutHeadersItem
    from ..models.message_out_metadata import MessageOutMetadata
    from ..models.message_out_verdicts import MessageOutVerdicts
    from ..models.recipient_out import RecipientOut
    from ..models.scan_out import ScanOut
    from ..models.sender_out import SenderOut


T = TypeVar("T", bound="MessageOut")


@_attrs_define
class MessageOut:
    """
    Attributes:
        attachments (list[AttachmentOut]):
        created_at (datetime.datetime):
        defects (list[str]):
        direction (str):
        extracted_text (None | str): The new part of a reply: quoted history and signature removed.
        folder (str): The folder it is in: a system folder's name (`trash` once deleted) or a custom folder's id.
        from_ (SenderOut):
        headers (list[MessageOutHeadersItem]):
        html (None | str):
        id (UUID):
        in_reply_to (None | str):
        inbox_id (UUID):
        is_read (bool): The same as `read`.
        labels (list[str]): Its own labels (`important` among them), as stored.
        list_unsubscribe (None | str):
        match_reason (str): Why it joined its thread.
        message_id (str): The RFC 5322 Message-ID.
        metadata (MessageOutMetadata):
        plus_tags (list[str]):
        preview (None | str):
        quarantine_reason (None | str):
        quarantined (bool):
        read (bool):
        received_at (datetime.datetime | None):
        recipients (list[RecipientOut]):
        references (list[str]):
        reply_to (list[str]):
        scan (None | ScanOut): What our virus scanner said of mail received; null for mail sent and mail received before
            scanning.
        send_at (datetime.datetime | None): When a scheduled message is to be sent.
        sent_at (datetime.datetime | None):
        ses_message_id (None | str):
        size_bytes (int | None):
        starred (bool):
        status (None | str): Outgoing mail: draft, scheduled, pending, sending, sent, delivered, partially_delivered,
            bounced, complained, rejected, failed or cancelled; null for mail received. Once sent, it sums up the
            recipients' statuses.
        status_reason (None | str):
        subject (None | str):
        text (None | str):
        thread_id (None | UUID):
        updated_at (datetime.datetime):
        verdicts (MessageOutVerdicts):
        html_url (None | str | Unset): When `html` is cut short: a presigned link to all of it.
        system_labels (list[str] | Unset): What it is as the system labels say: its folder (a system folder's name or a
            custom folder's id), then `unread` and `starred` when they hold, then `important` if among its labels.
        text_url (None | str | Unset): When `text` is cut short: a presigned link to all of it.
        truncated (list[str] | Unset): The fields this answer cuts short to fit a response (`text`, `html`,
            `extracted_text`, `headers`, `metadata`); empty when the message is whole. `GET /messages/{id}` links the full
            text and HTML.
    """

    attachments: list[AttachmentOut]
    created_at: datetime.datetime
    defects: list[str]
    direction: str
    extracted_text: None | str
    folder: str
    from_: SenderOut
    headers: list[MessageOutHeadersItem]
    html: None | str
    id: UUID
    in_reply_to: None | str
    inbox_id: UUID
    is_read: bool
    labels: list[str]
    list_unsubscribe: None | str
    match_reason: str
    message_id: str
    metadata: MessageOutMetadata
    plus_tags: list[str]
    preview: None | str
    quarantine_reason: None | str
    quarantined: bool
    read: bool
    received_at: datetime.datetime | None
    recipients: list[RecipientOut]
    references: list[str]
    reply_to: list[str]
    scan: None | ScanOut
    send_at: datetime.datetime | None
    sent_at: datetime.datetime | None
    ses_message_id: None | str
    size_bytes: int | None
    starred: bool
    status: None | str
    status_reason: None | str
    subject: None | str
    text: None | str
    thread_id: None | UUID
    updated_at: datetime.datetime
    verdicts: MessageOutVerdicts
    html_url: None | str | Unset = UNSET
    system_labels: list[str] | Unset = UNSET
    text_url: None | str | Unset = UNSET
    truncated: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.scan_out import ScanOut

        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

        created_at = self.created_at.isoformat()

        defects = self.defects

        direction = self.direction

        extracted_text: None | str
        extracted_text = self.extracted_text

        folder = self.folder

        from_ = self.from_.to_dict()

        headers = []
        for headers_item_data in self.headers:
            headers_item = headers_item_data.to_dict()
            headers.append(headers_item)

        html: None | str
        html = self.html

        id = str(self.id)

        in_reply_to: None | str
        in_reply_to = self.in_reply_to

        inbox_id = str(self.inbox_id)

        is_read = self.is_read

        labels = self.labels

        list_unsubscribe: None | str
        list_unsubscribe = self.list_unsubscribe

        match_reason = self.match_reason

        message_id = self.message_id

        metadata = self.metadata.to_dict()

        plus_tags = self.plus_tags

        preview: None | str
        preview = self.preview

        quarantine_reason: None | str
        quarantine_reason = self.quarantine_reason

        quarantined = self.quarantined

        read = self.read

        received_at: None | str
        if isinstance(self.received_at, datetime.datetime):
            received_at = self.received_at.isoformat()
        else:
            received_at = self.received_at

        recipients = []
        for recipients_item_data in self.recipients:
            recipients_item = recipients_item_data.to_dict()
            recipients.append(recipients_item)

        references = self.references

        reply_to = self.reply_to

        scan: dict[str, Any] | None
        if isinstance(self.scan, ScanOut):
            scan = self.scan.to_dict()
        else:
            scan = self.scan

        send_at: None | str
        if isinstance(self.send_at, datetime.datetime):
            send_at = self.send_at.isoformat()
        else:
            send_at = self.send_at

        sent_at: None | str
        if isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        ses_message_id: None | str
        ses_message_id = self.ses_message_id

        size_bytes: int | None
        size_bytes = self.size_bytes

        starred = self.starred

        status: None | str
        status = self.status

        status_reason: None | str
        status_reason = self.status_reason

        subject: None | str
        subject = self.subject

        text: None | str
        text = self.text

        thread_id: None | str
        if isinstance(self.thread_id, UUID):
            thread_id = str(self.thread_id)
        else:
            thread_id = self.thread_id

        updated_at = self.updated_at.isoformat()

        verdicts = self.verdicts.to_dict()

        html_url: None | str | Unset
        if isinstance(self.html_url, Unset):
            html_url = UNSET
        else:
            html_url = self.html_url

        system_labels: list[str] | Unset = UNSET
        if not isinstance(self.system_labels, Unset):
            system_labels = self.system_labels

        text_url: None | str | Unset
        if isinstance(self.text_url, Unset):
            text_url = UNSET
        else:
            text_url = self.text_url

        truncated: list[str] | Unset = UNSET
        if not isinstance(self.truncated, Unset):
            truncated = self.truncated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attachments": attachments,
                "created_at": created_at,
                "defects": defects,
                "direction": direction,
                "extracted_text": extracted_text,
                "folder": folder,
                "from": from_,
                "headers": headers,
                "html": html,
                "id": id,
                "in_reply_to": in_reply_to,
                "inbox_id": inbox_id,
                "is_read": is_read,
                "labels": labels,
                "list_unsubscribe": list_unsubscribe,
                "match_reason": match_reason,
                "message_id": message_id,
                "metadata": metadata,
                "plus_tags": plus_tags,
                "preview": preview,
                "quarantine_reason": quarantine_reason,
                "quarantined": quarantined,
                "read": read,
                "received_at": received_at,
                "recipients": recipients,
                "references": references,
                "reply_to": reply_to,
                "scan": scan,
                "send_at": send_at,
                "sent_at": sent_at,
                "ses_message_id": ses_message_id,
                "size_bytes": size_bytes,
                "starred": starred,
                "status": status,
                "status_reason": status_reason,
                "subject": subject,
                "text": text,
                "thread_id": thread_id,
                "updated_at": updated_at,
                "verdicts": verdicts,
            }
        )
        if html_url is not UNSET:
            field_dict["html_url"] = html_url
        if system_labels is not UNSET:
            field_dict["system_labels"] = system_labels
        if text_url is not UNSET:
            field_dict["text_url"] = text_url
        if truncated is not UNSET:
            field_dict["truncated"] = truncated

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment_out import AttachmentOut
        from ..models.message_out_headers_item import MessageOutHeadersItem
        from ..models.message_out_metadata import MessageOutMetadata
        from ..models.message_out_verdicts import MessageOutVerdicts
        from ..models.recipient_out import RecipientOut
        from ..models.scan_out import ScanOut
        from ..models.sender_out import SenderOut

        d = dict(src_dict)
        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = AttachmentOut.from_dict(attachments_item_data)

            attachments.append(attachments_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        defects = cast(list[str], d.pop("defects"))

        direction = d.pop("direction")

        def _parse_extracted_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        extracted_text = _parse_extracted_text(d.pop("extracted_text"))

        folder = d.pop("folder")

        from_ = SenderOut.from_dict(d.pop("from"))

        headers = []
        _headers = d.pop("headers")
        for headers_item_data in _headers:
            headers_item = MessageOutHeadersItem.from_dict(headers_item_data)

            headers.append(headers_item)

        def _parse_html(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        html = _parse_html(d.pop("html"))

        id = UUID(d.pop("id"))

        def _parse_in_reply_to(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        in_reply_to = _parse_in_reply_to(d.pop("in_reply_to"))

        inbox_id = UUID(d.pop("inbox_id"))

        is_read = d.pop("is_read")

        labels = cast(list[str], d.pop("labels"))

        def _parse_list_unsubscribe(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        list_unsubscribe = _parse_list_unsubscribe(d.pop("list_unsubscribe"))

        match_reason = d.pop("match_reason")

        message_id = d.pop("message_id")

        metadata = MessageOutMetadata.from_dict(d.pop("metadata"))

        plus_tags = cast(list[str], d.pop("plus_tags"))

        def _parse_preview(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        preview = _parse_preview(d.pop("preview"))

        def _parse_quarantine_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        quarantine_reason = _parse_quarantine_reason(d.pop("quarantine_reason"))

        quarantined = d.pop("quarantined")

        read = d.pop("read")

        def _parse_received_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                received_at_type_0 = datetime.datetime.fromisoformat(data)

                return received_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        received_at = _parse_received_at(d.pop("received_at"))

        recipients = []
        _recipients = d.pop("recipients")
        for recipients_item_data in _recipients:
            recipients_item = RecipientOut.from_dict(recipients_item_data)

            recipients.append(recipients_item)

        references = cast(list[str], d.pop("references"))

        reply_to = cast(list[str], d.pop("reply_to"))

        def _parse_scan(data: object) -> None | ScanOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                scan_type_0 = ScanOut.from_dict(data)

                return scan_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScanOut, data)

        scan = _parse_scan(d.pop("scan"))

        def _parse_send_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                send_at_type_0 = datetime.datetime.fromisoformat(data)

                return send_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        send_at = _parse_send_at(d.pop("send_at"))

        def _parse_sent_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        sent_at = _parse_sent_at(d.pop("sent_at"))

        def _parse_ses_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ses_message_id = _parse_ses_message_id(d.pop("ses_message_id"))

        def _parse_size_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes"))

        starred = d.pop("starred")

        def _parse_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status = _parse_status(d.pop("status"))

        def _parse_status_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status_reason = _parse_status_reason(d.pop("status_reason"))

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        def _parse_text(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        text = _parse_text(d.pop("text"))

        def _parse_thread_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                thread_id_type_0 = UUID(data)

                return thread_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        thread_id = _parse_thread_id(d.pop("thread_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        verdicts = MessageOutVerdicts.from_dict(d.pop("verdicts"))

        def _parse_html_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html_url = _parse_html_url(d.pop("html_url", UNSET))

        system_labels = cast(list[str], d.pop("system_labels", UNSET))

        def _parse_text_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text_url = _parse_text_url(d.pop("text_url", UNSET))

        truncated = cast(list[str], d.pop("truncated", UNSET))

        message_out = cls(
            attachments=attachments,
            created_at=created_at,
            defects=defects,
            direction=direction,
            extracted_text=extracted_text,
            folder=folder,
            from_=from_,
            headers=headers,
            html=html,
            id=id,
            in_reply_to=in_reply_to,
            inbox_id=inbox_id,
            is_read=is_read,
            labels=labels,
            list_unsubscribe=list_unsubscribe,
            match_reason=match_reason,
            message_id=message_id,
            metadata=metadata,
            plus_tags=plus_tags,
            preview=preview,
            quarantine_reason=quarantine_reason,
            quarantined=quarantined,
            read=read,
            received_at=received_at,
            recipients=recipients,
            references=references,
            reply_to=reply_to,
            scan=scan,
            send_at=send_at,
            sent_at=sent_at,
            ses_message_id=ses_message_id,
            size_bytes=size_bytes,
            starred=starred,
            status=status,
            status_reason=status_reason,
            subject=subject,
            text=text,
            thread_id=thread_id,
            updated_at=updated_at,
            verdicts=verdicts,
            html_url=html_url,
            system_labels=system_labels,
            text_url=text_url,
            truncated=truncated,
        )

        message_out.additional_properties = d
        return message_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
