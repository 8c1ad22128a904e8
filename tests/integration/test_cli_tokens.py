"""`mailman auth-keys` and `mailman token mint` against a real database, the tokens they make
used through the API handler."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.cli import main
from tests.jose import ec_key, private_pem, public_jwk, public_pem, rsa_key

from .conftest import ApiClient, Tenant
from .mail_helpers import MailSink


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def mailman(capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def signing_files(tmp_path: Path) -> tuple[Path, Path]:
    key = ec_key()
    private, public = tmp_path / "private.pem", tmp_path / "public.pem"
    private.write_text(private_pem(key))
    public.write_text(public_pem(key))
    return private, public


def _printed(run: Run) -> dict[str, str]:
    return dict(line.split(None, 1) for line in run.out.splitlines())


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def test_a_registered_key_signs_tokens_that_read_their_inbox(
    tenant: Tenant, mailbox: MailSink, mailman: Any, signing_files: tuple[Path, Path]
) -> None:
    private, public = signing_files
    org = str(tenant.organization_id)

    registered = mailman(
        "auth-keys", "register", "--org", org, "--kid", "agent", "--public-key", str(public)
    )
    minted = mailman(
        "token", "mint", "--key", str(private), "--kid", "agent", "--org", org,
        "--sub", "agent-1", "--inbox", "Support@example.com",
        "--scope", "inboxes:read messages:read", "--ttl", "15m",
    )  # fmt: skip

    assert registered.code == 0, registered.err
    shown = _printed(registered)
    assert (shown["kid"], shown["algorithm"], shown["issuer"], shown["audience"]) == (
        "agent",
        "ES256",
        org,
        "mailman",
    )
    assert minted.code == 0, minted.err
    token = minted.out.strip()
    claims = _claims(token)
    assert claims["exp"] - claims["iat"] == 900
    assert (claims["iss"], claims["sub"], claims["aud"]) == (org, "agent-1", "mailman")
    assert claims["scope"] == "inboxes:read messages:read"
    assert claims["inboxes"] == ["Support@example.com"]
    assert ApiClient(token).get(f"/inboxes/{mailbox.support}").status == 200


def test_a_revoked_key_stops_its_tokens(
    tenant: Tenant, mailman: Any, signing_files: tuple[Path, Path]
) -> None:
    private, public = signing_files
    org = str(tenant.organization_id)
    key_id = _printed(
        mailman("auth-keys", "register", "--org", org, "--kid", "k", "--public-key", str(public))
    )["id"]
    token = mailman(
        "token",
        "mint",
        "--key",
        str(private),
        "--kid",
        "k",
        "--org",
        org,
        "--scope",
        "inboxes:read",
    ).out.strip()
    assert ApiClient(token).get("/inboxes").status == 200

    revoked = mailman("auth-keys", "revoke", "--org", org, key_id)
    listed = mailman("auth-keys", "list", "--org", org)

    assert revoked.code == 0
    assert listed.out.split() == [key_id, "k", "ES256", "revoked"]
    assert ApiClient(token).get("/inboxes").status == 401


def test_an_rsa_jwk_file_is_registered_for_rs256(
    tenant: Tenant, mailman: Any, tmp_path: Path
) -> None:
    jwk = tmp_path / "key.json"
    jwk.write_text(json.dumps(public_jwk(rsa_key())))

    registered = mailman(
        "auth-keys", "register", "--org", "Acme", "--kid", "rsa", "--public-key", str(jwk)
    )

    assert registered.code == 0, registered.err
    assert _printed(registered)["algorithm"] == "RS256"


def test_a_private_key_is_refused_for_registration(
    tenant: Tenant, mailman: Any, signing_files: tuple[Path, Path]
) -> None:
    private, _ = signing_files

    refused = mailman(
        "auth-keys", "register", "--org", "Acme", "--kid", "k", "--public-key", str(private)
    )

    assert refused.code == 1
    assert "private key" in refused.err
    assert "(public_key)" in refused.err


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        (("--scope", "messages:read root"), "unknown scopes: root"),
        (("--ttl", "soon"), "not a lifetime"),
        (("--ttl", "0"), "not a lifetime"),
    ],
)
def test_mint_refuses_what_no_token_may_say(
    mailman: Any, signing_files: tuple[Path, Path], argument: tuple[str, str], expected: str
) -> None:
    private, _ = signing_files
    org = "6b1f1a8e-2d44-4a8e-9a55-0e3c1f9f2b10"

    refused = mailman("token", "mint", "--key", str(private), "--kid", "k", "--org", org, *argument)

    assert refused.code == 1
    assert expected in refused.err
    assert refused.out == ""


def test_mint_refuses_a_file_that_is_no_private_key(
    mailman: Any, signing_files: tuple[Path, Path]
) -> None:
    _, public = signing_files
    org = "6b1f1a8e-2d44-4a8e-9a55-0e3c1f9f2b10"

    refused = mailman("token", "mint", "--key", str(public), "--kid", "k", "--org", org)

    assert refused.code == 1
    assert "private key" in refused.err


def test_a_token_without_scope_is_minted_with_a_warning(
    mailman: Any, signing_files: tuple[Path, Path]
) -> None:
    private, _ = signing_files
    org = "6b1f1a8e-2d44-4a8e-9a55-0e3c1f9f2b10"

    minted = mailman("token", "mint", "--key", str(private), "--kid", "k", "--org", org)

    assert minted.code == 0
    assert "no scope" in minted.err
    assert "scope" not in _claims(minted.out.strip())
