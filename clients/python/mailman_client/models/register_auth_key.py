from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.algorithm import Algorithm, check_algorithm

if TYPE_CHECKING:
    from ..models.register_auth_key_public_key_type_1 import (
        RegisterAuthKeyPublicKeyType1,
    )


T = TypeVar("T", bound="RegisterAuthKey")


@_attrs_define
class RegisterAuthKey:
    """
    Attributes:
        algorithm (Algorithm):
        kid (str): The name tokens give the key in their header's `kid`: printable ASCII, unique among the
            organisation's live keys.
        public_key (RegisterAuthKeyPublicKeyType1 | str): The public key: a PEM string (`-----BEGIN PUBLIC KEY-----`) or
            a JWK object (`kty` EC with `crv` P-256, or RSA). Private keys are refused.
    """

    algorithm: Algorithm
    kid: str
    public_key: RegisterAuthKeyPublicKeyType1 | str

    def to_dict(self) -> dict[str, Any]:
        from ..models.register_auth_key_public_key_type_1 import (
            RegisterAuthKeyPublicKeyType1,
        )

        algorithm: str = self.algorithm

        kid = self.kid

        public_key: dict[str, Any] | str
        if isinstance(self.public_key, RegisterAuthKeyPublicKeyType1):
            public_key = self.public_key.to_dict()
        else:
            public_key = self.public_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "algorithm": algorithm,
                "kid": kid,
                "public_key": public_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.register_auth_key_public_key_type_1 import (
            RegisterAuthKeyPublicKeyType1,
        )

        d = dict(src_dict)
        algorithm = check_algorithm(d.pop("algorithm"))

        kid = d.pop("kid")

        def _parse_public_key(data: object) -> RegisterAuthKeyPublicKeyType1 | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                public_key_type_1 = RegisterAuthKeyPublicKeyType1.from_dict(data)

                return public_key_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(RegisterAuthKeyPublicKeyType1 | str, data)

        public_key = _parse_public_key(d.pop("public_key"))

        register_auth_key = cls(
            algorithm=algorithm,
            kid=kid,
            public_key=public_key,
        )

        return register_auth_key
