from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.labels_in import LabelsIn


T = TypeVar("T", bound="ChangeIn")


@_attrs_define
class ChangeIn:
    """Any of these; what is not named is kept.

    Attributes:
        folder (None | str | Unset): A system folder's name (inbox, sent, drafts, archive, spam, trash; not the virtual
            `starred`) or the id of a custom folder of the message's inbox. Moving into trash is deleting (restorable);
            moving out of it restores.
        labels (LabelsIn | None | Unset):
        read (bool | None | Unset):
        starred (bool | None | Unset):
    """

    folder: None | str | Unset = UNSET
    labels: LabelsIn | None | Unset = UNSET
    read: bool | None | Unset = UNSET
    starred: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.labels_in import LabelsIn

        folder: None | str | Unset
        if isinstance(self.folder, Unset):
            folder = UNSET
        else:
            folder = self.folder

        labels: dict[str, Any] | None | Unset
        if isinstance(self.labels, Unset):
            labels = UNSET
        elif isinstance(self.labels, LabelsIn):
            labels = self.labels.to_dict()
        else:
            labels = self.labels

        read: bool | None | Unset
        if isinstance(self.read, Unset):
            read = UNSET
        else:
            read = self.read

        starred: bool | None | Unset
        if isinstance(self.starred, Unset):
            starred = UNSET
        else:
            starred = self.starred

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if folder is not UNSET:
            field_dict["folder"] = folder
        if labels is not UNSET:
            field_dict["labels"] = labels
        if read is not UNSET:
            field_dict["read"] = read
        if starred is not UNSET:
            field_dict["starred"] = starred

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.labels_in import LabelsIn

        d = dict(src_dict)

        def _parse_folder(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        folder = _parse_folder(d.pop("folder", UNSET))

        def _parse_labels(data: object) -> LabelsIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                labels_type_0 = LabelsIn.from_dict(data)

                return labels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LabelsIn | None | Unset, data)

        labels = _parse_labels(d.pop("labels", UNSET))

        def _parse_read(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        read = _parse_read(d.pop("read", UNSET))

        def _parse_starred(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        starred = _parse_starred(d.pop("starred", UNSET))

        change_in = cls(
            folder=folder,
            labels=labels,
            read=read,
            starred=starred,
        )

        return change_in
