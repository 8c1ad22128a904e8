"""Authentication benchmark: what proving a caller costs an API request, by credential.

    .venv/bin/python bench/auth.py [--requests 2000] [--rounds 5]

The API function's handler runs in this process over an embedded PostgreSQL (as
`bench/send.py --round-trips` does), warm: the first request of each kind is made and not
timed. Each round then makes `--requests` requests `GET /inboxes/{id}` of each kind, the
kinds taking turns one request at a time (so the machine's swings fall on all alike):

- `api key`: `Authorization: Bearer mm_live_...` (the key's lookup and its rate limit, one
  statement);
- `jwt ES256`, `jwt RS256`: a token signed by the customer with a key registered at
  `POST /auth-keys`, bound to the inbox, with `inboxes:read` (the signature checked against
  the key cached from the first request, then the key's liveness and the rate limit, one
  statement);
- `no auth`: the same request handed to the router with its principal already known, so
  the difference to it is what authentication costs.

The table gives requests per second and the median and 99th percentile of one request,
over all rounds, and each kind's requests per second over the API key's. Nothing asserts
on time: the numbers are for people (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, redirect_stdout
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto import mock_aws

from local import ses_simulator
from local.apigw import LambdaContext, ProxyResult, proxy_event
from local.dns_zone import LocalZone
from local.postgres import local_database
from mailman.domain.ratelimit import BucketState
from mailman.services import domains, inboxes, organizations
from mailman.services.auth import Principal, api_keys

sys.path.append(str(Path(__file__).resolve().parents[1]))
from bench.parse import cpu_model, quantile

Call = Callable[[], float]
PRIVATE_PEM = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8


def _environment(folder: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": local_database(folder),
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "BUCKET_NAME": "mail",
        "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "10000000",
        "RATE_LIMIT_PER_MINUTE": "10000000",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "MailmanBench",
        "POWERTOOLS_SERVICE_NAME": "mailman",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def _keys() -> dict[str, tuple[str, str, str]]:
    """Algorithm -> (kid, private PEM, public PEM), made afresh."""
    made: dict[str, tuple[str, str, str]] = {}
    for algorithm, private in (
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
        ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ):
        made[algorithm] = (
            f"bench-{algorithm.lower()}",
            private.private_bytes(*PRIVATE_PEM, serialization.NoEncryption()).decode(),
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
        )
    return made


@contextmanager
def _function() -> Iterator[dict[str, Call]]:
    """The API function in this process, with an inbox, and one call per kind of request."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mailman-auth-")))
        stack.enter_context(mock.patch.dict(os.environ, _environment(folder)))
        stack.enter_context(mock_aws())
        ses_simulator.install(LocalZone(folder / "zone.json"))  # SES's domain identities
        boto3.client("s3").create_bucket(Bucket="mail")
        from functions.api import dependencies, handler  # once the environment is set

        c = dependencies.container()
        stack.callback(dependencies.container.cache_clear)
        stack.callback(c.database.close)
        org = organizations.create_organization(c.uow, "Acme").id
        created = api_keys.create_api_key(c.uow, c.clock, org, name="bench")
        key = created.secret
        domain = domains.create_domain(
            c.uow, c.verifier.identities, "us-east-1", org, "acme.example",
            domains.DomainSettings(),
        ).id  # fmt: skip
        inbox = inboxes.create_inbox(c.uow, org, domain_id=domain, local_part="bench").id
        context: Any = LambdaContext("mailman-api")
        stack.enter_context(redirect_stdout(io.StringIO()))  # Powertools' metrics (EMF)

        def call(bearer: str, path: str, method: str = "GET", body: Any = None) -> ProxyResult:
            event = proxy_event(
                method,
                path,
                headers=[
                    ("Authorization", f"Bearer {bearer}"),
                    ("Content-Type", "application/json"),
                ],
                body=json.dumps(body).encode() if body is not None else b"",
            )
            return ProxyResult.of(handler.handler(event, context))

        def timed(bearer: str) -> Call:
            def once() -> float:
                started = time.perf_counter()
                answer = call(bearer, f"/inboxes/{inbox}")
                took = time.perf_counter() - started
                assert answer.status == 200, answer.body
                return took

            return once

        calls = {"api key": timed(key)}
        for algorithm, (kid, private, public) in _keys().items():
            registered = call(
                key,
                "/auth-keys",
                "POST",
                {"kid": kid, "algorithm": algorithm, "public_key": public},
            )
            assert registered.status == 201, registered.body
            claims = json.loads(registered.body)
            now = int(time.time())
            token = jwt.encode(
                {
                    "iss": claims["issuer"],
                    "aud": claims["audience"],
                    "sub": "agent-7",
                    "iat": now,
                    "exp": now + 3600,
                    "scope": "inboxes:read",
                    "inboxes": [str(inbox)],
                },
                private,
                algorithm=algorithm,
                headers={"kid": kid},
            )
            calls[f"jwt {algorithm}"] = timed(token)

        pipeline = handler.pipeline()
        known = Principal(
            created.key.caller(), BucketState.for_limit(100, allowed=True, tokens=99.0)
        )

        def unauthenticated() -> float:
            event = proxy_event("GET", f"/inboxes/{inbox}", headers=[], body=b"")
            started = time.perf_counter()
            pipeline.app.context.update(principal=known, trace_id="bench")
            answer = ProxyResult.of(pipeline.app.resolve(event, context))
            took = time.perf_counter() - started
            assert answer.status == 200, answer.body
            return took

        calls["no auth"] = unauthenticated
        for once in calls.values():
            once()  # warm: routes built, connection open, keys cached
        yield calls


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--requests", type=int, default=2000, help="per kind and round")
    options.add_argument("--rounds", type=int, default=5)
    args = options.parse_args()
    print(
        f"Machine: {len(os.sched_getaffinity(0))} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}."
    )
    print(f"{args.rounds} rounds of {args.requests} GET /inboxes/{{id}} per kind, taking turns.\n")
    with _function() as calls:
        times: dict[str, list[float]] = {kind: [] for kind in calls}
        for _ in range(args.rounds):
            for _ in range(args.requests):
                for kind, once in calls.items():
                    times[kind].append(once())
    base = len(times["api key"]) / sum(times["api key"])
    print(f"| {'request':<10} | requests/s | p50 ms | p99 ms | / api key |")
    print("|---|---:|---:|---:|---:|")
    for kind, taken in times.items():
        rate = len(taken) / sum(taken)
        ordered = sorted(taken)
        print(
            f"| {kind:<10} | {rate:,.0f} | {quantile(ordered, 0.5) * 1000:.2f} "
            f"| {quantile(ordered, 0.99) * 1000:.2f} | {rate / base:.2f}x |"
        )


if __name__ == "__main__":
    main()
