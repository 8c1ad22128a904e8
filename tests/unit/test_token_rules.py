"""The pure rules of bearer tokens: their shape, the header and issuer read before any key
is looked up, and the claims once the signature is verified."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from mailman.domain import api_keys
from mailman.domain.access import Scope
from mailman.domain.credentials import looks_like_jwt
from mailman.domain.tokens import (
    MAX_INBOXES,
    MAX_TOKEN_BYTES,
    TokenPolicy,
    TokenRejected,
    check_claims,
    read_unverified,
)
from tests.jose import b64url

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
T = NOW.timestamp()
POLICY = TokenPolicy(audience="mailman")
ORG = UUID("3347f6b5-3d7b-4459-933f-47ce97a4d52b")


def _compact(header: Any, payload: Any, signature: str = "c2ln") -> str:
    def part(value: Any) -> str:
        return b64url(value if isinstance(value, bytes) else json.dumps(value).encode())

    return f"{part(header)}.{part(payload)}.{signature}"


def _header(**more: Any) -> dict[str, Any]:
    return {"alg": "ES256", "kid": "k1", **more}


def _claims(**more: Any) -> dict[str, Any]:
    found = {"sub": "agent-7", "iat": T, "exp": T + 600, **more}
    return {name: value for name, value in found.items() if value is not None}


# -- shape ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["eyJh.eyJi.c2ln", "a.b.", "A-_z.0.9_-"])
def test_three_base64url_segments_look_like_a_token(value: str) -> None:
    assert looks_like_jwt(value)


@pytest.mark.parametrize("value", ["a.b", "a.b.c.d", ".b.c", "a..c", "a.b=.c", "a b.c.d", ""])
def test_anything_else_does_not(value: str) -> None:
    assert not looks_like_jwt(value)


def test_an_api_key_never_looks_like_a_token() -> None:
    assert not looks_like_jwt(api_keys.mint().secret)


# -- before the signature ---------------------------------------------------------------------


def test_the_header_and_issuer_name_the_key() -> None:
    address = read_unverified(_compact(_header(kid="agents-1"), _claims(iss=str(ORG))))

    assert (address.organization_id, address.kid) == (ORG, "agents-1")


def test_pointers_to_keys_in_the_header_are_ignored() -> None:
    header = _header(jku="http://127.0.0.1/keys", x5u="http://127.0.0.1/x5u", jwk={"kty": "EC"})

    assert read_unverified(_compact(header, _claims(iss=str(ORG)))).kid == "k1"


def _refused(token: str) -> str:
    with pytest.raises(TokenRejected) as refused:
        read_unverified(token)
    return refused.value.reason


def test_a_token_longer_than_the_cap_is_refused_before_it_is_decoded() -> None:
    header = b64url(json.dumps(_header()).encode())
    token = f"{header}.{'A' * MAX_TOKEN_BYTES}.c2ln"

    assert "longer than" in _refused(token)


@pytest.mark.parametrize(
    "header",
    [
        _header(alg="none"),
        _header(alg="HS256"),
        _header(alg="ES384"),
        {"kid": "k1"},
        _header(alg=["ES256"]),
    ],
)
def test_an_algorithm_no_key_may_have_is_refused(header: dict[str, Any]) -> None:
    assert "alg" in _refused(_compact(header, _claims(iss=str(ORG))))


@pytest.mark.parametrize("extension", [{"crit": ["exp"]}, {"crit": ["b64"], "b64": False}])
def test_a_critical_extension_is_refused(extension: dict[str, Any]) -> None:
    assert "crit" in _refused(_compact(_header(**extension), _claims(iss=str(ORG))))


@pytest.mark.parametrize(
    "kid", [None, "", 7, ["k1"], "k" * 129, "a\x00b", "\ud800", " k1", "k\u00e91"]
)
def test_a_missing_or_malformed_kid_is_refused(kid: object) -> None:
    header = {"alg": "ES256"} if kid is None else _header(kid=kid)

    assert "kid" in _refused(_compact(header, _claims(iss=str(ORG))))


@pytest.mark.parametrize(
    "iss",
    [None, "", "acme", str(ORG).upper(), str(ORG).replace("-", ""), f"{{{ORG}}}", 42],
)
def test_an_issuer_other_than_an_organisations_id_is_refused(iss: object) -> None:
    claims = _claims() if iss is None else _claims(iss=iss)

    assert "iss" in _refused(_compact(_header(), claims))


@pytest.mark.parametrize(
    "token",
    [
        _compact(b"not json", _claims(iss=str(ORG))),
        _compact(_header(), b"\xff\xfe"),
        _compact(["ES256"], _claims(iss=str(ORG))),
        _compact(_header(), "a string"),
        _compact(b'{"alg":"ES256","kid":"k1","kid":"k2"}', _claims(iss=str(ORG))),
        _compact(_header(), f'{{"iss":"{ORG}","exp":NaN}}'.encode()),
        _compact(_header(), b"[" * 3000 + b"]" * 3000),
        "a.b.c",
    ],
)
def test_segments_that_are_not_json_objects_are_refused(token: str) -> None:
    assert "JSON" in _refused(token)


# -- after the signature ----------------------------------------------------------------------


def _check(**claims: Any) -> Any:
    return check_claims(_claims(**claims), NOW, POLICY)


def _rejected(**claims: Any) -> str:
    with pytest.raises(TokenRejected) as refused:
        _check(**claims)
    return refused.value.reason


def test_a_token_grants_its_subject_and_scopes() -> None:
    grant = _check(scope="messages:read  messages:send")

    assert grant.subject == "agent-7"
    assert grant.scopes == {Scope.MESSAGES_READ, Scope.MESSAGES_SEND}
    assert grant.inbox_ids is None
    assert grant.inboxes(frozenset({uuid4()})) is None


def test_a_token_without_scope_grants_no_scope() -> None:
    assert _check().scopes == frozenset()


@pytest.mark.parametrize("scope", ["messages:read everything", "admin", "messages:read\tx", 7])
def test_an_unknown_scope_refuses_the_token(scope: object) -> None:
    assert "scope" in _rejected(scope=scope)


def test_exp_is_required_and_a_number() -> None:
    assert _rejected(exp=None) == "no exp"
    assert "NumericDate" in _rejected(exp=str(int(T + 60)))
    assert "NumericDate" in _rejected(exp=True)


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_iat_and_nbf_must_be_numbers_when_present(claim: str) -> None:
    assert "NumericDate" in _rejected(**{claim: "now"})


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_a_time_beyond_any_float_is_refused(claim: str) -> None:
    assert "out of range" in _rejected(**{claim: 10**400})


def test_an_inboxes_claim_of_null_is_refused_not_read_as_every_inbox() -> None:
    claims = {**_claims(), "inboxes": None}

    with pytest.raises(TokenRejected) as refused:
        check_claims(claims, NOW, POLICY)

    assert "inboxes" in refused.value.reason


def test_expiry_is_forgiven_the_leeway_and_no_more() -> None:
    assert _check(iat=T - 600, exp=T - 29).subject
    assert _rejected(iat=T - 600, exp=T - 30) == "expired"


def test_not_before_is_forgiven_the_leeway_and_no_more() -> None:
    assert _check(nbf=T + 30).subject
    assert "nbf" in _rejected(nbf=T + 31)


def test_a_token_issued_in_the_future_is_refused() -> None:
    assert _check(iat=T + 30).subject
    assert "iat" in _rejected(iat=T + 31, exp=T + 600)


def test_the_lifetime_is_capped_from_iat() -> None:
    day = timedelta(hours=24).total_seconds()

    assert _check(iat=T - 10, exp=T - 10 + day).subject
    assert "lives longer" in _rejected(iat=T - 10, exp=T - 10 + day + 1)


def test_without_iat_the_lifetime_is_counted_from_now() -> None:
    day = timedelta(hours=24).total_seconds()

    assert _check(iat=None, exp=T + day).subject
    assert "lives longer" in _rejected(iat=None, exp=T + day + 1)


def test_the_cap_is_the_deployments() -> None:
    short = TokenPolicy(audience="mailman", max_lifetime=timedelta(minutes=5))

    with pytest.raises(TokenRejected):
        check_claims(_claims(exp=T + 301), NOW, short)
    assert check_claims(_claims(exp=T + 300), NOW, short).subject


@pytest.mark.parametrize("sub", [None, "", "x" * 256, 7, "agent\x00", "agent\n7", "\ud800"])
def test_a_subject_is_required_printable_and_short(sub: object) -> None:
    assert "sub" in _rejected(sub=sub)


def test_a_subject_of_255_characters_is_kept() -> None:
    assert _check(sub="é" * 255).subject == "é" * 255


def test_inboxes_are_named_by_id_or_lower_cased_address() -> None:
    inbox = uuid4()
    other = uuid4()

    grant = _check(inboxes=[str(inbox), "Support@Example.COM", "sales@example.com"])

    assert grant.inbox_ids == {inbox}
    assert grant.addresses == ("sales@example.com", "support@example.com")
    assert grant.inboxes(frozenset({other})) == {inbox, other}


def test_an_internationalised_domain_is_written_as_the_database_spells_it() -> None:
    grant = _check(inboxes=["Support@Bücher.example", "support@xn--bcher-kva.example"])

    assert grant.addresses == ("support@xn--bcher-kva.example",)
    assert "domain" in _rejected(inboxes=["support@bü cher.example"])


def test_a_token_naming_only_unknown_addresses_reaches_no_inbox() -> None:
    grant = _check(inboxes=["nobody@example.com"])

    assert grant.inboxes(frozenset()) == frozenset()


@pytest.mark.parametrize(
    "inboxes",
    [
        [],
        "support@example.com",
        [7],
        ["support"],
        ["@example.com"],
        ["support@"],
        ["sup\x00port@example.com"],
        ["\u212aate@example.com"],
        [str(UUID(int=n)) for n in range(MAX_INBOXES + 1)],
        {"id": str(uuid4())},
    ],
)
def test_malformed_inboxes_refuse_the_token(inboxes: object) -> None:
    assert "inboxes" in _rejected(inboxes=inboxes)


def test_a_hundred_inboxes_are_allowed() -> None:
    named = [str(UUID(int=n)) for n in range(MAX_INBOXES)]

    assert len(_check(inboxes=named).inbox_ids or ()) == MAX_INBOXES


def test_the_deployments_default_cap_is_the_rules_default() -> None:
    from mailman.config import Settings
    from mailman.domain.tokens import DEFAULT_MAX_LIFETIME

    default = Settings.model_fields["token_max_lifetime_seconds"].default

    assert default == DEFAULT_MAX_LIFETIME.total_seconds()
