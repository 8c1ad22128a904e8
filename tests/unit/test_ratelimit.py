from datetime import UTC, datetime, timedelta
from uuid import uuid4

from mailman.domain.models import Organization
from mailman.domain.ratelimit import (
    BlockedAddresses,
    BucketState,
    OrganizationLimits,
    binding_bucket,
    source_network,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_headers_of_a_fresh_bucket_after_one_request() -> None:
    bucket = BucketState.for_limit(60, allowed=True, tokens=59.0)

    assert bucket.limit == 60
    assert bucket.remaining == 59
    assert bucket.reset_seconds == 1


def test_refused_request_waits_for_the_next_token() -> None:
    bucket = BucketState.for_limit(60, allowed=False, tokens=0.25)

    assert bucket.remaining == 0
    assert bucket.retry_after_seconds == 1


def test_retry_after_scales_with_a_slow_bucket() -> None:
    bucket = BucketState.for_limit(6, allowed=False, tokens=0.0)

    assert bucket.retry_after_seconds == 10
    assert bucket.reset_seconds == 60


# -- which of a request's two buckets its answer describes ---------------------------------


def test_an_admitted_request_describes_the_bucket_closer_to_refusing() -> None:
    key = BucketState.for_limit(100, allowed=True, tokens=80.0)
    organization = BucketState.for_limit(600, allowed=True, tokens=12.0)

    assert binding_bucket(key, organization) is organization
    assert binding_bucket(key, BucketState.for_limit(600, allowed=True, tokens=500.0)) is key


def test_an_admitted_request_describes_the_key_on_a_tie() -> None:
    key = BucketState.for_limit(100, allowed=True, tokens=9.5)
    organization = BucketState.for_limit(600, allowed=True, tokens=9.2)

    assert binding_bucket(key, organization) is key


def test_a_refused_request_describes_the_empty_bucket() -> None:
    key = BucketState.for_limit(100, allowed=False, tokens=40.0)
    organization = BucketState.for_limit(600, allowed=False, tokens=0.5)

    chosen = binding_bucket(key, organization)

    assert chosen is organization
    assert chosen.retry_after_seconds == 1


def test_a_request_both_buckets_refuse_describes_the_one_that_frees_up_last() -> None:
    key = BucketState.for_limit(6, allowed=False, tokens=0.0)  # a token in 10 s
    organization = BucketState.for_limit(600, allowed=False, tokens=0.0)  # in 0.1 s

    assert binding_bucket(key, organization) is key


# -- an organisation's limits ---------------------------------------------------------------


def test_an_organisation_without_limits_of_its_own_takes_the_defaults() -> None:
    defaults = OrganizationLimits(rate_limit_per_minute=600, max_api_keys=100)
    plain = Organization(id=uuid4(), name="Acme", created_at=NOW)
    tuned = plain.model_copy(update={"rate_limit_per_minute": 1200})

    assert plain.limits(defaults) == defaults
    assert tuned.limits(defaults) == OrganizationLimits(
        rate_limit_per_minute=1200, max_api_keys=100
    )


# -- addresses a process knows are blocked --------------------------------------------------


def test_an_address_is_blocked_until_its_bucket_has_a_token_again() -> None:
    blocked = BlockedAddresses()
    bucket = BucketState.for_limit(20, allowed=False, tokens=0.0)  # a token every 3 s

    until = blocked.block_for("203.0.113.7", bucket, NOW)

    assert until == NOW + timedelta(seconds=3)
    assert blocked.blocked_until("203.0.113.7", NOW + timedelta(seconds=2)) == until
    assert blocked.blocked_until("203.0.113.8", NOW) is None
    assert blocked.blocked_until("203.0.113.7", until) is None
    assert len(blocked) == 0


def test_a_full_memory_forgets_the_address_it_has_known_longest() -> None:
    blocked = BlockedAddresses(capacity=2)
    later = NOW + timedelta(minutes=1)
    blocked.block("a", later)
    blocked.block("b", later)

    blocked.block("c", later)

    assert len(blocked) == 2
    assert blocked.blocked_until("a", NOW) is None
    assert blocked.blocked_until("b", NOW) == later
    assert blocked.blocked_until("c", NOW) == later


def test_blocking_an_address_again_moves_its_time() -> None:
    blocked = BlockedAddresses(capacity=2)
    blocked.block("a", NOW + timedelta(seconds=3))

    blocked.block("a", NOW + timedelta(seconds=9))

    assert len(blocked) == 1
    assert blocked.blocked_until("a", NOW + timedelta(seconds=5)) == NOW + timedelta(seconds=9)


def test_failures_are_counted_by_ipv4_address_and_by_ipv6_slash_64() -> None:
    assert source_network("203.0.113.7") == "203.0.113.7"
    assert source_network("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert source_network("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert source_network("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert source_network("not an address") == "not an address"
