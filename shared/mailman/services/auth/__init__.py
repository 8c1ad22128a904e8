"""Authentication and access: API keys (`api_keys`), the registered keys that sign a
customer's tokens (`auth_keys`) and the tokens themselves (`tokens`), the request's
`Principal` either one proves, and `authenticate`, the one way in for both.

Each module is imported when first used: a request with an API key never loads the token
verifier and its cryptography, nor the registry of keys (`auth_keys`, which the API's routes
name by module).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailman.lazy import exports

if TYPE_CHECKING:
    from mailman.services.auth.bearer import authenticate
    from mailman.services.auth.principal import Principal

_MODULES = {"Principal": "principal", "authenticate": "bearer"}

__getattr__ = exports(__name__, _MODULES, stand_ins={"auth_keys"})

__all__ = ["Principal", "authenticate"]
