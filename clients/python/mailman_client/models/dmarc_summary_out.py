from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rates_out import RatesOut
    from ..models.recommendation_out import RecommendationOut
    from ..models.source_out import SourceOut


T = TypeVar("T", bound="DmarcSummaryOut")


@_attrs_define
class DmarcSummaryOut:
    """
    Attributes:
        days (int): Distinct days (UTC) on which a report began.
        dkim_aligned_pass (int):
        dmarc_pass (int):
        domain_id (UUID):
        failed_reports (int): Failed reports received in the window.
        failing_sources (list[SourceOut]): Sources with mail failing DMARC, the most failing first.
        messages (int):
        rates (RatesOut):
        recommendation (RecommendationOut):
        reporters (int):
        reports (int):
        since (datetime.datetime):
        sources (list[SourceOut]): Messages by source (IP, reverse DNS name, reporter), largest first.
        spf_aligned_pass (int):
        until (datetime.datetime):
    """

    days: int
    dkim_aligned_pass: int
    dmarc_pass: int
    domain_id: UUID
    failed_reports: int
    failing_sources: list[SourceOut]
    messages: int
    rates: RatesOut
    recommendation: RecommendationOut
    reporters: int
    reports: int
    since: datetime.datetime
    sources: list[SourceOut]
    spf_aligned_pass: int
    until: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        days = self.days

        dkim_aligned_pass = self.dkim_aligned_pass

        dmarc_pass = self.dmarc_pass

        domain_id = str(self.domain_id)

        failed_reports = self.failed_reports

        failing_sources = []
        for failing_sources_item_data in self.failing_sources:
            failing_sources_item = failing_sources_item_data.to_dict()
            failing_sources.append(failing_sources_item)

        messages = self.messages

        rates = self.rates.to_dict()

        recommendation = self.recommendation.to_dict()

        reporters = self.reporters

        reports = self.reports

        since = self.since.isoformat()

        sources = []
        for sources_item_data in self.sources:
            sources_item = sources_item_data.to_dict()
            sources.append(sources_item)

        spf_aligned_pass = self.spf_aligned_pass

        until = self.until.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "days": days,
                "dkim_aligned_pass": dkim_aligned_pass,
                "dmarc_pass": dmarc_pass,
                "domain_id": domain_id,
                "failed_reports": failed_reports,
                "failing_sources": failing_sources,
                "messages": messages,
                "rates": rates,
                "recommendation": recommendation,
                "reporters": reporters,
                "reports": reports,
                "since": since,
                "sources": sources,
                "spf_aligned_pass": spf_aligned_pass,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rates_out import RatesOut
        from ..models.recommendation_out import RecommendationOut
        from ..models.source_out import SourceOut

        d = dict(src_dict)
        days = d.pop("days")

        dkim_aligned_pass = d.pop("dkim_aligned_pass")

        dmarc_pass = d.pop("dmarc_pass")

        domain_id = UUID(d.pop("domain_id"))

        failed_reports = d.pop("failed_reports")

        failing_sources = []
        _failing_sources = d.pop("failing_sources")
        for failing_sources_item_data in _failing_sources:
            failing_sources_item = SourceOut.from_dict(failing_sources_item_data)

            failing_sources.append(failing_sources_item)

        messages = d.pop("messages")

        rates = RatesOut.from_dict(d.pop("rates"))

        recommendation = RecommendationOut.from_dict(d.pop("recommendation"))

        reporters = d.pop("reporters")

        reports = d.pop("reports")

        since = datetime.datetime.fromisoformat(d.pop("since"))

        sources = []
        _sources = d.pop("sources")
        for sources_item_data in _sources:
            sources_item = SourceOut.from_dict(sources_item_data)

            sources.append(sources_item)

        spf_aligned_pass = d.pop("spf_aligned_pass")

        until = datetime.datetime.fromisoformat(d.pop("until"))

        dmarc_summary_out = cls(
            days=days,
            dkim_aligned_pass=dkim_aligned_pass,
            dmarc_pass=dmarc_pass,
            domain_id=domain_id,
            failed_reports=failed_reports,
            failing_sources=failing_sources,
            messages=messages,
            rates=rates,
            recommendation=recommendation,
            reporters=reporters,
            reports=reports,
            since=since,
            sources=sources,
            spf_aligned_pass=spf_aligned_pass,
            until=until,
        )

        dmarc_summary_out.additional_properties = d
        return dmarc_summary_out

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
