"""What a bearer credential looks like: every request asks, so this is all it loads to
tell a customer-signed token from an API key (`domain/tokens.py` holds the tokens' rules,
`domain/api_keys.py` the keys' format)."""

from __future__ import annotations

import re
from datetime import timedelta

MAX_TOKEN_BYTES = 8192
"""A longer bearer token is refused before it is decoded."""
LEEWAY = timedelta(seconds=30)
"""Clock skew forgiven between the customer's signer and this API (`exp`, `nbf`, `iat`)."""
KEY_CACHE_TTL = timedelta(seconds=60)
"""How long a function trusts a signing key it read without reading it again."""

_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
"""Header and payload, then the signature (empty in an unsigned token, which is refused as
a token: it is no API key either)."""


def looks_like_jwt(value: str) -> bool:
    """Whether a bearer value has a compact JWS's shape (an API key has no dot)."""
    return _COMPACT.fullmatch(value) is not None
