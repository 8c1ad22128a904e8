from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment_in import AttachmentIn
    from ..models.send_in_headers import SendInHeaders
    from ..models.send_in_metadata import SendInMetadata


T = TypeVar("T", bound="SendIn")


@_attrs_define
class SendIn:
    """
    Attributes:
        attachments (list[AttachmentIn] | Unset):
        bcc (list[str] | Unset):
        cc (list[str] | Unset):
        headers (SendInHeaders | Unset): Custom headers: any X- header but X-SES-* and trace ones (X-Original-To,
            X-Spam-*...), and Keywords, Comments, Importance, Priority, Sensitivity, Auto-Submitted, Precedence,
            Organization, List-Id, List-Archive, List-Help, List-Post, List-Owner, List-Subscribe; anything else (Mailman's
            own, Received, Return-Path, DKIM-Signature, ARC-*, Authentication-Results, Resent-*...) is a 400 naming
            headers.<Name>. Names ignore case and may appear once; values may hold no line break and no control character
            but tab, 2,000 characters each and 16,384 in all, names included.
        html (None | str | Unset): A text part is derived from it when text is left out.
        labels (list[str] | Unset):
        list_unsubscribe (None | str | Unset): List-Unsubscribe: an https URL (one-click) or a mailto: URI; left out,
            the domain's; "" for none.
        metadata (SendInMetadata | Unset): Your own data, kept with the message and answered with it. At most 50 keys in
            all (nested ones included), keys of at most 100 characters, 5 levels of nesting and 16,384 bytes as JSON.
        reply_to (list[str] | Unset):
        send_at (datetime.datetime | None | Unset): Send later (at most 30 days ahead): the message is Scheduled.
        subject (None | str | Unset):
        text (None | str | Unset):
        to (list[str] | Unset): To, cc and bcc hold at most 50 addresses together.
    """

    attachments: list[AttachmentIn] | Unset = UNSET
    bcc: list[str] | Unset = UNSET
    cc: list[str] | Unset = UNSET
    headers: SendInHeaders | Unset = UNSET
    html: None | str | Unset = UNSET
    labels: list[str] | Unset = UNSET
    list_unsubscribe: None | str | Unset = UNSET
    metadata: SendInMetadata | Unset = UNSET
    reply_to: list[str] | Unset = UNSET
    send_at: datetime.datetime | None | Unset = UNSET
    subject: None | str | Unset = UNSET
    text: None | str | Unset = UNSET
    to: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        attachments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.attachments, Unset):
            attachments = []
            for attachments_item_data in self.attachments:
                attachments_item = attachments_item_data.to_dict()
                attachments.append(attachments_item)

        bcc: list[str] | Unset = UNSET
        if not isinstance(self.bcc, Unset):
            bcc = self.bcc

        cc: list[str] | Unset = UNSET
        if not isinstance(self.cc, Unset):
            cc = self.cc

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        labels: list[str] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels

        list_unsubscribe: None | str | Unset
        if isinstance(self.list_unsubscribe, Unset):
            list_unsubscribe = UNSET
        else:
            list_unsubscribe = self.list_unsubscribe

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        reply_to: list[str] | Unset = UNSET
        if not isinstance(self.reply_to, Unset):
            reply_to = self.reply_to

        send_at: None | str | Unset
        if isinstance(self.send_at, Unset):
            send_at = UNSET
        elif isinstance(self.send_at, datetime.datetime):
            send_at = self.send_at.isoformat()
        else:
            send_at = self.send_at

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        text: None | str | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        else:
            text = self.text

        to: list[str] | Unset = UNSET
        if not isinstance(self.to, Unset):
            to = self.to

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if bcc is not UNSET:
            field_dict["bcc"] = bcc
        if cc is not UNSET:
            field_dict["cc"] = cc
        if headers is not UNSET:
            field_dict["headers"] = headers
        if html is not UNSET:
            field_dict["html"] = html
        if labels is not UNSET:
            field_dict["labels"] = labels
        if list_unsubscribe is not UNSET:
            field_dict["list_unsubscribe"] = list_unsubscribe
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if reply_to is not UNSET:
            field_dict["reply_to"] = reply_to
        if send_at is not UNSET:
            field_dict["send_at"] = send_at
        if subject is not UNSET:
            field_dict["subject"] = subject
        if text is not UNSET:
            field_dict["text"] = text
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment_in import AttachmentIn
        from ..models.send_in_headers import SendInHeaders
        from ..models.send_in_metadata import SendInMetadata

        d = dict(src_dict)
        _attachments = d.pop("attachments", UNSET)
        attachments: list[AttachmentIn] | Unset = UNSET
        if _attachments is not UNSET:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = AttachmentIn.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        bcc = cast(list[str], d.pop("bcc", UNSET))

        cc = cast(list[str], d.pop("cc", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: SendInHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = SendInHeaders.from_dict(_headers)

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        labels = cast(list[str], d.pop("labels", UNSET))

        def _parse_list_unsubscribe(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        list_unsubscribe = _parse_list_unsubscribe(d.pop("list_unsubscribe", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: SendInMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = SendInMetadata.from_dict(_metadata)

        reply_to = cast(list[str], d.pop("reply_to", UNSET))

        def _parse_send_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                send_at_type_0 = datetime.datetime.fromisoformat(data)

                return send_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        send_at = _parse_send_at(d.pop("send_at", UNSET))

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        to = cast(list[str], d.pop("to", UNSET))

        send_in = cls(
            attachments=attachments,
            bcc=bcc,
            cc=cc,
            headers=headers,
            html=html,
            labels=labels,
            list_unsubscribe=list_unsubscribe,
            metadata=metadata,
            reply_to=reply_to,
            send_at=send_at,
            subject=subject,
            text=text,
            to=to,
        )

        return send_in
