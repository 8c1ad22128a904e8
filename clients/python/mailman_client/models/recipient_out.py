from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bounce_out import BounceOut
    from ..models.complaint_out import ComplaintOut
    from ..models.delay_out import DelayOut


T = TypeVar("T", bound="RecipientOut")


@_attrs_define
class RecipientOut:
    """A recipient; for outgoing mail, with where its delivery stands. Every delivery field is
    null for mail received.

        Attributes:
            address (str):
            kind (str):
            name (None | str):
            bounce (BounceOut | None | Unset): Once the recipient bounced.
            bounced_at (datetime.datetime | None | Unset):
            complained_at (datetime.datetime | None | Unset):
            complaint (ComplaintOut | None | Unset): Once the recipient complained.
            delay (DelayOut | None | Unset): Once SES reported a delay.
            delivered_at (datetime.datetime | None | Unset):
            failed_at (datetime.datetime | None | Unset):
            rejected_at (datetime.datetime | None | Unset):
            sent_at (datetime.datetime | None | Unset):
            status (None | str | Unset): Outgoing mail: pending, sent (SES took it), delivered, bounced, complained,
                rejected, failed, or suppressed (not sent to: see `status_reason`).
            status_at (datetime.datetime | None | Unset): When the event that set `status` happened.
            status_reason (None | str | Unset):
    """

    address: str
    kind: str
    name: None | str
    bounce: BounceOut | None | Unset = UNSET
    bounced_at: datetime.datetime | None | Unset = UNSET
    complained_at: datetime.datetime | None | Unset = UNSET
    complaint: ComplaintOut | None | Unset = UNSET
    delay: DelayOut | None | Unset = UNSET
    delivered_at: datetime.datetime | None | Unset = UNSET
    failed_at: datetime.datetime | None | Unset = UNSET
    rejected_at: datetime.datetime | None | Unset = UNSET
    sent_at: datetime.datetime | None | Unset = UNSET
    status: None | str | Unset = UNSET
    status_at: datetime.datetime | None | Unset = UNSET
    status_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.bounce_out import BounceOut
        from ..models.complaint_out import ComplaintOut
        from ..models.delay_out import DelayOut

        address = self.address

        kind = self.kind

        name: None | str
        name = self.name

        bounce: dict[str, Any] | None | Unset
        if isinstance(self.bounce, Unset):
            bounce = UNSET
        elif isinstance(self.bounce, BounceOut):
            bounce = self.bounce.to_dict()
        else:
            bounce = self.bounce

        bounced_at: None | str | Unset
        if isinstance(self.bounced_at, Unset):
            bounced_at = UNSET
        elif isinstance(self.bounced_at, datetime.datetime):
            bounced_at = self.bounced_at.isoformat()
        else:
            bounced_at = self.bounced_at

        complained_at: None | str | Unset
        if isinstance(self.complained_at, Unset):
            complained_at = UNSET
        elif isinstance(self.complained_at, datetime.datetime):
            complained_at = self.complained_at.isoformat()
        else:
            complained_at = self.complained_at

        complaint: dict[str, Any] | None | Unset
        if isinstance(self.complaint, Unset):
            complaint = UNSET
        elif isinstance(self.complaint, ComplaintOut):
            complaint = self.complaint.to_dict()
        else:
            complaint = self.complaint

        delay: dict[str, Any] | None | Unset
        if isinstance(self.delay, Unset):
            delay = UNSET
        elif isinstance(self.delay, DelayOut):
            delay = self.delay.to_dict()
        else:
            delay = self.delay

        delivered_at: None | str | Unset
        if isinstance(self.delivered_at, Unset):
            delivered_at = UNSET
        elif isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        failed_at: None | str | Unset
        if isinstance(self.failed_at, Unset):
            failed_at = UNSET
        elif isinstance(self.failed_at, datetime.datetime):
            failed_at = self.failed_at.isoformat()
        else:
            failed_at = self.failed_at

        rejected_at: None | str | Unset
        if isinstance(self.rejected_at, Unset):
            rejected_at = UNSET
        elif isinstance(self.rejected_at, datetime.datetime):
            rejected_at = self.rejected_at.isoformat()
        else:
            rejected_at = self.rejected_at

        sent_at: None | str | Unset
        if isinstance(self.sent_at, Unset):
            sent_at = UNSET
        elif isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        status_at: None | str | Unset
        if isinstance(self.status_at, Unset):
            status_at = UNSET
        elif isinstance(self.status_at, datetime.datetime):
            status_at = self.status_at.isoformat()
        else:
            status_at = self.status_at

        status_reason: None | str | Unset
        if isinstance(self.status_reason, Unset):
            status_reason = UNSET
        else:
            status_reason = self.status_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "kind": kind,
                "name": name,
            }
        )
        if bounce is not UNSET:
            field_dict["bounce"] = bounce
        if bounced_at is not UNSET:
            field_dict["bounced_at"] = bounced_at
        if complained_at is not UNSET:
            field_dict["complained_at"] = complained_at
        if complaint is not UNSET:
            field_dict["complaint"] = complaint
        if delay is not UNSET:
            field_dict["delay"] = delay
        if delivered_at is not UNSET:
            field_dict["delivered_at"] = delivered_at
        if failed_at is not UNSET:
            field_dict["failed_at"] = failed_at
        if rejected_at is not UNSET:
            field_dict["rejected_at"] = rejected_at
        if sent_at is not UNSET:
            field_dict["sent_at"] = sent_at
        if status is not UNSET:
            field_dict["status"] = status
        if status_at is not UNSET:
            field_dict["status_at"] = status_at
        if status_reason is not UNSET:
            field_dict["status_reason"] = status_reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.bounce_out import BounceOut
        from ..models.complaint_out import ComplaintOut
        from ..models.delay_out import DelayOut

        d = dict(src_dict)
        address = d.pop("address")

        kind = d.pop("kind")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        def _parse_bounce(data: object) -> BounceOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                bounce_type_0 = BounceOut.from_dict(data)

                return bounce_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BounceOut | None | Unset, data)

        bounce = _parse_bounce(d.pop("bounce", UNSET))

        def _parse_bounced_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                bounced_at_type_0 = datetime.datetime.fromisoformat(data)

                return bounced_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        bounced_at = _parse_bounced_at(d.pop("bounced_at", UNSET))

        def _parse_complained_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                complained_at_type_0 = datetime.datetime.fromisoformat(data)

                return complained_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        complained_at = _parse_complained_at(d.pop("complained_at", UNSET))

        def _parse_complaint(data: object) -> ComplaintOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                complaint_type_0 = ComplaintOut.from_dict(data)

                return complaint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ComplaintOut | None | Unset, data)

        complaint = _parse_complaint(d.pop("complaint", UNSET))

        def _parse_delay(data: object) -> DelayOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                delay_type_0 = DelayOut.from_dict(data)

                return delay_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DelayOut | None | Unset, data)

        delay = _parse_delay(d.pop("delay", UNSET))

        def _parse_delivered_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at", UNSET))

        def _parse_failed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failed_at_type_0 = datetime.datetime.fromisoformat(data)

                return failed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        failed_at = _parse_failed_at(d.pop("failed_at", UNSET))

        def _parse_rejected_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rejected_at_type_0 = datetime.datetime.fromisoformat(data)

                return rejected_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        rejected_at = _parse_rejected_at(d.pop("rejected_at", UNSET))

        def _parse_sent_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        sent_at = _parse_sent_at(d.pop("sent_at", UNSET))

        def _parse_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_status_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_at_type_0 = datetime.datetime.fromisoformat(data)

                return status_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        status_at = _parse_status_at(d.pop("status_at", UNSET))

        def _parse_status_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_reason = _parse_status_reason(d.pop("status_reason", UNSET))

        recipient_out = cls(
            address=address,
            kind=kind,
            name=name,
            bounce=bounce,
            bounced_at=bounced_at,
            complained_at=complained_at,
            complaint=complaint,
            delay=delay,
            delivered_at=delivered_at,
            failed_at=failed_at,
            rejected_at=rejected_at,
            sent_at=sent_at,
            status=status,
            status_at=status_at,
            status_reason=status_reason,
        )

        recipient_out.additional_properties = d
        return recipient_out

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
