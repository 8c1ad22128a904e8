from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.domain_status import DomainStatus, check_domain_status

if TYPE_CHECKING:
    from ..models.record_out import RecordOut
    from ..models.sending_out import SendingOut
    from ..models.verification import Verification


T = TypeVar("T", bound="DomainOut")


@_attrs_define
class DomainOut:
    """
    Attributes:
        bounce_address (None | str):
        can_receive (bool):
        can_send (bool):
        created_at (datetime.datetime):
        dkim_tokens (list[str]):
        from_name (None | str):
        id (UUID):
        last_checked_at (datetime.datetime | None):
        list_unsubscribe (None | str):
        mail_from_domain (None | str):
        name (str):
        next_check_at (datetime.datetime | None):
        records (list[RecordOut]):
        reply_to (None | str):
        sending (SendingOut):
        ses_dkim_status (None | str):
        status (DomainStatus):
        unicode_name (str):
        updated_at (datetime.datetime):
        verification (Verification):
        verified_at (datetime.datetime | None):
    """

    bounce_address: None | str
    can_receive: bool
    can_send: bool
    created_at: datetime.datetime
    dkim_tokens: list[str]
    from_name: None | str
    id: UUID
    last_checked_at: datetime.datetime | None
    list_unsubscribe: None | str
    mail_from_domain: None | str
    name: str
    next_check_at: datetime.datetime | None
    records: list[RecordOut]
    reply_to: None | str
    sending: SendingOut
    ses_dkim_status: None | str
    status: DomainStatus
    unicode_name: str
    updated_at: datetime.datetime
    verification: Verification
    verified_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bounce_address: None | str
        bounce_address = self.bounce_address

        can_receive = self.can_receive

        can_send = self.can_send

        created_at = self.created_at.isoformat()

        dkim_tokens = self.dkim_tokens

        from_name: None | str
        from_name = self.from_name

        id = str(self.id)

        last_checked_at: None | str
        if isinstance(self.last_checked_at, datetime.datetime):
            last_checked_at = self.last_checked_at.isoformat()
        else:
            last_checked_at = self.last_checked_at

        list_unsubscribe: None | str
        list_unsubscribe = self.list_unsubscribe

        mail_from_domain: None | str
        mail_from_domain = self.mail_from_domain

        name = self.name

        next_check_at: None | str
        if isinstance(self.next_check_at, datetime.datetime):
            next_check_at = self.next_check_at.isoformat()
        else:
            next_check_at = self.next_check_at

        records = []
        for records_item_data in self.records:
            records_item = records_item_data.to_dict()
            records.append(records_item)

        reply_to: None | str
        reply_to = self.reply_to

        sending = self.sending.to_dict()

        ses_dkim_status: None | str
        ses_dkim_status = self.ses_dkim_status

        status: str = self.status

        unicode_name = self.unicode_name

        updated_at = self.updated_at.isoformat()

        verification = self.verification.to_dict()

        verified_at: None | str
        if isinstance(self.verified_at, datetime.datetime):
            verified_at = self.verified_at.isoformat()
        else:
            verified_at = self.verified_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bounce_address": bounce_address,
                "can_receive": can_receive,
                "can_send": can_send,
                "created_at": created_at,
                "dkim_tokens": dkim_tokens,
                "from_name": from_name,
                "id": id,
                "last_checked_at": last_checked_at,
                "list_unsubscribe": list_unsubscribe,
                "mail_from_domain": mail_from_domain,
                "name": name,
                "next_check_at": next_check_at,
                "records": records,
                "reply_to": reply_to,
                "sending": sending,
                "ses_dkim_status": ses_dkim_status,
                "status": status,
                "unicode_name": unicode_name,
                "updated_at": updated_at,
                "verification": verification,
                "verified_at": verified_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.record_out import RecordOut
        from ..models.sending_out import SendingOut
        from ..models.verification import Verification

        d = dict(src_dict)

        def _parse_bounce_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        bounce_address = _parse_bounce_address(d.pop("bounce_address"))

        can_receive = d.pop("can_receive")

        can_send = d.pop("can_send")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dkim_tokens = cast(list[str], d.pop("dkim_tokens"))

        def _parse_from_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        from_name = _parse_from_name(d.pop("from_name"))

        id = UUID(d.pop("id"))

        def _parse_last_checked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_checked_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_checked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_checked_at = _parse_last_checked_at(d.pop("last_checked_at"))

        def _parse_list_unsubscribe(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        list_unsubscribe = _parse_list_unsubscribe(d.pop("list_unsubscribe"))

        def _parse_mail_from_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        mail_from_domain = _parse_mail_from_domain(d.pop("mail_from_domain"))

        name = d.pop("name")

        def _parse_next_check_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_check_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_check_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_check_at = _parse_next_check_at(d.pop("next_check_at"))

        records = []
        _records = d.pop("records")
        for records_item_data in _records:
            records_item = RecordOut.from_dict(records_item_data)

            records.append(records_item)

        def _parse_reply_to(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reply_to = _parse_reply_to(d.pop("reply_to"))

        sending = SendingOut.from_dict(d.pop("sending"))

        def _parse_ses_dkim_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ses_dkim_status = _parse_ses_dkim_status(d.pop("ses_dkim_status"))

        status = check_domain_status(d.pop("status"))

        unicode_name = d.pop("unicode_name")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        verification = Verification.from_dict(d.pop("verification"))

        def _parse_verified_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verified_at_type_0 = datetime.datetime.fromisoformat(data)

                return verified_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        verified_at = _parse_verified_at(d.pop("verified_at"))

        domain_out = cls(
            bounce_address=bounce_address,
            can_receive=can_receive,
            can_send=can_send,
            created_at=created_at,
            dkim_tokens=dkim_tokens,
            from_name=from_name,
            id=id,
            last_checked_at=last_checked_at,
            list_unsubscribe=list_unsubscribe,
            mail_from_domain=mail_from_domain,
            name=name,
            next_check_at=next_check_at,
            records=records,
            reply_to=reply_to,
            sending=sending,
            ses_dkim_status=ses_dkim_status,
            status=status,
            unicode_name=unicode_name,
            updated_at=updated_at,
            verification=verification,
            verified_at=verified_at,
        )

        domain_out.additional_properties = d
        return domain_out

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
