"""Ports to the services around the system: storage, queues, mail, DNS, the clock, the
verification of customer-signed tokens."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailman.domain.auth_keys import Algorithm, AuthKey
    from mailman.domain.blobs import Blob
    from mailman.domain.tokens import TokenExpectations
    from mailman.domain.verification import SesIdentity


class Clock(Protocol):
    def now(self) -> datetime: ...


class BlobStore(Protocol):
    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...

    def get(self, key: str) -> bytes: ...

    def get_many(self, keys: Sequence[str]) -> list[bytes | Exception]:
        """Each object's bytes or the error reading it raised (`NotFound`, `StorageError`),
        in the order of `keys`; the reads may be made at once."""
        ...

    def put_many(self, blobs: Sequence[Blob]) -> list[Exception | None]:
        """Write every object, answering for each, in order, None or the error writing it
        raised; the writes may be made at once."""
        ...

    def presigned_get(
        self, key: str, *, expires_in: int = 300, filename: str | None = None
    ) -> str: ...

    def presigned_put(self, key: str, *, content_type: str, expires_in: int = 3600) -> str:
        """A URL the caller PUTs the object's bytes to, with `content_type`."""
        ...

    def size(self, key: str) -> int | None:
        """The object's size in bytes; None when there is no such object."""
        ...

    def list_keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`, sorted."""
        ...

    def delete_many(self, keys: Sequence[str]) -> None:
        """Delete the objects; a key with no object is no error (a retry deletes again).
        `StorageError` when any could not be deleted."""
        ...


class Queue(Protocol):
    """A work queue (SQS in AWS): each body is one job, JSON-encodable."""

    def send(self, bodies: Sequence[Mapping[str, object]], *, delay_seconds: int = 0) -> None:
        """Queue every body, or raise `DeliveryError` (some may have been queued: the
        consumer must take a job twice calmly)."""
        ...

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Bring a received job back after `seconds` rather than when the queue would (the
        backoff of a consumer that failed it); best effort."""
        ...


class Mailer(Protocol):
    """The mail service's sending side (SES v2 in AWS)."""

    def send(self, raw: bytes, *, destinations: Sequence[str], tags: Mapping[str, str]) -> str:
        """Hand a raw message to the mail service for `destinations` (the envelope); answer
        the service's id for it.

        Raises `DeliveryError`: transient when the service surely did not take the mail and
        a later try may succeed, permanent when it refused the mail; `DeliveryUncertain`
        when it cannot be known whether the service took it."""
        ...


class DomainIdentities(Protocol):
    """The mail service's record of the domains it signs and sends for (SES identities)."""

    def create(self, domain: str, mail_from_domain: str) -> SesIdentity:
        """Create the identity (Easy DKIM, 2048-bit) with its MAIL FROM domain; idempotent."""
        ...

    def get(self, domain: str) -> SesIdentity | None: ...

    def delete(self, domain: str) -> None: ...


class ReceiptRecipients(Protocol):
    """The domains the inbound receipt rule accepts mail for."""

    def allow(self, domain: str) -> None: ...

    def disallow(self, domain: str) -> None: ...

    def reconcile(self, receiving: Collection[str], not_receiving: Collection[str]) -> None:
        """Make the list hold every domain of `receiving` and none of `not_receiving`,
        leaving other entries (configured at deploy time) alone."""
        ...


class Resolver(Protocol):
    def lookup(self, name: str, rtype: str) -> list[str] | None:
        """Answers for `name`/`rtype` as text ([] for none); None when the lookup failed."""
        ...


class TokenVerifier(Protocol):
    """Public-key cryptography for customer-signed tokens (a JOSE library).

    Its implementation loads that library when it is first built: a request with an API
    key never builds one."""

    def public_key(self, algorithm: Algorithm, key: str | Mapping[str, object]) -> str:
        """`key` (a PEM string or a JWK object) as a SubjectPublicKeyInfo PEM, once it is
        a public key fit for `algorithm` (ES256: EC on P-256; RS256: RSA of at least 2048
        bits); ValidationError (field `public_key`) saying why not: a private or symmetric
        key, a certificate, another kind of key, another curve, too short, malformed."""
        ...

    def verify(self, token: str, key: AuthKey, expected: TokenExpectations) -> Mapping[str, object]:
        """The claims of a token signed with `key`, by `key.algorithm` alone (never the one
        its header names), whose `aud` names `expected.audience`, whose `iss` is
        `expected.issuer`, which carries `exp` and is neither expired nor not yet valid
        (`nbf`, `iat`) by the system clock, `expected.leeway_seconds` allowed; TokenRejected
        otherwise. Nothing the header points at (`jku`, `x5u`, `jwk`) is fetched or used, and
        a `crit` extension is refused."""
        ...
