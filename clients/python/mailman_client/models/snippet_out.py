from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SnippetOut")


@_attrs_define
class SnippetOut:
    """
    Attributes:
        highlights (list[list[int]]): [start, end) character offsets into `text` of the words that matched.
        text (str): Plain text around what matched (up to two fragments joined by ' … '), or the message's preview when
            the query has no words to look for.
    """

    highlights: list[list[int]]
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        highlights = []
        for highlights_item_data in self.highlights:
            highlights_item = []
            for highlights_item_item_data in highlights_item_data:
                highlights_item_item: int
                highlights_item_item = highlights_item_item_data
                highlights_item.append(highlights_item_item)

            highlights.append(highlights_item)

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "highlights": highlights,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        highlights = []
        _highlights = d.pop("highlights")
        for highlights_item_data in _highlights:
            highlights_item = []
            _highlights_item = highlights_item_data
            for highlights_item_item_data in _highlights_item:

                def _parse_highlights_item_item(data: object) -> int:
                    return cast(int, data)

                highlights_item_item = _parse_highlights_item_item(
                    highlights_item_item_data
                )

                highlights_item.append(highlights_item_item)

            highlights.append(highlights_item)

        text = d.pop("text")

        snippet_out = cls(
            highlights=highlights,
            text=text,
        )

        snippet_out.additional_properties = d
        return snippet_out

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
