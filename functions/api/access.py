"""What each route needs of its caller, declared with the route:
`@router.get("/inboxes", ..., **requires(Scope.INBOXES_READ))`.

The declaration is the route's OpenAPI security requirement (the `bearer` scheme with the
one scope the route needs), so the document shows it and the check reads it back from the
route the request resolved to. A route that acts on the organisation as a whole (its
domains, keys, suppressions, a new inbox) says so with `organization_wide`: a credential
bound to inboxes is refused there.
"""

from __future__ import annotations

from typing import Any

from mailman.domain.access import Scope

SECURITY_SCHEME = "bearer"
ORGANIZATION_WIDE = "x-mailman-organization-wide"
"""The OpenAPI extension that marks an operation closed to inbox-bound credentials."""


def requires(scope: Scope, *, organization_wide: bool = False) -> dict[str, Any]:
    """The route decorator's keywords that declare `scope` (and `organization_wide`)."""
    return {
        "security": [{SECURITY_SCHEME: [scope.value]}],
        "openapi_extensions": {ORGANIZATION_WIDE: True} if organization_wide else None,
    }
