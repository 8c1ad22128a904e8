from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.algorithm import Algorithm, check_algorithm

T = TypeVar("T", bound="AuthKeyOut")


@_attrs_define
class AuthKeyOut:
    """
    Attributes:
        algorithm (Algorithm):
        audience (str): What tokens must carry in `aud`: this deployment's name.
        created_at (datetime.datetime):
        id (UUID):
        issuer (str): What tokens signed with the key must carry in `iss`: the organisation's id.
        kid (str):
        last_used_at (datetime.datetime | None): When a token signed with the key was last accepted (to the minute).
        public_key (str): The key, as a SubjectPublicKeyInfo PEM.
        revoked_at (datetime.datetime | None):
    """

    algorithm: Algorithm
    audience: str
    created_at: datetime.datetime
    id: UUID
    issuer: str
    kid: str
    last_used_at: datetime.datetime | None
    public_key: str
    revoked_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        algorithm: str = self.algorithm

        audience = self.audience

        created_at = self.created_at.isoformat()

        id = str(self.id)

        issuer = self.issuer

        kid = self.kid

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        public_key = self.public_key

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "algorithm": algorithm,
                "audience": audience,
                "created_at": created_at,
                "id": id,
                "issuer": issuer,
                "kid": kid,
                "last_used_at": last_used_at,
                "public_key": public_key,
                "revoked_at": revoked_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        algorithm = check_algorithm(d.pop("algorithm"))

        audience = d.pop("audience")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        issuer = d.pop("issuer")

        kid = d.pop("kid")

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        public_key = d.pop("public_key")

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        auth_key_out = cls(
            algorithm=algorithm,
            audience=audience,
            created_at=created_at,
            id=id,
            issuer=issuer,
            kid=kid,
            last_used_at=last_used_at,
            public_key=public_key,
            revoked_at=revoked_at,
        )

        auth_key_out.additional_properties = d
        return auth_key_out

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
