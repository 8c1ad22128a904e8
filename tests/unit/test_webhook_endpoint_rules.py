"""Webhook endpoints' rules against the in-memory unit of work: what a receiver's URL must
be (public HTTPS, its host resolved and every address checked), the event types and inboxes
an endpoint may name, the secret shown once and stored sealed, PATCH, delete and rotation."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.pagination import PageRequest
from mailman.domain.webhook_views import WebhookEndpoint
from mailman.domain.webhooks import DisabledReason, EndpointChanges
from mailman.services import inboxes
from mailman.services.webhooks import endpoints
from mailman.services.webhooks.endpoints import EndpointRequest, EndpointWithSecret, Receivers

from ..webhook_fakes import PUBLIC_HOSTS, ReversingBox, TableResolver
from .world import World, add_domain

URL = "https://hooks.customer.example/mailman"
BOX = ReversingBox()


def _receivers(*, allow_private: bool = False) -> Receivers:
    return Receivers(TableResolver(PUBLIC_HOSTS), allow_private=allow_private)


def _create(
    world: World,
    url: str = URL,
    *,
    organization_id: UUID | None = None,
    allow_private: bool = False,
    **fields: object,
) -> EndpointWithSecret:
    return endpoints.create_endpoint(
        world.uow,
        BOX,
        _receivers(allow_private=allow_private),
        organization_id or world.organization_id,
        EndpointRequest(url, **fields),  # type: ignore[arg-type]
    )


def _refused(world: World, field: str, url: str = URL, **fields: object) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        _create(world, url, **fields)
    assert refused.value.field == field
    assert world.tables.webhook_endpoints == {}
    return refused.value


def _update(world: World, endpoint_id: UUID, **changes: object) -> WebhookEndpoint:
    return endpoints.update_endpoint(
        world.uow,
        world.clock,
        _receivers(),
        world.organization_id,
        endpoint_id,
        EndpointChanges(**changes),  # type: ignore[arg-type]
    )


# -- creating --------------------------------------------------------------------------------


def test_an_endpoint_is_created_with_its_secret_shown_once_and_stored_sealed(world: World) -> None:
    created = _create(world, description="Orders", event_types=["message.received"])

    assert created.secret.startswith("whsec_")
    endpoint = created.endpoint
    assert (endpoint.url, endpoint.description, endpoint.event_types, endpoint.enabled) == (
        URL,
        "Orders",
        ["message.received"],
        True,
    )
    row = world.tables.webhook_endpoints[endpoint.id]
    assert created.secret.encode() not in row.secret_sealed
    assert BOX.open(row.secret_sealed) == created.secret
    assert "secret" not in WebhookEndpoint.model_fields


def test_each_endpoint_gets_its_own_secret(world: World) -> None:
    assert _create(world).secret != _create(world).secret


def test_by_default_an_endpoint_takes_every_type_and_every_inbox(world: World) -> None:
    endpoint = _create(world).endpoint

    assert (endpoint.event_types, endpoint.inbox_ids) == ([], [])


def test_the_url_is_stored_canonical(world: World) -> None:
    endpoint = _create(world, "HTTPS://Hooks.Customer.Example:443/mailman?x=1").endpoint

    assert endpoint.url == "https://hooks.customer.example/mailman?x=1"


def test_every_address_of_the_host_is_resolved_and_checked(world: World) -> None:
    receivers = _receivers()

    endpoints.create_endpoint(
        world.uow,
        BOX,
        receivers,
        world.organization_id,
        EndpointRequest("https://dual.customer.example:8443/in"),
    )

    assert receivers.resolver.asked == [("dual.customer.example", 8443)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.customer.example/mailman", "https"),
        ("https://10.0.0.1/hook", "private"),
        ("https://2130706433/hook", "loopback"),
        ("https://0x7f.1/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://169.254.169.254/latest", "metadata"),
        ("https://100.64.0.1/hook", "shared"),
        ("https://internal.customer.example/hook", "private"),
        ("https://sneaky.customer.example/hook", "loopback"),
        ("https://nowhere.customer.example/hook", "does not resolve"),
        ("https://user:pass@hooks.customer.example/", "credentials"),
        ("not a url", "https"),
    ],
)
def test_a_receiver_that_is_not_public_https_is_refused_naming_url(
    world: World, url: str, says: str
) -> None:
    refused = _refused(world, "url", url)

    assert says in refused.message


def test_a_refusal_does_not_tell_a_named_hosts_private_address(world: World) -> None:
    refused = _refused(world, "url", "https://internal.customer.example/hook")

    assert "10.0.0.7" not in refused.message


def test_the_local_platform_may_send_to_http_and_loopback(world: World) -> None:
    endpoint = _create(world, "http://127.0.0.1:8787/hooks", allow_private=True).endpoint

    assert endpoint.url == "http://127.0.0.1:8787/hooks"


def test_not_even_the_local_platform_may_send_to_the_metadata_service(world: World) -> None:
    with pytest.raises(ValidationError, match="metadata"):
        _create(world, "http://169.254.169.254/", allow_private=True)


def test_unknown_event_types_are_refused_naming_them(world: World) -> None:
    refused = _refused(
        world, "event_types", event_types=["message.received", "message.exploded", "nope"]
    )

    assert "message.exploded, nope" in refused.message


def test_at_most_a_hundred_event_types_may_be_named(world: World) -> None:
    _refused(world, "event_types", event_types=["message.sent"] * 101)


def test_event_types_named_twice_are_kept_once(world: World) -> None:
    endpoint = _create(world, event_types=["message.sent", "message.sent", "domain.verified"])

    assert endpoint.endpoint.event_types == ["message.sent", "domain.verified"]


def test_an_endpoint_may_be_limited_to_the_organisations_inboxes(world: World) -> None:
    sales = world.add_inbox("sales")

    endpoint = _create(world, inbox_ids=[world.inbox.id, sales.id, sales.id]).endpoint

    assert endpoint.inbox_ids == [world.inbox.id, sales.id]


def test_another_organisations_inbox_is_refused(world: World) -> None:
    other = world.add_organization()
    domain = add_domain(world.uow, other, "example.net")
    theirs = inboxes.create_inbox(world.uow, other, domain_id=domain.id, local_part="support")

    refused = _refused(world, "inbox_ids", inbox_ids=[world.inbox.id, theirs.id])

    assert str(theirs.id) in refused.message


def test_an_unknown_inbox_is_refused(world: World) -> None:
    _refused(world, "inbox_ids", inbox_ids=[uuid4()])


def test_at_most_a_hundred_inboxes_may_be_named(world: World) -> None:
    _refused(world, "inbox_ids", inbox_ids=[uuid4() for _ in range(101)])


def test_a_description_may_be_five_hundred_characters_and_no_more(world: World) -> None:
    assert _create(world, description="d" * 500).endpoint.description == "d" * 500
    world.tables.webhook_endpoints.clear()

    _refused(world, "description", description="d" * 501)


def test_an_endpoint_created_disabled_is_disabled_by_the_caller(world: World) -> None:
    endpoint = _create(world, enabled=False).endpoint

    assert (endpoint.enabled, endpoint.disabled_reason) == (False, DisabledReason.MANUAL)
    assert endpoint.disabled_at == endpoint.created_at


# -- reading ---------------------------------------------------------------------------------


def test_the_list_reads_oldest_first_page_by_page_without_the_deleted(world: World) -> None:
    made = [_create(world, description=str(n)).endpoint for n in range(5)]
    endpoints.delete_endpoint(world.uow, world.clock, world.organization_id, made[2].id)

    seen: list[UUID] = []
    token: str | None = None
    while True:
        page = endpoints.list_endpoints(
            world.uow, world.organization_id, PageRequest.parse(2, token)
        )
        seen += [e.id for e in page.items]
        token = page.next_page_token
        if token is None:
            break

    assert seen == [made[0].id, made[1].id, made[3].id, made[4].id]


def test_another_organisations_endpoint_is_not_found_nor_listed(world: World) -> None:
    other = world.add_organization()
    theirs = _create(world, organization_id=other).endpoint

    with pytest.raises(NotFound) as missing:
        endpoints.get_endpoint(world.uow, world.organization_id, theirs.id)
    listed = endpoints.list_endpoints(world.uow, world.organization_id, PageRequest())

    assert missing.value.field == "webhook_id"
    assert listed.items == []
    with pytest.raises(NotFound):
        _update(world, theirs.id, description="mine now")
    with pytest.raises(NotFound):
        endpoints.delete_endpoint(world.uow, world.clock, world.organization_id, theirs.id)


# -- changing --------------------------------------------------------------------------------


def test_a_patch_changes_only_the_fields_given(world: World) -> None:
    endpoint = _create(world, description="Orders", event_types=["message.sent"]).endpoint
    world.clock.advance(timedelta(minutes=1))

    updated = _update(world, endpoint.id, event_types=("message.received",))

    assert updated.event_types == ["message.received"]
    assert (updated.url, updated.description, updated.enabled) == (URL, "Orders", True)
    assert updated.updated_at > endpoint.updated_at


def test_a_new_url_is_checked_and_stored_canonical(world: World) -> None:
    endpoint = _create(world).endpoint

    with pytest.raises(ValidationError) as refused:
        _update(world, endpoint.id, url="https://internal.customer.example/")
    updated = _update(world, endpoint.id, url="https://DUAL.customer.example/in")

    assert refused.value.field == "url"
    assert updated.url == "https://dual.customer.example/in"


def test_a_patch_checks_event_types_inboxes_and_description(world: World) -> None:
    endpoint = _create(world).endpoint

    for changes, field in [
        ({"event_types": ("nope",)}, "event_types"),
        ({"inbox_ids": (uuid4(),)}, "inbox_ids"),
        ({"description": "d" * 501}, "description"),
    ]:
        with pytest.raises(ValidationError) as refused:
            _update(world, endpoint.id, **changes)
        assert refused.value.field == field
    assert endpoints.get_endpoint(world.uow, world.organization_id, endpoint.id) == endpoint


def test_the_description_is_cleared_only_when_asked(world: World) -> None:
    endpoint = _create(world, description="Orders").endpoint

    kept = _update(world, endpoint.id, enabled=True)
    cleared = _update(world, endpoint.id, clear_description=True)

    assert (kept.description, cleared.description) == ("Orders", None)


def test_disabling_is_the_callers_and_enabling_forgets_why_and_the_failing_streak(
    world: World,
) -> None:
    endpoint = _create(world).endpoint
    row = world.tables.webhook_endpoints[endpoint.id]
    row.failing_since = world.clock.now() - timedelta(days=2)

    disabled = _update(world, endpoint.id, enabled=False)
    world.clock.advance(timedelta(hours=1))
    enabled = _update(world, endpoint.id, enabled=True)

    assert (disabled.enabled, disabled.disabled_reason) == (False, DisabledReason.MANUAL)
    assert disabled.disabled_at == world.clock.now() - timedelta(hours=1)
    assert (enabled.enabled, enabled.disabled_reason, enabled.disabled_at) == (True, None, None)
    assert enabled.failing_since is None


def test_disabling_an_endpoint_disabled_already_keeps_its_reason(world: World) -> None:
    endpoint = _create(world).endpoint
    row = world.tables.webhook_endpoints[endpoint.id]
    gone_at = world.clock.now() - timedelta(hours=3)
    row.enabled, row.disabled_reason, row.disabled_at = False, DisabledReason.GONE, gone_at

    updated = _update(world, endpoint.id, enabled=False)

    assert (updated.disabled_reason, updated.disabled_at) == (DisabledReason.GONE, gone_at)


def test_enabling_an_enabled_endpoint_keeps_its_failing_streak(world: World) -> None:
    endpoint = _create(world).endpoint
    since = world.clock.now() - timedelta(days=2)
    world.tables.webhook_endpoints[endpoint.id].failing_since = since

    assert _update(world, endpoint.id, enabled=True).failing_since == since


def test_a_deleted_endpoint_is_gone(world: World) -> None:
    endpoint = _create(world).endpoint

    endpoints.delete_endpoint(world.uow, world.clock, world.organization_id, endpoint.id)

    assert world.tables.webhook_endpoints[endpoint.id].deleted_at == world.clock.now()
    with pytest.raises(NotFound):
        endpoints.get_endpoint(world.uow, world.organization_id, endpoint.id)
    with pytest.raises(NotFound):
        endpoints.delete_endpoint(world.uow, world.clock, world.organization_id, endpoint.id)
    with pytest.raises(NotFound):
        _update(world, endpoint.id, enabled=False)


# -- rotating --------------------------------------------------------------------------------


def _rotate(world: World, endpoint_id: UUID, grace: timedelta | None = None) -> EndpointWithSecret:
    return endpoints.rotate_secret(
        world.uow, world.clock, BOX, world.organization_id, endpoint_id, grace
    )


def _signing(world: World, endpoint_id: UUID) -> list[str]:
    with world.uow(world.organization_id) as work:
        secrets = work.webhook_endpoints.secrets(endpoint_id)
    assert secrets is not None
    return [BOX.open(s) for s in secrets.signing(world.clock.now())]


def test_a_rotation_answers_the_new_secret_and_both_sign_for_a_day(world: World) -> None:
    created = _create(world)

    rotated = _rotate(world, created.endpoint.id)

    assert rotated.secret.startswith("whsec_")
    assert rotated.secret != created.secret
    expires = world.clock.now() + timedelta(hours=24)
    assert rotated.endpoint.previous_secret_expires_at == expires
    assert _signing(world, created.endpoint.id) == [rotated.secret, created.secret]
    world.clock.advance(timedelta(hours=24))
    assert _signing(world, created.endpoint.id) == [rotated.secret]


def test_a_rotation_without_grace_drops_the_old_secret_at_once(world: World) -> None:
    created = _create(world)

    rotated = _rotate(world, created.endpoint.id, timedelta(0))

    assert _signing(world, created.endpoint.id) == [rotated.secret]


def test_a_second_rotation_keeps_only_the_secret_it_replaces(world: World) -> None:
    created = _create(world)
    first = _rotate(world, created.endpoint.id)

    second = _rotate(world, created.endpoint.id, timedelta(hours=1))

    assert _signing(world, created.endpoint.id) == [second.secret, first.secret]


@pytest.mark.parametrize("grace", [timedelta(seconds=-1), timedelta(days=7, seconds=1)])
def test_a_grace_period_outside_zero_to_seven_days_is_refused(
    world: World, grace: timedelta
) -> None:
    created = _create(world)

    with pytest.raises(ValidationError) as refused:
        _rotate(world, created.endpoint.id, grace)

    assert refused.value.field == "grace_period_seconds"
    assert _signing(world, created.endpoint.id) == [created.secret]


def test_rotating_an_unknown_endpoint_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        _rotate(world, uuid4())
