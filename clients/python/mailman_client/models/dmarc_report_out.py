from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.report_format import ReportFormat, check_report_format
from ..models.report_status import ReportStatus, check_report_status

if TYPE_CHECKING:
    from ..models.policy_out import PolicyOut


T = TypeVar("T", bound="DmarcReportOut")


@_attrs_define
class DmarcReportOut:
    """
    Attributes:
        begin (datetime.datetime | None): The start of the range the report covers.
        created_at (datetime.datetime):
        dmarc_pass (int): Of them, those that passed DMARC.
        domain_id (UUID):
        duplicates (int): Copies of this report received since in other mail.
        end (datetime.datetime | None):
        errors (list[str]): What the reporter says went wrong.
        failure_detail (None | str):
        failure_reason (None | str):
        filename (None | str):
        format_ (None | ReportFormat):
        id (UUID):
        message_id (str): The Message-ID of the mail it came in.
        messages (int): Messages the report counts.
        policy (None | PolicyOut):
        received_at (datetime.datetime):
        report_id (None | str): The reporter's id of the report.
        reporter (None | str): Who sent it (`org_name`).
        reporter_email (None | str):
        row_count (int): Records in the report.
        status (ReportStatus):
    """

    begin: datetime.datetime | None
    created_at: datetime.datetime
    dmarc_pass: int
    domain_id: UUID
    duplicates: int
    end: datetime.datetime | None
    errors: list[str]
    failure_detail: None | str
    failure_reason: None | str
    filename: None | str
    format_: None | ReportFormat
    id: UUID
    message_id: str
    messages: int
    policy: None | PolicyOut
    received_at: datetime.datetime
    report_id: None | str
    reporter: None | str
    reporter_email: None | str
    row_count: int
    status: ReportStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.policy_out import PolicyOut

        begin: None | str
        if isinstance(self.begin, datetime.datetime):
            begin = self.begin.isoformat()
        else:
            begin = self.begin

        created_at = self.created_at.isoformat()

        dmarc_pass = self.dmarc_pass

        domain_id = str(self.domain_id)

        duplicates = self.duplicates

        end: None | str
        if isinstance(self.end, datetime.datetime):
            end = self.end.isoformat()
        else:
            end = self.end

        errors = self.errors

        failure_detail: None | str
        failure_detail = self.failure_detail

        failure_reason: None | str
        failure_reason = self.failure_reason

        filename: None | str
        filename = self.filename

        format_: None | str
        if isinstance(self.format_, str):
            format_ = self.format_
        else:
            format_ = self.format_

        id = str(self.id)

        message_id = self.message_id

        messages = self.messages

        policy: dict[str, Any] | None
        if isinstance(self.policy, PolicyOut):
            policy = self.policy.to_dict()
        else:
            policy = self.policy

        received_at = self.received_at.isoformat()

        report_id: None | str
        report_id = self.report_id

        reporter: None | str
        reporter = self.reporter

        reporter_email: None | str
        reporter_email = self.reporter_email

        row_count = self.row_count

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "begin": begin,
                "created_at": created_at,
                "dmarc_pass": dmarc_pass,
                "domain_id": domain_id,
                "duplicates": duplicates,
                "end": end,
                "errors": errors,
                "failure_detail": failure_detail,
                "failure_reason": failure_reason,
                "filename": filename,
                "format": format_,
                "id": id,
                "message_id": message_id,
                "messages": messages,
                "policy": policy,
                "received_at": received_at,
                "report_id": report_id,
                "reporter": reporter,
                "reporter_email": reporter_email,
                "row_count": row_count,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_out import PolicyOut

        d = dict(src_dict)

        def _parse_begin(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                begin_type_0 = datetime.datetime.fromisoformat(data)

                return begin_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        begin = _parse_begin(d.pop("begin"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        dmarc_pass = d.pop("dmarc_pass")

        domain_id = UUID(d.pop("domain_id"))

        duplicates = d.pop("duplicates")

        def _parse_end(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_type_0 = datetime.datetime.fromisoformat(data)

                return end_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        end = _parse_end(d.pop("end"))

        errors = cast(list[str], d.pop("errors"))

        def _parse_failure_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_detail = _parse_failure_detail(d.pop("failure_detail"))

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

        def _parse_format_(data: object) -> None | ReportFormat:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                format_type_0 = check_report_format(data)

                return format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReportFormat, data)

        format_ = _parse_format_(d.pop("format"))

        id = UUID(d.pop("id"))

        message_id = d.pop("message_id")

        messages = d.pop("messages")

        def _parse_policy(data: object) -> None | PolicyOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                policy_type_0 = PolicyOut.from_dict(data)

                return policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyOut, data)

        policy = _parse_policy(d.pop("policy"))

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        def _parse_report_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        report_id = _parse_report_id(d.pop("report_id"))

        def _parse_reporter(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reporter = _parse_reporter(d.pop("reporter"))

        def _parse_reporter_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reporter_email = _parse_reporter_email(d.pop("reporter_email"))

        row_count = d.pop("row_count")

        status = check_report_status(d.pop("status"))

        dmarc_report_out = cls(
            begin=begin,
            created_at=created_at,
            dmarc_pass=dmarc_pass,
            domain_id=domain_id,
            duplicates=duplicates,
            end=end,
            errors=errors,
            failure_detail=failure_detail,
            failure_reason=failure_reason,
            filename=filename,
            format_=format_,
            id=id,
            message_id=message_id,
            messages=messages,
            policy=policy,
            received_at=received_at,
            report_id=report_id,
            reporter=reporter,
            reporter_email=reporter_email,
            row_count=row_count,
            status=status,
        )

        dmarc_report_out.additional_properties = d
        return dmarc_report_out

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
