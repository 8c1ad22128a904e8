from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SendInHeaders")


@_attrs_define
class SendInHeaders:
    """Custom headers: any X- header but X-SES-* and trace ones (X-Original-To, X-Spam-*...), and Keywords, Comments,
    Importance, Priority, Sensitivity, Auto-Submitted, Precedence, Organization, List-Id, List-Archive, List-Help, List-
    Post, List-Owner, List-Subscribe; anything else (Mailman's own, Received, Return-Path, DKIM-Signature, ARC-*,
    Authentication-Results, Resent-*...) is a 400 naming headers.<Name>. Names ignore case and may appear once; values
    may hold no line break and no control character but tab, 2,000 characters each and 16,384 in all, names included.

    """

    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        send_in_headers = cls()

        send_in_headers.additional_properties = d
        return send_in_headers

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
