"""Authenticating a bearer token, and the key registry, against the in-memory unit of work
(with the real verifier: its cryptography needs no network)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from mailman.adapters.memory.auth_keys import InMemoryAuthKeyRepository
from mailman.adapters.tokens import PyJwtTokenVerifier
from mailman.domain import api_keys as key_format
from mailman.domain.access import Scope
from mailman.domain.auth_keys import AuthKey
from mailman.domain.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationError
from mailman.domain.pagination import PageRequest
from mailman.domain.ratelimit import (
    FAILED_AUTHENTICATIONS_PER_MINUTE,
    BlockedAddresses,
    RequestLimits,
)
from mailman.domain.tokens import TokenPolicy
from mailman.services.auth import Principal, auth_keys, authenticate
from mailman.services.auth import api_keys as api_key_service
from mailman.services.auth.tokens import SigningKeyCache, TokenVerification
from tests.jose import PrivateKey, algorithm_of, ec_key, public_pem, rsa_key, sign, token

from .world import World, make_world

VERIFIER = PyJwtTokenVerifier()
REFUSAL = ("invalid or expired token", "Authorization")
ATTACKER = "203.0.113.7"


@dataclass
class Tokens:
    world: World
    key: PrivateKey
    registered: AuthKey
    verification: TokenVerification
    blocked: BlockedAddresses
    limits: RequestLimits = field(default_factory=RequestLimits)

    @property
    def organization_id(self) -> UUID:
        return self.world.organization_id

    def mint(self, key: PrivateKey | None = None, kid: str = "k1", **claims: Any) -> str:
        return token(key or self.key, kid, self.organization_id, **claims)

    def authenticate(self, bearer: str, *, source: str | None = None) -> Principal:
        return authenticate(
            self.world.uow,
            self.world.clock,
            f"Bearer {bearer}",
            source=source,
            blocked=self.blocked,
            limits=self.limits,
            tokens=lambda: self.verification,
        )

    def refusal(self, bearer: str, *, source: str | None = None) -> tuple[str, str | None]:
        with pytest.raises(Unauthorized) as refused:
            self.authenticate(bearer, source=source)
        return refused.value.message, refused.value.field

    def register(self, key: PrivateKey, kid: str, organization_id: UUID | None = None) -> AuthKey:
        return auth_keys.register_auth_key(
            self.world.uow,
            VERIFIER,
            organization_id or self.organization_id,
            kid=kid,
            algorithm=algorithm_of(key),
            public_key=public_pem(key),
        )


@pytest.fixture
def tokens() -> Tokens:
    world = make_world()
    # PyJWT checks times by the system clock as well: the world's stands at the present.
    world.clock.at = datetime.now(UTC).replace(microsecond=0)
    key = ec_key()
    registered = auth_keys.register_auth_key(
        world.uow,
        VERIFIER,
        world.organization_id,
        kid="k1",
        algorithm="ES256",
        public_key=public_pem(key),
    )
    verification = TokenVerification(VERIFIER, TokenPolicy(audience="mailman"))
    return Tokens(world, key, registered, verification, BlockedAddresses())


@pytest.fixture
def key_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[UUID, str]]:
    """Every (organisation, kid) a key was read for."""
    reads: list[tuple[UUID, str]] = []
    original = InMemoryAuthKeyRepository.find_live

    def counted(self: InMemoryAuthKeyRepository, organization_id: UUID, kid: str) -> Any:
        reads.append((organization_id, kid))
        return original(self, organization_id, kid)

    monkeypatch.setattr(InMemoryAuthKeyRepository, "find_live", counted)
    return reads


# -- accepted -------------------------------------------------------------------------------


def test_a_token_acts_as_its_subject_with_its_scopes(tokens: Tokens) -> None:
    principal = tokens.authenticate(tokens.mint(scope="messages:read messages:send"))

    caller = principal.caller
    assert caller.organization_id == tokens.organization_id
    assert (caller.credential, caller.key_id, caller.subject) == (
        "token",
        tokens.registered.id,
        "agent-7",
    )
    assert caller.scopes == frozenset({Scope.MESSAGES_READ, Scope.MESSAGES_SEND})
    assert caller.inbox_ids is None
    assert principal.bucket.allowed


def test_an_rs256_token_is_accepted(tokens: Tokens) -> None:
    registered = tokens.register(rsa_key(), "rsa-1")

    principal = tokens.authenticate(tokens.mint(rsa_key(), "rsa-1"))

    assert principal.caller.key_id == registered.id


def test_inboxes_named_by_id_and_by_address_bind_the_token(tokens: Tokens) -> None:
    sales = tokens.world.add_inbox("sales")
    support = tokens.world.inbox

    principal = tokens.authenticate(
        tokens.mint(inboxes=[str(sales.id), "SUPPORT@example.com", "nobody@example.com"])
    )

    assert principal.caller.inbox_ids == frozenset({sales.id, support.id})


def test_an_address_of_another_organisations_inbox_binds_to_nothing(tokens: Tokens) -> None:
    world = tokens.world
    other = world.add_organization()
    world.add_domain(other, "globex.example")

    principal = tokens.authenticate(tokens.mint(inboxes=["support@globex.example"]))

    assert principal.caller.inbox_ids == frozenset()


def test_using_a_key_records_when(tokens: Tokens) -> None:
    tokens.authenticate(tokens.mint())

    used = auth_keys.get_auth_key(tokens.world.uow, tokens.organization_id, tokens.registered.id)
    assert used.last_used_at == tokens.world.clock.now()


# -- the cache of keys -------------------------------------------------------------------------


def test_a_warm_second_request_reads_no_key(
    tokens: Tokens, key_reads: list[tuple[UUID, str]]
) -> None:
    tokens.authenticate(tokens.mint())
    tokens.world.clock.advance(timedelta(seconds=59))
    tokens.authenticate(tokens.mint(sub="another"))

    assert key_reads == [(tokens.organization_id, "k1")]


def test_a_key_held_for_60_seconds_is_read_again(
    tokens: Tokens, key_reads: list[tuple[UUID, str]]
) -> None:
    tokens.authenticate(tokens.mint())
    tokens.world.clock.advance(timedelta(seconds=60))
    tokens.authenticate(tokens.mint())

    assert len(key_reads) == 2


def test_a_revoked_key_is_refused_at_the_next_request_though_cached(tokens: Tokens) -> None:
    tokens.authenticate(tokens.mint())

    auth_keys.revoke_auth_key(
        tokens.world.uow, tokens.world.clock, tokens.organization_id, tokens.registered.id
    )

    assert tokens.refusal(tokens.mint()) == REFUSAL


def test_a_key_registered_again_under_a_revoked_kid_is_trusted_at_once(
    tokens: Tokens, key_reads: list[tuple[UUID, str]]
) -> None:
    world = tokens.world
    tokens.authenticate(tokens.mint())
    auth_keys.revoke_auth_key(world.uow, world.clock, tokens.organization_id, tokens.registered.id)
    successor = ec_key()
    tokens.register(successor, "k1")
    before = len(key_reads)

    accepted = tokens.authenticate(tokens.mint(successor))

    assert accepted.caller.key_id != tokens.registered.id
    assert len(key_reads) == before + 1
    assert tokens.refusal(tokens.mint()) == REFUSAL
    assert len(key_reads) == before + 2
    tokens.authenticate(tokens.mint(successor))
    assert len(key_reads) == before + 2


def test_a_forged_token_against_a_held_key_reads_it_once_more_and_is_refused(
    tokens: Tokens, key_reads: list[tuple[UUID, str]]
) -> None:
    tokens.authenticate(tokens.mint())

    refused = tokens.refusal(tokens.mint(ec_key()))

    assert refused == REFUSAL
    assert len(key_reads) == 2
    tokens.authenticate(tokens.mint())
    assert len(key_reads) == 2


def test_the_cache_is_bounded() -> None:
    cache = SigningKeyCache(capacity=2)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    keys = [
        AuthKey(
            id=UUID(int=n),
            organization_id=UUID(int=0),
            kid=f"k{n}",
            algorithm="ES256",
            public_key_pem="pem",
            created_at=now,
        )
        for n in range(3)
    ]

    for key in keys:
        cache.put(key, now)

    assert len(cache) == 2


# -- refused ----------------------------------------------------------------------------------


REFUSED: dict[str, Callable[[Tokens], str]] = {
    "unknown kid": lambda t: t.mint(kid="k2"),
    "another key": lambda t: t.mint(ec_key()),
    "expired": lambda t: t.mint(iat=None, exp=int(t.world.clock.now().timestamp()) - 31),
    "no sub": lambda t: t.mint(sub=None),
    "unknown scope": lambda t: t.mint(scope="messages:read root"),
    "wrong audience": lambda t: t.mint(audience="another-deployment"),
    "lifetime over the cap": lambda t: t.mint(lifetime=86_401),
    "alg none": lambda t: sign({"alg": "none", "kid": "k1"}, {"iss": str(t.organization_id)}, None),
    "HS256 keyed with the public key": lambda t: sign(
        {"alg": "HS256", "kid": "k1"},
        {"iss": str(t.organization_id), "aud": "mailman", "sub": "x", "exp": 2**40},
        public_pem(t.key).encode(),
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_every_refusal_says_the_same(tokens: Tokens, case: str) -> None:
    assert tokens.refusal(REFUSED[case](tokens)) == REFUSAL


def test_times_are_judged_by_our_clock(tokens: Tokens) -> None:
    valid_now = tokens.mint(lifetime=300)
    tokens.world.clock.advance(timedelta(minutes=6))

    assert tokens.refusal(valid_now) == REFUSAL


def test_a_token_of_a_deleted_organisation_is_refused(tokens: Tokens) -> None:
    world = tokens.world
    tokens.authenticate(tokens.mint())
    with world.uow(None) as work:
        work.organizations.soft_delete(tokens.organization_id, world.clock.now())

    assert tokens.refusal(tokens.mint()) == REFUSAL


def test_another_organisations_key_of_the_same_kid_does_not_verify(
    tokens: Tokens, key_reads: list[tuple[UUID, str]]
) -> None:
    other = tokens.world.add_organization()
    theirs = ec_key()
    tokens.register(theirs, "shared", other)
    tokens.register(ec_key(), "shared")
    key_reads.clear()

    assert tokens.refusal(tokens.mint(theirs, "shared")) == REFUSAL
    assert key_reads == [(tokens.organization_id, "shared")]


def test_the_reason_is_logged_and_the_token_is_not(
    tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    refused = tokens.mint(kid="k2")

    with caplog.at_level(logging.INFO, logger="mailman.services.auth.tokens"):
        tokens.refusal(refused)

    [record] = caplog.records
    assert record.reason == "the issuer has no live key of this kid"  # type: ignore[attr-defined]
    assert refused not in caplog.text
    assert refused.split(".")[1] not in caplog.text


def test_failed_tokens_and_keys_share_the_source_addresss_bucket(tokens: Tokens) -> None:
    bad_token = tokens.mint(kid="k2")
    bad_key = key_format.mint().secret

    statuses = [
        tokens.refusal(bad_token if n % 2 else bad_key, source=ATTACKER)[0]
        for n in range(FAILED_AUTHENTICATIONS_PER_MINUTE)
    ]

    assert len(statuses) == FAILED_AUTHENTICATIONS_PER_MINUTE
    with pytest.raises(RateLimited):
        tokens.authenticate(bad_token, source=ATTACKER)
    with pytest.raises(RateLimited):
        tokens.authenticate(tokens.mint(), source=ATTACKER)  # blocked, even with a good one


def test_a_good_token_costs_its_address_nothing(tokens: Tokens) -> None:
    for _ in range(FAILED_AUTHENTICATIONS_PER_MINUTE + 1):
        tokens.authenticate(tokens.mint(), source=ATTACKER)

    assert tokens.blocked.blocked_until(ATTACKER, tokens.world.clock.now()) is None


def test_each_subject_has_its_own_bucket(tokens: Tokens) -> None:
    tokens.limits = RequestLimits(key_per_minute=2)

    first = [tokens.authenticate(tokens.mint(sub="a")).bucket.allowed for _ in range(3)]
    other = tokens.authenticate(tokens.mint(sub="b")).bucket

    assert first == [True, True, False]
    assert other.allowed
    assert other.limit == 2


def test_without_a_verifier_a_token_is_no_api_key(tokens: Tokens) -> None:
    with pytest.raises(Unauthorized) as refused:
        api_key_service.authenticate(
            tokens.world.uow, tokens.world.clock, f"Bearer {tokens.mint()}"
        )

    assert refused.value.message == "malformed API key"


def test_an_api_key_never_asks_for_the_verifier(tokens: Tokens) -> None:
    world = tokens.world
    created = api_key_service.create_api_key(
        world.uow, world.clock, tokens.organization_id, name="k"
    )

    def no_verifier() -> TokenVerification:
        raise AssertionError("the token verifier was built")

    principal = authenticate(world.uow, world.clock, f"Bearer {created.secret}", tokens=no_verifier)

    assert principal.caller.credential == "api_key"


# -- the registry ------------------------------------------------------------------------------


@pytest.mark.parametrize("kid", ["", " k", "k ", "k" * 129, "ключ", "k\x00", "k\n"])
def test_a_kid_must_be_printable_ascii_of_at_most_128(tokens: Tokens, kid: str) -> None:
    with pytest.raises(ValidationError) as refused:
        tokens.register(ec_key(), kid)

    assert refused.value.field == "kid"


def test_a_kid_of_128_printable_characters_is_taken(tokens: Tokens) -> None:
    kid = "a b~!" + "x" * 123

    assert tokens.register(ec_key(), kid).kid == kid


def test_an_algorithm_other_than_es256_or_rs256_is_refused(tokens: Tokens) -> None:
    with pytest.raises(ValidationError) as refused:
        auth_keys.register_auth_key(
            tokens.world.uow,
            VERIFIER,
            tokens.organization_id,
            kid="k9",
            algorithm="HS256",
            public_key=public_pem(ec_key()),
        )

    assert refused.value.field == "algorithm"


def test_a_second_live_key_of_one_kid_conflicts(tokens: Tokens) -> None:
    with pytest.raises(Conflict) as refused:
        tokens.register(ec_key(), "k1")

    assert refused.value.field == "kid"


def test_another_organisation_may_use_the_same_kid(tokens: Tokens) -> None:
    other = tokens.world.add_organization()

    assert tokens.register(ec_key(), "k1", other).organization_id == other


def test_revoking_keeps_the_first_revocation_time(tokens: Tokens) -> None:
    world = tokens.world
    first = auth_keys.revoke_auth_key(
        world.uow, world.clock, tokens.organization_id, tokens.registered.id
    )
    world.clock.advance(timedelta(minutes=5))

    again = auth_keys.revoke_auth_key(
        world.uow, world.clock, tokens.organization_id, tokens.registered.id
    )

    assert again.revoked_at == first.revoked_at is not None


def test_another_organisations_key_is_not_found(tokens: Tokens) -> None:
    world = tokens.world
    other = world.add_organization()

    with pytest.raises(NotFound):
        auth_keys.get_auth_key(world.uow, other, tokens.registered.id)
    with pytest.raises(NotFound):
        auth_keys.revoke_auth_key(world.uow, world.clock, other, tokens.registered.id)
    assert auth_keys.list_auth_keys(world.uow, other, PageRequest()).items == []


def test_keys_are_listed_oldest_first_in_pages(tokens: Tokens) -> None:
    world = tokens.world
    for n in range(2, 5):
        world.clock.advance(timedelta(seconds=1))
        tokens.register(ec_key(), f"k{n}")

    first = auth_keys.list_auth_keys(world.uow, tokens.organization_id, PageRequest(limit=3))
    rest = auth_keys.list_auth_keys(
        world.uow, tokens.organization_id, PageRequest.parse(3, first.next_page_token)
    )

    assert [k.kid for k in first.items] == ["k1", "k2", "k3"]
    assert [k.kid for k in rest.items] == ["k4"]
    assert rest.next_page_token is None


class _Baffled:
    """A verifier a token makes raise what no rule foresaw."""

    def public_key(self, public_key: Any, algorithm: Any) -> str:
        raise AssertionError("not asked")

    def verify(self, token: str, key: AuthKey, expected: Any) -> Any:
        raise OverflowError("a number no float holds")


def test_a_token_no_rule_foresaw_is_refused_like_any_other(tokens: Tokens) -> None:
    tokens.verification = TokenVerification(_Baffled(), TokenPolicy(audience="mailman"))

    assert tokens.refusal(tokens.mint(), source=ATTACKER) == REFUSAL
